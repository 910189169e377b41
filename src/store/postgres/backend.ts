import type { StoreBackend } from '../backends.js';
import { isPostgresLocation } from './location.js';

/**
 * Collections in PostgreSQL (`postgres://user@host:port/db#name`). The store and node-postgres
 * are loaded on first use, so that nothing of them is loaded for the embedded store.
 */
export const postgresBackend: StoreBackend = {
  name: 'postgres',
  fullText: true,
  accepts: isPostgresLocation,
  exists: async (location) => (await import('./store.js')).PostgresStore.exists(location),
  create: async (location, prepare, opts) =>
    (await import('./store.js')).PostgresStore.create(location, prepare, opts),
  open: async (location, opts) => (await import('./store.js')).PostgresStore.open(location, opts),
  list: async (store) => (await import('./store.js')).PostgresStore.list(store),
};
