import { SmyslError } from '../errors.js';
import { TopK } from '../util/topk.js';
import { createMatrix } from './dense.js';
import { registerStepRestorer, type StepState, type VectorStep } from './postprocess.js';
import type { DenseMatrix } from './types.js';

/** Where full-precision rows come from when rescoring (a matrix, or a reader over a file). */
export type RowSource = DenseMatrix | ((row: number, into: Float32Array) => void);

function readRow(source: RowSource, rowNumber: number, into: Float32Array): void {
  if (typeof source === 'function') source(rowNumber, into);
  else into.set(source.data.subarray(rowNumber * source.dim, (rowNumber + 1) * source.dim));
}

export interface QuantizedHit {
  row: number;
  score: number;
}

/** Exact dot products of `query` with candidate rows; best `k` first. */
function rescore(query: Float32Array, candidates: number[], k: number, full: RowSource): QuantizedHit[] {
  const buffer = new Float32Array(query.length);
  const top = new TopK(k);
  for (const c of candidates) {
    readRow(full, c, buffer);
    let s = 0;
    for (let j = 0; j < query.length; j++) s += query[j] * buffer[j];
    top.push(c, s);
  }
  const { items, scores } = top.sorted();
  return items.map((row, i) => ({ row, score: scores[i] }));
}

/**
 * int8 scalar quantization with a per-dimension affine range: code = round((x − min) / step) − 128.
 * 4x smaller than float32; search scores codes against the float query, then rescoring the top
 * candidates with full-precision rows restores exact order.
 */
export class Int8Quantization implements VectorStep {
  readonly kind = 'int8';
  readonly label = 'int8';
  readonly needsFit = true;
  min?: Float32Array;
  step?: Float32Array;
  get fitted(): boolean {
    return this.min !== undefined;
  }
  fit(m: DenseMatrix): void {
    const min = new Float32Array(m.dim).fill(Number.POSITIVE_INFINITY);
    const max = new Float32Array(m.dim).fill(Number.NEGATIVE_INFINITY);
    for (let r = 0; r < m.rows; r++) {
      const o = r * m.dim;
      for (let j = 0; j < m.dim; j++) {
        const x = m.data[o + j];
        if (x < min[j]) min[j] = x;
        if (x > max[j]) max[j] = x;
      }
    }
    this.min = min;
    this.step = Float32Array.from(min, (lo, j) => (max[j] > lo ? (max[j] - lo) / 255 : 1));
  }
  private check(m: DenseMatrix): void {
    if (!this.fitted) throw new SmyslError('E_STATE', 'int8 quantization is not fitted');
    if (m.dim !== this.min!.length)
      throw new SmyslError(
        'E_INPUT',
        `int8 quantization was fitted on dimension ${this.min!.length}, got ${m.dim}`,
      );
  }
  encode(m: DenseMatrix): Int8Array {
    this.check(m);
    const codes = new Int8Array(m.rows * m.dim);
    const min = this.min!;
    const step = this.step!;
    for (let r = 0; r < m.rows; r++) {
      const o = r * m.dim;
      for (let j = 0; j < m.dim; j++) {
        const q = Math.round((m.data[o + j] - min[j]) / step[j]);
        codes[o + j] = Math.max(0, Math.min(255, q)) - 128;
      }
    }
    return codes;
  }
  decode(codes: Int8Array, rows: number): DenseMatrix {
    const dim = this.min!.length;
    const out = createMatrix(rows, dim);
    for (let r = 0; r < rows; r++)
      for (let j = 0; j < dim; j++)
        out.data[r * dim + j] = this.min![j] + (codes[r * dim + j] + 128) * this.step![j];
    return out;
  }
  /** Round trip through int8: shows what quantization does to the vectors (for reports). */
  transform(m: DenseMatrix): DenseMatrix {
    return this.decode(this.encode(m), m.rows);
  }
  /**
   * Top-k rows by dot product: approximate scores over int8 codes for all rows, then exact
   * rescoring of the best `k * rescoreFactor` candidates with full-precision rows.
   */
  search(
    query: Float32Array,
    codes: Int8Array,
    rows: number,
    k: number,
    full: RowSource,
    rescoreFactor = 4,
  ): QuantizedHit[] {
    const dim = this.min!.length;
    // q . (min + (c + 128) * step) = q.min + 128 * (q*step).1 + (q*step) . c
    const scaled = new Float64Array(dim);
    let constant = 0;
    for (let j = 0; j < dim; j++) {
      scaled[j] = query[j] * this.step![j];
      constant += query[j] * this.min![j] + 128 * scaled[j];
    }
    const top = new TopK(Math.min(rows, k * rescoreFactor));
    for (let r = 0; r < rows; r++) {
      const o = r * dim;
      let s = constant;
      for (let j = 0; j < dim; j++) s += scaled[j] * codes[o + j];
      top.push(r, s);
    }
    return rescore(query, top.sorted().items, k, full);
  }
  state(): StepState {
    if (!this.fitted) throw new SmyslError('E_STATE', 'int8 quantization is not fitted');
    return { kind: 'int8', settings: {}, arrays: { min: this.min!, step: this.step! } };
  }
}

const POPCOUNT8 = Uint8Array.from({ length: 256 }, (_, i) => {
  let c = 0;
  for (let x = i; x; x >>= 1) c += x & 1;
  return c;
});

/**
 * 1-bit quantization: bit j is set when x_j exceeds the fitted per-dimension mean. 32x smaller than
 * float32; Hamming distance picks candidates, full-precision rescoring orders them.
 */
export class BinaryQuantization implements VectorStep {
  readonly kind = 'binary';
  readonly label = 'binary';
  readonly needsFit = true;
  threshold?: Float32Array;
  get fitted(): boolean {
    return this.threshold !== undefined;
  }
  /** Bytes per encoded row. */
  get bytesPerRow(): number {
    return Math.ceil(this.threshold!.length / 8);
  }
  fit(m: DenseMatrix): void {
    const mean = new Float64Array(m.dim);
    for (let r = 0; r < m.rows; r++) for (let j = 0; j < m.dim; j++) mean[j] += m.data[r * m.dim + j];
    this.threshold = Float32Array.from(mean, (s) => s / Math.max(1, m.rows));
  }
  encode(m: DenseMatrix): Uint8Array {
    if (!this.fitted) throw new SmyslError('E_STATE', 'binary quantization is not fitted');
    if (m.dim !== this.threshold!.length)
      throw new SmyslError(
        'E_INPUT',
        `binary quantization was fitted on dimension ${this.threshold!.length}, got ${m.dim}`,
      );
    const bytes = this.bytesPerRow;
    const codes = new Uint8Array(m.rows * bytes);
    for (let r = 0; r < m.rows; r++)
      for (let j = 0; j < m.dim; j++)
        if (m.data[r * m.dim + j] > this.threshold![j]) codes[r * bytes + (j >> 3)] |= 1 << (j & 7);
    return codes;
  }
  /** ±1 per dimension: the sign pattern the codes keep (for reports). */
  transform(m: DenseMatrix): DenseMatrix {
    const codes = this.encode(m);
    const bytes = this.bytesPerRow;
    const out = createMatrix(m.rows, m.dim);
    for (let r = 0; r < m.rows; r++)
      for (let j = 0; j < m.dim; j++)
        out.data[r * m.dim + j] = codes[r * bytes + (j >> 3)] & (1 << (j & 7)) ? 1 : -1;
    return out;
  }
  search(
    query: Float32Array,
    codes: Uint8Array,
    rows: number,
    k: number,
    full: RowSource,
    rescoreFactor = 10,
  ): QuantizedHit[] {
    const bytes = this.bytesPerRow;
    const q = this.encode({ rows: 1, dim: query.length, data: query });
    const top = new TopK(Math.min(rows, k * rescoreFactor));
    for (let r = 0; r < rows; r++) {
      const o = r * bytes;
      let distance = 0;
      for (let b = 0; b < bytes; b++) distance += POPCOUNT8[codes[o + b] ^ q[b]];
      top.push(r, -distance);
    }
    return rescore(query, top.sorted().items, k, full);
  }
  state(): StepState {
    if (!this.fitted) throw new SmyslError('E_STATE', 'binary quantization is not fitted');
    return { kind: 'binary', settings: {}, arrays: { threshold: this.threshold! } };
  }
}

registerStepRestorer('int8', (s) => {
  const q = new Int8Quantization();
  q.min = s.arrays.min;
  q.step = s.arrays.step;
  return q;
});
registerStepRestorer('binary', (s) => {
  const q = new BinaryQuantization();
  q.threshold = s.arrays.threshold;
  return q;
});
