import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import {
  nnz,
  normalizeRows,
  readMatrixMarket,
  SparseMatrixBuilder,
  sparseCosine,
  sparseDot,
  sparseFromRows,
  sparseGet,
  sparseRow,
  sparseToDense,
  transposeSparse,
  writeMatrixMarket,
} from '../../src/vectors/sparse.js';

const m = sparseFromRows(
  [
    [
      [2, 3],
      [0, 1],
    ],
    [],
    [
      [1, 2],
      [2, -1],
    ],
  ],
  4,
);

test('CSR built from rows: sorted indices, row access, get', () => {
  assert.deepEqual([...m.indptr], [0, 2, 2, 4]);
  assert.deepEqual([...m.indices], [0, 2, 1, 2]);
  assert.deepEqual([...sparseRow(m, 2).data], [2, -1]);
  assert.equal(sparseGet(m, 0, 2), 3);
  assert.equal(sparseGet(m, 1, 2), 0);
  assert.equal(nnz(m), 4);
  assert.throws(() => sparseRow(m, 3), RangeError);
});

test('dot and cosine by hand', () => {
  // row0 = (1,0,3,0), row2 = (0,2,-1,0): dot = -3; |row0| = sqrt(10), |row2| = sqrt(5)
  assert.equal(sparseDot(m, 0, m, 2), -3);
  assert.ok(Math.abs(sparseCosine(m, 0, m, 2) - -3 / Math.sqrt(50)) < 1e-12);
  assert.equal(sparseCosine(m, 0, m, 1), 0);
  assert.ok(Math.abs(sparseCosine(m, 0, m, 0) - 1) < 1e-7);
});

test('transpose and dense agree', () => {
  const t = transposeSparse(m);
  const d = sparseToDense(m);
  const dt = sparseToDense(t);
  for (let i = 0; i < 3; i++) for (let j = 0; j < 4; j++) assert.equal(d[i * 4 + j], dt[j * 3 + i]);
});

test('normalizeRows l2 and l1', () => {
  const a = normalizeRows(
    sparseFromRows(
      [
        [
          [0, 3],
          [1, 4],
        ],
      ],
      2,
    ),
    'l2',
  );
  assert.deepEqual(
    [...a.data].map((x) => Math.round(x * 1e6) / 1e6),
    [0.6, 0.8],
  );
  const b = normalizeRows(
    sparseFromRows(
      [
        [
          [0, 1],
          [1, -3],
        ],
      ],
      2,
    ),
    'l1',
  );
  assert.deepEqual([...b.data], [0.25, -0.75]);
});

test('builder grows past its initial capacity', () => {
  const b = new SparseMatrixBuilder(100, 1, 1);
  for (let i = 0; i < 50; i++) {
    for (let j = 0; j < 20; j++) b.push(j, i + j);
    b.endRow();
  }
  const x = b.build();
  assert.equal(x.rows, 50);
  assert.equal(nnz(x), 1000);
  assert.equal(sparseGet(x, 49, 19), 68);
});

test('builder joins many blocks, including a reserve larger than a block', () => {
  const b = new SparseMatrixBuilder(10, 16, 1);
  let expected = 0;
  for (let i = 0; i < 300; i++) {
    const width = i === 150 ? 70_000 : 1000;
    b.reserve(width);
    for (let j = 0; j < width; j++) b.push(j % 10, i);
    expected += width;
    b.endRow();
  }
  const x = b.build();
  assert.equal(x.rows, 300);
  assert.equal(nnz(x), expected);
  assert.equal(x.indptr[151] - x.indptr[150], 70_000);
  // every entry of row i holds i, across block boundaries
  for (const i of [0, 65, 149, 150, 151, 299]) {
    const s = x.indptr[i];
    assert.equal(x.data[s], i);
    assert.equal(x.data[x.indptr[i + 1] - 1], i);
  }
});

test('Matrix Market round trip with a vocabulary file', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'smysl-mtx-'));
  const file = path.join(dir, 'm.mtx');
  const vocab = path.join(dir, 'vocab.txt');
  await writeMatrixMarket(file, m, { vocabulary: ['a', 'b\nc', 'd', 'e'], vocabularyFile: vocab });
  const text = readFileSync(file, 'utf8');
  assert.ok(text.startsWith('%%MatrixMarket matrix coordinate real general\n'));
  assert.ok(text.includes('\n3 4 4\n'));
  assert.ok(text.includes('\n1 3 3\n'));
  const back = await readMatrixMarket(file);
  assert.deepEqual(sparseToDense(back), sparseToDense(m));
  assert.deepEqual(readFileSync(vocab, 'utf8').split('\n'), ['a', 'b\\nc', 'd', 'e', '']);
});
