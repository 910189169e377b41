import { SmyslError } from '../../errors.js';
import {
  normalizeWordVectorFormat,
  readWordVectors,
  type WordVectorFormat,
  type WordVectorFormatName,
  type WordVectorReadOptions,
  writeWordVectors,
} from './formats.js';
import { TopK } from './top-k.js';

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
      heap.push(numerator / (neg.length > 0 ? denominator + COSMUL_EPSILON : 1 + COSMUL_EPSILON), r);
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
   * callers filter those. Row blocks are shared across questions so the matrix streams through
   * the cache once per batch instead of once per question.
   */
  analogyBatch(
    questions: Int32Array,
    method: AnalogyMethod,
    topn: number,
    restrictVocab?: number,
  ): BatchNeighbors {
    const count = Math.floor(questions.length / 3);
    const dim = this.dim;
    const unit = this.unitVectors;
    const end = this.searchEnd(restrictVocab);
    const heaps = Array.from({ length: count }, () => new TopK(topn));
    if (method === 'add') {
      const queries = new Float32Array(count * dim);
      const mean = new Float64Array(dim);
      for (let q = 0; q < count; q++) {
        const a = questions[3 * q] * dim;
        const b = questions[3 * q + 1] * dim;
        const c = questions[3 * q + 2] * dim;
        for (let k = 0; k < dim; k++) mean[k] = unit[b + k] + unit[c + k] - unit[a + k];
        queries.set(toUnitFloat32(mean), q * dim);
      }
      for (let start = 0; start < end; start += ROW_BLOCK) {
        const stop = Math.min(end, start + ROW_BLOCK);
        for (let q = 0; q < count; q++) {
          const heap = heaps[q];
          let threshold = heap.threshold;
          const qOff = q * dim;
          for (let r = start; r < stop; r++) {
            const s = dot(unit, r * dim, queries, qOff, dim);
            if (s > threshold) {
              heap.push(s, r);
              threshold = heap.threshold;
            }
          }
        }
      }
    } else {
      for (let start = 0; start < end; start += ROW_BLOCK) {
        const stop = Math.min(end, start + ROW_BLOCK);
        for (let q = 0; q < count; q++) {
          const heap = heaps[q];
          let threshold = heap.threshold;
          const a = questions[3 * q] * dim;
          const b = questions[3 * q + 1] * dim;
          const c = questions[3 * q + 2] * dim;
          for (let r = start; r < stop; r++) {
            const off = r * dim;
            const simA = (1 + dot(unit, off, unit, a, dim)) / 2;
            const simB = (1 + dot(unit, off, unit, b, dim)) / 2;
            const simC = (1 + dot(unit, off, unit, c, dim)) / 2;
            const s = (simB * simC) / (simA + COSMUL_EPSILON);
            if (s > threshold) {
              heap.push(s, r);
              threshold = heap.threshold;
            }
          }
        }
      }
    }
    const ids = new Int32Array(count * topn).fill(-1);
    const scores = new Float32Array(count * topn).fill(Number.NaN);
    for (let q = 0; q < count; q++) {
      const best = heaps[q].sorted();
      for (let j = 0; j < best.ids.length; j++) {
        ids[q * topn + j] = best.ids[j];
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
        heap.push(s, r);
        threshold = heap.threshold;
      }
    }
    return this.toNeighbors(heap, topn, exclude);
  }

  private toNeighbors(heap: TopK, topn: number, exclude: number[]): Neighbor[] {
    const best = heap.sorted();
    const out: Neighbor[] = [];
    for (let j = 0; j < best.ids.length && out.length < topn; j++) {
      if (exclude.includes(best.ids[j])) continue;
      out.push({ word: this.words[best.ids[j]], score: best.scores[j] });
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

function toUnitFloat32(v: Float64Array): Float32Array {
  let sum = 0;
  for (let k = 0; k < v.length; k++) sum += v[k] * v[k];
  const out = new Float32Array(v.length);
  if (sum === 0) return out;
  const norm = Math.sqrt(sum);
  for (let k = 0; k < v.length; k++) out[k] = v[k] / norm;
  return out;
}
