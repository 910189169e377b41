import { isSmyslError, SmyslError } from '../errors.js';
import { EmbeddedStore } from './embedded/store.js';
import { isPostgresLocation } from './postgres/location.js';
import type { CollectionManifest, CollectionStore } from './types.js';

export interface StoreOpenOptions {
  readonly?: boolean;
  /** Overrides the stored HNSW search expansion for this session. */
  expansionSearch?: number;
  /** Told when derived data is rebuilt (a damaged or stale graph), with the reason. */
  onWarning?: (message: string) => void;
}

/**
 * Where collections can live. A backend claims the locations it serves (a directory, a
 * `postgres://` URL, …); the embedded store takes whatever no other backend claims.
 */
export interface StoreBackend {
  readonly name: string;
  accepts(location: string): boolean;
  /** Whether `location` holds a collection (or the remains of one, which `create` must refuse). */
  exists(location: string): Promise<boolean>;
  /**
   * Creates a collection; `prepare` writes the embedder's files into the store's `filesDir` and
   * returns the manifest, which the backend records last.
   */
  create(
    location: string,
    prepare: (filesDir: string) => Promise<CollectionManifest>,
    opts: StoreOpenOptions,
  ): Promise<CollectionStore>;
  open(location: string, opts: StoreOpenOptions): Promise<CollectionStore>;
  /** Restores a lost or unreadable manifest from the backend's own copy; whether it wrote one. */
  restoreManifest?(location: string): Promise<boolean>;
  /** Whether its stores search text themselves (`searchLexical`, collections with `lexical: 'fts'`). */
  fullText?: boolean;
  /** Removes the collection for good (refused while a writer holds it). */
  drop(location: string): Promise<void>;
  /** Collections directly under `parent` (a directory of collections; a database). */
  list?(parent: string): Promise<string[]>;
}

const embedded: StoreBackend = {
  name: 'embedded',
  accepts: () => true,
  exists: async (dir) => EmbeddedStore.exists(dir),
  create: (dir, prepare, opts) => EmbeddedStore.create(dir, prepare, opts),
  open: (dir, opts) => EmbeddedStore.open(dir, opts),
  restoreManifest: (dir) => EmbeddedStore.restoreManifest(dir),
  drop: (dir) => EmbeddedStore.drop(dir),
  list: async (parent) => EmbeddedStore.list(parent),
};

/**
 * Collections in PostgreSQL (`postgres://user@host:port/db#name`). The store and node-postgres
 * are loaded on first use: nothing of them is loaded for the embedded store.
 */
const postgres: StoreBackend = {
  name: 'postgres',
  fullText: true,
  accepts: isPostgresLocation,
  exists: async (location) => (await import('./postgres/store.js')).PostgresStore.exists(location),
  create: async (location, prepare, opts) =>
    (await import('./postgres/store.js')).PostgresStore.create(location, prepare, opts),
  open: async (location, opts) => (await import('./postgres/store.js')).PostgresStore.open(location, opts),
  drop: async (location) => (await import('./postgres/store.js')).PostgresStore.drop(location),
  list: async (store) => (await import('./postgres/store.js')).PostgresStore.list(store),
};

const backends: StoreBackend[] = [postgres];

/** Adds a backend; it is asked before the ones registered earlier and before the embedded store. */
export function registerStoreBackend(backend: StoreBackend): void {
  backends.unshift(backend);
}

/** The backend that serves `location`. */
export function storeBackend(location: string): StoreBackend {
  const found = backends.find((b) => b.accepts(location));
  if (found) return found;
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(location))
    throw new SmyslError('E_USAGE', `no collection store serves ${location.replace(/\/\/[^@/]*@/, '//…@')}`);
  return embedded;
}

/**
 * Whether `e` says another process holds the collection's single writer (every backend words
 * it "… is being written by …"): callers wait, retry or answer 409 instead of failing.
 */
export function isWriterBusy(e: unknown): e is SmyslError {
  return isSmyslError(e) && /being written by/.test(e.message);
}
