import {
  type BertNormalizer,
  bertFoldChar,
  isBertRemoved,
  isChineseChar,
  isJsWhitespace,
  lowercaseCodePoint,
} from './normalizers.js';

const UNKNOWN = 0;
const REMOVED = 1; // deleted by clean-text, or folds to nothing; never breaks a word
const SPACE = 2;
const ALONE = 3; // CJK ideograph: a word by itself
const PUNCT = 4; // a word by itself
const ASCII_WORD = 5;
const WORD = 6;
const COMPLEX = 7; // folds to several characters some of which split words: use the general path
const SIGMA = 8; // Σ lowercases by context

const PUNCT_CHAR = /^[\p{P}\u0021-\u002F\u003A-\u0040\u005B-\u0060\u007B-\u007E]$/u;

/**
 * Receives one word: its normalized text and where it came from. With `starts` null the word
 * maps unit-for-unit onto original [origStart, origEnd) when the lengths agree, else every unit
 * maps to that whole span.
 */
export type WordSink = (
  word: string,
  origStart: number,
  origEnd: number,
  starts: number[] | null,
  ends: number[] | null,
) => void;

/**
 * BERT's normalizer and pre-tokenizer fused into one pass over the original string, with a
 * per-character table, so that no normalized copy of the text is ever built for ASCII words.
 * Produces exactly the words of BertNormalizer → BertPreTokenizer.
 */
export class BertWordScanner {
  private readonly kinds = new Uint8Array(0x10000);
  private readonly folds: (string | undefined)[] = new Array(0x10000);
  private readonly astral = new Map<number, [number, string]>();
  private readonly lowercase: boolean;
  private readonly strip: boolean;
  private readonly clean: boolean;
  private readonly chinese: boolean;
  private readonly starts: number[] = [];
  private readonly ends: number[] = [];

  constructor(normalizer: BertNormalizer | null) {
    const o = normalizer?.options;
    this.lowercase = o?.lowercase ?? false;
    this.strip = normalizer ? normalizer.strips : false;
    this.clean = o?.cleanText ?? false;
    this.chinese = o?.handleChineseChars ?? false;
  }

  private classify(cp: number): [number, string] {
    const ch = String.fromCodePoint(cp);
    if (this.clean && isBertRemoved(cp)) return [REMOVED, ''];
    if (isJsWhitespace(cp)) return [SPACE, ' '];
    if (this.chinese && cp <= 0xffff && isChineseChar(cp))
      return [ALONE, bertFoldChar(ch, this.lowercase, this.strip)];
    if (cp === 0x3a3 && this.lowercase) return [SIGMA, ''];
    const fold = bertFoldChar(ch, this.lowercase, this.strip);
    if (fold === '') return [REMOVED, ''];
    let punct = 0;
    let other = 0;
    for (const c of fold) {
      if (PUNCT_CHAR.test(c)) punct++;
      else if (isJsWhitespace(c.codePointAt(0)!)) return [COMPLEX, fold];
      else other++;
    }
    if (punct === 0) return [cp < 0x80 ? ASCII_WORD : WORD, fold];
    if (punct === 1 && other === 0) return [PUNCT, fold];
    return [COMPLEX, fold];
  }

  private kindOf(cp: number): number {
    if (cp <= 0xffff) {
      let kind = this.kinds[cp];
      if (kind === UNKNOWN) {
        const [k, fold] = this.classify(cp);
        this.kinds[cp] = kind = k;
        this.folds[cp] = fold;
      }
      return kind;
    }
    let entry = this.astral.get(cp);
    if (!entry) {
      entry = this.classify(cp);
      this.astral.set(cp, entry);
    }
    return entry[0];
  }

  private foldOf(cp: number): string {
    return cp <= 0xffff ? this.folds[cp]! : this.astral.get(cp)![1];
  }

  /** Emits the words of text[from, to). Returns false (emitting nothing) if the general path is needed. */
  scan(text: string, from: number, to: number, sink: WordSink): boolean {
    // First pass checks for characters the fused path cannot handle.
    for (let i = from; i < to; i++) {
      const c = text.charCodeAt(i);
      if (c < 0x80) continue;
      const cp = text.codePointAt(i)!;
      if (cp > 0xffff) i++;
      if (this.kindOf(cp) === COMPLEX) return false;
    }
    let wordStart = -1;
    let pure = true;
    for (let i = from; i < to; ) {
      const c = text.charCodeAt(i);
      let cp = c;
      let width = 1;
      let kind: number;
      if (c < 0x80) kind = this.kindOf(c);
      else {
        cp = text.codePointAt(i)!;
        width = cp > 0xffff ? 2 : 1;
        kind = this.kindOf(cp);
      }
      if (kind === ASCII_WORD || kind === WORD || kind === SIGMA || kind === REMOVED) {
        if (wordStart < 0) {
          wordStart = i;
          pure = true;
        }
        if (kind !== ASCII_WORD) pure = false;
      } else {
        if (wordStart >= 0) this.emitWord(text, wordStart, i, pure, sink);
        wordStart = -1;
        if (kind === PUNCT || kind === ALONE) {
          const fold = this.foldOf(cp);
          if (fold.length) sink(fold, i, i + width, null, null);
        }
      }
      i += width;
    }
    if (wordStart >= 0) this.emitWord(text, wordStart, to, pure, sink);
    return true;
  }

  private emitWord(text: string, from: number, to: number, pure: boolean, sink: WordSink): void {
    if (pure) {
      const word = text.slice(from, to);
      sink(this.lowercase ? word.toLowerCase() : word, from, to, null, null);
      return;
    }
    const starts = this.starts;
    const ends = this.ends;
    starts.length = 0;
    ends.length = 0;
    let word = '';
    for (let i = from; i < to; ) {
      const cp = text.codePointAt(i)!;
      const width = cp > 0xffff ? 2 : 1;
      const kind = this.kindOf(cp);
      let fold: string;
      if (kind === SIGMA) fold = lowercaseCodePoint(cp, i, text, this.clean ? isBertRemoved : undefined);
      else fold = kind === REMOVED ? '' : this.foldOf(cp);
      for (let k = 0; k < fold.length; k++) {
        starts.push(i);
        ends.push(i + width);
      }
      word += fold;
      i += width;
    }
    if (word.length) sink(word, from, to, starts, ends);
  }
}
