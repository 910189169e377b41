/**
 * smysl's public API, one barrel per pipeline stage:
 * corpus → text → embed → vectors → index → store → tasks → eval.
 * (Biome's import sorting is off for this file so the stages stay in pipeline order.)
 */

// shared
export { type ErrorCode, isSmyslError, type Location, SmyslError } from './errors.js';
export type { LongRunning, Progress } from './util/progress.js';

// corpus
export * from './corpus/index.js';

// text (with subword tokenizers)
export * from './text/index.js';
export * from './text/subword/index.js';

// embed
export * from './embed/registry.js';
export { TrigramEmbedder, type TrigramEmbedderOptions } from './embed/trigram.js';
export type { DenseEmbedder, Embedder, FitOptions, SparseEmbedder } from './embed/types.js';
export * from './embed/sparse/index.js';
export * from './embed/static/index.js';
export * from './embed/transformer/index.js';

// vectors
export * from './vectors/index.js';

// index and store
export * from './index/index.js';
export * from './store/index.js';

// tasks
export * from './tasks/index.js';

// eval
export * from './eval/index.js';

// server
export * from './server/index.js';
