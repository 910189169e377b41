import assert from 'node:assert/strict';
import { promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { WordNet } from '../../../src/tasks/wsd/wordnet.js';
import {
  chooseSense,
  evaluateWsd,
  GlossVectors,
  SenseVectors,
  type TokenEmbedder,
  topicVector,
} from '../../../src/tasks/wsd/wsd.js';
import type { DenseMatrix } from '../../../src/vectors/types.js';
import { fixtures, sentence } from './helpers.js';

/** Each word has its own vector: "money" (1, 0, 0), "river" (0, 1, 0), anything else (0, 0, 1). */
const wordEmbedder: TokenEmbedder = async (sentences) =>
  sentences.map((tokens): DenseMatrix => {
    const data = new Float32Array(tokens.length * 3);
    tokens.forEach((t, i) => {
      data[i * 3 + (t === 'money' ? 0 : t === 'river' ? 1 : 2)] = 1;
    });
    return { rows: tokens.length, dim: 3, data };
  });

const rounded = (v: ArrayLike<number>) => Array.from(v, (x) => Number(x.toFixed(5)));

test('topicVector is the unit mean of the rows in range', () => {
  const m: DenseMatrix = { rows: 3, dim: 2, data: Float32Array.from([1, 0, 0, 1, 3, 4]) };
  const h = Math.SQRT1_2;
  assert.deepEqual(rounded(topicVector(m, 0, 2)), rounded([h, h]));
  // (1 + 0 + 3, 0 + 1 + 4) / 3 -> (4, 5) / sqrt(41)
  assert.deepEqual(rounded(topicVector(m)), rounded([4 / Math.sqrt(41), 5 / Math.sqrt(41)]));
  assert.deepEqual(rounded(topicVector(m, 2, 3)), [0.6, 0.8]);
});

test('training keeps per sense the mean context vector of the windows it was read in', async () => {
  const wn = await WordNet.load(path.join(fixtures, 'dict'));
  const first = sentence('d0.s0', 'money', 'bank', 'bank');
  first.tokens[1].instance = 'i0';
  first.tokens[2].instance = 'i1';
  const second = sentence('d0.s1', 'river', 'bank');
  second.tokens[1].instance = 'i2';
  const gold = new Map([
    ['i0', ['bank%1:14:00::']],
    ['i1', ['bank%1:14:00::']],
    ['i2', ['bank%1:17:01::']],
  ]);
  // read alone: window 1 = money bank bank -> (1, 0, 2)/sqrt(5), window 2 = river bank -> (0, 1, 1)/sqrt(2)
  const alone = await SenseVectors.train([first, second], gold, wn, wordEmbedder, { topicVectors: true });
  const money = alone.ids.indexOf('bank%1:14:00::');
  const river = alone.ids.indexOf('bank%1:17:01::');
  const context = alone.topicData ?? new Float32Array(0);
  assert.deepEqual(
    rounded(context.subarray(money * 3, money * 3 + 3)),
    rounded([1 / Math.sqrt(5), 0, 2 / Math.sqrt(5)]),
  );
  assert.deepEqual(
    rounded(context.subarray(river * 3, river * 3 + 3)),
    rounded([0, Math.SQRT1_2, Math.SQRT1_2]),
  );
  // with one sentence of context both windows are the whole document: (1, 1, 3)/sqrt(11)
  const read = await SenseVectors.train([first, second], gold, wn, wordEmbedder, {
    context: 1,
    topicVectors: true,
  });
  const whole = rounded([1 / Math.sqrt(11), 1 / Math.sqrt(11), 3 / Math.sqrt(11)]);
  assert.deepEqual(rounded(read.topicData?.subarray(0, 3) ?? []), whole);
  assert.deepEqual(rounded(read.topicData?.subarray(3, 6) ?? []), whole);
  // without the option: the same sense vectors and no topic vectors
  const plain = await SenseVectors.train([first, second], gold, wn, wordEmbedder);
  assert.equal(plain.topicData, undefined);
  assert.deepEqual([...plain.data], [...alone.data]);

  const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'smysl-wsd-context-'));
  try {
    const file = path.join(dir, 'senses.bin');
    await alone.save(file);
    const loaded = await SenseVectors.load(file);
    assert.deepEqual([...loaded.data], [...alone.data]);
    assert.deepEqual([...(loaded.topicData ?? [])], [...context]);
    // a file written before context vectors existed (format 1) still loads, without them
    const header = Buffer.from(JSON.stringify({ format: 1, level: 'sense', dim: 3, ids: ['a'], meta: {} }));
    const length = Buffer.alloc(4);
    length.writeUInt32LE(header.length);
    const row = Buffer.from(Float32Array.from([0, 0, 1]).buffer);
    await fsp.writeFile(file, Buffer.concat([Buffer.from('SMYSL-SENSES', 'latin1'), length, header, row]));
    const old = await SenseVectors.load(file);
    assert.deepEqual([...old.data], [0, 0, 1]);
    assert.equal(old.topicData, undefined);
  } finally {
    await fsp.rm(dir, { recursive: true, force: true });
  }
});

test('context weights add the cosines of the context vector to the sense context and the gloss', async () => {
  const wn = await WordNet.load(path.join(fixtures, 'dict'));
  const candidates = wn.senses('bank', 'n');
  // token cosines 0.8 (money) and 0.6 (river); context cosines 0 and 1
  const senses = new SenseVectors(
    ['bank%1:14:00::', 'bank%1:17:01::'],
    2,
    Float32Array.from([0.8, 0.6, 0.6, 0.8]),
    'sense',
    {},
    Float32Array.from([1, 0, 0, 1]),
  );
  const token = Float32Array.from([1, 0]);
  const context = Float32Array.from([0, 1]);
  assert.equal(chooseSense(candidates, token, 0, senses, {}, context).sense.key, 'bank%1:14:00::');
  // weight 0.1: 0.8 > 0.6 + 0.1; weight 0.3: 0.8 < 0.6 + 0.3
  assert.equal(
    chooseSense(candidates, token, 0, senses, { topicWeight: 0.1 }, context).sense.key,
    'bank%1:14:00::',
  );
  assert.equal(
    chooseSense(candidates, token, 0, senses, { topicWeight: 0.3 }, context).sense.key,
    'bank%1:17:01::',
  );
  // without a context vector the weight has nothing to act on
  assert.equal(chooseSense(candidates, token, 0, senses, { topicWeight: 0.3 }).sense.key, 'bank%1:14:00::');

  // no sense vectors: the context-gloss cosine decides among the glosses (word embedder, 3-d)
  const glosses = new GlossVectors(wn, wordEmbedder);
  await glosses.ensure(candidates);
  const none = new SenseVectors([], 3, new Float32Array(0), 'sense');
  const riverContext = Float32Array.from([0, 1, 0]);
  const picked = chooseSense(
    candidates,
    Float32Array.from([0, 0, 1]),
    0,
    none,
    {
      topicGlossWeight: 1,
      glosses,
    },
    riverContext,
  );
  assert.deepEqual([picked.sense.key, picked.by], ['bank%1:17:01::', 'gloss']);
});

test('the topic-gloss term can read passage and glosses with another embedder', async () => {
  const wn = await WordNet.load(path.join(fixtures, 'dict'));
  const candidates = wn.senses('bank', 'n');
  const glosses = new GlossVectors(wn, wordEmbedder);
  await glosses.ensure(candidates);
  const none = new SenseVectors([], 3, new Float32Array(0), 'sense');
  const token = Float32Array.from([0, 0, 1]);
  // the money gloss is (0, 0, 1), the river gloss has a "river" part: a "money" topic ties
  // (both dot products 0, the first sense stays); a "river" topic for the glosses picks river
  const money = Float32Array.from([1, 0, 0]);
  const river = Float32Array.from([0, 1, 0]);
  const scoring = { topicGlossWeight: 1, topicGlosses: glosses };
  assert.equal(chooseSense(candidates, token, 0, none, scoring, money).sense.key, 'bank%1:14:00::');
  assert.equal(chooseSense(candidates, token, 0, none, scoring, money, river).sense.key, 'bank%1:17:01::');

  // evaluateWsd: `embed` sees every word as (0, 0, 1), so its passage and gloss vectors all tie;
  // with topicEmbed = the word embedder, "river bank" is (0, 1, 1)/sqrt(2) and the river gloss wins
  const flat: TokenEmbedder = async (sentences) =>
    sentences.map((tokens) => {
      const data = new Float32Array(tokens.length * 3);
      for (let i = 0; i < tokens.length; i++) data[i * 3 + 2] = 1;
      return { rows: tokens.length, dim: 3, data };
    });
  const text = sentence('d0.s0', 'river', 'bank');
  text.tokens[1].instance = 'i0';
  const gold = new Map([['i0', ['bank%1:17:01::']]]);
  const options = { topicGlossWeight: 1 };
  const same = await evaluateWsd([text], gold, wn, none, flat, options);
  assert.equal(same.predictions[0].key, 'bank%1:14:00::');
  const other = await evaluateWsd([text], gold, wn, none, flat, { ...options, topicEmbed: wordEmbedder });
  assert.deepEqual([other.predictions[0].key, other.predictions[0].by], ['bank%1:17:01::', 'gloss']);
  assert.equal(other.report.system.correct, 1);
});
