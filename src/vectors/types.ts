/** Row-major dense matrix: row i occupies data[i*dim .. (i+1)*dim). */
export interface DenseMatrix {
  rows: number;
  dim: number;
  data: Float32Array;
}

/** Compressed sparse row matrix: row i's entries are indices/data[indptr[i] .. indptr[i+1]). */
export interface SparseMatrix {
  rows: number;
  cols: number;
  indptr: Int32Array;
  indices: Int32Array;
  data: Float32Array;
}
