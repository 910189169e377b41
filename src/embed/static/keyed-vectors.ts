import { SmyslError } from '../../errors.js';
import { TopK } from '../../util/topk.js';
import {
  normalizeWordVectorFormat,
  readWordVectors,
  type WordVectorFormat,
  type WordVectorFormatName,
  type WordVectorReadOptions,
  writeWordVectors,
} from './formats.js';

/** A word or a raw vector (of the model's dimension) in a similarity query. */
export type QueryTerm = string | ArrayLike<number>;

export interface MostSimilarOptions {
  positive?: QueryTerm[];
  negative?: QueryTerm[];
  /** How many neighbours to return (default 10). */
  topn?: number;
  /** Search only the first `restrictVocab` words (frequency order for most files). */
  restrictVocab?: number;
}

export interface Neighbor {
  word: string;
  score: number;
}

/** Results of a batch of nearest-neighbour searches: `count` rows of `topn` entries, −1 padded. */
export interface BatchNeighbors {
  count: number;
  topn: number;
  ids: Int32Array;
  scores: Float32Array;
}

export type AnalogyMethod = 'add' | 'mul';

/** The epsilon gensim adds to 3CosMul's denominator (Levy & Goldberg 2014, footnote 7). */
const COSMUL_EPSILON = 1e-6;
/** Rows per block in batched search: a block of 100-d rows (~400 KB) stays in L2 across queries. */
const ROW_BLOCK = 1024;

/**
 * Word vectors with gensim-like queries. All vectors live in one row-major `Float32Array`;
 * the unit-normalised copy used by similarity queries is computed on first use.
 */
export class KeyedVectors {
  readonly words: string[];
  readonly dim: number;
  readonly vectors: Float32Array;
  private readonly indexByWord: Map<string, number>;
  private unit?: Float32Array;
  private rowNorms?: Float32Array;

  constructor(words: string[], vectors: Float32Array, dim: number) {
    if (!Number.isInteger(dim) || dim < 1) throw new SmyslError('E_INPUT', `dim must be >= 1, got ${dim}`);
    if (vectors.length !== words.length * dim)
      throw new SmyslError(
        'E_INPUT',
        `vectors has ${vectors.length} values, expected ${words.length} words x ${dim} = ${words.length * dim}`,
      );
    this.words = words;
    this.dim = dim;
    this.vectors = vectors;
    this.indexByWord = new Map();
    for (let i = 0; i < words.length; i++) {
      if (this.indexByWord.has(words[i]))
        throw new SmyslError(
          'E_INPUT',
          `duplicate word ${JSON.stringify(words[i])} at rows ${this.indexByWord.get(words[i])} and ${i}`,
        );
      this.indexByWord.set(words[i], i);
    }
  }

  /** Reads word2vec text/binary, GloVe text or fastText .vec (auto-detected unless `format` is given). */
  static async load(file: string, options: WordVectorReadOptions = {}): Promise<KeyedVectors> {
    const data = await readWordVectors(file, options);
    return new KeyedVectors(data.words, data.vectors, data.dim);
  }

  /**
   * Writes the vectors atomically. The format defaults to word2vec binary for `.bin` files and
   * word2vec text (which is also fastText `.vec`) otherwise.
   */
  async save(file: string, format?: WordVectorFormat | WordVectorFormatName): Promise<void> {
    const resolved = format
      ? normalizeWordVectorFormat(format)
      : /\.bin$/i.test(file)
        ? 'word2vec-binary'
        : 'word2vec-text';
    await writeWordVectors(file, this, resolved);
  }

  get size(): number {
    return this.words.length;
  }

  has(word: string): boolean {
    return this.indexByWord.has(word);
  }

  /** Row of `word`, or −1 when it is not in the vocabulary. */
  index(word: string): number {
    return this.indexByWord.get(word) ?? -1;
  }

  /** The stored vector of `word` (a view into the matrix, not a copy). */
  vector(word: string): Float32Array {
    const i = this.requireIndex(word);
    return this.vectors.subarray(i * this.dim, (i + 1) * this.dim);
  }

  /** The unit-length vector of `word` (a view into the normalised matrix). */
  unitVector(word: string): Float32Array {
    const i = this.requireIndex(word);
    return this.unitVectors.subarray(i * this.dim, (i + 1) * this.dim);
  }

  /** All vectors scaled to unit length (zero vectors stay zero); computed once, on first use. */
  get unitVectors(): Float32Array {
    if (!this.unit) this.computeUnit();
    return this.unit!;
  }

  /** Euclidean norm of every row of `vectors`. */
  get norms(): Float32Array {
    if (!this.rowNorms) this.computeUnit();
    return this.rowNorms!;
  }

  /** Cosine similarity of two words. */
  similarity(word1: string, word2: string): number {
    const unit = this.unitVectors;
    return dot(
      unit,
      this.requireIndex(word1) * this.dim,
      unit,
      this.requireIndex(word2) * this.dim,
      this.dim,
    );
  }

  /** Cosine similarity between the means of two word sets (raw vectors, as gensim's n_similarity). */
  nSimilarity(words1: string[], words2: string[]): number {
    if (words1.length === 0 || words2.length === 0)
      throw new SmyslError('E_INPUT', 'nSimilarity needs at least one word in each set');
    const mean1 = this.meanOfRaw(words1);
    const mean2 = this.meanOfRaw(words2);
    let d = 0;
    let n1 = 0;
    let n2 = 0;
    for (let k = 0; k < this.dim; k++) {
      d += mean1[k] * mean2[k];
      n1 += mean1[k] * mean1[k];
      n2 += mean2[k] * mean2[k];
    }
    return n1 === 0 || n2 === 0 ? 0 : d / Math.sqrt(n1 * n2);
  }

  /**
   * 3CosAdd neighbours: cosine to the normalised weighted mean of the unit vectors of `positive`
   * minus those of `negative` (raw vectors enter as given). Input words are never returned.
   */
  mostSimilar(options: MostSimilarOptions): Neighbor[] {
    const topn = options.topn ?? 10;
    if (topn < 1) return [];
    const positive = options.positive ?? [];
    const negative = options.negative ?? [];
    if (positive.length + negative.length === 0)
      throw new SmyslError('E_INPUT', 'mostSimilar needs at least one positive or negative term');
    const mean = new Float64Array(this.dim);
    const exclude: number[] = [];
    const unit = this.unitVectors;
    const addTerm = (term: QueryTerm, weight: number) => {
      if (typeof term === 'string') {
        const i = this.requireIndex(term);
        exclude.push(i);
        for (let k = 0; k < this.dim; k++) mean[k] += weight * unit[i * this.dim + k];
      } else {
        this.checkVector(term);
        for (let k = 0; k < this.dim; k++) mean[k] += weight * term[k];
      }
    };
    for (const term of positive) addTerm(term, 1);
    for (const term of negative) addTerm(term, -1);
    return this.neighborsOf(toUnitFloat32(mean), topn, options.restrictVocab, exclude);
  }

  /**
   * 3CosMul neighbours (Levy & Goldberg 2014) exactly as gensim: each cosine shifted to [0, 1] by
   * (1 + cos) / 2, product over `positive` divided by (product over `negative` + 1e-6).
   * Unlike gensim 4.2, which ignores it here, `restrictVocab` is honoured.
   */
  mostSimilarCosmul(options: MostSimilarOptions): Neighbor[] {
    const topn = options.topn ?? 10;
    if (topn < 1) return [];
    const positive = options.positive ?? [];
    const negative = options.negative ?? [];
    if (positive.length === 0)
      throw new SmyslError('E_INPUT', 'mostSimilarCosmul needs at least one positive term');
    const exclude: number[] = [];
    const toQuery = (term: QueryTerm): Float32Array => {
      if (typeof term === 'string') {
        const i = this.requireIndex(term);
        exclude.push(i);
        return this.unitVectors.subarray(i * this.dim, (i + 1) * this.dim);
      }
      this.checkVector(term);
      return Float32Array.from(term);
    };
    const pos = positive.map(toQuery);
    const neg = negative.map(toQuery);
    const unit = this.unitVectors;
    const dim = this.dim;
    const end = this.searchEnd(options.restrictVocab);
    const heap = new TopK(topn + exclude.length);
    for (let r = 0; r < end; r++) {
      const off = r * dim;
      let numerator = 1;
      for (const q of pos) numerator *= (1 + dot(unit, off, q, 0, dim)) / 2;
      let denominator = 1;
      for (const q of neg) denominator *= (1 + dot(unit, off, q, 0, dim)) / 2;
      heap.push(r, numerator / (neg.length > 0 ? denominator + COSMUL_EPSILON : 1 + COSMUL_EPSILON));
    }
    return this.toNeighbors(heap, topn, exclude);
  }

  /** Neighbours of a raw vector (no word excluded). */
  similarByVector(
    vector: ArrayLike<number>,
    options: { topn?: number; restrictVocab?: number } = {},
  ): Neighbor[] {
    this.checkVector(vector);
    const topn = options.topn ?? 10;
    if (topn < 1) return [];
    return this.neighborsOf(toUnitFloat32(Float64Array.from(vector)), topn, options.restrictVocab, []);
  }

  /** Neighbours of a word (itself excluded). */
  similarByWord(word: string, options: { topn?: number; restrictVocab?: number } = {}): Neighbor[] {
    return this.mostSimilar({ positive: [word], ...options });
  }

  /** The word least similar to the normalised mean of the given words (unknown words are ignored). */
  doesntMatch(words: string[]): string {
    const used = words.filter((w) => this.has(w));
    if (used.length === 0)
      throw new SmyslError('E_INPUT', 'doesntMatch: none of the words is in the vocabulary');
    const unit = this.unitVectors;
    const dim = this.dim;
    const mean = new Float64Array(dim);
    for (const w of used) {
      const off = this.index(w) * dim;
      for (let k = 0; k < dim; k++) mean[k] += unit[off + k];
    }
    const query = toUnitFloat32(mean);
    let best = '';
    let bestScore = Number.POSITIVE_INFINITY;
    for (const w of used) {
      const s = dot(unit, this.index(w) * dim, query, 0, dim);
      if (s < bestScore || (s === bestScore && w < best)) {
        bestScore = s;
        best = w;
      }
    }
    return best;
  }

  /** 1 + the number of words (other than `word1`) closer to `word1` than `word2` is. */
  rank(word1: string, word2: string): number {
    const i1 = this.requireIndex(word1);
    const i2 = this.requireIndex(word2);
    const unit = this.unitVectors;
    const dim = this.dim;
    const target = dot(unit, i2 * dim, unit, i1 * dim, dim);
    let closer = 0;
    for (let r = 0; r < this.size; r++) {
      if (r !== i1 && dot(unit, r * dim, unit, i1 * dim, dim) > target) closer++;
    }
    return closer + 1;
  }

  /**
   * Solves many analogies "a is to b as c is to ?" at once (rows of `questions` are word
   * indices a, b, c). Returns the `topn` best rows per question without excluding a, b, c;
   * callers filter those. Benchmarks reuse few words across many questions (Google's 19,544
   * questions use ~900 words), so each block of rows is multiplied once with the distinct
   * question words and every question's score is then a sum (3CosAdd) or product (3CosMul) of
   * three of those cosines — the same ranking and scores as one search per question, ~20x less work.
   */
  analogyBatch(
    questions: Int32Array,
    method: AnalogyMethod,
    topn: number,
    restrictVocab?: number,
    onBlock?: (rowsDone: number, rowsTotal: number) => void,
  ): BatchNeighbors {
    const count = Math.floor(questions.length / 3);
    const dim = this.dim;
    const unit = this.unitVectors;
    const end = this.searchEnd(restrictVocab);
    const heaps = Array.from({ length: count }, () => new TopK(topn));
    // Distinct question words and, per question, their slots in the block of cosines.
    const slotOf = new Map<number, number>();
    const slots = new Int32Array(questions.length);
    for (let i = 0; i < questions.length; i++) {
      let slot = slotOf.get(questions[i]);
      if (slot === undefined) {
        slot = slotOf.size;
        slotOf.set(questions[i], slot);
      }
      slots[i] = slot;
    }
    const distinct = slotOf.size;
    const queryWords = new Float32Array(distinct * dim);
    for (const [row, slot] of slotOf) queryWords.set(unit.subarray(row * dim, (row + 1) * dim), slot * dim);
    // |b + c - a| turns the 3CosAdd sum of cosines into gensim's cosine with the normalised offset.
    const offsetNorm = new Float64Array(count);
    for (let q = 0; q < count; q++) {
      const a = questions[3 * q] * dim;
      const b = questions[3 * q + 1] * dim;
      const c = questions[3 * q + 2] * dim;
      let sum = 0;
      for (let k = 0; k < dim; k++) {
        const x = unit[b + k] + unit[c + k] - unit[a + k];
        sum += x * x;
      }
      offsetNorm[q] = sum > 0 ? Math.sqrt(sum) : 1;
    }
    const cosines = new Float32Array(distinct * ROW_BLOCK);
    for (let start = 0; start < end; start += ROW_BLOCK) {
      const stop = Math.min(end, start + ROW_BLOCK);
      const rows = stop - start;
      blockDots(unit, start, stop, dim, queryWords, distinct, cosines, ROW_BLOCK);
      for (let q = 0; q < count; q++) {
        const heap = heaps[q];
        let threshold = heap.threshold;
        const a = slots[3 * q] * ROW_BLOCK;
        const b = slots[3 * q + 1] * ROW_BLOCK;
        const c = slots[3 * q + 2] * ROW_BLOCK;
        if (method === 'add') {
          const scale = 1 / offsetNorm[q];
          for (let r = 0; r < rows; r++) {
            const s = (cosines[b + r] + cosines[c + r] - cosines[a + r]) * scale;
            if (s > threshold) {
              heap.push(start + r, s);
              threshold = heap.threshold;
            }
          }
        } else {
          for (let r = 0; r < rows; r++) {
            const simA = (1 + cosines[a + r]) / 2;
            const s = (((1 + cosines[b + r]) / 2) * ((1 + cosines[c + r]) / 2)) / (simA + COSMUL_EPSILON);
            if (s > threshold) {
              heap.push(start + r, s);
              threshold = heap.threshold;
            }
          }
        }
      }
      onBlock?.(stop, end);
    }
    const ids = new Int32Array(count * topn).fill(-1);
    const scores = new Float32Array(count * topn).fill(Number.NaN);
    for (let q = 0; q < count; q++) {
      const best = heaps[q].sorted();
      for (let j = 0; j < best.items.length; j++) {
        ids[q * topn + j] = best.items[j];
        scores[q * topn + j] = best.scores[j];
      }
    }
    return { count, topn, ids, scores };
  }

  private neighborsOf(
    query: Float32Array,
    topn: number,
    restrictVocab: number | undefined,
    exclude: number[],
  ): Neighbor[] {
    const unit = this.unitVectors;
    const dim = this.dim;
    const end = this.searchEnd(restrictVocab);
    const heap = new TopK(topn + exclude.length);
    let threshold = heap.threshold;
    for (let r = 0; r < end; r++) {
      const s = dot(unit, r * dim, query, 0, dim);
      if (s > threshold) {
        heap.push(r, s);
        threshold = heap.threshold;
      }
    }
    return this.toNeighbors(heap, topn, exclude);
  }

  private toNeighbors(heap: TopK, topn: number, exclude: number[]): Neighbor[] {
    const best = heap.sorted();
    const out: Neighbor[] = [];
    for (let j = 0; j < best.items.length && out.length < topn; j++) {
      if (exclude.includes(best.items[j])) continue;
      out.push({ word: this.words[best.items[j]], score: best.scores[j] });
    }
    return out;
  }

  private searchEnd(restrictVocab: number | undefined): number {
    if (restrictVocab === undefined || restrictVocab === null) return this.size;
    if (!(restrictVocab >= 0))
      throw new SmyslError('E_INPUT', `restrictVocab must be >= 0, got ${restrictVocab}`);
    return Math.min(this.size, Math.floor(restrictVocab));
  }

  private requireIndex(word: string): number {
    const i = this.indexByWord.get(word);
    if (i === undefined)
      throw new SmyslError('E_INPUT', `word ${JSON.stringify(word)} is not in the vocabulary`);
    return i;
  }

  private checkVector(v: ArrayLike<number>): void {
    if (v.length !== this.dim)
      throw new SmyslError('E_INPUT', `query vector has ${v.length} values, the vectors have ${this.dim}`);
  }

  private meanOfRaw(words: string[]): Float64Array {
    const mean = new Float64Array(this.dim);
    for (const w of words) {
      const off = this.requireIndex(w) * this.dim;
      for (let k = 0; k < this.dim; k++) mean[k] += this.vectors[off + k];
    }
    for (let k = 0; k < this.dim; k++) mean[k] /= words.length;
    return mean;
  }

  private computeUnit(): void {
    const n = this.size;
    const dim = this.dim;
    const v = this.vectors;
    const unit = new Float32Array(v.length);
    const norms = new Float32Array(n);
    for (let r = 0; r < n; r++) {
      const off = r * dim;
      let sum = 0;
      for (let k = 0; k < dim; k++) sum += v[off + k] * v[off + k];
      const norm = Math.sqrt(sum);
      norms[r] = norm;
      if (norm > 0) for (let k = 0; k < dim; k++) unit[off + k] = v[off + k] / norm;
    }
    this.unit = unit;
    this.rowNorms = norms;
  }
}

/** Dot product of `dim` values of `a` from `aOff` and `b` from `bOff`, accumulated in float64. */
export function dot(a: Float32Array, aOff: number, b: Float32Array, bOff: number, dim: number): number {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let k = 0;
  for (; k + 3 < dim; k += 4) {
    s0 += a[aOff + k] * b[bOff + k];
    s1 += a[aOff + k + 1] * b[bOff + k + 1];
    s2 += a[aOff + k + 2] * b[bOff + k + 2];
    s3 += a[aOff + k + 3] * b[bOff + k + 3];
  }
  for (; k < dim; k++) s0 += a[aOff + k] * b[bOff + k];
  return s0 + s1 + (s2 + s3);
}

/**
 * out[j * stride + (r - start)] = rows r of `matrix` · query j, for rows [start, stop) and all
 * `queryCount` queries; two rows by four queries at a time, so each loaded value serves four or
 * two multiply-adds.
 */
export function blockDots(
  matrix: Float32Array,
  start: number,
  stop: number,
  dim: number,
  queries: Float32Array,
  queryCount: number,
  out: Float32Array,
  stride: number,
): void {
  let j = 0;
  for (; j + 3 < queryCount; j += 4) {
    const q0 = j * dim;
    const q1 = q0 + dim;
    const q2 = q1 + dim;
    const q3 = q2 + dim;
    const o0 = j * stride - start;
    let r = start;
    for (; r + 1 < stop; r += 2) {
      const m0 = r * dim;
      const m1 = m0 + dim;
      let s0 = 0;
      let s1 = 0;
      let s2 = 0;
      let s3 = 0;
      let t0 = 0;
      let t1 = 0;
      let t2 = 0;
      let t3 = 0;
      for (let k = 0; k < dim; k++) {
        const x = matrix[m0 + k];
        const y = matrix[m1 + k];
        const a = queries[q0 + k];
        const b = queries[q1 + k];
        const c = queries[q2 + k];
        const d = queries[q3 + k];
        s0 += x * a;
        s1 += x * b;
        s2 += x * c;
        s3 += x * d;
        t0 += y * a;
        t1 += y * b;
        t2 += y * c;
        t3 += y * d;
      }
      out[o0 + r] = s0;
      out[o0 + stride + r] = s1;
      out[o0 + 2 * stride + r] = s2;
      out[o0 + 3 * stride + r] = s3;
      out[o0 + r + 1] = t0;
      out[o0 + stride + r + 1] = t1;
      out[o0 + 2 * stride + r + 1] = t2;
      out[o0 + 3 * stride + r + 1] = t3;
    }
    for (; r < stop; r++) {
      out[o0 + r] = dot(matrix, r * dim, queries, q0, dim);
      out[o0 + stride + r] = dot(matrix, r * dim, queries, q1, dim);
      out[o0 + 2 * stride + r] = dot(matrix, r * dim, queries, q2, dim);
      out[o0 + 3 * stride + r] = dot(matrix, r * dim, queries, q3, dim);
    }
  }
  for (; j < queryCount; j++) {
    const o = j * stride - start;
    for (let r = start; r < stop; r++) out[o + r] = dot(matrix, r * dim, queries, j * dim, dim);
  }
}

function toUnitFloat32(v: Float64Array): Float32Array {
  let sum = 0;
  for (let k = 0; k < v.length; k++) sum += v[k] * v[k];
  const out = new Float32Array(v.length);
  if (sum === 0) return out;
  const norm = Math.sqrt(sum);
  for (let k = 0; k < v.length; k++) out[k] = v[k] / norm;
  return out;
}
