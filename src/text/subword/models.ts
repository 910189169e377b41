import { SmyslError } from '../../errors.js';

/**
 * Pieces of one word: pairs (id, end) flattened, `end` exclusive and counted in UTF-16 units of
 * the word (so piece k spans [end of piece k-1, end of piece k)).
 */
export type WordPieces = Int32Array;

export interface SubwordModel {
  readonly type: 'WordPiece' | 'BPE' | 'Unigram';
  tokenizeWord(word: string): WordPieces;
  tokenToId(token: string): number | undefined;
  idToToken(id: number): string | undefined;
  readonly vocabSize: number;
  /** Makes `token` known with `id` (added tokens that are not part of the model's vocabulary). */
  addToken(token: string, id: number): void;
  toJSON(): Record<string, unknown>;
}

const CACHE_LIMIT = 200_000;
/** Words tokenized by substring lookups before WordPiece builds its tries (see WordPieceModel). */
const TRIE_AFTER = 256;

/**
 * A word → pieces cache with two generations: when the young one fills up it becomes the old
 * one, and hits in the old one are promoted. Frequent words survive; memory stays bounded.
 */
class WordCache {
  private young = new Map<string, WordPieces>();
  private old = new Map<string, WordPieces>();
  get(word: string): WordPieces | undefined {
    const hit = this.young.get(word);
    if (hit !== undefined) return hit;
    const aged = this.old.get(word);
    if (aged !== undefined) this.set(word, aged);
    return aged;
  }
  set(word: string, pieces: WordPieces): void {
    if (this.young.size >= CACHE_LIMIT) {
      this.old = this.young;
      this.young = new Map();
    }
    this.young.set(word, pieces);
  }
  clear(): void {
    this.young.clear();
    this.old.clear();
  }
}

class Vocabulary {
  readonly ids = new Map<string, number>();
  readonly tokens: string[] = [];
  constructor(entries: Iterable<[string, number]>) {
    for (const [token, id] of entries) {
      this.ids.set(token, id);
      this.tokens[id] = token;
    }
  }
  add(token: string, id: number): void {
    if (!this.ids.has(token)) this.ids.set(token, id);
    if (this.tokens[id] === undefined) this.tokens[id] = token;
  }
  get size(): number {
    return this.tokens.length;
  }
}

function codePointCount(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0xd800 || c > 0xdbff || i + 1 >= s.length) n++;
    else {
      const d = s.charCodeAt(i + 1);
      n++;
      if (d >= 0xdc00 && d <= 0xdfff) i++;
    }
  }
  return n;
}

function prevCodePointStart(s: string, end: number): number {
  if (end >= 2) {
    const lo = s.charCodeAt(end - 1);
    const hi = s.charCodeAt(end - 2);
    if (lo >= 0xdc00 && lo <= 0xdfff && hi >= 0xd800 && hi <= 0xdbff) return end - 2;
  }
  return end - 1;
}

/** A trie over UTF-16 units for longest-prefix lookups without building substrings. */
class PrefixTrie {
  private readonly children: Map<number, number>[] = [new Map()];
  private readonly ids: number[] = [-1];
  /** End of the last match `longest` found. */
  matchEnd = 0;
  insert(text: string, from: number, id: number): void {
    let node = 0;
    for (let i = from; i < text.length; i++) {
      const c = text.charCodeAt(i);
      let next = this.children[node].get(c);
      if (next === undefined) {
        next = this.children.length;
        this.children.push(new Map());
        this.ids.push(-1);
        this.children[node].set(c, next);
      }
      node = next;
    }
    if (node > 0 && this.ids[node] < 0) this.ids[node] = id;
  }
  /** Id of the longest entry equal to word[start, end) with `end` on a code point boundary, or -1. */
  longest(word: string, start: number): number {
    let node = 0;
    let found = -1;
    for (let i = start; i < word.length; i++) {
      const next = this.children[node].get(word.charCodeAt(i));
      if (next === undefined) break;
      node = next;
      const id = this.ids[node];
      if (
        id >= 0 &&
        !(
          i + 1 < word.length &&
          isLowSurrogate(word.charCodeAt(i + 1)) &&
          isHighSurrogate(word.charCodeAt(i))
        )
      ) {
        found = id;
        this.matchEnd = i + 1;
      }
    }
    return found;
  }
}

function isHighSurrogate(c: number): boolean {
  return c >= 0xd800 && c <= 0xdbff;
}

export interface WordPieceOptions {
  unkToken: string;
  continuingSubwordPrefix: string;
  maxInputCharsPerWord: number;
}

/** BERT's WordPiece: greedy longest-match-first, `##` on non-initial pieces, [UNK] for the rest. */
export class WordPieceModel implements SubwordModel {
  readonly type = 'WordPiece' as const;
  readonly options: WordPieceOptions;
  private readonly vocab: Vocabulary;
  private readonly cache = new WordCache();
  private readonly unkId: number;
  // The tries are built on first need: for 30k pieces they cost ~0.1 s, most of loading a
  // tokenizer, and a search query's few words go faster through substring lookups (same rule,
  // same pieces). Once TRIE_AFTER words missed the cache, the tries pay for themselves.
  private tries?: { initial: PrefixTrie; continuation: PrefixTrie };
  private uncached = 0;

  constructor(vocab: Iterable<[string, number]>, options: Partial<WordPieceOptions> = {}) {
    this.vocab = new Vocabulary(vocab);
    this.options = {
      unkToken: options.unkToken ?? '[UNK]',
      continuingSubwordPrefix: options.continuingSubwordPrefix ?? '##',
      maxInputCharsPerWord: options.maxInputCharsPerWord ?? 100,
    };
    const unk = this.vocab.ids.get(this.options.unkToken);
    if (unk === undefined)
      throw new SmyslError(
        'E_MODEL',
        `WordPiece vocabulary lacks its unknown token ${this.options.unkToken}`,
      );
    this.unkId = unk;
  }
  private buildTries(): { initial: PrefixTrie; continuation: PrefixTrie } {
    this.tries = { initial: new PrefixTrie(), continuation: new PrefixTrie() };
    for (const [token, id] of this.vocab.ids) this.index(token, id);
    return this.tries;
  }
  private index(token: string, id: number): void {
    if (!this.tries) return;
    this.tries.initial.insert(token, 0, id);
    const prefix = this.options.continuingSubwordPrefix;
    if (token.startsWith(prefix) && token.length > prefix.length)
      this.tries.continuation.insert(token, prefix.length, id);
  }
  get vocabSize(): number {
    return this.vocab.size;
  }
  tokenToId(token: string): number | undefined {
    return this.vocab.ids.get(token);
  }
  idToToken(id: number): string | undefined {
    return this.vocab.tokens[id];
  }
  addToken(token: string, id: number): void {
    const known = this.vocab.ids.has(token);
    this.vocab.add(token, id);
    if (!known) this.index(token, this.vocab.ids.get(token)!);
    this.cache.clear();
  }
  tokenizeWord(word: string): WordPieces {
    const cached = this.cache.get(word);
    if (cached) return cached;
    const pieces =
      this.tries || ++this.uncached > TRIE_AFTER
        ? this.tokenizeByTrie(word)
        : this.tokenizeBySubstrings(word);
    this.cache.set(word, pieces);
    return pieces;
  }
  /** Greedy longest match through the tries (built on first use). */
  tokenizeByTrie(word: string): WordPieces {
    if (
      word.length > this.options.maxInputCharsPerWord &&
      codePointCount(word) > this.options.maxInputCharsPerWord
    )
      return Int32Array.of(this.unkId, word.length);
    const tries = this.tries ?? this.buildTries();
    const out: number[] = [];
    let start = 0;
    while (start < word.length) {
      const trie = start === 0 ? tries.initial : tries.continuation;
      const id = trie.longest(word, start);
      if (id < 0) return Int32Array.of(this.unkId, word.length);
      out.push(id, trie.matchEnd);
      start = trie.matchEnd;
    }
    return Int32Array.from(out);
  }
  /** The same greedy longest match by substring lookups: the plain statement of the rule, used by tests. */
  tokenizeBySubstrings(word: string): WordPieces {
    const unknown = Int32Array.of(this.unkId, word.length);
    if (
      word.length > this.options.maxInputCharsPerWord &&
      codePointCount(word) > this.options.maxInputCharsPerWord
    )
      return unknown;
    const ids = this.vocab.ids;
    const prefix = this.options.continuingSubwordPrefix;
    const out: number[] = [];
    let start = 0;
    while (start < word.length) {
      let end = word.length;
      let found = -1;
      while (end > start) {
        const piece = start > 0 ? prefix + word.slice(start, end) : word.slice(start, end);
        const id = ids.get(piece);
        if (id !== undefined) {
          found = id;
          break;
        }
        end = prevCodePointStart(word, end);
      }
      if (found < 0) return unknown;
      out.push(found, end);
      start = end;
    }
    return Int32Array.from(out);
  }
  vocabEntries(): [string, number][] {
    return [...this.vocab.ids.entries()];
  }
  toJSON() {
    return {
      type: 'WordPiece',
      unk_token: this.options.unkToken,
      continuing_subword_prefix: this.options.continuingSubwordPrefix,
      max_input_chars_per_word: this.options.maxInputCharsPerWord,
      vocab: Object.fromEntries(this.vocab.tokens.map((t, i) => [t, i]).filter(([t]) => t !== undefined)),
    };
  }
}

export interface BPEOptions {
  unkToken: string | null;
  endOfWordSuffix: string | null;
  continuingSubwordPrefix: string | null;
  fuseUnk: boolean;
  byteFallback: boolean;
}

/** A binary min-heap of (rank, position) pairs packed into float64 keys; reused across words. */
class MergeHeap {
  private keys = new Float64Array(64);
  private size = 0;
  clear(): void {
    this.size = 0;
  }
  get length(): number {
    return this.size;
  }
  push(key: number): void {
    if (this.size === this.keys.length) {
      const grown = new Float64Array(this.keys.length * 2);
      grown.set(this.keys);
      this.keys = grown;
    }
    const keys = this.keys;
    let i = this.size++;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (keys[parent] <= key) break;
      keys[i] = keys[parent];
      i = parent;
    }
    keys[i] = key;
  }
  pop(): number {
    const keys = this.keys;
    const top = keys[0];
    const last = keys[--this.size];
    let i = 0;
    const n = this.size;
    while (true) {
      let child = 2 * i + 1;
      if (child >= n) break;
      if (child + 1 < n && keys[child + 1] < keys[child]) child++;
      if (keys[child] >= last) break;
      keys[i] = keys[child];
      i = child;
    }
    keys[i] = last;
    return top;
  }
}

/** Word positions fit in 2^20 units; ranks above that multiply in. */
const POSITION_SPAN = 1 << 20;

/**
 * Byte-pair encoding. Merges apply lowest rank first (leftmost on ties) over a linked list of
 * symbols with a heap of candidate pairs, so a word costs O(n log n), not a rescan per merge.
 */
export class BPEModel implements SubwordModel {
  readonly type = 'BPE' as const;
  readonly options: BPEOptions;
  private readonly vocab: Vocabulary;
  /** (left id, right id) → rank; merged id = mergedIds[rank]. */
  private readonly ranks = new Map<number, number>();
  private readonly mergedIds: Int32Array;
  readonly merges: [string, string][];
  private readonly cache = new WordCache();
  private readonly heap = new MergeHeap();
  private symbolIds = new Int32Array(64);
  private symbolEnds = new Int32Array(64);
  private nextSymbol = new Int32Array(64);
  private prevSymbol = new Int32Array(64);

  constructor(
    vocab: Iterable<[string, number]>,
    merges: [string, string][],
    options: Partial<BPEOptions> = {},
  ) {
    this.vocab = new Vocabulary(vocab);
    this.options = {
      unkToken: options.unkToken ?? null,
      endOfWordSuffix: options.endOfWordSuffix ?? null,
      continuingSubwordPrefix: options.continuingSubwordPrefix ?? null,
      fuseUnk: options.fuseUnk ?? false,
      byteFallback: options.byteFallback ?? false,
    };
    this.merges = merges;
    this.mergedIds = new Int32Array(merges.length);
    merges.forEach(([a, b], rank) => {
      const left = this.vocab.ids.get(a);
      const right = this.vocab.ids.get(b);
      const merged = this.vocab.ids.get(a + b);
      if (left === undefined || right === undefined || merged === undefined)
        throw new SmyslError(
          'E_MODEL',
          `BPE merge ${rank} "${a} ${b}" uses tokens missing from the vocabulary`,
        );
      const key = left * 0x200000 + right;
      if (!this.ranks.has(key)) this.ranks.set(key, rank);
      this.mergedIds[rank] = merged;
    });
  }
  get vocabSize(): number {
    return this.vocab.size;
  }
  tokenToId(token: string): number | undefined {
    return this.vocab.ids.get(token);
  }
  idToToken(id: number): string | undefined {
    return this.vocab.tokens[id];
  }
  addToken(token: string, id: number): void {
    this.vocab.add(token, id);
    this.cache.clear();
  }
  tokenizeWord(word: string): WordPieces {
    const cached = this.cache.get(word);
    if (cached) return cached;
    const pieces = this.tokenizeUncached(word);
    if (word.length < 256) this.cache.set(word, pieces);
    return pieces;
  }

  private ensureCapacity(n: number): void {
    if (this.symbolIds.length >= n) return;
    const size = Math.max(n, this.symbolIds.length * 2);
    this.symbolIds = new Int32Array(size);
    this.symbolEnds = new Int32Array(size);
    this.nextSymbol = new Int32Array(size);
    this.prevSymbol = new Int32Array(size);
  }

  private tokenizeUncached(word: string): WordPieces {
    if (word.length === 0) return new Int32Array(0);
    this.ensureCapacity(word.length + 1);
    const ids = this.symbolIds;
    const ends = this.symbolEnds;
    const next = this.nextSymbol;
    const prev = this.prevSymbol;
    const vocab = this.vocab.ids;
    const suffix = this.options.endOfWordSuffix;
    const prefix = this.options.continuingSubwordPrefix;
    // Symbols live at the index of their first unit; -1 marks an unknown character.
    let count = 0;
    let last = -1;
    for (let i = 0; i < word.length; ) {
      const cp = word.codePointAt(i)!;
      const width = cp > 0xffff ? 2 : 1;
      let ch = word.slice(i, i + width);
      if (prefix && i > 0) ch = prefix + ch;
      if (suffix && i + width === word.length) ch += suffix;
      const id = vocab.get(ch);
      ids[i] = id === undefined ? -1 : id;
      ends[i] = i + width;
      prev[i] = last;
      if (last >= 0) next[last] = i;
      last = i;
      count++;
      i += width;
    }
    next[last] = -1;
    const heap = this.heap;
    heap.clear();
    const ranks = this.ranks;
    const pushPair = (at: number): void => {
      const after = next[at];
      if (after < 0 || ids[at] < 0 || ids[after] < 0) return;
      const rank = ranks.get(ids[at] * 0x200000 + ids[after]);
      if (rank !== undefined) heap.push(rank * POSITION_SPAN + at);
    };
    if (count > 1) {
      for (let at = 0; at >= 0; at = next[at]) pushPair(at);
      while (heap.length) {
        const key = heap.pop();
        const rank = Math.floor(key / POSITION_SPAN);
        const at = key - rank * POSITION_SPAN;
        const after = next[at];
        // Stale entries: one side was merged away since this pair was queued.
        if (ids[at] < 0 || after < 0 || ends[at] !== after) continue;
        if (ranks.get(ids[at] * 0x200000 + ids[after]) !== rank) continue;
        ids[at] = this.mergedIds[rank];
        ends[at] = ends[after];
        ids[after] = -2;
        next[at] = next[after];
        if (next[at] >= 0) prev[next[at]] = at;
        if (prev[at] >= 0) pushPair(prev[at]);
        pushPair(at);
      }
    }
    const out: number[] = [];
    const unk = this.options.unkToken === null ? undefined : vocab.get(this.options.unkToken);
    for (let at = 0; at >= 0; at = next[at]) {
      let id = ids[at];
      if (id < 0) {
        if (this.options.byteFallback && this.pushBytes(word.slice(at, ends[at]), ends[at], out)) continue;
        if (unk === undefined) continue;
        id = unk;
        if (this.options.fuseUnk && out.length && out[out.length - 2] === unk) {
          out[out.length - 1] = ends[at];
          continue;
        }
      }
      out.push(id, ends[at]);
    }
    return Int32Array.from(out);
  }

  private pushBytes(text: string, end: number, out: number[]): boolean {
    const bytes = new TextEncoder().encode(text);
    const byteIds: number[] = [];
    for (const b of bytes) {
      const id = this.vocab.ids.get(`<0x${b.toString(16).toUpperCase().padStart(2, '0')}>`);
      if (id === undefined) return false;
      byteIds.push(id);
    }
    for (const id of byteIds) out.push(id, end);
    return true;
  }

  toJSON() {
    return {
      type: 'BPE',
      dropout: null,
      unk_token: this.options.unkToken,
      continuing_subword_prefix: this.options.continuingSubwordPrefix,
      end_of_word_suffix: this.options.endOfWordSuffix,
      fuse_unk: this.options.fuseUnk,
      byte_fallback: this.options.byteFallback,
      ignore_merges: false,
      vocab: Object.fromEntries(this.vocab.tokens.map((t, i) => [t, i]).filter(([t]) => t !== undefined)),
      merges: this.merges,
    };
  }
}

interface TrieNode {
  children: Map<number, TrieNode>;
  id: number;
}

export interface UnigramOptions {
  unkId: number;
  byteFallback: boolean;
}

/** SentencePiece's unigram language model: Viterbi segmentation (or sampling) over piece scores. */
export class UnigramModel implements SubwordModel {
  readonly type = 'Unigram' as const;
  readonly options: UnigramOptions;
  readonly pieces: [string, number][];
  private readonly vocab: Vocabulary;
  private readonly scores: Float64Array;
  private readonly root: TrieNode = { children: new Map(), id: -1 };
  private readonly unkScore: number;
  private readonly cache = new WordCache();

  constructor(pieces: [string, number][], options: Partial<UnigramOptions> = {}) {
    this.pieces = pieces;
    this.options = { unkId: options.unkId ?? 0, byteFallback: options.byteFallback ?? false };
    this.vocab = new Vocabulary(pieces.map(([p], i) => [p, i] as [string, number]));
    this.scores = Float64Array.from(pieces, ([, s]) => s);
    let min = Number.POSITIVE_INFINITY;
    for (const s of this.scores) min = Math.min(min, s);
    this.unkScore = min - 10;
    if (this.options.unkId < 0 || this.options.unkId >= pieces.length)
      throw new SmyslError('E_MODEL', `Unigram unk_id ${this.options.unkId} is outside the vocabulary`);
    this.scores[this.options.unkId] = this.unkScore;
    pieces.forEach(([piece], id) => {
      let node = this.root;
      for (let i = 0; i < piece.length; i++) {
        const c = piece.charCodeAt(i);
        let child = node.children.get(c);
        if (!child) {
          child = { children: new Map(), id: -1 };
          node.children.set(c, child);
        }
        node = child;
      }
      if (node.id < 0) node.id = id;
    });
  }
  get vocabSize(): number {
    return this.vocab.size;
  }
  tokenToId(token: string): number | undefined {
    return this.vocab.ids.get(token);
  }
  idToToken(id: number): string | undefined {
    return this.vocab.tokens[id];
  }
  addToken(token: string, id: number): void {
    this.vocab.add(token, id);
  }
  tokenizeWord(word: string): WordPieces {
    const cached = this.cache.get(word);
    if (cached) return cached;
    const pieces = this.viterbi(word);
    this.cache.set(word, pieces);
    return pieces;
  }

  /** Calls `visit(id, end)` for every vocabulary piece starting at `start` (and unk when needed). */
  private forEachPiece(
    word: string,
    start: number,
    visit: (id: number, end: number, score: number) => void,
  ): void {
    let node: TrieNode | undefined = this.root;
    let hasSingle = false;
    const first = word.codePointAt(start)!;
    const charEnd = start + (first > 0xffff ? 2 : 1);
    for (let j = start; j < word.length; j++) {
      node = node.children.get(word.charCodeAt(j));
      if (!node) break;
      if (node.id >= 0 && (j + 1 >= word.length || !isLowSurrogate(word.charCodeAt(j + 1)))) {
        visit(node.id, j + 1, this.scores[node.id]);
        if (j + 1 === charEnd) hasSingle = true;
      }
    }
    if (!hasSingle) visit(this.options.unkId, charEnd, this.unkScore);
  }

  private viterbi(word: string): WordPieces {
    const n = word.length;
    const best = new Float64Array(n + 1).fill(Number.NEGATIVE_INFINITY);
    const backId = new Int32Array(n + 1).fill(-1);
    const backStart = new Int32Array(n + 1).fill(-1);
    best[0] = 0;
    for (let start = 0; start < n; start++) {
      if (best[start] === Number.NEGATIVE_INFINITY || isLowSurrogate(word.charCodeAt(start))) continue;
      const base = best[start];
      this.forEachPiece(word, start, (id, end, score) => {
        const total = base + score;
        if (total > best[end]) {
          best[end] = total;
          backId[end] = id;
          backStart[end] = start;
        }
      });
    }
    return this.collect(word, backId, backStart);
  }

  private collect(word: string, backId: Int32Array, backStart: Int32Array): WordPieces {
    const reversed: number[] = [];
    for (let end = word.length; end > 0; end = backStart[end]) reversed.push(backId[end], end);
    const out: number[] = [];
    const unk = this.options.unkId;
    for (let k = reversed.length - 2; k >= 0; k -= 2) {
      const id = reversed[k];
      const end = reversed[k + 1];
      // Consecutive unknown characters become one [UNK], as the reference fuses them.
      if (id === unk && out.length && out[out.length - 2] === unk) out[out.length - 1] = end;
      else out.push(id, end);
    }
    return Int32Array.from(out);
  }

  /**
   * Samples a segmentation from the lattice with probabilities ∝ exp(alpha · score)
   * (subword regularization, forward-filtering backward-sampling).
   */
  sampleWord(word: string, alpha = 0.1, random: () => number = Math.random): WordPieces {
    const n = word.length;
    const logAlpha = new Float64Array(n + 1).fill(Number.NEGATIVE_INFINITY);
    logAlpha[0] = 0;
    const edges: [number, number, number][][] = Array.from({ length: n + 1 }, () => []);
    for (let start = 0; start < n; start++) {
      if (logAlpha[start] === Number.NEGATIVE_INFINITY || isLowSurrogate(word.charCodeAt(start))) continue;
      this.forEachPiece(word, start, (id, end, score) => {
        edges[end].push([start, id, alpha * score]);
        logAlpha[end] = logAddExp(logAlpha[end], logAlpha[start] + alpha * score);
      });
    }
    const backId = new Int32Array(n + 1);
    const backStart = new Int32Array(n + 1);
    for (let end = n; end > 0; ) {
      const options = edges[end];
      let r = random();
      let chosen = options[options.length - 1];
      for (const option of options) {
        const p = Math.exp(logAlpha[option[0]] + option[2] - logAlpha[end]);
        if ((r -= p) <= 0) {
          chosen = option;
          break;
        }
      }
      backId[end] = chosen[1];
      backStart[end] = chosen[0];
      end = chosen[0];
    }
    return this.collect(word, backId, backStart);
  }

  toJSON() {
    return {
      type: 'Unigram',
      unk_id: this.options.unkId,
      vocab: this.pieces,
      byte_fallback: this.options.byteFallback,
    };
  }
}

function isLowSurrogate(c: number): boolean {
  return c >= 0xdc00 && c <= 0xdfff;
}

export function logAddExp(a: number, b: number): number {
  if (a === Number.NEGATIVE_INFINITY) return b;
  if (b === Number.NEGATIVE_INFINITY) return a;
  return a > b ? a + Math.log1p(Math.exp(b - a)) : b + Math.log1p(Math.exp(a - b));
}

// biome-ignore lint/suspicious/noExplicitAny: tokenizer.json is untyped JSON
export function modelFromJSON(config: any): SubwordModel {
  switch (config?.type) {
    case 'WordPiece':
      return new WordPieceModel(Object.entries(config.vocab as Record<string, number>), {
        unkToken: config.unk_token ?? '[UNK]',
        continuingSubwordPrefix: config.continuing_subword_prefix ?? '##',
        maxInputCharsPerWord: config.max_input_chars_per_word ?? 100,
      });
    case 'BPE': {
      const merges: [string, string][] = (config.merges ?? []).map((m: string | [string, string]) => {
        if (Array.isArray(m)) return m;
        const space = m.indexOf(' ');
        return [m.slice(0, space), m.slice(space + 1)];
      });
      return new BPEModel(Object.entries(config.vocab as Record<string, number>), merges, {
        unkToken: config.unk_token ?? null,
        endOfWordSuffix: config.end_of_word_suffix ?? null,
        continuingSubwordPrefix: config.continuing_subword_prefix ?? null,
        fuseUnk: config.fuse_unk ?? false,
        byteFallback: config.byte_fallback ?? false,
      });
    }
    case 'Unigram':
      return new UnigramModel(config.vocab, {
        unkId: config.unk_id ?? 0,
        byteFallback: config.byte_fallback ?? false,
      });
    default:
      throw new SmyslError('E_MODEL', `unsupported tokenizer model in tokenizer.json: ${config?.type}`);
  }
}
