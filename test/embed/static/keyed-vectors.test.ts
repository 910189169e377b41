import assert from 'node:assert/strict';
import { test } from 'node:test';
import { KeyedVectors } from '../../../src/embed/static/keyed-vectors.js';
import { isSmyslError } from '../../../src/errors.js';

// Unit-length 2-d vectors (except "far", length 2) so cosines are easy to compute by hand.
const words = ['east', 'northeast', 'north', 'west', 'nne', 'far'];
const vectors = new Float32Array([1, 0, 0.8, 0.6, 0, 1, -1, 0, 0.6, 0.8, 2, 0]);
const kv = new KeyedVectors(words, vectors, 2);

const close = (a: number, b: number, eps = 1e-6) => assert.ok(Math.abs(a - b) < eps, `${a} != ${b}`);

test('lookup: has, index, vector view', () => {
  assert.equal(kv.size, 6);
  assert.ok(kv.has('north'));
  assert.equal(kv.index('north'), 2);
  assert.equal(kv.index('south'), -1);
  assert.deepEqual([...kv.vector('nne')], [Math.fround(0.6), Math.fround(0.8)]);
  assert.deepEqual([...kv.unitVector('far')], [1, 0]);
  assert.throws(
    () => kv.vector('south'),
    (e) => isSmyslError(e, 'E_INPUT') && /south/.test(e.message),
  );
});

test('constructor checks sizes and duplicates', () => {
  assert.throws(
    () => new KeyedVectors(['a'], new Float32Array(3), 2),
    (e) => isSmyslError(e, 'E_INPUT'),
  );
  assert.throws(() => new KeyedVectors(['a', 'a'], new Float32Array(4), 2), /duplicate/);
});

test('similarity and nSimilarity by hand', () => {
  close(kv.similarity('east', 'northeast'), 0.8);
  close(kv.similarity('east', 'far'), 1);
  close(kv.nSimilarity(['east'], ['north']), 0);
  // mean(east, north) = (0.5, 0.5); cosine with (0.6, 0.8) = 0.7 / sqrt(0.5)
  close(kv.nSimilarity(['east', 'north'], ['nne']), 0.7 / Math.sqrt(0.5));
});

test('mostSimilar excludes the input words and honours topn and restrictVocab', () => {
  const r = kv.mostSimilar({ positive: ['east'], topn: 3 });
  assert.deepEqual(
    r.map((n) => n.word),
    ['far', 'northeast', 'nne'],
  );
  close(r[1].score, 0.8);
  const restricted = kv.mostSimilar({ positive: ['east'], topn: 3, restrictVocab: 3 });
  assert.deepEqual(
    restricted.map((n) => n.word),
    ['northeast', 'north'],
  );
  // north - east + west = (-2, 1)/sqrt(5): west scores 2/sqrt(5) (but is excluded), then north...
  const analogy = kv.mostSimilar({ positive: ['north', 'west'], negative: ['east'], topn: 1 });
  assert.equal(analogy.length, 1);
  assert.equal(analogy[0].word, 'nne');
  close(analogy[0].score, (-2 * 0.6 + 0.8) / Math.sqrt(5));
  assert.deepEqual(kv.mostSimilar({ positive: ['east'], topn: 0 }), []);
});

test('mostSimilarCosmul follows gensim formula', () => {
  const r = kv.mostSimilarCosmul({ positive: ['north', 'west'], negative: ['east'], topn: 6 });
  const expected = (w: string) => {
    const c = (x: string) => (1 + kv.similarity(w, x)) / 2;
    return (c('north') * c('west')) / (c('east') + 1e-6);
  };
  assert.deepEqual(
    r.map((n) => n.word),
    ['nne', 'northeast', 'far'],
  );
  for (const n of r) close(n.score, expected(n.word), 1e-5);
});

test('similarByVector, doesntMatch, rank', () => {
  const r = kv.similarByVector([0, 3], { topn: 2 });
  assert.deepEqual(
    r.map((n) => n.word),
    ['north', 'nne'],
  );
  close(r[0].score, 1);
  assert.equal(kv.doesntMatch(['east', 'northeast', 'nne', 'west', 'nonexistent']), 'west');
  // neighbours of east: far 1, northeast .8, nne .6, north 0, west -1
  assert.equal(kv.rank('east', 'far'), 1);
  assert.equal(kv.rank('east', 'nne'), 3);
  assert.equal(kv.rank('east', 'west'), 5);
});

test('analogyBatch gives the same ranking as single queries', () => {
  const q = new Int32Array([kv.index('east'), kv.index('north'), kv.index('west')]);
  const add = kv.analogyBatch(q, 'add', 6);
  const single = kv.mostSimilar({ positive: ['north', 'west'], negative: ['east'], topn: 3 });
  const batchWords = [...add.ids].map((i) => words[i]).filter((w) => !['east', 'north', 'west'].includes(w));
  assert.deepEqual(
    batchWords,
    single.map((n) => n.word),
  );
  const mul = kv.analogyBatch(q, 'mul', 6);
  const singleMul = kv.mostSimilarCosmul({ positive: ['north', 'west'], negative: ['east'], topn: 3 });
  const mulWords = [...mul.ids].map((i) => words[i]).filter((w) => !['east', 'north', 'west'].includes(w));
  assert.deepEqual(
    mulWords,
    singleMul.map((n) => n.word),
  );
});
