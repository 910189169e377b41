import type { DenseMatrix } from '../vectors/types.js';

export interface Hit {
  id: string;
  score: number;
}

/**
 * The search interface every index implements — exact, HNSW, and the sparse inverted index
 * (queries there are SparseMatrix rows). Scores: higher is closer.
 */
export interface Index<Q = DenseMatrix> {
  readonly size: number;
  add(ids: string[], vectors: Q): void;
  search(queries: Q, k: number, filter?: (id: string) => boolean): Hit[][];
  save(dir: string): Promise<void>;
}

/** Row-level results: row numbers (labels) and scores, best first. */
export interface RowHits {
  rows: number[];
  scores: number[];
}

/** How vectors are compared. `cosine` normalizes on add and query and compares by dot product. */
export type IndexMetric = 'cosine' | 'dot' | 'euclidean';

/**
 * What the store needs from a dense index: rows are numbered 0..n−1 in insertion order and the row
 * number is the label, so the store's SQLite tables can point at vectors without a string map.
 */
export interface RowIndex {
  readonly metric: IndexMetric;
  readonly dim: number;
  /** Rows added (including removed ones). */
  readonly rowCount: number;
  /** Appends rows numbered rowCount, rowCount+1, … */
  addRows(vectors: DenseMatrix): void;
  /** Removed rows never come back in results. */
  remove(row: number): void;
  searchRows(query: Float32Array, k: number, filter?: (row: number) => boolean): RowHits;
  saveTo(file: string): void;
  close?(): void;
}
