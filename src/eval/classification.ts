import { SmyslError } from '../errors.js';

import type { Label } from '../tasks/classify.js';

export type { Label };

function checkSameLength(a: readonly unknown[], b: readonly unknown[], what: string): void {
  if (a.length !== b.length)
    throw new SmyslError('E_USAGE', `${what}: lengths differ (${a.length} vs ${b.length})`);
  if (a.length === 0) throw new SmyslError('E_USAGE', `${what}: no samples`);
}

/** Sorted distinct labels of both arrays (numbers before strings, each ascending), as scikit-learn's unique_labels. */
export function uniqueLabels(...arrays: (readonly Label[])[]): Label[] {
  const set = new Set<Label>();
  for (const a of arrays) for (const x of a) set.add(x);
  return [...set].sort(compareLabels);
}

function compareLabels(a: Label, b: Label): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'number') return -1;
  if (typeof b === 'number') return 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

export function accuracy(yTrue: readonly Label[], yPred: readonly Label[]): number {
  checkSameLength(yTrue, yPred, 'accuracy');
  let ok = 0;
  for (let i = 0; i < yTrue.length; i++) if (yTrue[i] === yPred[i]) ok++;
  return ok / yTrue.length;
}

/** Confusion matrix: rows are true labels, columns predicted, in `labels` order. */
export function confusionMatrix(
  yTrue: readonly Label[],
  yPred: readonly Label[],
  labels: readonly Label[] = uniqueLabels(yTrue, yPred),
): number[][] {
  checkSameLength(yTrue, yPred, 'confusionMatrix');
  const index = new Map(labels.map((l, i) => [l, i]));
  const m = labels.map(() => new Array<number>(labels.length).fill(0));
  for (let i = 0; i < yTrue.length; i++) {
    const t = index.get(yTrue[i]);
    const p = index.get(yPred[i]);
    if (t !== undefined && p !== undefined) m[t][p]++;
  }
  return m;
}

export interface ClassScores {
  label: Label;
  precision: number;
  recall: number;
  f1: number;
  support: number;
}

export interface ClassificationReport {
  accuracy: number;
  perClass: ClassScores[];
  macro: { precision: number; recall: number; f1: number };
  micro: { precision: number; recall: number; f1: number };
  weighted: { precision: number; recall: number; f1: number };
}

/** 0/0 is defined as 0, as scikit-learn's zero_division default does (after warning). */
function ratio(a: number, b: number): number {
  return b === 0 ? 0 : a / b;
}

function f1Of(p: number, r: number): number {
  return p + r === 0 ? 0 : (2 * p * r) / (p + r);
}

/** Precision, recall and F1 per class and averaged macro/micro/weighted (scikit-learn's definitions). */
export function classificationReport(
  yTrue: readonly Label[],
  yPred: readonly Label[],
  labels: readonly Label[] = uniqueLabels(yTrue, yPred),
): ClassificationReport {
  const cm = confusionMatrix(yTrue, yPred, labels);
  const k = labels.length;
  const perClass: ClassScores[] = [];
  let tpAll = 0;
  let predAll = 0;
  let trueAll = 0;
  for (let c = 0; c < k; c++) {
    const tp = cm[c][c];
    let predicted = 0;
    let actual = 0;
    for (let j = 0; j < k; j++) {
      predicted += cm[j][c];
      actual += cm[c][j];
    }
    const precision = ratio(tp, predicted);
    const recall = ratio(tp, actual);
    perClass.push({ label: labels[c], precision, recall, f1: f1Of(precision, recall), support: actual });
    tpAll += tp;
    predAll += predicted;
    trueAll += actual;
  }
  const mean = (f: (s: ClassScores) => number) => perClass.reduce((s, c) => s + f(c), 0) / Math.max(1, k);
  const totalSupport = perClass.reduce((s, c) => s + c.support, 0);
  const wmean = (f: (s: ClassScores) => number) =>
    ratio(
      perClass.reduce((s, c) => s + f(c) * c.support, 0),
      totalSupport,
    );
  const microP = ratio(tpAll, predAll);
  const microR = ratio(tpAll, trueAll);
  return {
    accuracy: accuracy(yTrue, yPred),
    perClass,
    macro: { precision: mean((c) => c.precision), recall: mean((c) => c.recall), f1: mean((c) => c.f1) },
    micro: { precision: microP, recall: microR, f1: f1Of(microP, microR) },
    weighted: {
      precision: wmean((c) => c.precision),
      recall: wmean((c) => c.recall),
      f1: wmean((c) => c.f1),
    },
  };
}

/**
 * Binary ROC-AUC from scores of the positive class: the Mann-Whitney statistic with ties
 * counted as one half (equal to the trapezoidal area under the ROC curve).
 */
export function rocAucBinary(isPositive: readonly boolean[], scores: ArrayLike<number>): number {
  const n = isPositive.length;
  if (n !== scores.length) throw new SmyslError('E_USAGE', 'rocAuc: lengths differ');
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => scores[a] - scores[b]);
  let pos = 0;
  for (const p of isPositive) if (p) pos++;
  const neg = n - pos;
  if (pos === 0 || neg === 0)
    throw new SmyslError('E_USAGE', 'rocAuc: only one class present in y_true; ROC-AUC is undefined');
  // average ranks over ties
  let rankSumPos = 0;
  for (let i = 0; i < n; ) {
    let j = i;
    while (j + 1 < n && scores[order[j + 1]] === scores[order[i]]) j++;
    const avgRank = (i + j) / 2 + 1;
    for (let t = i; t <= j; t++) if (isPositive[order[t]]) rankSumPos += avgRank;
    i = j + 1;
  }
  return (rankSumPos - (pos * (pos + 1)) / 2) / (pos * neg);
}

/**
 * ROC-AUC. Binary: `probabilities` is one score per sample for `positiveLabel` (default: the
 * larger label). Multiclass: one row of class probabilities per sample in `labels` order,
 * one-vs-rest, averaged `macro` or `weighted` by support.
 */
export function rocAuc(
  yTrue: readonly Label[],
  probabilities: ArrayLike<number> | readonly ArrayLike<number>[],
  options: { labels?: readonly Label[]; positiveLabel?: Label; average?: 'macro' | 'weighted' } = {},
): number {
  const labels = options.labels ?? uniqueLabels(yTrue);
  const first = (probabilities as ArrayLike<unknown>)[0];
  if (typeof first === 'number') {
    const positive = options.positiveLabel ?? labels[labels.length - 1];
    return rocAucBinary(
      yTrue.map((y) => y === positive),
      probabilities as ArrayLike<number>,
    );
  }
  const rows = probabilities as readonly ArrayLike<number>[];
  let sum = 0;
  let weightSum = 0;
  for (let c = 0; c < labels.length; c++) {
    const isPos = yTrue.map((y) => y === labels[c]);
    const support = isPos.filter(Boolean).length;
    const auc = rocAucBinary(
      isPos,
      rows.map((r) => r[c]),
    );
    const w = options.average === 'weighted' ? support : 1;
    sum += auc * w;
    weightSum += w;
  }
  return sum / weightSum;
}

/**
 * Cross-entropy of predicted class probabilities (rows in `labels` order), natural log,
 * probabilities clipped to [eps, 1-eps] (eps = float64 machine epsilon, scikit-learn's "auto") and each row renormalised, as scikit-learn does.
 */
export function logLoss(
  yTrue: readonly Label[],
  probabilities: readonly ArrayLike<number>[],
  labels: readonly Label[] = uniqueLabels(yTrue),
  eps = Number.EPSILON,
): number {
  checkSameLength(yTrue, probabilities as unknown[], 'logLoss');
  const index = new Map(labels.map((l, i) => [l, i]));
  let total = 0;
  for (let i = 0; i < yTrue.length; i++) {
    const row = probabilities[i];
    const c = index.get(yTrue[i]);
    if (c === undefined) throw new SmyslError('E_USAGE', `logLoss: label ${String(yTrue[i])} not in labels`);
    let z = 0;
    for (let j = 0; j < row.length; j++) z += Math.min(1 - eps, Math.max(eps, row[j]));
    const p = Math.min(1 - eps, Math.max(eps, row[c])) / z;
    total -= Math.log(p);
  }
  return total / yTrue.length;
}
