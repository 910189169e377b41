import path from 'node:path';
import { loadEmbedder } from '../embed/registry.js';
import type { TransformerEmbedder, TransformerEmbedderOptions } from '../embed/transformer/embedder.js';
import type { Embedder } from '../embed/types.js';
import { readJsonFile } from '../util/fs.js';
import { estimateTokens } from './batcher.js';

/** The settings that decide a transformer's vectors, as its saved manifest spells them. */
interface TransformerSettings {
  model?: string;
  dtype?: string;
  pooling?: string;
  layers?: number;
  normalize?: boolean;
  maxLength?: number;
  long?: string;
  stride?: number;
  prompts?: { query?: string; document?: string; default?: string };
}

function settingsKey(s: TransformerSettings): string {
  return JSON.stringify([
    'transformer',
    s.model,
    s.dtype ?? 'fp32',
    s.pooling,
    s.layers,
    s.normalize,
    s.maxLength,
    s.long,
    s.stride,
    // absent and "" both mean no prompt
    s.prompts?.query ?? '',
    s.prompts?.document ?? '',
    s.prompts?.default ?? '',
  ]);
}

function isTransformer(e: Embedder): e is TransformerEmbedder {
  return (e as { name?: string }).name?.startsWith('transformer:') === true && 'tokenizer' in e;
}

/** Tokens a text costs `embedder`: its own tokenizer for transformers (with [CLS]/[SEP], after truncation). */
export function tokenCounter(embedder: Embedder): (text: string) => number {
  if (!isTransformer(embedder)) return (text) => estimateTokens(text);
  return (text) => Math.min(embedder.tokenizer.encodePieces(text).ids.length + 2, embedder.maxLength);
}

/**
 * The models a server runs, loaded once each: a collection indexed with minilm and the API's
 * minilm (same settings) share one onnxruntime session, so one batcher line serves both and the
 * model sits in memory once.
 */
export class ModelPool {
  private readonly bySettings = new Map<string, Promise<Embedder>>();
  private readonly byRequest = new Map<string, Promise<TransformerEmbedder>>();
  private readonly loaded = new Set<TransformerEmbedder>();

  /** The transformer built from `options` (created on first use). */
  transformer(options: TransformerEmbedderOptions): Promise<TransformerEmbedder> {
    const key = JSON.stringify(options);
    let p = this.byRequest.get(key);
    if (!p) {
      p = this.createTransformer(options);
      p.catch(() => this.byRequest.delete(key));
      this.byRequest.set(key, p);
    }
    return p;
  }

  private async createTransformer(options: TransformerEmbedderOptions): Promise<TransformerEmbedder> {
    const { TransformerEmbedder } = await import('../embed/transformer/embedder.js');
    const created = await TransformerEmbedder.create(options);
    const key = settingsKey({ ...created, model: created.source.name });
    const existing = await this.bySettings.get(key)?.catch(() => undefined);
    if (existing && isTransformer(existing)) {
      await created.dispose();
      return existing;
    }
    this.bySettings.set(key, Promise.resolve(created));
    this.loaded.add(created);
    return created;
  }

  /** The embedder a collection was indexed with (its `embedder/` folder), shared when already loaded. */
  async collectionEmbedder(collectionDir: string): Promise<Embedder> {
    const dir = path.join(collectionDir, 'embedder');
    const manifest = await readJsonFile<{ method?: string; options?: TransformerSettings }>(
      path.join(dir, 'manifest.json'),
    );
    if (manifest.method !== 'transformer' || !manifest.options) return loadEmbedder(dir);
    const key = settingsKey(manifest.options);
    let p = this.bySettings.get(key);
    if (!p) {
      p = loadEmbedder(dir).then((e) => {
        if (isTransformer(e)) this.loaded.add(e);
        return e;
      });
      p.catch(() => this.bySettings.delete(key));
      this.bySettings.set(key, p);
    }
    return p;
  }

  /** Releases every onnxruntime session the pool created. */
  async dispose(): Promise<void> {
    await Promise.allSettled([...this.bySettings.values(), ...this.byRequest.values()]);
    for (const e of this.loaded) await e.dispose().catch(() => {});
    this.loaded.clear();
    this.bySettings.clear();
    this.byRequest.clear();
  }
}
