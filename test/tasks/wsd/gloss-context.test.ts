import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { WordNet } from '../../../src/tasks/wsd/wordnet.js';
import {
  chooseSense,
  GlossVectors,
  glossWords,
  SenseVectors,
  withContext,
} from '../../../src/tasks/wsd/wsd.js';
import { collect, contextEmbedder, fixtures, sentence } from './helpers.js';

test('withContext adds neighbouring sentences of the same document only', async () => {
  const doc = [
    sentence('d0.s0', 'a'),
    sentence('d0.s1', 'b', 'c'),
    sentence('d0.s2', 'd'),
    sentence('d1.s0', 'e'),
  ];
  const one = await collect(withContext(doc, 1));
  assert.deepEqual(
    one.map((s) => [s.sentence.id, s.tokens.join(' '), s.offset]),
    [
      ['d0.s0', 'a b c', 0],
      ['d0.s1', 'a b c d', 1],
      ['d0.s2', 'b c d', 2],
      ['d1.s0', 'e', 0],
    ],
  );
  const two = await collect(withContext(doc, 2));
  assert.deepEqual(
    two.map((s) => [s.tokens.join(' '), s.offset]),
    [
      ['a b c d', 0],
      ['a b c d', 1],
      ['a b c d', 3],
      ['e', 0],
    ],
  );
  const none = await collect(withContext(doc, 0));
  assert.deepEqual(
    none.map((s) => [s.tokens.join(' '), s.offset]),
    [
      ['a', 0],
      ['b c', 0],
      ['d', 0],
      ['e', 0],
    ],
  );
});

test('gloss words: the sense lemma first, then the synset lemmas and the gloss', async () => {
  const wn = await WordNet.load(path.join(fixtures, 'dict'));
  const [money] = wn.senses('bank', 'n');
  assert.deepEqual(await glossWords(wn, money), [
    'bank',
    ',',
    'depository',
    'financial',
    'institution',
    '-',
    'a',
    'financial',
    'institution',
    'that',
    'accepts',
    'deposits',
  ]);
});

test('glosses decide when no candidate has a sense vector; they add to the cosine otherwise', async () => {
  const wn = await WordNet.load(path.join(fixtures, 'dict'));
  const candidates = wn.senses('bank', 'n'); // tag counts 25 and 20
  const glosses = new GlossVectors(wn, contextEmbedder);
  await glosses.ensure(candidates);
  // money gloss has neither word: (0, 0, 0.1) -> (0, 0, 1); the river sense's example has "river"
  assert.deepEqual([...(glosses.get('bank%1:14:00::') ?? [])], [0, 0, 1]);
  const river = glosses.get('bank%1:17:01::') ?? new Float32Array(3);
  assert.ok(Math.abs(river[1] - 1 / Math.sqrt(1.01)) < 1e-6);

  const none = new SenseVectors([], 3, new Float32Array(0), 'sense');
  const context = Float32Array.from([0, 1, 0.1]);
  assert.deepEqual(chooseSense(candidates, context, 0, none), { sense: candidates[0], by: 'first-sense' });
  // gloss cosines 0.0995 and 1
  const byGloss = chooseSense(candidates, context, 0, none, { glossWeight: 1, glosses });
  assert.deepEqual([byGloss.sense.key, byGloss.by], ['bank%1:17:01::', 'gloss']);
  // prior shares 26/47 and 21/47: weight 2 -> 1.2059 < 1.8936; weight 10 -> 5.632 > 5.468
  const prior2 = chooseSense(candidates, context, 0, none, { glossWeight: 1, glosses, priorWeight: 2 });
  assert.equal(prior2.sense.key, 'bank%1:17:01::');
  const prior10 = chooseSense(candidates, context, 0, none, { glossWeight: 1, glosses, priorWeight: 10 });
  assert.equal(prior10.sense.key, 'bank%1:14:00::');

  // sense vectors (1, 0, 0) and (0.8, 0.6, 0); context (1, 0.2, 0): cosines 0.9806 and 0.9021,
  // river gloss cosine 0.1951: weight 0.5 -> 0.9997 wins, weight 0.3 -> 0.9606 loses
  const senses = new SenseVectors(
    ['bank%1:14:00::', 'bank%1:17:01::'],
    3,
    Float32Array.from([1, 0, 0, 0.8, 0.6, 0]),
    'sense',
  );
  const x = Float32Array.from([9, 9, 9, 1, 0.2, 0]); // offset 3
  assert.equal(chooseSense(candidates, x, 3, senses).sense.key, 'bank%1:14:00::');
  const half = chooseSense(candidates, x, 3, senses, { glossWeight: 0.5, glosses });
  assert.deepEqual([half.sense.key, half.by], ['bank%1:17:01::', 'vector']);
  assert.equal(
    chooseSense(candidates, x, 3, senses, { glossWeight: 0.3, glosses }).sense.key,
    'bank%1:14:00::',
  );
});

test('training with context reads the neighbouring sentence', async () => {
  const wn = await WordNet.load(path.join(fixtures, 'dict'));
  const money = sentence('d0.s0', 'money', 'bank');
  money.tokens[1].instance = 'i0';
  const doc = [money, sentence('d0.s1', 'river')];
  const gold = new Map([['i0', ['bank%1:14:00::']]]);
  const alone = await SenseVectors.train(doc, gold, wn, contextEmbedder);
  const r0 = 1 / Math.sqrt(1.01);
  assert.deepEqual(
    [...alone.data].map((v) => Number(v.toFixed(5))),
    [r0, 0, 0.1 * r0].map((v) => Number(v.toFixed(5))),
  );
  const read = await SenseVectors.train(doc, gold, wn, contextEmbedder, { context: 1 });
  const r1 = 1 / Math.sqrt(2.01);
  assert.deepEqual(
    [...read.data].map((v) => Number(v.toFixed(5))),
    [r1, r1, 0.1 * r1].map((v) => Number(v.toFixed(5))),
  );
  assert.equal(read.meta.context, 1);
  assert.equal(read.level, 'sense');
  assert.deepEqual(read.ids, ['bank%1:14:00::']);
});
