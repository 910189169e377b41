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
  /**
   * search with the int8 pre-filter (exact-fused.wasm only; dot product, f32 or f16 rows with
   * codes): the same candidates, see exact.wat's $searchPrefiltered.
   */
  searchPrefiltered?(
    q: number,
    nq: number,
    pairBytes: number,
    x: number,
    blocks: number,
    dims: number,
    kind: number,
    storedBytes: number,
    buffer: number,
    thresholds: number,
    base: number,
    valid: number,
    candidates: number,
    scratch: number,
    codeAt: number,
    qcodes: number,
    params: number,
    dims4: number,
  ): number;
  /** Rows whose pre-filter bound was above their query's threshold since the last call. */
  survivors?(): number;
  /** One block's pre-filter codes and their sums (exact-fused.wasm only; see exact.wat). */
  encodeCodes?(
    x: number,
    kind: number,
    buffer: number,
    dim: number,
    dims: number,
    dims4: number,
    codes: number,
    sums: number,
  ): void;
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

/** Dimensions of the int8 codes: rounded up to 4 (one relaxed dot takes 4 a row). */
export function codeDims(dims: number): number {
  return (dims + 3) & ~3;
}

/**
 * Bytes of the int8 pre-filter's block of 16 rows (kept in a region of its own after the stored
 * blocks): a 256-byte header (per row -64 * sum of codes, scale, A and B; see exact.wat) and one
 * byte a dimension a row.
 */
export function codeBytes(dims: number): number {
  return 256 + codeDims(dims) * 16;
}

const U = 2 ** -24;

/** The least f32 at or above `value` (finite, non-negative values). */
export function f32Up(value: number): number {
  const f = Math.fround(value);
  if (f >= value) return f;
  // the next f32 up: f32 bits + 1 (f is non-negative and finite)
  f32Scratch[0] = f;
  u32Scratch[0] += 1;
  return f32Scratch[0];
}

/**
 * Writes the pre-filter's code blocks for rows [from, to) of the stored blocks at `rowsAt` (f32 or
 * f16) into the code blocks at `codesAt` (codeBytes each, block for block), from the values as
 * stored (f16 rounded, as they are scored). Returns the largest norm of those rows (Infinity if a
 * value is not finite: the index then searches without the pre-filter).
 *
 * Row r gets codes c = round(x / s), s = max|x| / 127, and a header entry: -64 * sum(c) (the query
 * codes' bias, taken off in the kernel), s, A = s |c| and B = |x - s c| + kappa |x|, the last two
 * rounded up (any codes would do: the header describes the codes actually stored). kappa bounds
 * the f32 rounding of an exact score relative to |q| |x|: recursive summation of `dims` products
 * errs by at most gamma(dims + 1) sum|q_i x_i| <= gamma |q| |x|, gamma(n) = n u / (1 - n u); kappa
 * takes n = dims + 2 and 1% more.
 */
export function encodeCodes(
  buffer: ArrayBuffer | SharedArrayBuffer,
  rowsAt: number,
  codesAt: number,
  precision: ExactPrecision,
  dim: number,
  from: number,
  to: number,
  simd?: { kernels: ExactKernels; sums: number; decode: number },
): number {
  const dims = storedDims(dim);
  const bytes = blockBytes(precision, dims);
  const codeBlock = codeBytes(dims);
  const dims4 = codeDims(dims);
  const f32 = new Float32Array(buffer);
  const u16 = new Uint16Array(buffer);
  const i32 = new Int32Array(buffer);
  const i8 = new Int8Array(buffer);
  const table = precision === 'f16' ? halves() : new Float32Array(0);
  const half = precision === 'f16';
  const pad = 1 + 2 ** -20;
  const n = dims + 2;
  const kappa = 1.01 * ((n * U) / (1 - n * U));
  if (simd?.kernels.encodeCodes) {
    // the kernel codes a block and sums; the header is finished here
    const encode = simd.kernels.encodeCodes.bind(simd.kernels);
    const f64 = new Float64Array(buffer);
    const at4 = simd.sums >> 2;
    const at8 = simd.sums >> 3;
    let most = 0;
    for (let block = Math.floor(from / BLOCK_ROWS); block * BLOCK_ROWS < to; block++) {
      const first = Math.max(from - block * BLOCK_ROWS, 0);
      const last = Math.min(to - block * BLOCK_ROWS, BLOCK_ROWS);
      const head = codesAt + block * codeBlock;
      encode(rowsAt + block * bytes, half ? 1 : 0, simd.decode, dim, dims, dims4, head + 256, simd.sums);
      for (let lane = first; lane < last; lane++) {
        const s = f32[at4 + lane];
        const xx = f64[at8 + 40 + lane];
        const finite = Number.isFinite(xx);
        i32[(head >> 2) + lane] = -64 * i32[at4 + 16 + lane];
        f32[(head >> 2) + 16 + lane] = s;
        f32[(head >> 2) + 32 + lane] = f32Up(s * Math.sqrt(i32[at4 + 32 + lane]) * pad);
        f32[(head >> 2) + 48 + lane] = finite
          ? f32Up((Math.sqrt(f64[at8 + 24 + lane]) + kappa * Math.sqrt(xx)) * pad)
          : 0;
        const norm = finite ? Math.sqrt(xx) : Number.POSITIVE_INFINITY;
        if (norm > most) most = norm;
      }
    }
    return most;
  }
  // a block at a time (its values copied out once), then a row at a time with the sums in locals
  const block16 = new Float64Array(dim * BLOCK_ROWS);
  let most = 0;
  for (let block = Math.floor(from / BLOCK_ROWS); block * BLOCK_ROWS < to; block++) {
    const first = Math.max(from - block * BLOCK_ROWS, 0);
    const last = Math.min(to - block * BLOCK_ROWS, BLOCK_ROWS);
    const values = rowsAt + block * bytes;
    const head = codesAt + block * codeBlock;
    if (half) for (let j = 0, at = values >> 1; j < block16.length; j++) block16[j] = table[u16[at + j]];
    else for (let j = 0, at = values >> 2; j < block16.length; j++) block16[j] = f32[at + j];
    for (let lane = first; lane < last; lane++) {
      let max = 0;
      for (let d = 0; d < dim; d++) {
        const v = block16[d * BLOCK_ROWS + lane];
        const a = v < 0 ? -v : v;
        if (a > max) max = a;
      }
      let s = Math.fround(max / 127);
      if (!(s > 0 && s < Number.POSITIVE_INFINITY)) s = 0;
      const inverse = s > 0 ? 1 / s : 0;
      const codes = head + 256 + lane * 4;
      let sum = 0;
      let cc = 0;
      let ee = 0;
      let xx = 0;
      for (let d = 0; d < dim; d++) {
        const v = block16[d * BLOCK_ROWS + lane];
        // round half up (|v * inverse| <= 127 and a bit): faster than Math.round here; NaN -> -128
        const c = Math.min(127, Math.max(-127, ((v * inverse + 128.5) | 0) - 128));
        i8[codes + (d >> 2) * 64 + (d & 3)] = c;
        sum += c;
        cc += c * c;
        const e = v - s * c;
        ee += e * e;
        xx += v * v;
      }
      for (let d = dim; d < dims4; d++) i8[codes + (d >> 2) * 64 + (d & 3)] = 0;
      // NaN or an infinity anywhere in the row makes its sum of squares NaN or infinite
      const finite = Number.isFinite(xx);
      i32[(head >> 2) + lane] = -64 * sum;
      f32[(head >> 2) + 16 + lane] = s;
      f32[(head >> 2) + 32 + lane] = f32Up(s * Math.sqrt(cc) * pad);
      f32[(head >> 2) + 48 + lane] = finite ? f32Up((Math.sqrt(ee) + kappa * Math.sqrt(xx)) * pad) : 0;
      const norm = finite ? Math.sqrt(xx) : Number.POSITIVE_INFINITY;
      if (norm > most) most = norm;
    }
  }
  return most;
}

/** Bytes of the pre-filter's query area: GROUP queries' codes as pairs, then 16 bytes a query. */
export function queryCodeBytes(dims: number): number {
  return GROUP * codeDims(dims) + GROUP * 16;
}

/**
 * Writes `count` queries' codes (biased, in pairs: 8 bytes per 4 dimensions, query 0 then 1) at
 * `at` and their bound parameters after them (t, |e|, |q| and an absolute margin; see exact.wat).
 * Returns the largest query norm (Infinity when a value is not finite).
 *
 * u = round(q / t), t = max|q| / 63, |u| <= 63, stored as u + 64 (the relaxed dot's second operand
 * must stay within 7 bits). |e| and |q| carry 2^-20 to spare relative to themselves and |e| also
 * 16u t |u|: more than the f32 rounding of the kernel's bound (a few roundings of terms that are
 * at most A t |u|, A |e| and B |q|). The absolute margin 2^-110 exceeds any underflow in either
 * the bound or the exact score.
 */
export function writeQueryCodes(
  buffer: ArrayBuffer | SharedArrayBuffer,
  at: number,
  dim: number,
  queries: Float32Array,
  count: number,
): number {
  const dims4 = codeDims(storedDims(dim));
  const pairs = Math.ceil(count / 2);
  const codes = new Uint8Array(buffer, at, pairs * dims4 * 2);
  codes.fill(64);
  const params = new Float32Array(buffer, at + GROUP * dims4, count * 4);
  const pad = 1 + 2 ** -20;
  let most = 0;
  for (let i = 0; i < count; i++) {
    const o = i * dim;
    let max = 0;
    let finite = true;
    for (let d = 0; d < dim; d++) {
      const a = Math.abs(queries[o + d]);
      if (!Number.isFinite(a)) finite = false;
      else if (a > max) max = a;
    }
    let t = Math.fround(max / 63);
    if (!(t > 0) || !finite) t = 0;
    const base = (i >> 1) * dims4 * 2 + (i & 1) * 4;
    let uu = 0;
    let ee = 0;
    let qq = 0;
    for (let d = 0; d < dim; d++) {
      const v = queries[o + d];
      const u = t > 0 ? Math.max(-63, Math.min(63, Math.round(v / t))) : 0;
      codes[base + (d >> 2) * 8 + (d & 3)] = u + 64;
      uu += u * u;
      const e = v - t * u;
      ee += e * e;
      qq += v * v;
    }
    params[i * 4] = t;
    params[i * 4 + 1] = f32Up(Math.sqrt(ee) * pad + 16 * U * t * Math.sqrt(uu));
    params[i * 4 + 2] = f32Up(Math.sqrt(qq) * pad * (1 + 16 * U));
    params[i * 4 + 3] = 2 ** -110;
    most = Math.max(most, finite ? Math.sqrt(qq) : Number.POSITIVE_INFINITY);
  }
  return most;
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
  /**
   * Where the pre-filter's code blocks start (codeBytes(dims) each, in the order of the stored
   * blocks), or 0: search without the pre-filter. When set, the query codes are at queryCodesAt
   * (see writeQueryCodes).
   */
  codesAt: number;
  queryCodesAt: number;
  /** A share of fewer rows than this is scanned without the pre-filter. */
  prefilterMinRows: number;
}

/** Scratch bytes one thread needs: thresholds, 128 bytes for the kernel, candidates, a decoded block. */
export function slotBytes(dims: number): number {
  return Math.ceil((GROUP * 4 + 128 + CELLS * 12 + dims * 64) / 64) * 64;
}

/** Where a thread's scratch areas are, from its slot's start (see slotBytes). */
export function slotAreas(
  slotAt: number,
  _dims: number,
): { thresholdsAt: number; scratchAt: number; candidatesAt: number; decodeAt: number } {
  const scratchAt = slotAt + GROUP * 4;
  const candidatesAt = scratchAt + 128;
  return { thresholdsAt: slotAt, scratchAt, candidatesAt, decodeAt: candidatesAt + CELLS * 12 };
}

/** Bytes of the query area (GROUP queries as pairs). */
export function queryBytes(dims: number): number {
  return GROUP * dims * 4;
}

/**
 * Scores rows [start, end) (start a multiple of 16) against the `nq` queries in the query area
 * and pushes every score that can enter a query's top k into tops[i], skipping removed rows and
 * rows the filter rejects (the filter sees only those candidates). Rows are scanned in order, so
 * a tie never displaces an earlier (lower) row, as TopK wants. Returns how many rows' pre-filter
 * bounds reached a threshold, or -1 if the scan did not use the pre-filter.
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
): number {
  const { thresholdsAt, scratchAt, candidatesAt, decodeAt } = slotAreas(slotAt, layout.dims);
  const thresholds = new Float32Array(memory.buffer, thresholdsAt, nq);
  thresholds.fill(Number.NEGATIVE_INFINITY);
  // a call may return every score it computes (thresholds still -Infinity): CELLS at most
  const most = Math.max(BLOCK_ROWS, Math.floor(CELLS / nq / BLOCK_ROWS) * BLOCK_ROWS);
  const prefilter =
    layout.codesAt > 0 && kernels.searchPrefiltered !== undefined && end - start >= layout.prefilterMinRows;
  let rows = Math.min(most, FIRST_ROWS);
  // With the pre-filter, calls grow from FIRST_ROWS by doubling: the bound skips rows only once
  // the thresholds are high, and they rise as often as a call ends. The first call takes the
  // plain kernel (no threshold yet: every bound passes). The top k does not depend on where the
  // calls end: it is the k best by (score, then lower row), and every score above a query's
  // threshold at the start of a call is handed over.
  for (let r = start, first = true; r < end; r += rows, rows = prefilter ? Math.min(most, 2 * rows) : most) {
    const valid = Math.min(rows, end - r);
    const blocks = Math.ceil(valid / BLOCK_ROWS);
    const x = layout.rowsAt + (r / BLOCK_ROWS) * layout.blockBytes;
    const count =
      prefilter && !first && kernels.searchPrefiltered
        ? kernels.searchPrefiltered(
            layout.queryAt,
            nq,
            layout.dims * 8,
            x,
            blocks,
            layout.dims,
            layout.kind,
            layout.blockBytes,
            decodeAt,
            thresholdsAt,
            r,
            valid,
            candidatesAt,
            scratchAt,
            layout.codesAt + (r / BLOCK_ROWS) * codeBytes(layout.dims),
            layout.queryCodesAt,
            layout.queryCodesAt + GROUP * codeDims(layout.dims),
            codeDims(layout.dims),
          )
        : kernels.search(
            layout.queryAt,
            nq,
            layout.dims * 8,
            x,
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
    first = false;
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
  return prefilter && kernels.survivors ? kernels.survivors() : -1;
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
  codesAt: 15,
  queryCodesAt: 16,
  /** Set by the worker: rows whose pre-filter bound reached a threshold. */
  survivors: 17,
  prefilterMinRows: 18,
  length: 19,
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
