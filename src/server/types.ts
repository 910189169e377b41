import type { CollectionInfo, Passage, Where } from '../store/collection.js';
import type { DenseMatrix } from '../vectors/types.js';

/** A model the server can embed with (e.g. the transformer `minilm`). */
export interface ServedModel {
  readonly name: string;
  readonly dim: number;
  embed(texts: string[]): Promise<DenseMatrix>;
  /** The underlying model object: requests for models with the same key are batched together. */
  readonly key?: object;
  /**
   * Tokens the model sees for one text (after its truncation), for `usage`, the per-request token
   * limit and batch sizes; whitespace-separated words are counted when absent.
   */
  countTokens?(text: string): number;
  /**
   * The model for texts of one role (`/v1/embeddings`' `role`): 'query' or 'document' put the
   * model's prompt for it first (e5's "query: " / "passage: "); absent = roles change nothing.
   */
  withRole?(role: 'query' | 'document'): ServedModel;
}

export interface SearchRequest {
  query: string;
  k: number;
  filter?: Record<string, string | number | boolean>;
  method?: 'dense' | 'sparse' | 'hybrid';
  /** Every matching passage instead of one result per document. */
  passages?: boolean;
}

export interface SearchHit {
  rank: number;
  id: string;
  score: number;
  title?: string;
  snippet?: string;
  /** Words of the snippet the query matches under the collection's analyzer: [start, end) offsets. */
  highlights?: { start: number; end: number }[];
  meta?: Record<string, unknown>;
  /** Each side's rank and raw score (hybrid shows both when both found it). */
  dense?: { rank: number; score: number };
  sparse?: { rank: number; score: number };
  /** Where the passage is: file, lines, character offsets, sentences with marked words. */
  passage?: Passage;
}

/** Contextual vectors of a word, and the sentences that were left out (no form of the word in them). */
export interface ContextResult {
  points: MapPoint[];
  skipped: { sentence: number; text: string }[];
}

/** What the collection routes need from the store; collections are addressed by name only. */
export interface CollectionsBackend {
  list(): Promise<CollectionInfo[]>;
  info(name: string): Promise<CollectionInfo>;
  search(name: string, request: SearchRequest): Promise<SearchHit[]>;
  upsert(
    name: string,
    documents: { id: string; text: string; meta?: Record<string, unknown> }[],
  ): Promise<{ upserted: number }>;
  remove(name: string, id: string): Promise<boolean>;
  deleteDocuments(name: string, request: { ids?: string[]; where?: Where }): Promise<{ deleted: number }>;
  drop(name: string): Promise<{ dropped: boolean }>;
}

export interface MapPoint {
  x: number;
  y: number;
  label: string;
  group?: string;
  highlight?: boolean;
}

export interface MapRequest {
  source: { collection?: string; vectors?: string };
  method: 'pca' | 'tsne' | 'umap';
  color?: string;
  limit: number;
}

/** What the web UI's explorer routes need (maps, word queries, contextual vectors). */
export interface ExplorerBackend {
  sources(): Promise<{ collections: string[]; vectors: string[] }>;
  /** `signal` aborts when the client goes away (a queued or running map is dropped); `timeoutMs` is its time budget. */
  map(request: MapRequest, options?: { signal?: AbortSignal; timeoutMs?: number }): Promise<MapPoint[]>;
  similar(request: { vectors: string; word: string; k: number }): Promise<{ word: string; score: number }[]>;
  analogy(request: {
    vectors: string;
    a: string;
    b: string;
    c: string;
    k: number;
  }): Promise<{ word: string; score: number }[]>;
  context(request: { word: string; sentences: string[] }): Promise<ContextResult>;
}
