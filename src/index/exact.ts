import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { SmyslError } from '../errors.js';
import { writeFileAtomic } from '../util/fs.js';
import { TopK } from '../util/topk.js';
import { assertSameDim, normalizeRowsInPlace } from '../vectors/dense.js';
import type { DenseMatrix } from '../vectors/types.js';
import type { Hit, Index, IndexMetric, RowHits, RowIndex } from './types.js';

const ROW_BLOCK = 512;
const QUERY_BLOCK = 4;

/**
 * Scans rows [start, end) of `data` for every query and pushes scores into one TopK per query.
 * Four queries share each pass over a row so the row is read from memory once per block.
 */
export function scanRows(
  data: Float32Array,
  dim: number,
  start: number,
  end: number,
  queries: Float32Array,
  queryCount: number,
  metric: IndexMetric,
  tops: TopK[],
  removed?: Uint8Array,
  filter?: (row: number) => boolean,
): void {
  const euclid = metric === 'euclidean';
  for (let r0 = start; r0 < end; r0 += ROW_BLOCK) {
    const r1 = Math.min(end, r0 + ROW_BLOCK);
    let qi = 0;
    if (!euclid) {
      for (; qi + QUERY_BLOCK <= queryCount; qi += QUERY_BLOCK) {
        const o0 = qi * dim;
        const o1 = o0 + dim;
        const o2 = o1 + dim;
        const o3 = o2 + dim;
        const t0 = tops[qi];
        const t1 = tops[qi + 1];
        const t2 = tops[qi + 2];
        const t3 = tops[qi + 3];
        for (let r = r0; r < r1; r++) {
          if (removed?.[r] || (filter && !filter(r))) continue;
          const or = r * dim;
          let s0 = 0;
          let s1 = 0;
          let s2 = 0;
          let s3 = 0;
          for (let j = 0; j < dim; j++) {
            const x = data[or + j];
            s0 += queries[o0 + j] * x;
            s1 += queries[o1 + j] * x;
            s2 += queries[o2 + j] * x;
            s3 += queries[o3 + j] * x;
          }
          if (s0 > t0.threshold) t0.push(r, s0);
          if (s1 > t1.threshold) t1.push(r, s1);
          if (s2 > t2.threshold) t2.push(r, s2);
          if (s3 > t3.threshold) t3.push(r, s3);
        }
      }
    }
    for (; qi < queryCount; qi++) {
      const oq = qi * dim;
      const top = tops[qi];
      for (let r = r0; r < r1; r++) {
        if (removed?.[r] || (filter && !filter(r))) continue;
        const or = r * dim;
        let s = 0;
        if (euclid) {
          for (let j = 0; j < dim; j++) {
            const d = queries[oq + j] - data[or + j];
            s += d * d;
          }
          s = -Math.sqrt(s);
        } else {
          // four accumulators: independent additions pipeline better than one dependent chain
          let s1 = 0;
          let s2 = 0;
          let s3 = 0;
          let j = 0;
          for (; j + 3 < dim; j += 4) {
            s += queries[oq + j] * data[or + j];
            s1 += queries[oq + j + 1] * data[or + j + 1];
            s2 += queries[oq + j + 2] * data[or + j + 2];
            s3 += queries[oq + j + 3] * data[or + j + 3];
          }
          for (; j < dim; j++) s += queries[oq + j] * data[or + j];
          s = s + s1 + (s2 + s3);
        }
        if (s > top.threshold) top.push(r, s);
      }
    }
  }
}

export interface ExactIndexOptions {
  metric?: IndexMetric;
  /** Worker threads for large batched searches (default: available cores, at most 4). */
  threads?: number;
  /** Below this many row×query multiply-adds a batch runs on the calling thread. */
  parallelThreshold?: number;
}

/**
 * Brute-force search over all rows: exact, batched, and split over worker threads (sharing the
 * matrix through a SharedArrayBuffer) when the batch is large enough to pay for the hand-off.
 */
export class ExactIndex implements RowIndex {
  readonly metric: IndexMetric;
  readonly dim: number;
  private buffer: Float32Array;
  private removedFlags: Uint8Array;
  rowCount = 0;
  private readonly threads: number;
  private readonly parallelThreshold: number;
  private workers: Worker[] = [];

  constructor(dim: number, opts: ExactIndexOptions = {}) {
    this.dim = dim;
    this.metric = opts.metric ?? 'cosine';
    this.threads = Math.max(1, opts.threads ?? Math.min(4, availableParallelism()));
    this.parallelThreshold = opts.parallelThreshold ?? 2e8;
    this.buffer = new Float32Array(new SharedArrayBuffer(1024 * dim * 4));
    this.removedFlags = new Uint8Array(new SharedArrayBuffer(1024));
  }

  /** The live matrix (a view; rows include removed ones). */
  get matrix(): DenseMatrix {
    return { rows: this.rowCount, dim: this.dim, data: this.buffer.subarray(0, this.rowCount * this.dim) };
  }

  get size(): number {
    let removed = 0;
    for (let r = 0; r < this.rowCount; r++) removed += this.removedFlags[r];
    return this.rowCount - removed;
  }

  private reserve(rows: number): void {
    if (rows * this.dim <= this.buffer.length) return;
    let capacity = this.buffer.length / this.dim;
    while (capacity < rows) capacity *= 2;
    const grown = new Float32Array(new SharedArrayBuffer(capacity * this.dim * 4));
    grown.set(this.buffer.subarray(0, this.rowCount * this.dim));
    this.buffer = grown;
    const flags = new Uint8Array(new SharedArrayBuffer(capacity));
    flags.set(this.removedFlags.subarray(0, this.rowCount));
    this.removedFlags = flags;
  }

  addRows(vectors: DenseMatrix): void {
    assertSameDim(vectors, this, 'exact index');
    this.reserve(this.rowCount + vectors.rows);
    const at = this.rowCount * this.dim;
    this.buffer.set(vectors.data.subarray(0, vectors.rows * this.dim), at);
    if (this.metric === 'cosine')
      normalizeRowsInPlace({
        rows: vectors.rows,
        dim: this.dim,
        data: this.buffer.subarray(at, at + vectors.rows * this.dim),
      });
    this.rowCount += vectors.rows;
  }

  remove(row: number): void {
    if (row >= 0 && row < this.rowCount) this.removedFlags[row] = 1;
  }

  isRemoved(row: number): boolean {
    return this.removedFlags[row] === 1;
  }

  private prepareQueries(queries: DenseMatrix): Float32Array {
    assertSameDim(queries, this, 'query');
    const q = queries.data.slice(0, queries.rows * this.dim);
    if (this.metric === 'cosine') normalizeRowsInPlace({ rows: queries.rows, dim: this.dim, data: q });
    return q;
  }

  searchRows(query: Float32Array, k: number, filter?: (row: number) => boolean): RowHits {
    return this.searchBatch({ rows: 1, dim: this.dim, data: query }, k, filter)[0];
  }

  /** Exact top-k for every query on the calling thread. */
  searchBatch(queries: DenseMatrix, k: number, filter?: (row: number) => boolean): RowHits[] {
    const q = this.prepareQueries(queries);
    const tops = Array.from({ length: queries.rows }, () => new TopK(k));
    scanRows(
      this.buffer,
      this.dim,
      0,
      this.rowCount,
      q,
      queries.rows,
      this.metric,
      tops,
      this.removedFlags,
      filter,
    );
    return tops.map((t) => {
      const { items, scores } = t.sorted();
      return { rows: items, scores };
    });
  }

  /** Like searchBatch, but splits rows across worker threads when the batch is large. */
  async searchBatchParallel(queries: DenseMatrix, k: number): Promise<RowHits[]> {
    const work = this.rowCount * queries.rows * this.dim;
    if (this.threads < 2 || work < this.parallelThreshold) return this.searchBatch(queries, k);
    const q = this.prepareQueries(queries);
    this.startWorkers();
    const per = Math.ceil(this.rowCount / this.workers.length);
    const parts = await Promise.all(
      this.workers.map(
        (worker, i) =>
          new Promise<{ items: Int32Array[]; scores: Float64Array[] }>((resolve, reject) => {
            const onMessage = (m: { items: Int32Array[]; scores: Float64Array[] }) => {
              worker.off('error', onError);
              resolve(m);
            };
            const onError = (e: Error) => {
              worker.off('message', onMessage);
              reject(new SmyslError('E_STATE', `exact search worker failed: ${e.message}`));
            };
            worker.once('message', onMessage);
            worker.once('error', onError);
            worker.postMessage({
              data: this.buffer,
              removed: this.removedFlags,
              dim: this.dim,
              start: i * per,
              end: Math.min(this.rowCount, (i + 1) * per),
              queries: q,
              queryCount: queries.rows,
              metric: this.metric,
              k,
            });
          }),
      ),
    );
    return Array.from({ length: queries.rows }, (_, qi) => {
      const top = new TopK(k);
      for (const part of parts) {
        const items = part.items[qi];
        const scores = part.scores[qi];
        for (let i = 0; i < items.length; i++) top.push(items[i], scores[i]);
      }
      const { items, scores } = top.sorted();
      return { rows: items, scores };
    });
  }

  private startWorkers(): void {
    if (this.workers.length > 0) return;
    const file = path.join(path.dirname(new URL(import.meta.url).pathname), 'exact-worker.js');
    for (let i = 0; i < this.threads; i++) {
      const w = new Worker(file);
      w.unref();
      this.workers.push(w);
    }
  }

  close(): void {
    for (const w of this.workers) void w.terminate();
    this.workers = [];
  }

  /** Raw little-endian float32 rows, then one removed-flag byte per row. */
  saveTo(file: string): void {
    const vectors = new Uint8Array(this.buffer.buffer, 0, this.rowCount * this.dim * 4);
    const flags = new Uint8Array(this.removedFlags.buffer, 0, this.rowCount);
    writeFileSyncAtomic(file, [
      new Uint8Array(new Uint32Array([this.dim, this.rowCount]).buffer),
      vectors,
      flags,
    ]);
  }

  static loadFrom(file: string, opts: ExactIndexOptions = {}): ExactIndex {
    const bytes = readFileSync(file);
    const [dim, rows] = new Uint32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + 8));
    if (bytes.byteLength !== 8 + rows * dim * 4 + rows)
      throw new SmyslError('E_FORMAT', 'exact index file has the wrong size', { location: { source: file } });
    const index = new ExactIndex(dim, { ...opts, metric: opts.metric ?? 'dot' });
    index.reserve(rows);
    new Uint8Array(index.buffer.buffer).set(bytes.subarray(8, 8 + rows * dim * 4));
    index.removedFlags.set(bytes.subarray(8 + rows * dim * 4));
    index.rowCount = rows;
    return index;
  }
}

function writeFileSyncAtomic(file: string, parts: Uint8Array[]): void {
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, Buffer.concat(parts));
  renameSync(tmp, file);
}

/** The `Index` interface (string ids) over any row index. */
export class IdIndex implements Index {
  readonly rows: RowIndex;
  private readonly ids: string[] = [];
  private readonly rowOf = new Map<string, number>();

  constructor(rows: RowIndex) {
    this.rows = rows;
  }
  get size(): number {
    return this.rowOf.size;
  }
  add(ids: string[], vectors: DenseMatrix): void {
    if (ids.length !== vectors.rows)
      throw new SmyslError('E_INPUT', `${ids.length} ids for ${vectors.rows} vectors`);
    for (const id of ids) {
      const old = this.rowOf.get(id);
      if (old !== undefined) this.rows.remove(old);
    }
    const first = this.rows.rowCount;
    this.rows.addRows(vectors);
    ids.forEach((id, i) => {
      this.ids[first + i] = id;
      this.rowOf.set(id, first + i);
    });
  }
  remove(id: string): boolean {
    const row = this.rowOf.get(id);
    if (row === undefined) return false;
    this.rows.remove(row);
    this.rowOf.delete(id);
    return true;
  }
  search(queries: DenseMatrix, k: number, filter?: (id: string) => boolean): Hit[][] {
    const out: Hit[][] = [];
    for (let q = 0; q < queries.rows; q++) {
      const hits = this.rows.searchRows(
        queries.data.subarray(q * queries.dim, (q + 1) * queries.dim),
        k,
        filter ? (row) => filter(this.ids[row]) : undefined,
      );
      out.push(hits.rows.map((row, i) => ({ id: this.ids[row], score: hits.scores[i] })));
    }
    return out;
  }
  async save(dir: string): Promise<void> {
    await writeFileAtomic(path.join(dir, 'ids.json'), JSON.stringify(this.ids));
    this.rows.saveTo(path.join(dir, 'index.bin'));
  }
}
