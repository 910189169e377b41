import { createHash } from 'node:crypto';
import path from 'node:path';
import type { Document } from '../corpus/types.js';
import { loadEmbedder } from '../embed/registry.js';
import type { Highlighter } from '../embed/sparse/highlight.js';
import { type Embedder, embedFor, tokenCounterOf } from '../embed/types.js';
import { SmyslError, throwIfAborted } from '../errors.js';
import { DEFAULT_FUSION, defaultFusionWeights, type FusionMethod, fuse } from '../index/fusion.js';
import type { Hit, RowIndex } from '../index/types.js';
import { type GraphPrecision, HNSW_DEFAULTS } from '../index/usearch.js';
import { readJsonFile } from '../util/fs.js';
import { jsonDepth, MAX_META_DEPTH } from '../util/json.js';
import type { LongRunning } from '../util/progress.js';
import { normalizeRowsInPlace } from '../vectors/dense.js';
import { Pipeline } from '../vectors/postprocess.js';
import type { DenseMatrix } from '../vectors/types.js';
import { storeBackend } from './backends.js';
import { CHUNK_DEFAULTS, type ChunkOptions, chunkText } from './chunk.js';
import { EmbeddedStore } from './embedded/store.js';
import {
  DEFAULT_LEXICAL_ANALYZER,
  type LexicalAnalyzer,
  LexicalChunkIndex,
  type LexicalMethod,
  lexicalHighlighter,
} from './lexical.js';
import type {
  ChunkHit,
  CollectionManifest,
  CollectionStore,
  DocumentToWrite,
  IndexSettings,
  SearchMethod,
  StoredDocument,
  StoreStats,
  Where,
} from './types.js';

export type { StoreOpenOptions } from './backends.js';
export type { CollectionManifest, IndexSettings, SearchMethod, Where } from './types.js';

export const COLLECTION_FORMAT = 1;

/** f16 keeps cosine rankings (recall equal to f32 in bench/ann.ts) at half the vector memory. */
export const DEFAULT_PRECISION: GraphPrecision = 'f16';

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
  /**
   * Used instead of loading the collection's own embedder: an instance loaded from an identical
   * embedder manifest (a server shares one model between collections); its name must match.
   */
  sharedEmbedder?: Embedder;
  /** Overrides the stored search expansion for this session. */
  expansionSearch?: number;
  /** Read-only sessions never write (and need no write access to the directory). */
  readonly?: boolean;
  /** Told when derived files (the search graph, the lexical index) had to be rebuilt, and why. */
  onWarning?: (message: string) => void;
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

/** What `Collection.repair` found and did. */
export interface RepairReport {
  manifestRestored: boolean;
  vectorsReembedded: number;
  graphRebuilt: boolean;
  lexicalRebuilt: boolean;
  integrity: string;
}

const LEXICAL_DIR = 'lexical';
const SNIPPET_CHARS = 240;

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

/**
 * A collection: documents cut into chunks, a vector per chunk, searched by meaning (dense), by
 * keywords (sparse: BM25 or TF-IDF over the chunk texts) or both (hybrid). Storage is behind
 * `CollectionStore`; this class does what is the same for every store: chunking, embedding,
 * lexical search, fusion and snippets.
 */
export class Collection {
  readonly manifest: CollectionManifest;
  readonly embedder: Embedder;
  readonly postprocess: Pipeline;
  readonly store: CollectionStore;
  /** An external lexical retriever for hybrid search; without one the built-in chunk index is used. */
  lexical?: LexicalRetriever;
  private lexicalCache?: { key: string; index: LexicalChunkIndex };
  /** Vectors a writer re-made when it opened (they were missing or damaged). */
  private reembeddedOnOpen = 0;
  private readonly onWarning: (message: string) => void;

  private constructor(
    store: CollectionStore,
    embedder: Embedder,
    postprocess: Pipeline,
    onWarning: (message: string) => void,
  ) {
    this.store = store;
    this.manifest = store.manifest;
    this.embedder = embedder;
    this.postprocess = postprocess;
    this.onWarning = onWarning;
  }

  get name(): string {
    return this.manifest.name;
  }
  get dim(): number {
    return this.manifest.embedder.dim;
  }
  /** Where the collection lives. */
  get dir(): string {
    return this.store.location;
  }

  /** Creates a new collection in `dir` (which must not hold one yet). */
  static async create(
    dir: string,
    opts: CreateCollectionOptions,
    open: OpenCollectionOptions = {},
  ): Promise<Collection> {
    const embedder = opts.embedder;
    if (embedder.kind !== 'dense')
      throw new SmyslError(
        'E_COLLECTION',
        `collections index dense vectors; ${embedder.name} is ${embedder.kind}`,
      );
    const postprocess = opts.postprocess ?? new Pipeline();
    if (!postprocess.fitted)
      throw new SmyslError('E_STATE', 'post-processing must be fitted before creating a collection');
    const store = await storeBackend(dir).create(
      dir,
      async (filesDir) => {
        await embedder.save(path.join(filesDir, 'embedder'));
        const saved = await readJsonFile<{ method?: string }>(
          path.join(filesDir, 'embedder', 'manifest.json'),
        ).catch(() => ({ method: undefined }));
        if (!saved.method)
          throw new SmyslError(
            'E_MODEL',
            `embedder ${embedder.name} did not write a manifest.json with a "method"`,
          );
        const probe = (await embedder.embed(['dimension probe'])) as DenseMatrix;
        const dim = postprocess.transform(probe).dim;
        if (postprocess.steps.length > 0) await postprocess.save(path.join(filesDir, 'postprocess'));
        return {
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
      },
      { onWarning: open.onWarning },
    );
    return new Collection(store, embedder, postprocess, open.onWarning ?? (() => {}));
  }

  /** Opens an existing collection, repairing what a crash left behind (writers). */
  static async open(dir: string, opts: OpenCollectionOptions = {}): Promise<Collection> {
    const store = await storeBackend(dir).open(dir, opts);
    try {
      const manifest = store.manifest;
      const given = opts.sharedEmbedder ?? opts.embedder;
      if (given && given.name !== manifest.embedder.name)
        throw new SmyslError(
          'E_COLLECTION',
          `collection "${manifest.name}" was indexed with embedder ${manifest.embedder.name} (method ${manifest.embedder.method}); ` +
            `it cannot be searched or extended with ${given.name}. Omit the embedder to use the collection's own, or index into a new collection.`,
        );
      const embedder = opts.sharedEmbedder ?? (await loadEmbedder(path.join(store.filesDir, 'embedder')));
      const postprocess =
        manifest.postprocess.length > 0
          ? await Pipeline.load(path.join(store.filesDir, 'postprocess'))
          : new Pipeline();
      const c = new Collection(store, embedder, postprocess, opts.onWarning ?? (() => {}));
      // a writer re-embeds vectors lost to damage (a truncated or changed vectors file) first
      if (!store.readonly) {
        c.reembeddedOnOpen = await c.reembedDamaged(store);
        if (c.reembeddedOnOpen > 0)
          c.onWarning(`re-embedded ${c.reembeddedOnOpen} missing or damaged vector(s) of ${dir}`);
      }
      return c;
    } catch (e) {
      await store.close().catch(() => {});
      throw e;
    }
  }

  /** Opens the collection if `dir` holds one, otherwise creates it. */
  static async openOrCreate(
    dir: string,
    opts: CreateCollectionOptions,
    open: OpenCollectionOptions = {},
  ): Promise<Collection> {
    if (await storeBackend(dir).exists(dir))
      return Collection.open(dir, { ...open, embedder: opts.embedder });
    return Collection.create(dir, opts, open);
  }

  /**
   * Rebuilds what can be derived from the database: the manifest (from its copy in the database),
   * vectors missing from the vectors file (re-embedded with the collection's own embedder), the
   * search graph and the lexical index. Never changes the collection's embedder or settings.
   */
  static async repair(
    dir: string,
    opts: LongRunning & { onWarning?: (m: string) => void } = {},
  ): Promise<RepairReport> {
    const manifestRestored = (await storeBackend(dir).restoreManifest?.(dir)) ?? false;
    const c = await Collection.open(dir, { onWarning: opts.onWarning });
    try {
      const store = c.store;
      const integrity = (await store.integrityCheck?.()) ?? 'ok';
      if (integrity !== 'ok')
        throw new SmyslError(
          'E_COLLECTION',
          `the database of ${dir} is damaged (${integrity}); restore it from a backup or index into a new collection`,
        );
      const vectorsReembedded = c.reembeddedOnOpen + (await c.reembedDamaged(store));
      await store.rebuildIndex?.();
      c.lexicalCache = undefined;
      await c.saveLexicalIndex(true);
      return {
        manifestRestored,
        vectorsReembedded,
        graphRebuilt: store.rebuildIndex !== undefined && c.manifest.index.type === 'hnsw',
        lexicalRebuilt: true,
        integrity,
      };
    } finally {
      await c.close();
    }
  }

  /** Re-embeds the chunks whose vectors are missing or damaged; returns how many. */
  private async reembedDamaged(store: CollectionStore): Promise<number> {
    const rows = (await store.damagedVectorRows?.()) ?? [];
    if (rows.length === 0 || !store.restoreVectors) return 0;
    const chunks = await store.chunks(rows);
    const docs = await store.documents([...new Set([...chunks.values()].map((c) => c.doc))]);
    const texts = rows.map((r) => {
      const c = chunks.get(r)!;
      const d = docs.get(c.doc)!;
      return chunkInput(d.title, d.text.slice(c.start, c.end));
    });
    await store.restoreVectors(rows, await this.embed(texts));
    return rows.length;
  }

  /**
   * Embeds texts exactly as the collection's documents (role 'document', the default) or queries
   * (role 'query': a model's query prompt, e.g. e5's "query: ") are: embedder, post-processing, L2.
   */
  async embed(texts: string[], role: 'query' | 'document' = 'document'): Promise<DenseMatrix> {
    const raw = (await embedFor(this.embedder, texts, role)) as DenseMatrix;
    const processed = this.postprocess.steps.length > 0 ? this.postprocess.transform(raw) : raw;
    const copy =
      processed === raw
        ? { rows: raw.rows, dim: raw.dim, data: raw.data.slice(0, raw.rows * raw.dim) }
        : processed;
    return normalizeRowsInPlace(copy);
  }

  /**
   * Adds documents; an id already present with the same content is skipped, with changed content
   * it is replaced (upsert). Each batch is one transaction; `onCommit` reports it.
   */
  async add(docs: Iterable<Document> | AsyncIterable<Document>, opts: AddOptions = {}): Promise<AddSummary> {
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
      if (jsonDepth(doc.meta) > MAX_META_DEPTH)
        throw new SmyslError(
          'E_INPUT',
          `document "${doc.id}": its metadata is nested more than ${MAX_META_DEPTH} levels deep`,
        );
      batch.push(doc);
      seen++;
      if (batch.length >= batchSize) {
        await flush();
        opts.onProgress?.({ phase: 'indexing', done: seen, unit: 'docs', extra: { chunks: summary.chunks } });
      }
    }
    await flush();
    opts.onProgress?.({ phase: 'indexing', done: seen, unit: 'docs', extra: { chunks: summary.chunks } });
    await this.store.flush();
    return summary;
  }

  /** Same as add: insert new ids, replace changed ones, skip unchanged ones. */
  upsert(docs: Iterable<Document> | AsyncIterable<Document>, opts: AddOptions = {}): Promise<AddSummary> {
    return this.add(docs, opts);
  }

  private async commitBatch(input: Document[], summary: AddSummary, opts: AddOptions): Promise<void> {
    if (this.store.readonly) throw new SmyslError('E_STATE', `collection ${this.name} was opened read-only`);
    // the last version of an id within a batch wins
    const byId = new Map<string, Document>();
    for (const d of input) byId.set(d.id, d);
    const stored = await this.store.hashes([...byId.keys()]);
    const pending: DocumentToWrite[] = [];
    const texts: string[] = [];
    for (const doc of byId.values()) {
      const hash = contentHash(doc);
      if (stored.get(doc.id) === hash) {
        summary.unchanged++;
        continue;
      }
      const spans = chunkText(doc.text, this.chunkOptions());
      const title = titleOf(doc);
      for (const s of spans) texts.push(chunkInput(title, doc.text.slice(s.start, s.end)));
      pending.push({ id: doc.id, hash, title, text: doc.text, meta: doc.meta ?? {}, spans });
    }
    if (pending.length === 0) {
      opts.onCommit?.({ documents: 0, ids: [], totalDocuments: await this.store.count() });
      return;
    }
    const vectors = await this.embed(texts);
    throwIfAborted(opts.signal);
    const written = await this.store.write(pending, vectors);
    summary.added += written.added;
    summary.replaced += written.replaced;
    summary.chunks += vectors.rows;
    summary.batches++;
    opts.onCommit?.({
      documents: pending.length,
      ids: pending.map((p) => p.id),
      totalDocuments: await this.store.count(),
    });
  }

  /** Deletes documents by id; returns how many existed. They never appear in results again. */
  delete(ids: string[]): Promise<number> {
    return this.store.delete(ids);
  }

  async get(id: string): Promise<Document | undefined> {
    const d = await this.store.document(id);
    return d ? { id: d.id, text: d.text, meta: d.meta } : undefined;
  }

  async has(id: string): Promise<boolean> {
    return (await this.store.docNumber(id)) !== undefined;
  }

  count(): Promise<number> {
    return this.store.count();
  }

  /** Numbers for `smysl index` summaries and tests. */
  stats(): Promise<StoreStats> {
    return this.store.stats();
  }

  private async allowedDocs(where?: Where): Promise<Set<number> | undefined> {
    if (!where || Object.keys(where).length === 0) return undefined;
    return this.store.matchingDocs(where);
  }

  /** Dense search for a query vector (embedded like the documents), per document. */
  async searchVector(query: Float32Array, opts: SearchOptions = {}): Promise<SearchResult[]> {
    const hits = await this.store.searchDense(query, opts.k ?? 10, await this.allowedDocs(opts.where));
    return this.describe(hits, opts.details ?? true);
  }

  private async describe(hits: ChunkHit[], details: boolean): Promise<SearchResult[]> {
    if (!details) {
      const ids = await this.store.ids(hits.map((h) => h.doc));
      return hits.map((h, i) => ({ rank: i + 1, id: ids[i], score: h.score }));
    }
    const docs = await this.store.documents(hits.map((h) => h.doc));
    const chunks = await this.store.chunks(hits.map((h) => h.row));
    return hits.map((h, i) => {
      const d = docs.get(h.doc) as StoredDocument;
      const c = chunks.get(h.row);
      return {
        rank: i + 1,
        id: d.id,
        score: h.score,
        title: d.title,
        snippet: snippet(c ? d.text.slice(c.start, c.end) : d.text),
        meta: d.meta,
      };
    });
  }

  private chunkOptions_?: Parameters<typeof chunkText>[1];
  /** The manifest's chunking with the encoder's counter: a chunk never exceeds what it reads. */
  private chunkOptions(): Parameters<typeof chunkText>[1] {
    if (this.chunkOptions_) return this.chunkOptions_;
    const c = this.manifest.chunking;
    const counter = c.unit === 'encoder' ? tokenCounterOf(this.embedder) : null;
    this.chunkOptions_ = counter
      ? {
          ...c,
          maxTokens: Math.min(c.maxTokens, counter.maxTextTokens),
          countTokens: (t) => counter.countTokens(t),
        }
      : c;
    return this.chunkOptions_;
  }

  private async lexicalKey(): Promise<string> {
    // collections with Snowball stems keep the key they had before lemmas existed
    const words = this.lexicalAnalyzer === 'snowball' ? '' : `:${this.lexicalAnalyzer}`;
    return `${await this.store.version()}:${this.manifest.lexical ?? 'bm25'}${words}`;
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
    const key = await this.lexicalKey();
    if (this.lexicalCache?.key === key) return this.lexicalCache.index;
    const saved = this.store.cacheDir
      ? await LexicalChunkIndex.load(path.join(this.store.cacheDir, LEXICAL_DIR), key)
      : null;
    const index =
      saved ??
      LexicalChunkIndex.build(
        await this.store.liveChunks(),
        this.manifest.lexical ?? 'bm25',
        this.lexicalAnalyzer,
      );
    this.lexicalCache = { key, index };
    return index;
  }

  /**
   * Saves the lexical index for later searches (writers only; `smysl index` calls it at the end),
   * so that a search process loads it instead of analyzing every chunk again.
   */
  async saveLexicalIndex(force = false): Promise<void> {
    if (this.store.readonly || !this.store.cacheDir) return;
    const key = await this.lexicalKey();
    const dir = path.join(this.store.cacheDir, LEXICAL_DIR);
    // already saved for this state (and readable): nothing to do
    if (!force && LexicalChunkIndex.savedKey(dir) === key && (await LexicalChunkIndex.load(dir, key))) return;
    const index = await this.lexicalIndex();
    await index.save(dir, key);
  }

  /**
   * Searches by `method`: dense (the query embedded like the documents), sparse (the built-in
   * BM25/TF-IDF chunk index) or hybrid (both, fused as `DEFAULT_FUSION` says unless asked otherwise).
   */
  async search(query: string, opts: SearchOptions & { method?: SearchMethod } = {}): Promise<SearchResult[]> {
    const method = opts.method ?? this.manifest.defaultMethod ?? 'hybrid';
    const k = opts.k ?? 10;
    const allowed = await this.allowedDocs(opts.where);
    if (method === 'sparse') {
      const hits = (await this.lexicalIndex()).search(query, k, allowed && ((d) => allowed.has(d)));
      return this.describe(hits, opts.details ?? true);
    }
    const vector = (await this.embed([query], 'query')).data;
    if (method === 'dense') return this.searchVector(vector, opts);
    const depth = Math.max(50, k * 5);
    const dense = await this.store.searchDense(vector, depth, allowed);
    const denseIds = await this.store.ids(dense.map((h) => h.doc));
    const rowsById = new Map<string, ChunkHit>();
    dense.forEach((h, i) => rowsById.set(denseIds[i], h));
    let lexical: Hit[];
    const lexicalRows = new Map<string, ChunkHit>();
    if (this.lexical) {
      let filter: ((id: string) => boolean) | undefined;
      if (allowed) {
        const allowedIds = new Set(await this.store.ids([...allowed]));
        filter = (id) => allowedIds.has(id);
      }
      lexical = await this.lexical.search(query, depth, filter);
    } else {
      const hits = (await this.lexicalIndex()).search(query, depth, allowed && ((d) => allowed.has(d)));
      const ids = await this.store.ids(hits.map((h) => h.doc));
      lexical = hits.map((h, i) => {
        lexicalRows.set(ids[i], h);
        return { id: ids[i], score: h.score };
      });
    }
    const weights = defaultFusionWeights(query, this.embedder.languages);
    const fused = fuse(
      [
        {
          hits: dense.map((h, i) => ({ id: denseIds[i], score: h.score })),
          weight: opts.denseWeight ?? weights.dense,
        },
        { hits: lexical, weight: opts.lexicalWeight ?? weights.lexical },
      ],
      { method: opts.fusion ?? DEFAULT_FUSION.method, k },
    );
    const chosen: ChunkHit[] = [];
    for (const hit of fused) {
      const found = rowsById.get(hit.id) ?? lexicalRows.get(hit.id);
      if (found) chosen.push({ ...found, score: hit.score });
      else {
        // found only by an external retriever: its first chunk stands for it
        const doc = await this.store.docNumber(hit.id);
        if (doc === undefined) continue;
        const first = (await this.store.chunksOf(doc))[0];
        chosen.push({ doc, row: first?.row ?? -1, score: hit.score });
      }
    }
    const described = await this.describe(chosen, opts.details ?? true);
    return described.map((r, i) => ({ ...r, rank: i + 1 }));
  }

  /**
   * Reclaims the space of deleted and replaced documents: writes a new generation with live rows
   * only. A crash at any point leaves either the old or the new generation, both complete.
   */
  async compact(opts: LongRunning = {}): Promise<{ removedRows: number }> {
    return this.store.compact(opts);
  }

  /** Saves the search graph if it lags far enough behind the committed rows. */
  async saveIndex(): Promise<void> {
    await this.store.flush();
  }

  /**
   * Up to `limit` documents (oldest first) with the stored vector of each one's first chunk:
   * what a map of the collection plots, without re-embedding anything.
   */
  async documentVectors(limit: number): Promise<{
    ids: string[];
    titles: string[];
    meta: Record<string, unknown>[];
    vectors: DenseMatrix;
  }> {
    const first = await this.store.firstChunks(limit);
    return {
      ids: first.map((f) => f.doc.id),
      titles: first.map((f) => f.doc.title),
      meta: first.map((f) => f.doc.meta),
      vectors: await this.store.vectors(first.map((f) => f.row)),
    };
  }

  /** The underlying row index of the embedded store (benchmarks, tuning). */
  get rowIndex(): RowIndex {
    if (!(this.store instanceof EmbeddedStore))
      throw new SmyslError('E_STATE', 'no row index for this store');
    return this.store.rowIndexForBench;
  }

  setExpansionSearch(ef: number): void {
    if (this.store instanceof EmbeddedStore) this.store.setExpansionSearch(ef);
  }

  close(): Promise<void> {
    return this.store.close();
  }
}

/** The text embedded for a chunk: the document's title leads unless the chunk starts with it. */
function chunkInput(title: string, body: string): string {
  return title && !body.startsWith(title) ? `${title}. ${body}` : body;
}

function snippet(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length <= SNIPPET_CHARS ? flat : `${flat.slice(0, SNIPPET_CHARS - 1).trimEnd()}…`;
}
