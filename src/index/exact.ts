import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { MessageChannel, type MessagePort, Worker } from 'node:worker_threads';
import { SmyslError } from '../errors.js';
import { writeFileAtomic } from '../util/fs.js';
import { TopK } from '../util/topk.js';
import { WASM_PAGE, type WasmMemory } from '../util/wasm.js';
import { assertSameDim, normalizeRowsInPlace } from '../vectors/dense.js';
import type { DenseMatrix } from '../vectors/types.js';
import {
  BLOCK_ROWS,
  blockBytes,
  CONTROL,
  codeBytes,
  createSharedMemory,
  decodeRow,
  type ExactKernels,
  type ExactPrecision,
  encodeCodes,
  encodeRows,
  exactModule,
  GROUP,
  JsKernels,
  type KernelMemory,
  kernelsFused,
  precisionKind,
  queryBytes,
  queryCodeBytes,
  type ScanLayout,
  scanRange,
  slotAreas,
  slotBytes,
  storedDims,
  type WorkerBuffers,
  wasmKernels,
  writeQueryCodes,
  writeQueryPairs,
} from './exact-kernels.js';
import type { Hit, Index, IndexMetric, RowHits, RowIndex } from './types.js';

export type { ExactPrecision } from './exact-kernels.js';

export interface ExactIndexOptions {
  metric?: IndexMetric;
  /**
   * How rows are stored: 'f32' (default), 'f16' (half the memory; values rounded to half
   * precision) or 'i8' (a quarter; each row as bytes times one f32 scale, max|x| / 127). Search
   * is exact over the stored values.
   */
  precision?: ExactPrecision;
  /** Threads a large search is split over, the calling one included (default: available cores, at most 4). */
  threads?: number;
  /** Below this many multiply-adds (rows x dim x queries) a search runs on the calling thread alone. */
  parallelThreshold?: number;
  /** Use the WebAssembly SIMD kernels (default true); false runs the JavaScript loops (same results). */
  simd?: boolean;
  /**
   * The int8 pre-filter (f32 and f16 rows by dot product or cosine, where the engine has relaxed
   * SIMD; ignored elsewhere): int8 codes of the rows (one byte a dimension a row, plus 16 bytes a
   * row) are scanned first, and a bound on each row's score skips the exact f32 scores of rows
   * that cannot enter a top k. Results are the same rows and scores as without; only the time
   * differs. 'auto' (default): the codes are made once this index's searches without them have
   * taken about as long as making them takes (so an index searched a few times never pays for
   * them), if it has at least PREFILTER_MIN_ROWS rows, and then used by searches whose share of
   * rows a thread is at least that many (below, measured slower). true: codes made as rows are
   * added, used by every search. false: never.
   */
  prefilter?: boolean | 'auto';
}

/** Rows a thread's share must have for the pre-filter in 'auto' mode (below it measured slower). */
export const PREFILTER_MIN_ROWS = 16384;
/** Roughly the time making pre-filter codes takes, in milliseconds per stored value. */
const CODES_MS_PER_VALUE = 5e-6;

/** Pre-filter statistics of an index's last search (see ExactIndex.lastPrefilter). */
export interface PrefilterStats {
  /** Row-query pairs scanned (rows x queries). */
  scanned: number;
  /** Of those, rows whose bound reached their query's k-th score so far (block-wise re-scored). */
  survivors: number;
}

/** Stops the workers of an index that was dropped without close(). */
const poolFinalizer = new FinalizationRegistry<{ pool?: ExactPool }>((workers) => workers.pool?.close());

/** Largest WebAssembly memory (wasm32): 4 GiB. */
const MAX_BYTES = 65536 * WASM_PAGE;

/**
 * Brute-force search over all rows: exact over the stored values, in WebAssembly SIMD kernels
 * (exact.wat: a blocked matrix product of the queries and the rows, then a threshold pass that
 * hands back only rows that can enter a top k), with rows stored as f32, f16 or i8, batched
 * queries sharing every pass over the rows, and large searches split over worker threads that
 * share the rows' memory. Searches stay synchronous: the calling thread scans its share while
 * the workers scan theirs.
 */
export class ExactIndex implements RowIndex {
  readonly metric: IndexMetric;
  readonly dim: number;
  readonly precision: ExactPrecision;
  rowCount = 0;
  private readonly dims: number;
  private readonly blockBytes: number;
  /** Bytes of a pre-filter code block (0: the index keeps no codes). See rowsAt for where. */
  private codeBlockBytes: number;
  private readonly queryCodesAt: number;
  /** The largest norm of a row with codes (Infinity after a value that is not finite). */
  private maxRowNorm = 0;
  /** Rows [0, codedRows) have pre-filter codes (made lazily: see the prefilter option). */
  private codedRows = 0;
  private codesMade = false;
  private prefilterMode: 'auto' | 'on' | 'off';
  /** Milliseconds this index's searches without codes took ('auto' makes them past their cost). */
  private searchedWithout = 0;
  /** Pre-filter statistics of the last search that used it, else undefined. */
  lastPrefilter: PrefilterStats | undefined;
  private readonly threads: number;
  private readonly parallelThreshold: number;
  private readonly slotBytes: number;
  private readonly queryAt: number;
  private readonly rowsAt: number;
  /** The kernels' memory: a shared WebAssembly memory, or a plain buffer for the JavaScript loops. */
  private readonly memory: WasmMemory | { buffer: ArrayBuffer };
  private readonly kernels: ExactKernels;
  private capacityBlocks = 0;
  private removedFlags: Uint8Array;
  /** The worker pool, in a holder the finalizer can reach without keeping the index alive. */
  private readonly workers: { pool?: ExactPool } = {};

  constructor(dim: number, opts: ExactIndexOptions = {}) {
    this.dim = dim;
    this.metric = opts.metric ?? 'cosine';
    this.precision = opts.precision ?? 'f32';
    if (!['f32', 'f16', 'i8'].includes(this.precision))
      throw new SmyslError('E_USAGE', `unknown exact index precision "${this.precision}" (f32, f16 or i8)`);
    this.dims = storedDims(dim);
    const wasm = opts.simd !== false && exactModule() !== null;
    const codes =
      wasm &&
      opts.prefilter !== false &&
      this.precision !== 'i8' &&
      this.metric !== 'euclidean' &&
      kernelsFused();
    this.blockBytes = blockBytes(this.precision, this.dims);
    this.codeBlockBytes = codes ? codeBytes(this.dims) : 0;
    this.prefilterMode = !codes ? 'off' : opts.prefilter === true ? 'on' : 'auto';
    this.codesMade = this.prefilterMode === 'on';
    this.threads = wasm ? Math.max(1, opts.threads ?? Math.min(4, availableParallelism())) : 1;
    this.parallelThreshold = opts.parallelThreshold ?? 4e6;
    this.slotBytes = slotBytes(this.dims);
    this.queryAt = this.threads * this.slotBytes;
    this.queryCodesAt = this.queryAt + queryBytes(this.dims);
    // the stored blocks, then (with the pre-filter) as many code blocks: moved up when it grows
    this.rowsAt = this.queryCodesAt + (codes ? queryCodeBytes(this.dims) : 0);
    const initial = this.rowsAt + 4 * (this.blockBytes + this.codeBlockBytes);
    const shared = wasm ? createSharedMemory(Math.ceil(initial / WASM_PAGE)) : null;
    this.memory = shared ?? { buffer: new ArrayBuffer(initial) };
    this.kernels = shared ? wasmKernels(shared) : new JsKernels(this.memory);
    this.capacityBlocks = this.blocksFitting();
    this.removedFlags = new Uint8Array(new SharedArrayBuffer(1024));
    poolFinalizer.register(this, this.workers);
  }

  /** A copy of the rows as stored, decoded to f32 (rows include removed ones). */
  get matrix(): DenseMatrix {
    const data = new Float32Array(this.rowCount * this.dim);
    for (let r = 0; r < this.rowCount; r++) this.readRow(r, data.subarray(r * this.dim, (r + 1) * this.dim));
    return { rows: this.rowCount, dim: this.dim, data };
  }

  /** Row `row` as stored, decoded to f32, into `into` (dim values). */
  readRow(row: number, into: Float32Array): Float32Array {
    decodeRow(this.memory.buffer, this.rowsAt, this.precision, this.dim, row, into);
    return into;
  }

  get size(): number {
    let removed = 0;
    for (let r = 0; r < this.rowCount; r++) removed += this.removedFlags[r];
    return this.rowCount - removed;
  }

  private blocksFitting(): number {
    return Math.floor(
      (this.memory.buffer.byteLength - this.rowsAt) / (this.blockBytes + this.codeBlockBytes),
    );
  }

  /** Where the pre-filter's code blocks start (after room for capacityBlocks stored blocks), or 0. */
  private get codesAt(): number {
    return this.codeBlockBytes > 0 ? this.rowsAt + this.capacityBlocks * this.blockBytes : 0;
  }

  /** Bytes of the code blocks made so far. */
  private get codesUsed(): number {
    return Math.ceil(this.codedRows / BLOCK_ROWS) * this.codeBlockBytes;
  }

  /** Goes on without the pre-filter (its codes would not fit): the code region becomes stored blocks. */
  private dropCodes(): void {
    new Uint8Array(this.memory.buffer).fill(0, this.codesAt, this.codesAt + this.codesUsed);
    this.codeBlockBytes = 0;
    this.codedRows = 0;
    this.codesMade = false;
    this.prefilterMode = 'off';
    this.capacityBlocks = this.blocksFitting();
  }

  private reserve(rows: number): void {
    const blocks = Math.ceil(rows / BLOCK_ROWS);
    // the codes count against the 4 GiB too: rather than refuse rows, go on without them
    if (this.codeBlockBytes > 0 && this.rowsAt + blocks * (this.blockBytes + this.codeBlockBytes) > MAX_BYTES)
      this.dropCodes();
    if (blocks > this.capacityBlocks) {
      const perBlock = this.blockBytes + this.codeBlockBytes;
      let capacity = Math.max(4, this.capacityBlocks);
      while (capacity < blocks) capacity *= 2;
      let bytes = this.rowsAt + capacity * perBlock;
      if (bytes > MAX_BYTES) {
        bytes = this.rowsAt + blocks * perBlock;
        if (bytes > MAX_BYTES)
          throw new SmyslError(
            'E_STATE',
            `an exact index holds at most 4 GiB of vectors (${rows} rows of ${this.dim} ${this.precision} values would need ${Math.ceil(bytes / 2 ** 20)} MiB): store them as f16 or i8, or use an HNSW index`,
          );
      }
      const memory = this.memory;
      const oldCodesAt = this.codesAt;
      const oldCodesEnd = oldCodesAt + this.codesUsed;
      if ('grow' in memory) memory.grow(Math.ceil((bytes - memory.buffer.byteLength) / WASM_PAGE));
      else {
        const grown = new ArrayBuffer(bytes);
        new Uint8Array(grown).set(new Uint8Array(memory.buffer));
        memory.buffer = grown;
      }
      this.capacityBlocks = this.blocksFitting();
      if (this.codesUsed > 0) {
        // the code blocks move up past the new stored blocks; where they were becomes stored
        // blocks, which must read as zeros (the padding dimension is never written). Before any
        // codes are made the region is untouched: nothing to move (and no pages touched)
        const bytes = new Uint8Array(this.memory.buffer);
        bytes.copyWithin(this.codesAt, oldCodesAt, oldCodesEnd);
        bytes.fill(0, oldCodesAt, Math.min(oldCodesEnd, this.codesAt));
      }
    }
    if (rows > this.removedFlags.length) {
      let length = this.removedFlags.length;
      while (length < rows) length *= 2;
      const flags = new Uint8Array(new SharedArrayBuffer(length));
      flags.set(this.removedFlags.subarray(0, this.rowCount));
      this.removedFlags = flags;
      this.workers.pool?.changed();
    }
  }

  addRows(vectors: DenseMatrix): void {
    assertSameDim(vectors, this, 'exact index');
    this.reserve(this.rowCount + vectors.rows);
    let data = vectors.data.subarray(0, vectors.rows * this.dim);
    if (this.metric === 'cosine')
      data = normalizeRowsInPlace({ rows: vectors.rows, dim: this.dim, data: data.slice() }).data;
    encodeRows(
      this.memory.buffer,
      this.rowsAt,
      this.precision,
      this.dim,
      data,
      0,
      vectors.rows,
      this.rowCount,
    );
    this.rowCount += vectors.rows;
    if (this.codesMade) this.makeCodes();
  }

  /** Pre-filter codes for the rows that have none yet. */
  private makeCodes(): void {
    if (this.codedRows >= this.rowCount) return;
    // slot 0's candidates and decode areas are free between searches
    const slot = slotAreas(0, this.dims);
    const norm = encodeCodes(
      this.memory.buffer,
      this.rowsAt,
      this.codesAt,
      this.precision,
      this.dim,
      this.codedRows,
      this.rowCount,
      { kernels: this.kernels, sums: slot.candidatesAt, decode: slot.decodeAt },
    );
    this.maxRowNorm = Math.max(this.maxRowNorm, norm);
    this.codedRows = this.rowCount;
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

  private get layout(): ScanLayout {
    return {
      dims: this.dims,
      kind: precisionKind(this.precision),
      l2: this.metric === 'euclidean' ? 1 : 0,
      blockBytes: this.blockBytes,
      rowsAt: this.rowsAt,
      queryAt: this.queryAt,
      codesAt: this.codesMade ? this.codesAt : 0,
      queryCodesAt: this.queryCodesAt,
      prefilterMinRows: this.prefilterMode === 'on' ? 0 : PREFILTER_MIN_ROWS,
    };
  }

  searchRows(query: Float32Array, k: number, filter?: (row: number) => boolean): RowHits {
    return this.searchBatch({ rows: 1, dim: this.dim, data: query }, k, filter)[0];
  }

  /**
   * Exact top-k for every query, best first (ties: the lower row first). Splits the rows over
   * worker threads when the search is large enough to pay for them and there is no filter (a
   * filter is a function of this thread).
   */
  searchBatch(queries: DenseMatrix, k: number, filter?: (row: number) => boolean): RowHits[] {
    const q = this.prepareQueries(queries);
    const nq = queries.rows;
    const results: RowHits[] = [];
    // 'auto': make the codes once searching without them has cost what making them costs
    const rent = this.prefilterMode === 'auto' && !this.codesMade && this.rowCount >= PREFILTER_MIN_ROWS;
    if (rent && this.searchedWithout >= this.rowCount * this.dim * CODES_MS_PER_VALUE) {
      this.codesMade = true;
      this.makeCodes();
    }
    const started = performance.now();
    const layout = this.layout;
    const work = this.rowCount * this.dim * nq;
    const parallel =
      !filter && this.threads > 1 && work >= this.parallelThreshold && this.rowCount >= 4 * BLOCK_ROWS;
    const pool = parallel ? this.startPool() : undefined;
    const codesAt = layout.codesAt;
    this.lastPrefilter = undefined;
    for (let g = 0; g < nq; g += GROUP) {
      const count = Math.min(GROUP, nq - g);
      const tops = Array.from({ length: count }, () => new TopK(k));
      if (this.rowCount > 0 && k > 0) {
        const group = q.subarray(g * this.dim, (g + count) * this.dim);
        writeQueryPairs(this.memory.buffer, this.queryAt, this.dim, group, count);
        layout.codesAt = 0;
        if (codesAt > 0) {
          // the bound is rigorous for finite values whose products stay far from f32 overflow
          const norm = writeQueryCodes(this.memory.buffer, this.queryCodesAt, this.dim, group, count);
          if (norm * this.maxRowNorm < 2 ** 90) layout.codesAt = codesAt;
        }
        let survivors = 0;
        if (pool) survivors = pool.search(this, layout, count, k, tops);
        else
          survivors = scanRange(
            this.kernels,
            this.memory,
            layout,
            0,
            0,
            this.rowCount,
            count,
            tops,
            this.removedFlags,
            filter,
          );
        if (survivors >= 0) {
          this.lastPrefilter ??= { scanned: 0, survivors: 0 };
          this.lastPrefilter.scanned += this.rowCount * count;
          this.lastPrefilter.survivors += survivors;
        }
      }
      for (const top of tops) {
        const { items, scores } = top.sorted();
        results.push({ rows: items, scores });
      }
    }
    if (rent && !this.codesMade) this.searchedWithout += performance.now() - started;
    return results;
  }

  /** searchBatch, kept for callers written when only this one used worker threads. */
  async searchBatchParallel(queries: DenseMatrix, k: number): Promise<RowHits[]> {
    return this.searchBatch(queries, k);
  }

  private startPool(): ExactPool | undefined {
    if (!this.workers.pool && 'grow' in this.memory)
      this.workers.pool = new ExactPool(this.memory, this.threads - 1, this.slotBytes);
    return this.workers.pool;
  }

  /** For the worker pool: the row split and the removed flags. */
  get internals(): { rowCount: number; removed: Uint8Array } {
    return { rowCount: this.rowCount, removed: this.removedFlags };
  }

  /** Scans one share of the rows on this thread (slot 0), for the pool. */
  scanOwn(layout: ScanLayout, start: number, end: number, nq: number, tops: TopK[]): number {
    return scanRange(this.kernels, this.memory, layout, 0, start, end, nq, tops, this.removedFlags);
  }

  /** Stops the worker threads (an index dropped without close stops them when it is garbage-collected). */
  close(): void {
    this.workers.pool?.close();
    this.workers.pool = undefined;
  }

  /** Raw little-endian float32 rows (as stored, decoded), then one removed-flag byte per row. */
  saveTo(file: string): void {
    const vectors = new Uint8Array(this.matrix.data.buffer);
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
    // the rows were stored normalized (cosine) or as given: add them as they are
    const index = new ExactIndex(dim, { ...opts, metric: opts.metric ?? 'dot' });
    const data = new Float32Array(
      bytes.buffer.slice(bytes.byteOffset + 8, bytes.byteOffset + 8 + rows * dim * 4),
    );
    index.reserve(rows);
    encodeRows(index.memory.buffer, index.rowsAt, index.precision, dim, data, 0, rows, 0);
    index.rowCount = rows;
    if (index.codesMade) index.makeCodes();
    index.removedFlags.set(bytes.subarray(8 + rows * dim * 4));
    return index;
  }
}

// ---- worker threads -------------------------------------------------------------------------

interface PoolWorker {
  worker: Worker;
  control: Int32Array;
  port: MessagePort;
  results: SharedArrayBuffer | undefined;
  k: number;
  version: number;
  removed: Uint8Array | undefined;
}

/**
 * Worker threads that scan shares of an exact index's rows in its shared memory. The caller
 * starts them through shared control words (Atomics) and blocks until they are done, so a search
 * stays synchronous; each worker keeps its own top k per query and the caller merges them.
 */
class ExactPool {
  private readonly workers: PoolWorker[] = [];
  private seq = 0;
  private failed = false;

  constructor(memory: WasmMemory, count: number, slotBytes: number) {
    const file = path.join(path.dirname(new URL(import.meta.url).pathname), 'exact-worker.js');
    const module = exactModule();
    for (let i = 0; i < count; i++) {
      const control = new Int32Array(new SharedArrayBuffer(CONTROL.length * 4));
      control[CONTROL.slotAt] = (i + 1) * slotBytes;
      const { port1, port2 } = new MessageChannel();
      const worker = new Worker(file, {
        workerData: { memory, module, control, port: port2 },
        transferList: [port2],
      });
      worker.unref();
      port1.unref();
      worker.on('error', () => {
        this.failed = true;
      });
      this.workers.push({
        worker,
        control,
        port: port1,
        results: undefined,
        k: 0,
        version: 0,
        removed: undefined,
      });
    }
  }

  /** The removed flags were reallocated: workers get them with their next task. */
  changed(): void {
    for (const w of this.workers) w.removed = undefined;
  }

  /** Returns the rows whose pre-filter bound reached a threshold over all threads (-1: none used it). */
  search(index: ExactIndex, layout: ScanLayout, nq: number, k: number, tops: TopK[]): number {
    if (this.failed) throw new SmyslError('E_STATE', 'an exact search worker thread failed');
    const { rowCount, removed } = index.internals;
    const shares = this.workers.length + 1;
    const blocks = Math.ceil(rowCount / BLOCK_ROWS);
    const per = Math.ceil(blocks / shares) * BLOCK_ROWS;
    const seq = ++this.seq;
    this.workers.forEach((w, i) => {
      const start = Math.min(rowCount, (i + 1) * per);
      const end = Math.min(rowCount, (i + 2) * per);
      if (w.removed !== removed || w.k < k) {
        if (w.k < k) {
          w.k = Math.max(k, 2 * w.k);
          w.results = new SharedArrayBuffer(GROUP * 4 + GROUP * w.k * 12);
        }
        w.removed = removed;
        w.port.postMessage({ removed, results: w.results!, k: w.k } satisfies WorkerBuffers);
        w.version++;
      }
      const c = w.control;
      c[CONTROL.start] = start;
      c[CONTROL.end] = end;
      c[CONTROL.nq] = nq;
      c[CONTROL.k] = k;
      c[CONTROL.version] = w.version;
      c[CONTROL.dims] = layout.dims;
      c[CONTROL.kind] = layout.kind;
      c[CONTROL.l2] = layout.l2;
      c[CONTROL.blockBytes] = layout.blockBytes;
      c[CONTROL.rowsAt] = layout.rowsAt;
      c[CONTROL.queryAt] = layout.queryAt;
      c[CONTROL.codesAt] = layout.codesAt;
      c[CONTROL.queryCodesAt] = layout.queryCodesAt;
      c[CONTROL.prefilterMinRows] = layout.prefilterMinRows;
      Atomics.store(c, CONTROL.seq, seq);
      Atomics.notify(c, CONTROL.seq);
    });
    let survivors = index.scanOwn(layout, 0, Math.min(rowCount, per), nq, tops);
    const counted = (n: number) => {
      if (n >= 0) survivors = survivors < 0 ? n : survivors + n;
    };
    for (const w of this.workers) {
      const c = w.control;
      for (;;) {
        const done = Atomics.load(c, CONTROL.done);
        if (done === seq) break;
        Atomics.wait(c, CONTROL.done, done, 1000);
      }
      if (c[CONTROL.status] !== 0) throw new SmyslError('E_STATE', 'an exact search worker thread failed');
      counted(c[CONTROL.survivors]);
      const counts = new Int32Array(w.results!, 0, GROUP);
      const ids = new Int32Array(w.results!, GROUP * 4, GROUP * w.k);
      const scores = new Float64Array(w.results!, GROUP * 4 + GROUP * w.k * 4, GROUP * w.k);
      for (let i = 0; i < nq; i++)
        for (let j = 0; j < counts[i]; j++) tops[i].push(ids[i * w.k + j], scores[i * w.k + j]);
    }
    return survivors;
  }

  close(): void {
    for (const w of this.workers) {
      Atomics.store(w.control, CONTROL.seq, -1);
      Atomics.notify(w.control, CONTROL.seq);
      w.port.close();
      void w.worker.terminate();
    }
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

export type { KernelMemory };
