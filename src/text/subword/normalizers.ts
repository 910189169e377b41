import { SmyslError } from '../../errors.js';
import { AlignedString, type Normalizer } from './aligned.js';
import { PrecompiledNormalizer } from './precompiled.js';

// AlignedString and Normalizer live in aligned.ts so that precompiled.ts, which this module
// dispatches to, can use them without importing this module back.
export { AlignedString, type Normalizer } from './aligned.js';

const MARK = /\p{M}/u;
const NONSPACING_MARK = /\p{Mn}/gu;
// Hangul vowel and final jamo compose with the syllable before them under NFC/NFKC.
const isClusterContinuation = (cp: number): boolean =>
  (cp >= 0x1160 && cp <= 0x11ff) || (cp >= 0x0300 && MARK.test(String.fromCodePoint(cp)));

/** Unicode normalization forms, applied per base character + its combining marks. */
export class UnicodeNormalizer implements Normalizer {
  constructor(readonly form: 'NFC' | 'NFD' | 'NFKC' | 'NFKD') {}
  normalize(input: AlignedString): AlignedString {
    return input.mapClusters(isClusterContinuation, (cluster) => cluster.normalize(this.form));
  }
  toJSON() {
    return { type: this.form };
  }
}

const CASED = /\p{Cased}/u;
const CASE_IGNORABLE = /\p{Case_Ignorable}/u;

/** JavaScript's toLowerCase per code point, with Unicode's context rule for final sigma. */
export function lowercaseCodePoint(
  cp: number,
  index: number,
  text: string,
  skip?: (cp: number) => boolean,
): string {
  if (cp < 0x80) return cp >= 0x41 && cp <= 0x5a ? String.fromCharCode(cp + 32) : String.fromCharCode(cp);
  if (cp !== 0x3a3) return String.fromCodePoint(cp).toLowerCase();
  return isFinalSigma(text, index, skip) ? '\u03c2' : '\u03c3';
}

function isFinalSigma(text: string, index: number, skip?: (cp: number) => boolean): boolean {
  let before = false;
  for (let i = index - 1; i >= 0; i--) {
    let cp = text.charCodeAt(i);
    if (cp >= 0xdc00 && cp <= 0xdfff && i > 0) {
      const hi = text.charCodeAt(i - 1);
      if (hi >= 0xd800 && hi <= 0xdbff) {
        cp = text.codePointAt(i - 1)!;
        i--;
      }
    }
    if (skip?.(cp)) continue;
    const ch = String.fromCodePoint(cp);
    if (CASE_IGNORABLE.test(ch)) continue;
    before = CASED.test(ch);
    break;
  }
  if (!before) return false;
  for (let i = index + 1; i < text.length; ) {
    const cp = text.codePointAt(i)!;
    i += cp > 0xffff ? 2 : 1;
    if (skip?.(cp)) continue;
    const ch = String.fromCodePoint(cp);
    if (CASE_IGNORABLE.test(ch)) continue;
    return !CASED.test(ch);
  }
  return true;
}

export class LowercaseNormalizer implements Normalizer {
  normalize(input: AlignedString): AlignedString {
    return input.mapCodePoints((cp, i, text) => lowercaseCodePoint(cp, i, text));
  }
  toJSON() {
    return { type: 'Lowercase' };
  }
}

/** Removes combining marks (as the reference's StripAccents: every \p{M}). */
export class StripAccentsNormalizer implements Normalizer {
  normalize(input: AlignedString): AlignedString {
    return input.mapCodePoints((cp) => {
      const ch = String.fromCodePoint(cp);
      return cp >= 0x300 && MARK.test(ch) ? '' : ch;
    });
  }
  toJSON() {
    return { type: 'StripAccents' };
  }
}

const JS_WHITESPACE = /^\s$/u;
const CONTROL = /^(?:\p{Cc}|\p{Cf}|\p{Co}|\p{Cs})$/u;

/** True for characters BERT's clean-text step deletes (NUL, U+FFFD, controls other than \t\n\r). */
export function isBertRemoved(cp: number): boolean {
  if (cp === 0 || cp === 0xfffd) return true;
  if (cp === 9 || cp === 10 || cp === 13) return false;
  if (cp >= 0x20 && cp < 0x7f) return false;
  return CONTROL.test(String.fromCodePoint(cp));
}

export function isJsWhitespace(cp: number): boolean {
  if (cp === 32 || (cp >= 9 && cp <= 13)) return true;
  if (cp < 0x80) return false;
  return JS_WHITESPACE.test(String.fromCodePoint(cp));
}

/** CJK ideographs BERT surrounds with spaces (BMP blocks; the reference checks UTF-16 units). */
export function isChineseChar(cp: number): boolean {
  return (
    (cp >= 0x4e00 && cp <= 0x9fff) ||
    (cp >= 0x3400 && cp <= 0x4dbf) ||
    (cp >= 0xf900 && cp <= 0xfaff) ||
    (cp >= 0x20000 && cp <= 0x2a6df) ||
    (cp >= 0x2a700 && cp <= 0x2b73f) ||
    (cp >= 0x2b740 && cp <= 0x2b81f) ||
    (cp >= 0x2b820 && cp <= 0x2ceaf) ||
    (cp >= 0x2f800 && cp <= 0x2fa1f)
  );
}

export interface BertNormalizerOptions {
  cleanText: boolean;
  handleChineseChars: boolean;
  /** null: follow `lowercase` (as BERT does). */
  stripAccents: boolean | null;
  lowercase: boolean;
}

/** Lowercase + NFD + drop nonspacing marks for one character (the context-free part). */
export function bertFoldChar(ch: string, lowercase: boolean, strip: boolean): string {
  let s = lowercase ? ch.toLowerCase() : ch;
  if (strip) s = s.normalize('NFD').replace(NONSPACING_MARK, '');
  return s;
}

export class BertNormalizer implements Normalizer {
  readonly options: BertNormalizerOptions;
  constructor(options: Partial<BertNormalizerOptions> = {}) {
    this.options = {
      cleanText: options.cleanText ?? true,
      handleChineseChars: options.handleChineseChars ?? true,
      stripAccents: options.stripAccents ?? null,
      lowercase: options.lowercase ?? true,
    };
  }
  get strips(): boolean {
    const { lowercase, stripAccents } = this.options;
    return lowercase ? stripAccents !== false : stripAccents === true;
  }
  normalize(input: AlignedString): AlignedString {
    const { cleanText, handleChineseChars, lowercase } = this.options;
    const strip = this.strips;
    let s = input;
    if (cleanText)
      s = s.mapCodePoints((cp) =>
        isBertRemoved(cp) ? '' : isJsWhitespace(cp) ? ' ' : String.fromCodePoint(cp),
      );
    if (handleChineseChars)
      s = s.mapCodePoints((cp) =>
        cp <= 0xffff && isChineseChar(cp) ? ` ${String.fromCharCode(cp)} ` : String.fromCodePoint(cp),
      );
    if (lowercase || strip)
      s = s.mapCodePoints((cp, i, text) => {
        const ch = lowercase ? lowercaseCodePoint(cp, i, text) : String.fromCodePoint(cp);
        return strip ? ch.normalize('NFD').replace(NONSPACING_MARK, '') : ch;
      });
    return s;
  }
  toJSON() {
    const o = this.options;
    return {
      type: 'BertNormalizer',
      clean_text: o.cleanText,
      handle_chinese_chars: o.handleChineseChars,
      strip_accents: o.stripAccents,
      lowercase: o.lowercase,
    };
  }
}

export class ReplaceNormalizer implements Normalizer {
  private readonly regex: RegExp;
  constructor(
    readonly pattern: { String?: string; Regex?: string },
    readonly content: string,
  ) {
    this.regex = patternToRegExp(pattern);
  }
  normalize(input: AlignedString): AlignedString {
    const text = input.text;
    const starts: number[] = [];
    const ends: number[] = [];
    const parts: string[] = [];
    let last = 0;
    for (const m of text.matchAll(this.regex)) {
      const at = m.index!;
      if (m[0].length === 0) continue;
      parts.push(text.slice(last, at));
      for (let k = last; k < at; k++) {
        starts.push(input.starts[k]);
        ends.push(input.ends[k]);
      }
      parts.push(this.content);
      const [s, e] = input.span(at, at + m[0].length);
      for (let k = 0; k < this.content.length; k++) {
        starts.push(s);
        ends.push(e);
      }
      last = at + m[0].length;
    }
    parts.push(text.slice(last));
    for (let k = last; k < text.length; k++) {
      starts.push(input.starts[k]);
      ends.push(input.ends[k]);
    }
    return new AlignedString(parts.join(''), starts, ends);
  }
  toJSON() {
    return { type: 'Replace', pattern: this.pattern, content: this.content };
  }
}

export function patternToRegExp(pattern: { String?: string; Regex?: string }): RegExp {
  if (pattern.String !== undefined)
    return new RegExp(pattern.String.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'), 'gu');
  if (pattern.Regex !== undefined) {
    try {
      return new RegExp(pattern.Regex, 'gu');
    } catch (error) {
      throw new SmyslError(
        'E_MODEL',
        `unsupported regular expression in tokenizer.json: ${pattern.Regex} (${String(error)})`,
      );
    }
  }
  throw new SmyslError('E_MODEL', 'tokenizer.json pattern has neither String nor Regex');
}

export class PrependNormalizer implements Normalizer {
  constructor(readonly prefix: string) {}
  normalize(input: AlignedString): AlignedString {
    return input.prepend(this.prefix);
  }
  toJSON() {
    return { type: 'Prepend', prepend: this.prefix };
  }
}

export class StripNormalizer implements Normalizer {
  constructor(
    readonly left: boolean,
    readonly right: boolean,
  ) {}
  normalize(input: AlignedString): AlignedString {
    const text = input.text;
    let from = 0;
    let to = text.length;
    if (this.left) while (from < to && isJsWhitespace(text.charCodeAt(from))) from++;
    if (this.right) while (to > from && isJsWhitespace(text.charCodeAt(to - 1))) to--;
    return from === 0 && to === text.length ? input : input.slice(from, to);
  }
  toJSON() {
    return { type: 'Strip', strip_left: this.left, strip_right: this.right };
  }
}

export class SequenceNormalizer implements Normalizer {
  constructor(readonly normalizers: Normalizer[]) {}
  normalize(input: AlignedString): AlignedString {
    let s = input;
    for (const n of this.normalizers) s = n.normalize(s);
    return s;
  }
  toJSON() {
    return { type: 'Sequence', normalizers: this.normalizers.map((n) => n.toJSON()) };
  }
}

// biome-ignore lint/suspicious/noExplicitAny: tokenizer.json is untyped JSON
export function normalizerFromJSON(config: any): Normalizer | null {
  if (config === null || config === undefined) return null;
  switch (config.type) {
    case 'BertNormalizer':
      return new BertNormalizer({
        cleanText: config.clean_text ?? true,
        handleChineseChars: config.handle_chinese_chars ?? true,
        stripAccents: config.strip_accents ?? null,
        lowercase: config.lowercase ?? true,
      });
    case 'NFC':
    case 'NFD':
    case 'NFKC':
    case 'NFKD':
      return new UnicodeNormalizer(config.type);
    case 'Lowercase':
      return new LowercaseNormalizer();
    case 'StripAccents':
      return new StripAccentsNormalizer();
    case 'Replace':
      return new ReplaceNormalizer(config.pattern, config.content);
    case 'Prepend':
      return new PrependNormalizer(config.prepend);
    case 'Strip':
      return new StripNormalizer(config.strip_left ?? false, config.strip_right ?? false);
    case 'Precompiled':
      // An empty map (SentencePiece models trained with the identity normalizer) changes nothing.
      return config.precompiled_charsmap ? new PrecompiledNormalizer(config.precompiled_charsmap) : null;
    case 'Sequence':
      return new SequenceNormalizer((config.normalizers ?? []).map(normalizerFromJSON).filter(Boolean));
    default:
      throw new SmyslError('E_MODEL', `unsupported normalizer in tokenizer.json: ${config.type}`);
  }
}
