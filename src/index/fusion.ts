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
  return fuse(lists, { method: 'rrf', k, k0 }).map(({ id, score }) => ({ id, score }));
}

/** How ranked lists are combined. */
export type FusionMethod = 'rrf' | 'minmax' | 'dbsf' | 'zscore';

export interface FusionOptions {
  method?: FusionMethod;
  /** Results returned (default 10). */
  k?: number;
  /** RRF's rank offset (default 60). */
  k0?: number;
}

/** Where one side placed a fused hit: its rank (from 1) and its own score; null when absent. */
export interface SideHit {
  rank: number;
  score: number;
}

/** A fused result with what each input list said about it, in the order of the lists. */
export interface FusedHit extends Hit {
  sides: (SideHit | null)[];
}

/**
 * Fuses ranked lists of one query into one ranking. Every method keeps, per hit, the rank and raw
 * score it had in each list (`sides`), so callers can show them.
 * - rrf: Σ w / (k0 + rank).
 * - minmax: Σ w · (s − min) / (max − min) over each list's scores; absent = 0.
 * - dbsf: distribution-based score fusion (as Qdrant's): each list's scores are mapped from
 *   [μ − 3σ, μ + 3σ] to [0, 1] (clipped), absent = 0, then summed with weights.
 * - zscore: Σ w · (s − μ) / σ; a hit absent from a list gets that list's lowest z.
 */
export function fuse(lists: RankedList[], options: FusionOptions = {}): FusedHit[] {
  const method = options.method ?? 'rrf';
  const k = options.k ?? 10;
  const k0 = options.k0 ?? 60;
  const fused = new Map<string, FusedHit>();
  const floor = new Float64Array(lists.length);
  lists.forEach((list, li) => {
    const weight = list.weight ?? 1;
    const n = list.hits.length;
    let lo = Number.POSITIVE_INFINITY;
    let hi = Number.NEGATIVE_INFINITY;
    let sum = 0;
    for (const h of list.hits) {
      lo = Math.min(lo, h.score);
      hi = Math.max(hi, h.score);
      sum += h.score;
    }
    const mean = n > 0 ? sum / n : 0;
    let variance = 0;
    for (const h of list.hits) variance += (h.score - mean) ** 2;
    const sd = n > 1 ? Math.sqrt(variance / n) : 0;
    const norm = (score: number, rank: number): number => {
      if (method === 'rrf') return 1 / (k0 + rank);
      if (method === 'minmax') return hi > lo ? (score - lo) / (hi - lo) : 1;
      if (method === 'dbsf') {
        if (!(sd > 0)) return 1;
        const x = (score - (mean - 3 * sd)) / (6 * sd);
        return x < 0 ? 0 : x > 1 ? 1 : x;
      }
      return sd > 0 ? (score - mean) / sd : 0;
    };
    floor[li] = method === 'zscore' && sd > 0 ? (lo - mean) / sd : 0;
    list.hits.forEach((hit, i) => {
      let f = fused.get(hit.id);
      if (!f) {
        f = { id: hit.id, score: 0, sides: lists.map(() => null) };
        fused.set(hit.id, f);
      }
      if (f.sides[li] !== null) return; // a list naming a document twice: its first place counts
      f.sides[li] = { rank: i + 1, score: hit.score };
      if (weight !== 0) f.score += weight * norm(hit.score, i + 1);
    });
  });
  if (method === 'zscore')
    for (const f of fused.values())
      f.sides.forEach((s, li) => {
        if (s === null) f.score += (lists[li].weight ?? 1) * floor[li];
      });
  return [...fused.values()]
    .sort((a, b) => b.score - a.score || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
    .slice(0, k);
}
