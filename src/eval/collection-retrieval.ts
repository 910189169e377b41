import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createEmbedder } from '../embed/registry.js';
import { throwIfAborted } from '../errors.js';
import { Collection, type SearchMethod } from '../store/collection.js';
import type { LexicalMethod } from '../store/lexical.js';
import type { LongRunning } from '../util/progress.js';
import type { BeirCollection } from './beir.js';
import { evaluateRetrieval, type RetrievalCutoffs, type RetrievalEvaluation } from './retrieval.js';

export interface CollectionRetrievalOptions extends LongRunning {
  /** A dense embedder from the registry (minilm, trigram, word2vec, ...). */
  embedder: string;
  embedderSettings?: Record<string, unknown>;
  /** dense, sparse (the collection's BM25/TF-IDF) or hybrid (fusion of both). */
  method: SearchMethod;
  lexical?: LexicalMethod;
  /** Documents retrieved per query (MAP and recall look this deep); default 100. */
  top?: number;
  cutoffs?: RetrievalCutoffs;
}

/**
 * Retrieval evaluation through the product's own path: the BEIR corpus is indexed into a
 * temporary collection (exact index, so the numbers measure the embedder, not the ANN), and
 * every judged query is searched like `smysl search` would.
 */
export async function evaluateCollectionRetrieval(
  beir: BeirCollection,
  options: CollectionRetrievalOptions,
): Promise<RetrievalEvaluation & { seconds: { index: number; search: number } }> {
  const dir = mkdtempSync(path.join(tmpdir(), 'smysl-eval-'));
  const top = options.top ?? 100;
  const t0 = performance.now();
  const embedder = await createEmbedder(options.embedder, options.embedderSettings ?? {});
  const docs = beir.corpus.map((d) => ({
    id: d.id,
    text: d.title ? `${d.title} ${d.text}` : d.text,
    meta: {},
  }));
  // methods that learn (word2vec, fastText, GloVe, weights) learn on the collection itself
  if (embedder.fit) await embedder.fit(docs, { signal: options.signal, onProgress: options.onProgress });
  const collection = await Collection.create(path.join(dir, 'c'), {
    embedder,
    index: { type: 'exact' },
    lexical: options.lexical ?? 'bm25',
    defaultMethod: options.method,
  });
  try {
    await collection.add(docs, { batchSize: 256, onProgress: options.onProgress, signal: options.signal });
    const t1 = performance.now();
    const judged = beir.queries.filter((q) => beir.qrels.has(q.id));
    const runs = new Map<string, string[]>();
    for (let i = 0; i < judged.length; i++) {
      throwIfAborted(options.signal);
      const hits = await collection.search(judged[i].text, {
        k: top,
        method: options.method,
        details: false,
      });
      runs.set(
        judged[i].id,
        hits.map((h) => h.id),
      );
      options.onProgress?.({ phase: 'searching', done: i + 1, total: judged.length, unit: 'queries' });
    }
    const t2 = performance.now();
    return {
      ...evaluateRetrieval(runs, beir.qrels, options.cutoffs),
      seconds: { index: (t1 - t0) / 1000, search: (t2 - t1) / 1000 },
    };
  } finally {
    await collection.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
