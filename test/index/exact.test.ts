import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { ExactIndex, type ExactIndexOptions } from '../../src/index/exact.js';
import { exactModule, fromHalf, kernelsFused, toHalf } from '../../src/index/exact-kernels.js';
import type { IndexMetric, RowHits } from '../../src/index/types.js';
import { seededRandom } from '../../src/vectors/random.js';
import type { DenseMatrix } from '../../src/vectors/types.js';

function randomMatrix(rows: number, dim: number, seed: number): DenseMatrix {
  const random = seededRandom(seed);
  const data = new Float32Array(rows * dim);
  for (let i = 0; i < data.length; i++) data[i] = random() * 2 - 1;
  return { rows, dim, data };
}

/** Float64 scores of every stored row (decoded from the index, so f16/i8 are scored as stored). */
function referenceScores(index: ExactIndex, query: Float32Array, metric: IndexMetric): Float64Array {
  const dim = index.dim;
  let q = Array.from(query);
  if (metric === 'cosine') {
    const n = Math.hypot(...q);
    q = q.map((x) => Math.fround(x / n));
  }
  const row = new Float32Array(dim);
  const out = new Float64Array(index.rowCount);
  for (let r = 0; r < index.rowCount; r++) {
    index.readRow(r, row);
    let s = 0;
    for (let d = 0; d < dim; d++) s += metric === 'euclidean' ? (q[d] - row[d]) ** 2 : q[d] * row[d];
    out[r] = metric === 'euclidean' ? -Math.sqrt(s) : s;
  }
  return out;
}

/** Our top k against the float64 reference: same scores to 1e-5; rows beyond a near-tie must match exactly. */
function assertExact(
  hits: RowHits,
  reference: Float64Array,
  k: number,
  removed: Set<number>,
  what: string,
): void {
  const order = Array.from(reference.keys())
    .filter((r) => !removed.has(r))
    .sort((a, b) => reference[b] - reference[a] || a - b);
  assert.equal(hits.rows.length, Math.min(k, order.length), what);
  for (let i = 0; i < hits.rows.length; i++) {
    const want = reference[order[i]];
    assert.ok(Math.abs(hits.scores[i] - want) < 1e-5, `${what}: score ${i} ${hits.scores[i]} vs ${want}`);
    assert.ok(
      Math.abs(reference[hits.rows[i]] - hits.scores[i]) < 1e-5,
      `${what}: row ${hits.rows[i]} scored right`,
    );
    assert.ok(!removed.has(hits.rows[i]), `${what}: removed row returned`);
    // a row whose score is clear of its neighbours' (beyond f32 rounding) is exactly the reference's
    const gap = Math.min(
      i > 0 ? reference[order[i - 1]] - want : Number.POSITIVE_INFINITY,
      i + 1 < order.length ? want - reference[order[i + 1]] : Number.POSITIVE_INFINITY,
    );
    if (gap > 1e-5) assert.equal(hits.rows[i], order[i], `${what}: rank ${i}`);
  }
  for (let i = 1; i < hits.scores.length; i++)
    assert.ok(hits.scores[i - 1] >= hits.scores[i], `${what}: sorted`);
}

for (const precision of ['f32', 'f16', 'i8'] as const)
  for (const metric of ['cosine', 'dot', 'euclidean'] as const)
    test(`exact index ${precision} ${metric}: the top k of every query is the float64 reference's`, () => {
      // 1,003 rows (not a multiple of the 16-row block), an odd dimension, 70 queries (a group of 64 and more)
      const dim = 37;
      const m = randomMatrix(1003, dim, 11);
      const index = new ExactIndex(dim, { metric, precision, threads: 1 });
      index.addRows({ rows: 500, dim, data: m.data.subarray(0, 500 * dim) });
      index.addRows({ rows: 503, dim, data: m.data.subarray(500 * dim) });
      const removed = new Set([3, 17, 600, 1002]);
      for (const r of removed) index.remove(r);
      const queries = randomMatrix(70, dim, 12);
      const k = 12;
      const batch = index.searchBatch(queries, k);
      for (let q = 0; q < queries.rows; q++) {
        const query = queries.data.subarray(q * dim, (q + 1) * dim);
        const reference = referenceScores(index, query, metric);
        assertExact(batch[q], reference, k, removed, `${precision} ${metric} query ${q}`);
        // one query alone scores every row exactly as in the batch
        assert.deepEqual(index.searchRows(query, k), batch[q]);
      }
      index.close();
    });

test('exact index: worker threads, one thread and the JavaScript fallback give the same results', () => {
  const dim = 24;
  const m = randomMatrix(5000, dim, 1);
  const queries = randomMatrix(9, dim, 2);
  const build = (opts: ExactIndexOptions) => {
    const index = new ExactIndex(dim, { metric: 'cosine', ...opts });
    index.addRows(m);
    index.remove(10);
    return index;
  };
  const one = build({ threads: 1 });
  const threads = build({ threads: 3, parallelThreshold: 0 });
  const js = build({ simd: false });
  const expected = one.searchBatch(queries, 7);
  assert.deepEqual(threads.searchBatch(queries, 7), expected);
  // k larger than before: the workers' result buffers grow
  assert.deepEqual(threads.searchBatch(queries, 40), one.searchBatch(queries, 40));
  // rows added and removed after the workers started reach them
  const more = randomMatrix(3000, dim, 3);
  for (const index of [one, threads]) {
    index.addRows(more);
    index.remove(7000);
  }
  assert.deepEqual(threads.searchBatch(queries, 7), one.searchBatch(queries, 7));
  const fallback = js.searchBatch(queries, 7);
  if (!exactModule() || !kernelsFused()) assert.deepEqual(fallback, expected);
  // fused multiply-adds round once where the fallback rounds twice: same rows, scores to 1e-6
  else
    fallback.forEach((hits, q) => {
      assert.deepEqual(hits.rows, expected[q].rows);
      hits.scores.forEach((s, i) => assert.ok(Math.abs(s - expected[q].scores[i]) < 1e-6));
    });
  threads.close();
});

test('exact index: equal scores rank the lower row first, on one thread or several', () => {
  const dim = 8;
  const rows = 4000;
  const data = new Float32Array(rows * dim);
  // every row is one of four vectors: many exact ties
  for (let r = 0; r < rows; r++) data[r * dim + (r % 4)] = 1;
  const query = Float32Array.from([1, 0.5, 0, 0, 0, 0, 0, 0]);
  for (const opts of [{ threads: 1 }, { threads: 2, parallelThreshold: 0 }, { simd: false }]) {
    const index = new ExactIndex(dim, { metric: 'dot', ...opts });
    index.addRows({ rows, dim, data });
    const hits = index.searchRows(query, 6);
    assert.deepEqual(hits.rows, [0, 4, 8, 12, 16, 20], JSON.stringify(opts));
    assert.deepEqual(hits.scores, [1, 1, 1, 1, 1, 1]);
    index.close();
  }
});

test('exact index: filters see only candidates and are honoured; k beyond the rows; empty index', () => {
  const dim = 16;
  const m = randomMatrix(300, dim, 5);
  const index = new ExactIndex(dim, { metric: 'dot' });
  assert.deepEqual(index.searchRows(m.data.subarray(0, dim), 5), { rows: [], scores: [] });
  index.addRows(m);
  const seen = new Set<number>();
  const odd = index.searchRows(m.data.subarray(0, dim), 5, (r) => {
    seen.add(r);
    return r % 2 === 1;
  });
  assert.equal(odd.rows.length, 5);
  assert.ok(odd.rows.every((r) => r % 2 === 1));
  const reference = referenceScores(index, m.data.subarray(0, dim), 'dot');
  const best = Array.from(reference.keys())
    .filter((r) => r % 2 === 1)
    .sort((a, b) => reference[b] - reference[a])
    .slice(0, 5);
  assert.deepEqual(odd.rows, best);
  assert.ok(seen.size < 300, `the filter ran on ${seen.size} rows, not all`);
  assert.equal(index.searchRows(m.data.subarray(0, dim), 1000).rows.length, 300);
  assert.equal(index.searchRows(m.data.subarray(0, dim), 0).rows.length, 0);
});

test('f16 storage: half precision rounds to nearest even, saturates, and decodes exactly in the kernels', () => {
  assert.equal(toHalf(1), 0x3c00);
  assert.equal(toHalf(-2), 0xc000);
  assert.equal(toHalf(65504), 0x7bff);
  assert.equal(toHalf(1e6), 0x7bff, 'saturates instead of infinity');
  assert.equal(toHalf(Number.NaN), 0);
  assert.equal(toHalf(2 ** -24), 0x0001, 'smallest subnormal');
  assert.equal(toHalf(2 ** -26), 0, 'below half the smallest subnormal');
  assert.equal(toHalf(1 + 2 ** -11), 0x3c00, 'a tie rounds to even (down)');
  assert.equal(toHalf(1 + 3 * 2 ** -11), 0x3c02, 'a tie rounds to even (up)');
  assert.equal(fromHalf(0x3555), 0.333251953125);
  // every finite half value, stored and read back through the WebAssembly decoder: a one-hot
  // query on dimension d scores row r as exactly its stored value
  const values: number[] = [];
  for (let h = 0; h < 65536; h++) if ((h & 0x7c00) !== 0x7c00) values.push(fromHalf(h));
  const dim = 64;
  const rows = Math.ceil(values.length / dim);
  const data = new Float32Array(rows * dim);
  data.set(values);
  const index = new ExactIndex(dim, { metric: 'dot', precision: 'f16', threads: 1 });
  index.addRows({ rows, dim, data });
  const decoded = index.matrix.data;
  for (let i = 0; i < values.length; i++) assert.equal(decoded[i], values[i]);
  for (const d of [0, 5, 63]) {
    const q = new Float32Array(dim);
    q[d] = 1;
    const hits = index.searchRows(q, rows);
    // (+0 + -0 is +0: the sum starts at zero)
    for (let i = 0; i < hits.rows.length; i++) assert.equal(hits.scores[i], data[hits.rows[i] * dim + d] + 0);
  }
});

test('i8 storage: a scale per row, values within half a step; save/load keeps rows and removals', () => {
  const dim = 20;
  const m = randomMatrix(100, dim, 9);
  const index = new ExactIndex(dim, { metric: 'dot', precision: 'i8' });
  index.addRows(m);
  const stored = index.matrix.data;
  for (let r = 0; r < 100; r++) {
    let max = 0;
    for (let d = 0; d < dim; d++) max = Math.max(max, Math.abs(m.data[r * dim + d]));
    for (let d = 0; d < dim; d++)
      assert.ok(Math.abs(stored[r * dim + d] - m.data[r * dim + d]) <= (max / 127) * 0.5 + 1e-7);
  }
  index.remove(4);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'smysl-exact-'));
  try {
    const file = path.join(dir, 'index.bin');
    index.saveTo(file);
    const back = ExactIndex.loadFrom(file);
    assert.equal(back.rowCount, 100);
    assert.ok(back.isRemoved(4));
    assert.deepEqual(back.matrix.data, stored);
    const q = m.data.subarray(4 * dim, 5 * dim);
    assert.deepEqual(back.searchRows(q, 5).rows, index.searchRows(q, 5).rows);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('exact index: grows past its first allocation; rejects a wrong dimension and an unknown precision', () => {
  const dim = 300;
  const index = new ExactIndex(dim, { metric: 'cosine', threads: 1 });
  for (let i = 0; i < 5; i++) index.addRows(randomMatrix(700, dim, 20 + i));
  assert.equal(index.rowCount, 3500);
  assert.equal(index.size, 3500);
  const q = randomMatrix(1, dim, 22).data.subarray(0, dim);
  const hits = index.searchRows(q, 1);
  assert.equal(hits.rows[0], 1400, 'the row equal to the query');
  assert.ok(Math.abs(hits.scores[0] - 1) < 1e-5);
  assert.throws(() => index.addRows(randomMatrix(1, 3, 1)), /dimension/);
  assert.throws(() => new ExactIndex(4, { precision: 'f8' as never }), /precision/);
});
