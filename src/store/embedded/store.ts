import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import type Database from 'better-sqlite3';
import { FileWords } from '../../embed/student/words.js';
import { SmyslError } from '../../errors.js';
import { ExactIndex } from '../../index/exact.js';
import type { RowHits, RowIndex } from '../../index/types.js';
import type { UsearchIndex } from '../../index/usearch.js';
import { writeError, writeFileAtomic } from '../../util/fs.js';
import type { LongRunning } from '../../util/progress.js';
import { TopK } from '../../util/topk.js';
import { normalizeRowsInPlace } from '../../vectors/dense.js';
import type { DenseMatrix } from '../../vectors/types.js';
import { IdTable } from '../id-table.js';
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
import { GraphFiles, TieredIndex, tailLimit } from './graph.js';
import { WriterLock } from './lock.js';
import { VectorFile } from './vectors.js';

// required rather than imported: Node scans a CommonJS package imported as an ES module for
// its export names, time every command that opens a collection would pay
const Sqlite = createRequire(import.meta.url)('better-sqlite3') as typeof Database;

export const MANIFEST = 'manifest.json';
const DATABASE = 'store.sqlite';
const FIELD = /^[\p{L}\p{N}_.-]+$/u;

export interface EmbeddedOpenOptions {
  readonly?: boolean;
  /** Overrides the stored HNSW search expansion for this session. */
  expansionSearch?: number;
  /** Told when derived files are rebuilt (a damaged or stale graph), with the reason. */
  onWarning?: (message: string) => void;
}

/**
 * A collection in one directory:
 * - `store.sqlite` (WAL) is the source of truth: documents, chunks, dead rows, the number of
 *   committed vector rows, the generation, and a copy of the manifest;
 * - `vectors.<g>.f32` holds the vectors, appended and fsynced before the transaction that counts
 *   them commits (rows past the committed count are a batch that never committed);
 * - `usearch.<g>.bin` (+ `.orphans`, + a sidecar with checksums) is the HNSW graph: a cache,
 *   checked before it is loaded and rebuilt from the vectors whenever anything is off;
 * - `manifest.json`, `embedder/`, `postprocess/`: how vectors are made;
 * - `writer.lock.sqlite`: the single-writer lock (readers never take it).
 */
export class EmbeddedStore implements CollectionStore {
  readonly location: string;
  readonly manifest: CollectionManifest;
  readonly readonly: boolean;
  readonly filesDir: string;
  readonly cacheDir: string;
  private readonly db: Database.Database;
  private readonly lock?: WriterLock;
  private readonly onWarning: (message: string) => void;
  private vectorsFile!: VectorFile;
  private generation: number;
  private committedRows: number;
  private deletes: number;
  /** Vector row → document number (−1: dead). */
  private rowToDoc = new Int32Array(0);
  /**
   * Document number → id, in memory: looking ids up in SQLite costs more than the graph search
   * itself at low ef, and ids are small next to the vectors.
   */
  private readonly docIds = new IdTable();
  /** Built on first use: a search by keywords alone never loads the graph. */
  private index?: RowIndex;
  private graphFiles?: GraphFiles;
  /** Rows and delete counter the graph on disk covers (−1: none on disk). */
  private savedGraph = { rows: -1, deletes: -1 };
  private readonly statements = new Map<string, Database.Statement>();
  private closed = false;
  /** Tables that collections made by smysl 0.1.0 lack (a reader cannot add them). */
  private readonly hasSources: boolean;
  private readonly hasMeta: boolean;

  private constructor(
    dir: string,
    manifest: CollectionManifest,
    db: Database.Database,
    readonly: boolean,
    lock: WriterLock | undefined,
    onWarning: (message: string) => void,
  ) {
    this.location = dir;
    this.manifest = manifest;
    this.db = db;
    this.readonly = readonly;
    this.lock = lock;
    this.filesDir = dir;
    this.cacheDir = dir;
    this.onWarning = onWarning;
    this.generation = this.state('generation');
    this.committedRows = this.state('rows');
    this.deletes = this.state('deletes');
    const tables = new Set(
      db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").pluck().all() as string[],
    );
    this.hasSources = tables.has('sources');
    this.hasMeta = tables.has('meta');
  }

  get dim(): number {
    return this.manifest.embedder.dim;
  }

  /** Whether `dir` holds a collection, or the remains of one (a database without a manifest). */
  static exists(dir: string): boolean {
    if (existsSync(path.join(dir, MANIFEST))) return true;
    return existsSync(path.join(dir, DATABASE)) && orphanDatabase(dir) !== 'unfinished';
  }

  /**
   * Creates a collection in `dir`. `prepare` writes the embedder's files into the directory and
   * returns the manifest; the manifest file is written last, so a directory without one is an
   * unfinished create (which `create` may start over), not a collection.
   */
  static async create(
    dir: string,
    prepare: (filesDir: string) => Promise<CollectionManifest>,
    opts: EmbeddedOpenOptions = {},
  ): Promise<EmbeddedStore> {
    if (existsSync(path.join(dir, MANIFEST)))
      throw new SmyslError('E_COLLECTION', `a collection already exists in ${dir}`);
    if (existsSync(path.join(dir, DATABASE))) {
      // a create killed before its manifest was saved left an empty database: start over
      if (orphanDatabase(dir) !== 'unfinished')
        throw new SmyslError(
          'E_COLLECTION',
          `${dir} holds a collection whose manifest.json is missing; run "smysl collections repair ${dir}" to restore it (creating a new one there would mix two embedders)`,
        );
      for (const f of [DATABASE, `${DATABASE}-wal`, `${DATABASE}-shm`])
        rmSync(path.join(dir, f), { force: true });
    }
    try {
      mkdirSync(dir, { recursive: true });
    } catch (e) {
      throw writeError(dir, e);
    }
    const lock = WriterLock.acquire(dir);
    try {
      const manifest = await prepare(dir);
      const db = openDatabase(dir, false);
      db.prepare("INSERT OR REPLACE INTO meta (key, value) VALUES ('manifest', ?)").run(
        JSON.stringify(manifest),
      );
      await writeFileAtomic(path.join(dir, MANIFEST), `${JSON.stringify(manifest, null, 2)}\n`);
      const store = new EmbeddedStore(dir, manifest, db, false, lock, opts.onWarning ?? (() => {}));
      store.recover();
      return store;
    } catch (e) {
      lock.release();
      throw e;
    }
  }

  /** Opens an existing collection; a writer repairs what a crash left behind. */
  static async open(dir: string, opts: EmbeddedOpenOptions = {}): Promise<EmbeddedStore> {
    const manifestFile = path.join(dir, MANIFEST);
    if (!existsSync(manifestFile) && existsSync(path.join(dir, DATABASE))) {
      const orphan = orphanDatabase(dir);
      // the copy in an empty database is the manifest its create wrote just before the file
      if (orphan === 'created' && !opts.readonly) await EmbeddedStore.restoreManifest(dir);
      else if (orphan === 'unfinished')
        throw new SmyslError('E_COLLECTION', `no collection in ${dir} (run "smysl index" to create one)`);
    }
    if (!existsSync(manifestFile)) {
      if (existsSync(path.join(dir, DATABASE)))
        throw new SmyslError(
          'E_COLLECTION',
          `${manifestFile} is missing; run "smysl collections repair ${dir}" to restore it from the collection's database`,
        );
      throw new SmyslError('E_COLLECTION', `no collection in ${dir} (run "smysl index" to create one)`);
    }
    const manifest = readManifest(manifestFile);
    const readonly = opts.readonly ?? false;
    const lock = readonly ? undefined : WriterLock.acquire(dir);
    try {
      const db = openDatabase(dir, readonly);
      const store = new EmbeddedStore(dir, manifest, db, readonly, lock, opts.onWarning ?? (() => {}));
      if (opts.expansionSearch !== undefined) store.manifest.index.expansionSearch = opts.expansionSearch;
      store.recover();
      return store;
    } catch (e) {
      lock?.release();
      throw e;
    }
  }

  /**
   * Restores a missing or unreadable `manifest.json` from the copy in the database (collections made by smysl 0.1.0 have
   * none; their manifest cannot be restored). Returns whether it wrote one.
   */
  static async restoreManifest(dir: string): Promise<boolean> {
    const file = path.join(dir, MANIFEST);
    if (existsSync(file)) {
      try {
        JSON.parse(readFileSync(file, 'utf8'));
        return false;
      } catch {
        // damaged: restored below like a missing one
      }
    }
    if (!existsSync(path.join(dir, DATABASE)))
      throw new SmyslError('E_COLLECTION', `no collection in ${dir}`);
    const lock = WriterLock.acquire(dir);
    try {
      const db = openDatabase(dir, false);
      try {
        const saved = db.prepare("SELECT value FROM meta WHERE key = 'manifest'").pluck().get() as
          | string
          | undefined;
        if (saved === undefined)
          throw new SmyslError(
            'E_COLLECTION',
            `${path.join(dir, MANIFEST)} is missing and the database holds no copy (made by smysl 0.1.0): index into a new collection`,
          );
        await writeFileAtomic(path.join(dir, MANIFEST), `${JSON.stringify(JSON.parse(saved), null, 2)}\n`);
        return true;
      } finally {
        db.close();
      }
    } finally {
      lock.release();
    }
  }

  /** Deletes the collection in `dir` (a writer must not be at work on it). */
  static async drop(dir: string): Promise<void> {
    if (!EmbeddedStore.exists(dir)) throw new SmyslError('E_COLLECTION', `no collection in ${dir}`);
    const lock = WriterLock.acquire(dir);
    lock.release();
    rmSync(dir, { recursive: true, force: true });
  }

  /** Names of the collections in the subdirectories of `parent`, sorted. */
  static list(parent: string): string[] {
    if (!existsSync(parent)) return [];
    return readdirSync(parent, { withFileTypes: true })
      .filter((e) => e.isDirectory() && EmbeddedStore.exists(path.join(parent, e.name)))
      .map((e) => e.name)
      .sort();
  }

  private state(key: string): number {
    return this.statement('SELECT value FROM state WHERE key = ?').pluck().get(key) as number;
  }

  /** Whether the counters a reader follows moved since it last caught up (one cached statement). */
  private moved(): boolean {
    const [generation, rows, deletes] = this.statement(
      "SELECT (SELECT value FROM state WHERE key = 'generation'), (SELECT value FROM state WHERE key = 'rows'), (SELECT value FROM state WHERE key = 'deletes')",
    )
      .raw()
      .get() as number[];
    return generation !== this.generation || rows !== this.committedRows || deletes !== this.deletes;
  }

  private statement(sql: string): Database.Statement {
    let st = this.statements.get(sql);
    if (!st) {
      st = this.db.prepare(sql);
      this.statements.set(sql, st);
    }
    return st;
  }

  /** Lines files up with the database: trims uncommitted vectors, removes stale files, loads ids. */
  private recover(): void {
    this.vectorsFile = new VectorFile(
      path.join(this.location, `vectors.${this.generation}.f32`),
      this.dim,
      this.readonly,
    );
    const rows = this.vectorsFile.rows;
    if (rows > this.committedRows) this.vectorsFile.truncate(this.committedRows);
    if (!this.readonly) this.removeStaleFiles();
    this.rowToDoc = new Int32Array(Math.max(16, this.committedRows)).fill(-1);
    for (const [row, doc] of pagedPairs<number, number>(this.db, 'row', 'doc', 'chunks', 'row', -1))
      this.rowToDoc[row] = doc;
    const { maxDoc } = this.db.prepare('SELECT coalesce(max(doc), -1) AS maxDoc FROM docs').get() as {
      maxDoc: number;
    };
    try {
      this.docIds.loadPacked(idPages(this.db), maxDoc);
    } catch {
      // an id whose UTF-8 SQLite and Node count differently (a lone surrogate): one by one
      this.docIds.load(pagedPairs<number, string>(this.db, 'doc', 'id', 'docs', 'id', null));
    }
  }

  /**
   * Live rows whose vectors must be made again: missing from the vectors file (it was truncated),
   * or damaged. Stored vectors are unit length (or zero), so a changed byte shows as a wrong norm.
   * Reads the whole file: writers call it when they open.
   */
  async damagedVectorRows(): Promise<number[]> {
    const out: number[] = [];
    const present = Math.min(this.vectorsFile.rows, this.committedRows);
    for (let start = 0; start < present; start += 8192) {
      const count = Math.min(8192, present - start);
      for (const r of badRows(this.vectorsFile.readBlock(start, count)))
        if (this.rowToDoc[start + r] >= 0) out.push(start + r);
    }
    for (let r = present; r < this.committedRows; r++) if (this.rowToDoc[r] >= 0) out.push(r);
    return out;
  }

  /** Writes re-made vectors of `rows` (repair); rows the file lacked and that are dead get zeros. */
  async restoreVectors(rows: number[], vectors: DenseMatrix): Promise<void> {
    this.writable();
    const dim = this.dim;
    const present = this.vectorsFile.rows;
    if (present < this.committedRows)
      this.vectorsFile.write(present, {
        rows: this.committedRows - present,
        dim,
        data: new Float32Array((this.committedRows - present) * dim),
      });
    rows.forEach((r, i) =>
      this.vectorsFile.write(r, { rows: 1, dim, data: vectors.data.subarray(i * dim, (i + 1) * dim) }),
    );
    this.dropIndex();
  }

  /**
   * Rows as the index takes them: a damaged row (wrong norm) is zeroed, so it matches nothing
   * instead of poisoning scores, and reported once.
   */
  private readForIndex(from: number, count: number): DenseMatrix {
    const block = this.vectorsFile.readBlock(from, count);
    const bad = badRows(block);
    if (bad.length > 0) {
      for (const r of bad) block.data.fill(0, r * this.dim, (r + 1) * this.dim);
      this.onWarning(
        `${bad.length} damaged vector(s) in ${this.vectorsFile.file} are ignored; run "smysl collections repair ${this.location}" to re-embed them`,
      );
    }
    return block;
  }

  private removeStaleFiles(): void {
    const keep = new Set([`vectors.${this.generation}.f32`, ...this.graph().names()]);
    for (const name of readdirSync(this.location)) {
      if ((/^(vectors|hnsw|usearch)\.\d+\./.test(name) && !keep.has(name)) || name.endsWith('.tmp'))
        rmSync(path.join(this.location, name), { recursive: true, force: true });
    }
  }

  private graph(): GraphFiles {
    const s = this.manifest.index;
    if (!this.graphFiles?.graph.endsWith(`.${this.generation}.bin`))
      this.graphFiles = new GraphFiles(this.location, this.generation, this.dim, {
        connectivity: s.connectivity,
        expansionAdd: s.expansionAdd,
        expansionSearch: s.expansionSearch,
        precision: s.precision ?? 'f32',
      });
    return this.graphFiles;
  }

  /** The dense index, loaded (or rebuilt) on first use. */
  private rowIndex(): RowIndex {
    if (this.index) return this.index;
    if (this.vectorsFile.rows < this.committedRows)
      throw new SmyslError(
        'E_COLLECTION',
        `${this.vectorsFile.file} holds ${this.vectorsFile.rows} vectors but ${this.committedRows} are committed; run "smysl collections repair ${this.location}" to re-embed the missing ones`,
      );
    const readRows = (from: number, count: number) => this.readForIndex(from, count);
    if (this.manifest.index.type === 'exact') {
      const exact = new ExactIndex(this.dim, { metric: 'dot' });
      for (let start = 0; start < this.committedRows; start += 8192)
        exact.addRows(readRows(start, Math.min(8192, this.committedRows - start)));
      for (let r = 0; r < this.committedRows; r++) if (this.rowToDoc[r] < 0) exact.remove(r);
      this.index = exact;
      return exact;
    }
    const files = this.graph();
    const loaded = files.load(this.committedRows);
    let graph: UsearchIndex;
    if ('index' in loaded) {
      graph = loaded.index;
      this.savedGraph = { rows: graph.rowCount, deletes: loaded.deletes };
    } else {
      if (this.committedRows > 0 && !/none yet/.test(loaded.reason))
        this.onWarning(`rebuilding the search graph of ${this.location}: ${loaded.reason}`);
      graph = files.newIndex();
      this.savedGraph = { rows: -1, deletes: -1 };
    }
    const tiered = new TieredIndex(this.dim, graph, readRows);
    const from = graph.rowCount;
    // rows after the saved graph: searched exactly while few, else put into the graph
    const tail = this.committedRows - from;
    const inserted = tail > tailLimit(from);
    if (inserted) {
      for (let start = from; start < this.committedRows; start += 8192)
        graph.addRows(readRows(start, Math.min(8192, this.committedRows - start)));
    } else if (tail > 0) tiered.addRows(readRows(from, tail));
    if (this.savedGraph.deletes !== this.deletes)
      for (let r = 0; r < this.committedRows; r++) if (this.rowToDoc[r] < 0) tiered.remove(r);
    // addRows checks each block as it goes in, but the rows it inserts again (and the blocks
    // after) can cut the last links to rows that passed: before this graph is searched — a
    // reader never saves it — every row is checked once more and the missed ones are kept as
    // orphans (a writer's next save repairs them, see flush)
    if (inserted) graph.recheck(readRows, 0);
    this.index = tiered;
    return tiered;
  }

  private dropIndex(): void {
    this.index?.close?.();
    this.index = undefined;
  }

  async version(): Promise<string> {
    return `${this.generation}:${this.committedRows}:${this.deletes}`;
  }

  async hashes(ids: string[]): Promise<Map<string, string>> {
    const lookup = this.statement('SELECT hash FROM docs WHERE id = ?').pluck();
    const out = new Map<string, string>();
    for (const id of ids) {
      const h = lookup.get(id) as string | undefined;
      if (h !== undefined) out.set(id, h);
    }
    return out;
  }

  async write(docs: DocumentToWrite[], vectors: DenseMatrix): Promise<{ added: number; replaced: number }> {
    this.writable();
    const chunkCount = docs.reduce((n, d) => n + d.spans.length, 0);
    if (chunkCount !== vectors.rows)
      throw new SmyslError('E_STATE', `${vectors.rows} vectors for ${chunkCount} chunks`);
    if (docs.length === 0) return { added: 0, replaced: 0 };
    // the writer keeps the index current, so that close() can judge whether to save the graph
    const index = this.rowIndex();
    const first = this.committedRows;
    // vectors reach the disk (fsync) before the transaction that counts them
    try {
      this.vectorsFile.write(first, vectors);
    } catch (e) {
      this.vectorsFile.truncate(first);
      throw e;
    }
    const find = this.statement('SELECT doc FROM docs WHERE id = ?').pluck();
    const rowsOf = this.statement('SELECT row FROM chunks WHERE doc = ?').pluck();
    const insertDoc = this.statement('INSERT INTO docs (id, hash, title, text, meta) VALUES (?, ?, ?, ?, ?)');
    const insertChunk = this.statement('INSERT INTO chunks (row, doc, start, end) VALUES (?, ?, ?, ?)');
    const insertSource = this.statement(
      'INSERT INTO sources (doc, path, line, verbatim, root) VALUES (?, ?, ?, ?, ?)',
    );
    const deadRows: number[] = [];
    const oldDocs: number[] = [];
    const newRows: [number, number][] = [];
    const newDocs: [number, string][] = [];
    let replaced = 0;
    try {
      this.db.transaction(() => {
        let row = first;
        for (const d of docs) {
          const old = find.get(d.id) as number | undefined;
          if (old !== undefined) {
            deadRows.push(...(rowsOf.all(old) as number[]));
            this.removeDocRows(old);
            oldDocs.push(old);
            replaced++;
          }
          const info = insertDoc.run(d.id, d.hash, d.title, d.text, JSON.stringify(d.meta));
          const doc = Number(info.lastInsertRowid);
          if (d.source)
            insertSource.run(doc, d.source.path, d.source.line, d.source.verbatim ? 1 : 0, d.root ?? null);
          newDocs.push([doc, d.id]);
          for (const s of d.spans) {
            insertChunk.run(row, doc, s.start, s.end);
            newRows.push([row, doc]);
            row++;
          }
        }
        this.setState('rows', row);
        if (replaced > 0) this.setState('deletes', this.deletes + 1);
        this.touch();
      })();
    } catch (e) {
      this.vectorsFile.truncate(first);
      throw databaseError(this.location, e);
    }
    this.committedRows = first + vectors.rows;
    if (replaced > 0) this.deletes++;
    this.growRowMap(this.committedRows);
    for (const r of deadRows) this.rowToDoc[r] = -1;
    for (const [r, d] of newRows) this.rowToDoc[r] = d;
    for (const d of oldDocs) this.docIds.delete(d);
    for (const [d, id] of newDocs) this.docIds.set(d, id);
    for (const r of deadRows) index.remove(r);
    index.addRows(vectors);
    return { added: docs.length - replaced, replaced };
  }

  private setState(key: string, value: number): void {
    this.statement('UPDATE state SET value = ? WHERE key = ?').run(value, key);
  }

  /** Inside a transaction: records when the collection last changed. */
  private touch(): void {
    this.statement("INSERT OR REPLACE INTO meta (key, value) VALUES ('updated', ?)").run(
      new Date().toISOString(),
    );
  }

  /** Inside a transaction: moves a document's rows to `dead` and deletes the document. */
  private removeDocRows(doc: number): void {
    this.statement('INSERT OR IGNORE INTO dead (row) SELECT row FROM chunks WHERE doc = ?').run(doc);
    this.statement('DELETE FROM chunks WHERE doc = ?').run(doc);
    this.statement('DELETE FROM docs WHERE doc = ?').run(doc);
    this.statement('DELETE FROM sources WHERE doc = ?').run(doc);
  }

  private growRowMap(rows: number): void {
    if (rows <= this.rowToDoc.length) return;
    const grown = new Int32Array(Math.max(rows, this.rowToDoc.length * 2)).fill(-1);
    grown.set(this.rowToDoc);
    this.rowToDoc = grown;
  }

  async delete(ids: string[]): Promise<number> {
    this.writable();
    const find = this.statement('SELECT doc FROM docs WHERE id = ?').pluck();
    const rowsOf = this.statement('SELECT row FROM chunks WHERE doc = ?').pluck();
    const dead: number[] = [];
    const removedDocs: number[] = [];
    try {
      this.db.transaction(() => {
        for (const id of ids) {
          const doc = find.get(id) as number | undefined;
          if (doc === undefined) continue;
          dead.push(...(rowsOf.all(doc) as number[]));
          this.removeDocRows(doc);
          removedDocs.push(doc);
        }
        if (removedDocs.length > 0) {
          this.setState('deletes', this.deletes + 1);
          this.touch();
        }
      })();
    } catch (e) {
      throw databaseError(this.location, e);
    }
    if (removedDocs.length > 0) {
      this.deletes++;
      for (const doc of removedDocs) this.docIds.delete(doc);
      for (const r of dead) {
        this.rowToDoc[r] = -1;
        this.index?.remove(r);
      }
    }
    return removedDocs.length;
  }

  private get documentSql(): string {
    return this.hasSources
      ? 'SELECT d.doc, d.id, d.title, d.text, d.meta, s.path, s.line, s.verbatim, s.root FROM docs d LEFT JOIN sources s ON s.doc = d.doc'
      : 'SELECT doc, id, title, text, meta, NULL AS path, NULL AS line, NULL AS verbatim, NULL AS root FROM docs d';
  }

  async document(id: string): Promise<StoredDocument | undefined> {
    const r = this.statement(`${this.documentSql} WHERE d.id = ?`).get(id) as DocumentRow | undefined;
    return r ? storedDocument(r) : undefined;
  }

  async documents(docs: number[]): Promise<Map<number, StoredDocument>> {
    const get = this.statement(`${this.documentSql} WHERE d.doc = ?`);
    const out = new Map<number, StoredDocument>();
    // passages of one long document share its row: read it once
    for (const d of new Set(docs)) {
      const r = get.get(d) as DocumentRow | undefined;
      if (r) out.set(d, storedDocument(r));
    }
    return out;
  }

  async idsUnder(root: string): Promise<string[]> {
    if (!this.hasSources) return [];
    return this.statement('SELECT d.id FROM sources s JOIN docs d ON d.doc = s.doc WHERE s.root = ?')
      .pluck()
      .all(root) as string[];
  }

  async updated(): Promise<string | undefined> {
    if (!this.hasMeta) return undefined;
    return this.statement("SELECT value FROM meta WHERE key = 'updated'").pluck().get() as string | undefined;
  }

  async docNumber(id: string): Promise<number | undefined> {
    return this.statement('SELECT doc FROM docs WHERE id = ?').pluck().get(id) as number | undefined;
  }

  async ids(docs: number[]): Promise<string[]> {
    return docs.map((d) => this.docIds.get(d)!);
  }

  async chunks(rows: number[]): Promise<Map<number, StoredChunk>> {
    const get = this.statement('SELECT row, doc, start, end FROM chunks WHERE row = ?');
    const out = new Map<number, StoredChunk>();
    for (const r of rows) {
      const c = get.get(r) as StoredChunk | undefined;
      if (c) out.set(r, c);
    }
    return out;
  }

  async chunksOf(doc: number): Promise<StoredChunk[]> {
    return this.statement('SELECT row, doc, start, end FROM chunks WHERE doc = ? ORDER BY row').all(
      doc,
    ) as StoredChunk[];
  }

  async liveChunks(): Promise<ChunkText[]> {
    const texts = new Map<number, string>();
    for (const d of this.statement('SELECT doc, text FROM docs').iterate() as Iterable<{
      doc: number;
      text: string;
    }>)
      texts.set(d.doc, d.text);
    const chunks: ChunkText[] = [];
    for (const c of this.statement(
      'SELECT row, doc, start, end FROM chunks ORDER BY row',
    ).iterate() as Iterable<StoredChunk>) {
      const text = texts.get(c.doc);
      if (text !== undefined) chunks.push({ row: c.row, doc: c.doc, text: text.slice(c.start, c.end) });
    }
    return chunks;
  }

  async liveChunksAfter(row: number): Promise<ChunkText[]> {
    const text = this.statement('SELECT text FROM docs WHERE doc = ?').pluck();
    const texts = new Map<number, string>();
    const chunks: ChunkText[] = [];
    for (const c of this.statement(
      'SELECT row, doc, start, end FROM chunks WHERE row > ? ORDER BY row',
    ).iterate(row) as Iterable<StoredChunk>) {
      let t = texts.get(c.doc);
      if (t === undefined) {
        t = text.get(c.doc) as string | undefined;
        if (t === undefined) continue;
        texts.set(c.doc, t);
      }
      chunks.push({ row: c.row, doc: c.doc, text: t.slice(c.start, c.end) });
    }
    return chunks;
  }

  isLiveRow(row: number): boolean {
    // rows this session has not seen yet are live: they were committed after its last refresh
    return row >= this.committedRows || this.rowToDoc[row] >= 0;
  }

  rowEpoch(): string {
    return String(this.generation);
  }

  async matchingDocs(where: Where): Promise<Set<number>> {
    const clauses: string[] = [];
    const values: (string | number)[] = [];
    for (const [field, value] of Object.entries(where)) {
      if (!FIELD.test(field)) throw new SmyslError('E_USAGE', `invalid metadata field name "${field}"`);
      // compare as text so --where year=2020 matches both 2020 and "2020"
      clauses.push(`CAST(json_extract(meta, '$.' || ?) AS TEXT) = ?`);
      values.push(field, typeof value === 'boolean' ? (value ? 1 : 0) : String(value));
    }
    const sql = `SELECT doc FROM docs${clauses.length > 0 ? ` WHERE ${clauses.join(' AND ')}` : ''}`;
    try {
      return new Set(
        this.statement(sql)
          .pluck()
          .all(...values) as number[],
      );
    } catch (e) {
      throw databaseError(this.location, e);
    }
  }

  async count(): Promise<number> {
    return this.statement('SELECT count(*) FROM docs').pluck().get() as number;
  }

  async stats(): Promise<StoreStats> {
    return {
      documents: await this.count(),
      chunks: this.statement('SELECT count(*) FROM chunks').pluck().get() as number,
      deadRows: this.deadCount(),
      vectorRows: this.committedRows,
      generation: this.generation,
    };
  }

  private deadCount(): number {
    return this.statement('SELECT count(*) FROM dead').pluck().get() as number;
  }

  private chunksPerDocumentCache = { version: '', value: 1 };
  private chunksPerDocument(): number {
    const version = `${this.committedRows}:${this.deletes}`;
    if (this.chunksPerDocumentCache.version !== version) {
      const docs = this.statement('SELECT count(*) FROM docs').pluck().get() as number;
      this.chunksPerDocumentCache = {
        version,
        value: docs > 0 ? (this.committedRows - this.deadCount()) / docs : 1,
      };
    }
    return this.chunksPerDocumentCache.value;
  }

  async searchDense(query: Float32Array, k: number, allowed?: Set<number>): Promise<ChunkHit[]> {
    this.open();
    k = Math.max(1, k);
    const index = this.rowIndex();
    const best = new Map<number, { score: number; row: number }>();
    const live = this.committedRows;
    if (allowed !== undefined) {
      if (allowed.size === 0) return [];
      const rowFilter = (row: number) => allowed.has(this.rowToDoc[row]);
      let allowedRows = 0;
      for (let r = 0; r < live; r++) if (this.rowToDoc[r] >= 0 && rowFilter(r)) allowedRows++;
      // a narrow filter is answered exactly (cheap, and HNSW degrades under narrow filters)
      if (allowedRows > Math.max(2000, live * 0.05))
        this.searchGrouped(index, query, k, best, rowFilter, allowed.size);
      // so is a wide one the graph could not satisfy
      if (best.size < Math.min(k, allowed.size)) {
        best.clear();
        this.collect(best, this.exactRows(query, allowedRows, rowFilter));
      }
    } else this.searchGrouped(index, query, k, best, undefined, Number.POSITIVE_INFINITY);
    const out: ChunkHit[] = [];
    for (const [doc, { score, row }] of best) out.push({ doc, row, score });
    out.sort((a, b) => b.score - a.score || a.doc - b.doc);
    if (out.length > k) out.length = k;
    return out;
  }

  async searchChunks(query: Float32Array, k: number, allowed?: Set<number>): Promise<ChunkHit[]> {
    this.open();
    k = Math.max(1, k);
    const index = this.rowIndex();
    const live = this.committedRows;
    let rowFilter: ((row: number) => boolean) | undefined;
    let allowedRows = live;
    if (allowed !== undefined) {
      if (allowed.size === 0) return [];
      rowFilter = (row: number) => allowed.has(this.rowToDoc[row]);
      allowedRows = 0;
      for (let r = 0; r < live; r++) if (this.rowToDoc[r] >= 0 && rowFilter(r)) allowedRows++;
    }
    const toChunks = (hits: RowHits) => {
      const out: ChunkHit[] = [];
      for (let i = 0; i < hits.rows.length && out.length < k; i++) {
        const doc = this.rowToDoc[hits.rows[i]];
        if (doc >= 0) out.push({ doc, row: hits.rows[i], score: hits.scores[i] });
      }
      return out;
    };
    // a narrow filter is answered exactly (cheap, and HNSW degrades under narrow filters)
    if (rowFilter && allowedRows <= Math.max(2000, live * 0.05))
      return toChunks(this.exactRows(query, Math.min(k, allowedRows), rowFilter));
    for (let want = k; ; want *= 2) {
      const hits = index.searchRows(query, Math.min(want, live), rowFilter);
      const out = toChunks(hits);
      // dead rows the graph still returns are skipped: ask for more until k live ones come back
      if (out.length >= Math.min(k, allowedRows) || hits.rows.length < Math.min(want, live) || want >= live)
        return out;
    }
  }

  async refresh(): Promise<boolean> {
    this.open();
    if (!this.readonly) return false;
    // every search of a reader comes here: the common case (nothing committed since) is one read
    if (!this.moved()) return false;
    let changed = false;
    this.db.transaction(() => {
      const generation = this.state('generation');
      const rows = this.state('rows');
      const deletes = this.state('deletes');
      if (generation === this.generation && rows === this.committedRows && deletes === this.deletes) return;
      changed = true;
      if (generation !== this.generation) {
        // compacted: a new vectors file and renumbered rows — start over
        this.vectorsFile.close();
        this.dropIndex();
        this.generation = generation;
        this.committedRows = rows;
        this.deletes = deletes;
        this.recover();
        return;
      }
      const from = this.committedRows;
      this.growRowMap(rows);
      const docs = new Set<number>();
      for (const [row, doc] of this.statement('SELECT row, doc FROM chunks WHERE row >= ? AND row < ?')
        .raw()
        .iterate(from, rows) as Iterable<[number, number]>) {
        this.rowToDoc[row] = doc;
        docs.add(doc);
      }
      const idOf = this.statement('SELECT id FROM docs WHERE doc = ?').pluck();
      for (const doc of docs) this.docIds.set(doc, idOf.get(doc) as string);
      if (deletes !== this.deletes)
        for (const row of this.statement('SELECT row FROM dead').pluck().iterate() as Iterable<number>) {
          const doc = this.rowToDoc[row];
          if (doc < 0) continue;
          this.docIds.delete(doc);
          this.rowToDoc[row] = -1;
          this.index?.remove(row);
        }
      if (this.index && rows > from) this.index.addRows(this.readForIndex(from, rows - from));
      this.committedRows = rows;
      this.deletes = deletes;
    })();
    return changed;
  }

  private searchGrouped(
    index: RowIndex,
    query: Float32Array,
    k: number,
    best: Map<number, { score: number; row: number }>,
    filter: ((row: number) => boolean) | undefined,
    maxDocs: number,
  ): void {
    const rows = this.committedRows;
    let want = this.chunksPerDocument() > 1.01 ? k * 3 : k;
    for (;;) {
      best.clear();
      const hits = index.searchRows(query, Math.min(want, rows), filter);
      this.collect(best, hits);
      if (best.size >= Math.min(k, maxDocs) || hits.rows.length < Math.min(want, rows) || want >= rows)
        return;
      want *= 2;
    }
  }

  private collect(best: Map<number, { score: number; row: number }>, hits: RowHits): void {
    for (let i = 0; i < hits.rows.length; i++) {
      const row = hits.rows[i];
      const doc = this.rowToDoc[row];
      if (doc < 0) continue;
      const seen = best.get(doc);
      if (!seen || hits.scores[i] > seen.score) best.set(doc, { score: hits.scores[i], row });
    }
  }

  /** Exact scores for the live rows passing `filter`, read from the vectors file. */
  private exactRows(query: Float32Array, limit: number, filter: (row: number) => boolean): RowHits {
    const dim = this.dim;
    const q = normalizeRowsInPlace({ rows: 1, dim, data: query.slice(0, dim) }).data;
    const buffer = new Float32Array(dim);
    const top = new TopK(Math.max(1, limit));
    for (let r = 0; r < this.committedRows; r++) {
      if (this.rowToDoc[r] < 0 || !filter(r)) continue;
      this.vectorsFile.read(r, buffer);
      let s = 0;
      for (let j = 0; j < dim; j++) s += q[j] * buffer[j];
      top.push(r, s);
    }
    const { items, scores } = top.sorted();
    return { rows: items, scores };
  }

  async vectors(rows: number[]): Promise<DenseMatrix> {
    const dim = this.dim;
    const data = new Float32Array(rows.length * dim);
    rows.forEach((r, i) => this.vectorsFile.read(r, data.subarray(i * dim, (i + 1) * dim)));
    return { rows: rows.length, dim, data };
  }

  async firstChunks(limit: number): Promise<{ doc: StoredDocument; row: number }[]> {
    const rows = this.statement(
      'SELECT d.doc, d.id, d.title, d.text, d.meta, min(c.row) AS row FROM docs d JOIN chunks c ON c.doc = d.doc GROUP BY d.doc ORDER BY d.doc LIMIT ?',
    ).all(Math.max(0, Math.floor(limit))) as {
      doc: number;
      id: string;
      title: string;
      text: string;
      meta: string;
      row: number;
    }[];
    return rows.map((r) => ({
      doc: { doc: r.doc, id: r.id, title: r.title, text: r.text, meta: JSON.parse(r.meta) },
      row: r.row,
    }));
  }

  /**
   * Writes a new generation with live rows only (vectors file, renumbered chunks, graph), switching
   * to it in one transaction: a crash at any point leaves the old or the new generation, whole.
   */
  async compact(opts: LongRunning = {}): Promise<{ removedRows: number }> {
    this.writable();
    const dead = this.deadCount();
    if (dead === 0) return { removedRows: 0 };
    const dim = this.dim;
    const next = this.generation + 1;
    const live = this.statement('SELECT row FROM chunks ORDER BY row').pluck().all() as number[];
    const target = new VectorFile(path.join(this.location, `vectors.${next}.f32`), dim, false);
    try {
      target.truncate(0);
      const block = 4096;
      for (let start = 0; start < live.length; start += block) {
        const rows = live.slice(start, start + block);
        target.write(start, await this.vectors(rows));
        opts.onProgress?.({
          phase: 'compacting',
          done: start + rows.length,
          total: live.length,
          unit: 'rows',
        });
      }
    } finally {
      target.close();
    }
    const renumber = this.statement('UPDATE chunks SET row = ? WHERE row = ?');
    try {
      this.db.transaction(() => {
        this.statement('DELETE FROM dead').run();
        live.forEach((row, i) => {
          if (row !== i) renumber.run(i, row);
        });
        this.setState('rows', live.length);
        this.setState('generation', next);
        this.setState('deletes', this.deletes + 1);
        this.touch();
      })();
    } catch (e) {
      throw databaseError(this.location, e);
    }
    this.vectorsFile.close();
    this.dropIndex();
    this.generation = next;
    this.committedRows = live.length;
    this.deletes++;
    this.recover();
    await this.flush(true);
    return { removedRows: dead };
  }

  /**
   * Saves the graph when the one on disk lags far enough behind (see tailLimit) — or always with
   * `force` — folding the exact tail into it first.
   */
  async flush(force = false): Promise<void> {
    if (this.readonly || this.closed || this.manifest.index.type !== 'hnsw') return;
    // rows written in this session are in the index; without one nothing changed in memory
    if (!(this.index instanceof TieredIndex)) return;
    const saved = this.savedGraph.rows;
    if (!force && this.committedRows - Math.max(0, saved) <= tailLimit(Math.max(0, saved))) return;
    this.index.fold();
    // inserting rows can cut the last links to older ones: check every row before saving
    this.index.native.recheck((from, count) => this.readForIndex(from, count));
    this.graph().save(this.index.native, this.deletes);
    this.savedGraph = { rows: this.index.native.rowCount, deletes: this.deletes };
  }

  /** Rebuilds the graph from the vectors (repair). */
  async rebuildIndex(): Promise<void> {
    this.writable();
    this.dropIndex();
    for (const f of this.graph().names()) rmSync(path.join(this.location, f), { force: true });
    this.savedGraph = { rows: -1, deletes: -1 };
    this.rowIndex();
    await this.flush(true);
  }

  /** SQLite's own consistency check ("ok" when the database is sound). */
  async integrityCheck(): Promise<string> {
    return (this.db.pragma('integrity_check') as { integrity_check: string }[])
      .map((r) => r.integrity_check)
      .join('; ');
  }

  /** The dense row index (benchmarks, tuning); loads it when needed. */
  get rowIndexForBench(): RowIndex {
    return this.rowIndex();
  }

  setExpansionSearch(ef: number): void {
    this.manifest.index.expansionSearch = ef;
    const index = this.index;
    if (index instanceof TieredIndex) index.native.expansionSearch = ef;
  }

  private wordsStore?: FileWords;
  /** The embedder's learned words: words.txt and words.f32 in the collection's directory. */
  words(): FileWords {
    this.wordsStore ??= new FileWords(this.location);
    return this.wordsStore;
  }

  /** Bytes the collection takes on disk. */
  async diskBytes(): Promise<number> {
    let total = 0;
    const walk = (dir: string) => {
      for (const e of readdirSync(dir, { withFileTypes: true })) {
        const p = path.join(dir, e.name);
        if (e.isDirectory()) walk(p);
        else total += statSync(p).size;
      }
    };
    walk(this.location);
    return total;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    try {
      await this.flush();
    } finally {
      this.closed = true;
      this.dropIndex();
      this.vectorsFile.close();
      this.db.close();
      this.lock?.release();
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

interface DocumentRow {
  doc: number;
  id: string;
  title: string;
  text: string;
  meta: string;
  path: string | null;
  line: number | null;
  verbatim: number | null;
  root: string | null;
}

/** Rows per page of pagedPairs and idPages. */
const PAGE_ROWS = 65536;

/**
 * The rows of an aggregate query over pages of PAGE_ROWS (keyset pagination): `sql(false)` reads
 * the first page, `sql(true)` the page after the key bound to `?`; each row reports the page's
 * `last` key and its size `n`. `after` starts after a key (null: from the start).
 */
function* keysetPages<R extends { last: unknown; n: number }>(
  db: Database.Database,
  sql: (bounded: boolean) => string,
  after: unknown = null,
): Generator<R> {
  const first = db.prepare(sql(false));
  const next = db.prepare(sql(true));
  let last = after;
  for (;;) {
    const r = (last === null ? first.get() : next.get(last)) as R;
    if (r.n === 0) return;
    yield r;
    if (r.n < PAGE_ROWS) return;
    last = r.last;
  }
}

/**
 * Every (a, b) of `table`, in pages of PAGE_ROWS ordered by `key` (`a` or `b`, unique; `after`
 * is below every key, or null to start with no bound). Each page comes as two JSON arrays from
 * SQLite's json_group_array: better-sqlite3 hands rows over one by one at microseconds each (a
 * 10,000-document collection's ids and chunk table took 25-45 ms, most of opening it for a
 * search), one string per page costs a tenth of that, and pages keep the strings small.
 */
function* pagedPairs<A, B>(
  db: Database.Database,
  a: string,
  b: string,
  table: string,
  key: string,
  after: A | B | null,
): Generator<[A, B]> {
  const pages = keysetPages<{ a: string; b: string; last: A | B; n: number }>(
    db,
    (bounded) =>
      `SELECT json_group_array(${a}) AS a, json_group_array(${b}) AS b, max(${key}) AS last, count(*) AS n ` +
      `FROM (SELECT ${a}, ${b} FROM ${table}${bounded ? ` WHERE ${key} > ?` : ''} ORDER BY ${key} LIMIT ${PAGE_ROWS})`,
    after,
  );
  for (const r of pages) {
    const as = JSON.parse(r.a) as A[];
    const bs = JSON.parse(r.b) as B[];
    for (let i = 0; i < as.length; i++) yield [as[i], bs[i]];
  }
}

/**
 * Every document's number and id, in pages of PAGE_ROWS ordered by id (the (id, doc) index covers
 * the query, so the documents' texts are never read): numbers and UTF-8 lengths as JSON arrays,
 * the ids concatenated (see pagedPairs and IdTable.loadPacked).
 */
function* idPages(db: Database.Database): Generator<{ docs: number[]; lengths: number[]; ids: string }> {
  const pages = keysetPages<{ docs: string; lengths: string; ids: string | null; last: string; n: number }>(
    db,
    (bounded) =>
      'SELECT json_group_array(doc) AS docs, json_group_array(length(CAST(id AS BLOB))) AS lengths, ' +
      "group_concat(id, '') AS ids, max(id) AS last, count(*) AS n " +
      `FROM (SELECT doc, id FROM docs${bounded ? ' WHERE id > ?' : ''} ORDER BY id LIMIT ${PAGE_ROWS})`,
  );
  for (const r of pages) yield { docs: JSON.parse(r.docs), lengths: JSON.parse(r.lengths), ids: r.ids ?? '' };
}

function storedDocument(r: DocumentRow): StoredDocument {
  const doc: StoredDocument = {
    doc: r.doc,
    id: r.id,
    title: r.title,
    text: r.text,
    meta: JSON.parse(r.meta),
  };
  if (r.path !== null) doc.source = { path: r.path, line: r.line ?? 1, verbatim: r.verbatim === 1 };
  if (r.root !== null) doc.root = r.root;
  return doc;
}

/** Rows of a block of stored vectors that cannot be what was written (not unit length, not zero). */
function badRows(block: DenseMatrix): number[] {
  const out: number[] = [];
  const { dim, data } = block;
  for (let r = 0; r < block.rows; r++) {
    let s = 0;
    for (let j = r * dim; j < (r + 1) * dim; j++) s += data[j] * data[j];
    if (!(s === 0 || Math.abs(s - 1) < 2e-3)) out.push(r);
  }
  return out;
}

function readManifest(file: string): CollectionManifest {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new SmyslError('E_COLLECTION', `cannot read ${file}: ${(e as Error).message}`);
  }
  try {
    return JSON.parse(text) as CollectionManifest;
  } catch (e) {
    throw new SmyslError(
      'E_COLLECTION',
      `${file} is damaged (${(e as Error).message}); run "smysl collections repair ${path.dirname(file)}" to restore it`,
    );
  }
}

/** SQLite errors as a person should read them: disk full, damage, or the message itself. */
function databaseError(dir: string, e: unknown): SmyslError {
  if (e instanceof SmyslError) return e;
  const code = (e as { code?: string }).code ?? '';
  const file = path.join(dir, DATABASE);
  if (code === 'SQLITE_FULL' || code.startsWith('SQLITE_IOERR')) return writeError(file, e);
  if (code.startsWith('SQLITE_READONLY') || code === 'SQLITE_CANTOPEN')
    return new SmyslError(
      'E_COLLECTION',
      `${file} cannot be opened for writing (${(e as Error).message}: a read-only file system, or no permission); searching it read-only works`,
      { cause: e },
    );
  if (code === 'SQLITE_CORRUPT' || code === 'SQLITE_NOTADB')
    return new SmyslError(
      'E_COLLECTION',
      `${file} is damaged (${(e as Error).message}); restore it from a backup or index into a new collection`,
      { cause: e },
    );
  return new SmyslError('E_COLLECTION', `${file}: ${(e as Error).message}`, { cause: e });
}

/**
 * A copy of the database in a temporary directory, for reading a collection on a read-only file
 * system: SQLite cannot open a WAL database there (it must create the -shm file). Removed when
 * the process exits.
 */
function readonlyCopy(dir: string): string {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'smysl-readonly-'));
  for (const suffix of ['', '-wal'])
    if (existsSync(path.join(dir, DATABASE + suffix)))
      copyFileSync(path.join(dir, DATABASE + suffix), path.join(tmp, DATABASE + suffix));
  process.once('exit', () => rmSync(tmp, { recursive: true, force: true }));
  return path.join(tmp, DATABASE);
}

/**
 * What a database without a manifest file is: 'created' — it holds the manifest's copy and no
 * documents (a create killed between writing the copy and the file); 'unfinished' — no copy and
 * no documents (a create killed earlier); 'collection' — anything else (a lost manifest, which
 * `repair` restores when the copy is there, or a collection made by smysl 0.1.0).
 */
function orphanDatabase(dir: string): 'created' | 'unfinished' | 'collection' {
  let db: Database.Database | undefined;
  try {
    db = new Sqlite(path.join(dir, DATABASE), { readonly: true, fileMustExist: true });
    const tables = new Set(
      db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").pluck().all() as string[],
    );
    const docs = tables.has('docs') ? (db.prepare('SELECT count(*) FROM docs').pluck().get() as number) : 0;
    if (docs > 0) return 'collection';
    const copy =
      tables.has('meta') && db.prepare("SELECT 1 FROM meta WHERE key = 'manifest'").get() !== undefined;
    return copy ? 'created' : 'unfinished';
  } catch {
    return 'collection';
  } finally {
    db?.close();
  }
}

function openDatabase(dir: string, readonly: boolean): Database.Database {
  let file = path.join(dir, DATABASE);
  let db: Database.Database | undefined;
  try {
    try {
      db = new Sqlite(file, { readonly, fileMustExist: readonly });
      // a WAL database on a read-only file system opens, then fails on the first read
      if (readonly) db.prepare('SELECT 1 FROM state LIMIT 1').get();
    } catch (e) {
      db?.close();
      db = undefined;
      if (!readonly || (e as { code?: string }).code !== 'SQLITE_CANTOPEN' || !existsSync(file)) throw e;
      file = readonlyCopy(dir);
      db = new Sqlite(file, { readonly: true, fileMustExist: true });
    }
    if (readonly) {
      // a reader must not need write access: WAL files may be absent in a read-only directory
      db.pragma('query_only = ON');
    } else {
      db.pragma('journal_mode = WAL');
      // NORMAL in WAL mode: a commit survives a killed process; power loss may drop the last
      // batches, which stay consistent (the row count rolls back with them)
      db.pragma('synchronous = NORMAL');
      db.exec(`
        CREATE TABLE IF NOT EXISTS docs (
          doc INTEGER PRIMARY KEY,
          id TEXT NOT NULL UNIQUE,
          hash TEXT NOT NULL,
          title TEXT NOT NULL,
          text TEXT NOT NULL,
          meta TEXT NOT NULL
        );
        CREATE TABLE IF NOT EXISTS chunks (
          row INTEGER PRIMARY KEY,
          doc INTEGER NOT NULL,
          start INTEGER NOT NULL,
          end INTEGER NOT NULL
        );
        CREATE INDEX IF NOT EXISTS chunks_by_doc ON chunks(doc);
        CREATE TABLE IF NOT EXISTS dead (row INTEGER PRIMARY KEY);
        CREATE TABLE IF NOT EXISTS state (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
        INSERT OR IGNORE INTO state VALUES ('rows', 0), ('generation', 0), ('deletes', 0);
        CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
        CREATE TABLE IF NOT EXISTS sources (
          doc INTEGER PRIMARY KEY,
          path TEXT NOT NULL,
          line INTEGER NOT NULL,
          verbatim INTEGER NOT NULL,
          root TEXT
        );
        CREATE INDEX IF NOT EXISTS sources_by_root ON sources(root);
      `);
    }
    db.prepare("SELECT value FROM state WHERE key = 'rows'").get();
  } catch (e) {
    // a writer on a read-only file system gets this far with SQLite's read-only fallback
    db?.close();
    throw databaseError(dir, e);
  }
  return db;
}
