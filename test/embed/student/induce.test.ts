import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { StudentEmbedder } from '../../../src/embed/student/embedder.js';
import { inducedKey } from '../../../src/embed/student/features.js';
import { cholesky, choleskySolve, induceRows, ridgeRegression } from '../../../src/embed/student/induce.js';
import { StudentParameters } from '../../../src/embed/student/model.js';
import { stem } from '../../../src/text/stem.js';
import { known, text, toyStudent } from './toy-induction.js';

const close = (a: number, b: number, what: string) =>
  assert.ok(Math.abs(a - b) < 1e-9, `${what}: ${a} vs ${b}`);

test('cholesky and choleskySolve: [[4,2],[2,3]] = L Lᵀ with L = [[2,0],[1,√2]] (hand-computed)', () => {
  const a = Float64Array.from([4, 2, 2, 3]);
  cholesky(a, 2);
  close(a[0], 2, 'l11');
  close(a[2], 1, 'l21');
  close(a[3], Math.SQRT2, 'l22');
  // [[4,2],[2,3]] x = [8, 7] → x = (1.25, 1.5)
  const b = Float64Array.from([8, 7]);
  choleskySolve(a, 2, b, 1);
  close(b[0], 1.25, 'x1');
  close(b[1], 1.5, 'x2');
  assert.throws(() => cholesky(Float64Array.from([1, 2, 2, 1]), 2), /positive definite/);
});

test('ridgeRegression: exact fit without penalty, hand-computed shrinkage with one, intercept never penalized', () => {
  // y = 2x + 1
  const exact = ridgeRegression([0, 1, 2], [1, 3, 5], 3, 1, 1, 1e-12);
  close(exact.weights[0], 2, 'slope');
  close(exact.bias[0], 1, 'bias');
  // λ = 1: centered x (-1,0,1), y (-2,0,2): slope = Σxy / (Σx² + λ) = 4/3, bias = 3 - 1·4/3
  const shrunk = ridgeRegression([0, 1, 2], [1, 3, 5], 3, 1, 1, 1);
  close(shrunk.weights[0], 4 / 3, 'slope');
  close(shrunk.bias[0], 5 / 3, 'bias');
  // two inputs, two outputs: y1 = x1 + 2·x2, y2 = 3 - x1. Centered XᵀX = I, so W = XᵀY / (1 + λ)
  const x = [1, 0, 0, 1, 1, 1, 0, 0];
  const y = [1, 2, 2, 3, 3, 2, 0, 3];
  const two = ridgeRegression(x, y, 4, 2, 2, 1);
  // XᵀY (centered) = [[1, -1], [2, 0]] → W = [[0.5, -0.5], [1, 0]]; bias = ȳ - x̄ W
  assert.deepEqual(
    [...two.weights].map((v) => Math.round(v * 1e9) / 1e9),
    [0.5, -0.5, 1, 0],
  );
  close(two.bias[0], 1.5 - 0.5 * (0.5 + 1), 'bias y1');
  close(two.bias[1], 2.5 - 0.5 * (-0.5 + 0), 'bias y2');
});

// Four topics, two known words each, rows along one axis each: in the text a known word sits
// next to its topic's other word, so its context predicts it, and the map comes out close to
// the identity. "зверь" (in three forms, one stem) and "хижина" are unseen; their contexts are
// animal and house words.
test('induceRows: an unseen word gets a row along its context, one row per stem, reproducible', () => {
  const { vocab, table } = toyStudent();
  const opts = { window: 1, minCount: 2, minFitCount: 1, lambda: 0.001, center: false, matchNorms: false };
  const a = induceRows(vocab, table, 4, text, 'toy', opts);
  assert.equal(stem('зверя'), stem('зверь'));
  assert.deepEqual(a.keys.slice().sort(), [inducedKey(stem('зверь')), inducedKey(stem('хижина'))].sort());
  assert.equal(a.record.examples, 8);
  assert.equal(a.record.rows, 2);
  const row = (key: string) => a.rows.subarray(a.keys.indexOf(key) * 4, a.keys.indexOf(key) * 4 + 4);
  const cos = (v: ArrayLike<number>, axis: number) => v[axis] / Math.hypot(...Array.from(v));
  assert.ok(cos(row(inducedKey(stem('зверь'))), 0) > 0.95, `${row(inducedKey(stem('зверь')))}`);
  assert.ok(cos(row(inducedKey(stem('хижина'))), 1) > 0.95, `${row(inducedKey(stem('хижина')))}`);
  // same inputs, same bytes
  const b = induceRows(vocab, table, 4, text, 'toy', opts);
  assert.deepEqual(b.keys, a.keys);
  assert.deepEqual(Buffer.from(b.rows.buffer), Buffer.from(a.rows.buffer));
  // centering takes the occurrence-weighted mean of the new rows out (3 x зверь, 2 x хижина)
  const c = induceRows(vocab, table, 4, text, 'toy', { ...opts, center: true });
  for (let j = 0; j < 4; j++) {
    const i = c.keys.indexOf(inducedKey(stem('зверь')));
    const h = c.keys.indexOf(inducedKey(stem('хижина')));
    const m = 3 * c.rows[i * 4 + j] + 2 * c.rows[h * 4 + j];
    assert.ok(Math.abs(m) < 1e-5, `weighted mean, dim ${j}: ${m}`);
  }
  // norm matching: every new row as long as the examples' vectors are on average
  const lengths = Object.keys(known).map((_, i) => Math.hypot(...table.subarray(i * 4, i * 4 + 4)));
  const target = lengths.reduce((x, y) => x + y) / lengths.length;
  const m = induceRows(vocab, table, 4, text, 'toy', { ...opts, matchNorms: true });
  for (let r = 0; r < m.keys.length; r++)
    assert.ok(Math.abs(Math.hypot(...m.rows.subarray(r * 4, r * 4 + 4)) - target) < 1e-6);
  // a word below minCount gets nothing
  assert.equal(induceRows(vocab, table, 4, text, 'toy', { ...opts, minCount: 4 }).record.rows, 0);
});

test('StudentEmbedder.induced: every form of the stem uses the induced row alone, trained rows untouched, round-trips', async () => {
  const { vocab, table } = toyStudent();
  const params = new StudentParameters({ rows: vocab.size, dim: 4, outDim: 4, projection: false }, { table });
  const student = StudentEmbedder.fromParameters(params, vocab, { name: 'toy' }, 'f32');
  const induced = student.induced(text, 'toy text', {
    window: 1,
    minCount: 2,
    minFitCount: 1,
    lambda: 0.001,
    center: false,
  });
  assert.equal(induced.shape.rows, vocab.size + 2);
  assert.equal((induced.info.induced as { source: string }).source, 'toy text');
  // before: the unseen word has no rows at all (zero vector); after: the form never seen in the
  // text ("зверем") shares the stem's row
  assert.deepEqual([...(await student.embed(['зверем'])).data], [0, 0, 0, 0]);
  const [zv, zverem] = [(await induced.embed(['зверь'])).data, (await induced.embed(['зверем'])).data];
  assert.deepEqual([...zverem], [...zv]);
  assert.ok(zv[0] > 0.9, `${zv}`);
  // known words embed as before
  assert.deepEqual(
    [...(await induced.embed(['кот изба'])).data],
    [...(await student.embed(['кот изба'])).data],
  );
  const dir = await mkdtemp(path.join(os.tmpdir(), 'smysl-induce-'));
  try {
    await induced.save(dir);
    const back = await StudentEmbedder.load(dir);
    assert.deepEqual(
      [...(await back.embed(['зверя и хижина'])).data],
      [...(await induced.embed(['зверя и хижина'])).data],
    );
    // the map goes with the model (a collection's words are induced with it), float32 as stored
    assert.ok(induced.induction && back.induction);
    assert.equal(back.induction.window, 1);
    assert.deepEqual(back.induction.weights, induced.induction.weights);
    assert.deepEqual(back.induction.drift, induced.induction.drift);
    assert.equal(back.induction.norm, induced.induction.norm);
    // the built-in model carries its map
    const builtin = await StudentEmbedder.create({});
    assert.equal(builtin.induction?.dim, 384);
    assert.equal(builtin.induction?.window, 20);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
