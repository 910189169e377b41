/**
 * smysl's public API. Grouped by pipeline stage (corpus → text → embed → vectors → index →
 * tasks → eval); each group re-exports its stage's public surface.
 */

// corpus
export type { Document, InputProblem } from './corpus/types.js';
// embed
export type { DenseEmbedder, Embedder, FitOptions, SparseEmbedder } from './embed/types.js';
// shared
export { type ErrorCode, isSmyslError, type Location, SmyslError } from './errors.js';
// text
export * from './text/index.js';

// text: subword tokenizers
export * from './text/subword/index.js';
export type { LongRunning, Progress } from './util/progress.js';

// embed: sparse

// embed: static word vectors (training)

// embed: static word vectors (queries, formats, evaluation)

// embed: transformer
export * from './embed/transformer/index.js';

// vectors
export type { DenseMatrix, SparseMatrix } from './vectors/types.js';

// index and store

// tasks

// eval
