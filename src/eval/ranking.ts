/**
 * Ranking metrics for one query. `ranked` is the system's document ids, best first; `judged`
 * maps document ids to relevance grades (grades <= 0 and unjudged documents are not relevant).
 * Conventions follow trec_eval / pytrec_eval as BEIR uses them: nDCG has linear gains
 * (gain = grade) and a log2(rank + 1) discount, and its ideal DCG ranks all judged relevant
 * documents; MAP divides by all relevant documents, retrieved or not.
 */
export type Judgments = ReadonlyMap<string, number>;

function grade(judged: Judgments, id: string): number {
  const g = judged.get(id);
  return g !== undefined && g > 0 ? g : 0;
}

function relevantCount(judged: Judgments): number {
  let n = 0;
  for (const g of judged.values()) if (g > 0) n++;
  return n;
}

export function dcgAtK(ranked: readonly string[], judged: Judgments, k: number): number {
  let dcg = 0;
  const n = Math.min(k, ranked.length);
  for (let i = 0; i < n; i++) dcg += grade(judged, ranked[i]) / Math.log2(i + 2);
  return dcg;
}

export function ndcgAtK(ranked: readonly string[], judged: Judgments, k: number): number {
  const ideal = [...judged.values()].filter((g) => g > 0).sort((a, b) => b - a);
  let idcg = 0;
  for (let i = 0; i < Math.min(k, ideal.length); i++) idcg += ideal[i] / Math.log2(i + 2);
  return idcg === 0 ? 0 : dcgAtK(ranked, judged, k) / idcg;
}

export function averagePrecision(
  ranked: readonly string[],
  judged: Judgments,
  k = Number.POSITIVE_INFINITY,
): number {
  const total = relevantCount(judged);
  if (total === 0) return 0;
  let hits = 0;
  let sum = 0;
  const n = Math.min(k, ranked.length);
  for (let i = 0; i < n; i++) {
    if (grade(judged, ranked[i]) > 0) {
      hits++;
      sum += hits / (i + 1);
    }
  }
  return sum / total;
}

export function reciprocalRankAtK(ranked: readonly string[], judged: Judgments, k: number): number {
  const n = Math.min(k, ranked.length);
  for (let i = 0; i < n; i++) if (grade(judged, ranked[i]) > 0) return 1 / (i + 1);
  return 0;
}

export function recallAtK(ranked: readonly string[], judged: Judgments, k: number): number {
  const total = relevantCount(judged);
  if (total === 0) return 0;
  let hits = 0;
  const n = Math.min(k, ranked.length);
  for (let i = 0; i < n; i++) if (grade(judged, ranked[i]) > 0) hits++;
  return hits / total;
}

/** Relevant documents in the top k, over k (trec_eval's P@k: a short list still divides by k). */
export function precisionAtK(ranked: readonly string[], judged: Judgments, k: number): number {
  let hits = 0;
  const n = Math.min(k, ranked.length);
  for (let i = 0; i < n; i++) if (grade(judged, ranked[i]) > 0) hits++;
  return hits / k;
}
