import { SmyslError } from '../../errors.js';

/** Words kept for training, most frequent first, with their corpus counts. */
export interface Vocabulary {
  words: string[];
  counts: Float64Array;
  index: Map<string, number>;
  /** Sum of the kept words' counts (words the training loops will see per epoch). */
  totalWords: number;
}

/**
 * Keeps words seen at least `minCount` times, at most `maxVocab` of them (the most frequent),
 * sorted by count descending; ties keep the order of first appearance (like gensim).
 */
export function buildVocabulary(
  counts: Map<string, number>,
  opts: { minCount: number; maxVocab?: number },
): Vocabulary {
  const entries: [string, number][] = [];
  for (const [w, c] of counts) if (c >= opts.minCount) entries.push([w, c]);
  // Array.prototype.sort is stable: equal counts stay in first-appearance order.
  entries.sort((a, b) => b[1] - a[1]);
  if (opts.maxVocab !== undefined && opts.maxVocab > 0 && entries.length > opts.maxVocab)
    entries.length = opts.maxVocab;
  if (entries.length === 0)
    throw new SmyslError(
      'E_INPUT',
      `no word occurs at least ${opts.minCount} times in the corpus; lower --min-count or use a larger corpus`,
    );
  const words = entries.map((e) => e[0]);
  const vocabCounts = Float64Array.from(entries, (e) => e[1]);
  let total = 0;
  for (const c of vocabCounts) total += c;
  return { words, counts: vocabCounts, index: new Map(words.map((w, i) => [w, i])), totalWords: total };
}

/** Huffman codes for hierarchical softmax, laid out flat: word w's code is codes[w*maxLength ..]. */
export interface HuffmanCodes {
  maxLength: number;
  lengths: Int32Array;
  /** Branch bits (0/1) from the root down to the word. */
  codes: Uint8Array;
  /** Inner-node indices (0..V-2, rows of the output matrix) along the same path. */
  points: Int32Array;
}

/**
 * Builds the Huffman tree exactly as the word2vec C tool does (two-queue merge over counts
 * sorted descending), so codes and inner-node numbering match the original.
 */
export function huffmanCodes(counts: ArrayLike<number>): HuffmanCodes {
  const vocabSize = counts.length;
  if (vocabSize < 2) {
    return {
      maxLength: 1,
      lengths: new Int32Array(vocabSize),
      codes: new Uint8Array(vocabSize),
      points: new Int32Array(vocabSize),
    };
  }
  const count = new Float64Array(vocabSize * 2);
  const binary = new Uint8Array(vocabSize * 2);
  const parent = new Int32Array(vocabSize * 2);
  for (let a = 0; a < vocabSize; a++) count[a] = counts[a];
  for (let a = vocabSize; a < vocabSize * 2; a++) count[a] = 1e15;
  let pos1 = vocabSize - 1;
  let pos2 = vocabSize;
  for (let a = 0; a < vocabSize - 1; a++) {
    let min1: number;
    let min2: number;
    if (pos1 >= 0 && count[pos1] < count[pos2]) min1 = pos1--;
    else min1 = pos2++;
    if (pos1 >= 0 && count[pos1] < count[pos2]) min2 = pos1--;
    else min2 = pos2++;
    count[vocabSize + a] = count[min1] + count[min2];
    parent[min1] = vocabSize + a;
    parent[min2] = vocabSize + a;
    binary[min2] = 1;
  }
  const root = vocabSize * 2 - 2;
  const lengths = new Int32Array(vocabSize);
  let maxLength = 0;
  for (let a = 0; a < vocabSize; a++) {
    let depth = 0;
    for (let b = a; b !== root; b = parent[b]) depth++;
    lengths[a] = depth;
    if (depth > maxLength) maxLength = depth;
  }
  const codes = new Uint8Array(vocabSize * maxLength);
  const points = new Int32Array(vocabSize * maxLength);
  for (let a = 0; a < vocabSize; a++) {
    const length = lengths[a];
    const base = a * maxLength;
    // Walk up from the leaf, filling the path from its far end.
    let i = length - 1;
    for (let b = a; b !== root; b = parent[b]) {
      codes[base + i] = binary[b];
      points[base + i] = parent[b] - vocabSize;
      i--;
    }
  }
  return { maxLength, lengths, codes, points };
}

/**
 * The negative-sampling table: word w fills a share of slots proportional to count^power
 * (0.75 for word2vec, 0.5 for fastText), filled the way the C tool fills it.
 */
export function unigramTable(counts: ArrayLike<number>, power: number, size: number): Int32Array {
  const table = new Int32Array(size);
  const vocabSize = counts.length;
  let total = 0;
  for (let a = 0; a < vocabSize; a++) total += counts[a] ** power;
  let word = 0;
  let cumulative = counts[0] ** power / total;
  for (let a = 0; a < size; a++) {
    table[a] = word;
    if (a / size > cumulative && word < vocabSize - 1) {
      word++;
      cumulative += counts[word] ** power / total;
    }
  }
  return table;
}

/**
 * Probability of keeping each occurrence of a word under frequent-word subsampling:
 * sqrt(t/f) + t/f with f = count/total (the word2vec C tool's and gensim's formula, also
 * fastText's), capped at 1. `sample <= 0` keeps everything.
 */
export function keepProbabilities(counts: ArrayLike<number>, sample: number, total: number): Float32Array {
  const keep = new Float32Array(counts.length).fill(1);
  if (sample <= 0) return keep;
  const threshold = sample * total;
  for (let w = 0; w < counts.length; w++) {
    const p = (Math.sqrt(counts[w] / threshold) + 1) * (threshold / counts[w]);
    keep[w] = Math.min(p, 1);
  }
  return keep;
}

/** Walker's alias table: draw i uniformly, keep it with probability[i], else take alias[i]. */
export interface AliasTable {
  probability: Float32Array;
  alias: Int32Array;
}

/**
 * The negative-sampling distribution count^power as an alias table (Vose's method). It samples
 * the same distribution as the C tool's 1e8-slot unigram table, exactly rather than to 1e-8, from
 * two V-sized arrays that stay in cache: the big table costs a cache miss on every negative,
 * which was most of the training time.
 */
export function aliasTable(counts: ArrayLike<number>, power: number): AliasTable {
  const n = counts.length;
  const probability = new Float32Array(n);
  const alias = new Int32Array(n);
  const scaled = new Float64Array(n);
  let total = 0;
  for (let i = 0; i < n; i++) total += counts[i] ** power;
  for (let i = 0; i < n; i++) scaled[i] = (counts[i] ** power / total) * n;
  const small: number[] = [];
  const large: number[] = [];
  for (let i = 0; i < n; i++) (scaled[i] < 1 ? small : large).push(i);
  while (small.length > 0 && large.length > 0) {
    const s = small.pop() as number;
    const l = large[large.length - 1];
    probability[s] = scaled[s];
    alias[s] = l;
    scaled[l] = scaled[l] + scaled[s] - 1;
    if (scaled[l] < 1) {
      large.pop();
      small.push(l);
    }
  }
  for (const i of large) {
    probability[i] = 1;
    alias[i] = i;
  }
  for (const i of small) {
    probability[i] = 1;
    alias[i] = i;
  }
  return { probability, alias };
}
