import { closeSync, mkdtempSync, openSync, readSync, rmSync, writeSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
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
      'dim' | 'minCount' | 'maxVocab' | 'threads' | 'seed' | 'pretokenized' | 'lowercase' | 'read'
    >,
    LongRunning {
  /** Symmetric context window (default 10). */
  window?: number;
  /** Passes over the co-occurrence records (default 25). */
  epochs?: number;
  /**
   * Weighting cut-off (default 10, as GloVe's demo for text8; the paper's 100 suits corpora of
   * billions of tokens — on 1 M words almost every count is below it, and the vectors barely learn).
   */
  xMax?: number;
  /** Weighting exponent (default 0.75). */
  alpha?: number;
  /** AdaGrad initial learning rate (default 0.05). */
  learningRate?: number;
  /**
   * Memory bound: the most distinct (word, context) pairs held in the in-memory co-occurrence
   * table (default 2^24, at most 512 MiB of table). When it is full, its pairs are sorted and
   * written to a run file on disk and counting goes on in an empty table; the runs are merged at
   * the end (as glove's cooccur tool does). The merged list is then trained from memory
   * (12 bytes per distinct pair).
   */
  maxPairs?: number;
  /** Where spilled runs go (default: the system temp directory); removed when training ends. */
  tempDir?: string;
}

/**
 * Open-addressing hash table of (row, col) -> weight on typed arrays, grown by doubling up to
 * the pair limit (a JavaScript Map would cost ~10x the memory per pair). Weights are summed in
 * float64; `countCooccurrences` adds them in integer units (see `cooccurrenceUnit`) so every
 * order of summation — in one table or across spilled runs — gives the same exact totals.
 */
export class PairCounter {
  private rows: Int32Array;
  private cols: Int32Array;
  private values: Float64Array;
  private mask: number;
  size = 0;
  /**
   * Called when a new pair would exceed the limit; it must empty the table (`clear`), e.g.
   * after writing its pairs to disk. Without it a full table is an error.
   */
  onFull?: () => void;

  constructor(
    readonly maxPairs: number,
    private readonly initialCapacity = 1 << 16,
    /** `get` and `sorted` divide the stored sums by this (see `cooccurrenceUnit`). */
    readonly unit = 1,
  ) {
    this.rows = new Int32Array(initialCapacity).fill(-1);
    this.cols = new Int32Array(initialCapacity);
    this.values = new Float64Array(initialCapacity);
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
    let i = this.slot(row, col);
    if (this.rows[i] === -1) {
      if (this.size >= this.maxPairs) {
        if (!this.onFull)
          throw new SmyslError(
            'E_MODEL',
            `GloVe co-occurrence table is full (${this.maxPairs} distinct pairs); raise maxPairs (--max-pairs), or lower the vocabulary (--min-count, --max-vocab) or the window`,
          );
        this.onFull();
        if (this.size !== 0) throw new Error('PairCounter.onFull must clear the table');
        i = this.slot(row, col);
      }
      this.rows[i] = row;
      this.cols[i] = col;
      this.values[i] = weight;
      this.size++;
      if (this.size * 2 > this.rows.length) this.grow();
    } else this.values[i] += weight;
  }

  /** The summed weight of a pair (in weight units, i.e. divided by `unit`). */
  get(row: number, col: number): number {
    const i = this.slot(row, col);
    return this.rows[i] === -1 ? 0 : this.values[i] / this.unit;
  }

  private grow(): void {
    const { rows, cols, values } = this;
    const capacity = rows.length * 2;
    this.rows = new Int32Array(capacity).fill(-1);
    this.cols = new Int32Array(capacity);
    this.values = new Float64Array(capacity);
    this.mask = capacity - 1;
    for (let i = 0; i < rows.length; i++) {
      if (rows[i] === -1) continue;
      const j = this.slot(rows[i], cols[i]);
      this.rows[j] = rows[i];
      this.cols[j] = cols[i];
      this.values[j] = values[i];
    }
  }

  /**
   * The pairs sorted by (row, col) as keys row * columns + col (exact in float64 while
   * columns^2 < 2^53) with their raw sums (in units): the order both the in-memory and the
   * spilled path hand to the shuffle, so they train identically.
   */
  sortedKeys(columns: number): { keys: Float64Array; sums: Float64Array } {
    const keys = new Float64Array(this.size);
    let n = 0;
    for (let i = 0; i < this.rows.length; i++)
      if (this.rows[i] !== -1) keys[n++] = this.rows[i] * columns + this.cols[i];
    keys.sort();
    const sums = new Float64Array(this.size);
    for (let k = 0; k < n; k++) {
      const row = Math.floor(keys[k] / columns);
      sums[k] = this.values[this.slot(row, keys[k] - row * columns)];
    }
    return { keys, sums };
  }

  /** Empties the table and gives back its memory down to the initial capacity. */
  clear(): void {
    this.rows = new Int32Array(this.initialCapacity).fill(-1);
    this.cols = new Int32Array(this.initialCapacity);
    this.values = new Float64Array(this.initialCapacity);
    this.mask = this.initialCapacity - 1;
    this.size = 0;
  }
}

/**
 * The integer unit co-occurrence weights are counted in: lcm(1..window), so each 1/d weight is
 * a whole number of units and sums are exact in float64 (up to 2^53 units) whatever their order.
 * Past window 22 the lcm outgrows 32 bits and weights are summed as plain fractions (unit 1).
 */
export function cooccurrenceUnit(window: number): number {
  let unit = 1;
  const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));
  for (let d = 2; d <= window; d++) {
    unit = (unit / gcd(unit, d)) * d;
    if (unit > 2 ** 32) return 1;
  }
  return unit;
}

/**
 * Counts co-occurrences as glove's cooccur tool does with a symmetric window: each pair at
 * distance d within a sentence adds 1/d to both (w, c) and (c, w) — in the counter's units.
 */
export function countCooccurrences(
  sentences: Iterable<Int32Array | number[]>,
  window: number,
  counter: PairCounter,
): void {
  const weights = new Float64Array(window + 1);
  for (let d = 1; d <= window; d++) weights[d] = counter.unit / d;
  for (const s of sentences) {
    for (let i = 0; i < s.length; i++) {
      const w = s[i];
      for (let d = 1; d <= window && i - d >= 0; d++) {
        const c = s[i - d];
        counter.add(w, c, weights[d]);
        counter.add(c, w, weights[d]);
      }
    }
  }
}

/** Default `maxPairs`: a 2^25-slot table of 16-byte slots, 512 MiB at most. */
export const DEFAULT_MAX_PAIRS = 1 << 24;

/** Records of a run file: float64 pairs [key, sum], sorted by key. */
const RECORDS_PER_CHUNK = 1 << 15;

function writeRun(file: string, keys: Float64Array, sums: Float64Array): void {
  const fd = openSync(file, 'w');
  try {
    const chunk = new Float64Array(2 * RECORDS_PER_CHUNK);
    const bytes = new Uint8Array(chunk.buffer);
    for (let start = 0; start < keys.length; start += RECORDS_PER_CHUNK) {
      const n = Math.min(RECORDS_PER_CHUNK, keys.length - start);
      for (let k = 0; k < n; k++) {
        chunk[2 * k] = keys[start + k];
        chunk[2 * k + 1] = sums[start + k];
      }
      writeSync(fd, bytes, 0, n * 16);
    }
  } finally {
    closeSync(fd);
  }
}

/** Buffered sequential reader of one run file. */
class RunReader {
  private readonly fd: number;
  private readonly chunk = new Float64Array(2 * RECORDS_PER_CHUNK);
  private readonly bytes = new Uint8Array(this.chunk.buffer);
  private filePosition = 0;
  private at = 0;
  private length = 0;
  key = 0;
  sum = 0;

  constructor(file: string) {
    this.fd = openSync(file, 'r');
  }

  /** Moves to the next record; false at the end. */
  next(): boolean {
    if (this.at === this.length) {
      const got = readSync(this.fd, this.bytes, 0, this.bytes.length, this.filePosition);
      this.filePosition += got;
      this.length = got >> 4;
      this.at = 0;
      if (this.length === 0) return false;
    }
    this.key = this.chunk[2 * this.at];
    this.sum = this.chunk[2 * this.at + 1];
    this.at++;
    return true;
  }

  close(): void {
    closeSync(this.fd);
  }
}

/**
 * Merges sorted run files into one, summing the records of equal keys (a k-way merge over a
 * binary heap of the runs' current keys). Returns the number of distinct pairs written.
 */
function mergeRuns(files: string[], out: string, signal?: AbortSignal): number {
  const readers: RunReader[] = [];
  const fd = openSync(out, 'w');
  let written = 0;
  try {
    for (const f of files) readers.push(new RunReader(f));
    const heap: number[] = [];
    const less = (a: number, b: number) => readers[a].key < readers[b].key;
    const down = (i: number) => {
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < heap.length && less(heap[l], heap[m])) m = l;
        if (r < heap.length && less(heap[r], heap[m])) m = r;
        if (m === i) return;
        const t = heap[i];
        heap[i] = heap[m];
        heap[m] = t;
        i = m;
      }
    };
    for (let i = 0; i < readers.length; i++) if (readers[i].next()) heap.push(i);
    for (let i = (heap.length >> 1) - 1; i >= 0; i--) down(i);
    const chunk = new Float64Array(2 * RECORDS_PER_CHUNK);
    const bytes = new Uint8Array(chunk.buffer);
    let filled = 0;
    let key = -1;
    let sum = 0;
    const emit = () => {
      chunk[2 * filled] = key;
      chunk[2 * filled + 1] = sum;
      written++;
      if (++filled === RECORDS_PER_CHUNK) {
        writeSync(fd, bytes, 0, filled * 16);
        filled = 0;
        throwIfAborted(signal);
      }
    };
    while (heap.length > 0) {
      const top = readers[heap[0]];
      if (top.key === key) sum += top.sum;
      else {
        if (key >= 0) emit();
        key = top.key;
        sum = top.sum;
      }
      if (top.next()) down(0);
      else {
        heap[0] = heap[heap.length - 1];
        heap.pop();
        if (heap.length > 0) down(0);
      }
    }
    if (key >= 0) emit();
    if (filled > 0) writeSync(fd, bytes, 0, filled * 16);
  } finally {
    for (const r of readers) r.close();
    closeSync(fd);
  }
  return written;
}

/** The co-occurrence list as shared arrays, sorted by (row, col), weights in weight units. */
interface PairList {
  rows: Int32Array;
  cols: Int32Array;
  values: Float32Array;
  count: number;
}

function sharedPairList(count: number): PairList {
  const bytes = Math.max(4, count * 4);
  return {
    rows: new Int32Array(new SharedArrayBuffer(bytes)),
    cols: new Int32Array(new SharedArrayBuffer(bytes)),
    values: new Float32Array(new SharedArrayBuffer(bytes)),
    count,
  };
}

/** What counting produced, for inspection and tests. */
export interface CooccurrenceStats {
  /** Distinct (word, context) pairs. */
  pairs: number;
  /** Runs written to disk because the table reached `maxPairs` (0: all in memory). */
  spilledRuns: number;
  /** Sum of all co-occurrence weights. */
  totalWeight: number;
}

/**
 * Counts the co-occurrences of the sentences within `maxPairs` distinct pairs of memory, as
 * glove's cooccur tool does: when the table is full its pairs are sorted and written to a run
 * file in `tempDir`, and at the end the runs are merged (equal pairs summed) into the final list.
 * The caller removes `tempDir`.
 */
export function cooccurrenceList(
  sentences: Iterable<Int32Array | number[]>,
  opts: { window: number; vocabSize: number; maxPairs: number; tempDir: () => string; signal?: AbortSignal },
): PairList & { stats: CooccurrenceStats } {
  const { vocabSize } = opts;
  if (vocabSize * vocabSize >= 2 ** 53)
    throw new SmyslError(
      'E_USAGE',
      `vocabulary of ${vocabSize} words is too large for GloVe; lower --max-vocab`,
    );
  const unit = cooccurrenceUnit(opts.window);
  const counter = new PairCounter(
    opts.maxPairs,
    Math.min(1 << 16, 2 ** Math.ceil(Math.log2(opts.maxPairs * 2))),
    unit,
  );
  const runs: string[] = [];
  const spill = () => {
    throwIfAborted(opts.signal);
    const { keys, sums } = counter.sortedKeys(vocabSize);
    counter.clear();
    const file = path.join(opts.tempDir(), `run-${runs.length}.f64`);
    writeRun(file, keys, sums);
    runs.push(file);
  };
  counter.onFull = spill;
  countCooccurrences(sentences, opts.window, counter);
  let list: PairList;
  let totalWeight = 0;
  const fill = (k: number, key: number, sum: number) => {
    const row = Math.floor(key / vocabSize);
    list.rows[k] = row;
    list.cols[k] = key - row * vocabSize;
    list.values[k] = sum / unit;
    totalWeight += sum;
  };
  if (runs.length === 0) {
    const { keys, sums } = counter.sortedKeys(vocabSize);
    counter.clear();
    list = sharedPairList(keys.length);
    for (let k = 0; k < keys.length; k++) fill(k, keys[k], sums[k]);
  } else {
    if (counter.size > 0) spill();
    const merged = path.join(opts.tempDir(), 'merged.f64');
    const count = mergeRuns(runs, merged, opts.signal);
    for (const f of runs) rmSync(f, { force: true });
    list = sharedPairList(count);
    const reader = new RunReader(merged);
    try {
      for (let k = 0; reader.next(); k++) fill(k, reader.key, reader.sum);
    } finally {
      reader.close();
    }
  }
  return { ...list, stats: { pairs: list.count, spilledRuns: runs.length, totalWeight: totalWeight / unit } };
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
  const xMax = opts.xMax ?? 10;
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
  let spillDir: string | undefined;
  try {
    const { vocab, remap, corpus: encoded } = prepared;
    const vocabSize = vocab.words.length;
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
    const pairs = cooccurrenceList(progressEvery(encodedSentences(encoded.idsFile, encoded.length, remap)), {
      window,
      vocabSize,
      maxPairs: opts.maxPairs ?? DEFAULT_MAX_PAIRS,
      tempDir: () => {
        spillDir ??= mkdtempSync(path.join(opts.tempDir ?? os.tmpdir(), 'smysl-glove-'));
        return spillDir;
      },
      signal: opts.signal,
    });
    if (spillDir) {
      rmSync(spillDir, { recursive: true, force: true });
      spillDir = undefined;
    }
    const pairCount = pairs.count;
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
    if (spillDir) rmSync(spillDir, { recursive: true, force: true });
    await removeEncodedCorpus(prepared.corpus);
  }
}
