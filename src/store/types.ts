import type { DocumentSource } from '../corpus/types.js';
import type { WordsStore } from '../embed/types.js';
import type { GraphPrecision } from '../index/usearch.js';
import type { LongRunning } from '../util/progress.js';
import type { DenseMatrix } from '../vectors/types.js';
import type { ChunkOptions, Span } from './chunk.js';
import type { ChunkText, LexicalAnalyzer, LexicalMethod } from './lexical.js';

export type SearchMethod = 'dense' | 'sparse' | 'hybrid';

/**
 * How a collection searches by keywords: smysl's own BM25 or TF-IDF over the chunk texts, or the
 * store's own full-text search (`fts`: PostgreSQL's, ts_rank_cd; stores with `searchLexical`).
 */
export type CollectionLexical = LexicalMethod | 'fts';

export interface IndexSettings {
  type: 'hnsw' | 'exact';
  connectivity: number;
  expansionAdd: number;
  expansionSearch: number;
  /**
   * How the HNSW graph stores vectors: f16 (default), i8 or f32. Collections made before this
   * setting existed have none and are f32.
   */
  precision?: GraphPrecision;
}

export interface CollectionManifest {
  format: number;
  name: string;
  embedder: { method: string; name: string; kind: 'dense' | 'sparse'; dim: number; settings: unknown };
  postprocess: { kind: string; settings: unknown }[];
  metric: 'cosine';
  index: IndexSettings;
  /** `unit` is absent in collections made before chunks were counted in encoder pieces (= words). */
  chunking: ChunkOptions & { maxTokens: number; overlapTokens: number };
  created: string;
  /** Lexical weighting of the built-in sparse search (default bm25), or the store's full-text search. */
  lexical?: CollectionLexical;
  /** Word forms of the lexical index: Snowball stems or lemmas (absent: snowball, as before lemmas). */
  lexicalAnalyzer?: LexicalAnalyzer;
  /** Search method when none is asked for (default hybrid). */
  defaultMethod?: SearchMethod;
  /**
   * Present when the embedder learns the collection's own words (WordLearner), kept in the
   * store's `words()`: the width of their rows. Absent: it does not (or the collection predates it).
   */
  words?: { dim: number };
}

/** Metadata equality filters: every field must hold (compared as text). */
export type Where = Record<string, string | number | boolean>;

/** A document as the store keeps it; `doc` is the store's number for it. */
export interface StoredDocument {
  doc: number;
  id: string;
  title: string;
  text: string;
  meta: Record<string, unknown>;
  /** The file it was read from, when known. */
  source?: DocumentSource;
  /** The input it was indexed from (see DocumentToWrite.root), when recorded. */
  root?: string;
}

/** A chunk: its vector row, its document, and its character span in the document's text. */
export interface StoredChunk {
  row: number;
  doc: number;
  start: number;
  end: number;
}

/** A document to write, with its content hash and its chunks (one vector each, in order). */
export interface DocumentToWrite {
  id: string;
  hash: string;
  title: string;
  text: string;
  meta: Record<string, unknown>;
  spans: Span[];
  source?: DocumentSource;
  /** The input the document was read from (a folder, a file): what `pruneUnder` prunes by. */
  root?: string;
}

/** A document found by dense search, with the chunk row that scored best. */
export interface ChunkHit {
  doc: number;
  row: number;
  score: number;
}

export interface StoreStats {
  documents: number;
  chunks: number;
  /** Vector rows of replaced or deleted documents, reclaimed by compact(). */
  deadRows: number;
  vectorRows: number;
  generation: number;
}

/**
 * The storage seam of a collection: documents, chunks, vectors, generations, transactions and
 * the ANN index live behind it; chunking, embedding, lexical search, fusion and snippets are
 * written once against it (in `Collection`). The embedded store (SQLite + a vectors file + a
 * usearch graph, in one directory) is the implementation in `./embedded`.
 *
 * Promises throughout, so that a store may live behind a network connection. Every write is one
 * transaction: when it resolves, what it wrote survives a crash; when it rejects, nothing of it
 * is visible.
 */
export interface CollectionStore {
  /** Where the collection lives (a directory, or a URL). */
  readonly location: string;
  readonly manifest: CollectionManifest;
  readonly readonly: boolean;
  /** A local directory holding the embedder's and post-processing's saved files. */
  readonly filesDir: string;
  /** Where the embedder's learned words are kept (collections whose manifest says `words`). */
  words(): WordsStore;
  /** Changes with every committed change: caches of derived data (the lexical index) key on it. */
  version(): Promise<string>;
  /** Content hashes of those of `ids` that are stored. */
  hashes(ids: string[]): Promise<Map<string, string>>;
  /**
   * Writes documents in one transaction: each replaces the stored document with its id, if any;
   * its chunks take the next rows of `vectors`, in order.
   */
  write(docs: DocumentToWrite[], vectors: DenseMatrix): Promise<{ added: number; replaced: number }>;
  /** Deletes documents by id in one transaction; returns how many existed. */
  delete(ids: string[]): Promise<number>;
  document(id: string): Promise<StoredDocument | undefined>;
  documents(docs: number[]): Promise<Map<number, StoredDocument>>;
  docNumber(id: string): Promise<number | undefined>;
  /** Document ids by number (results without details). */
  ids(docs: number[]): Promise<string[]>;
  chunks(rows: number[]): Promise<Map<number, StoredChunk>>;
  chunksOf(doc: number): Promise<StoredChunk[]>;
  /** Every live chunk with its text, in row order (what the lexical index is built from). */
  liveChunks(): Promise<ChunkText[]>;
  /**
   * Optional, for a lexical index that follows changes instead of being rebuilt: live chunks with
   * a row above `row` (row order), whether a row is still live, and a label that changes whenever
   * rows are renumbered (compaction). Without them every change rebuilds the lexical index.
   */
  liveChunksAfter?(row: number): Promise<ChunkText[]>;
  isLiveRow?(row: number): boolean;
  rowEpoch?(): string;
  /** Documents whose metadata satisfies every field of `where`. */
  matchingDocs(where: Where): Promise<Set<number>>;
  count(): Promise<number>;
  stats(): Promise<StoreStats>;
  /**
   * The best chunk of each of the `k` documents nearest to `query` (a unit vector), best first;
   * with `allowed`, only those documents.
   */
  searchDense(query: Float32Array, k: number, allowed?: Set<number>): Promise<ChunkHit[]>;
  /**
   * The store's own keyword search (collections with `lexical: 'fts'`): the best chunk of each of
   * the `k` best-matching documents (with `perChunk`, the `k` best chunks), best first; with
   * `allowed`, only those documents.
   */
  searchLexical?(query: string, k: number, allowed?: Set<number>, perChunk?: boolean): Promise<ChunkHit[]>;
  /** The `k` chunks nearest to `query`, best first (several may belong to one document). */
  searchChunks(query: Float32Array, k: number, allowed?: Set<number>): Promise<ChunkHit[]>;
  /** Ids of the documents written with this `root` (see DocumentToWrite.root). */
  idsUnder(root: string): Promise<string[]>;
  /** When the collection last changed (ISO 8601), if recorded. */
  updated(): Promise<string | undefined>;
  /** Bytes the collection takes in its store, when the store can tell. */
  diskBytes?(): Promise<number>;
  /**
   * Brings a reader up to date with what writers committed since it opened (or last refreshed);
   * returns whether anything changed. Writers are always up to date.
   */
  refresh(): Promise<boolean>;
  /** Stored vectors of these rows, in order. */
  vectors(rows: number[]): Promise<DenseMatrix>;
  /** Up to `limit` documents (oldest first) with the row of their first chunk. */
  firstChunks(limit: number): Promise<{ doc: StoredDocument; row: number }[]>;
  /** Reclaims the rows of replaced and deleted documents. */
  compact(opts?: LongRunning): Promise<{ removedRows: number }>;
  /** Makes in-memory derived state (the ANN graph) durable, when that is worth it. */
  flush(): Promise<void>;
  /** A directory for caches of derived data (the lexical index), or undefined for none. */
  readonly cacheDir?: string;
  close(): Promise<void>;

  // Repair (`Collection.repair`, and writers when they open); a store without them has nothing
  // of the kind to repair.
  /** Live rows whose vectors are missing or damaged (to be embedded again). */
  damagedVectorRows?(): Promise<number[]>;
  /** Writes re-made vectors of these rows. */
  restoreVectors?(rows: number[], vectors: DenseMatrix): Promise<void>;
  /** Rebuilds the ANN index from the stored vectors. */
  rebuildIndex?(): Promise<void>;
  /** The backend's own consistency check: "ok" when sound. */
  integrityCheck?(): Promise<string>;
}
