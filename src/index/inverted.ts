import { SmyslError } from '../errors.js';
import { TopK } from '../util/topk.js';
import { transposeSparse } from '../vectors/sparse.js';
import type { SparseMatrix } from '../vectors/types.js';

/** One search result: the document's id, its row in the indexed matrix, and its score. */
export interface InvertedHit {
  id: string;
  row: number;
  score: number;
}

/**
 * Top-k search over sparse vectors through postings lists: a query touches only the documents
 * that share a term with it (never a dense pass over the vocabulary or the collection). The
 * score is the dot product of query and document vectors — cosine for l2-normalized TF-IDF, the
 * BM25 score for BM25 document vectors and query term counts.
 */
export class InvertedIndex {
  /** Postings as CSR of the transposed matrix: row t lists the documents containing term t. */
  private readonly postings: SparseMatrix;
  private readonly scores: Float64Array;
  private readonly touched: Int32Array;
  private readonly seen: Uint8Array;

  constructor(
    documents: SparseMatrix,
    readonly ids: readonly string[] = Array.from({ length: documents.rows }, (_, i) => String(i)),
  ) {
    if (ids.length !== documents.rows)
      throw new SmyslError('E_USAGE', `${ids.length} ids for ${documents.rows} document vectors`);
    this.postings = transposeSparse(documents);
    this.scores = new Float64Array(documents.rows);
    this.touched = new Int32Array(documents.rows);
    this.seen = new Uint8Array(documents.rows);
  }

  get size(): number {
    return this.postings.cols;
  }

  get dimension(): number {
    return this.postings.rows;
  }

  /** Best `k` documents for each query row (ties: earlier document first). */
  search(queries: SparseMatrix, k: number, filter?: (id: string) => boolean): InvertedHit[][] {
    if (queries.cols > this.dimension)
      throw new SmyslError(
        'E_USAGE',
        `query dimension ${queries.cols} exceeds the index's ${this.dimension}`,
      );
    const out: InvertedHit[][] = [];
    for (let q = 0; q < queries.rows; q++) {
      const s = queries.indptr[q];
      const e = queries.indptr[q + 1];
      out.push(this.searchVector(queries.indices.subarray(s, e), queries.data.subarray(s, e), k, filter));
    }
    return out;
  }

  /** Best `k` documents for one query given as parallel term/weight arrays. */
  searchVector(
    terms: ArrayLike<number>,
    weights: ArrayLike<number>,
    k: number,
    filter?: (id: string) => boolean,
  ): InvertedHit[] {
    const { postings, scores, touched, seen } = this;
    let nTouched = 0;
    for (let t = 0; t < terms.length; t++) {
      const term = terms[t];
      const w = weights[t];
      if (term >= postings.rows || w === 0) continue;
      for (let p = postings.indptr[term]; p < postings.indptr[term + 1]; p++) {
        const d = postings.indices[p];
        if (!seen[d]) {
          seen[d] = 1;
          touched[nTouched++] = d;
        }
        scores[d] += w * postings.data[p];
      }
    }
    const heap = new TopK(k);
    for (let i = 0; i < nTouched; i++) {
      const d = touched[i];
      if (!filter || filter(this.ids[d])) heap.push(d, scores[d]);
      scores[d] = 0;
      seen[d] = 0;
    }
    const { items, scores: best } = heap.sorted();
    return items.map((row, i) => ({ id: this.ids[row], row, score: best[i] }));
  }
}

/** What SparseSearch needs from a fitted vectorizer (TfidfVectorizer, Bm25Vectorizer, …). */
export interface SparseTextEncoder {
  transform(texts: readonly string[]): SparseMatrix;
  /** Query-side vectors when they differ from documents' (BM25: query term counts). */
  transformQueries?(texts: readonly string[]): SparseMatrix;
}

/**
 * Text search over a sparse representation: documents are vectorized once, queries are
 * analyzed by the very same fitted vectorizer, and the inverted index scores them.
 */
export class SparseSearch {
  readonly index: InvertedIndex;

  constructor(
    readonly encoder: SparseTextEncoder,
    documentVectors: SparseMatrix,
    ids?: readonly string[],
  ) {
    this.index = new InvertedIndex(documentVectors, ids);
  }

  /** Vectorizes `texts` with the (already fitted) encoder and indexes them. */
  static fromTexts(
    encoder: SparseTextEncoder,
    texts: readonly string[],
    ids?: readonly string[],
  ): SparseSearch {
    return new SparseSearch(encoder, encoder.transform(texts), ids);
  }

  search(queries: readonly string[], k: number, filter?: (id: string) => boolean): InvertedHit[][] {
    const q = this.encoder.transformQueries
      ? this.encoder.transformQueries(queries)
      : this.encoder.transform(queries);
    return this.index.search(q, k, filter);
  }
}
