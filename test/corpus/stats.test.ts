import assert from 'node:assert/strict';
import { test } from 'node:test';
import { computeCorpusStats, type Document, ProblemLog } from '../../src/corpus/index.js';

const doc = (id: string, text: string): Document => ({ id, text, meta: {} });

test('computeCorpusStats: counts, types, top words, language (hand-computed)', async () => {
  const stats = await computeCorpusStats(
    [doc('a', 'The cat sat. The cat ran!'), doc('b', 'Кошка и кот'), doc('c', '2024')],
    { stopwords: new Set(['the', 'и']), top: 4 },
  );
  assert.equal(stats.documents, 3);
  assert.equal(stats.tokens, 10);
  // the, cat, sat, ran, кошка, и, кот, 2024
  assert.equal(stats.types, 8);
  assert.equal(stats.characters, 25 + 11 + 4);
  assert.deepEqual(stats.tokensPerDocument, { min: 1, mean: 10 / 3, max: 6 });
  assert.deepEqual(stats.scripts, { cyrillic: 9, latin: 18 });
  assert.equal(stats.language, 'mixed');
  assert.deepEqual(stats.topWords, [
    { word: 'cat', count: 2 },
    { word: 'ran', count: 1 },
    { word: 'sat', count: 1 },
    { word: 'кот', count: 1 },
  ]);
});

test('computeCorpusStats: default stop words are Russian and English; async input; empty corpus', async () => {
  async function* docs() {
    yield doc('1', 'The river and the sea. Река и море, река!');
  }
  const stats = await computeCorpusStats(docs());
  assert.equal(stats.language, 'mixed');
  const top = stats.topWords.map((w) => w.word);
  assert.equal(top[0], 'река');
  assert.ok(!top.includes('the') && !top.includes('и') && !top.includes('and'));
  const empty = await computeCorpusStats([]);
  assert.deepEqual(
    [empty.documents, empty.tokens, empty.types, empty.language, empty.tokensPerDocument.mean],
    [0, 0, 0, 'unknown', 0],
  );
});

test('ProblemLog keeps the first examples per kind and sorts the summary by count', () => {
  const log = new ProblemLog(2);
  for (let i = 1; i <= 5; i++) log.add({ source: 'f', line: i, reason: 'bad', kind: 'malformed-json' });
  log.add({ source: 'f', line: 9, reason: 'dup', kind: 'duplicate-id' });
  log.ignore('blank line', 3);
  log.filtered = 4;
  const s = log.summary();
  assert.deepEqual(Object.entries(s.skipped), [
    ['malformed-json', 5],
    ['duplicate-id', 1],
  ]);
  assert.equal(s.skippedTotal, 6);
  assert.deepEqual(
    s.examples.map((p) => p.line),
    [1, 2, 9],
  );
  assert.deepEqual(s.ignored, { 'blank line': 3 });
  assert.equal(s.filtered, 4);
});
