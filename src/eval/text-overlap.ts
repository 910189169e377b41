/**
 * Text-overlap metrics over token arrays: BLEU (corpus level, NLTK's definition), ROUGE-N and
 * ROUGE-L F-measure, Distinct-N, exact match. Tokenization is the caller's choice.
 */

function ngramCounts(tokens: readonly string[], n: number): Map<string, number> {
  const m = new Map<string, number>();
  for (let i = 0; i + n <= tokens.length; i++) {
    const g = tokens.slice(i, i + n).join('\u0001');
    m.set(g, (m.get(g) ?? 0) + 1);
  }
  return m;
}

export type BleuSmoothing = 'none' | 'add-epsilon' | 'add-one' | 'exp-decay';

export interface BleuOptions {
  /** Weights of the 1..N-gram precisions (default four equal weights). */
  weights?: readonly number[];
  /**
   * none: NLTK's method0 (a zero precision makes BLEU 0); add-epsilon: method1 (epsilon 0.1
   * added to zero counts); add-one: method2 (add 1 to numerator and denominator for n > 1);
   * exp-decay: method3 (NIST geometric sequence 1/2^k for zero counts).
   */
  smoothing?: BleuSmoothing;
}

/**
 * Corpus BLEU as NLTK's corpus_bleu: clipped n-gram counts summed over the corpus, closest
 * reference length for the brevity penalty (shorter wins ties).
 */
export function corpusBleu(
  references: readonly (readonly (readonly string[])[])[],
  hypotheses: readonly (readonly string[])[],
  options: BleuOptions = {},
): number {
  const weights = options.weights ?? [0.25, 0.25, 0.25, 0.25];
  const smoothing = options.smoothing ?? 'none';
  const maxN = weights.length;
  const num = new Float64Array(maxN);
  const den = new Float64Array(maxN);
  let hypLen = 0;
  let refLen = 0;
  for (let s = 0; s < hypotheses.length; s++) {
    const hyp = hypotheses[s];
    const refs = references[s];
    hypLen += hyp.length;
    let best = Number.POSITIVE_INFINITY;
    let bestLen = 0;
    for (const r of refs) {
      const d = Math.abs(r.length - hyp.length);
      if (d < best || (d === best && r.length < bestLen)) {
        best = d;
        bestLen = r.length;
      }
    }
    refLen += bestLen;
    for (let n = 1; n <= maxN; n++) {
      const hc = ngramCounts(hyp, n);
      const maxRef = new Map<string, number>();
      for (const r of refs)
        for (const [g, c] of ngramCounts(r, n)) maxRef.set(g, Math.max(maxRef.get(g) ?? 0, c));
      let clipped = 0;
      let total = 0;
      for (const [g, c] of hc) {
        clipped += Math.min(c, maxRef.get(g) ?? 0);
        total += c;
      }
      num[n - 1] += clipped;
      den[n - 1] += Math.max(1, total);
    }
  }
  if (num[0] === 0) return 0;
  const bp = hypLen > refLen ? 1 : hypLen === 0 ? 0 : Math.exp(1 - refLen / hypLen);
  let logSum = 0;
  let incvnt = 1;
  for (let i = 0; i < maxN; i++) {
    let p: number;
    if (smoothing === 'add-one' && i > 0) p = (num[i] + 1) / (den[i] + 1);
    else if (num[i] > 0) p = num[i] / den[i];
    else if (smoothing === 'add-epsilon') p = 0.1 / den[i];
    else if (smoothing === 'exp-decay') {
      incvnt *= 2;
      p = 1 / (incvnt * den[i]);
    } else return 0; // method0: any zero precision gives BLEU 0 (NLTK warns and returns 0)
    logSum += weights[i] * Math.log(p);
  }
  return bp * Math.exp(logSum);
}

export interface PRF {
  precision: number;
  recall: number;
  f: number;
}

function prf(overlap: number, candTotal: number, refTotal: number): PRF {
  const precision = candTotal === 0 ? 0 : overlap / candTotal;
  const recall = refTotal === 0 ? 0 : overlap / refTotal;
  const f = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
  return { precision, recall, f };
}

/** ROUGE-N (clipped n-gram overlap) of one candidate against one reference. */
export function rougeN(reference: readonly string[], candidate: readonly string[], n: number): PRF {
  const rc = ngramCounts(reference, n);
  const cc = ngramCounts(candidate, n);
  let overlap = 0;
  for (const [g, c] of cc) overlap += Math.min(c, rc.get(g) ?? 0);
  return prf(overlap, Math.max(0, candidate.length - n + 1), Math.max(0, reference.length - n + 1));
}

/** ROUGE-L: longest common subsequence based precision, recall and F1. */
export function rougeL(reference: readonly string[], candidate: readonly string[]): PRF {
  const m = reference.length;
  const n = candidate.length;
  let prev = new Int32Array(n + 1);
  let cur = new Int32Array(n + 1);
  for (let i = 1; i <= m; i++) {
    for (let j = 1; j <= n; j++)
      cur[j] = reference[i - 1] === candidate[j - 1] ? prev[j - 1] + 1 : Math.max(prev[j], cur[j - 1]);
    [prev, cur] = [cur, prev];
  }
  return prf(prev[n], n, m);
}

/** Distinct-N: distinct n-grams divided by all n-grams over a set of outputs. */
export function distinctN(outputs: readonly (readonly string[])[], n: number): number {
  const seen = new Set<string>();
  let total = 0;
  for (const o of outputs) {
    for (let i = 0; i + n <= o.length; i++) {
      seen.add(o.slice(i, i + n).join('\u0001'));
      total++;
    }
  }
  return total === 0 ? 0 : seen.size / total;
}

/** Fraction of predictions exactly equal to their reference (after `normalize`, default trim). */
export function exactMatch(
  references: readonly string[],
  predictions: readonly string[],
  normalize: (s: string) => string = (s) => s.trim(),
): number {
  if (references.length === 0) return 0;
  let ok = 0;
  for (let i = 0; i < references.length; i++)
    if (normalize(references[i]) === normalize(predictions[i])) ok++;
  return ok / references.length;
}
