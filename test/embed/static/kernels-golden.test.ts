import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { goldenSentences, trainingCases, vectorsHash } from '../../golden/kernels/training-cases.js';

// Vectors from the hand-assembled kernels that preceded the WAT source (see training-cases.ts):
// the rewrite must change no bit of any training run.
const golden = JSON.parse(
  readFileSync(new URL('../../../../test/golden/kernels/training.json', import.meta.url), 'utf8'),
) as Record<string, { sha256: string; length: number; first: number[] }>;

test('word2vec and fastText training give the golden vectors bit for bit on every kernel path', async () => {
  const sentences = goldenSentences();
  assert.equal(Object.keys(golden).length, trainingCases.length);
  for (const c of trainingCases) {
    const v = await c.run(sentences);
    const want = golden[c.name];
    assert.ok(want, `no golden entry for ${c.name}`);
    assert.equal(v.length, want.length, c.name);
    assert.deepEqual(Array.from(v.subarray(0, 4)), want.first, c.name);
    assert.equal(vectorsHash(v), want.sha256, c.name);
  }
});
