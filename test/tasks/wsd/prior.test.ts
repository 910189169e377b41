import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Sense } from '../../../src/tasks/wsd/wordnet.js';
import { chooseSense, SenseVectors } from '../../../src/tasks/wsd/wsd.js';

// Two synsets at cosines 0.6 and 0.8 to the context vector (1, 0).
const senses = new SenseVectors(['a', 'b'], 2, Float32Array.from([0.6, 0.8, 0.8, 0.6]), 'synset');
const candidates: Sense[] = [
  { key: 'x%1', synset: 'a', senseNumber: 1, tagCount: 29 },
  { key: 'x%2', synset: 'b', senseNumber: 2, tagCount: 9 },
];
const context = Float32Array.from([1, 0]);

test('without a prior the nearest sense wins', () => {
  assert.equal(chooseSense(candidates, context, 0, senses).sense.key, 'x%2');
});

test('the frequency prior adds weight x (tagCount + 1) / sum to each cosine', () => {
  // Prior shares: 30/40 = 0.75 and 10/40 = 0.25. Weight 0.5: 0.6 + 0.375 = 0.975 > 0.8 + 0.125 = 0.925.
  assert.equal(chooseSense(candidates, context, 0, senses, { priorWeight: 0.5 }).sense.key, 'x%1');
  // Weight 0.1: 0.6 + 0.075 = 0.675 < 0.8 + 0.025.
  assert.equal(chooseSense(candidates, context, 0, senses, { priorWeight: 0.1 }).sense.key, 'x%2');
});
