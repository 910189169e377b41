/**
 * What a static student sees of a text: every word becomes a few rows of one embedding table —
 * the word itself, its Snowball stem and its character n-grams (fastText's `<word>` n-grams) —
 * whichever of them the vocabulary holds. A word's rows share its weight equally (fastText
 * averages a word's vector and its n-grams the same way), so a long word does not outweigh a
 * short one, and an unseen inflection still lands near its stem.
 */
import { normalize } from '../../text/normalize.js';
import { stem } from '../../text/stem.js';
import { words } from '../../text/tokenize.js';

export interface FeatureSettings {
  /** Shortest character n-gram (code points, `<` and `>` included); 0 with maxn 0 turns them off. */
  minn: number;
  /** Longest character n-gram. */
  maxn: number;
  /** Add a row for each word's Snowball stem (Russian for Cyrillic words, English otherwise). */
  stems: boolean;
  /**
   * Weight of a fixed random "identity" vector added for a word the vocabulary has no word
   * row for (0 = off). Its n-grams alone give such a word a generic direction shared with many
   * others; the identity vector lets two texts that share a rare word (a name, a dish, a term)
   * match on it, as a subword model would. Identity vectors are never trained or stored: they
   * come from a hash of the word (see identityRow).
   */
  identity?: number;
  /**
   * Share of an induced row (`i <stem>`, see induce.ts) in its word's vector; the word's
   * character n-grams share the rest. Default 1: the induced row alone.
   */
  induced?: number;
}

export const DEFAULT_FEATURES: FeatureSettings = { minn: 3, maxn: 5, stems: true };

/** Identity rows are numbered from this offset past the table's rows (2^20 buckets). */
export const IDENTITY_BUCKETS = 1 << 20;

/** 32-bit FNV-1a of a string's UTF-16 code units. */
function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/** Keys of the three kinds of rows; one table holds them all. */
export const wordKey = (w: string): string => `w ${w}`;
export const stemKey = (s: string): string => `s ${s}`;
export const gramKey = (g: string): string => `g ${g}`;
/** A row induced from context for a whole word, per Snowball stem (see induce.ts). */
export const inducedKey = (s: string): string => `i ${s}`;

/** Lowercase, NFKC, stress marks and accents off, ё → е: the forms the vocabulary is keyed by. */
export function normalizeForStudent(text: string): string {
  return normalize(text, { stripAccents: true, yoToYe: true });
}

/** The words of a text as the student keys them. */
export function studentWords(text: string): string[] {
  return words(normalizeForStudent(text));
}

/** Character n-grams of `<word>` from minn to maxn code points (single boundary marks skipped). */
export function charNgramsOf(word: string, minn: number, maxn: number): string[] {
  const out: string[] = [];
  if (maxn <= 0) return out;
  const chars = Array.from(`<${word}>`);
  for (let i = 0; i < chars.length; i++) {
    for (let n = Math.max(1, minn); n <= maxn && i + n <= chars.length; n++) {
      if (n === 1 && (i === 0 || i + 1 === chars.length)) continue;
      // the whole "<word>" is the word row's job
      if (i === 0 && n === chars.length) continue;
      out.push(chars.slice(i, i + n).join(''));
    }
  }
  return out;
}

/** All candidate keys of one (normalized) word, word first. */
export function keysOfWord(word: string, settings: FeatureSettings): string[] {
  const keys = [wordKey(word)];
  if (settings.stems) {
    const s = stem(word);
    if (s) keys.push(stemKey(s));
  }
  for (const g of charNgramsOf(word, settings.minn, settings.maxn)) keys.push(gramKey(g));
  return keys;
}

/**
 * Texts as rows of the table with their pooling coefficients, in CSR layout: text t uses
 * rows[offsets[t]..offsets[t+1]) with coefs[...]; a word with k known rows gives each 1/k.
 * Rows at or past the vocabulary's size are identity rows (row - size = bucket).
 */
export interface FeaturizedTexts {
  count: number;
  offsets: Int32Array;
  rows: Int32Array;
  coefs: Float32Array;
}

/** Rows a collection learned for its own words, as `featurize` consults them (words.ts). */
export interface LocalRows {
  /** A word's rows led by its local row (ids past the identity buckets), or null. */
  rowsOfWord(word: string): Int32Array | null;
  coefficient(rows: Int32Array, k: number): number;
}

/** Maps keys to rows; built once per model and saved with it. */
export class FeatureVocabulary {
  private readonly index = new Map<string, number>();
  private readonly wordCache = new Map<string, Int32Array>();
  /** Whether any key is an induced row (`i <stem>`); a model without them skips the lookup. */
  private readonly induced: boolean;
  /** 1 for induced rows. */
  private readonly inducedMark: Uint8Array;

  constructor(
    readonly keys: readonly string[],
    readonly settings: FeatureSettings,
  ) {
    keys.forEach((k, i) => {
      this.index.set(k, i);
    });
    this.inducedMark = new Uint8Array(keys.length);
    keys.forEach((k, i) => {
      if (k.startsWith('i ')) this.inducedMark[i] = 1;
    });
    this.induced = this.inducedMark.includes(1);
  }

  /**
   * The pooling coefficient of the k-th of a word's rows (`rowsOfWord`): 1/n each, except that
   * an induced row (always first) takes `settings.induced` and the n-grams share the rest.
   */
  coefficient(rows: Int32Array, k: number): number {
    const n = rows.length;
    if (n > 1 && this.induced && this.inducedMark[rows[0]]) {
      const a = this.settings.induced ?? 1;
      return k === 0 ? a : (1 - a) / (n - 1);
    }
    return 1 / n;
  }

  get size(): number {
    return this.keys.length;
  }

  row(key: string): number | undefined {
    return this.index.get(key);
  }

  /** The identity bucket of a word without a word row, or -1 (identity off, or the word has a row). */
  identityOf(word: string): number {
    if (!this.settings.identity || this.index.has(wordKey(word))) return -1;
    return fnv1a(word) % IDENTITY_BUCKETS;
  }

  /** Rows of one normalized word (cached: a corpus repeats its words). */
  rowsOfWord(word: string): Int32Array {
    let rows = this.wordCache.get(word);
    if (rows) return rows;
    // a word the training never saw, whose stem has a row induced from running text: that row
    // is the whole word's vector (the n-grams' generic direction is what it replaces)
    if (this.induced && !this.index.has(wordKey(word))) {
      const r = this.index.get(inducedKey(stem(word)));
      if (r !== undefined) {
        const share = this.settings.induced ?? 1;
        const found = [r];
        if (share < 1)
          for (const g of charNgramsOf(word, this.settings.minn, this.settings.maxn)) {
            const gr = this.index.get(gramKey(g));
            if (gr !== undefined) found.push(gr);
          }
        rows = Int32Array.from(found);
        if (this.wordCache.size < 500_000) this.wordCache.set(word, rows);
        return rows;
      }
    }
    const found: number[] = [];
    for (const k of keysOfWord(word, this.settings)) {
      const r = this.index.get(k);
      if (r !== undefined) found.push(r);
    }
    rows = Int32Array.from(found);
    if (this.wordCache.size < 500_000) this.wordCache.set(word, rows);
    return rows;
  }

  /**
   * Rows and coefficients of many texts. With `local` (a collection's learned words), a word
   * that has a local row takes it (ids from `local.offset`) instead of n-grams alone.
   */
  featurize(texts: readonly string[], local?: LocalRows): FeaturizedTexts {
    const offsets = new Int32Array(texts.length + 1);
    let rows = new Int32Array(Math.max(16, texts.length * 32));
    let coefs = new Float32Array(rows.length);
    let n = 0;
    const identity = this.settings.identity ?? 0;
    for (let t = 0; t < texts.length; t++) {
      for (const w of studentWords(texts[t])) {
        const lr = local?.rowsOfWord(w) ?? null;
        const wr = lr ?? this.rowsOfWord(w);
        const bucket = lr ? -1 : this.identityOf(w);
        if (wr.length === 0 && bucket < 0) continue;
        if (n + wr.length + 1 > rows.length) {
          const bigger = Math.max(rows.length * 2, n + wr.length + 1);
          const r2 = new Int32Array(bigger);
          r2.set(rows.subarray(0, n));
          rows = r2;
          const c2 = new Float32Array(bigger);
          c2.set(coefs.subarray(0, n));
          coefs = c2;
        }
        for (let k = 0; k < wr.length; k++) {
          rows[n] = wr[k];
          coefs[n++] = lr ? local!.coefficient(wr, k) : this.coefficient(wr, k);
        }
        if (bucket >= 0) {
          rows[n] = this.size + bucket;
          coefs[n++] = identity;
        }
      }
      offsets[t + 1] = n;
    }
    return { count: texts.length, offsets, rows: rows.slice(0, n), coefs: coefs.slice(0, n) };
  }
}

export interface VocabularyBuildOptions {
  settings?: FeatureSettings;
  /** Keep words seen at least this often (default 2); `keepWords` are kept regardless. */
  minWordCount?: number;
  minStemCount?: number;
  minGramCount?: number;
  /** Caps per kind, most frequent first (defaults: no cap). */
  maxWords?: number;
  maxStems?: number;
  maxGrams?: number;
  /** Words kept whatever their count (e.g. dictionary headwords). */
  keepWords?: Iterable<string>;
}

/**
 * Chooses the rows: words, stems and n-grams by frequency in the texts. N-grams are counted
 * once per distinct word (what matters is how many words share one), stems and words per
 * occurrence. Order: words, stems, n-grams, each by falling count then key (deterministic).
 */
export function buildFeatureVocabulary(
  texts: Iterable<string>,
  opts: VocabularyBuildOptions = {},
): FeatureVocabulary {
  const settings = opts.settings ?? DEFAULT_FEATURES;
  const wordCounts = new Map<string, number>();
  for (const text of texts)
    for (const w of studentWords(text)) wordCounts.set(w, (wordCounts.get(w) ?? 0) + 1);
  const keep = new Set<string>();
  for (const w of opts.keepWords ?? []) {
    for (const x of studentWords(w)) {
      keep.add(x);
      if (!wordCounts.has(x)) wordCounts.set(x, 0);
    }
  }
  const stemCounts = new Map<string, number>();
  const gramCounts = new Map<string, number>();
  for (const [w, c] of wordCounts) {
    const weight = Math.max(c, 1);
    if (settings.stems) {
      const s = stem(w);
      if (s) stemCounts.set(s, (stemCounts.get(s) ?? 0) + weight);
    }
    for (const g of new Set(charNgramsOf(w, settings.minn, settings.maxn)))
      gramCounts.set(g, (gramCounts.get(g) ?? 0) + 1);
  }
  const pick = (counts: Map<string, number>, min: number, max: number | undefined, forced?: Set<string>) => {
    const chosen = [...counts].filter(([k, c]) => c >= min || forced?.has(k));
    chosen.sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    return (max === undefined ? chosen : chosen.slice(0, max)).map(([k]) => k);
  };
  const forcedStems = new Set<string>();
  if (settings.stems) for (const w of keep) forcedStems.add(stem(w));
  const keys = [
    ...pick(wordCounts, opts.minWordCount ?? 2, opts.maxWords, keep).map(wordKey),
    ...(settings.stems
      ? pick(stemCounts, opts.minStemCount ?? 2, opts.maxStems, forcedStems).map(stemKey)
      : []),
    ...pick(gramCounts, opts.minGramCount ?? 3, opts.maxGrams).map(gramKey),
  ];
  return new FeatureVocabulary(keys, settings);
}
