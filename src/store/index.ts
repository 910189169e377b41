export { CHUNK_DEFAULTS, type ChunkOptions, chunkText, type Span } from './chunk.js';
export {
  type AddOptions,
  type AddSummary,
  COLLECTION_FORMAT,
  Collection,
  type CollectionInfo,
  type CollectionManifest,
  type CreateCollectionOptions,
  DEFAULT_PRECISION,
  type IndexSettings,
  type LexicalRetriever,
  type OpenCollectionOptions,
  type Passage,
  type RepairReport,
  type SearchMethod,
  type SearchOptions,
  type SearchResult,
  type Where,
} from './collection.js';
export { type EmbeddedOpenOptions, EmbeddedStore } from './embedded/store.js';
export type {
  ChunkHit,
  CollectionStore,
  DocumentToWrite,
  StoredChunk,
  StoredDocument,
  StoreStats,
} from './types.js';
