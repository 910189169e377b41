import assert from 'node:assert/strict';
import { test } from 'node:test';
import { rankByCosine, runBench, stratifiedHoldOut } from '../../src/eval/bench.js';
import type { DenseMatrix, SparseMatrix } from '../../src/vectors/types.js';

test('rankByCosine ranks by cosine (hand-computed), ties by document order, sparse as dense', () => {
  // documents (1,0), (1,1), (0,1), (2,0); query (1,0.1): cosines .995, .777, .0995, .995
  const docs: DenseMatrix = { rows: 4, dim: 2, data: Float32Array.from([1, 0, 1, 1, 0, 1, 2, 0]) };
  const queries: DenseMatrix = { rows: 1, dim: 2, data: Float32Array.from([1, 0.1]) };
  assert.deepEqual(Array.from(rankByCosine(queries, docs, 3)[0]), [0, 3, 1]);
  const sparseDocs: SparseMatrix = {
    rows: 4,
    cols: 2,
    indptr: Int32Array.from([0, 1, 3, 4, 5]),
    indices: Int32Array.from([0, 0, 1, 1, 0]),
    data: Float32Array.from([1, 1, 1, 1, 2]),
  };
  const sparseQuery: SparseMatrix = {
    rows: 1,
    cols: 2,
    indptr: Int32Array.from([0, 2]),
    indices: Int32Array.from([0, 1]),
    data: Float32Array.from([1, 0.1]),
  };
  assert.deepEqual(Array.from(rankByCosine(sparseQuery, sparseDocs, 4)[0]), [0, 3, 1, 2]);
  assert.throws(() => rankByCosine(queries, sparseDocs, 1), { code: 'E_USAGE' });
});

test('stratifiedHoldOut keeps a fifth of each class for testing, no text in both halves', () => {
  const labels = [...Array(10).fill('a'), ...Array(5).fill('b')];
  const texts = labels.map((l, i) => `${l}${i}`);
  const { train, test } = stratifiedHoldOut({ texts, labels });
  assert.deepEqual(
    [test.labels.filter((l) => l === 'a').length, test.labels.filter((l) => l === 'b').length],
    [2, 1],
  );
  assert.equal(train.texts.length + test.texts.length, texts.length);
  assert.equal(new Set([...train.texts, ...test.texts]).size, texts.length);
});

test('runBench turns a method that cannot run into an error row and goes on', async () => {
  const pairs = [
    { a: 'кошка спит', b: 'кошка спит дома', score: 4 },
    { a: 'поезд едет', b: 'кошка спит', score: 0 },
    { a: 'поезд едет быстро', b: 'поезд едет', score: 3 },
  ];
  const seen: string[] = [];
  const rows = await runBench(
    ['bow', 'no-such-method'],
    { task: 'sts', pairs },
    { onRow: (r) => seen.push(r.embedder) },
  );
  assert.deepEqual(seen, ['bow', 'no-such-method']);
  // bow cosines: 2/sqrt(6) = .816, 0, 2/sqrt(6) = .816 → ranks (2.5, 1, 2.5) against gold (3, 1, 2)
  assert.ok(Math.abs(rows[0].metrics.spearman - 86.6025) < 1e-3, String(rows[0].metrics.spearman));
  assert.equal(rows[1].error !== undefined, true);
  assert.deepEqual(rows[1].metrics, {});
});
