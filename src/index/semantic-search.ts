import { SmyslError } from '../errors.js';
import { asMatrix, isSparseMatrix, type Vectors } from '../vectors/convenience.js';
import { normalizeRows } from '../vectors/sparse.js';
import type { SparseMatrix } from '../vectors/types.js';
import { ExactIndex } from './exact.js';
import { InvertedIndex } from './inverted.js';

export interface SemanticSearchOptions {
  /** Hits per query (default 10). */
  k?: number;
  /** cosine (default) or the raw dot product. */
  metric?: 'cosine' | 'dot';
}

/** One hit: the row of the corpus and its score, higher is closer. */
export interface SemanticSearchHit {
  corpusId: number;
  score: number;
}

/**
 * Exact in-memory search: the `k` corpus rows closest to each query, best first (ties: the
 * earlier row), as sentence-transformers' `util.semantic_search`. Dense vectors are scanned
 * in full; sparse ones (bow, tfidf, bm25) go through an inverted index. For collections that
 * live on disk, grow, or need filters and hybrid ranking, use `Collection`.
 */
export function semanticSearch(
  queries: Vectors,
  corpus: Vectors,
  options: SemanticSearchOptions = {},
): SemanticSearchHit[][] {
  const k = options.k ?? 10;
  if (!Number.isInteger(k) || k < 1) throw new SmyslError('E_USAGE', `k must be an integer >= 1, got ${k}`);
  const metric = options.metric ?? 'cosine';
  const q = asMatrix(queries);
  const c = asMatrix(corpus);
  if (isSparseMatrix(q) !== isSparseMatrix(c))
    throw new SmyslError('E_USAGE', 'queries and corpus must both be dense or both sparse');
  if (isSparseMatrix(q) && isSparseMatrix(c)) {
    const unit = (m: SparseMatrix) =>
      metric === 'cosine' ? normalizeRows({ ...m, data: Float32Array.from(m.data) }) : m;
    return new InvertedIndex(unit(c))
      .search(unit(q), k)
      .map((hits) => hits.map((h) => ({ corpusId: h.row, score: h.score })));
  }
  if (isSparseMatrix(q) || isSparseMatrix(c)) throw new SmyslError('E_STATE', 'unreachable');
  const index = new ExactIndex(c.dim, { metric, threads: 1 });
  index.addRows(c);
  return index
    .searchBatch(q, k)
    .map((hits) => hits.rows.map((row, i) => ({ corpusId: row, score: hits.scores[i] })));
}
