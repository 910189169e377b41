import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import {
  AveragedWordVectors,
  firstPrincipalComponent,
  removeComponent,
} from '../../../src/embed/static/averaged.js';
import { KeyedVectors } from '../../../src/embed/static/keyed-vectors.js';

// Three words on the axes of a 2-d space; "the" points along both.
const kv = () => new KeyedVectors(['cat', 'dog', 'the'], Float32Array.from([1, 0, 0, 1, 1, 1]), 2);
const docs = (texts: string[]) => texts.map((text, i) => ({ id: String(i), text, meta: {} }));
const close = (a: ArrayLike<number>, b: number[], eps = 1e-6) =>
  b.forEach((v, i) => assert.ok(Math.abs(a[i] - v) < eps, `index ${i}: ${a[i]} vs ${v}`));

test('mean weighting averages known lowercased words and skips unknown ones', async () => {
  const e = new AveragedWordVectors(kv());
  const m = await e.embed(['The CAT', 'dog zebra', 'zebra']);
  assert.equal(m.dim, 2);
  close(m.data.subarray(0, 2), [1, 0.5]); // (cat + the) / 2
  close(m.data.subarray(2, 4), [0, 1]); // dog; zebra skipped
  close(m.data.subarray(4, 6), [0, 0]); // nothing known: zero vector
});

test('tfidf weighting uses smooth idf ln((1+n)/(1+df))+1 fitted on the documents', async () => {
  const e = new AveragedWordVectors(kv(), { weighting: 'tfidf' });
  // n = 2; df(the) = 2, df(cat) = 1.
  await e.fit(docs(['the cat', 'the dog']));
  const idfThe = Math.log(3 / 3) + 1;
  const idfCat = Math.log(3 / 2) + 1;
  assert.ok(Math.abs(e.weightOf('the') - idfThe) < 1e-12);
  assert.ok(Math.abs(e.weightOf('cat') - idfCat) < 1e-12);
  const m = await e.embed(['the cat']);
  const s = idfThe + idfCat;
  close(m.data, [(idfCat + idfThe) / s, idfThe / s]);
});

test('sif weighting a/(a+p(w)) and removal of the first principal component', async () => {
  const a = 0.5;
  const e = new AveragedWordVectors(kv(), { weighting: 'sif', sifA: a });
  // Tokens: the x2, cat x1, dog x1 → p(the) = 0.5, p(cat) = p(dog) = 0.25.
  await e.fit(docs(['the cat', 'the dog']));
  assert.ok(Math.abs(e.weightOf('the') - a / (a + 0.5)) < 1e-12);
  assert.ok(Math.abs(e.weightOf('cat') - a / (a + 0.25)) < 1e-12);
  // Fitted sentence vectors: wThe=0.5, wCat=2/3 → "the cat" = (0.5+2/3, 0.5)/(7/6) = (1, 3/7);
  // "the dog" = (3/7, 1). Their first principal component is (1,1)/√2 by symmetry, so after
  // removal "the cat" becomes ((1-3/7)/2, (3/7-1)/2) = (2/7, -2/7).
  const m = await e.embed(['the cat']);
  close(m.data, [2 / 7, -2 / 7], 1e-5);
});

test('first principal component of a rank-one matrix is its row direction', () => {
  const pc = firstPrincipalComponent({ rows: 2, dim: 2, data: Float32Array.from([3, 4, -6, -8]) });
  close(pc.map(Math.abs), [0.6, 0.8], 1e-6);
  const m = { rows: 1, dim: 2, data: Float32Array.from([3, 4]) };
  removeComponent(m, Float32Array.from([0.6, 0.8]));
  close(m.data, [0, 0], 1e-6);
});

test('save and load keep the weights and the component', async () => {
  const e = new AveragedWordVectors(kv(), { weighting: 'sif', sifA: 0.5, method: 'word2vec' });
  await e.fit(docs(['the cat', 'the dog']));
  const dir = mkdtempSync(path.join(tmpdir(), 'smysl-averaged-'));
  await e.save(dir);
  const back = await AveragedWordVectors.load(dir);
  assert.equal(back.name, 'word2vec');
  close((await back.embed(['the cat'])).data, Array.from((await e.embed(['the cat'])).data));
});

test('a trainer fits word vectors on the documents themselves', async () => {
  const e = new AveragedWordVectors(undefined, {
    trainer: 'word2vec',
    trainOptions: { dim: 8, epochs: 1, minCount: 1, threads: 1 },
  });
  await e.fit(docs(['a b c a b c', 'b c a b c a']));
  const m = await e.embed(['a b', 'unknownword']);
  assert.equal(m.dim, 8);
  assert.ok(m.data.subarray(0, 8).some((v) => v !== 0));
  assert.ok(m.data.subarray(8, 16).every((v) => v === 0));
});
