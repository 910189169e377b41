import type { Hit } from './types.js';

export interface RankedList {
  hits: Hit[];
  /** Weight of this list in the fusion (default 1). */
  weight?: number;
}

/**
 * Weighted reciprocal-rank fusion (Cormack et al., 2009): score(d) = Σ weight / (k0 + rank(d)),
 * ranks from 1. Only ranks matter, so BM25 and cosine scores need no calibration.
 */
export function reciprocalRankFusion(lists: RankedList[], k = 10, k0 = 60): Hit[] {
  const fused = new Map<string, number>();
  for (const list of lists) {
    const weight = list.weight ?? 1;
    if (weight === 0) continue;
    list.hits.forEach((hit, i) => {
      fused.set(hit.id, (fused.get(hit.id) ?? 0) + weight / (k0 + i + 1));
    });
  }
  return [...fused]
    .map(([id, score]) => ({ id, score }))
    .sort((a, b) => b.score - a.score || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
    .slice(0, k);
}
