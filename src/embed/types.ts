import type { Document } from '../corpus/types.js';
import type { LongRunning } from '../util/progress.js';
import type { DenseMatrix, SparseMatrix } from '../vectors/types.js';

export type FitOptions = LongRunning;

/**
 * The one contract every method implements — bow, tfidf, bm25, hashing, word2vec, fasttext,
 * glove, transformer. `load(dir)` is a static factory on each class, dispatched by the
 * `method` field of the manifest that `save` writes.
 */
export interface Embedder<V = DenseMatrix | SparseMatrix> {
  readonly name: string;
  readonly kind: 'dense' | 'sparse';
  fit?(docs: AsyncIterable<Document> | Iterable<Document>, opts?: FitOptions): Promise<void>;
  embed(texts: string[]): Promise<V>;
  save(dir: string): Promise<void>;
}

export type DenseEmbedder = Embedder<DenseMatrix> & { readonly kind: 'dense'; readonly dim: number };
export type SparseEmbedder = Embedder<SparseMatrix> & { readonly kind: 'sparse' };
