import { createHash } from 'node:crypto';
import path from 'node:path';
import type { Document } from '../corpus/types.js';
import { loadEmbedder } from '../embed/registry.js';
import { analyzerConfig, analyzerFromConfig } from '../embed/sparse/analyzer.js';
import type { Highlighter } from '../embed/sparse/highlight.js';
import { type Embedder, embedFor, tokenCounterOf, wordLearnerOf } from '../embed/types.js';
import { SmyslError, throwIfAborted } from '../errors.js';
import {
  DEFAULT_FUSION,
  defaultFusionWeights,
  type FusionMethod,
  fuse,
  lexicalTier,
  type SideHit,
} from '../index/fusion.js';
import type { Hit, RowIndex } from '../index/types.js';
import { type GraphPrecision, HNSW_DEFAULTS } from '../index/usearch.js';
import { guessLanguage } from '../text/language.js';
import { readJsonFile } from '../util/fs.js';
import { jsonDepth, MAX_META_DEPTH } from '../util/json.js';
import type { LongRunning } from '../util/progress.js';
import { normalizeRowsInPlace } from '../vectors/dense.js';
import { Pipeline } from '../vectors/postprocess.js';
import type { DenseMatrix } from '../vectors/types.js';
import { isWriterBusy, storeBackend } from './backends.js';
import { Bm25ChunkIndex } from './bm25-chunks.js';
import { CHUNK_DEFAULTS, type ChunkOptions, chunkText } from './chunk.js';
import { EmbeddedStore } from './embedded/store.js';
import {
  DEFAULT_LEXICAL_ANALYZER,
  type LexicalAnalyzer,
  LexicalChunkIndex,
  type LexicalMethod,
  lexicalAnalyzerOptions,
  lexicalHighlighter,
} from './lexical.js';
import { lineAt, type PassageSentence, passageSentences, snippetAround, titleOf } from './snippets.js';
import type {
  ChunkHit,
  CollectionLexical,
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
export type { CollectionLexical, CollectionManifest, IndexSettings, SearchMethod, Where } from './types.js';

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
  /** bm25 (default), tfidf, or fts: the store's own full-text search (PostgreSQL stores). */
  lexical?: CollectionLexical;
  /** Default: lemmas (see DEFAULT_LEXICAL_ANALYZER). */
  lexicalAnalyzer?: LexicalAnalyzer;
  defaultMethod?: SearchMethod;
  /**
   * Whether an embedder that can (the student, and routing through it) learns the collection's
   * own words as documents arrive (default true; see WordLearner). Only stores that keep files
   * written after creation support it (not PostgreSQL).
   */
  learnWords?: boolean;
}

export interface OpenCollectionOptions {
  /** When given, must be the embedder the collection was built with (compared by name). */
  embedder?: Embedder;
  /**
   * Used instead of loading the collection's own embedder: an instance loaded from an identical
   * embedder manifest (a server shares one model between collections); its name must match.
   */
  sharedEmbedder?: Embedder;
  /**
   * Loads the collection's embedder from its files directory instead of `loadEmbedder` (a server
   * loads it through its model pool); its name must match like `sharedEmbedder`'s.
   */
  loadEmbedder?: (filesDir: string) => Promise<Embedder>;
  /** Overrides the stored search expansion for this session. */
  expansionSearch?: number;
  /** Read-only sessions never write (and need no write access to the directory). */
  readonly?: boolean;
  /**
   * A writer that finds another process writing waits up to this long for it (default 0: refused
   * at once). Brief writes (a server's upsert) then queue behind each other instead of failing.
   */
  waitForWriterMs?: number;
  /** Told when derived files (the search graph, the lexical index) had to be rebuilt, and why. */
  onWarning?: (message: string) => void;
}

export interface AddOptions extends LongRunning {
  /** Documents per committed batch (default DEFAULT_ADD_BATCH, 256). */
  batchSize?: number;
  /** Called after each batch is durably committed. */
  onCommit?: (c: { documents: number; ids: string[]; totalDocuments: number }) => void;
  /**
   * The input these documents come from (a folder, a file), recorded with each document; with
   * `prune`, documents recorded under the same root that this run did not see are deleted
   * (files removed from a folder leave the collection).
   */
  root?: string;
  prune?: boolean;
  /** Total documents, when the caller knows it (progress shows %, and ETA). */
  total?: number;
}

export interface AddSummary {
  added: number;
  replaced: number;
  unchanged: number;
  /** Documents deleted by `prune`. */
  removed: number;
  chunks: number;
  batches: number;
  /**
   * Words the embedder learned from these documents: words it had no row for, given rows from
   * their contexts here (see WordLearner; 0 for embedders that do not learn).
   */
  words: number;
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
  /**
   * Hybrid: rank first the lexical hits whose passage holds the query as a phrase, then those
   * holding every query term (default: on with the default fusion; see `LexicalConfidence`).
   */
  lexicalConfidence?: boolean;
  /**
   * 'document' (default): one result per document, with its best passage; 'passage': every
   * matching chunk is a result of its own (several may come from one document).
   */
  granularity?: 'document' | 'passage';
}

/** Where a result's passage is: its file, lines and characters, and its sentences. */
export interface Passage {
  /** The chunk's vector row. */
  row: number;
  /** Character offsets of the chunk in the document's text (in the file too, when `verbatim`). */
  start: number;
  end: number;
  /** The file the document was read from, when known. */
  path?: string;
  /** First and last line of the passage in that file (a record's line for JSON Lines, CSV, JSON). */
  line?: number;
  endLine?: number;
  /** The passage's sentences, Markdown stripped, with the query's words marked. */
  sentences: PassageSentence[];
  /** Index in `sentences` of the one that matches the query best. */
  best: number;
}

export interface SearchResult {
  rank: number;
  id: string;
  /**
   * dense: the cosine of the best chunk; sparse: its BM25 (or TF-IDF) score; hybrid: the fused
   * score in [0, 1] (DBSF: each side's score mapped from [mean − 3σ, mean + 3σ] of its top 50 to
   * [0, 1], then averaged with the fusion weights; RRF when asked for is not in [0, 1]).
   */
  score: number;
  /** What each side said about this result: its rank (from 1) and raw score; absent: not found. */
  dense?: SideHit;
  sparse?: SideHit;
  title?: string;
  /** About 240 characters of plain text centred on the passage's best sentence. */
  snippet?: string;
  meta?: Record<string, unknown>;
  /** The best passage (with details). */
  passage?: Passage;
}

/** A lexical retriever (e.g. BM25 over the same documents) for hybrid search; ids are document ids. */
export interface LexicalRetriever {
  search(query: string, k: number, filter?: (id: string) => boolean): Hit[] | Promise<Hit[]>;
}

/** What `Collection.info` tells about a collection. */
export interface CollectionInfo {
  name: string;
  location: string;
  documents: number;
  chunks: number;
  /** Rows of replaced or deleted documents that `compact` would reclaim. */
  deadRows: number;
  embedder: { name: string; method: string; dim: number };
  index: { type: 'hnsw' | 'exact'; precision?: GraphPrecision };
  lexical: { method: CollectionLexical; analyzer: LexicalAnalyzer };
  defaultMethod: SearchMethod;
  /** Chunks by the language of their text ('ru', 'en', 'mixed', 'unknown'). */
  languages: Record<string, number>;
  /**
   * Words the embedder learned from this collection (WordLearner; their stems are listed in
   * the `words.txt` beside its manifest); absent for embedders and stores that do not learn.
   */
  learnedWords?: number;
  diskBytes?: number;
  created: string;
  updated?: string;
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
/** Chunks embedded per call while adding (progress is reported after each). */
const EMBED_SLICE = 32;
/** Slices being embedded at once while adding (more than an encoder pool's sessions). */
const EMBED_SLICES_IN_FLIGHT = 4;
/**
 * Documents per committed batch when adding. The batch's chunks are embedded shortest first, so
 * a larger batch pads less: 256 indexed AG News 15-30% faster than 64 (bench/index.ts).
 */
export const DEFAULT_ADD_BATCH = 256;

/** A hit on its way to a result: its chunk, its score, and what each side said. */
interface RankedHit extends ChunkHit {
  dense?: SideHit;
  sparse?: SideHit;
}

/**
 * One side's hits with their rank and score on that side. Built field by field: an object spread
 * here cost ~0.8 µs a hit, as much as the rest of a graph search's bookkeeping.
 */
function sideRanked(hits: ChunkHit[], side: 'dense' | 'sparse'): RankedHit[] {
  const out: RankedHit[] = new Array(hits.length);
  for (let i = 0; i < hits.length; i++) {
    const h = hits[i];
    const ranked = { rank: i + 1, score: h.score };
    out[i] =
      side === 'dense'
        ? { doc: h.doc, row: h.row, score: h.score, dense: ranked }
        : { doc: h.doc, row: h.row, score: h.score, sparse: ranked };
  }
  return out;
}

function contentHash(doc: Document): string {
  return createHash('sha256')
    .update(JSON.stringify([doc.text, doc.meta ?? {}]))
    .digest('hex')
    .slice(0, 32);
}

/**
 * The title embedded with each chunk: the `title` field, else the first line when it reads like a
 * heading (short). Kept as it was when collections began, so that documents embedded before and
 * after a change of the displayed title (snippets.ts titleOf) get the same vectors.
 */
function embeddingTitle(text: string, meta: Record<string, unknown> | undefined): string {
  const t = meta?.title;
  if (typeof t === 'string') return t;
  const first = text.split('\n').find((l) => l.trim() !== '') ?? '';
  const heading = first.replace(/^#+\s*/, '').trim();
  return heading.length <= 120 && heading !== text.trim() ? heading : '';
}

/**
 * A collection: documents cut into chunks, a vector per chunk, searched by meaning (dense), by
 * keywords (sparse: BM25 or TF-IDF over the chunk texts) or both (hybrid). Storage is behind
 * `CollectionStore`; this class does what is the same for every store: chunking, embedding,
 * lexical search, fusion and snippets.
 */
export class Collection {
  readonly manifest: CollectionManifest;
  readonly postprocess: Pipeline;
  readonly store: CollectionStore;
  /** An external lexical retriever for hybrid search; without one the built-in chunk index is used. */
  lexical?: LexicalRetriever;
  private lexicalCache?: { key: string; index: LexicalChunkIndex | Bm25ChunkIndex; epoch?: string };
  /** The lexical index's analysis of a text into terms, for lexical confidence (made on first use). */
  private lexicalAnalyze?: (text: string) => string[];
  /** Vectors a writer re-made when it opened (they were missing or damaged). */
  private reembeddedOnOpen = 0;
  private readonly onWarning: (message: string) => void;
  private embedder_?: Embedder;
  private embedderLoading?: Promise<Embedder>;

  private constructor(
    store: CollectionStore,
    embedder: Embedder | (() => Promise<Embedder>),
    postprocess: Pipeline,
    onWarning: (message: string) => void,
  ) {
    this.store = store;
    this.manifest = store.manifest;
    if (typeof embedder === 'function') this.loadOwnEmbedder = embedder;
    else this.embedder_ = embedder;
    this.postprocess = postprocess;
    this.onWarning = onWarning;
  }

  private loadOwnEmbedder: () => Promise<Embedder> = async () => this.embedder_!;

  /**
   * The collection's embedder. An opened collection loads it on first use (`loadEmbedder`, or any
   * embedding), so that a keyword search never loads a model.
   */
  get embedder(): Embedder {
    if (!this.embedder_)
      throw new SmyslError(
        'E_STATE',
        `the embedder of ${this.name} is not loaded yet: await loadEmbedder() first`,
      );
    return this.embedder_;
  }

  /** Loads the collection's embedder (once) and returns it. */
  async loadEmbedder(): Promise<Embedder> {
    if (this.embedder_) return this.embedder_;
    this.embedderLoading ??= this.loadOwnEmbedder();
    try {
      this.embedder_ = await this.embedderLoading;
    } catch (e) {
      this.embedderLoading = undefined;
      throw e;
    }
    return this.embedder_;
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
    const backend = storeBackend(dir);
    const learnerOf = opts.learnWords === false ? null : wordLearnerOf(embedder);
    const learner = learnerOf && learnerOf.wordsDim > 0 ? learnerOf : null;
    if (opts.lexical === 'fts' && !backend.fullText)
      throw new SmyslError(
        'E_USAGE',
        `lexical search "fts" is the store's own full-text search: ${backend.name} collections have none (use bm25 or tfidf, or a PostgreSQL store)`,
      );
    const store = await backend.create(
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
          ...(learner ? { words: { dim: learner.wordsDim } } : {}),
        };
      },
      { onWarning: open.onWarning },
    );
    // the collection's own view of the embedder, which learns its words into the store
    const own = learner && store.manifest.words ? await learner.withWords(store.words()) : embedder;
    return new Collection(store, own, postprocess, open.onWarning ?? (() => {}));
  }

  /** Opens an existing collection, repairing what a crash left behind (writers). */
  static async open(dir: string, opts: OpenCollectionOptions = {}): Promise<Collection> {
    const store = await Collection.openStore(dir, opts);
    try {
      const manifest = store.manifest;
      const given = opts.sharedEmbedder ?? opts.embedder;
      if (given && given.name !== manifest.embedder.name)
        throw new SmyslError(
          'E_COLLECTION',
          `collection "${manifest.name}" was indexed with embedder ${manifest.embedder.name} (method ${manifest.embedder.method}); ` +
            `it cannot be searched or extended with ${given.name}. Omit the embedder to use the collection's own, or index into a new collection.`,
        );
      const filesDir = store.filesDir;
      const own = opts.loadEmbedder;
      const shared = opts.sharedEmbedder;
      const load = shared
        ? async () => shared
        : own
          ? async () => {
              const e = await own(filesDir);
              if (e.name !== manifest.embedder.name)
                throw new SmyslError(
                  'E_COLLECTION',
                  `collection "${manifest.name}" was indexed with embedder ${manifest.embedder.name}; the loaded one is ${e.name}`,
                );
              return e;
            }
          : () => loadEmbedder(path.join(filesDir, 'embedder'));
      // an embedder that learned the collection's words reads them from its store
      const embedder = manifest.words
        ? async () => {
            const e = await load();
            await wordLearnerOf(e)?.bindWords(store.words());
            return e;
          }
        : (shared ?? load);
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

  /** A writer that finds the lock held retries (asynchronously) for `waitForWriterMs`. */
  private static async openStore(dir: string, opts: OpenCollectionOptions): Promise<CollectionStore> {
    const until = Date.now() + (opts.readonly ? 0 : (opts.waitForWriterMs ?? 0));
    let told = false;
    for (;;) {
      try {
        return await storeBackend(dir).open(dir, opts);
      } catch (e) {
        if (!isWriterBusy(e) || Date.now() >= until) throw e;
        if (!told)
          opts.onWarning?.(`${e.message.replace(/; wait for it.*$/, '')}: waiting for it to finish…`);
        told = true;
        await new Promise((r) => setTimeout(r, 200));
      }
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

  /** Collections under `parent` (default `.smysl`), by name. */
  static async list(parent = '.smysl'): Promise<string[]> {
    return (await storeBackend(parent).list?.(parent)) ?? [];
  }

  /** Deletes the collection at `location` for good; refused while a writer is at work on it. */
  static async drop(location: string): Promise<void> {
    await storeBackend(location).drop(location);
  }

  /** What the collection holds and how it was made. */
  async info(): Promise<CollectionInfo> {
    const stats = await this.stats();
    const languages: Record<string, number> = {};
    for (const c of await this.store.liveChunks()) {
      const lang = guessLanguage(c.text.slice(0, 2000));
      languages[lang] = (languages[lang] ?? 0) + 1;
    }
    const m = this.manifest;
    return {
      name: m.name,
      location: this.store.location,
      documents: stats.documents,
      chunks: stats.chunks,
      deadRows: stats.deadRows,
      embedder: { name: m.embedder.name, method: m.embedder.method, dim: m.embedder.dim },
      index: {
        type: m.index.type,
        precision: m.index.type === 'hnsw' ? (m.index.precision ?? 'f32') : undefined,
      },
      lexical: { method: m.lexical ?? 'bm25', analyzer: this.lexicalAnalyzer },
      defaultMethod: m.defaultMethod ?? 'hybrid',
      languages,
      learnedWords: m.words ? await this.store.words().count() : undefined,
      diskBytes: await this.store.diskBytes?.(),
      created: m.created,
      updated: await this.store.updated(),
    };
  }

  /** Deletes the documents whose metadata matches `where`; returns how many. */
  async deleteWhere(where: Where): Promise<number> {
    if (Object.keys(where).length === 0)
      throw new SmyslError('E_USAGE', 'deleting by metadata needs at least one field=value');
    const docs = await this.store.matchingDocs(where);
    return this.store.delete(await this.store.ids([...docs]));
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
      return chunkInput(embeddingTitle(d.text, d.meta), d.text.slice(c.start, c.end));
    });
    await store.restoreVectors(rows, await this.embed(texts));
    return rows.length;
  }

  /**
   * Embeds texts exactly as the collection's documents (role 'document', the default) or queries
   * (role 'query': a model's query prompt, e.g. e5's "query: ") are: embedder, post-processing, L2.
   */
  async embed(texts: string[], role: 'query' | 'document' = 'document'): Promise<DenseMatrix> {
    const embedder = await this.loadEmbedder();
    // words a writer learned since this session opened
    if (this.manifest.words) await wordLearnerOf(embedder)?.refreshWords();
    return this.embedNow(embedder, texts, role);
  }

  /** `embed` without taking in new words: a batch being added has just learned all of its own. */
  private async embedNow(
    embedder: Embedder,
    texts: string[],
    role: 'query' | 'document' = 'document',
  ): Promise<DenseMatrix> {
    const raw = (await embedFor(embedder, texts, role)) as DenseMatrix;
    const processed = this.postprocess.steps.length > 0 ? this.postprocess.transform(raw) : raw;
    const copy =
      processed === raw
        ? { rows: raw.rows, dim: raw.dim, data: raw.data.slice(0, raw.rows * raw.dim) }
        : processed;
    return normalizeRowsInPlace(copy);
  }

  /**
   * Adds documents; an id already present with the same content is skipped, with changed content
   * it is replaced (upsert). Each batch is one transaction; `onCommit` reports it. Progress is
   * reported at least every 32 chunks, so a long document shows movement too.
   */
  async add(docs: Iterable<Document> | AsyncIterable<Document>, opts: AddOptions = {}): Promise<AddSummary> {
    const batchSize = Math.max(1, opts.batchSize ?? DEFAULT_ADD_BATCH);
    const summary: AddSummary = {
      added: 0,
      replaced: 0,
      unchanged: 0,
      removed: 0,
      chunks: 0,
      batches: 0,
      words: 0,
    };
    const root = opts.root === undefined ? undefined : path.resolve(opts.root);
    // ids this run saw, for pruning what it did not
    const seenIds = opts.prune && root !== undefined ? new Set<string>() : undefined;
    const run = { seen: 0, started: Date.now() };
    let batch: Document[] = [];
    const flush = async () => {
      if (batch.length === 0) return;
      await this.commitBatch(batch, summary, opts, root, run);
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
      seenIds?.add(doc.id);
      run.seen++;
      if (batch.length >= batchSize) await flush();
    }
    await flush();
    if (seenIds && root !== undefined) {
      const gone = (await this.store.idsUnder(root)).filter((id) => !seenIds.has(id));
      if (gone.length > 0) summary.removed = await this.store.delete(gone);
    }
    this.progress(opts, run, summary, 0);
    await this.store.flush();
    return summary;
  }

  private progress(
    opts: AddOptions,
    run: { seen: number; started: number },
    summary: AddSummary,
    pendingChunks: number,
  ): void {
    if (!opts.onProgress) return;
    const seconds = Math.max(1e-3, (Date.now() - run.started) / 1000);
    const chunks = summary.chunks + pendingChunks;
    opts.onProgress({
      phase: 'indexing',
      done: run.seen,
      total: opts.total,
      unit: 'docs',
      extra: {
        chunks,
        'docs/s': Number((run.seen / seconds).toFixed(1)),
        'chunks/s': Number((chunks / seconds).toFixed(1)),
      },
    });
  }

  /** Same as add: insert new ids, replace changed ones, skip unchanged ones. */
  upsert(docs: Iterable<Document> | AsyncIterable<Document>, opts: AddOptions = {}): Promise<AddSummary> {
    return this.add(docs, opts);
  }

  private async commitBatch(
    input: Document[],
    summary: AddSummary,
    opts: AddOptions,
    root: string | undefined,
    run: { seen: number; started: number },
  ): Promise<void> {
    if (this.store.readonly) throw new SmyslError('E_STATE', `collection ${this.name} was opened read-only`);
    await this.loadEmbedder();
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
      const embedded = embeddingTitle(doc.text, doc.meta);
      for (const s of spans) texts.push(chunkInput(embedded, doc.text.slice(s.start, s.end)));
      pending.push({
        id: doc.id,
        hash,
        title: titleOf(doc.text, doc.meta),
        text: doc.text,
        meta: doc.meta ?? {},
        spans,
        source: doc.source,
        root,
      });
    }
    if (pending.length === 0) {
      this.progress(opts, run, summary, 0);
      opts.onCommit?.({ documents: 0, ids: [], totalDocuments: await this.store.count() });
      return;
    }
    // embedded in slices, with progress after each: one long document is many chunks. The slices
    // take the batch's chunks shortest first (length-bucketed across documents): an encoder pads
    // a slice to its longest text, so mixed lengths waste most of its work on padding.
    // words the embedder has no row for get theirs from this batch before it is embedded, so
    // stored vectors and later queries use the same rows
    const learner = wordLearnerOf(this.embedder);
    if (learner && this.manifest.words) summary.words += await learner.learnWords(texts);
    const order = Array.from(texts.keys()).sort((a, b) => texts[a].length - texts[b].length);
    const vectors: DenseMatrix = {
      rows: texts.length,
      dim: this.dim,
      data: new Float32Array(texts.length * this.dim),
    };
    // A few slices are in flight at once (taken in order): an encoder with several sessions
    // (TransformerEmbedder's worker pool) works on them side by side.
    const slices: number[][] = [];
    for (let start = 0; start < texts.length; start += EMBED_SLICE)
      slices.push(order.slice(start, start + EMBED_SLICE));
    const parts: Promise<DenseMatrix>[] = [];
    const submit = (k: number) => {
      const part = this.embedNow(
        this.embedder,
        slices[k].map((i) => texts[i]),
      );
      part.catch(() => {}); // awaited in order below
      parts.push(part);
    };
    for (let k = 0; k < slices.length; k++) {
      while (parts.length < slices.length && parts.length - k < EMBED_SLICES_IN_FLIGHT) submit(parts.length);
      const part = await parts[k];
      const slice = slices[k];
      for (let j = 0; j < slice.length; j++)
        vectors.data.set(part.data.subarray(j * this.dim, (j + 1) * this.dim), slice[j] * this.dim);
      throwIfAborted(opts.signal);
      this.progress(opts, run, summary, Math.min(texts.length, (k + 1) * EMBED_SLICE));
    }
    const written = await this.store.write(pending, vectors);
    summary.added += written.added;
    summary.replaced += written.replaced;
    summary.chunks += vectors.rows;
    summary.batches++;
    this.progress(opts, run, summary, 0);
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

  /** Dense search for a query vector (embedded like the documents). */
  async searchVector(query: Float32Array, opts: SearchOptions = {}): Promise<SearchResult[]> {
    await this.store.refresh();
    const k = opts.k ?? 10;
    const allowed = await this.allowedDocs(opts.where);
    const hits =
      opts.granularity === 'passage'
        ? await this.store.searchChunks(query, k, allowed)
        : await this.store.searchDense(query, k, allowed);
    return this.describe(sideRanked(hits, 'dense'), opts.details ?? true);
  }

  /** Results with their documents' details: title, snippet, metadata, passage and file:line. */
  private async describe(hits: RankedHit[], details: boolean, query = ''): Promise<SearchResult[]> {
    const ids = await this.store.ids(hits.map((h) => h.doc));
    const bare = hits.map((h, i) => {
      const r: SearchResult = { rank: i + 1, id: ids[i], score: h.score };
      if (h.dense) r.dense = h.dense;
      if (h.sparse) r.sparse = h.sparse;
      return r;
    });
    if (!details) return bare;
    const docs = await this.store.documents(hits.map((h) => h.doc));
    const chunks = await this.store.chunks(hits.map((h) => h.row));
    const highlighter = this.highlighter();
    return hits.map((h, i) => {
      const d = docs.get(h.doc) as StoredDocument;
      const c = chunks.get(h.row) ?? { row: h.row, doc: h.doc, start: 0, end: d.text.length };
      const { sentences, best } = passageSentences(
        d.text.slice(c.start, c.end),
        c.start,
        query,
        highlighter,
        d.title,
      );
      const passage: Passage = { row: c.row, start: c.start, end: c.end, sentences, best };
      if (d.source) {
        passage.path = d.source.path;
        passage.line = d.source.verbatim ? lineAt(d.text, c.start, d.source.line) : d.source.line;
        passage.endLine = d.source.verbatim
          ? lineAt(d.text, Math.max(c.start, c.end - 1), d.source.line)
          : d.source.line;
      }
      return {
        ...bare[i],
        title: d.title,
        snippet: snippetAround(sentences, best, undefined, d.title),
        meta: d.meta,
        passage,
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
    return `${await this.store.version()}:${this.builtInLexical}${words}`;
  }

  /** The weighting of the built-in lexical index (BM25 for collections searched by the store's full-text search). */
  private get builtInLexical(): LexicalMethod {
    const m = this.manifest.lexical ?? 'bm25';
    return m === 'fts' ? 'bm25' : m;
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
  async lexicalIndex(): Promise<LexicalChunkIndex | Bm25ChunkIndex> {
    const key = await this.lexicalKey();
    if (this.lexicalCache?.key === key) return this.lexicalCache.index;
    if ((this.manifest.lexical ?? 'bm25') === 'bm25') return this.bm25Index(key);
    const saved = this.store.cacheDir
      ? await LexicalChunkIndex.load(path.join(this.store.cacheDir, LEXICAL_DIR), key)
      : null;
    const index =
      saved ??
      LexicalChunkIndex.build(await this.store.liveChunks(), this.builtInLexical, this.lexicalAnalyzer);
    this.lexicalCache = { key, index };
    return index;
  }

  /**
   * BM25 follows the collection: the index in memory (or the one last saved) catches up with what
   * was committed since — removed chunks out, new chunks in — instead of being rebuilt, as long as
   * rows were not renumbered (compaction) and at most half of what it holds was removed.
   */
  private async bm25Index(key: string): Promise<Bm25ChunkIndex | LexicalChunkIndex> {
    const store = this.store;
    const epoch = store.rowEpoch?.();
    const follows =
      epoch !== undefined && store.liveChunksAfter !== undefined && store.isLiveRow !== undefined;
    const cached = this.lexicalCache;
    let index: Bm25ChunkIndex | undefined =
      follows && cached?.index instanceof Bm25ChunkIndex && cached.epoch === epoch ? cached.index : undefined;
    if (!index && store.cacheDir) {
      const dir = path.join(store.cacheDir, LEXICAL_DIR);
      const saved = Bm25ChunkIndex.saved(dir);
      if (saved && (saved.key === key || (follows && saved.epoch === epoch)))
        index = Bm25ChunkIndex.load(dir, this.lexicalAnalyzer) ?? undefined;
      if (index && saved?.key === key) {
        this.lexicalCache = { key, index, epoch };
        return index;
      }
      // saved by an earlier version (a fitted vectorizer): still exact while the key matches
      if (!index && !cached && LexicalChunkIndex.savedKey(dir) === key) {
        const older = await LexicalChunkIndex.load(dir, key);
        if (older) {
          this.lexicalCache = { key, index: older };
          return older;
        }
      }
    }
    if (index && follows) {
      const isLive = store.isLiveRow!.bind(store);
      index.removeWhere((row) => !isLive(row));
      index.add(await store.liveChunksAfter!(index.maxRow));
      // mostly removed chunks: their postings cost more than a rebuild
      if (index.deadShare > 0.5) index = undefined;
    } else index = undefined;
    index ??= Bm25ChunkIndex.build(await store.liveChunks(), this.lexicalAnalyzer);
    this.lexicalCache = { key, index, epoch };
    return index;
  }

  /**
   * Saves the lexical index for later searches (writers only; `smysl index` calls it at the end),
   * so that a search process loads it instead of analyzing every chunk again.
   */
  async saveLexicalIndex(force = false): Promise<void> {
    if (this.store.readonly || !this.store.cacheDir || this.manifest.lexical === 'fts') return;
    const key = await this.lexicalKey();
    const dir = path.join(this.store.cacheDir, LEXICAL_DIR);
    if ((this.manifest.lexical ?? 'bm25') === 'bm25') {
      if (!force && Bm25ChunkIndex.saved(dir)?.key === key) return;
      let index = await this.lexicalIndex();
      // an index of the earlier format is saved in the current one
      if (!(index instanceof Bm25ChunkIndex)) {
        index = Bm25ChunkIndex.build(await this.store.liveChunks(), this.lexicalAnalyzer);
        this.lexicalCache = { key, index, epoch: this.store.rowEpoch?.() };
      }
      await index.save(dir, key, this.store.rowEpoch?.());
      return;
    }
    // already saved for this state (and readable): nothing to do
    if (!force && LexicalChunkIndex.savedKey(dir) === key && (await LexicalChunkIndex.load(dir, key))) return;
    const index = (await this.lexicalIndex()) as LexicalChunkIndex;
    await index.save(dir, key);
  }

  /**
   * Searches by `method`: dense (the query embedded like the documents), sparse (the built-in
   * BM25/TF-IDF chunk index) or hybrid (both, fused as `DEFAULT_FUSION` says unless asked
   * otherwise). A reader sees what writers committed since it opened.
   */
  async search(query: string, opts: SearchOptions & { method?: SearchMethod } = {}): Promise<SearchResult[]> {
    if (query.trim() === '')
      throw new SmyslError('E_USAGE', 'the query is empty (only spaces): give words to search for');
    await this.store.refresh();
    const method = opts.method ?? this.manifest.defaultMethod ?? 'hybrid';
    const k = opts.k ?? 10;
    const passages = opts.granularity === 'passage';
    const details = opts.details ?? true;
    const allowed = await this.allowedDocs(opts.where);
    const allowDoc = allowed && ((d: number) => allowed.has(d));
    const lexicalHits = async (depth: number) => {
      if (this.manifest.lexical === 'fts') return this.fullTextHits(query, depth, allowed, passages);
      const index = await this.lexicalIndex();
      return passages ? index.searchChunks(query, depth, allowDoc) : index.search(query, depth, allowDoc);
    };
    if (method === 'sparse') {
      const hits = await lexicalHits(k);
      return this.describe(sideRanked(hits, 'sparse'), details, query);
    }
    const vector = (await this.embed([query], 'query')).data;
    if (method === 'dense') {
      const hits = passages
        ? await this.store.searchChunks(vector, k, allowed)
        : await this.store.searchDense(vector, k, allowed);
      return this.describe(sideRanked(hits, 'dense'), details, query);
    }
    const depth = Math.max(50, k * 5);
    const dense = passages
      ? await this.store.searchChunks(vector, depth, allowed)
      : await this.store.searchDense(vector, depth, allowed);
    // fused by key: the chunk row for passages, the document otherwise
    const keyOf = (h: ChunkHit) => String(passages ? h.row : h.doc);
    const byKey = new Map<string, ChunkHit>();
    for (const h of dense) byKey.set(keyOf(h), h);
    // a document found by both sides shows the passage of the side that ranked it higher
    const lexicalChunk = new Map<string, ChunkHit>();
    let lexical: Hit[];
    let lexicalChunks: ChunkHit[] = [];
    if (this.lexical && !passages) {
      let filter: ((id: string) => boolean) | undefined;
      if (allowed) {
        const allowedIds = new Set(await this.store.ids([...allowed]));
        filter = (id) => allowedIds.has(id);
      }
      // an external retriever names documents by id: its hits stand for their first chunk
      lexical = [];
      for (const hit of await this.lexical.search(query, depth, filter)) {
        const doc = await this.store.docNumber(hit.id);
        if (doc === undefined) continue;
        const key = String(doc);
        if (!byKey.has(key))
          byKey.set(key, { doc, row: (await this.store.chunksOf(doc))[0]?.row ?? -1, score: 0 });
        lexical.push({ id: key, score: hit.score });
      }
    } else {
      lexicalChunks = await lexicalHits(depth);
      lexical = lexicalChunks.map((h) => {
        const key = keyOf(h);
        if (!byKey.has(key)) byKey.set(key, h);
        else lexicalChunk.set(key, h);
        return { id: key, score: h.score };
      });
    }
    const weights = defaultFusionWeights(query, this.embedder.languages);
    const denseWeight = opts.denseWeight ?? weights.dense;
    const lexicalWeight = opts.lexicalWeight ?? weights.lexical;
    const tiers =
      (opts.lexicalConfidence ?? opts.fusion === undefined)
        ? await this.lexicalTiers(query, lexicalChunks, keyOf)
        : undefined;
    const fused = fuse(
      [
        { hits: dense.map((h) => ({ id: keyOf(h), score: h.score })), weight: denseWeight },
        { hits: lexical, weight: lexicalWeight },
      ],
      { method: opts.fusion ?? DEFAULT_FUSION.method, k, tiers },
    );
    const ranked: RankedHit[] = fused.map((f) => {
      const [d, l] = f.sides;
      // a phrase match shows the passage that holds the phrase
      const lexicalWins =
        d && l && (tiers?.has(f.id) || l.rank < d.rank || (l.rank === d.rank && lexicalWeight > denseWeight));
      const h = (lexicalWins && lexicalChunk.get(f.id)) || byKey.get(f.id)!;
      const r: RankedHit = { doc: h.doc, row: h.row, score: f.score };
      if (f.sides[0]) r.dense = f.sides[0];
      if (f.sides[1]) r.sparse = f.sides[1];
      return r;
    });
    return this.describe(ranked, details, query);
  }

  /**
   * The lexical-confidence tiers (`lexicalTier`) of the first `DEFAULT_FUSION.lexicalConfidence.depth`
   * lexical hits, their passages analyzed as the lexical index analyzes; undefined when all are 0.
   */
  private async lexicalTiers(
    query: string,
    hits: ChunkHit[],
    keyOf: (h: ChunkHit) => string,
  ): Promise<Map<string, number> | undefined> {
    const c = DEFAULT_FUSION.lexicalConfidence;
    if (hits.length === 0) return undefined;
    this.lexicalAnalyze ??= analyzerFromConfig(analyzerConfig(lexicalAnalyzerOptions(this.lexicalAnalyzer)));
    const analyze = this.lexicalAnalyze;
    const terms = analyze(query);
    if (terms.length < Math.min(c.phraseTerms, c.everyTerms)) return undefined;
    const top = hits.slice(0, c.depth);
    const docs = await this.store.documents(top.map((h) => h.doc));
    const chunks = await this.store.chunks(top.map((h) => h.row));
    const out = new Map<string, number>();
    for (const h of top) {
      const d = docs.get(h.doc);
      if (!d) continue;
      const chunk = chunks.get(h.row);
      const tier = lexicalTier(analyze(chunk ? d.text.slice(chunk.start, chunk.end) : d.text), terms, c);
      if (tier > 0) out.set(keyOf(h), tier);
    }
    return out.size > 0 ? out : undefined;
  }

  /** Chunks found by the store's own full-text search (`lexical: 'fts'`): the best of each document, or every one. */
  private async fullTextHits(
    query: string,
    k: number,
    allowed: Set<number> | undefined,
    perChunk: boolean,
  ): Promise<ChunkHit[]> {
    if (!this.store.searchLexical)
      throw new SmyslError(
        'E_COLLECTION',
        `${this.dir} is searched by its store's full-text search, which this store lacks`,
      );
    return this.store.searchLexical(query, k, allowed, perChunk);
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
    // other stores read the manifest's setting with every search
    else this.manifest.index.expansionSearch = ef;
  }

  close(): Promise<void> {
    return this.store.close();
  }
}

/** The text embedded for a chunk: the document's title leads unless the chunk starts with it. */
function chunkInput(title: string, body: string): string {
  return title && !body.startsWith(title) ? `${title}. ${body}` : body;
}
