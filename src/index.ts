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
export type { DenseEmbedder, Embedder, FitOptions, SparseEmbedder } from './embed/types.js';

// embed: sparse

// embed: static word vectors (training)
export * from './embed/static/index.js';

// embed: static word vectors (queries, formats, evaluation)
export * from './embed/static/word-vectors.js';
export * from './eval/word-vectors.js';

// embed: transformer

// vectors
export type { DenseMatrix, SparseMatrix } from './vectors/types.js';

// index and store

// tasks

// eval
