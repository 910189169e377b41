import {
  averagePrecision,
  type Judgments,
  ndcgAtK,
  precisionAtK,
  recallAtK,
  reciprocalRankAtK,
} from './ranking.js';

/** Mean metrics over queries, keyed like "ndcg@10", "map", "mrr@10", "recall@100", "precision@10". */
export type RetrievalMetrics = Record<string, number>;

export interface RetrievalEvaluation {
  metrics: RetrievalMetrics;
  /** Queries evaluated: those with at least one relevant judged document. */
  queries: number;
}

export interface RetrievalCutoffs {
  ndcg?: number[];
  mrr?: number[];
  recall?: number[];
  precision?: number[];
}

const DEFAULT_CUTOFFS: Required<RetrievalCutoffs> = {
  ndcg: [10],
  mrr: [10],
  recall: [100],
  precision: [10],
};

/**
 * Averages the ranking metrics over every judged query that has a relevant document. A judged
 * query missing from `runs` counts as an empty ranking (all zeros), so coverage gaps show.
 */
export function evaluateRetrieval(
  runs: ReadonlyMap<string, readonly string[]>,
  qrels: ReadonlyMap<string, Judgments>,
  cutoffs: RetrievalCutoffs = {},
): RetrievalEvaluation {
  const c = { ...DEFAULT_CUTOFFS, ...cutoffs };
  const sums: Record<string, number> = {};
  const add = (key: string, v: number) => {
    sums[key] = (sums[key] ?? 0) + v;
  };
  let n = 0;
  for (const [qid, judged] of qrels) {
    if (![...judged.values()].some((g) => g > 0)) continue;
    n++;
    const ranked = runs.get(qid) ?? [];
    for (const k of c.ndcg) add(`ndcg@${k}`, ndcgAtK(ranked, judged, k));
    add('map', averagePrecision(ranked, judged));
    for (const k of c.mrr) add(`mrr@${k}`, reciprocalRankAtK(ranked, judged, k));
    for (const k of c.recall) add(`recall@${k}`, recallAtK(ranked, judged, k));
    for (const k of c.precision) add(`precision@${k}`, precisionAtK(ranked, judged, k));
  }
  const metrics: RetrievalMetrics = {};
  for (const [key, v] of Object.entries(sums)) metrics[key] = n > 0 ? v / n : 0;
  return { metrics, queries: n };
}
