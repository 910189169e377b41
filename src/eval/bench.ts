import os from 'node:os';
import { embedderByName, fitOnTexts } from '../embed/by-name.js';
import type { EmbedderSettings } from '../embed/registry.js';
import type { Embedder } from '../embed/types.js';
import { SmyslError } from '../errors.js';
import { LogisticRegression, stratifiedKFold } from '../tasks/classify.js';
import type { LongRunning } from '../util/progress.js';
import { cosine, norm, row } from '../vectors/dense.js';
import { densify, isSparse, unitRows } from '../vectors/rows.js';
import type { DenseMatrix, SparseMatrix } from '../vectors/types.js';
import type { BeirCollection } from './beir.js';
import { classificationReport } from './classification.js';
import { pearson, spearman } from './correlation.js';
import type { BenchRow } from './report.js';
import { evaluateRetrieval } from './retrieval.js';
import { stsCosines } from './sts.js';

/** Two texts (sentences or words) with a gold similarity score. */
export interface ScoredPair {
  a: string;
  b: string;
  score: number;
}

/** Texts with one label each. */
export interface LabelledTexts {
  texts: string[];
  labels: string[];
}

/**
 * What a comparison runs on:
 * - `sts`: sentence pairs with gold scores (Spearman/Pearson x100 of cosine);
 * - `words`: word pairs with gold scores (pairs with an unknown word are left out, as gensim's
 *   `evaluate_word_pairs`, and counted in `coverage`);
 * - `classification`: logistic regression on the vectors, train then test (accuracy, F1);
 * - `retrieval`: a BEIR collection ranked by exact cosine (nDCG@10, MAP, recall@100).
 */
export type BenchData =
  | { task: 'sts'; pairs: readonly ScoredPair[] }
  | { task: 'words'; pairs: readonly ScoredPair[] }
  | { task: 'classification'; train: LabelledTexts; test: LabelledTexts }
  | { task: 'retrieval'; collection: BeirCollection };

export type BenchTask = BenchData['task'];

/** The metric each task's report sorts by. */
export const BENCH_MAIN_METRIC: Readonly<Record<BenchTask, string>> = {
  sts: 'spearman',
  words: 'spearman',
  classification: 'macroF1',
  retrieval: 'ndcg@10',
};

export interface BenchOptions extends LongRunning {
  /** Settings every embedder is created with (e.g. `{ epochs: 5 }` so trained methods finish in minutes). */
  settings?: EmbedderSettings;
  /** Texts to fit embedders on instead of the task's own (its sentences, training texts or documents). */
  fitTexts?: readonly string[];
  /** retrieval: documents ranked per query (default 100). */
  top?: number;
  /** How a name becomes an embedder (default `embedderByName`). */
  makeEmbedder?: (name: string, settings: EmbedderSettings) => Promise<Embedder>;
}

/** The texts a task fits embedders on when no `fitTexts` are given. */
function taskTexts(data: BenchData): readonly string[] {
  switch (data.task) {
    case 'sts':
    case 'words':
      return data.pairs.flatMap((p) => [p.a, p.b]);
    case 'classification':
      return data.train.texts;
    case 'retrieval':
      return data.collection.corpus.map(documentText);
  }
}

function documentText(d: { title?: string; text: string }): string {
  return d.title ? `${d.title}. ${d.text}` : d.text;
}

/** One embedder's metrics on the task: creates it, fits it (if it has a fit step), evaluates. */
export async function benchEmbedder(
  name: string,
  data: BenchData,
  opts: BenchOptions = {},
): Promise<Record<string, number>> {
  const e = await (opts.makeEmbedder ?? embedderByName)(name, opts.settings ?? {});
  await fitOnTexts(e, opts.fitTexts ?? taskTexts(data), opts);
  if (data.task === 'sts') {
    const gold = data.pairs.map((p) => p.score);
    const cos = await stsCosines(e, data.pairs);
    return { spearman: spearman(cos, gold) * 100, pearson: pearson(cos, gold) * 100 };
  }
  if (data.task === 'words') {
    // Each distinct word is embedded once; a word without a vector embeds to zeros.
    const pairs = data.pairs;
    const words = [...new Set(pairs.flatMap((p) => [p.a, p.b]))];
    const vectors = densify(await e.embed(words));
    const rowOf = new Map(words.map((w, r) => [w, r]));
    const vectorOf = (w: string) => row(vectors, rowOf.get(w)!);
    const kept = pairs.filter((p) => norm(vectorOf(p.a)) > 0 && norm(vectorOf(p.b)) > 0);
    const keptCos = kept.map((p) => cosine(vectorOf(p.a), vectorOf(p.b)));
    const keptGold = kept.map((p) => p.score);
    return {
      spearman: kept.length > 1 ? spearman(keptCos, keptGold) * 100 : Number.NaN,
      pearson: kept.length > 1 ? pearson(keptCos, keptGold) * 100 : Number.NaN,
      coverage: kept.length / pairs.length,
    };
  }
  if (data.task === 'classification') {
    const clf = new LogisticRegression({ seed: 1 }).fit(await e.embed(data.train.texts), data.train.labels);
    const pred = clf.predict(await e.embed(data.test.texts)).map(String);
    const r = classificationReport(data.test.labels, pred);
    return { accuracy: r.accuracy, macroF1: r.macro.f1, weightedF1: r.weighted.f1 };
  }
  const c = data.collection;
  const queries = c.queries.filter((q) => c.qrels.has(q.id));
  const ranked = rankByCosine(
    await e.embed(queries.map((q) => q.text)),
    await e.embed(c.corpus.map(documentText)),
    opts.top ?? 100,
  );
  const runs = new Map(queries.map((q, i) => [q.id, Array.from(ranked[i], (r) => c.corpus[r].id)]));
  const m = evaluateRetrieval(runs, c.qrels).metrics;
  return { 'ndcg@10': m['ndcg@10'] ?? 0, map: m.map ?? 0, 'recall@100': m['recall@100'] ?? 0 };
}

/**
 * Runs every embedder on the task, one after another; a method that fails (e.g. a model it
 * cannot load) becomes a row with its error instead of ending the run. `onRow` sees each row
 * as it is made.
 */
export async function runBench(
  names: readonly string[],
  data: BenchData,
  opts: BenchOptions & { onRow?: (row: BenchRow) => void } = {},
): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  for (const name of names) {
    opts.signal?.throwIfAborted();
    const started = Date.now();
    let r: BenchRow;
    try {
      const metrics = await benchEmbedder(name, data, opts);
      r = { embedder: name, metrics, seconds: (Date.now() - started) / 1000 };
    } catch (e) {
      if (opts.signal?.aborted) throw e;
      r = {
        embedder: name,
        metrics: {},
        seconds: (Date.now() - started) / 1000,
        error: (e as Error).message,
      };
    }
    rows.push(r);
    opts.onRow?.(r);
  }
  return rows;
}

/** One stratified 80/20 split (seeded), the same for every method of a classification comparison. */
export function stratifiedHoldOut(
  data: LabelledTexts,
  seed = 1,
): { train: LabelledTexts; test: LabelledTexts } {
  const heldOut = new Set(stratifiedKFold(data.labels, 5, seed)[0]);
  const pick = (test: boolean): LabelledTexts => {
    const idx = data.labels.map((_, i) => i).filter((i) => heldOut.has(i) === test);
    return { texts: idx.map((i) => data.texts[i]), labels: idx.map((i) => data.labels[i]) };
  };
  return { train: pick(false), test: pick(true) };
}

/** "2-core x64, Node 22": the machine line of a benchmark report. */
export function machineDescription(): string {
  return `${os.cpus().length}-core ${os.arch()}, Node ${process.versions.node.split('.')[0]}`;
}

/**
 * Exact cosine top-k of every query against every document (ties by document order). Both
 * dense or both sparse; sparse documents are walked through an inverted list so a query touches
 * only its terms.
 */
export function rankByCosine(
  queries: DenseMatrix | SparseMatrix,
  docs: DenseMatrix | SparseMatrix,
  top: number,
): Int32Array[] {
  const q = unitRows(queries);
  const d = unitRows(docs);
  const nDocs = d.rows;
  const scores = new Float64Array(nDocs);
  const out: Int32Array[] = [];
  let inverted: Map<number, [number, number][]> | undefined;
  if (isSparse(d)) {
    inverted = new Map();
    for (let r = 0; r < d.rows; r++)
      for (let j = d.indptr[r]; j < d.indptr[r + 1]; j++) {
        const list = inverted.get(d.indices[j]) ?? [];
        list.push([r, d.data[j]]);
        inverted.set(d.indices[j], list);
      }
  }
  for (let i = 0; i < q.rows; i++) {
    scores.fill(0);
    if (isSparse(q) && inverted) {
      for (let j = q.indptr[i]; j < q.indptr[i + 1]; j++)
        for (const [r, w] of inverted.get(q.indices[j]) ?? []) scores[r] += w * q.data[j];
    } else if (!isSparse(q) && !isSparse(d)) {
      const dim = q.dim;
      for (let r = 0; r < nDocs; r++) {
        let s = 0;
        for (let k = 0; k < dim; k++) s += q.data[i * dim + k] * d.data[r * dim + k];
        scores[r] = s;
      }
    } else throw new SmyslError('E_USAGE', 'queries and documents must both be dense or both sparse');
    const order = Int32Array.from({ length: nDocs }, (_, r) => r);
    order.sort((a, b) => scores[b] - scores[a] || a - b);
    out.push(order.slice(0, top));
  }
  return out;
}
