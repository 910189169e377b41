import { SmyslError } from '../errors.js';
import { matrixFromRows, similarityBatch } from './dense.js';
import { sparseCosine } from './sparse.js';
import type { DenseMatrix, SparseMatrix } from './types.js';

/** One vector: a typed array or a plain array of numbers. */
export type Vector = ArrayLike<number>;

/** Several vectors: a matrix from an embedder, or an array of vectors (one per row). */
export type Vectors = DenseMatrix | SparseMatrix | readonly Vector[];

export function isSparseMatrix(m: unknown): m is SparseMatrix {
  return typeof m === 'object' && m !== null && (m as SparseMatrix).indptr !== undefined;
}

function isMatrix(v: unknown): v is DenseMatrix | SparseMatrix {
  return typeof v === 'object' && v !== null && typeof (v as DenseMatrix).rows === 'number' && 'data' in v;
}

/** Vectors as a matrix: matrices as they are, arrays of vectors copied into rows. */
export function asMatrix(v: Vectors): DenseMatrix | SparseMatrix {
  if (isMatrix(v)) return v;
  const rows = v as readonly Vector[];
  if (rows.length === 0) throw new SmyslError('E_USAGE', 'no vectors');
  return matrixFromRows(rows as ArrayLike<number>[]);
}

/**
 * The rows of a matrix as plain arrays of numbers (sparse rows written out in full), e.g. to
 * print or to send as JSON: `toArrays(await embedder.embed(texts))`.
 */
export function toArrays(m: DenseMatrix | SparseMatrix): number[][] {
  if (isSparseMatrix(m)) {
    return Array.from({ length: m.rows }, (_, r) => {
      const out = new Array<number>(m.cols).fill(0);
      for (let j = m.indptr[r]; j < m.indptr[r + 1]; j++) out[m.indices[j]] = m.data[j];
      return out;
    });
  }
  return Array.from({ length: m.rows }, (_, r) => Array.from(m.data.subarray(r * m.dim, (r + 1) * m.dim)));
}

function isSingleVector(v: Vector | Vectors): v is Vector {
  if (isMatrix(v)) return false;
  if (ArrayBuffer.isView(v)) return true;
  const a = v as ArrayLike<unknown>;
  return a.length > 0 && typeof a[0] === 'number';
}

/**
 * Cosine similarity. Two vectors give a number; two sets of vectors give the matrix of every
 * pair (`result[i][j]` = row i of `a` with row j of `b`), as sentence-transformers'
 * `model.similarity` / `util.cos_sim`. A zero vector has similarity 0 with everything.
 */
export function similarity(a: Vector, b: Vector): number;
export function similarity(a: Vectors, b: Vectors): number[][];
export function similarity(a: Vector | Vectors, b: Vector | Vectors): number | number[][] {
  const single = isSingleVector(a) && isSingleVector(b);
  const ma = asMatrix(isSingleVector(a) ? [a] : a);
  const mb = asMatrix(isSingleVector(b) ? [b] : b);
  const out = pairwiseCosine(ma, mb);
  return single ? out[0][0] : out;
}

function width(m: DenseMatrix | SparseMatrix): number {
  return isSparseMatrix(m) ? m.cols : m.dim;
}

function pairwiseCosine(a: DenseMatrix | SparseMatrix, b: DenseMatrix | SparseMatrix): number[][] {
  if (width(a) !== width(b))
    throw new SmyslError('E_USAGE', `vectors of ${width(a)} and ${width(b)} dimensions cannot be compared`);
  if (!isSparseMatrix(a) && !isSparseMatrix(b)) {
    const flat = similarityBatch(a, b, 'cosine');
    return Array.from({ length: a.rows }, (_, i) => Array.from(flat.subarray(i * b.rows, (i + 1) * b.rows)));
  }
  if (isSparseMatrix(a) && isSparseMatrix(b))
    return Array.from({ length: a.rows }, (_, i) =>
      Array.from({ length: b.rows }, (_, j) => sparseCosine(a, i, b, j)),
    );
  throw new SmyslError('E_USAGE', 'compare dense with dense and sparse with sparse vectors');
}
