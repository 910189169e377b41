/**
 * smysl's public API. Grouped by pipeline stage (corpus → text → embed → vectors → index →
 * tasks → eval); each group re-exports its stage's public surface.
 */

// corpus
export type { Document, InputProblem } from './corpus/types.js';
// shared
export { type ErrorCode, isSmyslError, type Location, SmyslError } from './errors.js';
// text
export * from './text/index.js';
export type { LongRunning, Progress } from './util/progress.js';

// text: subword tokenizers

// embed
export * from './embed/registry.js';
export { TrigramEmbedder, type TrigramEmbedderOptions } from './embed/trigram.js';
export type { DenseEmbedder, Embedder, FitOptions, SparseEmbedder } from './embed/types.js';

// embed: sparse

// embed: static word vectors (training)

// embed: static word vectors (queries, formats, evaluation)

// embed: transformer

// index and store
export * from './index/index.js';
export * from './store/index.js';
export * from './vectors/index.js';
// vectors
export type { DenseMatrix, SparseMatrix } from './vectors/types.js';

// tasks

// eval
