import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { readWordVectors } from '../../../src/embed/static/formats.js';
import { KeyedVectors, type Neighbor } from '../../../src/embed/static/keyed-vectors.js';

// Files and outputs made once by gensim 4.2: test/golden/wordvec/make_gensim_files.py.
const golden = (name: string) =>
  fileURLToPath(new URL(`../../../../test/golden/wordvec/${name}`, import.meta.url));
const outputs = JSON.parse(readFileSync(golden('gensim_outputs.json'), 'utf8'));
const EPS = 1e-5;

function assertNeighbors(actual: Neighbor[], expected: [string, number][], what: string) {
  assert.equal(actual.length, expected.length, what);
  for (let i = 0; i < expected.length; i++) {
    assert.equal(actual[i].word, expected[i][0], `${what} #${i}`);
    assert.ok(
      Math.abs(actual[i].score - expected[i][1]) < EPS,
      `${what} #${i}: ${actual[i].score} vs ${expected[i][1]}`,
    );
  }
}

test('gensim-written text and binary files load identically, in the same order', async () => {
  const text = await readWordVectors(golden('small.txt'));
  const binary = await readWordVectors(golden('small.bin'));
  assert.equal(text.format, 'word2vec-text');
  assert.equal(binary.format, 'word2vec-binary');
  assert.equal(text.words.length, 603);
  assert.equal(text.dim, 16);
  assert.deepEqual(binary.words, text.words);
  assert.deepEqual(binary.vectors, text.vectors);
  assert.equal(text.words[600], 'Government');
});

test('queries match gensim most_similar, most_similar_cosmul, doesnt_match, n_similarity, similarity, rank', async () => {
  const kv = await KeyedVectors.load(golden('small.bin'));
  for (const q of outputs.most_similar)
    assertNeighbors(
      kv.mostSimilar({
        positive: q.positive,
        negative: q.negative,
        topn: 10,
        restrictVocab: q.restrict_vocab ?? undefined,
      }),
      q.result,
      `most_similar ${JSON.stringify(q.positive)} - ${JSON.stringify(q.negative)}`,
    );
  for (const q of outputs.most_similar_cosmul)
    assertNeighbors(
      kv.mostSimilarCosmul({ positive: q.positive, negative: q.negative, topn: 10 }),
      q.result,
      `most_similar_cosmul ${JSON.stringify(q.positive)}`,
    );
  for (const q of outputs.doesnt_match) assert.equal(kv.doesntMatch(q.words), q.result);
  for (const q of outputs.n_similarity)
    assert.ok(Math.abs(kv.nSimilarity(q.words1, q.words2) - q.result) < EPS);
  for (const q of outputs.similarity) assert.ok(Math.abs(kv.similarity(q.word1, q.word2) - q.result) < EPS);
  for (const q of outputs.rank)
    assert.equal(kv.rank(q.word1, q.word2), q.result, `rank ${q.word1} ${q.word2}`);
});
