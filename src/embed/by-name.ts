import type { Document } from '../corpus/types.js';
import type { LongRunning } from '../util/progress.js';
import { createEmbedder, type EmbedderSettings, listEmbedders } from './registry.js';
import type { Embedder } from './types.js';

/**
 * A fresh embedder by name: a registry method (`tfidf`, `word2vec`, `minilm`, …), else a
 * transformer model — an imported name or a checkpoint directory — with the settings as its
 * options. An unknown name is the registry's "unknown embedder" error, listing the methods.
 */
export async function embedderByName(name: string, settings: EmbedderSettings = {}): Promise<Embedder> {
  if (listEmbedders().some((f) => f.method === name)) return createEmbedder(name, settings);
  const { resolveModel } = await import('./transformer/index.js');
  try {
    await resolveModel(name);
  } catch {
    return createEmbedder(name, settings);
  }
  return createEmbedder('transformer', { ...settings, model: name });
}

/** Fits the embedder on plain texts when it has a fit step (vocabularies, trained word vectors). */
export async function fitOnTexts(
  embedder: Embedder,
  texts: readonly string[],
  opts: LongRunning = {},
): Promise<void> {
  if (!embedder.fit) return;
  const docs: Document[] = texts.map((text, i) => ({ id: String(i), text, meta: {} }));
  await embedder.fit(docs, opts);
}
