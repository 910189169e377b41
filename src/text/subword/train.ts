import { SmyslError, throwIfAborted } from '../../errors.js';
import type { LongRunning } from '../../util/progress.js';
import { BertWordScanner } from './bert.js';
import { ByteLevelDecoder, MetaspaceDecoder, WordPieceDecoder } from './decoders.js';
import { BPEModel, UnigramModel, WordPieceModel } from './models.js';
import {
  AlignedString,
  BertNormalizer,
  type Normalizer,
  ReplaceNormalizer,
  SequenceNormalizer,
  StripNormalizer,
  UnicodeNormalizer,
} from './normalizers.js';
import {
  BertPreTokenizer,
  BYTE_TO_UNICODE,
  ByteLevelPreTokenizer,
  MetaspacePreTokenizer,
  type PreTokenizer,
} from './pretokenizers.js';
import { type AddedToken, postProcessorFromJSON, Tokenizer } from './tokenizer.js';

export type SubwordModelKind = 'bpe' | 'bytelevel-bpe' | 'wordpiece' | 'unigram';

export interface TrainTokenizerOptions extends LongRunning {
  model: SubwordModelKind;
  vocabSize: number;
  /** Pairs (BPE, WordPiece) and seed substrings (Unigram) rarer than this are not learned. Default 2. */
  minFrequency?: number;
  /** Added first, with ids 0, 1, …; defaults per model ([PAD] [UNK] [CLS] [SEP] [MASK] for WordPiece, <unk> otherwise, <|endoftext|> for byte-level). */
  specialTokens?: string[];
  /** WordPiece: lowercase (BERT uncased). Default true. */
  lowercase?: boolean;
  /**
   * WordPiece: how pairs are chosen. 'score' (default): count(ab) / (count(a)·count(b)), which
   * favours pairs of rare symbols; 'frequency': most frequent pair first, as Hugging Face's
   * WordPiece trainer does (better compression at small vocabularies).
   */
  wordPieceCriterion?: 'score' | 'frequency';
  /** Keep at most this many initial characters (most frequent); others become unknown. */
  limitAlphabet?: number;
  /** Unigram: longest piece in characters. Default 16. */
  maxPieceLength?: number;
  /** Unigram: EM iterations per pruning round. Default 2. */
  emIterations?: number;
  /** Unigram: fraction of pieces kept per pruning round. Default 0.75. */
  shrinkingFactor?: number;
}

const DEFAULT_SPECIALS: Record<SubwordModelKind, string[]> = {
  bpe: ['<unk>'],
  'bytelevel-bpe': ['<|endoftext|>'],
  wordpiece: ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]'],
  unigram: ['<unk>'],
};

/** The normalizer and pre-tokenizer each model is trained (and later run) with. */
function pipelineFor(options: TrainTokenizerOptions): {
  normalizer: Normalizer | null;
  preTokenizer: PreTokenizer;
} {
  switch (options.model) {
    case 'bpe':
    case 'unigram':
      // As SentencePiece: NFKC, runs of spaces collapsed, no leading or trailing space.
      return {
        normalizer: new SequenceNormalizer([
          new UnicodeNormalizer('NFKC'),
          new ReplaceNormalizer({ Regex: ' {2,}' }, ' '),
          new StripNormalizer(true, true),
        ]),
        preTokenizer: new MetaspacePreTokenizer('\u2581', 'always', true),
      };
    case 'bytelevel-bpe':
      return { normalizer: null, preTokenizer: new ByteLevelPreTokenizer(false, true, true) };
    case 'wordpiece':
      return {
        normalizer: new BertNormalizer({ lowercase: options.lowercase ?? true, stripAccents: false }),
        preTokenizer: new BertPreTokenizer(),
      };
  }
}

const GPT2_PATTERN = /'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+/gu;
const utf8 = new TextEncoder();

/** Counts pre-tokenized words of a corpus, the way the trained tokenizer will see them. */
export async function countWords(
  texts: Iterable<string> | AsyncIterable<string>,
  options: TrainTokenizerOptions,
): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  const add = (w: string) => counts.set(w, (counts.get(w) ?? 0) + 1);
  const { normalizer, preTokenizer } = pipelineFor(options);
  const scanner = options.model === 'wordpiece' ? new BertWordScanner(normalizer as BertNormalizer) : null;
  const byteWords = new Map<string, string>();
  let done = 0;
  let bytes = 0;
  for await (const text of texts) {
    if (options.model === 'bpe' || options.model === 'unigram') {
      // Splitting on single spaces and dropping empties equals collapsing runs and stripping.
      for (const w of text.normalize('NFKC').split(' ')) if (w.length) add(`\u2581${w}`);
    } else if (options.model === 'bytelevel-bpe') {
      for (const m of text.matchAll(GPT2_PATTERN)) {
        let w = byteWords.get(m[0]);
        if (w === undefined) {
          w = '';
          for (const b of utf8.encode(m[0])) w += BYTE_TO_UNICODE[b];
          if (byteWords.size < 1_000_000) byteWords.set(m[0], w);
        }
        add(w);
      }
    } else if (!scanner!.scan(text, 0, text.length, (w) => add(w))) {
      const aligned = normalizer ? normalizer.normalize(AlignedString.from(text)) : AlignedString.from(text);
      for (const w of preTokenizer.split(aligned, 0)) add(w.text);
    }
    bytes += text.length;
    if (++done % 2000 === 0) {
      throwIfAborted(options.signal);
      options.onProgress?.({ phase: 'counting words', done: bytes, unit: 'chars' });
      await new Promise((r) => setImmediate(r));
    }
  }
  return counts;
}

/** Trains a tokenizer on a corpus (one text per item) and returns it ready to encode and save. */
export async function trainTokenizer(
  texts: Iterable<string> | AsyncIterable<string>,
  options: TrainTokenizerOptions,
): Promise<Tokenizer> {
  if (!Number.isInteger(options.vocabSize) || options.vocabSize < 1)
    throw new SmyslError('E_USAGE', `vocabSize must be a positive integer, got ${options.vocabSize}`);
  const counts = await countWords(texts, options);
  if (counts.size === 0) throw new SmyslError('E_INPUT', 'the training corpus has no words');
  return trainFromCounts(counts, options);
}

/** Trains from word counts (as countWords makes them). */
export async function trainFromCounts(
  counts: Map<string, number>,
  options: TrainTokenizerOptions,
): Promise<Tokenizer> {
  const specials = options.specialTokens ?? DEFAULT_SPECIALS[options.model];
  const { normalizer, preTokenizer } = pipelineFor(options);
  const addedTokens: AddedToken[] = specials.map((content, id) => ({
    id,
    content,
    special: true,
    singleWord: false,
    lstrip: false,
    rstrip: false,
    normalized: false,
  }));
  switch (options.model) {
    case 'bpe':
    case 'bytelevel-bpe': {
      const byteLevel = options.model === 'bytelevel-bpe';
      const { vocab, merges } = await learnMerges(counts, specials, options, byteLevel ? 'bytes' : 'chars');
      const unk = byteLevel ? null : specials.includes('<unk>') ? '<unk>' : (specials[0] ?? null);
      const model = new BPEModel(vocab, merges, { unkToken: unk, fuseUnk: !byteLevel });
      return new Tokenizer({
        model,
        normalizer,
        preTokenizer,
        decoder: byteLevel ? new ByteLevelDecoder() : new MetaspaceDecoder('\u2581', 'always', true),
        postProcessor: byteLevel
          ? postProcessorFromJSON({
              type: 'ByteLevel',
              add_prefix_space: false,
              trim_offsets: true,
              use_regex: true,
            })
          : null,
        addedTokens,
      });
    }
    case 'wordpiece': {
      const { vocab } = await learnMerges(counts, specials, options, 'wordpiece');
      const unk = specials.includes('[UNK]') ? '[UNK]' : specials[0];
      if (unk === undefined)
        throw new SmyslError('E_USAGE', 'WordPiece needs an unknown token among the special tokens');
      const model = new WordPieceModel(vocab, { unkToken: unk });
      const cls = specials.includes('[CLS]') ? '[CLS]' : null;
      const sep = specials.includes('[SEP]') ? '[SEP]' : null;
      return new Tokenizer({
        model,
        normalizer,
        preTokenizer,
        decoder: new WordPieceDecoder('##', true),
        postProcessor:
          cls && sep
            ? postProcessorFromJSON({
                type: 'TemplateProcessing',
                single: [
                  { SpecialToken: { id: cls, type_id: 0 } },
                  { Sequence: { id: 'A', type_id: 0 } },
                  { SpecialToken: { id: sep, type_id: 0 } },
                ],
                pair: [
                  { SpecialToken: { id: cls, type_id: 0 } },
                  { Sequence: { id: 'A', type_id: 0 } },
                  { SpecialToken: { id: sep, type_id: 0 } },
                  { Sequence: { id: 'B', type_id: 1 } },
                  { SpecialToken: { id: sep, type_id: 1 } },
                ],
                special_tokens: {
                  [cls]: { id: cls, ids: [specials.indexOf(cls)], tokens: [cls] },
                  [sep]: { id: sep, ids: [specials.indexOf(sep)], tokens: [sep] },
                },
              })
            : null,
        addedTokens,
      });
    }
    case 'unigram': {
      const pieces = await trainUnigram(counts, specials, options);
      const unkId = Math.max(0, specials.indexOf('<unk>'));
      return new Tokenizer({
        model: new UnigramModel(pieces, { unkId }),
        normalizer,
        preTokenizer,
        decoder: new MetaspaceDecoder('\u2581', 'always', true),
        addedTokens,
      });
    }
    default:
      throw new SmyslError('E_USAGE', `unknown tokenizer model ${(options as { model: string }).model}`);
  }
}

/** A max-heap of (priority, pair key), stale entries checked by the caller. */
class PairHeap {
  private priorities: number[] = [];
  private keys: number[] = [];
  get length(): number {
    return this.keys.length;
  }
  private better(i: number, j: number): boolean {
    const p = this.priorities;
    return p[i] > p[j] || (p[i] === p[j] && this.keys[i] < this.keys[j]);
  }
  private swap(i: number, j: number): void {
    const p = this.priorities;
    const k = this.keys;
    [p[i], p[j]] = [p[j], p[i]];
    [k[i], k[j]] = [k[j], k[i]];
  }
  push(priority: number, key: number): void {
    this.priorities.push(priority);
    this.keys.push(key);
    let i = this.keys.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.better(i, parent)) break;
      this.swap(i, parent);
      i = parent;
    }
  }
  peekPriority(): number {
    return this.priorities[0];
  }
  pop(): number {
    const key = this.keys[0];
    const lastP = this.priorities.pop()!;
    const lastK = this.keys.pop()!;
    if (this.keys.length) {
      this.priorities[0] = lastP;
      this.keys[0] = lastK;
      let i = 0;
      const n = this.keys.length;
      while (true) {
        const l = 2 * i + 1;
        const r = l + 1;
        let best = i;
        if (l < n && this.better(l, best)) best = l;
        if (r < n && this.better(r, best)) best = r;
        if (best === i) break;
        this.swap(i, best);
        i = best;
      }
    }
    return key;
  }
}

const PAIR = 0x200000;

const LETTER = /[\p{L}\p{M}]/u;
const NUMBER = /\p{N}/u;
/**
 * SentencePiece never lets a piece mix letters, digits and other symbols (its script split);
 * 0 is ▁, which may only start a piece.
 */
function characterClass(ch: string): number {
  if (ch === '\u2581') return 0;
  if (LETTER.test(ch)) return 1;
  if (NUMBER.test(ch)) return 2;
  return 3;
}

function tokenClass(token: string): number {
  for (const ch of token) if (ch !== '\u2581') return characterClass(ch);
  return 0;
}

/**
 * Learns merges: BPE (most frequent pair first) or WordPiece (pair maximizing
 * count(ab) / (count(a)·count(b))). Pair counts are kept incrementally with an index from pairs
 * to the words containing them, so a merge only touches the words it changes.
 */
async function learnMerges(
  counts: Map<string, number>,
  specials: string[],
  options: TrainTokenizerOptions,
  mode: 'chars' | 'bytes' | 'wordpiece',
): Promise<{ vocab: [string, number][]; merges: [string, string][] }> {
  const minFrequency = options.minFrequency ?? 2;
  const tokens: string[] = [...specials];
  const idOf = new Map<string, number>(tokens.map((t, i) => [t, i]));
  const intern = (t: string): number => {
    let id = idOf.get(t);
    if (id === undefined) {
      id = tokens.length;
      tokens.push(t);
      idOf.set(t, id);
    }
    return id;
  };
  const wordList = [...counts.keys()];
  const freq = Float64Array.from(wordList, (w) => counts.get(w)!);
  // Alphabet: every byte for byte-level; otherwise characters by frequency (optionally limited).
  const charCounts = new Map<string, number>();
  wordList.forEach((w, i) => {
    for (const ch of w) charCounts.set(ch, (charCounts.get(ch) ?? 0) + freq[i]);
  });
  let alphabet: string[];
  if (mode === 'bytes') alphabet = [...BYTE_TO_UNICODE].sort();
  else {
    alphabet = [...charCounts.keys()].sort(
      (a, b) => charCounts.get(b)! - charCounts.get(a)! || (a < b ? -1 : 1),
    );
    if (options.limitAlphabet !== undefined) alphabet = alphabet.slice(0, options.limitAlphabet);
    alphabet.sort();
  }
  const allowed = new Set(alphabet);
  for (const ch of alphabet) intern(ch);
  const prefix = '##';
  if (mode === 'wordpiece') {
    // Continuation forms of every character, so greedy matching can always finish a word.
    for (const ch of alphabet) intern(prefix + ch);
  }
  // Words as symbol arrays; -1 marks a character outside the alphabet (it blocks merges).
  const words: Int32Array[] = wordList.map((w) => {
    const chars = [...w];
    return Int32Array.from(chars, (ch, i) =>
      allowed.has(ch) ? (mode === 'wordpiece' && i > 0 ? idOf.get(prefix + ch)! : idOf.get(ch)!) : -1,
    );
  });
  const lengths = Int32Array.from(words, (w) => w.length);
  const symbolCounts = new Map<number, number>();
  const pairCounts = new Map<number, number>();
  const where = new Map<number, Set<number>>();
  const classes: number[] = [];
  const classOf = (id: number): number => {
    let c = classes[id];
    if (c === undefined) classes[id] = c = tokenClass(tokens[id]);
    return c;
  };
  const restrict = mode === 'chars';
  const addPair = (key: number, wordIndex: number, delta: number) => {
    if (restrict) {
      const a = Math.floor(key / PAIR);
      const ca = classOf(a);
      if (ca !== 0 && ca !== classOf(key - a * PAIR)) return;
    }
    const c = (pairCounts.get(key) ?? 0) + delta;
    if (c <= 0) pairCounts.delete(key);
    else pairCounts.set(key, c);
    if (delta > 0) {
      let set = where.get(key);
      if (!set) where.set(key, (set = new Set()));
      set.add(wordIndex);
    }
  };
  words.forEach((w, wi) => {
    for (let i = 0; i < w.length; i++) {
      if (w[i] >= 0) symbolCounts.set(w[i], (symbolCounts.get(w[i]) ?? 0) + freq[wi]);
      if (i + 1 < w.length && w[i] >= 0 && w[i + 1] >= 0) addPair(w[i] * PAIR + w[i + 1], wi, freq[wi]);
    }
  });
  const score = (key: number, count: number): number => {
    if (mode !== 'wordpiece' || options.wordPieceCriterion === 'frequency') return count;
    const a = Math.floor(key / PAIR);
    const b = key - a * PAIR;
    return count / ((symbolCounts.get(a) ?? 1) * (symbolCounts.get(b) ?? 1));
  };
  const heap = new PairHeap();
  for (const [key, count] of pairCounts) if (count >= minFrequency) heap.push(score(key, count), key);
  const merges: [string, string][] = [];
  const target = options.vocabSize;
  const started = tokens.length;
  while (tokens.length < target && heap.length) {
    const popped = heap.peekPriority();
    const key = heap.pop();
    const count = pairCounts.get(key) ?? 0;
    if (count < minFrequency) continue;
    const current = score(key, count);
    // Stale entry: its pair lost occurrences since it was queued; requeue at its real priority.
    if (current < popped * (1 - 1e-12)) {
      heap.push(current, key);
      continue;
    }
    const a = Math.floor(key / PAIR);
    const b = key - a * PAIR;
    const left = tokens[a];
    const right = tokens[b];
    const mergedText =
      mode === 'wordpiece' && right.startsWith(prefix) ? left + right.slice(prefix.length) : left + right;
    const merged = intern(mergedText);
    if (mode !== 'wordpiece') merges.push([left, right]);
    const touched = new Set<number>();
    for (const wi of where.get(key) ?? []) {
      const w = words[wi];
      let n = lengths[wi];
      const f = freq[wi];
      let found = false;
      for (let i = 0; i + 1 < n; i++) {
        if (w[i] !== a || w[i + 1] !== b) continue;
        found = true;
        if (i > 0 && w[i - 1] >= 0) {
          addPair(w[i - 1] * PAIR + a, wi, -f);
          addPair(w[i - 1] * PAIR + merged, wi, f);
          touched.add(w[i - 1] * PAIR + merged);
          touched.add(w[i - 1] * PAIR + a);
        }
        if (i + 2 < n && w[i + 2] >= 0) {
          addPair(b * PAIR + w[i + 2], wi, -f);
          addPair(merged * PAIR + w[i + 2], wi, f);
          touched.add(merged * PAIR + w[i + 2]);
          touched.add(b * PAIR + w[i + 2]);
        }
        addPair(key, wi, -f);
        w[i] = merged;
        w.copyWithin(i + 1, i + 2, n);
        n--;
        symbolCounts.set(a, (symbolCounts.get(a) ?? 0) - f);
        symbolCounts.set(b, (symbolCounts.get(b) ?? 0) - f);
        symbolCounts.set(merged, (symbolCounts.get(merged) ?? 0) + f);
      }
      if (found) lengths[wi] = n;
    }
    where.delete(key);
    pairCounts.delete(key);
    for (const t of touched) {
      const c = pairCounts.get(t);
      if (c !== undefined && c >= minFrequency) heap.push(score(t, c), t);
    }
    if (merges.length % 500 === 0 || tokens.length % 500 === 0) {
      throwIfAborted(options.signal);
      options.onProgress?.({
        phase: 'learning merges',
        done: tokens.length - started,
        total: target - started,
        unit: 'tokens',
      });
      await new Promise((r) => setImmediate(r));
    }
  }
  return { vocab: tokens.map((t, i) => [t, i] as [string, number]), merges };
}

/** Digamma for the Bayesian M-step SentencePiece uses (sparser than maximum likelihood). */
function digamma(x: number): number {
  let result = 0;
  while (x < 7) {
    result -= 1 / x;
    x += 1;
  }
  x -= 0.5;
  const xx = 1 / x;
  const xx2 = xx * xx;
  const xx4 = xx2 * xx2;
  return (
    result +
    Math.log(x) +
    (1 / 24) * xx2 -
    (7 / 960) * xx4 +
    (31 / 8064) * xx4 * xx2 -
    (127 / 30720) * xx4 * xx4
  );
}

interface Trie {
  children: Map<number, Trie>;
  id: number;
}

function buildTrie(pieces: string[]): Trie {
  const root: Trie = { children: new Map(), id: -1 };
  pieces.forEach((p, id) => {
    let node = root;
    for (let i = 0; i < p.length; i++) {
      const c = p.charCodeAt(i);
      let child = node.children.get(c);
      if (!child) node.children.set(c, (child = { children: new Map(), id: -1 }));
      node = child;
    }
    node.id = id;
  });
  return root;
}

/**
 * SentencePiece's unigram training: seed with frequent substrings, then alternate EM (expected
 * piece counts by forward-backward over each word's lattice) with pruning the pieces whose removal
 * costs the corpus likelihood least, until the target size.
 */
async function trainUnigram(
  counts: Map<string, number>,
  specials: string[],
  options: TrainTokenizerOptions,
): Promise<[string, number][]> {
  const maxLen = options.maxPieceLength ?? 16;
  const minFrequency = options.minFrequency ?? 2;
  const shrink = options.shrinkingFactor ?? 0.75;
  const emIterations = options.emIterations ?? 2;
  const target = Math.max(1, options.vocabSize - specials.length);
  const words = [...counts.keys()];
  const freq = Float64Array.from(words, (w) => counts.get(w)!);
  const progress = (phase: string, done: number, total?: number) =>
    options.onProgress?.({ phase, done, total });

  // Seed: every character, plus substrings (▁ only at the start) weighted by frequency × length.
  const charFreq = new Map<string, number>();
  const substrings = new Map<string, number>();
  words.forEach((w, wi) => {
    const chars = [...w];
    const f = freq[wi];
    for (let i = 0; i < chars.length; i++) {
      charFreq.set(chars[i], (charFreq.get(chars[i]) ?? 0) + f);
      let s = chars[i];
      let kind = characterClass(chars[i]);
      for (let j = i + 1; j < chars.length && j - i < maxLen; j++) {
        const next = characterClass(chars[j]);
        if (next === 0) break;
        if (kind === 0) kind = next;
        else if (next !== kind) break;
        s += chars[j];
        substrings.set(s, (substrings.get(s) ?? 0) + f);
      }
    }
    // Lossy counting keeps memory bounded on large corpora: forget substrings seen once.
    if (substrings.size > 4_000_000) for (const [k, v] of substrings) if (v < 2) substrings.delete(k);
  });
  progress('seeding', substrings.size);
  const seedLimit = Math.max(target * 4, 20_000);
  const candidates: [string, number, number][] = [];
  for (const [s, f] of substrings) if (f >= minFrequency) candidates.push([s, f, f * codePointLength(s)]);
  const seeds: [string, number][] = candidates
    .sort((x, y) => y[2] - x[2] || (x[0] < y[0] ? -1 : 1))
    .slice(0, seedLimit)
    .map(([s, f]) => [s, f]);
  substrings.clear();
  const required = new Set(charFreq.keys());
  let pieces: string[] = [...required, ...seeds.map(([s]) => s)];
  const seedFreq = new Map(seeds);
  const freqs = Float64Array.from(pieces, (p) => seedFreq.get(p) ?? charFreq.get(p) ?? 1);
  const total = freqs.reduce((s, x) => s + x, 0);
  let logp = Float64Array.from(freqs, (f) => Math.log(f / total));

  // Buffers shared by every word: lattice edges and forward/backward scores.
  let longest = 1;
  for (const w of words) longest = Math.max(longest, w.length);
  const alpha = new Float64Array(longest + 1);
  const beta = new Float64Array(longest + 1);
  let edgeCapacity = longest * maxLen + 16;
  let edgeStart = new Int32Array(edgeCapacity);
  let edgeEnd = new Int32Array(edgeCapacity);
  let edgeId = new Int32Array(edgeCapacity);
  const expected = (trie: Trie, n: number): { counts: Float64Array; objective: number } => {
    const expectedCounts = new Float64Array(n);
    let objective = 0;
    const NEG = Number.NEGATIVE_INFINITY;
    for (let wi = 0; wi < words.length; wi++) {
      const w = words[wi];
      const len = w.length;
      alpha.fill(NEG, 0, len + 1);
      alpha[0] = 0;
      let edges = 0;
      for (let s = 0; s < len; s++) {
        const base = alpha[s];
        if (base === NEG) continue;
        let node: Trie | undefined = trie;
        for (let j = s; j < len; j++) {
          node = node.children.get(w.charCodeAt(j));
          if (!node) break;
          const id = node.id;
          if (id >= 0) {
            if (edges === edgeCapacity) {
              edgeCapacity *= 2;
              const grow = (a: Int32Array) => {
                const b = new Int32Array(edgeCapacity);
                b.set(a);
                return b;
              };
              edgeStart = grow(edgeStart);
              edgeEnd = grow(edgeEnd);
              edgeId = grow(edgeId);
            }
            edgeStart[edges] = s;
            edgeEnd[edges] = j + 1;
            edgeId[edges] = id;
            edges++;
            const v = base + logp[id];
            const cur = alpha[j + 1];
            alpha[j + 1] =
              cur === NEG
                ? v
                : cur > v
                  ? cur + Math.log1p(Math.exp(v - cur))
                  : v + Math.log1p(Math.exp(cur - v));
          }
        }
      }
      const z = alpha[len];
      if (z === NEG) continue;
      const f = freq[wi];
      objective -= f * z;
      beta.fill(NEG, 0, len + 1);
      beta[len] = 0;
      for (let e = edges - 1; e >= 0; e--) {
        const to = beta[edgeEnd[e]];
        if (to === NEG) continue;
        const v = to + logp[edgeId[e]];
        const s = edgeStart[e];
        const cur = beta[s];
        beta[s] =
          cur === NEG ? v : cur > v ? cur + Math.log1p(Math.exp(v - cur)) : v + Math.log1p(Math.exp(cur - v));
      }
      for (let e = 0; e < edges; e++) {
        const p = Math.exp(alpha[edgeStart[e]] + logp[edgeId[e]] + beta[edgeEnd[e]] - z);
        if (p > 0) expectedCounts[edgeId[e]] += f * p;
      }
    }
    return { counts: expectedCounts, objective };
  };

  /** Best segmentation of `text` into piece ids, optionally forbidding one piece. */
  const viterbi = (trie: Trie, text: string, forbid = -1): number[] => {
    const len = text.length;
    const best = new Float64Array(len + 1).fill(Number.NEGATIVE_INFINITY);
    const back = new Int32Array(len + 1).fill(-1);
    const backStart = new Int32Array(len + 1);
    best[0] = 0;
    for (let s = 0; s < len; s++) {
      if (best[s] === Number.NEGATIVE_INFINITY) continue;
      let node: Trie | undefined = trie;
      for (let j = s; j < len; j++) {
        node = node.children.get(text.charCodeAt(j));
        if (!node) break;
        if (node.id >= 0 && node.id !== forbid) {
          const v = best[s] + logp[node.id];
          if (v > best[j + 1]) {
            best[j + 1] = v;
            back[j + 1] = node.id;
            backStart[j + 1] = s;
          }
        }
      }
    }
    if (best[len] === Number.NEGATIVE_INFINITY) return [];
    const out: number[] = [];
    for (let e = len; e > 0; e = backStart[e]) out.push(back[e]);
    return out.reverse();
  };

  let round = 0;
  while (true) {
    throwIfAborted(options.signal);
    let trie = buildTrie(pieces);
    for (let it = 0; it < emIterations; it++) {
      const { counts: ec, objective } = expected(trie, pieces.length);
      // M-step with SentencePiece's digamma prior; drop pieces the corpus hardly uses.
      const keep: number[] = [];
      for (let i = 0; i < pieces.length; i++) if (ec[i] >= 0.5 || required.has(pieces[i])) keep.push(i);
      const sum = keep.reduce((s, i) => s + Math.max(ec[i], 1e-3), 0);
      const logSum = digamma(sum);
      pieces = keep.map((i) => pieces[i]);
      logp = Float64Array.from(keep, (i) => digamma(Math.max(ec[i], 1e-3)) - logSum);
      trie = buildTrie(pieces);
      progress(`EM round ${round + 1}`, pieces.length, undefined);
      options.onProgress?.({
        phase: `EM round ${round + 1}.${it + 1}`,
        done: pieces.length,
        unit: 'pieces',
        extra: { loss: objective / Math.max(1, total) },
      });
      await new Promise((r) => setImmediate(r));
    }
    if (pieces.length <= target) break;
    // Pruning: Viterbi piece frequencies, then the likelihood lost if each piece were replaced by
    // its best segmentation without it.
    const viterbiFreq = new Float64Array(pieces.length);
    const inWords: number[][] = pieces.map(() => []);
    for (let wi = 0; wi < words.length; wi++) {
      for (const id of viterbi(trie, words[wi])) {
        viterbiFreq[id] += freq[wi];
        const list = inWords[id];
        if (list[list.length - 1] !== wi) list.push(wi);
      }
    }
    let vSum = 0;
    for (const f of viterbiFreq) vSum += f;
    const logVSum = Math.log(vSum);
    let wordTotal = 0;
    for (const f of freq) wordTotal += f;
    const loss = new Float64Array(pieces.length).fill(Number.POSITIVE_INFINITY);
    for (let id = 0; id < pieces.length; id++) {
      if (required.has(pieces[id])) continue;
      if (viterbiFreq[id] === 0) {
        loss[id] = Number.NEGATIVE_INFINITY;
        continue;
      }
      const alternatives = viterbi(trie, pieces[id], id);
      if (alternatives.length === 0) continue;
      let f = 0;
      for (const wi of inWords[id]) f += freq[wi];
      f /= wordTotal;
      const newSum = vSum + viterbiFreq[id] * (alternatives.length - 1);
      const logNewSum = Math.log(newSum);
      const logPiece = Math.log(viterbiFreq[id]) - logVSum;
      let logAlternatives = 0;
      for (const alt of alternatives)
        logAlternatives += Math.log(viterbiFreq[alt] + viterbiFreq[id]) - logNewSum;
      loss[id] = f * (logPiece - logAlternatives);
    }
    const order = pieces
      .map((_, i) => i)
      .sort((x, y) => loss[y] - loss[x] || (pieces[x] < pieces[y] ? -1 : 1));
    const newSize = Math.max(target, Math.floor(pieces.length * shrink));
    const kept = new Set(order.slice(0, newSize));
    for (let i = 0; i < pieces.length; i++) if (required.has(pieces[i])) kept.add(i);
    const keepIds = [...kept].sort((x, y) => x - y);
    pieces = keepIds.map((i) => pieces[i]);
    logp = Float64Array.from(keepIds, (i) => logp[i]);
    round++;
    progress('pruning', pieces.length, target);
    if (pieces.length <= target) {
      // One more EM pass below fits scores to the final set.
      trie = buildTrie(pieces);
      const { counts: ec } = expected(trie, pieces.length);
      const sum = ec.reduce((s, x) => s + Math.max(x, 1e-3), 0);
      const logSum = digamma(sum);
      logp = Float64Array.from(ec, (x) => digamma(Math.max(x, 1e-3)) - logSum);
      break;
    }
  }
  // Required characters beyond the target would overflow; keep the best-scored pieces.
  let order = pieces.map((_, i) => i).sort((x, y) => logp[y] - logp[x] || (pieces[x] < pieces[y] ? -1 : 1));
  if (order.length > target) {
    const chars = order.filter((i) => required.has(pieces[i]));
    const others = order.filter((i) => !required.has(pieces[i])).slice(0, Math.max(0, target - chars.length));
    order = [...others, ...chars].sort((x, y) => logp[y] - logp[x] || (pieces[x] < pieces[y] ? -1 : 1));
  }
  const result: [string, number][] = specials.map((s) => [s, 0] as [string, number]);
  for (const i of order) if (!specials.includes(pieces[i])) result.push([pieces[i], logp[i]]);
  return result;
}

function codePointLength(s: string): number {
  let n = s.length;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) n--;
  }
  return n;
}
