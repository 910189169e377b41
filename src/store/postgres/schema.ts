import type { CollectionManifest } from '../types.js';
import { ident, int } from './sql.js';

/** Version of the tables' layout, recorded per collection. */
export const POSTGRES_FORMAT = 1;

/** The table of collections: one row per collection, its manifest and its counters. */
export const REGISTRY = 'smysl_collections';

/**
 * How vectors are kept: a pgvector column (searched through an HNSW index, or exactly), or a
 * real[] array on a server without pgvector (searched exactly, in SQL: slow past ~10k chunks).
 */
export type VectorKind = 'vector' | 'array';

/** The quoted table names of one collection. */
export interface Tables {
  registry: string;
  docs: string;
  chunks: string;
  files: string;
  /** The embedder's learned words (collections whose manifest says `words`). */
  words: string;
  /** Unquoted names, for messages, regclass lookups and the docs. */
  plain: { docs: string; chunks: string; files: string; words: string };
}

export function tablesOf(name: string): Tables {
  const plain = {
    docs: `smysl_${name}_docs`,
    chunks: `smysl_${name}_chunks`,
    files: `smysl_${name}_files`,
    words: `smysl_${name}_words`,
  };
  return {
    registry: ident(REGISTRY),
    docs: ident(plain.docs),
    chunks: ident(plain.chunks),
    files: ident(plain.files),
    words: ident(plain.words),
    plain,
  };
}

export const REGISTRY_DDL = `CREATE TABLE IF NOT EXISTS ${ident(REGISTRY)} (
  name text PRIMARY KEY,
  format integer NOT NULL,
  manifest jsonb NOT NULL,
  embedder text NOT NULL,
  dim integer NOT NULL,
  vectors text NOT NULL,
  created text NOT NULL,
  files_sha text NOT NULL,
  next_doc bigint NOT NULL DEFAULT 1,
  next_row bigint NOT NULL DEFAULT 0,
  documents bigint NOT NULL DEFAULT 0,
  chunks bigint NOT NULL DEFAULT 0,
  dead bigint NOT NULL DEFAULT 0,
  deletes bigint NOT NULL DEFAULT 0,
  generation integer NOT NULL DEFAULT 0,
  version bigint NOT NULL DEFAULT 0,
  updated text
)`;

/** The SQL type of the embedding column. */
export function vectorColumnType(kind: VectorKind, dim: number): string {
  return kind === 'vector' ? `vector(${int(dim)})` : 'real[]';
}

/**
 * The HNSW graph stores what the manifest's precision says, like the embedded store's: f32 as
 * the column itself, f16 (and i8, which pgvector lacks) as halfvec through an expression index;
 * the column keeps float32 either way, so vectors come back exactly as they were written.
 */
export function graphPrecision(manifest: CollectionManifest): 'f32' | 'f16' {
  return manifest.index.precision === 'f32' ? 'f32' : 'f16';
}

/** What the HNSW index orders by, and what a query must order by to use it. */
export function orderExpression(manifest: CollectionManifest, query: string): string {
  const dim = int(manifest.embedder.dim);
  return graphPrecision(manifest) === 'f32'
    ? `embedding <=> ${query}::vector(${dim})`
    : `embedding::halfvec(${dim}) <=> ${query}::halfvec(${dim})`;
}

/** pgvector's limits: 2 ≤ m ≤ 100, 4 ≤ ef_construction ≤ 1000, ef_construction ≥ 2m. */
export function hnswParameters(manifest: CollectionManifest): { m: number; efConstruction: number } {
  const m = Math.min(100, Math.max(2, Math.round(manifest.index.connectivity)));
  const efConstruction = Math.min(1000, Math.max(4, 2 * m, Math.round(manifest.index.expansionAdd)));
  return { m, efConstruction };
}

/** The statements that create one collection's tables and indexes. */
export function collectionDdl(t: Tables, manifest: CollectionManifest, kind: VectorKind): string[] {
  const dim = manifest.embedder.dim;
  const fts = manifest.lexical === 'fts';
  const out = [
    `CREATE TABLE ${t.docs} (
      doc bigint PRIMARY KEY,
      id text NOT NULL UNIQUE,
      hash text NOT NULL,
      title text NOT NULL,
      text text NOT NULL,
      meta jsonb NOT NULL,
      source_path text,
      source_line integer,
      source_verbatim boolean,
      root text
    )`,
    `CREATE INDEX ${ident(`${t.plain.docs}_root`)} ON ${t.docs} (root) WHERE root IS NOT NULL`,
    // keyed by (doc, chunk) so that the table can be distributed by document (Citus)
    `CREATE TABLE ${t.chunks} (
      doc bigint NOT NULL,
      chunk bigint NOT NULL,
      start integer NOT NULL,
      stop integer NOT NULL,
      embedding ${vectorColumnType(kind, dim)} NOT NULL,${fts ? '\n      tsv tsvector NOT NULL,' : ''}
      PRIMARY KEY (doc, chunk)
    )`,
    `CREATE INDEX ${ident(`${t.plain.chunks}_chunk`)} ON ${t.chunks} (chunk)`,
    `CREATE TABLE ${t.files} (
      path text NOT NULL,
      part integer NOT NULL,
      data bytea NOT NULL,
      PRIMARY KEY (path, part)
    )`,
  ];
  // the rows the embedder learns for the collection's own words, numbered in the order learned
  if (manifest.words)
    out.push(`CREATE TABLE ${t.words} (
      seq integer PRIMARY KEY,
      stem text NOT NULL,
      row bytea NOT NULL
    )`);
  const graph = hnswIndexDdl(t, manifest, kind);
  if (graph) out.push(graph);
  if (fts) out.push(`CREATE INDEX ${ident(`${t.plain.chunks}_tsv`)} ON ${t.chunks} USING gin (tsv)`);
  return out;
}

/** The HNSW index's name (unquoted), for regclass lookups. */
export function hnswIndexName(t: Tables): string {
  return `${t.plain.chunks}_hnsw`;
}

/**
 * The statement that creates the collection's HNSW index (undefined: it has none: an exact
 * collection, or vectors in real[] arrays). Writes into an empty collection drop the index and
 * create it again after the bulk load (see PostgresStore.write): one build beats a graph insert
 * per row, most of all in PGlite's single-threaded WebAssembly.
 */
export function hnswIndexDdl(t: Tables, manifest: CollectionManifest, kind: VectorKind): string | undefined {
  if (kind !== 'vector' || manifest.index.type !== 'hnsw') return undefined;
  const { m, efConstruction } = hnswParameters(manifest);
  const dim = manifest.embedder.dim;
  const column =
    graphPrecision(manifest) === 'f32'
      ? 'embedding vector_cosine_ops'
      : `(embedding::halfvec(${int(dim)})) halfvec_cosine_ops`;
  return `CREATE INDEX IF NOT EXISTS ${ident(hnswIndexName(t))} ON ${t.chunks} USING hnsw (${column}) WITH (m = ${m}, ef_construction = ${efConstruction})`;
}

/**
 * maintenance_work_mem (kB) that holds the HNSW graph of `rows` chunks while it is built (pgvector
 * builds in memory while the graph fits, and goes on page by page, far slower, when it does not):
 * per element its vector, its layer-0 neighbour list (2m entries) and bookkeeping, with room.
 */
export function hnswBuildMemoryKb(manifest: CollectionManifest, rows: number): number {
  const { m } = hnswParameters(manifest);
  const vector = manifest.embedder.dim * (graphPrecision(manifest) === 'f32' ? 4 : 2) + 16;
  const perElement = vector + 2 * m * 24 + 256;
  return Math.ceil((rows * perElement * 1.5) / 1024);
}
