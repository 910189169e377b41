import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  containsPhrase,
  DEFAULT_FUSION,
  defaultFusionWeights,
  fuse,
  lexicalTier,
  reciprocalRankFusion,
} from '../../src/index/fusion.js';

const a = [
  { id: 'a', score: 3 },
  { id: 'b', score: 2 },
  { id: 'c', score: 1 },
];
const b = [
  { id: 'c', score: 10 },
  { id: 'd', score: 0 },
];

test('dbsf: each list mapped from [μ−3σ, μ+3σ] to [0, 1], weighted mean (hand-computed)', () => {
  // a: μ = 2, σ = √(2/3) → a 0.70412, b 0.5, c 0.29588;  b: μ = 5, σ = 5 → c 2/3, d 1/3
  const fused = fuse([{ hits: a }, { hits: b }], { method: 'dbsf', k: 10 });
  assert.deepEqual(
    fused.map((h) => h.id),
    ['c', 'a', 'b', 'd'],
  );
  const expected = { c: (0.295876 + 2 / 3) / 2, a: 0.704124 / 2, b: 0.25, d: 1 / 6 };
  for (const h of fused) assert.ok(Math.abs(h.score - expected[h.id as keyof typeof expected]) < 1e-5, h.id);
  // per side: rank and raw score, null where a list did not have the document
  assert.deepEqual(fused[0].sides, [
    { rank: 3, score: 1 },
    { rank: 1, score: 10 },
  ]);
  assert.deepEqual(fused[1].sides, [{ rank: 1, score: 3 }, null]);
  // weights: the second list at 0 leaves the first list's order
  const onlyA = fuse([{ hits: a }, { hits: b, weight: 0 }], { method: 'dbsf' });
  assert.deepEqual(
    onlyA.slice(0, 3).map((h) => h.id),
    ['a', 'b', 'c'],
  );
});

test('minmax, zscore and rrf on the same lists (hand-computed)', () => {
  const minmax = fuse([{ hits: a }, { hits: b }], { method: 'minmax' });
  // a: 1, 0.5, 0;  b: c 1, d 0 → c 0.5, a 0.5, b 0.25, d 0 (ties by id)
  assert.deepEqual(
    minmax.map((h) => [h.id, h.score]),
    [
      ['a', 0.5],
      ['c', 0.5],
      ['b', 0.25],
      ['d', 0],
    ],
  );
  const z = fuse([{ hits: a }, { hits: b }], { method: 'zscore' });
  // z(a) = 1.2247, floor of b = −1 → a 0.2247; c = −1.2247 + 1 = −0.2247; b = 0 − 1; d = −1 − 1.2247
  assert.deepEqual(
    z.map((h) => h.id),
    ['a', 'c', 'b', 'd'],
  );
  assert.ok(Math.abs(z[0].score - (Math.sqrt(1.5) - 1)) < 1e-9);
  const rrf = fuse([{ hits: a }, { hits: b }], { method: 'rrf', k0: 60 });
  assert.ok(Math.abs(rrf[0].score - (1 / 63 + 1 / 61)) < 1e-12);
  assert.equal(rrf[0].id, 'c');
  assert.deepEqual(
    reciprocalRankFusion([{ hits: a }, { hits: b }], 2).map((h) => h.id),
    ['c', 'a'],
  );
});

test('statistics come from the first statsDepth hits; default weights follow the query language', () => {
  const long = Array.from({ length: 200 }, (_, i) => ({ id: `x${i}`, score: 1 - i / 200 }));
  const shallow = fuse([{ hits: long.slice(0, 50) }], { method: 'dbsf', k: 5 });
  const deep = fuse([{ hits: long }], { method: 'dbsf', k: 5 });
  assert.deepEqual(
    deep.map((h) => h.score),
    shallow.map((h) => h.score),
  );
  assert.equal(DEFAULT_FUSION.method, 'dbsf');
  // dense leads only in a language the encoder declares; BM25 leads otherwise and when none is declared
  assert.deepEqual(defaultFusionWeights('how do bees talk', ['en']), { dense: 1, lexical: 0.15 });
  assert.deepEqual(defaultFusionWeights('рецепт борща', ['en']), { dense: 0.5, lexical: 1 });
  assert.deepEqual(defaultFusionWeights('рецепт борща', ['en', 'ru']), { dense: 1, lexical: 0.15 });
  assert.deepEqual(defaultFusionWeights('how do bees talk', undefined), { dense: 0.5, lexical: 1 });
  assert.deepEqual(defaultFusionWeights('борщ recipe', ['en']), { dense: 0.5, lexical: 1 });
  assert.deepEqual(defaultFusionWeights('1703', ['en']), { dense: 0.5, lexical: 1 });
});

test('lexical confidence: a phrase of a long passage ranks first, then every term; near-copies and short queries do not count', () => {
  assert.ok(containsPhrase(['a', 'b', 'c', 'd'], ['b', 'c']));
  assert.ok(!containsPhrase(['a', 'b', 'x', 'c'], ['b', 'c']));
  assert.ok(!containsPhrase(['a', 'b'], ['a', 'b', 'c']));
  assert.ok(!containsPhrase(['a'], []));
  assert.deepEqual(DEFAULT_FUSION.lexicalConfidence, {
    depth: 20,
    phraseTerms: 2,
    everyTerms: 3,
    passageRatio: 10,
  });
  const filler = Array.from({ length: 40 }, (_, i) => `w${i}`);
  const passage = [...filler.slice(0, 20), 'moon', 'river', 'song', ...filler.slice(20)];
  assert.equal(lexicalTier(passage, ['moon', 'river']), 2);
  assert.equal(lexicalTier(passage, ['moon', 'river', 'song']), 2);
  assert.equal(lexicalTier(passage, ['song', 'moon', 'river']), 1); // every term, not as a phrase
  assert.equal(lexicalTier(passage, ['river', 'moon']), 0); // two terms out of order: not enough
  assert.equal(lexicalTier(passage, ['moon']), 0); // one term says nothing
  assert.equal(lexicalTier(passage, ['moon', 'river', 'song', 'sky']), 0);
  // the passage must be at least 10x the query: a near-copy is the dense side's to find
  assert.equal(lexicalTier(passage.slice(15, 30), ['moon', 'river']), 0);
  assert.equal(lexicalTier(passage.slice(10, 30), ['moon', 'river']), 2);

  // tiers outrank scores; the fused score orders hits inside a tier
  const dense = [
    { id: 'a', score: 0.9 },
    { id: 'b', score: 0.5 },
    { id: 'c', score: 0.4 },
  ];
  const lexical = [
    { id: 'c', score: 2 },
    { id: 'b', score: 1 },
  ];
  const plain = fuse([{ hits: dense }, { hits: lexical, weight: 0.15 }], { method: 'dbsf' });
  assert.equal(plain[0].id, 'a');
  const tiered = fuse([{ hits: dense }, { hits: lexical, weight: 0.15 }], {
    method: 'dbsf',
    tiers: new Map([
      ['b', 1],
      ['c', 2],
    ]),
  });
  assert.deepEqual(
    tiered.map((h) => h.id),
    ['c', 'b', 'a'],
  );
  assert.deepEqual(
    tiered.map((h) => h.score),
    ['c', 'b', 'a'].map((id) => plain.find((h) => h.id === id)!.score),
  );
});
