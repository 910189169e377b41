import { createHash } from 'node:crypto';
import {
  closeSync,
  existsSync,
  fstatSync,
  fsyncSync,
  ftruncateSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  renameSync,
  rmSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { Document } from '../corpus/types.js';
import { loadEmbedder } from '../embed/registry.js';
import type { Highlighter } from '../embed/sparse/highlight.js';
import { type Embedder, type TokenCounter, tokenCounterOf } from '../embed/types.js';
import { SmyslError, throwIfAborted } from '../errors.js';
import { ExactIndex } from '../index/exact.js';
import { DEFAULT_FUSION, defaultFusionWeights, type FusionMethod, fuse } from '../index/fusion.js';
import { HNSW_DEFAULTS, HnswIndex } from '../index/hnsw.js';
import type { Hit, RowHits, RowIndex } from '../index/types.js';
import { type GraphPrecision, UsearchIndex } from '../index/usearch.js';
import { readJsonFile, writeFileAtomic } from '../util/fs.js';
import type { LongRunning } from '../util/progress.js';
import { TopK } from '../util/topk.js';
import { normalizeRowsInPlace } from '../vectors/dense.js';
import { Pipeline } from '../vectors/postprocess.js';
import type { DenseMatrix } from '../vectors/types.js';
import { CHUNK_DEFAULTS, type ChunkOptions, chunkText } from './chunk.js';
import { IdTable } from './id-table.js';
import {
  type ChunkText,
  DEFAULT_LEXICAL_ANALYZER,
  type LexicalAnalyzer,
  LexicalChunkIndex,
  type LexicalMethod,
  lexicalHighlighter,
} from './lexical.js';

export const COLLECTION_FORMAT = 1;

/** f16 keeps cosine rankings (recall equal to f32 in bench/ann.ts) at half the vector memory. */
export const DEFAULT_PRECISION: GraphPrecision = 'f16';

export interface IndexSettings {
  type: 'hnsw' | 'exact';
  connectivity: number;
  expansionAdd: number;
  expansionSearch: number;
  /**
   * How the HNSW graph stores vectors: f16 (default) or i8 through usearch, f32 through hnswlib
   * (the fastest per query, and what collections made before this setting existed use).
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
  chunking: ChunkOptions & { maxTokens: number; overlapTokens: number };
  created: string;
  /** Lexical weighting of the built-in sparse search (default bm25). */
  lexical?: LexicalMethod;
  /** Word forms of the lexical index: Snowball stems or lemmas (absent: snowball, as before lemmas). */
  lexicalAnalyzer?: LexicalAnalyzer;
  /** Search method when none is asked for (default hybrid). */
  defaultMethod?: SearchMethod;
}

export type SearchMethod = 'dense' | 'sparse' | 'hybrid';

export interface CreateCollectionOptions {
  /** A ready (fitted, if it needs fitting) dense embedder; saved into the collection. */
  embedder: Embedder;
  /** Fitted post-processing applied to document and query vectors alike (L2 is always last). */
  postprocess?: Pipeline;
  index?: Partial<IndexSettings>;
  chunking?: ChunkOptions;
  lexical?: LexicalMethod;
  /** Default: lemmas (see DEFAULT_LEXICAL_ANALYZER). */
  lexicalAnalyzer?: LexicalAnalyzer;
  defaultMethod?: SearchMethod;
}

export interface OpenCollectionOptions {
  /** When given, must be the embedder the collection was built with (compared by name). */
  embedder?: Embedder;
  /** Overrides the stored search expansion for this session. */
  expansionSearch?: number;
  /** Read-only sessions never write index files on close. */
  readonly?: boolean;
}

export interface AddOptions extends LongRunning {
  /** Documents per committed batch (default 64). */
  batchSize?: number;
  /** Called after each batch is durably committed. */
  onCommit?: (c: { documents: number; ids: string[]; totalDocuments: number }) => void;
}

export interface AddSummary {
  added: number;
  replaced: number;
  unchanged: number;
  chunks: number;
  batches: number;
}

export type Where = Record<string, string | number | boolean>;

export interface SearchOptions {
  k?: number;
  /** Metadata equality filters, applied inside the search (k results when k match). */
  where?: Where;
  /** Attach title/snippet/meta (default true); the bare id+score path is the fastest. */
  details?: boolean;
  /** Hybrid: how the dense and lexical lists are fused (default DEFAULT_FUSION: dbsf). */
  fusion?: FusionMethod;
  /** Hybrid: weights of the dense and lexical lists (default: by query language, see DEFAULT_FUSION). */
  denseWeight?: number;
  lexicalWeight?: number;
}

export interface SearchResult {
  rank: number;
  id: string;
  score: number;
  title?: string;
  snippet?: string;
  meta?: Record<string, unknown>;
}

/** A lexical retriever (e.g. BM25 over the same documents) for hybrid search; ids are document ids. */
export interface LexicalRetriever {
  search(query: string, k: number, filter?: (id: string) => boolean): Hit[] | Promise<Hit[]>;
}

const MANIFEST = 'manifest.json';
const LEXICAL_DIR = 'lexical';
const DATABASE = 'store.sqlite';
const SNIPPET_CHARS = 240;

function vectorsFile(dir: string, generation: number): string {
  return path.join(dir, `vectors.${generation}.f32`);
}
function graphFile(dir: string, generation: number, precision: GraphPrecision): string {
  return path.join(dir, `${precision === 'f32' ? 'hnsw' : 'usearch'}.${generation}.bin`);
}

function contentHash(doc: Document): string {
  return createHash('sha256')
    .update(JSON.stringify([doc.text, doc.meta ?? {}]))
    .digest('hex')
    .slice(0, 32);
}

/** The document's `title` field, else its first line when that reads like a heading (short). */
function titleOf(doc: Document): string {
  const t = doc.meta?.title;
  if (typeof t === 'string') return t;
  const first = doc.text.split('\n').find((l) => l.trim() !== '') ?? '';
  const heading = first.replace(/^#+\s*/, '').trim();
  return heading.length <= 120 && heading !== doc.text.trim() ? heading : '';
}

const FIELD = /^[\p{L}\p{N}_.-]+$/u;

/**
 * A collection on disk: SQLite (WAL) is the source of truth for documents, chunks and the number
 * of committed vector rows; vectors live in an append-only float32 file and the HNSW graph in a
 * file that is repaired from the committed vectors when it is behind.
 */
export class Collection {
  readonly dir: string;
  readonly manifest: CollectionManifest;
  readonly embedder: Embedder;
  readonly postprocess: Pipeline;
  private readonly db: Database.Database;
  private index: RowIndex;
  private vectorsFd: number;
  private generation: number;
  private committedRows: number;
  private deletes: number;
  /** Vector row → document number (−1 when the row is dead). */
  private rowToDoc: Int32Array;
  /**
   * Document number → id, in memory: looking ids up in SQLite costs more than the graph search
   * itself at low ef (page reads), and ids are small next to the vectors.
   */
  private readonly docIds = new IdTable();
  private readonly readonly: boolean;
  private indexDirty = false;
  private closed = false;
  /** An external lexical retriever for hybrid search; without one the built-in chunk index is used. */
  lexical?: LexicalRetriever;
  private lexicalCache?: { key: string; index: LexicalChunkIndex };

  private constructor(
    dir: string,
    manifest: CollectionManifest,
    embedder: Embedder,
    postprocess: Pipeline,
    db: Database.Database,
    readonly: boolean,
  ) {
    this.dir = dir;
    this.manifest = manifest;
    this.embedder = embedder;
    this.postprocess = postprocess;
    this.db = db;
    this.readonly = readonly;
    this.generation = this.state('generation');
    this.committedRows = this.state('rows');
    this.deletes = this.state('deletes');
    this.vectorsFd = -1;
    this.rowToDoc = new Int32Array(0);
    this.index = new ExactIndex(manifest.embedder.dim, { metric: 'dot' });
  }

  get name(): string {
    return this.manifest.name;
  }
  get dim(): number {
    return this.manifest.embedder.dim;
  }

  /** Creates a new collection in `dir` (which must not hold one yet). */
  static async create(dir: string, opts: CreateCollectionOptions): Promise<Collection> {
    if (existsSync(path.join(dir, MANIFEST)))
      throw new SmyslError('E_COLLECTION', `a collection already exists in ${dir}`);
    const embedder = opts.embedder;
    if (embedder.kind !== 'dense')
      throw new SmyslError(
        'E_COLLECTION',
        `collections index dense vectors; ${embedder.name} is ${embedder.kind}`,
      );
    mkdirSync(dir, { recursive: true });
    await embedder.save(path.join(dir, 'embedder'));
    const saved = await readJsonFile<{ method?: string }>(path.join(dir, 'embedder', 'manifest.json')).catch(
      () => ({
        method: undefined,
      }),
    );
    if (!saved.method)
      throw new SmyslError(
        'E_MODEL',
        `embedder ${embedder.name} did not write a manifest.json with a "method"`,
      );
    const probe = (await embedder.embed(['dimension probe'])) as DenseMatrix;
    const postprocess = opts.postprocess ?? new Pipeline();
    if (!postprocess.fitted)
      throw new SmyslError('E_STATE', 'post-processing must be fitted before creating a collection');
    const dim = postprocess.transform(probe).dim;
    if (postprocess.steps.length > 0) await postprocess.save(path.join(dir, 'postprocess'));
    const manifest: CollectionManifest = {
      format: COLLECTION_FORMAT,
      name: path.basename(path.resolve(dir)),
      embedder: { method: saved.method, name: embedder.name, kind: 'dense', dim, settings: saved },
      postprocess: postprocess.describe(),
      metric: 'cosine',
      index: {
        type: opts.index?.type ?? 'hnsw',
        connectivity: opts.index?.connectivity ?? HNSW_DEFAULTS.connectivity,
        expansionAdd: opts.index?.expansionAdd ?? HNSW_DEFAULTS.expansionAdd,
        expansionSearch: opts.index?.expansionSearch ?? HNSW_DEFAULTS.expansionSearch,
        precision: opts.index?.precision ?? DEFAULT_PRECISION,
      },
      chunking: {
        maxTokens: opts.chunking?.maxTokens ?? CHUNK_DEFAULTS.maxTokens,
        overlapTokens: opts.chunking?.overlapTokens ?? CHUNK_DEFAULTS.overlapTokens,
        // encoders that count their pieces get chunks measured in them (never cut by the encoder)
        unit: opts.chunking?.unit ?? (tokenCounterOf(embedder) ? 'encoder' : 'words'),
      },
      created: new Date().toISOString(),
      lexical: opts.lexical ?? 'bm25',
      lexicalAnalyzer: opts.lexicalAnalyzer ?? DEFAULT_LEXICAL_ANALYZER,
      defaultMethod: opts.defaultMethod ?? 'hybrid',
    };
    acquireWriterLock(dir);
    const db = Collection.openDatabase(dir);
    // The manifest is written last: a directory without one is an unfinished create, not a collection.
    await writeFileAtomic(path.join(dir, MANIFEST), `${JSON.stringify(manifest, null, 2)}\n`);
    const c = new Collection(dir, manifest, embedder, postprocess, db, false);
    c.recover();
    return c;
  }

  /** Opens an existing collection, repairing files left behind by a crash. */
  static async open(dir: string, opts: OpenCollectionOptions = {}): Promise<Collection> {
    const manifestFile = path.join(dir, MANIFEST);
    if (!existsSync(manifestFile))
      throw new SmyslError('E_COLLECTION', `no collection in ${dir} (run "smysl index" to create one)`);
    const manifest = await readJsonFile<CollectionManifest>(manifestFile);
    if (manifest.format !== COLLECTION_FORMAT)
      throw new SmyslError(
        'E_COLLECTION',
        `collection format ${manifest.format} is not supported (expected ${COLLECTION_FORMAT})`,
        {
          location: { source: manifestFile },
        },
      );
    if (opts.embedder && opts.embedder.name !== manifest.embedder.name)
      throw new SmyslError(
        'E_COLLECTION',
        `collection "${manifest.name}" was indexed with embedder ${manifest.embedder.name} (method ${manifest.embedder.method}); ` +
          `it cannot be searched or extended with ${opts.embedder.name}. Omit the embedder to use the collection's own, or index into a new collection.`,
      );
    const embedder = await loadEmbedder(path.join(dir, 'embedder'));
    const postprocess =
      manifest.postprocess.length > 0 ? await Pipeline.load(path.join(dir, 'postprocess')) : new Pipeline();
    if (!opts.readonly) acquireWriterLock(dir);
    const db = Collection.openDatabase(dir);
    const c = new Collection(dir, manifest, embedder, postprocess, db, opts.readonly ?? false);
    if (opts.expansionSearch !== undefined) c.manifest.index.expansionSearch = opts.expansionSearch;
    c.recover();
    return c;
  }

  /** Opens the collection if `dir` holds one, otherwise creates it. */
  static async openOrCreate(dir: string, opts: CreateCollectionOptions): Promise<Collection> {
    if (existsSync(path.join(dir, MANIFEST))) return Collection.open(dir, { embedder: opts.embedder });
    return Collection.create(dir, opts);
  }

  private static openDatabase(dir: string): Database.Database {
    let db: Database.Database;
    try {
      db = new Database(path.join(dir, DATABASE));
    } catch (e) {
      throw new SmyslError(
        'E_COLLECTION',
        `cannot open ${path.join(dir, DATABASE)}: ${(e as Error).message}`,
      );
    }
    db.pragma('journal_mode = WAL');
    // NORMAL in WAL mode: a commit survives a killed process; power loss may drop the last
    // batches, which stay consistent (the row count rolls back with them).
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
    `);
    return db;
  }

  private state(key: string): number {
    return (this.db.prepare('SELECT value FROM state WHERE key = ?').get(key) as { value: number }).value;
  }

  /** Brings files in line with the database: trims uncommitted vectors, drops stale files, repairs the index. */
  private recover(): void {
    const dim = this.dim;
    const file = vectorsFile(this.dir, this.generation);
    this.vectorsFd = openSync(file, existsSync(file) ? 'r+' : 'w+');
    const size = fstatSync(this.vectorsFd).size;
    const committedBytes = this.committedRows * dim * 4;
    if (size < committedBytes)
      throw new SmyslError(
        'E_COLLECTION',
        `${file} holds ${size / (dim * 4)} vectors but ${this.committedRows} are committed; the collection is damaged — re-index it`,
      );
    if (size > committedBytes && !this.readonly) ftruncateSync(this.vectorsFd, committedBytes);
    if (!this.readonly) this.removeStaleFiles();

    this.rowToDoc = new Int32Array(Math.max(16, this.committedRows)).fill(-1);
    for (const r of this.db.prepare('SELECT row, doc FROM chunks').raw().iterate() as Iterable<
      [number, number]
    >)
      this.rowToDoc[r[0]] = r[1];
    const idSize = this.db
      .prepare(
        'SELECT coalesce(max(doc), -1) AS maxDoc, coalesce(sum(length(CAST(id AS BLOB))), 0) AS idBytes FROM docs',
      )
      .get() as { maxDoc: number; idBytes: number };
    this.docIds.load(
      this.db.prepare('SELECT doc, id FROM docs').raw().iterate() as Iterable<[number, string]>,
      idSize,
    );

    const settings = this.manifest.index;
    if (settings.type === 'exact') {
      const exact = new ExactIndex(dim, { metric: 'dot' });
      this.appendFromFile(exact, 0, this.committedRows);
      for (let r = 0; r < this.committedRows; r++) if (this.rowToDoc[r] < 0) exact.remove(r);
      this.index = exact;
      return;
    }
    const options = {
      metric: 'dot' as const,
      connectivity: settings.connectivity,
      expansionAdd: settings.expansionAdd,
      expansionSearch: settings.expansionSearch,
    };
    const precision = this.precision;
    let hnsw: HnswIndex | UsearchIndex | undefined;
    let appliedDeletes = -1;
    const graph = graphFile(this.dir, this.generation, precision);
    const meta = `${graph}.json`;
    if (existsSync(graph) && existsSync(meta)) {
      try {
        const info = JSON.parse(readFileSync(meta, 'utf8')) as { rows: number; deletes: number };
        const loaded =
          precision === 'f32'
            ? HnswIndex.load(graph, dim, options)
            : UsearchIndex.load(graph, dim, info.rows, { ...options, precision });
        if (loaded.rowCount === info.rows && info.rows <= this.committedRows) {
          hnsw = loaded;
          appliedDeletes = info.deletes;
        }
      } catch {
        hnsw = undefined; // unreadable index: rebuilt below from the committed vectors
      }
    }
    if (!hnsw)
      hnsw =
        precision === 'f32'
          ? HnswIndex.create(dim, options, Math.max(1024, this.committedRows))
          : UsearchIndex.create(dim, { ...options, precision });
    const behind = hnsw.rowCount < this.committedRows;
    this.appendFromFile(hnsw, hnsw.rowCount, this.committedRows);
    if (appliedDeletes !== this.deletes)
      for (let r = 0; r < this.committedRows; r++) if (this.rowToDoc[r] < 0) hnsw.remove(r);
    this.index = hnsw;
    if ((behind || appliedDeletes !== this.deletes) && !this.readonly) this.indexDirty = true;
  }

  private removeStaleFiles(): void {
    const keep = new Set([
      `vectors.${this.generation}.f32`,
      path.basename(graphFile(this.dir, this.generation, this.precision)),
      `${path.basename(graphFile(this.dir, this.generation, this.precision))}.json`,
    ]);
    for (const name of readdirSync(this.dir)) {
      if ((/^(vectors|hnsw|usearch)\.\d+\./.test(name) && !keep.has(name)) || name.endsWith('.tmp'))
        rmSync(path.join(this.dir, name), { recursive: true, force: true });
    }
  }

  private appendFromFile(index: RowIndex, from: number, to: number): void {
    const dim = this.dim;
    const block = 4096;
    for (let start = from; start < to; start += block) {
      const rows = Math.min(block, to - start);
      const data = new Float32Array(rows * dim);
      readSync(this.vectorsFd, new Uint8Array(data.buffer), 0, data.byteLength, start * dim * 4);
      index.addRows({ rows, dim, data });
    }
  }

  private readRow(row: number, into: Float32Array): void {
    readSync(
      this.vectorsFd,
      new Uint8Array(into.buffer, into.byteOffset, into.byteLength),
      0,
      into.byteLength,
      row * this.dim * 4,
    );
  }

  private readonly statements = new Map<string, Database.Statement>();
  /** Prepared once per collection: preparing costs more than running a lookup by key. */
  private statement(sql: string): Database.Statement {
    let st = this.statements.get(sql);
    if (!st) {
      st = this.db.prepare(sql);
      this.statements.set(sql, st);
    }
    return st;
  }

  /** Embeds texts exactly as the collection's documents were: embedder, post-processing, L2. */
  async embed(texts: string[]): Promise<DenseMatrix> {
    const raw = (await this.embedder.embed(texts)) as DenseMatrix;
    const processed = this.postprocess.steps.length > 0 ? this.postprocess.transform(raw) : raw;
    const copy =
      processed === raw
        ? { rows: raw.rows, dim: raw.dim, data: raw.data.slice(0, raw.rows * raw.dim) }
        : processed;
    return normalizeRowsInPlace(copy);
  }

  /**
   * Adds documents; an id already present with the same content is skipped, with changed content
   * it is replaced (upsert). Each batch is one SQLite transaction; `onCommit` reports it.
   */
  async add(docs: Iterable<Document> | AsyncIterable<Document>, opts: AddOptions = {}): Promise<AddSummary> {
    this.writable();
    const batchSize = Math.max(1, opts.batchSize ?? 64);
    const summary: AddSummary = { added: 0, replaced: 0, unchanged: 0, chunks: 0, batches: 0 };
    let seen = 0;
    let batch: Document[] = [];
    const flush = async () => {
      if (batch.length === 0) return;
      await this.commitBatch(batch, summary, opts);
      batch = [];
    };
    for await (const doc of docs as AsyncIterable<Document>) {
      throwIfAborted(opts.signal);
      if (typeof doc.id !== 'string' || doc.id === '')
        throw new SmyslError('E_INPUT', 'every document needs a non-empty string id');
      batch.push(doc);
      seen++;
      if (batch.length >= batchSize) {
        await flush();
        opts.onProgress?.({ phase: 'indexing', done: seen, unit: 'docs', extra: { chunks: summary.chunks } });
      }
    }
    await flush();
    opts.onProgress?.({ phase: 'indexing', done: seen, unit: 'docs', extra: { chunks: summary.chunks } });
    this.saveIndex();
    return summary;
  }

  /** Same as add: insert new ids, replace changed ones, skip unchanged ones. */
  upsert(docs: Iterable<Document> | AsyncIterable<Document>, opts: AddOptions = {}): Promise<AddSummary> {
    return this.add(docs, opts);
  }

  private async commitBatch(input: Document[], summary: AddSummary, opts: AddOptions): Promise<void> {
    // the last version of an id within a batch wins
    const byId = new Map<string, Document>();
    for (const d of input) byId.set(d.id, d);
    const lookup = this.db.prepare('SELECT doc, hash FROM docs WHERE id = ?');
    const pending: { doc: Document; hash: string; old?: number; spans: { start: number; end: number }[] }[] =
      [];
    const texts: string[] = [];
    for (const doc of byId.values()) {
      const hash = contentHash(doc);
      const existing = lookup.get(doc.id) as { doc: number; hash: string } | undefined;
      if (existing && existing.hash === hash) {
        summary.unchanged++;
        continue;
      }
      const spans = chunkText(doc.text, this.chunkOptions());
      const title = titleOf(doc);
      for (const s of spans) {
        const body = doc.text.slice(s.start, s.end);
        texts.push(title && !body.startsWith(title) ? `${title}. ${body}` : body);
      }
      pending.push({ doc, hash, old: existing?.doc, spans });
    }
    if (pending.length === 0) {
      opts.onCommit?.({ documents: 0, ids: [], totalDocuments: this.count() });
      return;
    }
    const vectors = await this.embed(texts);
    throwIfAborted(opts.signal);
    const first = this.committedRows;
    const bytes = new Uint8Array(vectors.data.buffer, vectors.data.byteOffset, vectors.rows * this.dim * 4);
    // vectors reach the disk before the transaction that counts them
    writeSync(this.vectorsFd, bytes, 0, bytes.byteLength, first * this.dim * 4);
    fsyncSync(this.vectorsFd);
    const deadRows: number[] = [];
    const insertDoc = this.db.prepare(
      'INSERT INTO docs (id, hash, title, text, meta) VALUES (?, ?, ?, ?, ?)',
    );
    const insertChunk = this.db.prepare('INSERT INTO chunks (row, doc, start, end) VALUES (?, ?, ?, ?)');
    const rowsOf = this.db.prepare('SELECT row FROM chunks WHERE doc = ?').pluck();
    const newRows: [number, number][] = [];
    const newDocs: [number, string][] = [];
    this.db.transaction(() => {
      let row = first;
      let hadDeletes = false;
      for (const p of pending) {
        if (p.old !== undefined) {
          deadRows.push(...(rowsOf.all(p.old) as number[]));
          this.removeDocRows(p.old);
          hadDeletes = true;
        }
        const info = insertDoc.run(
          p.doc.id,
          p.hash,
          titleOf(p.doc),
          p.doc.text,
          JSON.stringify(p.doc.meta ?? {}),
        );
        const docNumber = Number(info.lastInsertRowid);
        newDocs.push([docNumber, p.doc.id]);
        for (const s of p.spans) {
          insertChunk.run(row, docNumber, s.start, s.end);
          newRows.push([row, docNumber]);
          row++;
        }
      }
      this.db.prepare("UPDATE state SET value = ? WHERE key = 'rows'").run(row);
      if (hadDeletes) this.db.prepare("UPDATE state SET value = value + 1 WHERE key = 'deletes'").run();
    })();
    this.committedRows = first + vectors.rows;
    if (deadRows.length > 0) this.deletes++;
    this.growRowMap(this.committedRows);
    for (const r of deadRows) {
      this.rowToDoc[r] = -1;
      this.index.remove(r);
    }
    for (const [r, d] of newRows) this.rowToDoc[r] = d;
    for (const p of pending) if (p.old !== undefined) this.docIds.delete(p.old);
    for (const [d, id] of newDocs) this.docIds.set(d, id);
    this.index.addRows(vectors);
    this.indexDirty = true;
    for (const p of pending) p.old === undefined ? summary.added++ : summary.replaced++;
    summary.chunks += vectors.rows;
    summary.batches++;
    opts.onCommit?.({
      documents: pending.length,
      ids: pending.map((p) => p.doc.id),
      totalDocuments: this.count(),
    });
  }

  /** Inside a transaction: moves a document's rows to `dead` and deletes the document. */
  private removeDocRows(doc: number): void {
    this.db.prepare('INSERT OR IGNORE INTO dead (row) SELECT row FROM chunks WHERE doc = ?').run(doc);
    this.db.prepare('DELETE FROM chunks WHERE doc = ?').run(doc);
    this.db.prepare('DELETE FROM docs WHERE doc = ?').run(doc);
  }

  private growRowMap(rows: number): void {
    if (rows <= this.rowToDoc.length) return;
    const grown = new Int32Array(Math.max(rows, this.rowToDoc.length * 2)).fill(-1);
    grown.set(this.rowToDoc);
    this.rowToDoc = grown;
  }

  /** Deletes documents by id; returns how many existed. They never appear in results again. */
  delete(ids: string[]): number {
    this.writable();
    const find = this.db.prepare('SELECT doc FROM docs WHERE id = ?').pluck();
    const rowsOf = this.db.prepare('SELECT row FROM chunks WHERE doc = ?').pluck();
    const dead: number[] = [];
    const removedDocs: number[] = [];
    let removed = 0;
    this.db.transaction(() => {
      for (const id of ids) {
        const doc = find.get(id) as number | undefined;
        if (doc === undefined) continue;
        dead.push(...(rowsOf.all(doc) as number[]));
        this.removeDocRows(doc);
        removedDocs.push(doc);
        removed++;
      }
      if (removed > 0) this.db.prepare("UPDATE state SET value = value + 1 WHERE key = 'deletes'").run();
    })();
    for (const doc of removedDocs) this.docIds.delete(doc);
    if (removed > 0) {
      this.deletes++;
      for (const r of dead) {
        this.rowToDoc[r] = -1;
        this.index.remove(r);
      }
      // the graph file is rewritten on close; until then a crash is repaired from SQLite on open
      this.indexDirty = true;
    }
    return removed;
  }

  get(id: string): Document | undefined {
    const r = this.db.prepare('SELECT id, text, meta FROM docs WHERE id = ?').get(id) as
      | { id: string; text: string; meta: string }
      | undefined;
    return r ? { id: r.id, text: r.text, meta: JSON.parse(r.meta) } : undefined;
  }

  has(id: string): boolean {
    return this.db.prepare('SELECT 1 FROM docs WHERE id = ?').get(id) !== undefined;
  }

  count(): number {
    return (this.db.prepare('SELECT count(*) AS n FROM docs').get() as { n: number }).n;
  }

  /** Numbers for `smysl index` summaries and tests. */
  stats(): { documents: number; chunks: number; deadRows: number; vectorRows: number; generation: number } {
    const chunks = (this.db.prepare('SELECT count(*) AS n FROM chunks').get() as { n: number }).n;
    const dead = (this.db.prepare('SELECT count(*) AS n FROM dead').get() as { n: number }).n;
    return {
      documents: this.count(),
      chunks,
      deadRows: dead,
      vectorRows: this.committedRows,
      generation: this.generation,
    };
  }

  /** Documents whose metadata matches every field (null: no filter). */
  private matchingDocs(where?: Where): Set<number> | null {
    if (!where || Object.keys(where).length === 0) return null;
    const clauses: string[] = [];
    const values: (string | number)[] = [];
    for (const [field, value] of Object.entries(where)) {
      if (!FIELD.test(field)) throw new SmyslError('E_USAGE', `invalid metadata field name "${field}"`);
      // compare as text so --where year=2020 matches both 2020 and "2020"
      clauses.push(`CAST(json_extract(meta, '$.' || ?) AS TEXT) = ?`);
      values.push(field, typeof value === 'boolean' ? (value ? 1 : 0) : String(value));
    }
    const rows = this.db
      .prepare(`SELECT doc FROM docs WHERE ${clauses.join(' AND ')}`)
      .pluck()
      .all(...values) as number[];
    return new Set(rows);
  }

  /** Dense search over chunk vectors, grouped per document. */
  searchVector(query: Float32Array, opts: SearchOptions = {}): SearchResult[] {
    this.open();
    const k = Math.max(1, opts.k ?? 10);
    const allowed = this.matchingDocs(opts.where);
    if (allowed === null && opts.details === false && this.chunksPerDocument() === 1) {
      // one chunk per document: rows are documents and the index's order is the answer
      const hits = this.index.searchRows(query, Math.min(k, this.committedRows));
      const out: SearchResult[] = [];
      for (let i = 0; i < hits.rows.length; i++) {
        const doc = this.rowToDoc[hits.rows[i]];
        if (doc >= 0) out.push({ rank: out.length + 1, id: this.docIds.get(doc)!, score: hits.scores[i] });
      }
      return out;
    }
    const best = new Map<number, { score: number; row: number }>();
    const liveRows = this.committedRows;
    if (allowed !== null) {
      if (allowed.size === 0) return [];
      const rowFilter = (row: number) => allowed.has(this.rowToDoc[row]);
      let allowedRows = 0;
      for (let r = 0; r < liveRows; r++) if (this.rowToDoc[r] >= 0 && rowFilter(r)) allowedRows++;
      // a narrow filter is answered exactly (cheap, and HNSW with a narrow filter degrades)
      if (allowedRows > Math.max(2000, liveRows * 0.05))
        this.searchGrouped(query, k, best, rowFilter, allowed.size);
      // a narrow filter is answered exactly (cheap, and HNSW degrades under narrow filters);
      // so is a wide one the graph could not satisfy
      if (best.size < Math.min(k, allowed.size)) {
        best.clear();
        this.collect(best, this.exactRows(query, allowedRows, rowFilter));
      }
    } else this.searchGrouped(query, k, best, undefined, Number.POSITIVE_INFINITY);
    const ranked = [...best].sort((a, b) => b[1].score - a[1].score || a[0] - b[0]).slice(0, k);
    return this.describe(ranked, opts.details ?? true);
  }

  private searchGrouped(
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
      const hits = this.index.searchRows(query, Math.min(want, rows), filter);
      this.collect(best, hits);
      if (best.size >= Math.min(k, maxDocs) || hits.rows.length < Math.min(want, rows) || want >= rows)
        return;
      want *= 2;
    }
  }

  /** Collections made before the precision setting existed hold hnswlib (f32) graphs. */
  private get precision(): GraphPrecision {
    return this.manifest.index.precision ?? 'f32';
  }

  private chunksPerDoc = -1;
  private chunksPerDocument(): number {
    if (this.chunksPerDoc < 0 || this.indexDirty) {
      const docs = this.count();
      this.chunksPerDoc = docs > 0 ? (this.committedRows - this.deadCount()) / docs : 1;
    }
    return this.chunksPerDoc;
  }

  private deadCount(): number {
    return (this.db.prepare('SELECT count(*) AS n FROM dead').get() as { n: number }).n;
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

  /** Exact scores for the rows passing `filter`, read from the vectors file. */
  private exactRows(query: Float32Array, limit: number, filter: (row: number) => boolean): RowHits {
    const q = normalizeRowsInPlace({ rows: 1, dim: this.dim, data: query.slice(0, this.dim) }).data;
    const buffer = new Float32Array(this.dim);
    const top = new TopK(Math.max(1, limit));
    for (let r = 0; r < this.committedRows; r++) {
      if (this.rowToDoc[r] < 0 || !filter(r)) continue;
      this.readRow(r, buffer);
      let s = 0;
      for (let j = 0; j < this.dim; j++) s += q[j] * buffer[j];
      top.push(r, s);
    }
    const { items, scores } = top.sorted();
    return { rows: items, scores };
  }

  private describe(ranked: [number, { score: number; row: number }][], details: boolean): SearchResult[] {
    if (!details)
      return ranked.map(([doc, { score }], i) => ({ rank: i + 1, id: this.docIds.get(doc)!, score }));
    const docStatement = this.statement(
      details ? 'SELECT id, title, text, meta FROM docs WHERE doc = ?' : 'SELECT id FROM docs WHERE doc = ?',
    );
    const chunkStatement = this.statement('SELECT start, end FROM chunks WHERE row = ?');
    return ranked.map(([doc, { score, row }], i) => {
      const d = docStatement.get(doc) as { id: string; title?: string; text?: string; meta?: string };
      if (!details) return { rank: i + 1, id: d.id, score };
      const span = chunkStatement.get(row) as { start: number; end: number };
      return {
        rank: i + 1,
        id: d.id,
        score,
        title: d.title ?? '',
        snippet: snippet(d.text!.slice(span.start, span.end)),
        meta: JSON.parse(d.meta!),
      };
    });
  }

  private chunkOptions_?: Parameters<typeof chunkText>[1];
  /** The manifest's chunking with the encoder's counter: a chunk never exceeds what it reads. */
  private chunkOptions(): Parameters<typeof chunkText>[1] {
    if (this.chunkOptions_) return this.chunkOptions_;
    const c = this.manifest.chunking;
    const counter: TokenCounter | null = c.unit === 'encoder' ? tokenCounterOf(this.embedder) : null;
    this.chunkOptions_ = counter
      ? {
          ...c,
          maxTokens: Math.min(c.maxTokens, counter.maxTextTokens),
          countTokens: (t) => counter.countTokens(t),
        }
      : c;
    return this.chunkOptions_;
  }

  private lexicalKey(): string {
    // collections with Snowball stems keep the key they had before lemmas existed
    const words = this.lexicalAnalyzer === 'snowball' ? '' : `:${this.lexicalAnalyzer}`;
    return `${this.generation}:${this.committedRows}:${this.deletes}:${this.manifest.lexical ?? 'bm25'}${words}`;
  }

  /** How the lexical index matches word forms (collections made before lemmas: snowball). */
  get lexicalAnalyzer(): LexicalAnalyzer {
    return this.manifest.lexicalAnalyzer ?? 'snowball';
  }

  /** Marks query words in texts as this collection's lexical index matches them. */
  highlighter(): Highlighter {
    return lexicalHighlighter(this.lexicalAnalyzer);
  }

  /**
   * The built-in lexical index over live chunks: the one `saveLexicalIndex` left on disk while it
   * matches the collection, else built from the chunk texts (and kept until the collection changes).
   */
  async lexicalIndex(): Promise<LexicalChunkIndex> {
    const key = this.lexicalKey();
    if (this.lexicalCache?.key === key) return this.lexicalCache.index;
    const index =
      (await LexicalChunkIndex.load(path.join(this.dir, LEXICAL_DIR), key)) ??
      LexicalChunkIndex.build(this.liveChunks(), this.manifest.lexical ?? 'bm25', this.lexicalAnalyzer);
    this.lexicalCache = { key, index };
    return index;
  }

  /**
   * Saves the lexical index for later searches (writers only; `smysl index` calls it at the end),
   * so that a search process loads it instead of analyzing every chunk again.
   */
  async saveLexicalIndex(): Promise<void> {
    if (this.readonly) return;
    this.open();
    const key = this.lexicalKey();
    const dir = path.join(this.dir, LEXICAL_DIR);
    // already saved for this state (and readable): nothing to do
    if (LexicalChunkIndex.savedKey(dir) === key && (await LexicalChunkIndex.load(dir, key))) return;
    const index = await this.lexicalIndex();
    await index.save(dir, key);
  }

  private liveChunks(): ChunkText[] {
    const texts = new Map<number, string>();
    for (const d of this.statement('SELECT doc, text FROM docs').iterate() as Iterable<{
      doc: number;
      text: string;
    }>)
      texts.set(d.doc, d.text);
    const chunks: ChunkText[] = [];
    const rows = this.statement(
      'SELECT row, doc, start, end FROM chunks WHERE row NOT IN (SELECT row FROM dead) ORDER BY row',
    ).iterate() as Iterable<{ row: number; doc: number; start: number; end: number }>;
    for (const c of rows) {
      const text = texts.get(c.doc);
      if (text !== undefined) chunks.push({ row: c.row, doc: c.doc, text: text.slice(c.start, c.end) });
    }
    return chunks;
  }

  /**
   * Searches by `method`: dense (the query embedded like the documents), sparse (the built-in
   * BM25/TF-IDF chunk index) or hybrid (both, fused as `DEFAULT_FUSION` says unless asked otherwise).
   */
  async search(query: string, opts: SearchOptions & { method?: SearchMethod } = {}): Promise<SearchResult[]> {
    const method = opts.method ?? this.manifest.defaultMethod ?? 'hybrid';
    const k = opts.k ?? 10;
    const allowed = this.matchingDocs(opts.where);
    if (method === 'sparse') {
      const hits = (await this.lexicalIndex()).search(
        query,
        k,
        allowed === null ? undefined : (d) => allowed.has(d),
      );
      return this.describe(
        hits.map((h) => [h.doc, { score: h.score, row: h.row }]),
        opts.details ?? true,
      );
    }
    const vector = (await this.embed([query])).data;
    if (method === 'dense') return this.searchVector(vector, opts);
    const depth = Math.max(50, k * 5);
    const dense = this.searchVector(vector, { ...opts, k: depth, details: false });
    const lexicalRows = new Map<string, number>();
    let lexical: Hit[];
    if (this.lexical) {
      lexical = await this.lexical.search(
        query,
        depth,
        allowed === null ? undefined : this.idFilter(allowed),
      );
    } else {
      const hits = (await this.lexicalIndex()).search(
        query,
        depth,
        allowed === null ? undefined : (d) => allowed.has(d),
      );
      lexical = hits.map((h) => {
        const id = this.docIds.get(h.doc)!;
        lexicalRows.set(id, h.row);
        return { id, score: h.score };
      });
    }
    const weights = defaultFusionWeights(query, this.embedder.languages);
    const fused = fuse(
      [
        { hits: dense.map((r) => ({ id: r.id, score: r.score })), weight: opts.denseWeight ?? weights.dense },
        { hits: lexical, weight: opts.lexicalWeight ?? weights.lexical },
      ],
      { method: opts.fusion ?? DEFAULT_FUSION.method, k },
    );
    const findDoc = this.db.prepare('SELECT doc FROM docs WHERE id = ?').pluck();
    const denseIds = new Set(dense.map((r) => r.id));
    return fused.map((hit, i) => {
      const doc = findDoc.get(hit.id) as number;
      const bestRow = denseIds.has(hit.id)
        ? this.bestRowOf(doc, vector)
        : (lexicalRows.get(hit.id) ?? this.firstRowOf(doc));
      return {
        ...this.describe([[doc, { score: hit.score, row: bestRow }]], opts.details ?? true)[0],
        rank: i + 1,
      };
    });
  }

  private idFilter(allowed: Set<number>): (id: string) => boolean {
    const find = this.db.prepare('SELECT doc FROM docs WHERE id = ?').pluck();
    return (id) => allowed.has(find.get(id) as number);
  }

  private firstRowOf(doc: number): number {
    return this.db.prepare('SELECT min(row) FROM chunks WHERE doc = ?').pluck().get(doc) as number;
  }

  private bestRowOf(doc: number, query: Float32Array): number {
    const rows = this.db.prepare('SELECT row FROM chunks WHERE doc = ?').pluck().all(doc) as number[];
    const buffer = new Float32Array(this.dim);
    let best = rows[0];
    let bestScore = Number.NEGATIVE_INFINITY;
    for (const r of rows) {
      this.readRow(r, buffer);
      let s = 0;
      for (let j = 0; j < this.dim; j++) s += query[j] * buffer[j];
      if (s > bestScore) {
        bestScore = s;
        best = r;
      }
    }
    return best;
  }

  /**
   * Reclaims the space of deleted and replaced documents: writes a new vectors file with live rows
   * only, renumbers chunks in one transaction, rebuilds the index. A crash at any point leaves
   * either the old or the new generation, both complete.
   */
  compact(opts: LongRunning = {}): { removedRows: number } {
    this.writable();
    const dead = this.deadCount();
    if (dead === 0) return { removedRows: 0 };
    const dim = this.dim;
    const next = this.generation + 1;
    const live = this.db.prepare('SELECT row FROM chunks ORDER BY row').pluck().all() as number[];
    const target = vectorsFile(this.dir, next);
    const fd = openSync(target, 'w');
    try {
      const buffer = new Float32Array(dim);
      const bytes = new Uint8Array(buffer.buffer);
      live.forEach((row, i) => {
        this.readRow(row, buffer);
        writeSync(fd, bytes, 0, bytes.byteLength, i * dim * 4);
        if (i % 10000 === 0)
          opts.onProgress?.({ phase: 'compacting', done: i, total: live.length, unit: 'rows' });
      });
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    const renumber = this.db.prepare('UPDATE chunks SET row = ? WHERE row = ?');
    this.db.transaction(() => {
      this.db.prepare('DELETE FROM dead').run();
      live.forEach((row, i) => {
        if (row !== i) renumber.run(i, row);
      });
      this.db.prepare("UPDATE state SET value = ? WHERE key = 'rows'").run(live.length);
      this.db.prepare("UPDATE state SET value = ? WHERE key = 'generation'").run(next);
      this.db.prepare("UPDATE state SET value = value + 1 WHERE key = 'deletes'").run();
    })();
    closeSync(this.vectorsFd);
    this.index.close?.();
    this.generation = next;
    this.committedRows = live.length;
    this.deletes++;
    this.recover();
    this.indexDirty = true;
    this.saveIndex();
    return { removedRows: dead };
  }

  /** Writes the HNSW graph if it changed (atomically, with the row count it covers). */
  saveIndex(): void {
    if (!this.indexDirty || this.readonly || this.manifest.index.type !== 'hnsw') return;
    const graph = graphFile(this.dir, this.generation, this.precision);
    const tmp = `${graph}.${process.pid}.tmp`;
    this.index.saveTo(tmp);
    renameSync(tmp, graph);
    const metaTmp = `${graph}.json.${process.pid}.tmp`;
    writeFileSync(metaTmp, JSON.stringify({ rows: this.index.rowCount, deletes: this.deletes }));
    renameSync(metaTmp, `${graph}.json`);
    this.indexDirty = false;
  }

  /**
   * Up to `limit` documents (oldest first) with the stored vector of each one's first chunk:
   * what a map of the collection plots, without re-embedding anything.
   */
  documentVectors(limit: number): {
    ids: string[];
    titles: string[];
    meta: Record<string, unknown>[];
    vectors: DenseMatrix;
  } {
    this.open();
    const rows = this.db
      .prepare(
        'SELECT d.id, d.title, d.meta, min(c.row) AS row FROM docs d JOIN chunks c ON c.doc = d.doc GROUP BY d.doc ORDER BY d.doc LIMIT ?',
      )
      .raw()
      .all(Math.max(0, Math.floor(limit))) as [string, string, string, number][];
    const dim = this.dim;
    const data = new Float32Array(rows.length * dim);
    for (let i = 0; i < rows.length; i++) this.readRow(rows[i][3], data.subarray(i * dim, (i + 1) * dim));
    return {
      ids: rows.map((r) => r[0]),
      titles: rows.map((r) => r[1]),
      meta: rows.map((r) => JSON.parse(r[2]) as Record<string, unknown>),
      vectors: { rows: rows.length, dim, data },
    };
  }

  /** The underlying row index (benchmarks, tuning). */
  get rowIndex(): RowIndex {
    return this.index;
  }

  setExpansionSearch(ef: number): void {
    if (this.index instanceof HnswIndex || this.index instanceof UsearchIndex)
      this.index.expansionSearch = ef;
  }

  close(): void {
    if (this.closed) return;
    this.saveIndex();
    this.index.close?.();
    closeSync(this.vectorsFd);
    this.db.close();
    if (!this.readonly) releaseWriterLock(this.dir);
    this.closed = true;
  }

  private open(): void {
    if (this.closed) throw new SmyslError('E_STATE', `collection ${this.name} is closed`);
  }

  private writable(): void {
    this.open();
    if (this.readonly) throw new SmyslError('E_STATE', `collection ${this.name} was opened read-only`);
  }
}

function snippet(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length <= SNIPPET_CHARS ? flat : `${flat.slice(0, SNIPPET_CHARS - 1).trimEnd()}…`;
}

const LOCK = 'writer.lock';

/**
 * One writer per collection: appends from two processes would interleave in the vectors file.
 * A lock left by a killed process (its pid is gone) is taken over.
 */
function acquireWriterLock(dir: string): void {
  const file = path.join(dir, LOCK);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(file, String(process.pid), { flag: 'wx' });
      return;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    const holder = Number(readFileSync(file, 'utf8'));
    if (Number.isInteger(holder) && holder > 0 && processAlive(holder))
      throw new SmyslError(
        'E_COLLECTION',
        `collection ${dir} is being written by process ${holder}${holder === process.pid ? ' (this process: close it first)' : ''}; wait for it, or open it read-only`,
      );
    rmSync(file, { force: true });
  }
  throw new SmyslError('E_COLLECTION', `cannot take the writer lock of ${dir}`);
}

function releaseWriterLock(dir: string): void {
  const file = path.join(dir, LOCK);
  try {
    if (Number(readFileSync(file, 'utf8')) === process.pid) rmSync(file, { force: true });
  } catch {
    // already gone
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
