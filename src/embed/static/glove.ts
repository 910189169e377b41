import { closeSync, openSync, readSync } from 'node:fs';
import { SmyslError, throwIfAborted } from '../../errors.js';
import type { LongRunning } from '../../util/progress.js';
import { removeEncodedCorpus } from './corpus.js';
import { runWorkers, sharedFloat32, toShared } from './pool.js';
import { Lcg } from './random.js';
import {
  prepareTrainingCorpus,
  type StaticVectors,
  type TrainingCorpus,
  type Word2VecOptions,
} from './train.js';
import type { GloveWorkerData } from './worker.js';

export interface GloveOptions
  extends Pick<
      Word2VecOptions,
      'dim' | 'minCount' | 'maxVocab' | 'threads' | 'seed' | 'pretokenized' | 'lowercase'
    >,
    LongRunning {
  /** Symmetric context window (default 10). */
  window?: number;
  /** Passes over the co-occurrence records (default 25). */
  epochs?: number;
  /** Weighting cut-off (default 100). */
  xMax?: number;
  /** Weighting exponent (default 0.75). */
  alpha?: number;
  /** AdaGrad initial learning rate (default 0.05). */
  learningRate?: number;
  /**
   * Memory bound: the most distinct (word, context) pairs kept in the in-memory co-occurrence
   * table (default 40 million, about 1 GB at the table's worst load). A corpus with more pairs
   * fails with advice to raise --min-count or lower --max-vocab or the window.
   */
  maxPairs?: number;
}

/**
 * Open-addressing hash table of (row, col) -> weight on typed arrays, grown by doubling up to
 * the pair limit (a JavaScript Map would cost ~10x the memory per pair).
 */
export class PairCounter {
  private rows: Int32Array;
  private cols: Int32Array;
  private values: Float32Array;
  private mask: number;
  size = 0;

  constructor(
    private readonly maxPairs: number,
    initialCapacity = 1 << 16,
  ) {
    this.rows = new Int32Array(initialCapacity).fill(-1);
    this.cols = new Int32Array(initialCapacity);
    this.values = new Float32Array(initialCapacity);
    this.mask = initialCapacity - 1;
  }

  private slot(row: number, col: number): number {
    let h = Math.imul(row, 0x9e3779b1) ^ Math.imul(col + 0x7f4a7c15, 0x85ebca77);
    h ^= h >>> 15;
    h = Math.imul(h, 0x2c1b3c6d);
    h ^= h >>> 12;
    let i = h & this.mask;
    while (this.rows[i] !== -1 && (this.rows[i] !== row || this.cols[i] !== col)) i = (i + 1) & this.mask;
    return i;
  }

  add(row: number, col: number, weight: number): void {
    const i = this.slot(row, col);
    if (this.rows[i] === -1) {
      if (this.size >= this.maxPairs)
        throw new SmyslError(
          'E_MODEL',
          `GloVe co-occurrence table is full (${this.maxPairs} distinct pairs); raise maxPairs (--max-pairs), or lower the vocabulary (--min-count, --max-vocab) or the window`,
        );
      this.rows[i] = row;
      this.cols[i] = col;
      this.values[i] = weight;
      this.size++;
      if (this.size * 2 > this.rows.length) this.grow();
    } else this.values[i] += weight;
  }

  get(row: number, col: number): number {
    const i = this.slot(row, col);
    return this.rows[i] === -1 ? 0 : this.values[i];
  }

  private grow(): void {
    const { rows, cols, values } = this;
    const capacity = rows.length * 2;
    this.rows = new Int32Array(capacity).fill(-1);
    this.cols = new Int32Array(capacity);
    this.values = new Float32Array(capacity);
    this.mask = capacity - 1;
    for (let i = 0; i < rows.length; i++) {
      if (rows[i] === -1) continue;
      const j = this.slot(rows[i], cols[i]);
      this.rows[j] = rows[i];
      this.cols[j] = cols[i];
      this.values[j] = values[i];
    }
  }

  /** The pairs as shared arrays (for the training workers). */
  toShared(): { rows: Int32Array; cols: Int32Array; values: Float32Array } {
    const rows = new Int32Array(new SharedArrayBuffer(Math.max(4, this.size * 4)));
    const cols = new Int32Array(new SharedArrayBuffer(Math.max(4, this.size * 4)));
    const values = new Float32Array(new SharedArrayBuffer(Math.max(4, this.size * 4)));
    let n = 0;
    for (let i = 0; i < this.rows.length; i++) {
      if (this.rows[i] === -1) continue;
      rows[n] = this.rows[i];
      cols[n] = this.cols[i];
      values[n] = this.values[i];
      n++;
    }
    return { rows, cols, values };
  }
}

/**
 * Counts co-occurrences as glove's cooccur tool does with a symmetric window: each pair at
 * distance d within a sentence adds 1/d to both (w, c) and (c, w).
 */
export function countCooccurrences(
  sentences: Iterable<Int32Array | number[]>,
  window: number,
  counter: PairCounter,
): void {
  for (const s of sentences) {
    for (let i = 0; i < s.length; i++) {
      const w = s[i];
      for (let d = 1; d <= window && i - d >= 0; d++) {
        const c = s[i - d];
        counter.add(w, c, 1 / d);
        counter.add(c, w, 1 / d);
      }
    }
  }
}

/** Streams the encoded corpus file sentence by sentence (vocabulary ids, unknown words dropped). */
function* encodedSentences(idsFile: string, length: number, remap: Int32Array): Generator<Int32Array> {
  const fd = openSync(idsFile, 'r');
  const chunk = new Int32Array(1 << 16);
  const bytes = new Uint8Array(chunk.buffer);
  let sentence = new Int32Array(1024);
  let n = 0;
  try {
    for (let position = 0; position < length; ) {
      const got = readSync(fd, bytes, 0, Math.min(chunk.length, length - position) * 4, position * 4) >> 2;
      if (got <= 0) break;
      position += got;
      for (let t = 0; t < got; t++) {
        const id = chunk[t];
        if (id < 0) {
          if (n > 1) yield sentence.subarray(0, n);
          n = 0;
          continue;
        }
        const w = remap[id];
        if (w < 0) continue;
        if (n === sentence.length) {
          const bigger = new Int32Array(n * 2);
          bigger.set(sentence);
          sentence = bigger;
        }
        sentence[n++] = w;
      }
    }
    if (n > 1) yield sentence.subarray(0, n);
  } finally {
    closeSync(fd);
  }
}

/**
 * Trains GloVe: co-occurrence counting (bounded memory, see `maxPairs`), then weighted least
 * squares with AdaGrad on all cores; returns W + W~ (word plus context vectors).
 */
export async function trainGlove(corpus: TrainingCorpus, opts: GloveOptions = {}): Promise<StaticVectors> {
  const dim = opts.dim ?? 100;
  const window = opts.window ?? 10;
  const epochs = opts.epochs ?? 25;
  const xMax = opts.xMax ?? 100;
  const power = opts.alpha ?? 0.75;
  const eta = opts.learningRate ?? 0.05;
  const seed = opts.seed ?? 1;
  for (const [name, v] of [
    ['dim', dim],
    ['window', window],
    ['epochs', epochs],
  ] as const)
    if (!Number.isInteger(v) || v < 1)
      throw new SmyslError('E_USAGE', `${name} must be a positive integer (got ${v})`);
  const prepared = await prepareTrainingCorpus(corpus, opts);
  try {
    const { vocab, remap, corpus: encoded } = prepared;
    const vocabSize = vocab.words.length;
    const counter = new PairCounter(opts.maxPairs ?? 40_000_000);
    opts.onProgress?.({ phase: 'counting co-occurrences', done: 0, unit: 'sentences' });
    let done = 0;
    const progressEvery = function* (it: Iterable<Int32Array>) {
      for (const s of it) {
        yield s;
        if (++done % 5000 === 0) {
          throwIfAborted(opts.signal);
          opts.onProgress?.({
            phase: 'counting co-occurrences',
            done,
            total: encoded.sentences,
            unit: 'sentences',
          });
        }
      }
    };
    countCooccurrences(
      progressEvery(encodedSentences(encoded.idsFile, encoded.length, remap)),
      window,
      counter,
    );
    const pairs = counter.toShared();
    const pairCount = counter.size;
    // Shuffle the records once so each worker's share mixes frequent and rare words.
    const rng = new Lcg(seed);
    for (let i = pairCount - 1; i > 0; i--) {
      const j = rng.below(i + 1);
      let t = pairs.rows[i];
      pairs.rows[i] = pairs.rows[j];
      pairs.rows[j] = t;
      t = pairs.cols[i];
      pairs.cols[i] = pairs.cols[j];
      pairs.cols[j] = t;
      const v = pairs.values[i];
      pairs.values[i] = pairs.values[j];
      pairs.values[j] = v;
    }
    const stride = dim + 1;
    const weights = sharedFloat32(2 * vocabSize * stride);
    for (let i = 0; i < weights.length; i++) weights[i] = (rng.uniform() - 0.5) / dim;
    const squaredGradients = toShared(new Float32Array(2 * vocabSize * stride).fill(1));
    const threads = Math.max(
      1,
      Math.min(opts.threads ?? (await import('node:os')).availableParallelism(), Math.ceil(pairCount / 1000)),
    );
    const progress = new Float64Array(new SharedArrayBuffer(threads * 3 * 8));
    const items: GloveWorkerData[] = [];
    for (let t = 0; t < threads; t++) {
      items.push({
        mode: 'glove',
        threadIndex: t,
        seed,
        epochs,
        dim,
        vocabSize,
        weights,
        squaredGradients,
        pairRows: pairs.rows,
        pairCols: pairs.cols,
        pairValues: pairs.values,
        pairStart: Math.floor((pairCount * t) / threads),
        pairEnd: Math.floor((pairCount * (t + 1)) / threads),
        xMax,
        power,
        eta,
        progress,
      });
    }
    const start = Date.now();
    const total = epochs * pairCount;
    await runWorkers(
      items,
      () => {
        if (!opts.onProgress) return;
        let doneRecords = 0;
        let cost = 0;
        let minEpoch = epochs;
        for (let i = 0; i < progress.length; i += 3) {
          doneRecords += progress[i];
          cost += progress[i + 1];
          minEpoch = Math.min(minEpoch, progress[i + 2]);
        }
        const seconds = (Date.now() - start) / 1000;
        opts.onProgress({
          phase: `epoch ${Math.min(epochs, minEpoch + 1)}/${epochs}`,
          done: doneRecords,
          total,
          unit: 'pairs',
          extra: {
            'pairs/s': seconds > 0 ? Math.round(doneRecords / seconds) : 0,
            cost: pairCount > 0 ? cost / pairCount : 0,
          },
        });
      },
      opts.signal,
    );
    const vectors = new Float32Array(vocabSize * dim);
    for (let w = 0; w < vocabSize; w++) {
      const a = w * stride;
      const b = (w + vocabSize) * stride;
      for (let k = 0; k < dim; k++) vectors[w * dim + k] = weights[a + k] + weights[b + k];
    }
    return { words: vocab.words, counts: vocab.counts, dim, vectors };
  } finally {
    await removeEncodedCorpus(prepared.corpus);
  }
}
