import { SmyslError } from '../errors.js';
import type { DenseMatrix } from './types.js';

/** A zero-filled rows x dim matrix. */
export function createMatrix(rows: number, dim: number): DenseMatrix {
  return { rows, dim, data: new Float32Array(rows * dim) };
}

/** Builds a matrix from equal-length rows (copies). */
export function matrixFromRows(rows: ArrayLike<number>[], dim?: number): DenseMatrix {
  const d = dim ?? (rows.length > 0 ? rows[0].length : 0);
  const m = createMatrix(rows.length, d);
  for (let i = 0; i < rows.length; i++) {
    if (rows[i].length !== d)
      throw new SmyslError('E_INPUT', `row ${i} has ${rows[i].length} values, expected ${d}`);
    m.data.set(rows[i], i * d);
  }
  return m;
}

/** A view (no copy) of row i. */
export function row(m: DenseMatrix, i: number): Float32Array {
  return m.data.subarray(i * m.dim, (i + 1) * m.dim);
}

/** Rows [start, end) as a matrix view (no copy). */
export function sliceRows(m: DenseMatrix, start: number, end: number): DenseMatrix {
  return { rows: end - start, dim: m.dim, data: m.data.subarray(start * m.dim, end * m.dim) };
}

/** A copy of the selected rows, in the given order. */
export function selectRows(m: DenseMatrix, rows: ArrayLike<number>): DenseMatrix {
  const out = createMatrix(rows.length, m.dim);
  for (let i = 0; i < rows.length; i++) out.data.set(row(m, rows[i]), i * m.dim);
  return out;
}

export function cloneMatrix(m: DenseMatrix): DenseMatrix {
  return { rows: m.rows, dim: m.dim, data: m.data.slice(0, m.rows * m.dim) };
}

/** Stacks matrices with the same dim. */
export function concatRows(parts: DenseMatrix[]): DenseMatrix {
  if (parts.length === 0) return createMatrix(0, 0);
  const dim = parts[0].dim;
  let rows = 0;
  for (const p of parts) {
    if (p.dim !== dim) throw new SmyslError('E_INPUT', `cannot stack dim ${p.dim} under dim ${dim}`);
    rows += p.rows;
  }
  const out = createMatrix(rows, dim);
  let at = 0;
  for (const p of parts) {
    out.data.set(p.data.subarray(0, p.rows * dim), at);
    at += p.rows * dim;
  }
  return out;
}

export function assertSameDim(a: { dim: number }, b: { dim: number }, what = 'vectors'): void {
  if (a.dim !== b.dim) throw new SmyslError('E_INPUT', `${what}: dimension ${a.dim} does not match ${b.dim}`);
}

// ---- single-vector similarities (float64 accumulation: JS numbers are doubles) ----

export function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  const n = a.length;
  for (let i = 0; i < n; i++) s += a[i] * b[i];
  return s;
}

export function norm(a: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * a[i];
  return Math.sqrt(s);
}

/** Cosine similarity; 0 when either vector is all zeros. */
export function cosine(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let ab = 0;
  let aa = 0;
  let bb = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i];
    const y = b[i];
    ab += x * y;
    aa += x * x;
    bb += y * y;
  }
  const d = Math.sqrt(aa * bb);
  return d === 0 ? 0 : ab / d;
}

export function euclidean(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) {
    const d = a[i] - b[i];
    s += d * d;
  }
  return Math.sqrt(s);
}

/** Row L2 norms. */
/**
 * Copies the first `into.length` values of `query` into `into`, scaled to unit length when
 * `unit` (a zero vector stays zero): how indexes prepare a query without allocating.
 */
export function copyQuery<T extends Float32Array | number[]>(
  query: ArrayLike<number>,
  into: T,
  unit: boolean,
): T {
  const dim = into.length;
  let scale = 1;
  if (unit) {
    let s = 0;
    for (let j = 0; j < dim; j++) s += query[j] * query[j];
    scale = s > 0 ? 1 / Math.sqrt(s) : 1;
  }
  for (let j = 0; j < dim; j++) into[j] = query[j] * scale;
  return into;
}

export function rowNorms(m: DenseMatrix): Float64Array {
  const out = new Float64Array(m.rows);
  const { dim, data } = m;
  for (let r = 0; r < m.rows; r++) {
    let s = 0;
    const o = r * dim;
    for (let j = 0; j < dim; j++) s += data[o + j] * data[o + j];
    out[r] = Math.sqrt(s);
  }
  return out;
}

/** Scales each row to unit L2 norm in place (zero rows stay zero). */
export function normalizeRowsInPlace(m: DenseMatrix): DenseMatrix {
  const { dim, data } = m;
  for (let r = 0; r < m.rows; r++) {
    const o = r * dim;
    let s = 0;
    for (let j = 0; j < dim; j++) s += data[o + j] * data[o + j];
    if (s === 0) continue;
    const inv = 1 / Math.sqrt(s);
    for (let j = 0; j < dim; j++) data[o + j] *= inv;
  }
  return m;
}

export type Metric = 'cosine' | 'dot' | 'euclidean';

const QUERY_BLOCK = 4;
const ROW_BLOCK = 256;

/**
 * Batched dot products: out[q * rows + r] = queries[q] . matrix[r]. Blocked over queries and rows
 * so each matrix row is read once per block of queries while it is still in cache.
 */
export function dotBatch(queries: DenseMatrix, matrix: DenseMatrix, out?: Float32Array): Float32Array {
  assertSameDim(queries, matrix);
  const { dim } = matrix;
  const n = matrix.rows;
  const result = out ?? new Float32Array(queries.rows * n);
  const q = queries.data;
  const m = matrix.data;
  for (let r0 = 0; r0 < n; r0 += ROW_BLOCK) {
    const r1 = Math.min(n, r0 + ROW_BLOCK);
    let qi = 0;
    for (; qi + QUERY_BLOCK <= queries.rows; qi += QUERY_BLOCK) {
      const o0 = qi * dim;
      const o1 = o0 + dim;
      const o2 = o1 + dim;
      const o3 = o2 + dim;
      for (let r = r0; r < r1; r++) {
        const or = r * dim;
        let s0 = 0;
        let s1 = 0;
        let s2 = 0;
        let s3 = 0;
        for (let j = 0; j < dim; j++) {
          const x = m[or + j];
          s0 += q[o0 + j] * x;
          s1 += q[o1 + j] * x;
          s2 += q[o2 + j] * x;
          s3 += q[o3 + j] * x;
        }
        result[qi * n + r] = s0;
        result[(qi + 1) * n + r] = s1;
        result[(qi + 2) * n + r] = s2;
        result[(qi + 3) * n + r] = s3;
      }
    }
    for (; qi < queries.rows; qi++) {
      const oq = qi * dim;
      for (let r = r0; r < r1; r++) {
        const or = r * dim;
        let s = 0;
        for (let j = 0; j < dim; j++) s += q[oq + j] * m[or + j];
        result[qi * n + r] = s;
      }
    }
  }
  return result;
}

/** Batched similarity (higher is closer; Euclidean is returned as a distance, lower is closer). */
export function similarityBatch(
  queries: DenseMatrix,
  matrix: DenseMatrix,
  metric: Metric,
  out?: Float32Array,
): Float32Array {
  if (metric === 'euclidean') return euclideanBatch(queries, matrix, out);
  const result = dotBatch(queries, matrix, out);
  if (metric === 'dot') return result;
  const qn = rowNorms(queries);
  const mn = rowNorms(matrix);
  const n = matrix.rows;
  for (let qi = 0; qi < queries.rows; qi++) {
    for (let r = 0; r < n; r++) {
      const at = qi * n + r;
      const d = qn[qi] * mn[r];
      result[at] = d === 0 ? 0 : result[at] / d;
    }
  }
  return result;
}

/**
 * Batched Euclidean distances. Summed from differences rather than |q|²+|x|²−2q·x, which cancels
 * catastrophically for near-duplicate vectors.
 */
export function euclideanBatch(queries: DenseMatrix, matrix: DenseMatrix, out?: Float32Array): Float32Array {
  assertSameDim(queries, matrix);
  const { dim } = matrix;
  const n = matrix.rows;
  const result = out ?? new Float32Array(queries.rows * n);
  const q = queries.data;
  const m = matrix.data;
  for (let r0 = 0; r0 < n; r0 += ROW_BLOCK) {
    const r1 = Math.min(n, r0 + ROW_BLOCK);
    for (let qi = 0; qi < queries.rows; qi++) {
      const oq = qi * dim;
      for (let r = r0; r < r1; r++) {
        const or = r * dim;
        let s = 0;
        for (let j = 0; j < dim; j++) {
          const d = q[oq + j] - m[or + j];
          s += d * d;
        }
        result[qi * n + r] = Math.sqrt(s);
      }
    }
  }
  return result;
}

/** Per-column mean (float64). */
export function columnMeans(m: DenseMatrix): Float64Array {
  const mean = new Float64Array(m.dim);
  const { dim, data } = m;
  for (let r = 0; r < m.rows; r++) {
    const o = r * dim;
    for (let j = 0; j < dim; j++) mean[j] += data[o + j];
  }
  if (m.rows > 0) for (let j = 0; j < dim; j++) mean[j] /= m.rows;
  return mean;
}
