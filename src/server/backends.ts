import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import type { KeyedVectors } from '../embed/static/keyed-vectors.js';
import type { TransformerEmbedder } from '../embed/transformer/embedder.js';
import { SmyslError } from '../errors.js';
import { isWriterBusy, storeBackend } from '../store/backends.js';
import { Collection, type CollectionInfo, type Where } from '../store/collection.js';
import { DEFAULT_LEXICAL_ANALYZER, lexicalHighlighter } from '../store/lexical.js';
import { postgresCollection } from '../store/postgres/location.js';
import type { DenseMatrix } from '../vectors/types.js';
import { batchedEmbedder, currentWork, type DynamicBatcher, roleKey, ServerBusyError } from './batcher.js';
import { type DirectoryLock, lockDirectory } from './dir-lock.js';
import { MapJobs } from './jobs.js';
import { ModelPool, tokenCounter } from './models.js';
import { project } from './projection.js';
import type {
  CollectionsBackend,
  ContextResult,
  ExplorerBackend,
  MapPoint,
  MapRequest,
  SearchHit,
  SearchRequest,
  ServedModel,
} from './types.js';

export { clusterGroups, mapPoints, type ProjectionMethod, project } from './projection.js';

/** A served model over a transformer: vectors from `embed`, token counts from its own tokenizer. */
export function transformerModel(name: string, embedder: TransformerEmbedder): ServedModel {
  const countTokens = tokenCounter(embedder);
  return {
    name,
    dim: embedder.dim,
    key: embedder,
    embed: (texts) => embedder.embed(texts),
    countTokens,
    // texts of a role batch apart from the rest only when the role has a prompt of its own
    withRole: (role) => ({
      name,
      dim: embedder.dim,
      key: roleKey(embedder, role),
      embed: (texts) => embedder.embed(texts, { role }),
      countTokens: (text) => countTokens(embedder.promptFor(role) + text),
    }),
  };
}

/** The top `limit` words of a word-vector set (files list words by frequency) as a matrix. */
export function topWords(vectors: KeyedVectors, limit: number): { words: string[]; matrix: DenseMatrix } {
  const n = Math.min(limit, vectors.size);
  return {
    words: vectors.words.slice(0, n),
    matrix: { rows: n, dim: vectors.dim, data: vectors.vectors.subarray(0, n * vectors.dim) },
  };
}

/** Metadata value used to colour a document; `dir` falls back to the id's folder. */
export function metaGroup(id: string, meta: Record<string, unknown>, field: string): string | undefined {
  const v = meta[field];
  if (v !== undefined && v !== null) return String(v);
  if (field === 'dir') return id.includes('/') ? id.slice(0, id.lastIndexOf('/')) : '.';
  return undefined;
}

/** Collection names are plain names (also checked by the HTTP layer): never paths. */
const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

export interface StoreCollectionsOptions {
  /** Collections embed (search queries, upserts) through this batcher, sharing it with the API. */
  batcher?: DynamicBatcher;
  /** Where embedders are loaded, once per distinct setting (default: a pool of its own). */
  models?: ModelPool;
  /**
   * Collections live in this PostgreSQL database (postgres://…) instead of under `dir`: their
   * names are listed from it (`refresh`), and several servers may share it.
   */
  store?: string;
}

/**
 * The writer closes as soon as no write is queued (writes queued together share it), so the lock
 * is free between requests for `smysl index`, which waits for it; holding it while idle would
 * starve other writers under a steady stream of small upserts.
 */
const WRITER_IDLE_MS = 0;

/**
 * Collections under one directory (`.smysl`), addressed by name only. Searches go to a read-only
 * session opened once, on first use, which catches up with every commit before it answers — so
 * `smysl index` can write while the server serves, and the server sees each batch as it lands.
 * Writes (upsert, delete) open the collection's single writer on demand, run one at a time, and
 * close it when idle, leaving the lock free for other writers; a write that finds another process
 * writing gets 409 with Retry-After. With a batcher, a collection's embedder is loaded through the
 * model pool (shared with any model of the same settings) and every embedding queues in the batcher.
 */
export class StoreCollections implements CollectionsBackend {
  private readonly open = new Map<string, Promise<Collection>>();
  private readonly writers = new Map<string, { collection: Promise<Collection>; idle?: NodeJS.Timeout }>();
  private readonly writeQueue = new Map<string, Promise<unknown>>();
  private readonly models: ModelPool;
  private dirLock: DirectoryLock | undefined;
  /** Names listed in the store (with `options.store`), as of the last `refresh`. */
  private listed: string[] = [];

  /** `only`: serve just these names (the CLI's --collection); default every collection in `dir`. */
  constructor(
    readonly dir: string,
    private readonly only?: string[],
    private readonly options: StoreCollectionsOptions = {},
  ) {
    for (const name of only ?? [])
      if (!NAME.test(name)) throw new SmyslError('E_USAGE', `invalid collection name "${name}"`);
    this.models = options.models ?? new ModelPool();
  }

  /**
   * Claims the directory for this server (one server per directory): a second server on it
   * fails here, with the first one's address, instead of answering 404 for every collection.
   */
  lock(): DirectoryLock {
    // a database serves any number of servers: nothing to claim
    if (this.options.store !== undefined)
      return { dir: this.dir, describe: async () => {}, release: () => {} };
    this.dirLock ??= lockDirectory(this.dir);
    return this.dirLock;
  }

  /** Lists the collections of the store again (with `options.store`; a directory is read on every call). */
  async refresh(): Promise<void> {
    const store = this.options.store;
    if (store === undefined) return;
    this.listed = ((await storeBackend(store).list?.(store)) ?? []).filter((n) => NAME.test(n));
  }

  names(): string[] {
    if (this.options.store !== undefined)
      return (this.only ?? this.listed).filter((n) => this.listed.includes(n)).sort();
    const onDisk = existsSync(this.dir)
      ? readdirSync(this.dir, { withFileTypes: true })
          .filter((e) => e.isDirectory() && NAME.test(e.name))
          .filter((e) => existsSync(path.join(this.dir, e.name, 'manifest.json')))
          .map((e) => e.name)
      : [];
    return (this.only ?? onDisk).filter((n) => onDisk.includes(n)).sort();
  }

  /** The read-only session of a collection (searches, listing). */
  collection(name: string): Promise<Collection> {
    // a collection created in the store since the last listing
    if (this.options.store !== undefined && NAME.test(name) && !this.listed.includes(name))
      return this.refresh().then(() => this.known(name));
    return this.known(name);
  }

  private known(name: string): Promise<Collection> {
    if (!NAME.test(name) || !this.names().includes(name))
      return Promise.reject(new SmyslError('E_COLLECTION', `no collection named "${name}"`));
    let c = this.open.get(name);
    if (!c) {
      c = this.openCollection(this.locationOf(name), true);
      c.catch(() => this.open.delete(name));
      this.open.set(name, c);
    }
    return c;
  }

  /** Where collection `name` lives: under the directory, or in the PostgreSQL database. */
  private locationOf(name: string): string {
    const store = this.options.store;
    return store === undefined ? path.join(this.dir, name) : postgresCollection(store, name);
  }

  private async openCollection(location: string, readonly: boolean): Promise<Collection> {
    const batcher = this.options.batcher;
    if (!batcher) return Collection.open(location, { readonly });
    if (this.options.store === undefined) {
      const embedder = await this.models.collectionEmbedder(location);
      return Collection.open(location, {
        readonly,
        sharedEmbedder: batchedEmbedder(embedder, batcher, tokenCounter(embedder)),
      });
    }
    // the embedder's files are where the store keeps them (a local cache for PostgreSQL)
    return Collection.open(location, {
      readonly,
      loadEmbedder: async (filesDir) => {
        const embedder = await this.models.collectionEmbedder(filesDir);
        return batchedEmbedder(embedder, batcher, tokenCounter(embedder));
      },
    });
  }

  async list(): Promise<CollectionInfo[]> {
    const out: CollectionInfo[] = [];
    for (const name of this.names()) out.push(await this.info(name));
    return out;
  }

  async info(name: string): Promise<CollectionInfo> {
    return (await this.collection(name)).info();
  }

  async search(name: string, request: SearchRequest): Promise<SearchHit[]> {
    const c = await this.collection(name);
    // dense, sparse (the store's BM25/TF-IDF chunk index) or hybrid; default: the collection's own
    const hits: SearchHit[] = await c.search(request.query, {
      k: request.k,
      where: request.filter,
      method: request.method,
      granularity: request.passages ? 'passage' : 'document',
    });
    // marked by the collection's own analyzer, so the UI shows what the index matched
    const marker = c.highlighter();
    const terms = marker.queryTerms(request.query);
    for (const h of hits) if (h.snippet !== undefined) h.highlights = marker.spans(h.snippet, terms);
    return hits;
  }

  /** Runs `write` with the collection's writer, after the writes queued before it. */
  private write<T>(name: string, write: (c: Collection) => Promise<T>): Promise<T> {
    const run = async () => {
      const writer = this.writer(name);
      try {
        return await write(await writer);
      } finally {
        this.closeWhenIdle(name);
      }
    };
    const previous = this.writeQueue.get(name) ?? Promise.resolve();
    const next = previous.then(run, run);
    this.writeQueue.set(
      name,
      next.catch(() => {}),
    );
    return next;
  }

  private writer(name: string): Promise<Collection> {
    if (!NAME.test(name) || !this.names().includes(name))
      return Promise.reject(new SmyslError('E_COLLECTION', `no collection named "${name}"`));
    const held = this.writers.get(name);
    if (held) {
      clearTimeout(held.idle);
      held.idle = undefined;
      return held.collection;
    }
    const collection = this.openCollection(this.locationOf(name), false).catch((e) => {
      this.writers.delete(name);
      if (isWriterBusy(e))
        throw new ServerBusyError(
          `${e.message.replace(/; wait for it.*$/, '')}; retry when it is done`,
          409,
          5,
        );
      throw e;
    });
    this.writers.set(name, { collection });
    return collection;
  }

  private closeWhenIdle(name: string): void {
    const held = this.writers.get(name);
    if (!held) return;
    clearTimeout(held.idle);
    held.idle = setTimeout(() => {
      this.writers.delete(name);
      held.collection.then((c) => c.close()).catch(() => {});
    }, WRITER_IDLE_MS);
    held.idle.unref();
  }

  async upsert(
    name: string,
    documents: { id: string; text: string; meta?: Record<string, unknown> }[],
  ): Promise<{ upserted: number }> {
    // the lexical index is not saved per write (that would write the whole index each time): the
    // reading session's BM25 index follows the commit on its next search
    const summary = await this.write(name, (c) =>
      c.upsert(documents.map((d) => ({ id: d.id, text: d.text, meta: d.meta ?? {} }))),
    );
    return { upserted: summary.added + summary.replaced + summary.unchanged };
  }

  async remove(name: string, id: string): Promise<boolean> {
    return (await this.deleteDocuments(name, { ids: [id] })).deleted > 0;
  }

  async deleteDocuments(
    name: string,
    request: { ids?: string[]; where?: Where },
  ): Promise<{ deleted: number }> {
    const deleted = await this.write(name, async (c) => {
      let n = request.ids && request.ids.length > 0 ? await c.delete(request.ids) : 0;
      if (request.where && Object.keys(request.where).length > 0) n += await c.deleteWhere(request.where);
      return n;
    });
    return { deleted };
  }

  /** Deletes a whole collection: its sessions are closed first; refused while another process writes it. */
  async drop(name: string): Promise<{ dropped: boolean }> {
    return this.write(name, async (c) => {
      const held = this.writers.get(name);
      if (held) clearTimeout(held.idle);
      this.writers.delete(name);
      await c.close();
      const reader = this.open.get(name);
      this.open.delete(name);
      if (reader) await (await reader.catch(() => undefined))?.close();
      await Collection.drop(this.locationOf(name));
      return { dropped: true };
    });
  }

  /** Waits for queued writes, then closes every open collection (saving its index) and releases the directory. */
  async close(): Promise<void> {
    await Promise.allSettled([...this.writeQueue.values()]);
    for (const [, w] of this.writers) clearTimeout(w.idle);
    const sessions = [...this.writers.values()].map((w) => w.collection).concat([...this.open.values()]);
    this.writers.clear();
    this.open.clear();
    for (const c of await Promise.allSettled(sessions)) if (c.status === 'fulfilled') await c.value.close();
    if (!this.options.models) await this.models.dispose();
    this.dirLock?.release();
    this.dirLock = undefined;
  }
}

export interface ExplorerOptions {
  collections?: StoreCollections;
  /** Word-vector sets by name, loaded on first use. */
  vectors?: Record<string, () => Promise<KeyedVectors>>;
  /** The transformer for contextual vectors (loaded on first use). */
  transformer?: () => Promise<TransformerEmbedder>;
  /** Contextual vectors run as exclusive jobs in this batcher (the model line the API uses). */
  batcher?: DynamicBatcher;
  /** Where maps are computed (default: one worker thread at a time, two waiting). */
  jobs?: MapJobs;
}

/** The web UI's explorer over the library: maps, neighbours, analogies, contextual vectors. */
export class LibraryExplorer implements ExplorerBackend {
  private readonly loadedVectors = new Map<string, Promise<KeyedVectors>>();
  private readonly mapCache = new Map<string, MapPoint[]>();
  private readonly jobs: MapJobs;

  constructor(private readonly options: ExplorerOptions) {
    this.jobs = options.jobs ?? new MapJobs();
  }

  async sources(): Promise<{ collections: string[]; vectors: string[] }> {
    return {
      collections: this.options.collections?.names() ?? [],
      vectors: Object.keys(this.options.vectors ?? {}),
    };
  }

  private vectors(name: string): Promise<KeyedVectors> {
    const factory = this.options.vectors?.[name];
    if (!factory) return Promise.reject(new SmyslError('E_COLLECTION', `no word-vector set named "${name}"`));
    let v = this.loadedVectors.get(name);
    if (!v) {
      v = factory();
      v.catch(() => this.loadedVectors.delete(name));
      this.loadedVectors.set(name, v);
    }
    return v;
  }

  /** Projects in a worker thread (see MapJobs): queued, bounded in time, dropped when the client goes away. */
  async map(
    request: MapRequest,
    options: { signal?: AbortSignal; timeoutMs?: number } = {},
  ): Promise<MapPoint[]> {
    const key = JSON.stringify(request);
    const cached = this.mapCache.get(key);
    if (cached) return cached;
    const color = request.color && request.color !== 'cluster' ? request.color : undefined;
    let matrix: DenseMatrix;
    let labels: string[];
    let groups: (string | undefined)[] | undefined;
    if (request.source.collection !== undefined) {
      if (!this.options.collections) throw new SmyslError('E_COLLECTION', 'no collections are served');
      const c = await this.options.collections.collection(request.source.collection);
      const docs = await c.documentVectors(request.limit);
      if (docs.ids.length < 2) throw new SmyslError('E_INPUT', 'a map needs at least 2 documents');
      matrix = docs.vectors;
      labels = docs.ids.map((id, i) => docs.titles[i] || id);
      if (color) groups = docs.ids.map((id, i) => metaGroup(id, docs.meta[i], color));
    } else {
      const v = await this.vectors(request.source.vectors!);
      const top = topWords(v, request.limit);
      if (top.words.length < 2) throw new SmyslError('E_INPUT', 'a map needs at least 2 words');
      matrix = top.matrix;
      labels = top.words;
    }
    const { xy, groups: clusters } = await this.jobs.run(matrix, {
      method: request.method,
      cluster: groups === undefined,
      signal: options.signal,
      timeoutMs: options.timeoutMs,
    });
    const drawn = groups ?? clusters!;
    const points = labels.map((label, i) => ({ x: xy[i * 2], y: xy[i * 2 + 1], label, group: drawn[i] }));
    if (this.mapCache.size > 32) this.mapCache.clear();
    this.mapCache.set(key, points);
    return points;
  }

  private async word(vectors: string, word: string): Promise<{ v: KeyedVectors; word: string }> {
    const v = await this.vectors(vectors);
    // word-vector files are mostly lowercase: fall back to the lowercased word
    const found = v.has(word) ? word : v.has(word.toLowerCase()) ? word.toLowerCase() : undefined;
    if (found === undefined)
      throw new SmyslError('E_INPUT', `"${word}" is not in the vocabulary of ${vectors}`);
    return { v, word: found };
  }

  async similar(request: {
    vectors: string;
    word: string;
    k: number;
  }): Promise<{ word: string; score: number }[]> {
    const { v, word } = await this.word(request.vectors, request.word);
    return v.mostSimilar({ positive: [word], topn: request.k });
  }

  /** a is to b as c is to ? — b − a + c (3CosAdd), as gensim's most_similar does. */
  async analogy(request: {
    vectors: string;
    a: string;
    b: string;
    c: string;
    k: number;
  }): Promise<{ word: string; score: number }[]> {
    const a = (await this.word(request.vectors, request.a)).word;
    const b = (await this.word(request.vectors, request.b)).word;
    const { v, word: c } = await this.word(request.vectors, request.c);
    return v.mostSimilar({ positive: [b, c], negative: [a], topn: request.k });
  }

  /**
   * The word's contextual vectors (mean of the last 4 layers) in each sentence, and the word on
   * its own (no context), projected together with PCA and coloured by sentence.
   */
  async context(request: { word: string; sentences: string[] }): Promise<ContextResult> {
    if (!this.options.transformer) throw new SmyslError('E_USAGE', 'this server has no transformer model');
    const model = await this.options.transformer();
    // forms of the word as the lexical index matches them (lemmas: замок finds замке, замку)
    const marker = lexicalHighlighter(DEFAULT_LEXICAL_ANALYZER);
    const terms = marker.queryTerms(request.word);
    const skipped: ContextResult['skipped'] = [];
    const texts = [...request.sentences, request.word.trim()];
    const run = () => model.wordVectors(texts, { layers: 4 });
    const count = tokenCounter(model);
    const batcher = this.options.batcher;
    const all = batcher
      ? await batcher.exclusive(run, { ...currentWork(), tokens: texts.reduce((n, t) => n + count(t), 0) })
      : await run();
    const dim = model.dim;
    const rows: Float32Array[] = [];
    const labels: string[] = [];
    const groups: string[] = [];
    const highlight: boolean[] = [];
    request.sentences.forEach((sentence, s) => {
      const { words, vectors } = all[s];
      const hits = words.flatMap((w, i) => (marker.matchesWord(w.text, terms) ? [i] : []));
      if (hits.length === 0) skipped.push({ sentence: s + 1, text: sentence });
      for (const i of hits) {
        rows.push(vectors.data.slice(i * dim, (i + 1) * dim));
        labels.push(sentence.length > 60 ? `${sentence.slice(0, 60)}…` : sentence);
        groups.push(`sentence ${s + 1}`);
        highlight.push(false);
      }
    });
    if (rows.length === 0)
      throw new SmyslError(
        'E_INPUT',
        terms.size === 0
          ? `"${request.word}" is a stop word: give a content word`
          : `no form of "${request.word}" occurs in any of the sentences`,
      );
    const alone = all[request.sentences.length];
    const own = new Float32Array(dim);
    for (let w = 0; w < alone.words.length; w++)
      for (let j = 0; j < dim; j++) own[j] += alone.vectors.data[w * dim + j] / alone.words.length;
    rows.push(own);
    labels.push(`${request.word} (no context)`);
    groups.push('static');
    highlight.push(true);
    const data = new Float32Array(rows.length * dim);
    rows.forEach((r, i) => data.set(r, i * dim));
    const xy = project({ rows: rows.length, dim, data }, 'pca');
    const points = labels.map((label, i) => ({
      x: xy[i * 2],
      y: xy[i * 2 + 1],
      label,
      group: groups[i],
      highlight: highlight[i] || undefined,
    }));
    return { points, skipped };
  }
}
