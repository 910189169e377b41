import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import type { KeyedVectors } from '../embed/static/keyed-vectors.js';
import type { TransformerEmbedder } from '../embed/transformer/embedder.js';
import { SmyslError } from '../errors.js';
import { Collection } from '../store/collection.js';
import { DEFAULT_LEXICAL_ANALYZER, lexicalHighlighter } from '../store/lexical.js';
import { kmeans } from '../tasks/cluster.js';
import { Pca } from '../vectors/postprocess.js';
import { tsne, umap } from '../vectors/projection.js';
import type { DenseMatrix } from '../vectors/types.js';
import type {
  CollectionsBackend,
  ContextResult,
  ExplorerBackend,
  MapPoint,
  SearchHit,
  SearchRequest,
  ServedModel,
} from './app.js';

export type ProjectionMethod = 'pca' | 'tsne' | 'umap';

/** A served model over a transformer: vectors from `embed`, token counts from its own tokenizer. */
export function transformerModel(name: string, embedder: TransformerEmbedder): ServedModel {
  return {
    name,
    dim: embedder.dim,
    embed: (texts) => embedder.embed(texts),
    countTokens: (texts) => {
      let n = 0;
      // [CLS] and [SEP] are part of what the model sees; long texts are cut at maxLength
      for (const t of texts)
        n += Math.min(embedder.tokenizer.encodePieces(t).ids.length + 2, embedder.maxLength);
      return n;
    },
  };
}

/** 2-D coordinates (n x 2, row-major) of the rows of `x`. */
export function project(x: DenseMatrix, method: ProjectionMethod, seed = 1): Float32Array {
  if (x.rows < 2) return new Float32Array(x.rows * 2);
  if (method === 'tsne') return tsne(x, { seed });
  if (method === 'umap') return x.rows < 4 ? project(x, 'pca', seed) : umap(x, { seed });
  const pca = new Pca({ components: Math.min(2, x.dim) });
  pca.fit(x);
  const y = pca.transform(x);
  if (y.dim === 2) return Float32Array.from(y.data.subarray(0, x.rows * 2));
  const out = new Float32Array(x.rows * 2);
  for (let i = 0; i < x.rows; i++) out[i * 2] = y.data[i];
  return out;
}

/** k-means cluster labels ("cluster 1" …), with k growing slowly with the number of points. */
export function clusterGroups(x: DenseMatrix, seed = 1): string[] {
  if (x.rows < 2) return Array(x.rows).fill('cluster 1');
  const k = Math.max(2, Math.min(12, Math.round(Math.sqrt(x.rows / 4))));
  const result = kmeans(x, { k: Math.min(k, x.rows), seed, restarts: 2 });
  return Array.from(result.labels, (l) => `cluster ${l + 1}`);
}

/** Map points of labelled vectors: projected, grouped by `groups` or by k-means clusters. */
export function mapPoints(
  x: DenseMatrix,
  labels: string[],
  options: { method: ProjectionMethod; groups?: (string | undefined)[]; seed?: number },
): MapPoint[] {
  const xy = project(x, options.method, options.seed);
  const groups = options.groups ?? clusterGroups(x, options.seed);
  return labels.map((label, i) => ({ x: xy[i * 2], y: xy[i * 2 + 1], label, group: groups[i] }));
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

/**
 * Collections under one directory (`.smysl`), addressed by name only. Each is opened once, on
 * first use, as the single writer; writes to a collection run one at a time.
 */
export class StoreCollections implements CollectionsBackend {
  private readonly open = new Map<string, Promise<Collection>>();
  private readonly writeQueue = new Map<string, Promise<unknown>>();

  /** `only`: serve just these names (the CLI's --collection); default every collection in `dir`. */
  constructor(
    readonly dir: string,
    private readonly only?: string[],
  ) {
    for (const name of only ?? [])
      if (!NAME.test(name)) throw new SmyslError('E_USAGE', `invalid collection name "${name}"`);
  }

  names(): string[] {
    const onDisk = existsSync(this.dir)
      ? readdirSync(this.dir, { withFileTypes: true })
          .filter((e) => e.isDirectory() && NAME.test(e.name))
          .filter((e) => existsSync(path.join(this.dir, e.name, 'manifest.json')))
          .map((e) => e.name)
      : [];
    return (this.only ?? onDisk).filter((n) => onDisk.includes(n)).sort();
  }

  collection(name: string): Promise<Collection> {
    if (!NAME.test(name) || !this.names().includes(name))
      return Promise.reject(new SmyslError('E_COLLECTION', `no collection named "${name}"`));
    let c = this.open.get(name);
    if (!c) {
      c = Collection.open(path.join(this.dir, name));
      c.catch(() => this.open.delete(name));
      this.open.set(name, c);
    }
    return c;
  }

  async list(): Promise<{ name: string; count: number; embedder: string }[]> {
    const out = [];
    for (const name of this.names()) {
      const c = await this.collection(name);
      out.push({ name, count: c.count(), embedder: c.manifest.embedder.name });
    }
    return out;
  }

  async search(name: string, request: SearchRequest): Promise<SearchHit[]> {
    const c = await this.collection(name);
    // dense, sparse (the store's BM25/TF-IDF chunk index) or hybrid; default: the collection's own
    const hits: SearchHit[] = await c.search(request.query, {
      k: request.k,
      where: request.filter,
      method: request.method,
    });
    // marked by the collection's own analyzer, so the UI shows what the index matched
    const marker = c.highlighter();
    const terms = marker.queryTerms(request.query);
    for (const h of hits) if (h.snippet !== undefined) h.highlights = marker.spans(h.snippet, terms);
    return hits;
  }

  private serialize<T>(name: string, write: () => Promise<T>): Promise<T> {
    const previous = this.writeQueue.get(name) ?? Promise.resolve();
    const next = previous.then(write, write);
    this.writeQueue.set(
      name,
      next.catch(() => {}),
    );
    return next;
  }

  async upsert(
    name: string,
    documents: { id: string; text: string; meta?: Record<string, unknown> }[],
  ): Promise<{ upserted: number }> {
    const c = await this.collection(name);
    const summary = await this.serialize(name, () =>
      c.upsert(documents.map((d) => ({ id: d.id, text: d.text, meta: d.meta ?? {} }))),
    );
    return { upserted: summary.added + summary.replaced + summary.unchanged };
  }

  async remove(name: string, id: string): Promise<boolean> {
    const c = await this.collection(name);
    return (await this.serialize(name, async () => c.delete([id]))) > 0;
  }

  /** Waits for queued writes, then closes every open collection (saving its index). */
  async close(): Promise<void> {
    await Promise.allSettled([...this.writeQueue.values()]);
    for (const c of await Promise.allSettled([...this.open.values()]))
      if (c.status === 'fulfilled') c.value.close();
    this.open.clear();
  }
}

export interface ExplorerOptions {
  collections?: StoreCollections;
  /** Word-vector sets by name, loaded on first use. */
  vectors?: Record<string, () => Promise<KeyedVectors>>;
  /** The transformer for contextual vectors (loaded on first use). */
  transformer?: () => Promise<TransformerEmbedder>;
}

/** The web UI's explorer over the library: maps, neighbours, analogies, contextual vectors. */
export class LibraryExplorer implements ExplorerBackend {
  private readonly loadedVectors = new Map<string, Promise<KeyedVectors>>();
  private readonly mapCache = new Map<string, MapPoint[]>();

  constructor(private readonly options: ExplorerOptions) {}

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

  async map(request: Parameters<ExplorerBackend['map']>[0]): Promise<MapPoint[]> {
    const key = JSON.stringify(request);
    const cached = this.mapCache.get(key);
    if (cached) return cached;
    let points: MapPoint[];
    const color = request.color && request.color !== 'cluster' ? request.color : undefined;
    if (request.source.collection !== undefined) {
      if (!this.options.collections) throw new SmyslError('E_COLLECTION', 'no collections are served');
      const c = await this.options.collections.collection(request.source.collection);
      const docs = c.documentVectors(request.limit);
      if (docs.ids.length < 2) throw new SmyslError('E_INPUT', 'a map needs at least 2 documents');
      points = mapPoints(
        docs.vectors,
        docs.ids.map((id, i) => docs.titles[i] || id),
        {
          method: request.method,
          groups: color ? docs.ids.map((id, i) => metaGroup(id, docs.meta[i], color)) : undefined,
        },
      );
    } else {
      const v = await this.vectors(request.source.vectors!);
      const { words, matrix } = topWords(v, request.limit);
      if (words.length < 2) throw new SmyslError('E_INPUT', 'a map needs at least 2 words');
      points = mapPoints(matrix, words, { method: request.method });
    }
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
    const all = await model.wordVectors([...request.sentences, request.word.trim()], { layers: 4 });
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
