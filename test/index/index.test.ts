import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { ExactIndex } from '../../src/index/exact.js';
import { reciprocalRankFusion } from '../../src/index/fusion.js';
import { IdIndex } from '../../src/index/index.js';
import { UsearchIndex } from '../../src/index/usearch.js';
import { createMatrix } from '../../src/vectors/dense.js';
import { seededRandom } from '../../src/vectors/random.js';
import type { DenseMatrix } from '../../src/vectors/types.js';

function randomMatrix(rows: number, dim: number, seed: number): DenseMatrix {
  const random = seededRandom(seed);
  const m = createMatrix(rows, dim);
  for (let i = 0; i < m.data.length; i++) m.data[i] = random() * 2 - 1;
  return m;
}

/** Reads rows [from, from + count) of `m`, as the store's `recheck` callback does. */
function rowReader(m: DenseMatrix): (from: number, count: number) => DenseMatrix {
  return (from, count) => ({
    rows: count,
    dim: m.dim,
    data: m.data.slice(from * m.dim, (from + count) * m.dim),
  });
}

test('exact index: batched, single and worker-thread search agree with brute force', async () => {
  const m = randomMatrix(3000, 24, 1);
  const index = new ExactIndex(24, { metric: 'cosine', threads: 2, parallelThreshold: 0 });
  index.addRows(m);
  const queries = randomMatrix(9, 24, 2);
  const batched = index.searchBatch(queries, 5);
  const parallel = await index.searchBatchParallel(queries, 5);
  index.close();
  for (let q = 0; q < 9; q++) {
    const query = queries.data.subarray(q * 24, (q + 1) * 24);
    let best = -1;
    let bestScore = Number.NEGATIVE_INFINITY;
    for (let r = 0; r < m.rows; r++) {
      let ab = 0;
      let bb = 0;
      let aa = 0;
      for (let j = 0; j < 24; j++) {
        ab += query[j] * m.data[r * 24 + j];
        aa += query[j] ** 2;
        bb += m.data[r * 24 + j] ** 2;
      }
      const c = ab / Math.sqrt(aa * bb);
      if (c > bestScore) [best, bestScore] = [r, c];
    }
    assert.equal(batched[q].rows[0], best);
    assert.ok(Math.abs(batched[q].scores[0] - bestScore) < 1e-5);
    assert.deepEqual(parallel[q].rows, batched[q].rows);
    assert.deepEqual(index.searchRows(query, 5).rows, batched[q].rows);
  }
});

test('removed rows never come back; filters are honoured; euclidean scores are negative distances', () => {
  const index = new ExactIndex(2, { metric: 'euclidean' });
  index.addRows({ rows: 3, dim: 2, data: Float32Array.from([0, 0, 3, 4, 1, 0]) });
  let hits = index.searchRows(Float32Array.from([0, 0]), 3);
  assert.deepEqual(hits.rows, [0, 2, 1]);
  assert.deepEqual(hits.scores, [-0, -1, -5]);
  index.remove(0);
  hits = index.searchRows(Float32Array.from([0, 0]), 3, (r) => r !== 2);
  assert.deepEqual(hits.rows, [1]);
});

test('HNSW index (usearch f32): recall against exact, remove, filter', async () => {
  const m = randomMatrix(2000, 16, 3);
  const hnsw = UsearchIndex.create(16, {
    metric: 'cosine',
    expansionSearch: 100,
    precision: 'f32',
    threads: 1,
  });
  hnsw.addRows(m);
  assert.equal(hnsw.rowCount, 2000);
  const exact = new ExactIndex(16);
  exact.addRows(m);
  const queries = randomMatrix(50, 16, 4);
  let found = 0;
  for (let q = 0; q < 50; q++) {
    const query = queries.data.subarray(q * 16, (q + 1) * 16);
    const truth = exact.searchRows(query, 10).rows;
    found += hnsw.searchRows(query, 10).rows.filter((r) => truth.includes(r)).length;
  }
  assert.ok(found / 500 >= 0.95, `recall ${found / 500}`);
  const query = m.data.subarray(0, 16);
  assert.equal(hnsw.searchRows(query, 1).rows[0], 0);
  assert.ok(Math.abs(hnsw.searchRows(query, 1).scores[0] - 1) < 1e-5, 'scores are cosines');
  hnsw.remove(0);
  assert.notEqual(hnsw.searchRows(query, 1).rows[0], 0);
  const even = hnsw.searchRows(query, 10, (r) => r % 2 === 0).rows;
  assert.equal(even.length, 10);
  assert.ok(even.every((r) => r % 2 === 0));
});

for (const precision of ['f16', 'i8'] as const) {
  test(`usearch ${precision} graph: recall against exact, remove, over-fetching filter, expansion change, save/load`, () => {
    const m = randomMatrix(2000, 16, 3);
    const index = UsearchIndex.create(16, { metric: 'cosine', expansionSearch: 100, precision, threads: 1 });
    index.addRows({ rows: 1000, dim: 16, data: m.data.subarray(0, 16000) });
    index.addRows({ rows: 1000, dim: 16, data: m.data.subarray(16000) });
    assert.equal(index.rowCount, 2000);
    const exact = new ExactIndex(16);
    exact.addRows(m);
    const queries = randomMatrix(50, 16, 4);
    const recall = (ix: UsearchIndex) => {
      let found = 0;
      for (let q = 0; q < 50; q++) {
        const query = queries.data.subarray(q * 16, (q + 1) * 16);
        const truth = exact.searchRows(query, 10).rows;
        found += ix.searchRows(query, 10).rows.filter((r) => truth.includes(r)).length;
      }
      return found / 500;
    };
    assert.ok(recall(index) >= (precision === 'f16' ? 0.95 : 0.85), `recall ${recall(index)}`);
    const query = m.data.subarray(0, 16);
    assert.equal(index.searchRows(query, 1).rows[0], 0);
    // compressed storage rounds the vectors, so the self-cosine is 1 only to storage precision
    assert.ok(Math.abs(index.searchRows(query, 1).scores[0] - 1) < (precision === 'f16' ? 1e-3 : 3e-2));
    index.remove(0);
    index.remove(0);
    assert.notEqual(index.searchRows(query, 1).rows[0], 0);
    // a filter passing 1 row in 100 still yields k rows: the search over-fetches until it does
    const rare = index.searchRows(query, 5, (r) => r % 100 === 7).rows;
    assert.equal(rare.length, 5);
    assert.ok(rare.every((r) => r % 100 === 7));
    const before = index.searchRows(queries.data.subarray(0, 16), 10).rows;
    index.expansionSearch = 200;
    assert.equal(index.expansionSearch, 200);
    assert.deepEqual(index.searchRows(queries.data.subarray(0, 16), 10).rows.slice(0, 3), before.slice(0, 3));
    const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'smysl-usearch-')), 'g.bin');
    index.saveTo(file);
    const back = UsearchIndex.load(file, 16, 2000, { precision, expansionSearch: 100 });
    assert.equal(back.rowCount, 2000);
    assert.notEqual(back.searchRows(query, 1).rows[0], 0, 'removed rows stay removed after loading');
    assert.deepEqual(
      back.searchRows(queries.data.subarray(16, 32), 10).rows,
      index.searchRows(queries.data.subarray(16, 32), 10).rows,
    );
    assert.throws(() => UsearchIndex.load(file, 8, 2000, { precision }), /dimensions/);
  });
}

test('IdIndex: string ids, replacing an id, filters by id', () => {
  const index = new IdIndex(new ExactIndex(2));
  index.add(['a', 'b'], { rows: 2, dim: 2, data: Float32Array.from([1, 0, 0, 1]) });
  index.add(['a'], { rows: 1, dim: 2, data: Float32Array.from([-1, 0]) });
  assert.equal(index.size, 2);
  const [hits] = index.search({ rows: 1, dim: 2, data: Float32Array.from([1, 0.1]) }, 2);
  assert.deepEqual(
    hits.map((h) => h.id),
    ['b', 'a'],
  );
  const [filtered] = index.search(
    { rows: 1, dim: 2, data: Float32Array.from([1, 0]) },
    2,
    (id) => id === 'a',
  );
  assert.deepEqual(
    filtered.map((h) => h.id),
    ['a'],
  );
});

test('reciprocal-rank fusion: hand-computed scores and weights', () => {
  const a = [
    { id: 'x', score: 9 },
    { id: 'y', score: 5 },
  ];
  const b = [
    { id: 'y', score: 0.9 },
    { id: 'z', score: 0.8 },
  ];
  const fused = reciprocalRankFusion([{ hits: a }, { hits: b }], 3, 60);
  assert.deepEqual(
    fused.map((h) => h.id),
    ['y', 'x', 'z'],
  );
  assert.ok(Math.abs(fused[0].score - (1 / 62 + 1 / 61)) < 1e-15);
  // a heavy second list lifts its runner-up above the first list's winner
  const weighted = reciprocalRankFusion(
    [
      { hits: a, weight: 1 },
      { hits: b, weight: 5 },
    ],
    3,
    60,
  );
  assert.deepEqual(
    weighted.map((h) => h.id),
    ['y', 'z', 'x'],
  );
  assert.ok(Math.abs(weighted[1].score - 5 / 62) < 1e-15);
});

for (const [precision, metric] of [
  ['f32', 'cosine'],
  ['f16', 'cosine'],
  ['i8', 'cosine'],
  ['f32', 'euclidean'],
] as const) {
  test(`usearch ${precision} ${metric} graph: every row is found by its own vector, once (orphans are searched exactly)`, () => {
    // a sparse graph (M=4, ef=16) over random 32-d rows certainly leaves rows no search reaches
    const n = 3000;
    const dim = 32;
    const m = randomMatrix(n, dim, 11);
    const rows = rowReader(m);
    const options = {
      metric,
      precision,
      threads: 1,
      expansionSearch: 16,
      connectivity: 4,
    };
    const index = UsearchIndex.create(dim, options);
    index.addRows(rows(0, n / 2));
    index.addRows(rows(n / 2, n / 2));
    index.remove(7);
    const misses = (ix: UsearchIndex) => {
      let missed = 0;
      for (let r = 0; r < n; r++) {
        if (r === 7) continue;
        const hits = ix.searchRows(m.data.subarray(r * dim, (r + 1) * dim), 10);
        if (!hits.rows.includes(r)) missed++;
        // an orphan the graph also returns (a near copy of another row) is listed once
        assert.equal(new Set(hits.rows).size, hits.rows.length, `row ${r}: no row twice`);
        for (let i = 1; i < hits.scores.length; i++) assert.ok(hits.scores[i] <= hits.scores[i - 1] + 1e-6);
      }
      return missed;
    };
    // new rows are checked as they come; older ones after index.recheck
    index.recheck(rows);
    assert.ok(index.orphanCount > 0, 'the test graph has orphans');
    // each orphan is reached through the rows its own search found, not by a scan of all of them
    assert.equal(index.unlinkedOrphanCount, 0);
    assert.equal(misses(index), 0);
    const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'smysl-usearch-')), 'g.bin');
    index.saveTo(file);
    const back = UsearchIndex.load(file, dim, n, options);
    assert.equal(back.orphanCount, index.orphanCount, 'orphans are saved beside the graph');
    assert.equal(back.unlinkedOrphanCount, 0, 'with their links');
    assert.equal(misses(back), 0);
    assert.ok(
      !back.searchRows(m.data.subarray(7 * dim, 8 * dim), 10).rows.includes(7),
      'removed stays removed',
    );
  });
}

test('orphan files without links (saved before 2026-12-06) load; their orphans and those whose linked rows are removed are scanned exactly', () => {
  const n = 3000;
  const dim = 32;
  const m = randomMatrix(n, dim, 11);
  const rows = rowReader(m);
  const options = {
    metric: 'cosine',
    precision: 'f32',
    threads: 1,
    expansionSearch: 16,
    connectivity: 4,
  } as const;
  const index = UsearchIndex.create(dim, options);
  index.addRows(rows(0, n));
  index.recheck(rows);
  const orphans = index.orphanCount;
  assert.ok(orphans > 0);
  const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'smysl-usearch-')), 'g.bin');
  index.saveTo(file);
  // the older layout: magic 'SMOR', count, dim, rows, vectors (what the file holds before its links)
  const bytes = readFileSync(UsearchIndex.orphansFile(file));
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const count = view.getInt32(4, true);
  const old = Buffer.alloc(12 + count * 4 + count * dim * 4);
  old.writeInt32LE(0x524f4d53, 0);
  old.writeInt32LE(count, 4);
  old.writeInt32LE(dim, 8);
  bytes.copy(old, 12, 16, 16 + count * 4 + count * dim * 4);
  writeFileSync(UsearchIndex.orphansFile(file), old);
  const back = UsearchIndex.load(file, dim, n, options);
  assert.equal(back.orphanCount, orphans);
  assert.equal(back.unlinkedOrphanCount, orphans);
  const findsItself = (ix: UsearchIndex, r: number) =>
    ix.searchRows(m.data.subarray(r * dim, (r + 1) * dim), 10).rows.includes(r);
  for (let r = 0; r < n; r++) assert.ok(findsItself(back, r), `row ${r}`);
  // an orphan whose linked rows are all removed has nothing left to reach it but the scan
  index.saveTo(file);
  const fresh = UsearchIndex.load(file, dim, n, options);
  assert.equal(fresh.unlinkedOrphanCount, 0);
  const orphan = fresh.orphanRows()[0];
  const links = fresh.orphanLinksOf(orphan);
  assert.ok(links.length > 0);
  for (const l of links) fresh.remove(l);
  assert.ok(fresh.unlinkedOrphanCount >= 1);
  assert.ok(findsItself(fresh, orphan));
});

test('thousands of orphans: every row still found by its own vector, none twice', () => {
  const n = 4000;
  const dim = 32;
  const m = randomMatrix(n, dim, 5);
  const rows = rowReader(m);
  const index = UsearchIndex.create(dim, {
    metric: 'cosine',
    precision: 'i8',
    threads: 1,
    expansionSearch: 2,
    connectivity: 2,
  });
  for (let at = 0; at < n; at += 500) index.addRows(rows(at, 500));
  index.recheck(rows);
  assert.ok(index.orphanCount > 256, `${index.orphanCount} orphans`);
  for (let r = 0; r < n; r++) {
    const hits = index.searchRows(m.data.subarray(r * dim, (r + 1) * dim), 10);
    assert.ok(hits.rows.includes(r), `row ${r}`);
    assert.equal(new Set(hits.rows).size, hits.rows.length, 'no row twice');
    for (let i = 1; i < hits.scores.length; i++) assert.ok(hits.scores[i] <= hits.scores[i - 1] + 1e-6);
  }
});

test('rows the graph misses are inserted again: fewer orphans than the same graph built without that has misses', async () => {
  // the same single-threaded build through usearch directly (deterministic) is the baseline
  const usearch = (await import('usearch')).default;
  const n = 3000;
  const dim = 32;
  const m = randomMatrix(n, dim, 11);
  const settings = { connectivity: 6, expansion_add: 24, expansion_search: 16 };
  const raw = new usearch.Index({
    dimensions: dim,
    metric: usearch.MetricKind.IP,
    quantization: usearch.ScalarKind.F32,
    multi: false,
    ...settings,
  });
  const unit = m.data.slice();
  for (let r = 0; r < n; r++) {
    let s = 0;
    for (let j = 0; j < dim; j++) s += unit[r * dim + j] ** 2;
    for (let j = 0; j < dim; j++) unit[r * dim + j] /= Math.sqrt(s);
  }
  const keys = new BigUint64Array(n);
  for (let r = 0; r < n; r++) keys[r] = BigInt(r);
  raw.add(keys, unit, 1);
  const found = raw.search(unit, 10, 1) as import('usearch').BatchMatches;
  let rawMisses = 0;
  for (let r = 0; r < n; r++) if (!Array.from(found.get(r).keys, Number).includes(r)) rawMisses++;
  const index = UsearchIndex.create(dim, {
    metric: 'cosine',
    precision: 'f32',
    threads: 1,
    connectivity: 6,
    expansionAdd: 24,
    expansionSearch: 16,
  });
  index.addRows(m);
  index.recheck(rowReader(m));
  assert.ok(rawMisses > 20, `${rawMisses} rows missed by the plain graph`);
  assert.ok(
    index.orphanCount < rawMisses / 2,
    `${index.orphanCount} orphans left of ${rawMisses} missed rows`,
  );
  for (let r = 0; r < n; r++)
    assert.ok(index.searchRows(m.data.subarray(r * dim, (r + 1) * dim), 10).rows.includes(r), `row ${r}`);
  // one row at a time (usearch answers a single query with another result type)
  const one = randomMatrix(1, dim, 12);
  index.addRows(one);
  assert.equal(index.searchRows(one.data, 1).rows[0], n);
});
