import { SmyslError } from '../errors.js';
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
      if (!filter || filter(this.ids[d])) heap.offer(d, scores[d]);
      scores[d] = 0;
      seen[d] = 0;
    }
    return heap.sorted().map(([row, score]) => ({ id: this.ids[row], row, score }));
  }
}

/** Keeps the k best (row, score) pairs in a min-heap; ties prefer the lower row. */
export class TopK {
  private readonly rows: Int32Array;
  private readonly scores: Float64Array;
  private size = 0;

  constructor(readonly k: number) {
    this.rows = new Int32Array(Math.max(0, k));
    this.scores = new Float64Array(Math.max(0, k));
  }

  /** a is worse than b: lower score, or equal score and higher row. */
  private worse(i: number, j: number): boolean {
    const a = this.scores[i];
    const b = this.scores[j];
    return a < b || (a === b && this.rows[i] > this.rows[j]);
  }

  offer(row: number, score: number): void {
    if (this.k <= 0) return;
    if (this.size < this.k) {
      let i = this.size++;
      this.rows[i] = row;
      this.scores[i] = score;
      while (i > 0) {
        const parent = (i - 1) >> 1;
        if (!this.worse(i, parent)) break;
        this.swap(i, parent);
        i = parent;
      }
      return;
    }
    const rootScore = this.scores[0];
    if (score < rootScore || (score === rootScore && row > this.rows[0])) return;
    this.rows[0] = row;
    this.scores[0] = score;
    let i = 0;
    while (true) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < this.size && this.worse(l, m)) m = l;
      if (r < this.size && this.worse(r, m)) m = r;
      if (m === i) break;
      this.swap(i, m);
      i = m;
    }
  }

  private swap(i: number, j: number): void {
    const r = this.rows[i];
    this.rows[i] = this.rows[j];
    this.rows[j] = r;
    const s = this.scores[i];
    this.scores[i] = this.scores[j];
    this.scores[j] = s;
  }

  /** Best first. */
  sorted(): [number, number][] {
    const out: [number, number][] = [];
    for (let i = 0; i < this.size; i++) out.push([this.rows[i], this.scores[i]]);
    return out.sort((a, b) => b[1] - a[1] || a[0] - b[0]);
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
