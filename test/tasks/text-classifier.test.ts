import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { embedderByName } from '../../src/embed/by-name.js';
import { createClassifier, crossValidateTexts, TextClassifier } from '../../src/tasks/text-classifier.js';

// Two topics in Russian and English; each text shares its topic's words and nothing else.
const texts = [
  'кошка мяукает на кошку',
  'кошка спит, кошка мурлычет',
  'cat meows at the cat',
  'the cat sleeps and purrs',
  'поезд едет по рельсам',
  'поезд опоздал, поезд ушёл',
  'the train runs on rails',
  'a late train left',
];
const labels = ['cats', 'cats', 'cats', 'cats', 'trains', 'trains', 'trains', 'trains'];
const unseen = ['ещё одна кошка', 'another train', 'кошка и cat', 'поезд и train'];
const expected = ['cats', 'trains', 'cats', 'trains'];

for (const kind of ['logreg', 'knn'] as const) {
  test(`TextClassifier (${kind}) predicts, saves and loads back to the same predictions`, async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'smysl-text-classifier-'));
    try {
      const clf = new TextClassifier(
        await embedderByName('tfidf'),
        createClassifier({ classifier: kind, neighbors: 1, seed: 3 }),
      );
      await clf.fit(texts, labels);
      assert.deepEqual(await clf.predict(unseen), expected);
      await clf.save(dir);
      assert.deepEqual(
        readdirSync(dir).sort(),
        kind === 'knn' ? ['classifier.json', 'embedder', 'knn-vectors.f32'] : ['classifier.json', 'embedder'],
      );
      const loaded = await TextClassifier.load(dir);
      assert.deepEqual(await loaded.predict(unseen), expected);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

test('TextClassifier.load names what it expected in a directory that is not a classifier', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'smysl-text-classifier-'));
  try {
    await assert.rejects(TextClassifier.load(dir), { code: 'E_IO', message: /classify train/ });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('crossValidateTexts pools one prediction per text, each in the held-out fold', async () => {
  let made = 0;
  const { yTrue, yPred } = await crossValidateTexts(
    async () => {
      made++;
      return embedderByName('tfidf');
    },
    texts,
    labels,
    { folds: 2, classifier: 'knn', neighbors: 1 },
  );
  assert.equal(made, 2, 'tfidf has a fit step: a fresh embedder per fold');
  assert.deepEqual([...yTrue].sort(), [...labels].sort());
  assert.equal(yPred.length, texts.length);
  assert.ok(yPred.every((l) => l === 'cats' || l === 'trains'));
});
