/**
 * The exact-search kernels (exact.wat) and their storage layout: rows in blocks of 16
 * interleaved by dimension, stored as f32, f16 or i8; queries in interleaved pairs. This module
 * loads the WebAssembly kernels, encodes and decodes rows, and provides a plain JavaScript
 * implementation with the same arithmetic (every score accumulated over dimensions 0, 1, 2, ...
 * in f32) for engines without WebAssembly SIMD; both give the same bits.
 */
import type { TopK } from '../util/topk.js';
import { compileWasm, enableRelaxedSimd, instantiate, type WasmMemory, wasm } from '../util/wasm.js';

/** How an exact index stores its rows: 4, 2 or 1 byte(s) a value (i8 with one f32 scale a row). */
export type ExactPrecision = 'f32' | 'f16' | 'i8';

/** Rows per block. */
export const BLOCK_ROWS = 16;

/** The kernels' signature (addresses are byte offsets into the memory). See exact.wat's $search. */
export interface ExactKernels {
  search(
    q: number,
    nq: number,
    pairBytes: number,
    x: number,
    blocks: number,
    dims: number,
    l2: number,
    kind: number,
    storedBytes: number,
    buffer: number,
    thresholds: number,
    base: number,
    valid: number,
    candidates: number,
    scratch: number,
  ): number;
}

/** Where the kernels run: a shared WebAssembly memory, or (fallback) a plain buffer. */
export interface KernelMemory {
  readonly buffer: ArrayBuffer | SharedArrayBuffer;
}

let compiled: object | null | undefined;
let fusedKernels = false;

/**
 * The compiled kernels, or null where WebAssembly SIMD is unavailable (said once on stderr):
 * exact-fused.wasm (fused multiply-adds, relaxed SIMD) where the engine has relaxed SIMD,
 * otherwise exact.wasm — the same source, a multiply and an add.
 */
export function exactModule(): object | null {
  if (compiled !== undefined) return compiled;
  // an engine without relaxed SIMD rejects the fused module: then the plain one
  const fusedUrl = new URL('./exact-fused.wasm', import.meta.url);
  let fused = compileWasm(fusedUrl);
  if (fused instanceof Error && enableRelaxedSimd()) fused = compileWasm(fusedUrl);
  fusedKernels = !(fused instanceof Error);
  const result = fused instanceof Error ? compileWasm(new URL('./exact.wasm', import.meta.url)) : fused;
  if (result instanceof Error) {
    compiled = null;
    if (typeof process !== 'undefined' && typeof process.emitWarning === 'function')
      process.emitWarning(
        `WebAssembly SIMD exact-search kernels unavailable (${result.message}); exact search runs plain JavaScript loops, several times slower`,
      );
  } else compiled = result;
  return compiled;
}

/**
 * Whether the kernels fuse multiply and add (one rounding instead of two): scores then differ
 * from the JavaScript fallback's in the last bits, so a tie in one may not be a tie in the other.
 */
export function kernelsFused(): boolean {
  exactModule();
  return fusedKernels;
}

/** A shared memory of `pages` pages that can grow to 4 GiB, or null without the kernels. */
export function createSharedMemory(pages: number): WasmMemory | null {
  if (!exactModule() || !wasm) return null;
  return new wasm.Memory({ initial: pages, maximum: 65536, shared: true });
}

/** The WebAssembly kernels over `memory` (a memory from createSharedMemory). */
export function wasmKernels(memory: WasmMemory, module = exactModule()): ExactKernels {
  if (!module) throw new Error('exact-search kernels unavailable');
  return instantiate<ExactKernels>(module, { env: { memory } });
}

// ---- layout -----------------------------------------------------------------------------------

/** Dimensions as stored: even (the single-query kernel takes two a turn), zero-padded. */
export function storedDims(dim: number): number {
  return dim + (dim & 1);
}

/** Bytes of one block of 16 rows. */
export function blockBytes(precision: ExactPrecision, dims: number): number {
  return precision === 'f32' ? dims * 64 : precision === 'f16' ? dims * 32 : 64 + dims * 16;
}

const KIND = { f32: 0, f16: 1, i8: 2 } as const;
export function precisionKind(precision: ExactPrecision): number {
  return KIND[precision];
}

const f32Scratch = new Float32Array(1);
const u32Scratch = new Uint32Array(f32Scratch.buffer);

/**
 * f32 -> IEEE half bits, rounding to nearest even; beyond the largest half (65504) saturates,
 * NaN becomes 0 (the kernels' decoder assumes finite values).
 */
export function toHalf(value: number): number {
  if (Number.isNaN(value)) return 0;
  f32Scratch[0] = value;
  const x = u32Scratch[0];
  const sign = (x >>> 16) & 0x8000;
  const exponent = (x >>> 23) & 0xff;
  let mantissa = x & 0x7fffff;
  if (exponent === 0xff || exponent - 127 > 15) return sign | 0x7bff;
  const e = exponent - 127 + 15;
  if (e <= 0) {
    // subnormal half (or zero): shift the implicit 1 in, round to nearest even
    if (e < -10) return sign;
    mantissa |= 0x800000;
    const shift = 14 - e;
    const half = mantissa >>> shift;
    const rest = mantissa & ((1 << shift) - 1);
    const midpoint = 1 << (shift - 1);
    const rounded = rest > midpoint || (rest === midpoint && (half & 1) === 1) ? half + 1 : half;
    return sign | rounded;
  }
  let half = (e << 10) | (mantissa >>> 13);
  const rest = mantissa & 0x1fff;
  if (rest > 0x1000 || (rest === 0x1000 && (half & 1) === 1)) half++;
  // rounding up past 65504 would make infinity
  if ((half & 0x7fff) >= 0x7c00) return sign | 0x7bff;
  return sign | half;
}

/** Half bits -> the f32 value (exactly representable). */
export function fromHalf(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exponent = (h >>> 10) & 0x1f;
  const mantissa = h & 0x3ff;
  if (exponent === 0) return sign * mantissa * 2 ** -24;
  return sign * (1024 + mantissa) * 2 ** (exponent - 25);
}

let halfTable: Float32Array | undefined;
function halves(): Float32Array {
  if (!halfTable) {
    halfTable = new Float32Array(65536);
    for (let h = 0; h < 65536; h++) halfTable[h] = fromHalf(h);
  }
  return halfTable;
}

/**
 * Writes rows `from`..`from + count` of `data` (row-major, `dim` values a row) into the blocks at
 * byte offset `at` of `buffer`, as row numbers `first`.. of the index: values interleaved 16
 * rows a dimension, encoded to the precision. i8 rows get scale max|x| / 127.
 */
export function encodeRows(
  buffer: ArrayBuffer | SharedArrayBuffer,
  at: number,
  precision: ExactPrecision,
  dim: number,
  data: Float32Array,
  from: number,
  count: number,
  first: number,
): void {
  const dims = storedDims(dim);
  const bytes = blockBytes(precision, dims);
  for (let i = 0; i < count; i++) {
    const rowNumber = first + i;
    const block = at + Math.floor(rowNumber / BLOCK_ROWS) * bytes;
    const lane = rowNumber % BLOCK_ROWS;
    const o = (from + i) * dim;
    if (precision === 'f32') {
      const f = new Float32Array(buffer, block, dims * BLOCK_ROWS);
      for (let d = 0; d < dim; d++) f[d * BLOCK_ROWS + lane] = data[o + d];
    } else if (precision === 'f16') {
      const h = new Uint16Array(buffer, block, dims * BLOCK_ROWS);
      for (let d = 0; d < dim; d++) h[d * BLOCK_ROWS + lane] = toHalf(data[o + d]);
    } else {
      let max = 0;
      for (let d = 0; d < dim; d++) {
        const a = Math.abs(data[o + d]);
        if (a > max && Number.isFinite(a)) max = a;
      }
      const scale = Math.fround(max / 127);
      new Float32Array(buffer, block, BLOCK_ROWS)[lane] = scale;
      const v = new Int8Array(buffer, block + 64, dims * BLOCK_ROWS);
      for (let d = 0; d < dim; d++) {
        const x = data[o + d];
        const q =
          scale > 0 && Number.isFinite(x) ? Math.round(x / scale) : Number.isNaN(x) ? 0 : Math.sign(x) * 127;
        v[d * BLOCK_ROWS + lane] = Math.max(-127, Math.min(127, q));
      }
    }
  }
}

/** Row `rowNumber` as stored (decoded to f32) into `into` (`dim` values). */
export function decodeRow(
  buffer: ArrayBuffer | SharedArrayBuffer,
  at: number,
  precision: ExactPrecision,
  dim: number,
  rowNumber: number,
  into: Float32Array,
): void {
  const dims = storedDims(dim);
  const block = at + Math.floor(rowNumber / BLOCK_ROWS) * blockBytes(precision, dims);
  const lane = rowNumber % BLOCK_ROWS;
  if (precision === 'f32') {
    const f = new Float32Array(buffer, block, dims * BLOCK_ROWS);
    for (let d = 0; d < dim; d++) into[d] = f[d * BLOCK_ROWS + lane];
  } else if (precision === 'f16') {
    const h = new Uint16Array(buffer, block, dims * BLOCK_ROWS);
    const table = halves();
    for (let d = 0; d < dim; d++) into[d] = table[h[d * BLOCK_ROWS + lane]];
  } else {
    const scale = new Float32Array(buffer, block, BLOCK_ROWS)[lane];
    const v = new Int8Array(buffer, block + 64, dims * BLOCK_ROWS);
    for (let d = 0; d < dim; d++) into[d] = Math.fround(v[d * BLOCK_ROWS + lane] * scale);
  }
}

/** Writes `count` queries (row-major, `dim` values each) as interleaved pairs at byte offset `at`. */
export function writeQueryPairs(
  buffer: ArrayBuffer | SharedArrayBuffer,
  at: number,
  dim: number,
  queries: Float32Array,
  count: number,
): void {
  const dims = storedDims(dim);
  const pairs = Math.ceil(count / 2);
  const f = new Float32Array(buffer, at, pairs * dims * 2);
  f.fill(0);
  for (let i = 0; i < count; i++) {
    const base = (i >> 1) * dims * 2 + (i & 1);
    for (let d = 0; d < dim; d++) f[base + 2 * d] = queries[i * dim + d];
  }
}

// ---- scanning -----------------------------------------------------------------------------

/** Queries per kernel call (a group's pairs stay in the L1 cache while a block is scored). */
export const GROUP = 64;
/** Scores per kernel call (queries x rows): the scores buffer is 64 KiB, candidates 192 KiB. */
const CELLS = 16384;
/** Rows of the first call: the thresholds start at -Infinity, so its rows all become candidates. */
const FIRST_ROWS = 256;

/** Where things are in a kernel memory (byte offsets). */
export interface ScanLayout {
  /** Stored dimensions (even). */
  dims: number;
  /** 0 f32, 1 f16, 2 i8. */
  kind: number;
  /** 1: minus the Euclidean distance; 0: dot product. */
  l2: number;
  blockBytes: number;
  rowsAt: number;
  queryAt: number;
}

/** Scratch bytes one thread needs: thresholds, 128 bytes for the kernel, candidates, a decoded block. */
export function slotBytes(dims: number): number {
  return Math.ceil((GROUP * 4 + 128 + CELLS * 12 + dims * 64) / 64) * 64;
}

/** Bytes of the query area (GROUP queries as pairs). */
export function queryBytes(dims: number): number {
  return GROUP * dims * 4;
}

/**
 * Scores rows [start, end) (start a multiple of 16) against the `nq` queries in the query area
 * and pushes every score that can enter a query's top k into tops[i], skipping removed rows and
 * rows the filter rejects (the filter sees only those candidates). Rows are scanned in order, so
 * a tie never displaces an earlier (lower) row, as TopK wants.
 */
export function scanRange(
  kernels: ExactKernels,
  memory: KernelMemory,
  layout: ScanLayout,
  slotAt: number,
  start: number,
  end: number,
  nq: number,
  tops: TopK[],
  removed: Uint8Array,
  filter?: (row: number) => boolean,
): void {
  const thresholdsAt = slotAt;
  const scratchAt = thresholdsAt + GROUP * 4;
  const candidatesAt = scratchAt + 128;
  const decodeAt = candidatesAt + CELLS * 12;
  const thresholds = new Float32Array(memory.buffer, thresholdsAt, nq);
  thresholds.fill(Number.NEGATIVE_INFINITY);
  // a call may return every score it computes (thresholds still -Infinity): CELLS at most
  const most = Math.max(BLOCK_ROWS, Math.floor(CELLS / nq / BLOCK_ROWS) * BLOCK_ROWS);
  let rows = Math.min(most, FIRST_ROWS);
  for (let r = start; r < end; r += rows, rows = most) {
    const valid = Math.min(rows, end - r);
    const blocks = Math.ceil(valid / BLOCK_ROWS);
    const count = kernels.search(
      layout.queryAt,
      nq,
      layout.dims * 8,
      layout.rowsAt + (r / BLOCK_ROWS) * layout.blockBytes,
      blocks,
      layout.dims,
      layout.l2,
      layout.kind,
      layout.blockBytes,
      decodeAt,
      thresholdsAt,
      r,
      valid,
      candidatesAt,
      scratchAt,
    );
    if (count === 0) continue;
    const ints = new Int32Array(memory.buffer, candidatesAt, count * 3);
    const floats = new Float32Array(memory.buffer, candidatesAt, count * 3);
    for (let c = 0; c < count * 3; c += 3) {
      const row = ints[c + 1];
      if (removed[row] === 1 || (filter && !filter(row))) continue;
      tops[ints[c]].push(row, floats[c + 2]);
    }
    for (let i = 0; i < nq; i++) thresholds[i] = tops[i].threshold;
  }
}

// ---- worker threads (see ExactPool in exact.ts) ------------------------------------------------

/** Slots of a worker's control array (Int32Array over a SharedArrayBuffer). */
export const CONTROL = {
  /** Incremented by the caller to start a task; -1 stops the worker. */
  seq: 0,
  /** Set to seq by the worker when the task is done. */
  done: 1,
  /** 0 ok, 1 failed. */
  status: 2,
  start: 3,
  end: 4,
  nq: 5,
  k: 6,
  /** Bumped when the removed flags or the result buffer changed (sent on the port). */
  version: 7,
  dims: 8,
  kind: 9,
  l2: 10,
  blockBytes: 11,
  rowsAt: 12,
  queryAt: 13,
  slotAt: 14,
  length: 15,
} as const;

/** What the pool sends a worker on its port when buffers change. */
export interface WorkerBuffers {
  removed: Uint8Array;
  /** Per query: count (Int32 [GROUP]), then ids (Int32 [GROUP * k]), then scores (Float64 [GROUP * k]). */
  results: SharedArrayBuffer;
  k: number;
}

// ---- the JavaScript fallback: the same sums in the same order ----------------------------------

/** exact.wat in JavaScript (Math.fround after every operation, as f32x4 rounds), for engines without it. */
export class JsKernels implements ExactKernels {
  constructor(private readonly memory: KernelMemory) {}

  search(
    q: number,
    nq: number,
    pairBytes: number,
    x: number,
    blocks: number,
    dims: number,
    l2: number,
    kind: number,
    storedBytes: number,
    buffer: number,
    thresholds: number,
    base: number,
    valid: number,
    candidates: number,
  ): number {
    const memory = this.memory.buffer;
    const f = new Float32Array(memory);
    const ints = new Int32Array(memory);
    const fr = Math.fround;
    const table = kind === 1 ? halves() : undefined;
    let count = 0;
    let c = candidates >> 2;
    for (let b = 0; b < blocks; b++, base += BLOCK_ROWS, valid -= BLOCK_ROWS) {
      const at = x + b * storedBytes;
      let rows = at >> 2;
      if (kind !== 0) {
        const into = new Float32Array(memory, buffer, dims * BLOCK_ROWS);
        if (table) {
          const h = new Uint16Array(memory, at, dims * BLOCK_ROWS);
          for (let j = 0; j < h.length; j++) into[j] = table[h[j]];
        } else {
          const scales = new Float32Array(memory, at, BLOCK_ROWS);
          const v = new Int8Array(memory, at + 64, dims * BLOCK_ROWS);
          for (let j = 0; j < v.length; j++) into[j] = fr(v[j] * scales[j % BLOCK_ROWS]);
        }
        rows = buffer >> 2;
      }
      for (let i = 0; i < nq; i++) {
        const qb = (q + (i >> 1) * pairBytes) / 4 + (i & 1);
        const t = f[(thresholds >> 2) + i];
        for (let lane = 0; lane < Math.min(BLOCK_ROWS, valid); lane++) {
          let s = 0;
          if (l2) {
            for (let d = 0; d < dims; d++) {
              const diff = fr(f[qb + 2 * d] - f[rows + d * BLOCK_ROWS + lane]);
              s = fr(s + fr(diff * diff));
            }
            s = -fr(Math.sqrt(s));
          } else
            for (let d = 0; d < dims; d++) s = fr(s + fr(f[qb + 2 * d] * f[rows + d * BLOCK_ROWS + lane]));
          if (s > t) {
            ints[c] = i;
            ints[c + 1] = base + lane;
            f[c + 2] = s;
            c += 3;
            count++;
          }
        }
      }
    }
    return count;
  }
}
