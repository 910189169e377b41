import { promises as fsp } from 'node:fs';
import path from 'node:path';
import type { Document } from '../../corpus/types.js';
import { SmyslError, throwIfAborted } from '../../errors.js';
import { words as splitWords } from '../../text/index.js';
import { readJsonFile, writeFileAtomic } from '../../util/fs.js';
import type { DenseMatrix } from '../../vectors/types.js';
import type { DenseEmbedder, FitOptions } from '../types.js';
import { FastTextModel } from './fasttext-model.js';
import { trainGlove } from './glove.js';
import { KeyedVectors } from './keyed-vectors.js';
import { type FastTextOptions, trainFastText, trainWord2Vec, type Word2VecOptions } from './train.js';

/**
 * How word vectors are weighted in a sentence's mean:
 * - `mean`: plain average;
 * - `tfidf`: each token weighted by idf(w) = ln((1 + n) / (1 + df(w))) + 1 (scikit-learn's
 *   smooth idf), fitted on the documents given to `fit`;
 * - `sif`: weight a / (a + p(w)) with p(w) the word's relative frequency in the fitted documents,
 *   then the projection on the first principal component of the fitted documents' sentence
 *   vectors is removed (Arora, Liang, Ma 2017, "A simple but tough-to-beat baseline").
 */
export type WordWeighting = 'mean' | 'tfidf' | 'sif';

/** Which trainer `fit` runs when the embedder has no word vectors yet. */
export type StaticTrainer = 'word2vec' | 'fasttext' | 'glove';

export interface AveragedWordVectorsOptions {
  /** Registry name written to the manifest (default "averaged"). */
  method?: string;
  weighting?: WordWeighting;
  /** SIF smoothing constant a (default 1e-3). */
  sifA?: number;
  /** Trainer `fit` runs when no vectors were given (vectors are then trained on the fit documents). */
  trainer?: StaticTrainer;
  /** Options passed to the trainer (dim, epochs, minCount, threads, seed, ...). */
  trainOptions?: Word2VecOptions & FastTextOptions;
}

const MANIFEST = 'manifest.json';
const VECTORS_FILE = 'vectors.bin';
const FASTTEXT_FILE = 'fasttext.model';

/**
 * A sentence embedder from static word vectors: the (optionally TF-IDF- or SIF-weighted) mean of
 * the vectors of the text's lowercased `words()` tokens. A fastText model also gives vectors to
 * out-of-vocabulary words from their character n-grams; with plain word vectors such words are
 * skipped. A text with no known word gets the zero vector.
 */
export class AveragedWordVectors implements DenseEmbedder {
  readonly kind = 'dense' as const;
  readonly name: string;
  readonly weighting: WordWeighting;
  readonly sifA: number;
  private keyed?: KeyedVectors;
  private fastText?: FastTextModel;
  private readonly trainer?: StaticTrainer;
  private readonly trainOptions: Word2VecOptions & FastTextOptions;
  /** tfidf: idf per word; sif: a / (a + p(w)) per word. Words absent from the map weigh `defaultWeight`. */
  private weights = new Map<string, number>();
  private defaultWeight = 1;
  /** SIF: unit first principal component to project out (empty when not fitted). */
  private component: Float32Array = new Float32Array(0);

  constructor(vectors: KeyedVectors | FastTextModel | undefined, options: AveragedWordVectorsOptions = {}) {
    this.name = options.method ?? 'averaged';
    this.weighting = options.weighting ?? 'mean';
    if (!['mean', 'tfidf', 'sif'].includes(this.weighting))
      throw new SmyslError('E_USAGE', `unknown weighting "${this.weighting}" (mean, tfidf, sif)`);
    this.sifA = options.sifA ?? 1e-3;
    if (!(this.sifA > 0)) throw new SmyslError('E_USAGE', `SIF a must be > 0, got ${this.sifA}`);
    this.trainer = options.trainer;
    this.trainOptions = options.trainOptions ?? {};
    if (vectors instanceof FastTextModel) this.fastText = vectors;
    else this.keyed = vectors;
    if (!vectors && !this.trainer)
      throw new SmyslError('E_USAGE', 'averaged word vectors need word vectors or a trainer');
  }

  get dim(): number {
    if (this.fastText) return this.fastText.dim;
    if (this.keyed) return this.keyed.dim;
    return this.trainOptions.dim ?? 100;
  }

  /** Lowercased word tokens, as the vectors were trained. */
  static tokens(text: string): string[] {
    return splitWords(text).map((w) => w.toLowerCase());
  }

  /**
   * Trains the word vectors on the documents if there are none yet, then fits the weights
   * (idf or word probabilities) and, for SIF, the principal component.
   */
  async fit(docs: AsyncIterable<Document> | Iterable<Document>, opts: FitOptions = {}): Promise<void> {
    const tokenized: string[][] = [];
    for await (const d of docs) {
      throwIfAborted(opts.signal);
      tokenized.push(AveragedWordVectors.tokens(d.text));
    }
    if (!this.keyed && !this.fastText) await this.train(tokenized, opts);
    this.fitWeights(tokenized);
  }

  /** Fits weights on already tokenized (lowercased) documents; the vectors must exist. */
  fitWeights(tokenized: readonly string[][]): void {
    this.weights = new Map();
    this.component = new Float32Array(0);
    this.defaultWeight = 1;
    if (this.weighting === 'tfidf') {
      const df = new Map<string, number>();
      for (const doc of tokenized) for (const w of new Set(doc)) df.set(w, (df.get(w) ?? 0) + 1);
      const n = tokenized.length;
      for (const [w, f] of df) this.weights.set(w, Math.log((1 + n) / (1 + f)) + 1);
      // An unseen word is as rare as possible: df = 0.
      this.defaultWeight = Math.log(1 + n) + 1;
    } else if (this.weighting === 'sif') {
      const counts = new Map<string, number>();
      let total = 0;
      for (const doc of tokenized)
        for (const w of doc) {
          counts.set(w, (counts.get(w) ?? 0) + 1);
          total++;
        }
      for (const [w, c] of counts) this.weights.set(w, this.sifA / (this.sifA + c / total));
      this.defaultWeight = 1;
      if (tokenized.length > 1) {
        const m = this.averages(tokenized);
        this.component = firstPrincipalComponent(m);
      }
    }
  }

  async embed(texts: string[]): Promise<DenseMatrix> {
    const m = this.averages(texts.map((t) => AveragedWordVectors.tokens(t)));
    if (this.component.length === m.dim) removeComponent(m, this.component);
    return m;
  }

  /** Weight of one token under the fitted weighting. */
  weightOf(word: string): number {
    if (this.weighting === 'mean') return 1;
    return this.weights.get(word) ?? this.defaultWeight;
  }

  private averages(tokenized: readonly string[][]): DenseMatrix {
    const dim = this.dim;
    const data = new Float32Array(tokenized.length * dim);
    const keyed = this.keyed;
    const fastText = this.fastText;
    if (!keyed && !fastText) throw new SmyslError('E_STATE', `${this.name}: not trained; call fit first`);
    for (let r = 0; r < tokenized.length; r++) {
      const off = r * dim;
      let weightSum = 0;
      for (const w of tokenized[r]) {
        let vec: Float32Array | undefined;
        if (fastText) {
          vec = fastText.wordVector(w);
          if (!fastText.has(w) && isZero(vec)) vec = undefined;
        } else if (keyed?.has(w)) vec = keyed.vector(w);
        if (!vec) continue;
        const weight = this.weightOf(w);
        weightSum += weight;
        for (let k = 0; k < dim; k++) data[off + k] += weight * vec[k];
      }
      if (weightSum > 0) for (let k = 0; k < dim; k++) data[off + k] /= weightSum;
    }
    return { rows: tokenized.length, dim, data };
  }

  private async train(tokenized: string[][], opts: FitOptions): Promise<void> {
    const common = {
      minCount: 2,
      epochs: 5,
      ...this.trainOptions,
      pretokenized: true,
      signal: opts.signal,
      onProgress: opts.onProgress,
    };
    if (this.trainer === 'fasttext') {
      const t = await trainFastText(tokenized, { bucket: 200_000, ...common });
      this.fastText = t.model;
    } else if (this.trainer === 'glove') {
      const t = await trainGlove(tokenized, { ...common, epochs: this.trainOptions.epochs ?? 15 });
      this.keyed = new KeyedVectors(t.words, t.vectors, t.dim);
    } else {
      const t = await trainWord2Vec(tokenized, common);
      this.keyed = new KeyedVectors(t.words, t.vectors, t.dim);
    }
  }

  async save(dir: string): Promise<void> {
    if (!this.keyed && !this.fastText)
      throw new SmyslError('E_STATE', `${this.name}: nothing to save; fit first`);
    await fsp.mkdir(dir, { recursive: true });
    if (this.fastText) await this.fastText.save(path.join(dir, FASTTEXT_FILE));
    else await this.keyed?.save(path.join(dir, VECTORS_FILE), 'word2vec-binary');
    const manifest = {
      method: this.name,
      format: 1,
      kind: 'averaged-word-vectors',
      weighting: this.weighting,
      sifA: this.sifA,
      vectors: this.fastText ? FASTTEXT_FILE : VECTORS_FILE,
      defaultWeight: this.defaultWeight,
      weights: [...this.weights],
      component: [...this.component],
    };
    await writeFileAtomic(path.join(dir, MANIFEST), JSON.stringify(manifest));
  }

  static async load(dir: string): Promise<AveragedWordVectors> {
    const m = await readJsonFile<{
      method: string;
      kind?: string;
      weighting: WordWeighting;
      sifA: number;
      vectors: string;
      defaultWeight: number;
      weights: [string, number][];
      component: number[];
    }>(path.join(dir, MANIFEST));
    if (m.kind !== 'averaged-word-vectors')
      throw new SmyslError('E_FORMAT', 'not a saved averaged-word-vectors embedder', {
        location: { source: path.join(dir, MANIFEST) },
      });
    const file = path.join(dir, m.vectors);
    const vectors =
      m.vectors === FASTTEXT_FILE
        ? await FastTextModel.load(file)
        : await KeyedVectors.load(file, { format: 'word2vec-binary' });
    const e = new AveragedWordVectors(vectors, { method: m.method, weighting: m.weighting, sifA: m.sifA });
    e.weights = new Map(m.weights);
    e.defaultWeight = m.defaultWeight;
    e.component = Float32Array.from(m.component);
    return e;
  }
}

function isZero(v: Float32Array): boolean {
  for (let k = 0; k < v.length; k++) if (v[k] !== 0) return false;
  return true;
}

/**
 * First right singular vector of the (uncentred) matrix, by power iteration on X^T X — what
 * Arora et al.'s code takes with TruncatedSVD(n_components=1).
 */
export function firstPrincipalComponent(m: DenseMatrix, iterations = 100): Float32Array {
  const { rows, dim, data } = m;
  let v = new Float64Array(dim);
  // A deterministic start that is not orthogonal to the answer in practice.
  for (let k = 0; k < dim; k++) v[k] = 1 / Math.sqrt(dim) + (k % 7) * 1e-3;
  const xv = new Float64Array(rows);
  for (let it = 0; it < iterations; it++) {
    for (let r = 0; r < rows; r++) {
      let s = 0;
      const off = r * dim;
      for (let k = 0; k < dim; k++) s += data[off + k] * v[k];
      xv[r] = s;
    }
    const next = new Float64Array(dim);
    for (let r = 0; r < rows; r++) {
      const off = r * dim;
      const s = xv[r];
      if (s !== 0) for (let k = 0; k < dim; k++) next[k] += s * data[off + k];
    }
    let norm = 0;
    for (let k = 0; k < dim; k++) norm += next[k] * next[k];
    norm = Math.sqrt(norm);
    if (norm === 0) return new Float32Array(dim);
    let change = 0;
    for (let k = 0; k < dim; k++) {
      next[k] /= norm;
      change += Math.abs(next[k] - v[k]);
    }
    v = next;
    if (change < 1e-9) break;
  }
  return Float32Array.from(v);
}

/** Subtracts each row's projection on the unit vector u (in place). */
export function removeComponent(m: DenseMatrix, u: Float32Array): void {
  const { rows, dim, data } = m;
  for (let r = 0; r < rows; r++) {
    const off = r * dim;
    let s = 0;
    for (let k = 0; k < dim; k++) s += data[off + k] * u[k];
    for (let k = 0; k < dim; k++) data[off + k] -= s * u[k];
  }
}
