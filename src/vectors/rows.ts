import { SmyslError } from '../errors.js';
import type { DenseMatrix, SparseMatrix } from './types.js';

/** Whether a matrix is sparse (CSR). */
export function isSparse(m: DenseMatrix | SparseMatrix): m is SparseMatrix {
  return (m as SparseMatrix).indptr !== undefined;
}

/** Dense copy of a sparse matrix (refuses absurd sizes instead of exhausting memory). */
export function densify(m: DenseMatrix | SparseMatrix, limit = 200_000_000): DenseMatrix {
  if (!isSparse(m)) return m;
  if (m.rows * m.cols > limit)
    throw new SmyslError(
      'E_USAGE',
      `${m.rows} x ${m.cols} sparse vectors are too large to make dense; use a dense embedder or fewer features`,
    );
  const data = new Float32Array(m.rows * m.cols);
  for (let r = 0; r < m.rows; r++)
    for (let j = m.indptr[r]; j < m.indptr[r + 1]; j++) data[r * m.cols + m.indices[j]] = m.data[j];
  return { rows: m.rows, dim: m.cols, data };
}

/** Cosine similarity of row i of a and row i of b, for every i (0 where a row is all zeros). */
export function rowCosines(a: DenseMatrix | SparseMatrix, b: DenseMatrix | SparseMatrix): Float64Array {
  const out = new Float64Array(a.rows);
  if (isSparse(a) && isSparse(b)) {
    for (let r = 0; r < a.rows; r++) {
      const row = new Map<number, number>();
      let na = 0;
      let nb = 0;
      let dot = 0;
      for (let j = a.indptr[r]; j < a.indptr[r + 1]; j++) {
        row.set(a.indices[j], a.data[j]);
        na += a.data[j] * a.data[j];
      }
      for (let j = b.indptr[r]; j < b.indptr[r + 1]; j++) {
        nb += b.data[j] * b.data[j];
        dot += (row.get(b.indices[j]) ?? 0) * b.data[j];
      }
      out[r] = na > 0 && nb > 0 ? dot / Math.sqrt(na * nb) : 0;
    }
    return out;
  }
  const da = densify(a);
  const db = densify(b);
  const dim = da.dim;
  for (let r = 0; r < da.rows; r++) {
    let dot = 0;
    let na = 0;
    let nb = 0;
    for (let k = 0; k < dim; k++) {
      const x = da.data[r * dim + k];
      const y = db.data[r * dim + k];
      dot += x * y;
      na += x * x;
      nb += y * y;
    }
    out[r] = na > 0 && nb > 0 ? dot / Math.sqrt(na * nb) : 0;
  }
  return out;
}

/** A copy with every row scaled to unit L2 norm (all-zero rows stay zero); dense or sparse. */
export function unitRows<M extends DenseMatrix | SparseMatrix>(m: M): M {
  const data = Float32Array.from(m.data);
  if (isSparse(m)) {
    for (let r = 0; r < m.rows; r++) {
      let n = 0;
      for (let j = m.indptr[r]; j < m.indptr[r + 1]; j++) n += data[j] * data[j];
      n = Math.sqrt(n);
      if (n > 0) for (let j = m.indptr[r]; j < m.indptr[r + 1]; j++) data[j] /= n;
    }
    return { ...m, data };
  }
  const d = m as DenseMatrix;
  for (let r = 0; r < d.rows; r++) {
    let n = 0;
    for (let k = 0; k < d.dim; k++) n += data[r * d.dim + k] ** 2;
    n = Math.sqrt(n);
    if (n > 0) for (let k = 0; k < d.dim; k++) data[r * d.dim + k] /= n;
  }
  return { ...m, data };
}
