/**
 * smysl's root API: what the README documents. Everything else is exported by pipeline stage:
 * `smysl/corpus`, `smysl/text` (and `smysl/text/subword`), `smysl/embed`, `smysl/vectors`,
 * `smysl/index`, `smysl/store`, `smysl/tasks`, `smysl/eval`, `smysl/server`.
 * (Biome's import sorting is off for this file so the stages stay in pipeline order.)
 */

// shared
export { type ErrorCode, isSmyslError, type Location, SmyslError } from './errors.js';
export type { LongRunning, Progress } from './util/progress.js';
export { VERSION } from './version.js';

// corpus: files, folders, JSON Lines, JSON, CSV/TSV, plain text → documents
export { type Document, type ReadOptions, readDocuments } from './corpus/index.js';

// text
export { splitSentences, tokenize } from './text/index.js';

// embed: every method behind one contract, by name
export {
  createEmbedder,
  type DenseEmbedder,
  type Embedder,
  embedFor,
  listEmbedders,
  loadEmbedder,
  type SparseEmbedder,
} from './embed/index.js';

// vectors: conveniences over what embedders return
export type { DenseMatrix, SparseMatrix } from './vectors/types.js';
export { similarity, toArrays, type Vector, type Vectors } from './vectors/convenience.js';

// search in memory
export {
  type SemanticSearchHit,
  type SemanticSearchOptions,
  semanticSearch,
} from './index/semantic-search.js';

// collections on disk: documents, chunks, vectors, HNSW graph, lexical index, hybrid search
export {
  type AddSummary,
  Collection,
  type CreateCollectionOptions,
  type OpenCollectionOptions,
  type SearchOptions,
  type SearchResult,
} from './store/index.js';
