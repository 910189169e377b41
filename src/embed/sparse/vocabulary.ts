import { SmyslError } from '../../errors.js';
import type { TermVocabulary } from '../../text/vocabulary.js';
import { SparseMatrixBuilder } from '../../vectors/sparse.js';
import type { SparseMatrix } from '../../vectors/types.js';
import type { Analyze } from './analyzer.js';

/**
 * A document-frequency limit as scikit-learn's `min_df`/`max_df`: an integer is a number of
 * documents, a non-integer a fraction of them. JavaScript cannot tell `1` from `1.0`, so the
 * fraction 1.0 (every document) is spelled `{ fraction: 1 }`.
 */
export type DocumentFrequencyLimit = number | { fraction: number };

export function documentCountLimit(limit: DocumentFrequencyLimit, nDocs: number): number {
  if (typeof limit === 'number') return Number.isInteger(limit) ? limit : limit * nDocs;
  return limit.fraction * nDocs;
}

export function checkLimit(name: string, limit: DocumentFrequencyLimit): void {
  const v = typeof limit === 'number' ? limit : limit.fraction;
  const isFraction = typeof limit !== 'number' || !Number.isInteger(limit);
  if (!Number.isFinite(v) || v < 0 || (isFraction && v > 1))
    throw new SmyslError('E_USAGE', `${name} must be a count >= 0 or a fraction in [0, 1], got ${v}`);
}

/** Python's string order (code points). JavaScript's `<` compares UTF-16 units, which puts
 * astral characters (surrogate pairs) before U+E000..U+FFFF; this moves them after. */
export function compareCodePoints(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    let x = a.charCodeAt(i);
    let y = b.charCodeAt(i);
    if (x === y) continue;
    if (x >= 0xd800 && y >= 0xd800) {
      x = x >= 0xe000 ? x - 0x800 : x + 0x2000;
      y = y >= 0xe000 ? y - 0x800 : y + 0x2000;
    }
    return x - y;
  }
  return a.length - b.length;
}

const SURROGATE = /[\uD800-\uDFFF]/;

/** Ids of `terms` in code-point order of the terms. */
export function sortedIds(terms: readonly string[]): ArrayLike<number> {
  if (terms.some((t) => SURROGATE.test(t))) {
    const ids = Array.from({ length: terms.length }, (_, i) => i);
    return ids.sort((a, b) => compareCodePoints(terms[a], terms[b]));
  }
  return sortedIdsByPrefixKey(terms);
}

/**
 * Sorting 10^5 strings with a comparator costs more than counting them. So each string gets a
 * number: its first k characters as digits over the alphabet actually used (0 pads short
 * strings, so a prefix sorts first), shifted left to make room for its index. One native
 * numeric sort then orders all strings but those sharing k characters, and only those runs go
 * through the comparator. Valid for strings without surrogates (UTF-16 order = code points).
 */
function sortedIdsByPrefixKey(terms: readonly string[]): Int32Array {
  const n = terms.length;
  const rank = new Uint16Array(0x10000);
  for (let i = 0; i < n; i++) {
    const t = terms[i];
    for (let j = 0; j < t.length; j++) rank[t.charCodeAt(j)] = 1;
  }
  let alphabet = 0;
  for (let c = 0; c < 0x10000; c++) if (rank[c]) rank[c] = ++alphabet;
  const base = alphabet + 1;
  const indexBits = Math.max(1, Math.ceil(Math.log2(n + 1)));
  const indexScale = 2 ** indexBits;
  // k characters fit when base^k * indexScale <= 2^53 (base 1: no characters at all, k = 0)
  let k = 0;
  while (base > 1 && k < 53 && base ** (k + 1) * indexScale <= 2 ** 53) k++;
  const ids = new Int32Array(n);
  if (k === 0) {
    for (let i = 0; i < n; i++) ids[i] = i;
    ids.sort((a, b) => (terms[a] < terms[b] ? -1 : 1));
    return ids;
  }
  const keys = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const t = terms[i];
    let prefix = 0;
    for (let j = 0; j < k; j++) prefix = prefix * base + (j < t.length ? rank[t.charCodeAt(j)] : 0);
    keys[i] = prefix * indexScale + i;
  }
  keys.sort();
  for (let p = 0; p < n; p++) ids[p] = keys[p] % indexScale;
  // runs of equal prefixes: only strings longer than k can tie there
  let start = 0;
  for (let p = 1; p <= n; p++) {
    if (p < n && Math.floor(keys[p] / indexScale) === Math.floor(keys[start] / indexScale)) continue;
    if (p - start > 1) {
      const run = Array.from(ids.subarray(start, p));
      run.sort((a, b) => (terms[a] < terms[b] ? -1 : 1));
      ids.set(run, start);
    }
    start = p;
  }
  return ids;
}

/** What the counter needs from an analyzer: the full analysis, and for the word analyzer the
 * tokens before n-grams so that n-grams can be formed from token ids. */
export interface CountingAnalyzer {
  analyze: Analyze;
  /** Set only when tokens can never contain a character <= U+0020 (see WordGramTable). */
  wordTokens: ((text: string) => string[]) | null;
  /** Set when tokens are scikit-learn's pattern: then text is scanned without a token list. */
  surface: SurfacePipeline | null;
  ngramRange: readonly [number, number];
}

/**
 * Counts terms document by document into a CSR of raw counts. Ids are either term ids of a
 * string vocabulary (growing: first-appearance order; fixed: unknown terms skipped) or, for word
 * n-grams, ids of a WordGramTable. Per-document counting uses one reusable scratch array and a
 * list of touched ids.
 */
/** Word-token post-processing applied to each new surface form (see WordGramTable.countText). */
export interface SurfacePipeline {
  lowercase: boolean;
  stop: ReadonlySet<string> | null;
  stem: ((word: string) => string) | null;
}

const ASCII_WORD = new Uint8Array(128);
for (let c = 0; c < 128; c++) ASCII_WORD[c] = /[\p{L}\p{N}_]/u.test(String.fromCharCode(c)) ? 1 : 0;
/** For ASCII: 0 if not a word character, else the character lowercased. */
const ASCII_LOWER_WORD = new Uint8Array(128);
for (let c = 0; c < 128; c++) if (ASCII_WORD[c]) ASCII_LOWER_WORD[c] = c >= 65 && c <= 90 ? c + 32 : c;
let bmpWord: Uint8Array | null = null;
const WORD_CHAR = /^[\p{L}\p{N}_]$/u;

/** Whether the code point starting at s[i] (code unit c) is a word character of Python's \w. */
function isWordUnit(s: string, i: number, c: number): boolean {
  if (c < 128) return ASCII_WORD[c] === 1;
  if (c >= 0xd800 && c < 0xdc00 && i + 1 < s.length) {
    const d = s.charCodeAt(i + 1);
    if (d >= 0xdc00 && d < 0xe000) return WORD_CHAR.test(s.slice(i, i + 2));
  }
  if (!bmpWord) {
    bmpWord = new Uint8Array(0x10000);
    for (let u = 0; u < 0x10000; u++)
      bmpWord[u] = u >= 0xd800 && u < 0xe000 ? 0 : WORD_CHAR.test(String.fromCharCode(u)) ? 1 : 0;
  }
  return bmpWord[c] === 1;
}

export class TermCounter {
  readonly vocabulary: Map<string, number>;
  /** Term strings by id (string mode, growing). */
  readonly terms: string[];
  private counts = new Int32Array(1024);
  private touched = new Int32Array(1024);
  private nTouched = 0;
  private readonly out: SparseMatrixBuilder;
  /** Number of terms per document (known or not): BM25's document length. */
  private lengths = new Float64Array(64);
  private nDocs = 0;
  private readonly emit = (id: number): void => this.count(id);

  constructor(
    private readonly analyzer: CountingAnalyzer,
    vocabulary: Map<string, number> | undefined,
    private readonly grow: boolean,
    /** Count word n-grams through this table instead of strings (growing it when `grow`). */
    readonly grams: WordGramTable | null = null,
  ) {
    this.vocabulary = vocabulary ?? new Map();
    this.terms = grow ? [...this.vocabulary.keys()] : [];
    this.out = new SparseMatrixBuilder(0, 4096, 256);
  }

  private termId(term: string): number {
    let id = this.vocabulary.get(term);
    if (id === undefined) {
      id = this.vocabulary.size;
      this.vocabulary.set(term, id);
      this.terms.push(term);
    }
    return id;
  }

  private count(id: number): void {
    if (id >= this.counts.length) {
      const next = new Int32Array(Math.max(this.counts.length * 2, id + 1));
      next.set(this.counts);
      this.counts = next;
    }
    if (this.counts[id]++ === 0) {
      if (this.nTouched === this.touched.length) {
        const next = new Int32Array(this.touched.length * 2);
        next.set(this.touched);
        this.touched = next;
      }
      this.touched[this.nTouched++] = id;
    }
  }

  add(text: string): void {
    let length = 0;
    if (this.grams) {
      const surface = this.analyzer.surface;
      length = surface
        ? this.grams.countText(text, surface, this.grow, this.emit)
        : this.grams.countDocument(this.analyzer.wordTokens!(text), this.grow, this.emit);
    } else {
      const terms = this.analyzer.analyze(text);
      length = terms.length;
      const vocab = this.vocabulary;
      for (let t = 0; t < terms.length; t++) {
        const id = this.grow ? this.termId(terms[t]) : vocab.get(terms[t]);
        if (id !== undefined) this.count(id);
      }
    }
    const n = this.nTouched;
    const ids = this.touched.subarray(0, n);
    // while a gram table is learning, its ids are not columns yet: pruning re-indexes and
    // re-sorts every row, so sorting here would be wasted
    if (!(this.grow && this.grams)) sortIds(ids);
    this.out.reserve(n);
    const counts = this.counts;
    for (let k = 0; k < n; k++) {
      const id = ids[k];
      this.out.push(id, counts[id]);
      counts[id] = 0;
    }
    this.nTouched = 0;
    this.out.endRow();
    if (this.nDocs === this.lengths.length) {
      const next = new Float64Array(this.lengths.length * 2);
      next.set(this.lengths);
      this.lengths = next;
    }
    this.lengths[this.nDocs++] = length;
  }

  get documents(): number {
    return this.nDocs;
  }

  /** The raw-count matrix over the ids, and each document's term count. */
  finish(): { counts: SparseMatrix; lengths: Float64Array } {
    const m = this.out.build();
    m.cols = this.grams ? this.grams.size : this.vocabulary.size;
    return { counts: m, lengths: this.lengths.slice(0, this.nDocs) };
  }
}

/**
 * Word n-grams of every order up to maxN, interned as integers: unigrams by string, longer
 * n-grams by (prefix n-gram id, last token id) in an open-addressing table on typed arrays. So
 * counting never builds an n-gram string; strings are made once, for the terms that survive
 * pruning. Each n-gram of order >= minN maps to a column (`termOf`, -1 when pruned or when
 * its order only makes it a prefix).
 *
 * Valid only when no token contains a character <= U+0020 (true of scikit-learn's token
 * pattern, whose tokens are runs of word characters): then joining with a space is injective,
 * and the code-point order of the joined strings equals the lexicographic order of the token
 * tuples, which is what lets `finalize` sort by numbers.
 */
export class WordGramTable implements TermVocabulary {
  private readonly unigrams = new Map<string, number>();
  /** Unigrams added by `countText` without stemming are left out of `unigrams` (see surfaceId). */
  private unigramsMissing = false;
  private unigramText: string[] = [];
  private prefixOf = new Int32Array(1024);
  private lastOf = new Int32Array(1024);
  private orderOf = new Uint8Array(1024);
  termOf: Int32Array = new Int32Array(0);
  size = 0;
  private keyPrefix = new Int32Array(1 << 12);
  private keyToken = new Int32Array(1 << 12);
  private value = new Int32Array(1 << 12).fill(-1);
  private used = 0;
  private tokenIds = new Int32Array(256);
  readonly minN: number;
  readonly maxN: number;

  constructor(range: readonly [number, number]) {
    this.minN = range[0];
    this.maxN = range[1];
  }

  private newGram(prefix: number, last: number, order: number): number {
    const id = this.size++;
    if (id === this.prefixOf.length) {
      const cap = id * 2;
      const p = new Int32Array(cap);
      p.set(this.prefixOf);
      this.prefixOf = p;
      const l = new Int32Array(cap);
      l.set(this.lastOf);
      this.lastOf = l;
      const o = new Uint8Array(cap);
      o.set(this.orderOf);
      this.orderOf = o;
    }
    this.prefixOf[id] = prefix;
    this.lastOf[id] = last;
    this.orderOf[id] = order;
    return id;
  }

  /**
   * Emits the id of every n-gram (order in [minN, maxN]) of a token list: gram ids while
   * learning (`grow`), column ids (`termOf`) afterwards, skipping unknown and pruned ones.
   * Returns the number of n-gram positions (the document's length in terms).
   */
  countDocument(tokens: string[], grow: boolean, emit: (id: number) => void): number {
    const n = tokens.length;
    if (n > this.tokenIds.length) this.tokenIds = new Int32Array(n * 2);
    const ids = this.tokenIds;
    for (let i = 0; i < n; i++) ids[i] = this.unigram(tokens[i], grow);
    return this.countIds(n, grow, emit);
  }

  private unigram(token: string, grow: boolean): number {
    if (this.unigramsMissing) this.indexUnigrams();
    let g = this.unigrams.get(token);
    if (g === undefined) {
      if (!grow) return -1;
      g = this.newGram(-1, this.unigramText.length, 1);
      this.unigramText.push(token);
      this.unigrams.set(token, g);
    }
    return g;
  }

  /**
   * The same as `countDocument(wordTokens(text))` for scikit-learn's token pattern, without
   * making a string per token: the text is scanned for runs of word characters, each run is
   * hashed in place and looked up among the surface forms seen before (which remember their
   * unigram after stop-word removal and stemming). Only a new surface form is sliced out.
   */
  countText(text: string, surface: SurfacePipeline, grow: boolean, emit: (id: number) => void): number {
    if (surface.lowercase) {
      // ASCII text is lowercased on the fly (no lowercased copy of the document); the first
      // non-ASCII character sends the document through toLowerCase(), whose context rules
      // (final sigma, dotted I) only a whole-text pass gets right
      const n = this.scanAsciiLower(text, surface, grow);
      return this.countIds(n >= 0 ? n : this.scan(text.toLowerCase(), false, surface, grow), grow, emit);
    }
    return this.countIds(this.scan(text, false, surface, grow), grow, emit);
  }

  /**
   * `scan(s, true, …)` for the common case, ASCII text: one table gives both "is a word
   * character" and its lowercase form, and no surrogate checks are needed. -1 at the first
   * non-ASCII character.
   */
  private scanAsciiLower(s: string, surface: SurfacePipeline, grow: boolean): number {
    const len = s.length;
    if (len > this.tokenIds.length) this.tokenIds = new Int32Array(len + 16);
    const ids = this.tokenIds;
    let n = 0;
    let i = 0;
    while (i < len) {
      let c = s.charCodeAt(i);
      if (c >= 128) return -1;
      let lower = ASCII_LOWER_WORD[c];
      if (lower === 0) {
        i++;
        continue;
      }
      const start = i;
      let h = 0x811c9dc5;
      while (true) {
        h = Math.imul(h ^ lower, 0x01000193);
        if (++i >= len) break;
        c = s.charCodeAt(i);
        if (c >= 128) return -1;
        lower = ASCII_LOWER_WORD[c];
        if (lower === 0) break;
      }
      if (i - start < 2) continue;
      h ^= h >>> 16;
      h = Math.imul(h, 0x85ebca6b);
      h ^= h >>> 13;
      const g = this.surfaceId(s, start, i, h, surface, grow, true);
      if (g !== -2) ids[n++] = g;
    }
    return n;
  }

  /** Fills tokenIds with the unigram ids of s's tokens; -1 if `asciiLower` meets non-ASCII. */
  private scan(s: string, asciiLower: boolean, surface: SurfacePipeline, grow: boolean): number {
    const len = s.length;
    if (len > this.tokenIds.length) this.tokenIds = new Int32Array(len + 16);
    const ids = this.tokenIds;
    let n = 0;
    let i = 0;
    while (i < len) {
      let c = s.charCodeAt(i);
      if (c >= 128 && asciiLower) return -1;
      if (c < 128 ? ASCII_WORD[c] === 0 : !isWordUnit(s, i, c)) {
        i += c >= 0xd800 && c < 0xdc00 && i + 1 < len ? 2 : 1;
        continue;
      }
      const start = i;
      let points = 0;
      let h = 0x811c9dc5;
      while (true) {
        if (asciiLower && c >= 65 && c <= 90) c += 32;
        h = Math.imul(h ^ c, 0x01000193);
        if (c >= 0xd800 && c < 0xdc00 && i + 1 < len) {
          h = Math.imul(h ^ s.charCodeAt(i + 1), 0x01000193);
          i += 2;
        } else i++;
        points++;
        if (i >= len) break;
        c = s.charCodeAt(i);
        if (c >= 128 && asciiLower) return -1;
        if (c < 128 ? ASCII_WORD[c] === 0 : !isWordUnit(s, i, c)) break;
      }
      if (points < 2) continue;
      h ^= h >>> 16;
      h = Math.imul(h, 0x85ebca6b);
      h ^= h >>> 13;
      const g = this.surfaceId(s, start, i, h, surface, grow, asciiLower);
      // stop words leave the sequence (as scikit-learn drops them before n-grams); unknown
      // tokens stay, as -1, so they still break the n-grams around them
      if (g !== -2) ids[n++] = g;
    }
    return n;
  }

  // Surface forms live in one open-addressing table of 4-int slots [hash, unigram id,
  // offset into the character pool, length + 1 (0 = empty)] and a pool of UTF-16 units, so a
  // lookup touches two cache lines instead of a string object per candidate.
  private surfaceSlots = new Int32Array(4 << 12);
  private surfaceCount = 0;
  private surfacePool = new Uint16Array(1 << 16);
  private surfacePoolUsed = 0;

  /** Unigram id of the surface form s[start, end) (-1 unknown, -2 stop word). */
  private surfaceId(
    s: string,
    start: number,
    end: number,
    hash: number,
    p: SurfacePipeline,
    grow: boolean,
    asciiLower: boolean,
  ): number {
    const slots = this.surfaceSlots;
    const pool = this.surfacePool;
    const mask = slots.length - 4;
    let slot = (hash << 2) & mask;
    const length = end - start;
    while (true) {
      const lengthPlusOne = slots[slot + 3];
      if (lengthPlusOne === 0) break;
      if (slots[slot] === hash && lengthPlusOne === length + 1) {
        const offset = slots[slot + 2];
        let k = 0;
        for (; k < length; k++) {
          let c = s.charCodeAt(start + k);
          if (asciiLower && c >= 65 && c <= 90) c += 32;
          if (pool[offset + k] !== c) break;
        }
        if (k === length) return slots[slot + 1];
      }
      slot = (slot + 4) & mask;
    }
    const token = asciiLower ? s.slice(start, end).toLowerCase() : s.slice(start, end);
    let g: number;
    if (p.stop?.has(token)) g = -2;
    else if (grow && !p.stem && (this.unigramsMissing || this.unigrams.size === 0)) {
      // without stemming a surface form is its unigram, so a new surface form is a new unigram
      // and the string map can wait until something else needs it
      g = this.newGram(-1, this.unigramText.length, 1);
      this.unigramText.push(token);
      this.unigramsMissing = true;
    } else g = this.unigram(p.stem ? p.stem(token) : token, grow);
    if (g === -1) return -1; // unknown while not learning: not remembered, so lookups stay bounded
    if (this.surfacePoolUsed + length > pool.length) {
      const next = new Uint16Array(Math.max(pool.length * 2, this.surfacePoolUsed + length));
      next.set(pool);
      this.surfacePool = next;
    }
    const offset = this.surfacePoolUsed;
    for (let k = 0; k < length; k++) this.surfacePool[offset + k] = token.charCodeAt(k);
    this.surfacePoolUsed += length;
    slots[slot] = hash;
    slots[slot + 1] = g;
    slots[slot + 2] = offset;
    slots[slot + 3] = length + 1;
    if (++this.surfaceCount * 2 > slots.length >> 2) this.rehashSurfaces();
    return g;
  }

  private rehashSurfaces(): void {
    const old = this.surfaceSlots;
    const slots = new Int32Array(old.length * 2);
    const mask = slots.length - 4;
    for (let k = 0; k < old.length; k += 4) {
      if (old[k + 3] === 0) continue;
      let slot = (old[k] << 2) & mask;
      while (slots[slot + 3] !== 0) slot = (slot + 4) & mask;
      slots[slot] = old[k];
      slots[slot + 1] = old[k + 1];
      slots[slot + 2] = old[k + 2];
      slots[slot + 3] = old[k + 3];
    }
    this.surfaceSlots = slots;
  }

  /** Counts the n-grams of the unigram ids in tokenIds[0, n). */
  private countIds(n: number, grow: boolean, emit: (id: number) => void): number {
    const ids = this.tokenIds;
    const { minN, maxN } = this;
    const termOf = this.termOf;
    let length = 0;
    for (let i = 0; i < n; i++) {
      let g = ids[i];
      if (minN === 1) {
        length++;
        if (g >= 0) {
          if (grow) emit(g);
          else if (termOf[g] >= 0) emit(termOf[g]);
        }
      }
      for (let order = 2; order <= maxN && i + order <= n; order++) {
        if (g >= 0) {
          const t = ids[i + order - 1];
          g = t < 0 ? -1 : this.find(g, t, grow ? order : 0);
        }
        if (order >= minN) {
          length++;
          if (g >= 0) {
            if (grow) emit(g);
            else if (termOf[g] >= 0) emit(termOf[g]);
          }
        }
      }
    }
    return length;
  }

  /** The n-gram (prefix, token); created with `order` when missing and order > 0, else -1. */
  private find(prefix: number, token: number, order: number): number {
    let mask = this.value.length - 1;
    let slot = hashPair(prefix, token) & mask;
    while (true) {
      const v = this.value[slot];
      if (v < 0) break;
      if (this.keyPrefix[slot] === prefix && this.keyToken[slot] === token) return v;
      slot = (slot + 1) & mask;
    }
    if (order === 0) return -1;
    const g = this.newGram(prefix, token, order);
    if ((this.used + 1) * 2 > this.value.length) {
      this.rehash();
      mask = this.value.length - 1;
      slot = hashPair(prefix, token) & mask;
      while (this.value[slot] >= 0) slot = (slot + 1) & mask;
    }
    this.keyPrefix[slot] = prefix;
    this.keyToken[slot] = token;
    this.value[slot] = g;
    this.used++;
    return g;
  }

  private rehash(): void {
    const oldPrefix = this.keyPrefix;
    const oldToken = this.keyToken;
    const oldValue = this.value;
    const size = oldValue.length * 2;
    this.keyPrefix = new Int32Array(size);
    this.keyToken = new Int32Array(size);
    this.value = new Int32Array(size).fill(-1);
    const mask = size - 1;
    for (let s = 0; s < oldValue.length; s++) {
      if (oldValue[s] < 0) continue;
      let slot = hashPair(oldPrefix[s], oldToken[s]) & mask;
      while (this.value[slot] >= 0) slot = (slot + 1) & mask;
      this.keyPrefix[slot] = oldPrefix[s];
      this.keyToken[slot] = oldToken[s];
      this.value[slot] = oldValue[s];
    }
  }

  private indexUnigrams(): void {
    this.unigramsMissing = false;
    for (let g = 0; g < this.size; g++)
      if (this.orderOf[g] === 1) this.unigrams.set(this.unigramText[this.lastOf[g]], g);
  }

  /** The n-gram's text: its tokens joined by single spaces. */
  text(g: number): string {
    if (this.orderOf[g] === 1) return this.unigramText[this.lastOf[g]];
    return `${this.text(this.prefixOf[g])} ${this.unigramText[this.lastOf[this.lastOf[g]]]}`;
  }
  /**
   * Gram ids of order >= minN in the code-point order of their texts: unigrams are sorted as
   * strings, longer n-grams by their tuple of unigram ranks packed into one float64 key when it
   * fits in 53 bits (strings otherwise).
   */
  sortedTermGrams(): Int32Array {
    const nUnigrams = this.unigramText.length;
    const uniOrder = sortedIds(this.unigramText);
    // only unigrams: gram ids were handed out in step with unigram ids
    if (this.minN === 1 && this.size === nUnigrams) return Int32Array.from(uniOrder);
    const rankOfToken = new Float64Array(nUnigrams);
    for (let r = 0; r < nUnigrams; r++) rankOfToken[uniOrder[r]] = r + 1;
    const candidates: number[] = [];
    for (let g = 0; g < this.size; g++) if (this.orderOf[g] >= this.minN) candidates.push(g);
    const base = nUnigrams + 1;
    if (base ** this.maxN >= 2 ** 53) {
      const texts = candidates.map((g) => this.text(g));
      const order = sortedIds(texts);
      return Int32Array.from(order, (i) => candidates[i]);
    }
    // key = ranks of the tokens as base-(U+1) digits, most significant first, zero-padded: a
    // shorter n-gram sorts before its extensions, as a string prefix does
    const keys = new Float64Array(candidates.length);
    const tokens = new Float64Array(this.maxN);
    for (let c = 0; c < candidates.length; c++) {
      let g = candidates[c];
      const order = this.orderOf[g];
      for (let k = order - 1; k >= 0; k--) {
        tokens[k] =
          this.orderOf[g] === 1 ? rankOfToken[this.lastOf[g]] : rankOfToken[this.lastOf[this.lastOf[g]]];
        g = this.prefixOf[g];
      }
      let key = 0;
      for (let k = 0; k < this.maxN; k++) key = key * base + (k < order ? tokens[k] : 0);
      keys[c] = key;
    }
    const sortedKeys = keys.slice().sort();
    const out = new Int32Array(candidates.length);
    for (let c = 0; c < candidates.length; c++) {
      // keys are distinct: binary search gives each gram its position
      let lo = 0;
      let hi = sortedKeys.length - 1;
      const k = keys[c];
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (sortedKeys[mid] < k) lo = mid + 1;
        else hi = mid;
      }
      out[lo] = candidates[c];
    }
    return out;
  }

  /** The id of an n-gram given as its tokens joined by single spaces, or -1 (TermVocabulary). */
  id(term: string): number {
    const tokens = term.split(' ');
    if (tokens.length > this.maxN) return -1;
    let g = -1;
    for (let k = 0; k < tokens.length && (k === 0 || g >= 0); k++) {
      const u = this.unigram(tokens[k], false);
      g = u < 0 ? -1 : k === 0 ? u : this.find(g, u, 0);
    }
    return g;
  }

  has(term: string): boolean {
    return this.id(term) >= 0;
  }

  /** The n-gram with this id, its tokens joined by single spaces (TermVocabulary). */
  token(id: number): string {
    if (!Number.isInteger(id) || id < 0 || id >= this.size)
      throw new SmyslError('E_USAGE', `n-gram id ${id} out of range [0, ${this.size})`);
    return this.text(id);
  }

  /** Every interned n-gram (prefixes of longer ones included) in id order. */
  tokenList(): readonly string[] {
    return Array.from({ length: this.size }, (_, g) => this.text(g));
  }

  /** Rebuilds a table from a saved vocabulary: column i is terms[i]. */
  static fromTerms(terms: readonly string[], range: readonly [number, number]): WordGramTable {
    const t = new WordGramTable(range);
    const columns: number[] = [];
    for (let i = 0; i < terms.length; i++) {
      const tokens = terms[i].split(' ');
      let g = -1;
      for (let k = 0; k < tokens.length; k++) {
        let u = t.unigrams.get(tokens[k]);
        if (u === undefined) {
          u = t.newGram(-1, t.unigramText.length, 1);
          t.unigramText.push(tokens[k]);
          t.unigrams.set(tokens[k], u);
        }
        g = k === 0 ? u : t.find(g, u, k + 1);
      }
      columns.push(g);
    }
    t.termOf = new Int32Array(t.size).fill(-1);
    for (let i = 0; i < columns.length; i++) t.termOf[columns[i]] = i;
    return t;
  }
}

/** A fitted vocabulary: term i is column i (TermVocabulary over a term list, its index built once). */
export class TermList implements TermVocabulary {
  /** term -> id (for counting; do not modify). */
  readonly index: Map<string, number>;

  constructor(private readonly terms: readonly string[]) {
    this.index = new Map(terms.map((t, i) => [t, i]));
  }

  get size(): number {
    return this.terms.length;
  }

  id(term: string): number {
    return this.index.get(term) ?? -1;
  }

  has(term: string): boolean {
    return this.index.has(term);
  }

  token(id: number): string {
    const t = this.terms[id];
    if (t === undefined || !Number.isInteger(id))
      throw new SmyslError('E_USAGE', `term id ${id} out of range [0, ${this.terms.length})`);
    return t;
  }

  tokenList(): readonly string[] {
    return this.terms;
  }
}

/** Sorts ids ascending. Rows are short: insertion sort there beats a call into the runtime's sort. */
function sortIds(ids: Int32Array): void {
  const n = ids.length;
  if (n > 48) {
    ids.sort();
    return;
  }
  for (let i = 1; i < n; i++) {
    const v = ids[i];
    let j = i - 1;
    while (j >= 0 && ids[j] > v) {
      ids[j + 1] = ids[j];
      j--;
    }
    ids[j + 1] = v;
  }
}

function hashPair(a: number, b: number): number {
  let h = Math.imul(a, 0x9e3779b1) ^ Math.imul(b + 0x7f4a7c15, 0x85ebca77);
  h ^= h >>> 15;
  h = Math.imul(h, 0x2c1b3c6d);
  h ^= h >>> 12;
  return h >>> 0;
}

export interface PruneOptions {
  minDf: DocumentFrequencyLimit;
  maxDf: DocumentFrequencyLimit;
  maxFeatures: number | null;
  /** Counts are already binary (scikit-learn binarizes before `max_features` ranks by total count). */
  binary: boolean;
}

/**
 * scikit-learn's `_sort_features` + `_limit_features`: given the ids in sorted term order, drop
 * terms whose document frequency is outside [min_df, max_df], keep the `max_features` most
 * frequent (ties: the earlier term in sorted order), and re-index the count matrix (rows stay
 * sorted). Returns the surviving ids in column order and each old id's column (-1 if dropped).
 */
export function pruneVocabulary(
  sortedIdsOfTerms: ArrayLike<number>,
  nIds: number,
  counts: SparseMatrix,
  opts: PruneOptions,
): { kept: Int32Array; oldToNew: Int32Array; counts: SparseMatrix } {
  const nTerms = sortedIdsOfTerms.length;
  const nDocs = counts.rows;
  if (nTerms === 0)
    throw new SmyslError('E_INPUT', 'empty vocabulary; perhaps the documents only contain stop words');
  // old id → position in sorted order
  const sortedPos = new Int32Array(nIds).fill(-1);
  for (let i = 0; i < nTerms; i++) sortedPos[sortedIdsOfTerms[i]] = i;
  const df = new Float64Array(nTerms);
  const tf = new Float64Array(nTerms);
  const nnz = counts.indptr[counts.rows];
  for (let k = 0; k < nnz; k++) {
    const p = sortedPos[counts.indices[k]];
    df[p]++;
    tf[p] += opts.binary ? 1 : counts.data[k];
  }
  const high = documentCountLimit(opts.maxDf, nDocs);
  const low = documentCountLimit(opts.minDf, nDocs);
  if (high < low) throw new SmyslError('E_USAGE', 'max_df corresponds to fewer documents than min_df');
  const keep = new Uint8Array(nTerms);
  let kept = 0;
  for (let p = 0; p < nTerms; p++) {
    if (df[p] <= high && df[p] >= low) {
      keep[p] = 1;
      kept++;
    }
  }
  if (opts.maxFeatures !== null && kept > opts.maxFeatures) {
    const candidates: number[] = [];
    for (let p = 0; p < nTerms; p++) if (keep[p]) candidates.push(p);
    candidates.sort((a, b) => tf[b] - tf[a] || a - b);
    keep.fill(0);
    for (let r = 0; r < opts.maxFeatures; r++) keep[candidates[r]] = 1;
    kept = opts.maxFeatures;
  }
  if (kept === 0)
    throw new SmyslError('E_INPUT', 'after pruning, no terms remain; try a lower min_df or a higher max_df');
  const keptIds = new Int32Array(kept);
  const oldToNew = new Int32Array(nIds).fill(-1);
  let next = 0;
  for (let p = 0; p < nTerms; p++) {
    if (!keep[p]) continue;
    const id = sortedIdsOfTerms[p];
    keptIds[next] = id;
    oldToNew[id] = next++;
  }
  return { kept: keptIds, oldToNew, counts: remapColumns(counts, oldToNew, kept) };
}

/**
 * Re-indexes columns (dropping those mapped to -1) and re-sorts each row, in place: a row's
 * output never starts after its input did, so entries can be moved down without a copy.
 */
export function remapColumns(m: SparseMatrix, oldToNew: Int32Array, cols: number): SparseMatrix {
  const scratch = new Float32Array(cols);
  let ids = new Int32Array(256);
  let out = 0;
  let start = m.indptr[0];
  for (let i = 0; i < m.rows; i++) {
    const s = start;
    const e = m.indptr[i + 1];
    start = e;
    if (e - s > ids.length) ids = new Int32Array(e - s);
    let n = 0;
    for (let k = s; k < e; k++) {
      const j = oldToNew[m.indices[k]];
      if (j < 0) continue;
      scratch[j] = m.data[k];
      ids[n++] = j;
    }
    const row = ids.subarray(0, n);
    sortIds(row);
    for (let k = 0; k < n; k++) {
      m.indices[out] = row[k];
      m.data[out++] = scratch[row[k]];
    }
    m.indptr[i + 1] = out;
  }
  const trimmed = out < m.indices.length;
  return {
    rows: m.rows,
    cols,
    indptr: m.indptr,
    indices: trimmed ? m.indices.slice(0, out) : m.indices,
    data: trimmed ? m.data.slice(0, out) : m.data,
  };
}
