import assert from 'node:assert/strict';
import { test } from 'node:test';
import { meanWordVector, subtractFromRows } from '../../../src/embed/student/center.js';
import { StudentEmbedder } from '../../../src/embed/student/embedder.js';
import { FeatureVocabulary } from '../../../src/embed/student/features.js';
import { StudentParameters } from '../../../src/embed/student/model.js';
import { trainingParagraphs } from '../../../src/embed/student/recipe.js';

// Word rows only (no stems, no n-grams): one row per word keeps the hand computation short.
const settings = { minn: 0, maxn: 0, stems: false };

function toy(): { vocab: FeatureVocabulary; params: StudentParameters } {
  const vocab = new FeatureVocabulary(['w кот', 'w спит', 'w дом'], settings);
  const params = new StudentParameters(
    { rows: 3, dim: 2, outDim: 2, projection: false },
    { table: Float32Array.from([1, 0, 0, 2, 3, 1]) },
  );
  return { vocab, params };
}

test('meanWordVector: the mean over word occurrences with rows (hand-computed), unknown words skipped', () => {
  const { vocab, params } = toy();
  // кот (1,0) twice, спит (0,2) once, "собака" has no row
  const { mean, words } = meanWordVector(vocab, params.table, 2, ['кот спит', 'кот собака']);
  assert.equal(words, 3);
  assert.deepEqual([...mean], [2 / 3, 2 / 3]);
});

test('subtractFromRows takes the vector out of every row', () => {
  const table = Float32Array.from([1, 0, 0, 2, 3, 1]);
  subtractFromRows(table, 2, Float64Array.from([0.5, 1]));
  assert.deepEqual([...table], [0.5, -1, -0.5, 1, 2.5, 0]);
});

test('a centered student sums (word vector - mean) per word: a text of the centering words alone loses their common part', async () => {
  const { vocab, params } = toy();
  const student = StudentEmbedder.fromParameters(params, vocab, { name: 'toy' }, 'f32');
  const centered = student.centered(['кот спит', 'кот собака'], 'toy text');
  assert.deepEqual(centered.info.centered, { source: 'toy text', words: 3, norm: Math.hypot(2 / 3, 2 / 3) });
  // "дом кот": (3,1) + (1,0) - 2·(2/3, 2/3) = (8/3, -1/3) → unit
  const [x, y] = (await centered.embed(['дом кот'])).data;
  const n = Math.hypot(8 / 3, -1 / 3);
  assert.ok(Math.abs(x - 8 / 3 / n) < 1e-6 && Math.abs(y - -1 / 3 / n) < 1e-6, `${x} ${y}`);
  // the uncentered student is unchanged
  const [u, v] = (await student.embed(['дом кот'])).data;
  assert.ok(Math.abs(u - 4 / Math.hypot(4, 1)) < 1e-6 && Math.abs(v - 1 / Math.hypot(4, 1)) < 1e-6);
});

test('trainingParagraphs: 2-8 consecutive sentences, the two sides aligned, the same for a seed', () => {
  const source = Array.from({ length: 40 }, (_, i) => `en${i}`);
  const target = Array.from({ length: 40 }, (_, i) => `ru${i}`);
  const a = trainingParagraphs(source, target, 50, 9);
  assert.equal(a.texts.length, 50);
  for (let k = 0; k < 50; k++) {
    const ru = a.texts[k].split(' ');
    const en = a.teacherTexts[k].split(' ');
    assert.ok(ru.length >= 2 && ru.length <= 8, a.texts[k]);
    assert.deepEqual(
      ru.map((w) => w.slice(2)),
      en.map((w) => w.slice(2)),
    );
    const first = Number(ru[0].slice(2));
    assert.deepEqual(
      ru,
      ru.map((_, i) => `ru${first + i}`),
    );
  }
  assert.deepEqual(trainingParagraphs(source, target, 50, 9), a);
  assert.notDeepEqual(trainingParagraphs(source, target, 50, 10), a);
  assert.equal(trainingParagraphs(source.slice(0, 5), target.slice(0, 5), 10, 9).texts.length, 0);
});
