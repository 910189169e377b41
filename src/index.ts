/**
 * smysl's public API. Grouped by pipeline stage (corpus → text → embed → vectors → index →
 * tasks → eval); each group re-exports its stage's public surface.
 */

// corpus
export * from './corpus/index.js';
// shared
export { type ErrorCode, isSmyslError, type Location, SmyslError } from './errors.js';
// text
export * from './text/index.js';
export type { LongRunning, Progress } from './util/progress.js';

// text: subword tokenizers

// embed: sparse
export * from './embed/sparse/index.js';
// embed
export type { DenseEmbedder, Embedder, FitOptions, SparseEmbedder } from './embed/types.js';

// embed: static word vectors (training)

// embed: static word vectors (queries, formats, evaluation)

// embed: transformer

// index and store
// index: sparse (inverted index)
export * from './index/inverted.js';
// vectors: sparse
export * from './vectors/sparse.js';
// vectors
export type { DenseMatrix, SparseMatrix } from './vectors/types.js';

// tasks

// eval
export * from './eval/index.js';
