/**
 * How a student's table is stored on disk: f32, f16 (IEEE half, round to nearest even) or
 * int8 with one float32 scale per row (symmetric: row = scale · q, q in [-127, 127]).
 * `quantize` returns both the bytes to write and the float table they decode to, so a model
 * in memory embeds exactly as the same model read back from disk.
 */
import { SmyslError } from '../../errors.js';

export type TableStorage = 'f32' | 'f16' | 'int8';

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** float32 → IEEE 754 half bits, round to nearest even (overflow → ±inf, NaN kept). */
export function floatToHalf(value: number): number {
  f32[0] = value;
  const x = u32[0];
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  let mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  const e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - e;
    const half = 1 << (shift - 1);
    let h = mant >>> shift;
    const rest = mant & ((1 << shift) - 1);
    if (rest > half || (rest === half && h & 1)) h++;
    return sign | h;
  }
  let h = (e << 10) | (mant >>> 13);
  const rest = mant & 0x1fff;
  if (rest > 0x1000 || (rest === 0x1000 && h & 1)) h++;
  return sign | h;
}

/** IEEE 754 half bits → number. */
export function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >>> 10) & 0x1f;
  const mant = h & 0x3ff;
  if (exp === 0) return sign * mant * 2 ** -24;
  if (exp === 0x1f) return mant ? Number.NaN : sign * Number.POSITIVE_INFINITY;
  return sign * (1 + mant / 1024) * 2 ** (exp - 15);
}

export interface StoredTable {
  storage: TableStorage;
  /** What goes to disk (for int8: rows float32 scales, then rows x dim int8). */
  bytes: Uint8Array;
  /** The table the bytes decode to. */
  decoded: Float32Array;
}

/** Encodes a rows x dim table for storage and decodes it back. */
export function quantizeTable(
  table: Float32Array,
  rows: number,
  dim: number,
  storage: TableStorage,
): StoredTable {
  if (storage === 'f32') {
    const copy = table.slice();
    return { storage, bytes: new Uint8Array(copy.buffer), decoded: copy };
  }
  if (storage === 'f16') {
    const halves = new Uint16Array(table.length);
    for (let i = 0; i < table.length; i++) halves[i] = floatToHalf(table[i]);
    const bytes = new Uint8Array(halves.buffer);
    return { storage, bytes, decoded: decodeTable(bytes, rows, dim, storage) };
  }
  const buffer = new ArrayBuffer(rows * 4 + rows * dim);
  const scales = new Float32Array(buffer, 0, rows);
  const q = new Int8Array(buffer, rows * 4, rows * dim);
  for (let r = 0; r < rows; r++) {
    let max = 0;
    for (let j = 0; j < dim; j++) max = Math.max(max, Math.abs(table[r * dim + j]));
    const scale = max / 127;
    scales[r] = scale;
    if (scale === 0) continue;
    const inv = 1 / scales[r];
    for (let j = 0; j < dim; j++) q[r * dim + j] = Math.round(table[r * dim + j] * inv);
  }
  const bytes = new Uint8Array(buffer);
  return { storage, bytes, decoded: decodeTable(bytes, rows, dim, storage) };
}

/** Decodes stored table bytes (a copy; the bytes may be any Buffer slice). */
export function decodeTable(
  bytes: Uint8Array,
  rows: number,
  dim: number,
  storage: TableStorage,
): Float32Array {
  const expected =
    storage === 'f32' ? rows * dim * 4 : storage === 'f16' ? rows * dim * 2 : rows * 4 + rows * dim;
  if (bytes.byteLength !== expected)
    throw new SmyslError(
      'E_FORMAT',
      `table has ${bytes.byteLength} bytes, expected ${expected} (${rows} x ${dim} ${storage})`,
    );
  const aligned = new Uint8Array(bytes.byteLength);
  aligned.set(bytes);
  if (storage === 'f32') return new Float32Array(aligned.buffer);
  const out = new Float32Array(rows * dim);
  if (storage === 'f16') {
    const halves = new Uint16Array(aligned.buffer);
    const lut = new Float32Array(65536);
    for (let h = 0; h < 65536; h++) lut[h] = halfToFloat(h);
    for (let i = 0; i < out.length; i++) out[i] = lut[halves[i]];
    return out;
  }
  const scales = new Float32Array(aligned.buffer, 0, rows);
  const q = new Int8Array(aligned.buffer, rows * 4, rows * dim);
  for (let r = 0; r < rows; r++) {
    const s = scales[r];
    for (let j = 0; j < dim; j++) out[r * dim + j] = q[r * dim + j] * s;
  }
  return out;
}
