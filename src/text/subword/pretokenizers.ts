import { SmyslError } from '../../errors.js';
import { type AlignedString, patternToRegExp } from './normalizers.js';

/** Splits normalized text into words; each word keeps its alignment to the original input. */
export interface PreTokenizer {
  /** `sectionIndex`: position of this text among the pieces between added tokens. */
  split(input: AlignedString, sectionIndex: number): AlignedString[];
  toJSON(): Record<string, unknown>;
}

/** Slices `input` at every match of `regex` (matches become the words). */
function matchesOf(input: AlignedString, regex: RegExp): AlignedString[] {
  const out: AlignedString[] = [];
  for (const m of input.text.matchAll(regex)) {
    if (m[0].length) out.push(input.slice(m.index!, m.index! + m[0].length));
  }
  return out;
}

export const PUNCTUATION_CLASS = '\\p{P}\\u0021-\\u002F\\u003A-\\u0040\\u005B-\\u0060\\u007B-\\u007E';
const BERT_PATTERN = new RegExp(`[^\\s${PUNCTUATION_CLASS}]+|[${PUNCTUATION_CLASS}]`, 'gu');

/** BERT: split on whitespace, and every punctuation character is its own word. */
export class BertPreTokenizer implements PreTokenizer {
  split(input: AlignedString): AlignedString[] {
    return matchesOf(input, BERT_PATTERN);
  }
  toJSON() {
    return { type: 'BertPreTokenizer' };
  }
}

/** Runs of word characters, or runs of other non-space characters (ASCII \w, as the reference). */
export class WhitespacePreTokenizer implements PreTokenizer {
  split(input: AlignedString): AlignedString[] {
    return matchesOf(input, /\w+|[^\w\s]+/g);
  }
  toJSON() {
    return { type: 'Whitespace' };
  }
}

export class WhitespaceSplitPreTokenizer implements PreTokenizer {
  split(input: AlignedString): AlignedString[] {
    return matchesOf(input, /\S+/g);
  }
  toJSON() {
    return { type: 'WhitespaceSplit' };
  }
}

export class PunctuationPreTokenizer implements PreTokenizer {
  private static readonly pattern = new RegExp(`[^${PUNCTUATION_CLASS}]+|[${PUNCTUATION_CLASS}]+`, 'gu');
  split(input: AlignedString): AlignedString[] {
    return matchesOf(input, PunctuationPreTokenizer.pattern);
  }
  toJSON() {
    return { type: 'Punctuation', behavior: 'Contiguous' };
  }
}

export class DigitsPreTokenizer implements PreTokenizer {
  private readonly pattern: RegExp;
  constructor(readonly individualDigits: boolean) {
    this.pattern = new RegExp(`[^\\d]+|\\d${individualDigits ? '' : '+'}`, 'gu');
  }
  split(input: AlignedString): AlignedString[] {
    return matchesOf(input, this.pattern);
  }
  toJSON() {
    return { type: 'Digits', individual_digits: this.individualDigits };
  }
}

/**
 * SentencePiece's ▁: spaces become `replacement`, a ▁ is prepended, and (when `split`) each
 * word starts at a ▁. Splitting cannot change the result of a model whose pieces never contain an
 * inner ▁, which holds for every model smysl trains.
 */
export class MetaspacePreTokenizer implements PreTokenizer {
  constructor(
    readonly replacement = '\u2581',
    readonly prependScheme: 'always' | 'first' | 'never' = 'always',
    readonly splitWords = true,
  ) {}
  split(input: AlignedString, sectionIndex: number): AlignedString[] {
    let s = input.mapCodePoints((cp) => (cp === 32 ? this.replacement : String.fromCodePoint(cp)));
    if (
      !s.text.startsWith(this.replacement) &&
      (this.prependScheme === 'always' || (this.prependScheme === 'first' && sectionIndex === 0))
    )
      s = s.prepend(this.replacement);
    if (!this.splitWords) return s.text.length ? [s] : [];
    const out: AlignedString[] = [];
    const text = s.text;
    let start = 0;
    for (let i = 1; i <= text.length; i++) {
      if (i === text.length || text.startsWith(this.replacement, i)) {
        if (i > start) out.push(s.slice(start, i));
        start = i;
      }
    }
    return out;
  }
  toJSON() {
    return {
      type: 'Metaspace',
      replacement: this.replacement,
      prepend_scheme: this.prependScheme,
      split: this.splitWords,
    };
  }
}

/** GPT-2's byte-to-unicode table: every byte maps to a printable character. */
export const BYTE_TO_UNICODE: string[] = (() => {
  const bytes: number[] = [];
  for (let b = 0x21; b <= 0x7e; b++) bytes.push(b);
  for (let b = 0xa1; b <= 0xac; b++) bytes.push(b);
  for (let b = 0xae; b <= 0xff; b++) bytes.push(b);
  const chars = bytes.slice();
  let n = 0;
  for (let b = 0; b < 256; b++) {
    if (!bytes.includes(b)) {
      bytes.push(b);
      chars.push(256 + n);
      n++;
    }
  }
  const table = new Array<string>(256);
  bytes.forEach((b, i) => {
    table[b] = String.fromCharCode(chars[i]);
  });
  return table;
})();

export const UNICODE_TO_BYTE: Map<string, number> = new Map(BYTE_TO_UNICODE.map((ch, b) => [ch, b]));

const GPT2_PATTERN = /'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+/gu;

/** UTF-8 bytes of `word`, each shown as its byte-to-unicode character, alignment kept per byte. */
export function toByteLevel(word: AlignedString): AlignedString {
  return word.mapCodePoints((cp) => {
    if (cp < 0x80) return BYTE_TO_UNICODE[cp];
    if (cp < 0x800) return BYTE_TO_UNICODE[0xc0 | (cp >> 6)] + BYTE_TO_UNICODE[0x80 | (cp & 63)];
    if (cp < 0x10000)
      return (
        BYTE_TO_UNICODE[0xe0 | (cp >> 12)] +
        BYTE_TO_UNICODE[0x80 | ((cp >> 6) & 63)] +
        BYTE_TO_UNICODE[0x80 | (cp & 63)]
      );
    return (
      BYTE_TO_UNICODE[0xf0 | (cp >> 18)] +
      BYTE_TO_UNICODE[0x80 | ((cp >> 12) & 63)] +
      BYTE_TO_UNICODE[0x80 | ((cp >> 6) & 63)] +
      BYTE_TO_UNICODE[0x80 | (cp & 63)]
    );
  });
}

export class ByteLevelPreTokenizer implements PreTokenizer {
  constructor(
    readonly addPrefixSpace = false,
    readonly trimOffsets = true,
    readonly useRegex = true,
  ) {}
  split(input: AlignedString): AlignedString[] {
    let s = input;
    if (this.addPrefixSpace && !s.text.startsWith(' ')) s = s.prepend(' ');
    const words = this.useRegex ? matchesOf(s, GPT2_PATTERN) : s.text.length ? [s] : [];
    return words.map(toByteLevel);
  }
  toJSON() {
    return {
      type: 'ByteLevel',
      add_prefix_space: this.addPrefixSpace,
      trim_offsets: this.trimOffsets,
      use_regex: this.useRegex,
    };
  }
}

type SplitBehavior = 'removed' | 'isolated' | 'mergedwithprevious' | 'mergedwithnext' | 'contiguous';

export class SplitPreTokenizer implements PreTokenizer {
  private readonly regex: RegExp;
  constructor(
    readonly pattern: { String?: string; Regex?: string },
    readonly behavior: string,
    readonly invert: boolean,
  ) {
    this.regex = patternToRegExp(pattern);
  }
  split(input: AlignedString): AlignedString[] {
    if (this.invert) return matchesOf(input, this.regex);
    const text = input.text;
    const behavior = this.behavior.toLowerCase() as SplitBehavior;
    // Pieces as [from, to, isMatch].
    const pieces: [number, number, boolean][] = [];
    let last = 0;
    for (const m of text.matchAll(this.regex)) {
      if (!m[0].length) continue;
      if (m.index! > last) pieces.push([last, m.index!, false]);
      pieces.push([m.index!, m.index! + m[0].length, true]);
      last = m.index! + m[0].length;
    }
    if (last < text.length) pieces.push([last, text.length, false]);
    const spans: [number, number][] = [];
    for (const [from, to, isMatch] of pieces) {
      const prev = spans[spans.length - 1];
      if (behavior === 'removed') {
        if (!isMatch) spans.push([from, to]);
      } else if (behavior === 'mergedwithprevious') {
        if (isMatch && prev && prev[1] === from) prev[1] = to;
        else spans.push([from, to]);
      } else if (behavior === 'mergedwithnext') {
        if (!isMatch && prev && prev[1] === from && pieces.find((p) => p[0] === prev[0])?.[2]) prev[1] = to;
        else spans.push([from, to]);
      } else spans.push([from, to]);
    }
    return spans.map(([from, to]) => input.slice(from, to));
  }
  toJSON() {
    return { type: 'Split', pattern: this.pattern, behavior: this.behavior, invert: this.invert };
  }
}

export class SequencePreTokenizer implements PreTokenizer {
  constructor(readonly preTokenizers: PreTokenizer[]) {}
  split(input: AlignedString, sectionIndex: number): AlignedString[] {
    let words = [input];
    for (const p of this.preTokenizers) words = words.flatMap((w) => p.split(w, sectionIndex));
    return words;
  }
  toJSON() {
    return { type: 'Sequence', pretokenizers: this.preTokenizers.map((p) => p.toJSON()) };
  }
}

// biome-ignore lint/suspicious/noExplicitAny: tokenizer.json is untyped JSON
export function preTokenizerFromJSON(config: any): PreTokenizer | null {
  if (config === null || config === undefined) return null;
  switch (config.type) {
    case 'BertPreTokenizer':
      return new BertPreTokenizer();
    case 'Whitespace':
      return new WhitespacePreTokenizer();
    case 'WhitespaceSplit':
      return new WhitespaceSplitPreTokenizer();
    case 'Punctuation':
      return new PunctuationPreTokenizer();
    case 'Digits':
      return new DigitsPreTokenizer(config.individual_digits ?? false);
    case 'Metaspace':
      return new MetaspacePreTokenizer(
        config.replacement ?? '\u2581',
        config.prepend_scheme ?? (config.add_prefix_space === false ? 'never' : 'always'),
        config.split ?? true,
      );
    case 'ByteLevel':
      return new ByteLevelPreTokenizer(
        config.add_prefix_space ?? false,
        config.trim_offsets ?? true,
        config.use_regex ?? true,
      );
    case 'Split':
      return new SplitPreTokenizer(config.pattern, config.behavior ?? 'Isolated', config.invert ?? false);
    case 'Sequence':
      return new SequencePreTokenizer((config.pretokenizers ?? []).map(preTokenizerFromJSON).filter(Boolean));
    default:
      throw new SmyslError('E_MODEL', `unsupported pre-tokenizer in tokenizer.json: ${config.type}`);
  }
}
