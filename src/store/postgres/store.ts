import { createHash, randomBytes } from 'node:crypto';
import { existsSync, promises as fsp } from 'node:fs';
import path from 'node:path';
import { SmyslError } from '../../errors.js';
import { countScripts } from '../../text/language.js';
import { cacheDir as userCacheDir, writeError } from '../../util/fs.js';
import type { LongRunning } from '../../util/progress.js';
import type { DenseMatrix } from '../../vectors/types.js';
import type { ChunkText } from '../lexical.js';
import type {
  ChunkHit,
  CollectionManifest,
  CollectionStore,
  DocumentToWrite,
  StoredChunk,
  StoredDocument,
  StoreStats,
  Where,
} from '../types.js';
import { Connection, type Results } from './connection.js';
import { cacheKey, type PostgresLocation, parsePostgresLocation } from './location.js';
import {
  collectionDdl,
  hnswBuildMemoryKb,
  hnswIndexDdl,
  hnswIndexName,
  orderExpression,
  POSTGRES_FORMAT,
  REGISTRY,
  REGISTRY_DDL,
  type Tables,
  tablesOf,
  type VectorKind,
  vectorColumnType,
} from './schema.js';
import { ident, int, intArray, literal, parseVectorText, textArray, vectorText } from './sql.js';
import { PostgresWords } from './words.js';

/** When a change commits, as ISO 8601 text (what the embedded store records). */
const NOW = `to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

const FIELD = /^[\p{L}\p{N}_.-]+$/u;
/** Files are stored in parts of this size (a bytea value may be up to 1 GB; messages stay small). */
const FILE_PART = 4 << 20;
/** Rows per INSERT statement and ids per lookup. */
const ROWS_PER_STATEMENT = 500;

export interface PostgresOpenOptions {
  readonly?: boolean;
  /** Overrides the stored HNSW search expansion (hnsw.ef_search) for this session. */
  expansionSearch?: number;
  /** Told about degraded set-ups (no pgvector on the server). */
  onWarning?: (message: string) => void;
}

interface RegistryRow {
  format: number;
  manifest: CollectionManifest;
  embedder: string;
  dim: number;
  vectors: VectorKind;
  created: string;
  files_sha: string;
}

/** The full-text configuration of a text: Russian when it has Cyrillic letters (it stems Latin words as English too). */
export function textSearchConfig(text: string): 'russian' | 'english' {
  return countScripts(text).cyrillic > 0 ? 'russian' : 'english';
}

/**
 * A collection in a PostgreSQL database (see docs/collections.md, "PostgreSQL"):
 * - `smysl_collections`: one row per collection: its manifest, the embedder's name and dimension
 *   (checked on open), how vectors are kept, and counters (next numbers, documents, chunks, dead
 *   rows, a version bumped by every committed change);
 * - `smysl_<name>_docs` (doc, id, hash, title, text, meta jsonb) and `smysl_<name>_chunks`
 *   (doc, chunk, start, stop, embedding vector(dim) [, tsv]) with an HNSW index (cosine; halfvec
 *   for f16) and, for `lexical: 'fts'`, a GIN index over the chunks' tsvector;
 * - `smysl_<name>_files`: the embedder's and post-processing's files, restored into a local
 *   cache directory (`filesDir`) on open.
 *
 * Every write is one transaction that first locks the collection's row in `smysl_collections`:
 * writers in any number of processes take turns per batch, and a writer killed mid-batch leaves
 * nothing of it (the server rolls the transaction back when the connection drops).
 */
export class PostgresStore implements CollectionStore {
  readonly location: string;
  readonly manifest: CollectionManifest;
  readonly readonly: boolean;
  readonly filesDir: string;
  readonly cacheDir: string;
  private readonly t: Tables;
  private readonly name: string;
  private closed = false;
  /** The version `refresh` saw last. */
  private seen: string | undefined;
  /**
   * This writer loads into a collection without its HNSW index (dropped by its first write into
   * an empty collection, or found missing after an interrupted load) and builds the index when it
   * flushes or closes.
   */
  private graphPending = false;

  private constructor(
    private readonly db: Connection,
    loc: PostgresLocation,
    private readonly row: RegistryRow,
    cache: { filesDir: string; cacheDir: string },
    readonly: boolean,
    /** pgvector's version (undefined: vectors are real[] arrays). */
    private readonly pgvector: string | undefined,
  ) {
    this.location = loc.display;
    this.name = loc.name;
    this.manifest = row.manifest;
    this.readonly = readonly;
    this.filesDir = cache.filesDir;
    this.cacheDir = cache.cacheDir;
    this.t = tablesOf(loc.name);
  }

  get dim(): number {
    return this.manifest.embedder.dim;
  }

  private get kind(): VectorKind {
    return this.row.vectors;
  }

  /** Whether the database holds this collection. */
  static async exists(location: string): Promise<boolean> {
    const loc = parsePostgresLocation(location);
    const db = await Connection.open(loc, 1);
    try {
      const [reg] = await db.run(`SELECT to_regclass(${literal(REGISTRY)}) IS NOT NULL AS present`);
      if (!reg.rows[0].present) return false;
      const [row] = await db.run(
        `SELECT 1 FROM ${tablesOf(loc.name).registry} WHERE name = ${literal(loc.name)}`,
      );
      return row.rows.length > 0;
    } finally {
      await db.close();
    }
  }

  /** Names of the collections in the database of `store` (a postgres:// URL without a name). */
  static async list(store: string): Promise<string[]> {
    const loc = parsePostgresLocation(`${store}#list`);
    const db = await Connection.open(loc, 1);
    try {
      const [reg] = await db.run(`SELECT to_regclass(${literal(REGISTRY)}) IS NOT NULL AS present`);
      if (!reg.rows[0].present) return [];
      const [rows] = await db.run(`SELECT name FROM ${tablesOf('x').registry} ORDER BY name`);
      return rows.rows.map((r) => r.name as string);
    } finally {
      await db.close();
    }
  }

  /**
   * Creates the collection: `prepare` writes the embedder's files into a local directory and
   * returns the manifest; the tables, the files and the registry row are then created in one
   * transaction, so a collection exists whole or not at all.
   */
  static async create(
    location: string,
    prepare: (filesDir: string) => Promise<CollectionManifest>,
    opts: PostgresOpenOptions = {},
  ): Promise<PostgresStore> {
    const loc = parsePostgresLocation(location);
    const db = await Connection.open(loc);
    let staging: string | undefined;
    try {
      const pgvector = await enableVectors(db, loc, opts.onWarning ?? (() => {}));
      await db.run(REGISTRY_DDL);
      const t = tablesOf(loc.name);
      const [taken] = await db.run(`SELECT 1 FROM ${t.registry} WHERE name = ${literal(loc.name)}`);
      if (taken.rows.length > 0)
        throw new SmyslError('E_COLLECTION', `a collection already exists at ${loc.display}`);
      const root = path.join(userCacheDir(), 'postgres');
      await fsp.mkdir(root, { recursive: true }).catch((e) => {
        throw writeError(root, e);
      });
      staging = await fsp.mkdtemp(path.join(root, '.create-'));
      const manifest = { ...(await prepare(staging)), name: loc.name };
      const files = await readTree(staging);
      const sha = treeSha(files);
      const created = `${new Date().toISOString()}/${randomBytes(6).toString('hex')}`;
      const kind: VectorKind = pgvector === undefined ? 'array' : 'vector';
      const row: RegistryRow = {
        format: POSTGRES_FORMAT,
        manifest,
        embedder: manifest.embedder.name,
        dim: manifest.embedder.dim,
        vectors: kind,
        created,
        files_sha: sha,
      };
      // one transaction per message from here; the last one records the collection
      await db.session(async (run) => {
        await run(`BEGIN; ${collectionDdl(t, manifest, kind).join(';\n')}`);
        for (const f of files)
          for (let part = 0, at = 0; part === 0 || at < f.data.length; part++, at += FILE_PART)
            await run(
              `INSERT INTO ${t.files} (path, part, data) VALUES (${literal(f.path)}, ${part}, decode(${literal(f.data.subarray(at, at + FILE_PART).toString('base64'))}, 'base64'))`,
            );
        await run(
          `INSERT INTO ${t.registry} (name, format, manifest, embedder, dim, vectors, created, files_sha) VALUES (${[
            literal(loc.name),
            int(POSTGRES_FORMAT),
            `${literal(JSON.stringify(manifest))}::jsonb`,
            literal(row.embedder),
            int(row.dim),
            literal(kind),
            literal(created),
            literal(sha),
          ].join(', ')}); COMMIT`,
        );
      });
      const cache = await placeFiles(loc, row, async (dir) => {
        await fsp.rename(staging!, dir);
        staging = undefined;
      });
      return new PostgresStore(db, loc, row, cache, false, pgvector);
    } catch (e) {
      await db.close().catch(() => {});
      if (isDuplicate(e))
        throw new SmyslError('E_COLLECTION', `a collection already exists at ${loc.display}`, { cause: e });
      throw e;
    } finally {
      if (staging) await fsp.rm(staging, { recursive: true, force: true });
    }
  }

  /** Opens the collection: checks its record against its tables, restores its files locally. */
  static async open(location: string, opts: PostgresOpenOptions = {}): Promise<PostgresStore> {
    const loc = parsePostgresLocation(location);
    const db = await Connection.open(loc);
    try {
      const t = tablesOf(loc.name);
      const [reg] = await db.run(`SELECT to_regclass(${literal(REGISTRY)}) IS NOT NULL AS present`);
      const [found] = reg.rows[0].present
        ? await db.run(
            `SELECT format, manifest, embedder, dim, vectors, created, files_sha FROM ${t.registry} WHERE name = ${literal(loc.name)}`,
          )
        : [{ rows: [] as RegistryRow[] }];
      if (found.rows.length === 0)
        throw new SmyslError(
          'E_COLLECTION',
          `no collection at ${loc.display} (run "smysl index … --store <url> --collection ${loc.name}" to create one)`,
        );
      const row = found.rows[0] as RegistryRow;
      if (row.format > POSTGRES_FORMAT)
        throw new SmyslError(
          'E_COLLECTION',
          `${loc.display} was written by a newer smysl (table format ${row.format}, this one reads ${POSTGRES_FORMAT})`,
        );
      const m = row.manifest;
      // the embedder's name and dimension are recorded beside the manifest and in the column type
      const [column] = await db.run(
        `SELECT format_type(atttypid, atttypmod) AS type FROM pg_attribute WHERE attrelid = to_regclass(${literal(t.plain.chunks)}) AND attname = 'embedding'`,
      );
      const expected = vectorColumnType(row.vectors, row.dim);
      if (m.embedder.name !== row.embedder || m.embedder.dim !== row.dim || column.rows[0]?.type !== expected)
        throw new SmyslError(
          'E_COLLECTION',
          `${loc.display} does not match its record: manifest embedder ${m.embedder.name} (${m.embedder.dim}-d), recorded ${row.embedder} (${row.dim}-d), embedding column ${column.rows[0]?.type ?? 'missing'} (expected ${expected})`,
        );
      let pgvector: string | undefined;
      if (row.vectors === 'vector') {
        const [ext] = await db.run(`SELECT extversion FROM pg_extension WHERE extname = 'vector'`);
        pgvector = ext.rows[0]?.extversion as string | undefined;
      }
      if (opts.expansionSearch !== undefined) m.index.expansionSearch = opts.expansionSearch;
      const cache = await placeFiles(loc, row, async (dir) => {
        const [parts] = await db.run(`SELECT path, part, data FROM ${t.files} ORDER BY path, part`);
        const byPath = new Map<string, Buffer[]>();
        for (const r of parts.rows) {
          const list = byPath.get(r.path) ?? [];
          list.push(r.data as Buffer);
          byPath.set(r.path, list);
        }
        const tmp = `${dir}.${randomBytes(6).toString('hex')}.tmp`;
        try {
          for (const [p, list] of byPath) {
            const file = path.join(tmp, ...p.split('/'));
            await fsp.mkdir(path.dirname(file), { recursive: true });
            await fsp.writeFile(file, Buffer.concat(list));
          }
          await fsp.mkdir(tmp, { recursive: true });
          if (treeSha(await readTree(tmp)) !== row.files_sha)
            throw new SmyslError('E_COLLECTION', `the embedder files stored in ${t.plain.files} are damaged`);
          await fsp.rename(tmp, dir).catch((e) => {
            // another process restored them first: theirs are the same files
            if (!existsSync(dir)) throw e;
          });
        } finally {
          await fsp.rm(tmp, { recursive: true, force: true });
        }
      });
      return new PostgresStore(db, loc, row, cache, opts.readonly ?? false, pgvector);
    } catch (e) {
      await db.close().catch(() => {});
      throw e;
    }
  }

  private async first<T = Record<string, unknown>>(sql: string): Promise<T | undefined> {
    const results = await this.db.run(sql);
    return results[results.length - 1].rows[0] as T | undefined;
  }

  private async all<T = Record<string, unknown>>(sql: string): Promise<T[]> {
    const results = await this.db.run(sql);
    return results[results.length - 1].rows as T[];
  }

  private where(): string {
    return `name = ${literal(this.name)}`;
  }

  async version(): Promise<string> {
    this.open();
    const r = await this.first<{ version: string; generation: number }>(
      `SELECT version, generation FROM ${this.t.registry} WHERE ${this.where()}`,
    );
    if (!r) throw this.gone();
    return `${this.row.created}:${r.generation}:${r.version}`;
  }

  private gone(): SmyslError {
    return new SmyslError('E_COLLECTION', `the collection at ${this.location} was dropped`);
  }

  async hashes(ids: string[]): Promise<Map<string, string>> {
    this.open();
    const out = new Map<string, string>();
    for (let i = 0; i < ids.length; i += ROWS_PER_STATEMENT)
      for (const r of await this.all<{ id: string; hash: string }>(
        `SELECT id, hash FROM ${this.t.docs} WHERE id = ANY(${textArray(ids.slice(i, i + ROWS_PER_STATEMENT))})`,
      ))
        out.set(r.id, r.hash);
    return out;
  }

  async write(docs: DocumentToWrite[], vectors: DenseMatrix): Promise<{ added: number; replaced: number }> {
    this.writable();
    const chunkCount = docs.reduce((n, d) => n + d.spans.length, 0);
    if (chunkCount !== vectors.rows)
      throw new SmyslError('E_STATE', `${vectors.rows} vectors for ${chunkCount} chunks`);
    if (vectors.rows > 0 && vectors.dim !== this.dim)
      throw new SmyslError(
        'E_COLLECTION',
        `${vectors.dim}-d vectors for ${this.location}, which holds ${this.dim}-d vectors of ${this.manifest.embedder.name}`,
      );
    if (docs.length === 0) return { added: 0, replaced: 0 };
    for (const d of docs) {
      // PostgreSQL text cannot hold NUL characters
      const nul = [d.id, d.title, d.text, JSON.stringify(d.meta)].some((s) => s.includes('\u0000'));
      if (nul)
        throw new SmyslError(
          'E_INPUT',
          `document "${d.id.replace(/\u0000/g, '\\0')}" contains a NUL character, which PostgreSQL cannot store`,
        );
    }
    const ids = docs.map((d) => d.id);
    const fts = this.manifest.lexical === 'fts';
    const array = this.kind === 'array';
    return this.db.session(async (run) => {
      const [, locked, old] = await run(
        `BEGIN; SELECT next_doc, next_row, chunks, to_regclass(${literal(ident(hnswIndexName(this.t)))}) IS NOT NULL AS graph FROM ${this.t.registry} WHERE ${this.where()} FOR UPDATE; ` +
          `SELECT d.doc, (SELECT count(*) FROM ${this.t.chunks} c WHERE c.doc = d.doc) AS n FROM ${this.t.docs} d WHERE d.id = ANY(${textArray(ids)})`,
      );
      if (locked.rows.length === 0) throw this.gone();
      let doc = Number(locked.rows[0].next_doc);
      let row = Number(locked.rows[0].next_row);
      const oldDocs = old.rows.map((r) => Number(r.doc));
      const oldChunks = old.rows.reduce((n, r) => n + Number(r.n), 0);
      const statements: string[] = [];
      // A load into an empty collection goes in without the HNSW index, built once at the end
      // (flush): inserting into the graph row by row costs several times one build. Until then
      // searches are exact (the planner sorts), so readers see correct results throughout; a
      // load killed before its end leaves the index missing, and the next writer builds it.
      let pending = this.graphPending;
      if (this.graphIndexed && !pending) {
        if (!locked.rows[0].graph) pending = true;
        else if (Number(locked.rows[0].chunks) === 0) {
          statements.push(`DROP INDEX IF EXISTS ${ident(hnswIndexName(this.t))}`);
          pending = true;
        }
      }
      if (oldDocs.length > 0)
        statements.push(
          `DELETE FROM ${this.t.chunks} WHERE doc = ANY(${intArray(oldDocs)})`,
          `DELETE FROM ${this.t.docs} WHERE doc = ANY(${intArray(oldDocs)})`,
        );
      const docRows: string[] = [];
      const chunkRows: string[] = [];
      let v = 0;
      for (const d of docs) {
        const src = d.source;
        const root = d.root;
        docRows.push(
          `(${int(doc)}, ${literal(d.id)}, ${literal(d.hash)}, ${literal(d.title)}, ${literal(d.text)}, ${literal(JSON.stringify(d.meta))}::jsonb, ` +
            `${src ? `${literal(src.path)}, ${int(src.line)}, ${src.verbatim}` : 'NULL, NULL, NULL'}, ${root === undefined ? 'NULL' : literal(root)})`,
        );
        for (const s of d.spans) {
          const values = [
            int(doc),
            int(row++),
            int(s.start),
            int(s.end),
            literal(vectorText(vectors.data, v++ * this.dim, this.dim, array)),
          ];
          if (fts) {
            const text = d.text.slice(s.start, s.end);
            values.push(`to_tsvector(${literal(textSearchConfig(text))}, ${literal(text)})`);
          }
          chunkRows.push(`(${values.join(', ')})`);
        }
        doc++;
      }
      for (let i = 0; i < docRows.length; i += ROWS_PER_STATEMENT)
        statements.push(
          `INSERT INTO ${this.t.docs} (doc, id, hash, title, text, meta, source_path, source_line, source_verbatim, root) VALUES ${docRows.slice(i, i + ROWS_PER_STATEMENT).join(', ')}`,
        );
      for (let i = 0; i < chunkRows.length; i += ROWS_PER_STATEMENT)
        statements.push(
          `INSERT INTO ${this.t.chunks} (doc, chunk, start, stop, embedding${fts ? ', tsv' : ''}) VALUES ${chunkRows.slice(i, i + ROWS_PER_STATEMENT).join(', ')}`,
        );
      const replaced = oldDocs.length;
      statements.push(
        `UPDATE ${this.t.registry} SET next_doc = ${int(doc)}, next_row = ${int(row)}, ` +
          `documents = documents + ${int(docs.length - replaced)}, chunks = chunks + ${int(vectors.rows - oldChunks)}, ` +
          `dead = dead + ${int(oldChunks)}, deletes = deletes + ${replaced > 0 ? 1 : 0}, version = version + 1, updated = ${NOW} WHERE ${this.where()}`,
        'COMMIT',
      );
      await run(statements.join(';\n'));
      this.graphPending = pending;
      return { added: docs.length - replaced, replaced };
    });
  }

  async delete(ids: string[]): Promise<number> {
    this.writable();
    if (ids.length === 0) return 0;
    const results = await this.db.run(
      `BEGIN; SELECT 1 FROM ${this.t.registry} WHERE ${this.where()} FOR UPDATE;
      WITH d AS (DELETE FROM ${this.t.docs} WHERE id = ANY(${textArray(ids)}) RETURNING doc),
        c AS (DELETE FROM ${this.t.chunks} WHERE doc IN (SELECT doc FROM d) RETURNING 1),
        n AS (SELECT (SELECT count(*) FROM d) AS docs, (SELECT count(*) FROM c) AS chunks),
        u AS (UPDATE ${this.t.registry} r SET documents = r.documents - n.docs, chunks = r.chunks - n.chunks,
          dead = r.dead + n.chunks, deletes = r.deletes + (n.docs > 0)::int, version = r.version + (n.docs > 0)::int,
          updated = CASE WHEN n.docs > 0 THEN ${NOW} ELSE r.updated END
          FROM n WHERE r.${this.where()} RETURNING 1)
      SELECT docs FROM n, (SELECT count(*) FROM u) AS updated; COMMIT`,
    );
    if (results[1].rows.length === 0) throw this.gone();
    return Number(results[2].rows[0].docs);
  }

  private static docColumns = 'doc, id, title, text, meta, source_path, source_line, source_verbatim, root';

  private toDocument(r: Record<string, unknown>): StoredDocument {
    const d: StoredDocument = {
      doc: Number(r.doc),
      id: r.id as string,
      title: r.title as string,
      text: r.text as string,
      meta: r.meta as Record<string, unknown>,
    };
    if (typeof r.source_path === 'string')
      d.source = {
        path: r.source_path,
        line: Number(r.source_line ?? 1),
        verbatim: r.source_verbatim === true,
      };
    if (typeof r.root === 'string') d.root = r.root;
    return d;
  }

  /** Ids of the documents written with this `root` (the input folder or file they were read from). */
  async idsUnder(root: string): Promise<string[]> {
    this.open();
    return (
      await this.all<{ id: string }>(
        `SELECT id FROM ${this.t.docs} WHERE root = ${literal(root)} ORDER BY doc`,
      )
    ).map((r) => r.id);
  }

  /** When the collection last changed (ISO 8601), as recorded by every committed write. */
  async updated(): Promise<string | undefined> {
    this.open();
    const r = await this.first<{ updated: string | null }>(
      `SELECT updated FROM ${this.t.registry} WHERE ${this.where()}`,
    );
    if (!r) throw this.gone();
    return r.updated ?? undefined;
  }

  private wordsStore?: PostgresWords;
  words(): PostgresWords {
    this.wordsStore ??= new PostgresWords(
      this.db,
      this.t,
      this.name,
      `${this.location} (${this.t.plain.words})`,
    );
    return this.wordsStore;
  }

  /** Bytes of the collection's tables and their indexes (TOAST included) on the server. */
  async diskBytes(): Promise<number> {
    this.open();
    const { docs, chunks, files, words } = this.t.plain;
    // to_regclass of a table that is not there (no learned words) is NULL and counts nothing
    const r = await this.first<{ bytes: string | null }>(
      `SELECT sum(pg_total_relation_size(to_regclass(t))) AS bytes FROM unnest(${textArray([docs, chunks, files, words].map((n) => ident(n)))}) AS t`,
    );
    return Number(r?.bytes ?? 0);
  }

  /**
   * Nothing is cached here, so readers always see what writers committed; tells whether the
   * collection changed since the last call (or since it was opened).
   */
  async refresh(): Promise<boolean> {
    this.open();
    const now = await this.version();
    const changed = this.seen !== undefined && this.seen !== now;
    this.seen = now;
    return changed;
  }

  /** Removes a collection: its tables and its record, in one transaction (refused while a writer holds it). */
  static async drop(location: string): Promise<void> {
    const loc = parsePostgresLocation(location);
    const db = await Connection.open(loc, 1);
    try {
      const t = tablesOf(loc.name);
      const [reg] = await db.run(`SELECT to_regclass(${literal(REGISTRY)}) IS NOT NULL AS present`);
      const missing = () => new SmyslError('E_COLLECTION', `no collection at ${loc.display}`);
      if (!reg.rows[0].present) throw missing();
      await db.session(async (run) => {
        let locked: Results[number];
        try {
          [, locked] = await run(
            `BEGIN; SELECT 1 FROM ${t.registry} WHERE name = ${literal(loc.name)} FOR UPDATE NOWAIT`,
          );
        } catch (e) {
          if ((e as { code?: string }).code === '55P03')
            throw new SmyslError(
              'E_STATE',
              `${loc.display} is being written by another process; try again when it is done`,
              { cause: e },
            );
          throw e;
        }
        if (locked.rows.length === 0) throw missing();
        await run(
          `DROP TABLE IF EXISTS ${t.chunks}, ${t.docs}, ${t.files}, ${t.words}; DELETE FROM ${t.registry} WHERE name = ${literal(loc.name)}; COMMIT`,
        );
      });
    } finally {
      await db.close();
    }
  }

  async document(id: string): Promise<StoredDocument | undefined> {
    this.open();
    const r = await this.first(
      `SELECT ${PostgresStore.docColumns} FROM ${this.t.docs} WHERE id = ${literal(id)}`,
    );
    return r ? this.toDocument(r) : undefined;
  }

  async documents(docs: number[]): Promise<Map<number, StoredDocument>> {
    this.open();
    const out = new Map<number, StoredDocument>();
    if (docs.length === 0) return out;
    for (const r of await this.all(
      `SELECT ${PostgresStore.docColumns} FROM ${this.t.docs} WHERE doc = ANY(${intArray([...new Set(docs)])})`,
    )) {
      const d = this.toDocument(r);
      out.set(d.doc, d);
    }
    return out;
  }

  async docNumber(id: string): Promise<number | undefined> {
    this.open();
    const r = await this.first<{ doc: string }>(`SELECT doc FROM ${this.t.docs} WHERE id = ${literal(id)}`);
    return r ? Number(r.doc) : undefined;
  }

  async ids(docs: number[]): Promise<string[]> {
    this.open();
    if (docs.length === 0) return [];
    const byDoc = new Map<number, string>();
    for (const r of await this.all<{ doc: string; id: string }>(
      `SELECT doc, id FROM ${this.t.docs} WHERE doc = ANY(${intArray([...new Set(docs)])})`,
    ))
      byDoc.set(Number(r.doc), r.id);
    return docs.map((d) => byDoc.get(d)!);
  }

  private toChunk(r: Record<string, unknown>): StoredChunk {
    return { row: Number(r.chunk), doc: Number(r.doc), start: r.start as number, end: r.stop as number };
  }

  async chunks(rows: number[]): Promise<Map<number, StoredChunk>> {
    this.open();
    const out = new Map<number, StoredChunk>();
    if (rows.length === 0) return out;
    for (const r of await this.all(
      `SELECT doc, chunk, start, stop FROM ${this.t.chunks} WHERE chunk = ANY(${intArray([...new Set(rows)])})`,
    )) {
      const c = this.toChunk(r);
      out.set(c.row, c);
    }
    return out;
  }

  async chunksOf(doc: number): Promise<StoredChunk[]> {
    this.open();
    return (
      await this.all(
        `SELECT doc, chunk, start, stop FROM ${this.t.chunks} WHERE doc = ${int(doc)} ORDER BY chunk`,
      )
    ).map((r) => this.toChunk(r));
  }

  async liveChunks(): Promise<ChunkText[]> {
    this.open();
    // one snapshot for both reads: a write between them must not pair new chunks with old texts
    const [, docs, chunks] = await this.db.run(
      `BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY; SELECT doc, text FROM ${this.t.docs}; ` +
        `SELECT doc, chunk, start, stop FROM ${this.t.chunks} ORDER BY chunk; COMMIT`,
    );
    const texts = new Map<number, string>();
    for (const d of docs.rows) texts.set(Number(d.doc), d.text as string);
    const out: ChunkText[] = [];
    for (const r of chunks.rows) {
      const doc = Number(r.doc);
      const text = texts.get(doc);
      if (text !== undefined)
        out.push({ row: Number(r.chunk), doc, text: text.slice(r.start as number, r.stop as number) });
    }
    return out;
  }

  async matchingDocs(where: Where): Promise<Set<number>> {
    this.open();
    const clauses: string[] = [];
    for (const [field, value] of Object.entries(where)) {
      if (!FIELD.test(field)) throw new SmyslError('E_USAGE', `invalid metadata field name "${field}"`);
      // compared as text, like the embedded store: --where year=2020 matches 2020 and "2020"
      clauses.push(
        `meta #>> ${literal(
          `{${field
            .split('.')
            .map((p) => `"${p}"`)
            .join(',')}}`,
        )} = ${literal(String(value))}`,
      );
    }
    const rows = await this.all<{ doc: string }>(
      `SELECT doc FROM ${this.t.docs}${clauses.length > 0 ? ` WHERE ${clauses.join(' AND ')}` : ''}`,
    );
    return new Set(rows.map((r) => Number(r.doc)));
  }

  private async counters(): Promise<{
    documents: number;
    chunks: number;
    dead: number;
    generation: number;
  }> {
    const r = await this.first<Record<string, string | number>>(
      `SELECT documents, chunks, dead, generation FROM ${this.t.registry} WHERE ${this.where()}`,
    );
    if (!r) throw this.gone();
    return {
      documents: Number(r.documents),
      chunks: Number(r.chunks),
      dead: Number(r.dead),
      generation: Number(r.generation),
    };
  }

  async count(): Promise<number> {
    this.open();
    return (await this.counters()).documents;
  }

  async stats(): Promise<StoreStats> {
    this.open();
    const c = await this.counters();
    return {
      documents: c.documents,
      chunks: c.chunks,
      deadRows: c.dead,
      vectorRows: c.chunks + c.dead,
      generation: c.generation,
    };
  }

  /** The query vector as SQL: a unit vector (scores are inner products, as in the embedded store). */
  private queryVector(query: Float32Array): string {
    const q = query.slice(0, this.dim);
    let norm = 0;
    for (let j = 0; j < q.length; j++) norm += q[j] * q[j];
    norm = Math.sqrt(norm);
    if (norm > 0) for (let j = 0; j < q.length; j++) q[j] /= norm;
    return literal(vectorText(q, 0, this.dim, this.kind === 'array'));
  }

  async searchDense(query: Float32Array, k: number, allowed?: Set<number>): Promise<ChunkHit[]> {
    this.open();
    k = Math.max(1, k);
    if (allowed !== undefined && allowed.size === 0) return [];
    const c = await this.counters();
    const rows = c.chunks;
    if (rows === 0) return [];
    const q = this.queryVector(query);
    const perDoc = c.documents > 0 ? rows / c.documents : 1;
    const best = new Map<number, { score: number; row: number }>();
    const maxDocs = allowed?.size ?? Number.POSITIVE_INFINITY;
    const graph = this.kind === 'vector' && this.manifest.index.type === 'hnsw';
    // a narrow filter is answered exactly (cheap, and a graph degrades under narrow filters)
    const narrow = allowed !== undefined && allowed.size * perDoc <= Math.max(2000, rows * 0.05);
    if (graph && !narrow) {
      let want = perDoc > 1.01 ? k * 3 : k;
      for (;;) {
        best.clear();
        const hits = await this.graphSearch(q, Math.min(want, rows), allowed);
        collect(best, hits);
        if (best.size >= Math.min(k, maxDocs) || hits.length < Math.min(want, rows) || want >= rows) break;
        want *= 2;
      }
      // a wide filter the graph could not satisfy is answered exactly too
      if (best.size < Math.min(k, maxDocs)) best.clear();
    }
    if (best.size === 0) collect(best, await this.exactSearch(q, k, allowed));
    return [...best]
      .sort((a, b) => b[1].score - a[1].score || a[0] - b[0])
      .slice(0, k)
      .map(([doc, { score, row }]) => ({ doc, row, score }));
  }

  /** The `k` chunks nearest to `query`, best first (several may belong to one document). */
  async searchChunks(query: Float32Array, k: number, allowed?: Set<number>): Promise<ChunkHit[]> {
    this.open();
    k = Math.max(1, k);
    if (allowed !== undefined && allowed.size === 0) return [];
    const c = await this.counters();
    if (c.chunks === 0) return [];
    const q = this.queryVector(query);
    const perDoc = c.documents > 0 ? c.chunks / c.documents : 1;
    const graph = this.kind === 'vector' && this.manifest.index.type === 'hnsw';
    // a narrow filter is answered exactly (cheap, and a graph degrades under narrow filters)
    const narrow = allowed !== undefined && allowed.size * perDoc <= Math.max(2000, c.chunks * 0.05);
    if (graph && !narrow) {
      const hits = await this.graphSearch(q, Math.min(k, c.chunks), allowed);
      // fewer than asked (a filter the scan could not satisfy, an unreachable part of the graph): exactly
      if (hits.length >= Math.min(k, c.chunks)) return hits;
    }
    const score =
      this.kind === 'vector'
        ? `-(embedding <#> ${q})`
        : `(SELECT sum(a * b) FROM unnest(embedding, ${q}::real[]) AS v(a, b))`;
    // ordered by an expression the HNSW index does not serve: every allowed chunk is scored
    return hitsOf(
      (
        await this.db.run(
          `SELECT doc, chunk, score FROM (SELECT doc, chunk, ${score} AS score FROM ${this.t.chunks}${this.filterClause(allowed)}) s ` +
            `ORDER BY score DESC, chunk LIMIT ${int(k)}`,
        )
      )[0],
    );
  }

  private filterClause(allowed?: Set<number>): string {
    return allowed ? ` WHERE doc = ANY(${intArray([...allowed])})` : '';
  }

  /** The `limit` chunks nearest to `q` through the HNSW index. */
  private async graphSearch(q: string, limit: number, allowed?: Set<number>): Promise<ChunkHit[]> {
    const ef = Math.max(1, Math.round(this.manifest.index.expansionSearch));
    const iterative = this.pgvector !== undefined && versionAtLeast(this.pgvector, [0, 8]);
    // ef_search is at least the rows asked for, as usearch widens its expansion to k (a long
    // list found by iterative scans of a narrow beam is less exact than one wide pass). pgvector
    // before 0.8 returns at most ef_search rows per scan; 0.8 goes on scanning the graph (what a
    // filter that drops most candidates needs).
    const width = Math.min(1000, Math.max(ef, limit));
    const settings = iterative
      ? `SET LOCAL hnsw.ef_search = ${width}; SET LOCAL hnsw.iterative_scan = strict_order`
      : `SET LOCAL hnsw.ef_search = ${width}`;
    const results = await this.db.run(
      `BEGIN READ ONLY; ${settings}; SELECT doc, chunk, -(embedding <#> ${q}) AS score FROM ${this.t.chunks}${this.filterClause(allowed)} ` +
        `ORDER BY ${orderExpression(this.manifest, q)} LIMIT ${int(limit)}; COMMIT`,
    );
    return hitsOf(results[results.length - 2]);
  }

  /** The best chunk of each of the `k` best documents, scored exactly (every chunk read). */
  private async exactSearch(q: string, k: number, allowed?: Set<number>): Promise<ChunkHit[]> {
    const score =
      this.kind === 'vector'
        ? `-(embedding <#> ${q})`
        : `(SELECT sum(a * b) FROM unnest(embedding, ${q}::real[]) AS v(a, b))`;
    // ordered by document first, so the planner cannot use the HNSW index: every allowed chunk is read
    return hitsOf(
      (
        await this.db.run(
          `SELECT doc, chunk, score FROM (SELECT DISTINCT ON (doc) doc, chunk, score FROM ` +
            `(SELECT doc, chunk, ${score} AS score FROM ${this.t.chunks}${this.filterClause(allowed)}) s ` +
            `ORDER BY doc, score DESC, chunk) b ORDER BY score DESC, doc LIMIT ${int(k)}`,
        )
      )[0],
    );
  }

  /**
   * PostgreSQL full-text search (collections with `lexical: 'fts'`): the query's words as an OR
   * of lexemes under its configuration, ranked by ts_rank_cd (cover density, normalised by
   * document length: 1 + log(length)); best chunk per document.
   */
  async searchLexical(
    query: string,
    k: number,
    allowed?: Set<number>,
    perChunk = false,
  ): Promise<ChunkHit[]> {
    this.open();
    if (this.manifest.lexical !== 'fts')
      throw new SmyslError(
        'E_STATE',
        `${this.location} has no full-text index (lexical: ${this.manifest.lexical})`,
      );
    if (allowed !== undefined && allowed.size === 0) return [];
    const config = literal(textSearchConfig(query));
    const filter = allowed ? ` AND doc = ANY(${intArray([...allowed])})` : '';
    const results = await this.db.run(
      `WITH q AS (SELECT string_agg(quote_literal(lexeme), ' | ')::tsquery AS q FROM unnest(to_tsvector(${config}, ${literal(query)}))),
      hits AS (SELECT doc, chunk, ts_rank_cd(tsv, q.q, 1) AS score FROM ${this.t.chunks}, q WHERE q.q IS NOT NULL AND tsv @@ q.q${filter})
      SELECT doc, chunk, score FROM ${perChunk ? 'hits' : '(SELECT DISTINCT ON (doc) doc, chunk, score FROM hits ORDER BY doc, score DESC, chunk) b'}
      ORDER BY score DESC, ${perChunk ? 'chunk' : 'doc'} LIMIT ${int(Math.max(1, k))}`,
    );
    return hitsOf(results[0]);
  }

  async vectors(rows: number[]): Promise<DenseMatrix> {
    this.open();
    const dim = this.dim;
    const data = new Float32Array(rows.length * dim);
    const at = new Map<number, number[]>();
    rows.forEach((r, i) => (at.get(r) ?? at.set(r, []).get(r)!).push(i));
    const unique = [...at.keys()];
    for (let i = 0; i < unique.length; i += ROWS_PER_STATEMENT) {
      for (const r of await this.all<{ chunk: string; embedding: string }>(
        `SELECT chunk, embedding::text AS embedding FROM ${this.t.chunks} WHERE chunk = ANY(${intArray(unique.slice(i, i + ROWS_PER_STATEMENT))})`,
      ))
        for (const slot of at.get(Number(r.chunk)) ?? [])
          if (!parseVectorText(r.embedding, data, slot * dim, dim))
            throw new SmyslError(
              'E_COLLECTION',
              `${this.location}: chunk ${r.chunk} has a vector of the wrong size`,
            );
    }
    return { rows: rows.length, dim, data };
  }

  async firstChunks(limit: number): Promise<{ doc: StoredDocument; row: number }[]> {
    this.open();
    const rows = await this.all(
      `SELECT d.doc, d.id, d.title, d.text, d.meta, min(c.chunk) AS chunk FROM ${this.t.docs} d JOIN ${this.t.chunks} c ON c.doc = d.doc ` +
        `GROUP BY d.doc ORDER BY d.doc LIMIT ${int(Math.max(0, Math.floor(limit)))}`,
    );
    return rows.map((r) => ({ doc: this.toDocument(r), row: Number(r.chunk) }));
  }

  /**
   * Deleted and replaced chunks are gone from the tables at once (MVCC keeps their space until
   * VACUUM); compact runs VACUUM, which also removes them from the HNSW graph, and starts a new
   * generation with no dead rows.
   */
  async compact(opts: LongRunning = {}): Promise<{ removedRows: number }> {
    this.writable();
    const { dead } = await this.counters();
    if (dead === 0) return { removedRows: 0 };
    opts.onProgress?.({ phase: 'compacting', done: 0, total: 2, unit: 'tables' });
    await this.db.run(`VACUUM (ANALYZE) ${this.t.docs}`);
    opts.onProgress?.({ phase: 'compacting', done: 1, total: 2, unit: 'tables' });
    await this.db.run(`VACUUM (ANALYZE) ${this.t.chunks}`);
    opts.onProgress?.({ phase: 'compacting', done: 2, total: 2, unit: 'tables' });
    const results = await this.db.run(
      `BEGIN; SELECT dead FROM ${this.t.registry} WHERE ${this.where()} FOR UPDATE; ` +
        `UPDATE ${this.t.registry} SET dead = 0, generation = generation + 1, version = version + 1, updated = ${NOW} WHERE ${this.where()}; COMMIT`,
    );
    return { removedRows: Number(results[1].rows[0]?.dead ?? 0) };
  }

  /** Whether this collection searches through an HNSW index (pgvector, `index.type` hnsw). */
  private get graphIndexed(): boolean {
    return this.kind === 'vector' && this.manifest.index.type === 'hnsw';
  }

  /**
   * Every committed batch is already in the database; a load that went in without the HNSW
   * index (see `write`) builds it here, in one transaction under the collection's lock.
   */
  async flush(): Promise<void> {
    if (!this.graphPending || this.closed) return;
    await this.buildGraph();
    this.graphPending = false;
  }

  /** Creates the HNSW index if it is missing, with memory for the build to stay in RAM. */
  private async buildGraph(): Promise<void> {
    const ddl = hnswIndexDdl(this.t, this.manifest, this.kind);
    if (!ddl) return;
    await this.db.session(async (run) => {
      const [, locked, setting] = await run(
        `BEGIN; SELECT chunks + dead AS rows FROM ${this.t.registry} WHERE ${this.where()} FOR UPDATE; ` +
          `SELECT setting::bigint AS kb FROM pg_settings WHERE name = 'maintenance_work_mem'`,
      );
      if (locked.rows.length === 0) throw this.gone();
      const needed = hnswBuildMemoryKb(this.manifest, Number(locked.rows[0].rows));
      // raised for this transaction only, never lowered, and at most 1 GB
      const kb = Math.min(1 << 20, Math.max(Number(setting.rows[0]?.kb ?? 0), needed));
      await run(`SET LOCAL maintenance_work_mem = '${int(kb)}kB'; ${ddl}; COMMIT`);
    });
  }

  /** Rebuilds the collection's indexes (the HNSW graph among them) from the tables. */
  async rebuildIndex(): Promise<void> {
    this.writable();
    await this.buildGraph();
    this.graphPending = false;
    await this.db.run(`REINDEX TABLE ${this.t.chunks}`);
  }

  /** The recorded counters against the tables, and chunks without a document: "ok" when they agree. */
  async integrityCheck(): Promise<string> {
    this.open();
    const [r] = await this.db.run(
      `SELECT (SELECT count(*) FROM ${this.t.docs}) AS docs, (SELECT count(*) FROM ${this.t.chunks}) AS chunks, ` +
        `(SELECT count(*) FROM ${this.t.chunks} c WHERE NOT EXISTS (SELECT 1 FROM ${this.t.docs} d WHERE d.doc = c.doc)) AS orphans`,
    );
    const c = await this.counters();
    const found = r.rows[0];
    const problems: string[] = [];
    if (Number(found.docs) !== c.documents) problems.push(`${found.docs} documents, ${c.documents} recorded`);
    if (Number(found.chunks) !== c.chunks) problems.push(`${found.chunks} chunks, ${c.chunks} recorded`);
    if (Number(found.orphans) > 0) problems.push(`${found.orphans} chunks without a document`);
    return problems.length === 0 ? 'ok' : problems.join('; ');
  }

  async close(): Promise<void> {
    if (this.closed) return;
    try {
      await this.flush();
    } finally {
      this.closed = true;
      await this.db.close();
    }
  }

  private open(): void {
    if (this.closed) throw new SmyslError('E_STATE', `collection ${this.manifest.name} is closed`);
  }

  private writable(): void {
    this.open();
    if (this.readonly)
      throw new SmyslError('E_STATE', `collection ${this.manifest.name} was opened read-only`);
  }
}

function collect(best: Map<number, { score: number; row: number }>, hits: ChunkHit[]): void {
  for (const h of hits) {
    const seen = best.get(h.doc);
    if (!seen || h.score > seen.score) best.set(h.doc, { score: h.score, row: h.row });
  }
}

function hitsOf(result: Results[number]): ChunkHit[] {
  return result.rows.map((r) => ({ doc: Number(r.doc), row: Number(r.chunk), score: Number(r.score) }));
}

function versionAtLeast(version: string, want: number[]): boolean {
  const parts = version.split('.').map(Number);
  for (let i = 0; i < want.length; i++) {
    if ((parts[i] ?? 0) !== want[i]) return (parts[i] ?? 0) > want[i];
  }
  return true;
}

function isDuplicate(e: unknown): boolean {
  const cause = (e as { cause?: { code?: string } }).cause;
  return cause?.code === '23505' || cause?.code === '42P07';
}

/**
 * pgvector for the vectors: enabled when the server has it (its version), else undefined and a
 * warning — vectors then go into real[] arrays, searched exactly.
 */
async function enableVectors(
  db: Connection,
  loc: PostgresLocation,
  warn: (message: string) => void,
): Promise<string | undefined> {
  const [available] = await db.run(
    `SELECT (SELECT extversion FROM pg_extension WHERE extname = 'vector') AS installed, ` +
      `(SELECT count(*) FROM pg_available_extensions WHERE name = 'vector') AS available`,
  );
  const { installed, available: count } = available.rows[0];
  if (installed) return installed as string;
  if (Number(count) === 0) {
    warn(
      `the PostgreSQL server of ${loc.display} has no pgvector: vectors are stored as real[] and searched exactly (slow beyond ~10,000 chunks); install pgvector for an HNSW index`,
    );
    return undefined;
  }
  try {
    await db.run('CREATE EXTENSION IF NOT EXISTS vector');
  } catch (e) {
    throw new SmyslError(
      'E_COLLECTION',
      `${loc.display}: pgvector is installed on the server but not enabled in this database, and enabling it failed (${(e as Error).message}); ask its owner to run "CREATE EXTENSION vector"`,
      { cause: e },
    );
  }
  const [v] = await db.run(`SELECT extversion FROM pg_extension WHERE extname = 'vector'`);
  return v.rows[0].extversion as string;
}

interface TreeFile {
  path: string;
  data: Buffer;
}

/** Every file under `dir`, with its path relative to it ("/"-separated), sorted. */
async function readTree(dir: string): Promise<TreeFile[]> {
  const out: TreeFile[] = [];
  const walk = async (sub: string) => {
    for (const e of await fsp.readdir(path.join(dir, sub), { withFileTypes: true })) {
      const rel = sub ? `${sub}/${e.name}` : e.name;
      if (e.isDirectory()) await walk(rel);
      else if (e.isFile()) out.push({ path: rel, data: await fsp.readFile(path.join(dir, rel)) });
    }
  };
  await walk('');
  return out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

function treeSha(files: TreeFile[]): string {
  const h = createHash('sha256');
  for (const f of files) h.update(`${f.path}\n${f.data.length}\n`).update(f.data);
  return h.digest('hex');
}

/**
 * The local directories of a collection: its files (restored by `fill` when not there yet) and
 * a cache directory for derived data (the lexical index), keyed on the collection's creation.
 */
async function placeFiles(
  loc: PostgresLocation,
  row: RegistryRow,
  fill: (dir: string) => Promise<void>,
): Promise<{ filesDir: string; cacheDir: string }> {
  const cacheDir = path.join(userCacheDir(), 'postgres', cacheKey(loc.key, row.created));
  const filesDir = path.join(cacheDir, `files-${row.files_sha.slice(0, 16)}`);
  try {
    await fsp.mkdir(cacheDir, { recursive: true });
    if (!existsSync(filesDir)) await fill(filesDir);
  } catch (e) {
    throw e instanceof SmyslError ? e : writeError(filesDir, e);
  }
  return { filesDir, cacheDir };
}
