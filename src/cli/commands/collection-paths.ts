import path from 'node:path';
import { Option } from 'commander';
import { isPostgresLocation, postgresCollection } from '../../store/postgres/location.js';

/** `--collection name` → .smysl/<name>; anything that looks like a path is used as given. */
export function collectionDir(name: string): string {
  if (name.includes('/') || name.includes(path.sep) || name.startsWith('.')) return name;
  return path.join('.smysl', name);
}

/** `--store`: where collections live; default $SMYSL_STORE, else the embedded store in .smysl/. */
export function storeOption(): Option {
  return new Option(
    '--store <url>',
    'where collections live: postgres://user@host:port/database (PostgreSQL + pgvector), or a directory (default: $SMYSL_STORE, else .smysl)',
  );
}

/** The store a command uses: --store, else $SMYSL_STORE, else undefined (the embedded store in .smysl). */
export function storeOf(flag: string | undefined): string | undefined {
  const store = flag ?? process.env.SMYSL_STORE;
  return store === '' ? undefined : store;
}

/**
 * Where collection `name` lives: in the PostgreSQL database of `store` (`<url>#<name>`), in the
 * directory `store`, or (no store) as `collectionDir` says.
 */
export function collectionLocation(name: string, store: string | undefined): string {
  if (store === undefined) return collectionDir(name);
  if (isPostgresLocation(store)) return postgresCollection(store, name);
  if (name.includes('/') || name.includes(path.sep) || name.startsWith('.')) return name;
  return path.join(store, name);
}
