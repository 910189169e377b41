import assert from 'node:assert/strict';
import { test } from 'node:test';
import { densify, isSparse, rowCosines, unitRows } from '../../src/vectors/rows.js';
import type { DenseMatrix, SparseMatrix } from '../../src/vectors/types.js';

// Row 0: (3, 4, 0); row 1: all zeros; row 2: (0, 0, 2).
const sparse: SparseMatrix = {
  rows: 3,
  cols: 3,
  indptr: Int32Array.from([0, 2, 2, 3]),
  indices: Int32Array.from([0, 1, 2]),
  data: Float32Array.from([3, 4, 2]),
};
const dense: DenseMatrix = { rows: 3, dim: 3, data: Float32Array.from([3, 4, 0, 0, 0, 0, 0, 0, 2]) };

test('densify writes sparse rows out in full and refuses sizes over the limit', () => {
  assert.equal(isSparse(sparse), true);
  assert.equal(isSparse(dense), false);
  assert.deepEqual(Array.from(densify(sparse).data), Array.from(dense.data));
  assert.equal(densify(dense), dense);
  assert.throws(() => densify(sparse, 8), { code: 'E_USAGE' });
});

test('rowCosines pairs row i with row i (hand-computed), sparse and dense alike; zero rows give 0', () => {
  // (3,4,0)·(0,4,3) = 16, norms 5 and 5 → 0.64; zero row → 0; (0,0,2)·(0,0,-1) → -1
  const other: DenseMatrix = { rows: 3, dim: 3, data: Float32Array.from([0, 4, 3, 1, 1, 1, 0, 0, -1]) };
  const expected = [0.64, 0, -1];
  const fromDense = rowCosines(dense, other);
  const fromSparse = rowCosines(sparse, other);
  for (let i = 0; i < 3; i++) {
    assert.ok(Math.abs(fromDense[i] - expected[i]) < 1e-9, `dense row ${i}: ${fromDense[i]}`);
    assert.ok(Math.abs(fromSparse[i] - expected[i]) < 1e-9, `sparse row ${i}: ${fromSparse[i]}`);
  }
  const self = rowCosines(sparse, sparse);
  assert.deepEqual(Array.from(self), [1, 0, 1]);
});

test('unitRows scales each row to length 1 and leaves the input alone', () => {
  const u = unitRows(dense);
  assert.deepEqual(
    Array.from(u.data, (x) => Math.round(x * 1e6) / 1e6),
    [0.6, 0.8, 0, 0, 0, 0, 0, 0, 1],
  );
  assert.equal(dense.data[0], 3);
  const s = unitRows(sparse);
  assert.deepEqual(
    Array.from(s.data, (x) => Math.round(x * 1e6) / 1e6),
    [0.6, 0.8, 1],
  );
  assert.ok(isSparse(s));
});
