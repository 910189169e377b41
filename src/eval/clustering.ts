import { SmyslError } from '../errors.js';
import type { Label } from './classification.js';

/** Contingency table of two labelings: counts[i][j] = #samples with a=i-th label, b=j-th label. */
function contingency(a: readonly Label[], b: readonly Label[]): number[][] {
  if (a.length !== b.length) throw new SmyslError('E_USAGE', 'clustering metric: lengths differ');
  const ia = new Map<Label, number>();
  const ib = new Map<Label, number>();
  for (const x of a) if (!ia.has(x)) ia.set(x, ia.size);
  for (const x of b) if (!ib.has(x)) ib.set(x, ib.size);
  const t = Array.from({ length: ia.size }, () => new Array<number>(ib.size).fill(0));
  for (let i = 0; i < a.length; i++) t[ia.get(a[i])!][ib.get(b[i])!]++;
  return t;
}

const comb2 = (n: number) => (n * (n - 1)) / 2;

/** Adjusted Rand index (Hubert & Arabie), as scikit-learn's adjusted_rand_score. */
export function adjustedRandIndex(labelsTrue: readonly Label[], labelsPred: readonly Label[]): number {
  const t = contingency(labelsTrue, labelsPred);
  const n = labelsTrue.length;
  let sumComb = 0;
  const rows = t.map((r) => r.reduce((s, x) => s + x, 0));
  const cols = t[0]?.map((_, j) => t.reduce((s, r) => s + r[j], 0)) ?? [];
  for (const r of t) for (const x of r) sumComb += comb2(x);
  const sumA = rows.reduce((s, x) => s + comb2(x), 0);
  const sumB = cols.reduce((s, x) => s + comb2(x), 0);
  const expected = (sumA * sumB) / comb2(n);
  const max = (sumA + sumB) / 2;
  // identical trivial partitions (all one cluster, or all singletons): perfect agreement
  if (max === expected) return 1;
  return (sumComb - expected) / (max - expected);
}

function entropy(counts: readonly number[], n: number): number {
  let h = 0;
  for (const c of counts) if (c > 0) h -= (c / n) * Math.log(c / n);
  return h;
}

/** Normalized mutual information with the arithmetic-mean normalizer (scikit-learn's default). */
export function normalizedMutualInformation(
  labelsTrue: readonly Label[],
  labelsPred: readonly Label[],
): number {
  const t = contingency(labelsTrue, labelsPred);
  const n = labelsTrue.length;
  const rows = t.map((r) => r.reduce((s, x) => s + x, 0));
  const cols = t[0]?.map((_, j) => t.reduce((s, r) => s + r[j], 0)) ?? [];
  // a single cluster on both sides: sklearn defines NMI as 1
  if (rows.length === 1 && cols.length === 1) return 1;
  let mi = 0;
  for (let i = 0; i < t.length; i++)
    for (let j = 0; j < t[i].length; j++) {
      const c = t[i][j];
      if (c > 0) mi += (c / n) * Math.log((c * n) / (rows[i] * cols[j]));
    }
  const norm = (entropy(rows, n) + entropy(cols, n)) / 2;
  return norm === 0 ? 0 : Math.max(0, mi) / norm;
}

// computed in tasks, where choosing k uses it; exported here beside the other clustering metrics
export { silhouetteScore } from '../tasks/cluster.js';
