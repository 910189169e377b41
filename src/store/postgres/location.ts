import { createHash } from 'node:crypto';
import { SmyslError } from '../../errors.js';

/** Collection names a PostgreSQL store takes: they become part of table names (63 bytes at most). */
export const POSTGRES_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,47}$/;

const SCHEME = /^postgres(?:ql)?:\/\//i;

/** Whether `location` names a collection in PostgreSQL (`postgres://…#name` or `postgresql://…#name`). */
export function isPostgresLocation(location: string): boolean {
  return SCHEME.test(location);
}

/** A collection in a PostgreSQL database: where to connect, and its name there. */
export interface PostgresLocation {
  /** The connection string as given, without the `#name` (passwords included: never print it). */
  connectionString: string;
  name: string;
  /** The location without a password, for messages. */
  display: string;
  /** Host, port, database and name: what the local cache of the collection's files is keyed on. */
  key: string;
}

/** `postgres://user@host:port/db` and a collection name → the location of that collection. */
export function postgresCollection(store: string, name: string): string {
  if (!isPostgresLocation(store))
    throw new SmyslError(
      'E_USAGE',
      `not a PostgreSQL URL: ${redact(store)} (expected postgres://user@host:port/database)`,
    );
  if (store.includes('#'))
    throw new SmyslError(
      'E_USAGE',
      `${redact(store)} already names a collection (after "#"); give the database URL alone`,
    );
  return `${store}#${name}`;
}

/** Splits `postgres://…#name`; the name is required and must fit into table names. */
export function parsePostgresLocation(location: string): PostgresLocation {
  const hash = location.lastIndexOf('#');
  const connectionString = hash < 0 ? location : location.slice(0, hash);
  const name = hash < 0 ? '' : decodeURIComponent(location.slice(hash + 1));
  if (name === '')
    throw new SmyslError(
      'E_USAGE',
      `${redact(location)} names no collection: add "#<name>" (the CLI does it from --collection)`,
    );
  if (!POSTGRES_NAME.test(name))
    throw new SmyslError(
      'E_USAGE',
      `invalid collection name "${name}" for PostgreSQL: letters, digits, ".", "_" and "-", at most 48, starting with a letter or digit`,
    );
  let url: URL;
  try {
    url = new URL(connectionString);
  } catch {
    throw new SmyslError('E_USAGE', `not a valid PostgreSQL URL: ${redact(connectionString)}`);
  }
  const display = `${redact(connectionString)}#${name}`;
  const key = `${url.hostname || 'localhost'}:${url.port || '5432'}${url.pathname || '/'}#${name}`;
  return { connectionString, name, display, key };
}

/** The URL with its password (if any) replaced by "…". */
export function redact(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/[^:/@]*):[^@/]*@/i, '$1:…@');
}

/** A short stable name for local cache directories of one collection (one creation of it). */
export function cacheKey(key: string, created: string): string {
  return createHash('sha256').update(`${key}\n${created}`).digest('hex').slice(0, 24);
}
