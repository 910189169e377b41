import assert from 'node:assert/strict';
import { test } from 'node:test';
import { adjustedRandIndex } from '../../src/eval/clustering.js';
import {
  KnnClassifier,
  LogisticRegression,
  selectFeatureRows,
  stratifiedKFold,
} from '../../src/tasks/classify.js';
import { kmeans, kmeansBestK } from '../../src/tasks/cluster.js';
import { seededRandom } from '../../src/vectors/random.js';
import type { DenseMatrix, SparseMatrix } from '../../src/vectors/types.js';

/** Gaussian blobs around well-separated centres. */
function blobs(
  centres: number[][],
  perClass: number,
  spread: number,
  seed = 3,
): { x: DenseMatrix; y: number[] } {
  const rand = seededRandom(seed);
  const gauss = () => Math.sqrt(-2 * Math.log(rand() + 1e-12)) * Math.cos(2 * Math.PI * rand());
  const dim = centres[0].length;
  const data: number[] = [];
  const y: number[] = [];
  centres.forEach((c, label) => {
    for (let i = 0; i < perClass; i++) {
      for (let d = 0; d < dim; d++) data.push(c[d] + spread * gauss());
      y.push(label);
    }
  });
  return { x: { rows: y.length, dim, data: Float32Array.from(data) }, y };
}

const centres = [
  [0, 0, 0],
  [6, 0, 0],
  [0, 6, 0],
  [0, 0, 6],
];

test('logistic regression separates blobs and its probabilities sum to 1', () => {
  const { x, y } = blobs(centres, 50, 1);
  const lr = new LogisticRegression({ epochs: 50, seed: 2 }).fit(x, y);
  const pred = lr.predict(x);
  const acc = pred.filter((p, i) => p === y[i]).length / y.length;
  assert.ok(acc > 0.97, `accuracy ${acc}`);
  for (const p of lr.predictProba(x).slice(0, 10))
    assert.ok(Math.abs(p.reduce((s, v) => s + v, 0) - 1) < 1e-12);
  assert.ok(lr.epochsRun <= 50);
  const back = LogisticRegression.fromJSON(JSON.parse(JSON.stringify(lr.toJSON())));
  assert.deepEqual(back.predict(x), pred);
});

test('logistic regression on sparse features learns word-indicator classes', () => {
  // feature 0..3 indicate class 0, 4..7 class 1; rows have two active features
  const rows = 80;
  const indptr = new Int32Array(rows + 1);
  const indices: number[] = [];
  const y: number[] = [];
  const rand = seededRandom(5);
  for (let i = 0; i < rows; i++) {
    const c = i % 2;
    indices.push(c * 4 + Math.floor(rand() * 4), 8 + Math.floor(rand() * 4)); // plus a noise feature
    indptr[i + 1] = indices.length;
    y.push(c);
  }
  const x: SparseMatrix = {
    rows,
    cols: 12,
    indptr,
    indices: Int32Array.from(indices),
    data: new Float32Array(indices.length).fill(1),
  };
  const lr = new LogisticRegression({ epochs: 30 }).fit(x, y);
  assert.deepEqual(lr.predict(x), y);
});

test('balanced class weights raise recall of a rare class', () => {
  // overlapping blobs with a 10:1 imbalance
  const big = blobs([[0, 0]], 200, 1.2, 11);
  const small = blobs([[1.5, 1.5]], 20, 1.2, 12);
  const x: DenseMatrix = { rows: 220, dim: 2, data: Float32Array.from([...big.x.data, ...small.x.data]) };
  const y = [...big.y, ...small.y.map(() => 1)];
  const recall = (m: LogisticRegression) => {
    const p = m.predict(x);
    return p.filter((v, i) => y[i] === 1 && v === 1).length / 20;
  };
  const plain = recall(new LogisticRegression({ epochs: 40 }).fit(x, y));
  const balanced = recall(new LogisticRegression({ epochs: 40, classWeight: 'balanced' }).fit(x, y));
  assert.ok(balanced > plain, `balanced recall ${balanced} should beat ${plain}`);
});

test('kNN (cosine) predicts the majority of the nearest neighbours', () => {
  const x: DenseMatrix = { rows: 4, dim: 2, data: Float32Array.from([1, 0, 0.9, 0.1, 0, 1, 0.1, 0.9]) };
  const knn = new KnnClassifier(1).fit(x, ['east', 'east', 'north', 'north']);
  const q: DenseMatrix = { rows: 2, dim: 2, data: Float32Array.from([5, 1, 0.2, 3]) };
  assert.deepEqual(knn.predict(q), ['east', 'north']);
});

test('stratified k-fold covers every sample once and keeps class balance', () => {
  const y = [...Array(30).fill('a'), ...Array(10).fill('b')];
  const folds = stratifiedKFold(y, 5, 1);
  assert.deepEqual(
    folds
      .flat()
      .sort((a, b) => a - b)
      .join(),
    Array.from({ length: 40 }, (_, i) => i).join(),
  );
  for (const f of folds) {
    assert.equal(f.length, 8);
    assert.equal(f.filter((i) => y[i] === 'b').length, 2);
  }
  const sub = selectFeatureRows(
    { rows: 3, dim: 2, data: Float32Array.from([1, 2, 3, 4, 5, 6]) },
    [2, 0],
  ) as DenseMatrix;
  assert.deepEqual([...sub.data], [5, 6, 1, 2]);
});

test('k-means recovers blobs (full and mini-batch); best k by silhouette is the planted one', () => {
  const { x, y } = blobs(centres, 40, 0.8);
  const full = kmeans(x, { k: 4, seed: 1 });
  assert.equal(adjustedRandIndex(y, [...full.labels]), 1);
  const mini = kmeans(x, { k: 4, seed: 1, miniBatch: 32 });
  assert.ok(adjustedRandIndex(y, [...mini.labels]) > 0.95);
  assert.ok(mini.inertia >= full.inertia - 1e-6);
  const best = kmeansBestK(x, 2, 7, { seed: 1 });
  assert.equal(best.k, 4);
  assert.equal(best.tried.length, 6);
  assert.throws(() => kmeans(x, { k: 1000 }), /exceeds the number of samples/);
});

test('k-means inertia is the hand-computed value on a tiny set', () => {
  const x: DenseMatrix = { rows: 4, dim: 1, data: Float32Array.from([0, 2, 10, 12]) };
  const r = kmeans(x, { k: 2, seed: 3 });
  assert.equal(r.inertia, 4); // centres 1 and 11, each point at distance 1
  assert.deepEqual(
    [...r.centroids.data].sort((a, b) => a - b),
    [1, 11],
  );
});
