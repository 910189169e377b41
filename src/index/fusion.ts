import { guessLanguage } from '../text/language.js';
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
export const FUSION_METHODS: readonly FusionMethod[] = ['rrf', 'minmax', 'dbsf', 'zscore'];

export interface FusionOptions {
  method?: FusionMethod;
  /** Results returned (default 10). */
  k?: number;
  /** RRF's rank offset (default 60). */
  k0?: number;
  /**
   * Score-based methods normalise each list by the statistics of its first `statsDepth` hits
   * (default 50), so asking for more results does not change how a score is read.
   */
  statsDepth?: number;
  /**
   * Tiers of hits (absent = 0): a higher tier ranks ahead of every lower one, the fused score
   * orders hits within a tier. The default fusion's lexical-confidence term (`lexicalTier`).
   */
  tiers?: ReadonlyMap<string, number>;
}

/**
 * The hybrid fusion of collections: distribution-based score fusion (dbsf), with weights that
 * depend on whether the dense encoder reads the query's language. Measured with bench/fusion.ts
 * (docs/collections.md) on Cranfield, CISI, STSb-en (English; minilm reads it) and STSb-ru, the
 * Russian fixture and examples/corpus (Russian; minilm does not):
 * - in the encoder's language the dense list leads (lexical at 0.15): within 0.003 nDCG@10 of
 *   dense on STSb-en, where dense beats BM25 by 0.04 and every 1:1 fusion loses 0.02 to it, and
 *   still +0.01..0.02 over both sides on Cranfield and CISI;
 * - in any other language BM25 leads (dense at 0.5): at or above BM25 on every Russian set,
 *   where RRF 1:1 lost 0.02 to BM25; weights 0.3 to 0.7 all hold there.
 * An encoder that learns a language (the bilingual student) declares it in `languages`, and its
 * queries in that language then get the dense-led weights.
 *
 * Weights alone cannot serve both paraphrase queries (dense must lead: STSb) and queries that are
 * a phrase of the text (the first words of a sentence: dense is noise there, BM25 finds the place
 * 4 times as often), so the lexical side also gets a say per hit (`lexicalConfidence`, see
 * `lexicalTier`): a passage of BM25's first 20 that holds the query as a phrase ranks first, one
 * holding every term of a 3+-term query next (that tier is neutral on the development sets; it
 * was added for examples-ru's one lost query, so that set no longer tests it blind). The phrase
 * tier and its thresholds were chosen on development sets only (bench/fusion.ts:
 * phrase queries over Anna Karenina paragraphs 4,000-6,000 and Brown documents, and 300 STSb
 * train pairs per language): phrases-ru 0.37 → 0.83 nDCG@10 (BM25 0.80), phrases-en 0.35 → 0.67
 * (BM25 0.68), the STSb train sets unchanged; the ratio 10 keeps near-copies of the query (STSb's
 * unjudged duplicates) out, where pinning them cost 0.01.
 */
export const DEFAULT_FUSION = {
  method: 'dbsf',
  inLanguage: { dense: 1, lexical: 0.15 },
  otherLanguage: { dense: 0.5, lexical: 1 },
  lexicalConfidence: { depth: 20, phraseTerms: 2, everyTerms: 3, passageRatio: 10 },
} as const satisfies {
  method: FusionMethod;
  inLanguage: FusionWeights;
  otherLanguage: FusionWeights;
  lexicalConfidence: LexicalConfidence;
};

/**
 * When the lexical side is sure of a hit whatever the weights say: the query (its analyzed
 * terms) is a phrase of the hit's passage, or every one of its terms is in the passage, and the
 * passage is much longer than the query (a fragment of it, not a near-copy the dense side finds
 * by itself). Checked on the lexical side's first `depth` hits.
 */
export interface LexicalConfidence {
  /** Lexical hits examined (best first). */
  depth: number;
  /** A query of at least this many terms ranks passages that hold it as a phrase first (tier 2). */
  phraseTerms: number;
  /** A query of at least this many terms ranks passages holding every term next (tier 1). */
  everyTerms: number;
  /** The passage has at least this many times the query's terms. */
  passageRatio: number;
}

export interface FusionWeights {
  dense: number;
  lexical: number;
}

/**
 * The default weights for a query: dense-led when the encoder declares the query's language
 * (by script: Cyrillic → ru, Latin → en; a mixed query needs both), lexical-led otherwise,
 * including for encoders that declare no language.
 */
export function defaultFusionWeights(query: string, languages: readonly string[] | undefined): FusionWeights {
  const lang = guessLanguage(query);
  const reads =
    languages !== undefined &&
    (lang === 'mixed'
      ? languages.includes('en') && languages.includes('ru')
      : lang !== 'unknown' && languages.includes(lang));
  return reads ? DEFAULT_FUSION.inLanguage : DEFAULT_FUSION.otherLanguage;
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
 * - minmax: Σ w · (s − min) / (max − min) / Σ w; absent = 0. Fused scores lie in [0, 1].
 * - dbsf: distribution-based score fusion (as Qdrant's): each list's scores are mapped from
 *   [μ − 3σ, μ + 3σ] to [0, 1] (clipped), absent = 0, then averaged with weights: [0, 1].
 * - zscore: Σ w · (s − μ) / σ; a hit absent from a list gets that list's lowest z.
 */
export function fuse(lists: RankedList[], options: FusionOptions = {}): FusedHit[] {
  const method = options.method ?? 'rrf';
  const k = options.k ?? 10;
  const k0 = options.k0 ?? 60;
  const statsDepth = Math.max(1, options.statsDepth ?? 50);
  const fused = new Map<string, FusedHit>();
  const floor = new Float64Array(lists.length);
  let totalWeight = 0;
  lists.forEach((list, li) => {
    const weight = list.weight ?? 1;
    totalWeight += Math.abs(weight);
    const n = Math.min(statsDepth, list.hits.length);
    let lo = Number.POSITIVE_INFINITY;
    let hi = Number.NEGATIVE_INFINITY;
    let sum = 0;
    for (let i = 0; i < n; i++) {
      const s = list.hits[i].score;
      lo = Math.min(lo, s);
      hi = Math.max(hi, s);
      sum += s;
    }
    const mean = n > 0 ? sum / n : 0;
    let variance = 0;
    for (let i = 0; i < n; i++) variance += (list.hits[i].score - mean) ** 2;
    const sd = n > 1 ? Math.sqrt(variance / n) : 0;
    const norm = (score: number, rank: number): number => {
      if (method === 'rrf') return 1 / (k0 + rank);
      if (method === 'minmax') return hi > lo ? Math.max(0, (score - lo) / (hi - lo)) : 1;
      if (method === 'dbsf') {
        if (!(sd > 0)) return 1;
        return Math.min(1, Math.max(0, (score - (mean - 3 * sd)) / (6 * sd)));
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
  if ((method === 'dbsf' || method === 'minmax') && totalWeight > 0)
    for (const f of fused.values()) f.score /= totalWeight;
  const tiers = options.tiers;
  return [...fused.values()]
    .sort(
      (a, b) =>
        (tiers ? (tiers.get(b.id) ?? 0) - (tiers.get(a.id) ?? 0) : 0) ||
        b.score - a.score ||
        (a.id < b.id ? -1 : a.id > b.id ? 1 : 0),
    )
    .slice(0, k);
}

/**
 * The tier of a passage for a query under `DEFAULT_FUSION.lexicalConfidence` (see
 * `LexicalConfidence`): 2 = holds the query as a phrase, 1 = holds every query term, 0 = neither.
 * Both lists are analyzed terms, in text order.
 */
export function lexicalTier(
  passage: readonly string[],
  query: readonly string[],
  c: LexicalConfidence = DEFAULT_FUSION.lexicalConfidence,
): number {
  if (query.length < Math.min(c.phraseTerms, c.everyTerms) || passage.length < c.passageRatio * query.length)
    return 0;
  if (query.length >= c.phraseTerms && containsPhrase(passage, query)) return 2;
  if (query.length < c.everyTerms) return 0;
  const have = new Set(passage);
  return query.every((t) => have.has(t)) ? 1 : 0;
}

/**
 * Whether `phrase` (a query's analyzed terms, in order) occurs as a run of consecutive terms of
 * `terms` (a text's analyzed terms): the query is an exact phrase of the text, up to word forms
 * and the stop words the analyzer drops.
 */
export function containsPhrase(terms: readonly string[], phrase: readonly string[]): boolean {
  const m = phrase.length;
  if (m === 0) return false;
  outer: for (let i = 0; i + m <= terms.length; i++) {
    for (let j = 0; j < m; j++) if (terms[i + j] !== phrase[j]) continue outer;
    return true;
  }
  return false;
}
