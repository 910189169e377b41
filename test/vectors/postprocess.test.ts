import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import {
  AllButTheTop,
  anisotropyReport,
  BinaryQuantization,
  Center,
  cosine,
  createMatrix,
  type DenseMatrix,
  dotBatch,
  euclidean,
  Int8Quantization,
  L2Normalize,
  matrixFromRows,
  Pca,
  Pipeline,
  parsePipeline,
  readNpy,
  Standardize,
  seededRandom,
  similarityBatch,
  symmetricEigen,
  TopK,
  Truncate,
  writeNpy,
} from '../../src/vectors/index.js';

const golden = JSON.parse(
  readFileSync(new URL('../../../test/golden/vectors_postprocess.json', import.meta.url), 'utf8'),
) as Record<string, number[]> & { rows: number; dim: number };
const X: DenseMatrix = { rows: golden.rows, dim: golden.dim, data: Float32Array.from(golden.X) };

function close(actual: ArrayLike<number>, expected: ArrayLike<number>, tolerance: number, what: string) {
  assert.equal(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < expected.length; i++)
    assert.ok(
      Math.abs(actual[i] - expected[i]) <= tolerance * Math.max(1, Math.abs(expected[i])),
      `${what}[${i}]: ${actual[i]} vs ${expected[i]}`,
    );
}

test('single similarities match hand-computed values', () => {
  assert.equal(cosine([1, 0], [0, 1]), 0);
  assert.ok(Math.abs(cosine([1, 2, 2], [2, 4, 4]) - 1) < 1e-12);
  assert.equal(euclidean([0, 0], [3, 4]), 5);
  assert.equal(cosine([0, 0], [1, 1]), 0);
});

test('batched dot, cosine and Euclidean match numpy', () => {
  const queries: DenseMatrix = { rows: 3, dim: X.dim, data: X.data.slice(0, 3 * X.dim) };
  close(dotBatch(queries, X), golden.dot_q3, 1e-5, 'dot');
  close(similarityBatch(queries, X, 'cosine'), golden.cos_q3, 1e-5, 'cosine');
  close(similarityBatch(queries, X, 'euclidean'), golden.euclid_q3, 1e-3, 'euclidean');
  // 5 queries: exercises the 4-query block and the remainder path
  const five: DenseMatrix = { rows: 5, dim: X.dim, data: X.data.slice(0, 5 * X.dim) };
  const scores = dotBatch(five, X);
  for (let q = 0; q < 5; q++)
    for (let r = 0; r < X.rows; r++) {
      let s = 0;
      for (let j = 0; j < X.dim; j++) s += X.data[q * X.dim + j] * X.data[r * X.dim + j];
      assert.ok(Math.abs(scores[q * X.rows + r] - s) < 1e-4);
    }
});

test('Jacobi eigendecomposition: hand-computed 2x2 and numpy covariance spectrum', () => {
  const e = symmetricEigen([2, 1, 1, 2], 2);
  close(e.values, [3, 1], 1e-12, 'values');
  close(
    e.vectors,
    [Math.SQRT1_2, Math.SQRT1_2, -Math.SQRT1_2, Math.SQRT1_2].map((v, i) => (i >= 2 ? -v : v)),
    1e-12,
    'vectors',
  );
  const pca = new Pca({ components: 3 });
  pca.fit(X);
  close(pca.explainedVariance!, golden.eigenvalues.slice(0, 3), 1e-5, 'eigenvalues');
  close(pca.basis!, golden.components, 1e-4, 'components');
  close(pca.explainedVarianceRatio!, golden.explained_variance_ratio, 1e-5, 'ratio');
});

test('centering, z-score, PCA, whitening and all-but-the-top match numpy', () => {
  const center = new Center();
  center.fit(X);
  close(center.mean!, golden.mean, 1e-5, 'mean');
  const z = new Standardize();
  z.fit(X);
  close(z.scale!, golden.std, 1e-5, 'std');
  const standardized = z.transform(X);
  // every column of a z-scored matrix has mean 0 and population variance 1
  for (let j = 0; j < X.dim; j++) {
    let s = 0;
    let ss = 0;
    for (let r = 0; r < X.rows; r++) {
      s += standardized.data[r * X.dim + j];
      ss += standardized.data[r * X.dim + j] ** 2;
    }
    assert.ok(Math.abs(s / X.rows) < 1e-5);
    assert.ok(Math.abs(ss / X.rows - 1) < 1e-4);
  }
  const pca = new Pca({ components: 3 });
  pca.fit(X);
  close(pca.transform(X).data, golden.pca3, 1e-4, 'pca');
  const whiten = new Pca({ components: 3, whiten: true });
  whiten.fit(X);
  close(whiten.transform(X).data, golden.whiten3, 1e-4, 'whiten');
  const abtt = new AllButTheTop(2);
  abtt.fit(X);
  close(abtt.transform(X).data, golden.abtt2, 1e-4, 'abtt');
});

test('L2 normalization and truncation by hand', () => {
  const m = matrixFromRows([
    [3, 4, 1],
    [0, 0, 0],
  ]);
  const n = new L2Normalize().transform(m);
  const length = Math.sqrt(26);
  close(n.data, [3 / length, 4 / length, 1 / length, 0, 0, 0], 1e-6, 'l2');
  assert.equal(m.data[0], 3, 'input unchanged');
  const t = new Truncate(2).transform(m);
  assert.deepEqual([...t.data], [3, 4, 0, 0]);
  assert.equal(t.dim, 2);
});

test('pipeline save/load reproduces the transform exactly', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'smysl-pipe-'));
  try {
    const pipeline = parsePipeline('center,pca:4:whiten,abtt:1,standardize,truncate:3,int8,l2');
    const expected = pipeline.fitTransform(X);
    await pipeline.save(dir);
    const loaded = await Pipeline.load(dir);
    assert.equal(loaded.label, pipeline.label);
    assert.deepEqual([...loaded.transform(X).data], [...expected.data]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('pipeline refuses to transform before fit', () => {
  assert.throws(() => new Center().transform(X), /not fitted/);
});

function randomMatrix(rows: number, dim: number, seed: number): DenseMatrix {
  const random = seededRandom(seed);
  const m = createMatrix(rows, dim);
  for (let i = 0; i < m.data.length; i++) m.data[i] = random() * 2 - 1 + (i % dim === 0 ? 0.5 : 0);
  return m;
}

function exactTop(query: Float32Array, m: DenseMatrix, k: number): number[] {
  const top = new TopK(k);
  for (let r = 0; r < m.rows; r++) {
    let s = 0;
    for (let j = 0; j < m.dim; j++) s += query[j] * m.data[r * m.dim + j];
    top.push(r, s);
  }
  return top.sorted().items;
}

test('int8 and binary quantization with rescoring recover the exact top-10', () => {
  const m = randomMatrix(2000, 32, 3);
  const int8 = new Int8Quantization();
  int8.fit(m);
  const codes = int8.encode(m);
  // round-trip error is at most half a quantization step per dimension
  const decoded = int8.decode(codes, m.rows);
  for (let i = 0; i < m.data.length; i++)
    assert.ok(Math.abs(decoded.data[i] - m.data[i]) <= int8.step![i % 32] / 2 + 1e-6);
  const binary = new BinaryQuantization();
  binary.fit(m);
  const bits = binary.encode(m);
  assert.equal(bits.length, 2000 * 4);
  let int8Hits = 0;
  let binaryHits = 0;
  for (let q = 0; q < 20; q++) {
    const query = m.data.slice(q * 32, q * 32 + 32);
    const truth = exactTop(query, m, 10);
    const a = int8.search(query, codes, m.rows, 10, m, 4).map((h) => h.row);
    const b = binary.search(query, bits, m.rows, 10, m, 20).map((h) => h.row);
    int8Hits += a.filter((r) => truth.includes(r)).length;
    binaryHits += b.filter((r) => truth.includes(r)).length;
    // rescored scores are exact dot products
    const best = int8.search(query, codes, m.rows, 1, m)[0];
    assert.equal(best.row, exactTop(query, m, 1)[0]);
    assert.ok(Math.abs(best.score - dotOf(query, m, best.row)) < 1e-9);
  }
  assert.ok(int8Hits / 200 >= 0.98, `int8 recall ${int8Hits / 200}`);
  assert.ok(binaryHits / 200 >= 0.8, `binary recall ${binaryHits / 200}`);
});

function dotOf(query: Float32Array, m: DenseMatrix, r: number): number {
  let s = 0;
  for (let j = 0; j < m.dim; j++) s += query[j] * m.data[r * m.dim + j];
  return s;
}

test('anisotropy report: centering removes the common direction', () => {
  const m = randomMatrix(3000, 16, 5);
  for (let r = 0; r < m.rows; r++) for (let j = 0; j < 16; j++) m.data[r * 16 + j] += 2; // shared offset
  const report = anisotropyReport(m, parsePipeline('center,l2').steps, { pairs: 2000 });
  assert.deepEqual(
    report.map((r) => r.step),
    ['input', 'center', 'l2'],
  );
  assert.ok(report[0].meanCosine > 0.8, `input mean cosine ${report[0].meanCosine}`);
  assert.ok(Math.abs(report[1].meanCosine) < 0.05, `centered mean cosine ${report[1].meanCosine}`);
  assert.ok(Math.abs(report[2].meanNorm - 1) < 1e-6);
  // uniform independent dims: top PC share near 1/16 after centering
  assert.ok(report[1].topComponentShare < 0.15);
});

test('.npy round trip', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'smysl-npy-'));
  try {
    await writeNpy(path.join(dir, 'x.npy'), X);
    const back = await readNpy(path.join(dir, 'x.npy'));
    assert.equal(back.rows, X.rows);
    assert.deepEqual([...back.data], [...X.data]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
