import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ExactIndex, type ExactIndexOptions, PREFILTER_MIN_ROWS } from '../../src/index/exact.js';
import {
  BLOCK_ROWS,
  blockBytes,
  codeBytes,
  codeDims,
  encodeCodes,
  encodeRows,
  GROUP,
  kernelsFused,
  storedDims,
  writeQueryCodes,
} from '../../src/index/exact-kernels.js';
import type { RowHits } from '../../src/index/types.js';
import { seededRandom } from '../../src/vectors/random.js';
import type { DenseMatrix } from '../../src/vectors/types.js';

// The int8 pre-filter must not change a single result: every test compares an index with it
// against the same index without it (prefilter: false), rows and scores bit for bit.

const fused = kernelsFused();
const why = 'the engine has no relaxed SIMD: the pre-filter is off and searches take the plain path';

function gaussian(rows: number, dim: number, seed: number, scale = 1): DenseMatrix {
  const random = seededRandom(seed);
  const data = new Float32Array(rows * dim);
  for (let i = 0; i < data.length; i++) {
    const u = Math.max(random(), 1e-12);
    data[i] = scale * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
  }
  return { rows, dim, data };
}

function pair(dim: number, opts: ExactIndexOptions): { pre: ExactIndex; plain: ExactIndex } {
  return {
    pre: new ExactIndex(dim, { ...opts, prefilter: true }),
    plain: new ExactIndex(dim, { ...opts, prefilter: false }),
  };
}

function add(indexes: { pre: ExactIndex; plain: ExactIndex }, m: DenseMatrix): void {
  indexes.pre.addRows(m);
  indexes.plain.addRows(m);
}

function same(a: RowHits[], b: RowHits[], what: string): void {
  assert.equal(a.length, b.length, what);
  for (let i = 0; i < a.length; i++) {
    assert.deepEqual(a[i].rows, b[i].rows, `${what}: rows of query ${i}`);
    // bit for bit (Object.is: -0 and 0 differ too)
    a[i].scores.forEach((s, j) =>
      assert.ok(Object.is(s, b[i].scores[j]), `${what}: score ${j} of query ${i}`),
    );
  }
}

for (const precision of ['f32', 'f16'] as const)
  for (const metric of ['cosine', 'dot'] as const)
    for (const threads of [1, 2])
      test(`pre-filter ${precision} ${metric}, ${threads} thread(s): the same rows and scores as the plain search`, {
        skip: fused ? false : why,
      }, () => {
        const dim = 45; // odd: a padding dimension, and codes padded to 48
        const indexes = pair(dim, { metric, precision, threads, parallelThreshold: 1 });
        // added in three parts, so the code region moves up twice as the memory grows
        add(indexes, gaussian(37, dim, 1));
        add(indexes, gaussian(900, dim, 2));
        add(indexes, gaussian(2100, dim, 3));
        for (const r of [0, 5, 36, 37, 1500, 3036]) {
          indexes.pre.remove(r);
          indexes.plain.remove(r);
        }
        // 70 queries: a group of 64 (pairs) and 6 more; an odd count alone (the single-query kernel)
        const queries = gaussian(71, dim, 4);
        for (const k of [1, 10, 64]) {
          const got = indexes.pre.searchBatch(queries, k);
          assert.ok(indexes.pre.lastPrefilter, 'the search took the pre-filter');
          const stats = indexes.pre.lastPrefilter;
          same(got, indexes.plain.searchBatch(queries, k), `k ${k}`);
          // it filtered: far fewer rows than all of them needed exact scores
          if (k <= 10)
            assert.ok(
              stats.survivors < stats.scanned / 4,
              `survivors ${stats.survivors} of ${stats.scanned}`,
            );
        }
        for (let i = 0; i < 5; i++) {
          const q = queries.data.subarray(i * dim, (i + 1) * dim);
          same([indexes.pre.searchRows(q, 10)], [indexes.plain.searchRows(q, 10)], `single query ${i}`);
        }
        indexes.pre.close();
        indexes.plain.close();
      });

test('pre-filter: ties, duplicate rows, k >= n, filters, zero rows and queries', {
  skip: fused ? false : why,
}, () => {
  const dim = 16;
  const base = gaussian(40, dim, 7);
  // every row four times over (ties everywhere), a zero row, rows on the worst case of
  // quantization (every value half-way between two codes)
  const rows = 40 * 4 + 1 + 40;
  const data = new Float32Array(rows * dim);
  for (let c = 0; c < 4; c++) data.set(base.data, c * 40 * dim);
  const random = seededRandom(8);
  for (let r = 161; r < rows; r++) {
    const s = 0.01;
    for (let d = 0; d < dim; d++) data[r * dim + d] = (Math.floor(random() * 200) - 100 + 0.5) * s;
    data[r * dim] = 127 * s; // the row's max: its scale is s, every other value sits half-way
  }
  for (const metric of ['dot', 'cosine'] as const) {
    const indexes = pair(dim, { metric, threads: 1 });
    add(indexes, { rows, dim, data });
    indexes.pre.remove(3);
    indexes.plain.remove(3);
    // queries: rows themselves (exact ties with their copies), a zero query, a half-way row
    const queries = new Float32Array(6 * dim);
    queries.set(base.data.subarray(0, dim), 0);
    queries.set(base.data.subarray(5 * dim, 6 * dim), dim);
    queries.set(data.subarray(170 * dim, 171 * dim), 3 * dim);
    queries.set(data.subarray(200 * dim, 201 * dim), 4 * dim);
    for (let d = 0; d < dim; d++) queries[5 * dim + d] = -base.data[d];
    const q = { rows: 6, dim, data: queries };
    for (const k of [1, 4, 7, rows, rows + 10]) {
      same(indexes.pre.searchBatch(q, k), indexes.plain.searchBatch(q, k), `${metric} k ${k}`);
      const filter = (row: number) => row % 3 !== 0;
      same(
        indexes.pre.searchBatch(q, k, filter),
        indexes.plain.searchBatch(q, k, filter),
        `${metric} filtered k ${k}`,
      );
    }
    // the copies of a query's row tie: the lowest rows first, in the plain path and this one
    const hits = indexes.pre.searchRows(base.data.subarray(5 * dim, 6 * dim), 4);
    assert.deepEqual(hits.rows, [5, 45, 85, 125]);
  }
});

test('pre-filter: unnormalized rows of very different norms, tiny and large; NaN turns it off', {
  skip: fused ? false : why,
}, () => {
  const dim = 24;
  const m = gaussian(800, dim, 9);
  for (let r = 0; r < 800; r++) {
    const scale = [1e-30, 1e-6, 1, 1e6][r % 4];
    for (let d = 0; d < dim; d++) m.data[r * dim + d] *= scale;
  }
  const queries = gaussian(9, dim, 10, 1e3);
  const indexes = pair(dim, { metric: 'dot', threads: 1 });
  add(indexes, m);
  same(indexes.pre.searchBatch(queries, 10), indexes.plain.searchBatch(queries, 10), 'mixed norms');
  assert.ok(indexes.pre.lastPrefilter, 'the pre-filter ran');
  // tiny queries (products far below f32's normal range)
  const tiny = gaussian(3, dim, 11, 1e-25);
  same(indexes.pre.searchBatch(tiny, 10), indexes.plain.searchBatch(tiny, 10), 'tiny queries');
  // a query whose products would overflow f32 goes the plain way
  const huge = gaussian(2, dim, 12, 1e30);
  same(indexes.pre.searchBatch(huge, 5), indexes.plain.searchBatch(huge, 5), 'huge queries');
  assert.equal(indexes.pre.lastPrefilter, undefined, 'no pre-filter beyond the bound’s range');
  // a row with NaN: the bound cannot hold, the index searches without the pre-filter
  const bad = gaussian(1, dim, 13);
  bad.data[3] = Number.NaN;
  add(indexes, bad);
  same(indexes.pre.searchBatch(queries, 10), indexes.plain.searchBatch(queries, 10), 'after a NaN row');
  assert.equal(indexes.pre.lastPrefilter, undefined);
});

test('pre-filter: auto makes the codes once searching without them cost as much, and keeps them up to date', {
  skip: fused ? false : why,
}, () => {
  const dim = 9; // odd: a padding dimension that must read as zero wherever rows land
  const index = new ExactIndex(dim, { metric: 'cosine', threads: 1 });
  const plain = new ExactIndex(dim, { metric: 'cosine', threads: 1, prefilter: false });
  const m = gaussian(PREFILTER_MIN_ROWS + 100, dim, 14);
  index.addRows(m);
  plain.addRows(m);
  const queries = gaussian(6, dim, 15);
  same(index.searchBatch(queries, 5), plain.searchBatch(queries, 5), 'first');
  assert.equal(index.lastPrefilter, undefined, 'no codes before any search');
  let searches = 1;
  for (; !index.lastPrefilter && searches < 1000; searches++)
    same(index.searchBatch(queries, 5), plain.searchBatch(queries, 5), `search ${searches}`);
  assert.ok(index.lastPrefilter, `codes made after ${searches} searches`);
  assert.ok(searches > 1);
  // rows added later get codes as they come (and the memory grows under the codes)
  const more = gaussian(40000, dim, 16);
  index.addRows(more);
  plain.addRows(more);
  same(index.searchBatch(queries, 5), plain.searchBatch(queries, 5), 'after adding');
  assert.ok(index.lastPrefilter);
  // past 4 GiB with the codes (not allocatable here: the step itself) the index drops them and
  // goes on: the code region becomes stored blocks, which must read as zeros
  (index as unknown as { dropCodes(): void }).dropCodes();
  same(index.searchBatch(queries, 5), plain.searchBatch(queries, 5), 'codes dropped');
  assert.equal(index.lastPrefilter, undefined);
  const after = gaussian(70000, dim, 19);
  index.addRows(after);
  plain.addRows(after);
  same(index.searchBatch(queries, 5), plain.searchBatch(queries, 5), 'rows added after');
  // a small index never makes them
  const small = new ExactIndex(dim, { metric: 'cosine', threads: 1 });
  small.addRows(gaussian(2000, dim, 18));
  for (let i = 0; i < 300; i++) small.searchBatch(queries, 5);
  assert.equal(small.lastPrefilter, undefined);
  // off: no codes; and the JavaScript fallback has none
  const off = new ExactIndex(dim, { metric: 'cosine', prefilter: false });
  off.addRows(m);
  off.searchBatch(gaussian(100, dim, 17), 5);
  assert.equal(off.lastPrefilter, undefined);
  const js = new ExactIndex(dim, { metric: 'cosine', simd: false, prefilter: true });
  js.addRows(m);
  js.searchBatch(queries, 5);
  assert.equal(js.lastPrefilter, undefined);
  // Euclidean is not bounded: the plain path
  const l2 = new ExactIndex(dim, { metric: 'euclidean', prefilter: true });
  l2.addRows(m);
  l2.searchBatch(queries, 5);
  assert.equal(l2.lastPrefilter, undefined);
});

test('pre-filter bound (float64 check of the codes and headers): never below a score, and tight', () => {
  // the kernel's bound s t D + A |e| + B |q| + margin, recomputed in float64 from what
  // encodeCodes and writeQueryCodes stored, against each exact f32 score (recursive f32 sum)
  const dim = 50;
  const dims = storedDims(dim);
  const dims4 = codeDims(dims);
  const rows = 64;
  const m = gaussian(rows, dim, 20);
  // two rows on the worst case of quantization
  for (const r of [1, 2]) for (let d = 0; d < dim; d++) m.data[r * dim + d] = ((d % 7) - 3 + 0.5) / 100;
  for (const r of [1, 2]) m.data[r * dim] = 1.27;
  const bytes = blockBytes('f32', dims);
  const codesAt = (rows / BLOCK_ROWS) * bytes;
  const queriesAt = codesAt + (rows / BLOCK_ROWS) * codeBytes(dims);
  const buffer = new ArrayBuffer(queriesAt + GROUP * dims4 + GROUP * 16);
  encodeRows(buffer, 0, 'f32', dim, m.data, 0, rows, 0);
  const norm = encodeCodes(buffer, 0, codesAt, 'f32', dim, 0, rows);
  assert.ok(norm > 0 && Number.isFinite(norm));
  const queries = gaussian(8, dim, 21);
  queries.data.set(m.data.subarray(dim, 2 * dim), 0); // a worst-case row as a query
  writeQueryCodes(buffer, queriesAt, dim, queries.data, 8);
  const i8 = new Int8Array(buffer);
  const u8 = new Uint8Array(buffer);
  const view = new DataView(buffer);
  let widest = 0;
  for (let i = 0; i < 8; i++) {
    const params = queriesAt + GROUP * dims4 + 16 * i;
    const [t, e, n, margin] = [0, 4, 8, 12].map((o) => view.getFloat32(params + o, true));
    for (let r = 0; r < rows; r++) {
      const head = codesAt + Math.floor(r / BLOCK_ROWS) * codeBytes(dims);
      const lane = r % BLOCK_ROWS;
      let dot = view.getInt32(head + 4 * lane, true);
      for (let d = 0; d < dims4; d++) {
        const c = i8[head + 256 + (d >> 2) * 64 + lane * 4 + (d & 3)];
        const u = u8[queriesAt + (i >> 1) * dims4 * 2 + (i & 1) * 4 + (d >> 2) * 8 + (d & 3)];
        assert.ok(u >= 0 && u <= 127, 'the query codes stay within 7 bits');
        dot += c * u;
      }
      const [s, a, b] = [64, 128, 192].map((o) => view.getFloat32(head + o + 4 * lane, true));
      const bound = s * t * dot + a * e + b * n + margin;
      let score = 0;
      for (let d = 0; d < dim; d++)
        score = Math.fround(score + Math.fround(queries.data[i * dim + d] * m.data[r * dim + d]));
      assert.ok(bound >= score, `query ${i} row ${r}: bound ${bound} below score ${score}`);
      widest = Math.max(
        widest,
        (bound - score) /
          (Math.hypot(...queries.data.subarray(i * dim, (i + 1) * dim)) *
            Math.hypot(...m.data.subarray(r * dim, (r + 1) * dim))),
      );
    }
  }
  // tight enough to prune: within 10% of |q| |x| at 50 dimensions
  assert.ok(widest < 0.1, `widest gap ${widest}`);
});

test('pre-filter: each term of the bound is needed (rows and queries on which Cauchy-Schwarz is tight)', {
  skip: fused ? false : why,
}, () => {
  // Row 0 scores between row 300's quantized estimate and its exact score; rows 1-299 score low.
  // Rows 0-255 are scored before any threshold exists; when row 300 is scanned the threshold is
  // row 0's score, so a bound without the term for the row's (first case) or the query's (second
  // case) quantization error would skip row 300, the true best.
  const dim = 16;
  const cases: { query: number[]; best: number[]; second: number[] }[] = [
    {
      // the row's errors (0.49 of a step each) all point along the query (ones)
      query: new Array(dim).fill(1),
      best: Array.from({ length: dim }, (_, d) => (d === 0 ? 1.27 : (10 + 0.49) * 0.01)),
      second: Array.from({ length: dim }, (_, d) => (d === 0 ? 1.27 : (10 + 0.25) * 0.01)),
    },
    {
      // the query's errors all point along the row (ones)
      query: Array.from({ length: dim }, (_, d) => (d === 0 ? 0.63 : (10 + 0.49) * 0.01)),
      best: new Array(dim).fill(1),
      second: new Array(dim).fill(0.983),
    },
  ];
  for (const [c, { query, best, second }] of cases.entries()) {
    const rows = 301;
    const data = new Float32Array(rows * dim);
    data.set(second, 0);
    for (let r = 1; r < 300; r++) for (let d = 0; d < dim; d++) data[r * dim + d] = -0.01 * (1 + (r % 7));
    data.set(best, 300 * dim);
    const indexes = pair(dim, { metric: 'dot', threads: 1 });
    add(indexes, { rows, dim, data });
    const q = Float32Array.from(query);
    const hits = indexes.pre.searchRows(q, 1);
    assert.deepEqual(hits.rows, [300], `case ${c}`);
    same([hits], [indexes.plain.searchRows(q, 1)], `case ${c}`);
    // rows 0-255 go through the plain kernel (no threshold yet); of the rest only row 300 passes
    assert.equal(indexes.pre.lastPrefilter?.survivors, 1, 'the fillers after row 255 were skipped');
  }
});

test('pre-filter codes made by the kernel: the codes are the rows rounded, the header describes them', {
  skip: fused ? false : why,
}, () => {
  for (const precision of ['f32', 'f16'] as const)
    for (const dim of [23, 45]) {
      const dims = storedDims(dim);
      const dims4 = codeDims(dims);
      const index = new ExactIndex(dim, { metric: 'dot', threads: 1, precision, prefilter: true });
      const m = gaussian(70, dim, 30 + dim);
      m.data.fill(0, 5 * dim, 6 * dim); // a zero row
      for (let d = 0; d < dim; d++) m.data[9 * dim + d] = (d % 5) * 1e-40; // subnormal values
      index.addRows({ rows: 40, dim, data: m.data.subarray(0, 40 * dim) });
      index.addRows({ rows: 30, dim, data: m.data.subarray(40 * dim) }); // a block finished later
      const { memory, codesAt } = index as unknown as { memory: { buffer: ArrayBuffer }; codesAt: number };
      const view = new DataView(memory.buffer);
      const i8 = new Int8Array(memory.buffer);
      const x = new Float32Array(dim);
      const n = dims + 2;
      const kappa = 1.01 * ((n * 2 ** -24) / (1 - n * 2 ** -24));
      for (let r = 0; r < 70; r++) {
        index.readRow(r, x);
        const head = codesAt + Math.floor(r / BLOCK_ROWS) * codeBytes(dims);
        const lane = r % BLOCK_ROWS;
        const s = view.getFloat32(head + 64 + 4 * lane, true);
        const max = Math.max(...Array.from(x, Math.abs));
        const what = `${precision} dim ${dim} row ${r}`;
        if (max / 127 < 1e-38) assert.ok(s === 0 || Math.abs(s - max / 127) <= 2 ** -149, `${what}: scale`);
        else assert.ok(Math.abs(s - max / 127) <= 1e-7 * s, `${what}: scale ${s} vs ${max / 127}`);
        let sum = 0;
        let cc = 0;
        let ee = 0;
        let xx = 0;
        for (let d = 0; d < dims4; d++) {
          const c = i8[head + 256 + (d >> 2) * 64 + lane * 4 + (d & 3)];
          if (d >= dim) {
            assert.equal(c, 0, `${what}: padding code`);
            continue;
          }
          assert.ok(Math.abs(c) <= 127);
          if (s > 0) assert.ok(Math.abs(x[d] / s - c) <= 0.5 + 1e-6, `${what}: code ${d}`);
          else assert.equal(c, 0);
          sum += c;
          cc += c * c;
          ee += (x[d] - s * c) ** 2;
          xx += x[d] ** 2;
        }
        assert.equal(view.getInt32(head + 4 * lane, true), -64 * sum + 0, `${what}: code sum`);
        const a = view.getFloat32(head + 128 + 4 * lane, true);
        const b = view.getFloat32(head + 192 + 4 * lane, true);
        const wantA = s * Math.sqrt(cc);
        const wantB = Math.sqrt(ee) + kappa * Math.sqrt(xx);
        assert.ok(a >= wantA && a <= wantA * (1 + 2e-6), `${what}: A ${a} vs ${wantA}`);
        assert.ok(b >= wantB && b <= wantB * (1 + 2e-6) + 2 ** -140, `${what}: B ${b} vs ${wantB}`);
      }
    }
});
