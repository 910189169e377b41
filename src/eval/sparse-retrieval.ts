import {
  type Bm25Options,
  Bm25Vectorizer,
  CountVectorizer,
  TfidfVectorizer,
  type TfidfVectorizerOptions,
} from '../embed/sparse/vectorizers.js';
import { throwIfAborted } from '../errors.js';
import { SparseSearch } from '../index/inverted.js';
import type { LongRunning } from '../util/progress.js';
import { normalizeRows } from '../vectors/sparse.js';
import type { BeirCollection } from './beir.js';
import { evaluateRetrieval, type RetrievalCutoffs, type RetrievalEvaluation } from './retrieval.js';

export type SparseRetrievalMethod = 'bm25' | 'tfidf' | 'bow';

export interface SparseRetrievalOptions extends LongRunning {
  method: SparseRetrievalMethod;
  /** Vectorizer options (analyzer, df limits; BM25's k1/b/variant; TF-IDF's norm/idf/sublinear). */
  vectorizer?: Bm25Options & TfidfVectorizerOptions;
  /** Documents retrieved per query (MAP and recall look this deep); default 1000. */
  top?: number;
  cutoffs?: RetrievalCutoffs;
}

/**
 * Indexes a BEIR corpus (title + " " + text, as BEIR does) with a sparse method and scores every
 * judged query. bow and tfidf rank by cosine (l2-normalized vectors), bm25 by the BM25 score.
 */
export function evaluateSparseRetrieval(
  collection: BeirCollection,
  options: SparseRetrievalOptions,
): RetrievalEvaluation & { seconds: { index: number; search: number }; vocabulary: number } {
  const top = options.top ?? 1000;
  const texts = collection.corpus.map((d) => (d.title ? `${d.title} ${d.text}` : d.text));
  const ids = collection.corpus.map((d) => d.id);
  const t0 = performance.now();
  const v = options.vectorizer ?? {};
  const encoder =
    options.method === 'bm25'
      ? new Bm25Vectorizer(v)
      : options.method === 'tfidf'
        ? new TfidfVectorizer(v)
        : new CountVectorizer(v);
  let docs = encoder.fitTransform(texts);
  if (options.method === 'bow') docs = normalizeRows(docs);
  options.onProgress?.({ phase: 'indexing', done: texts.length, total: texts.length, unit: 'docs' });
  const search = new SparseSearch(
    options.method === 'bow'
      ? { transform: (q) => normalizeRows(encoder.transform(q)) }
      : (encoder as Bm25Vectorizer | TfidfVectorizer),
    docs,
    ids,
  );
  const t1 = performance.now();
  const judged = collection.queries.filter((q) => collection.qrels.has(q.id));
  const runs = new Map<string, string[]>();
  const batch = 256;
  for (let i = 0; i < judged.length; i += batch) {
    throwIfAborted(options.signal);
    const part = judged.slice(i, i + batch);
    const hits = search.search(
      part.map((q) => q.text),
      top,
    );
    part.forEach((q, j) => {
      runs.set(
        q.id,
        hits[j].map((h) => h.id),
      );
    });
    options.onProgress?.({
      phase: 'searching',
      done: Math.min(i + batch, judged.length),
      total: judged.length,
      unit: 'queries',
    });
  }
  const t2 = performance.now();
  const evaluation = evaluateRetrieval(runs, collection.qrels, options.cutoffs);
  return {
    ...evaluation,
    seconds: { index: (t1 - t0) / 1000, search: (t2 - t1) / 1000 },
    vocabulary: encoder.vocabulary.length,
  };
}
