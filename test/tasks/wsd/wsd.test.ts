import assert from 'node:assert/strict';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { findRaganatoFiles, readGoldKeys, readRaganatoXml } from '../../../src/tasks/wsd/raganato.js';
import { WordNet } from '../../../src/tasks/wsd/wordnet.js';
import { evaluateWsd, SenseVectors, type TokenEmbedder } from '../../../src/tasks/wsd/wsd.js';
import { collect, contextEmbedder, fixtures } from './helpers.js';

const shared = fileURLToPath(new URL('../../../../../shared/data/', import.meta.url));

test('Raganato reader: sentences, instances, XML entities, gold keys', async () => {
  const { xml, keys } = await findRaganatoFiles(path.join(fixtures, 'corpus'));
  const sentences = await collect(readRaganatoXml(xml));
  assert.equal(sentences.length, 3);
  assert.deepEqual(
    sentences[1].tokens.map((t) => t.text),
    ['river', 'bank', '&', 'coast'],
  );
  assert.equal(sentences[1].tokens[1].instance, 'd000.s001.t000');
  assert.equal(sentences[1].tokens[1].lemma, 'bank');
  const gold = await readGoldKeys(keys);
  assert.deepEqual(gold.get('d000.s000.t000'), ['bank%1:14:00::']);
});

test('WordNet: candidates in frequency order, POS split, glosses by byte offset', async () => {
  const wn = await WordNet.load(path.join(fixtures, 'dict'));
  assert.deepEqual(
    wn.senses('Bank', 'n').map((s) => s.key),
    ['bank%1:14:00::', 'bank%1:17:01::'],
  );
  assert.deepEqual(
    wn.senses('bank', 'v').map((s) => s.key),
    ['bank%2:40:00::'],
  );
  assert.equal(wn.senses('bank', 'r').length, 0);
  assert.equal(
    await wn.gloss('00000161n'),
    'sloping land beside a body of water; "they pulled the canoe up on the river bank"',
  );
  assert.deepEqual(await wn.synset('00000161n'), {
    id: '00000161n',
    words: ['bank'],
    lexFile: 17,
    hypernyms: ['00000048n'],
    gloss: 'sloping land beside a body of water; "they pulled the canoe up on the river bank"',
    definition: 'sloping land beside a body of water',
    examples: ['they pulled the canoe up on the river bank'],
  });
  assert.deepEqual((await wn.synset('00000048n')).words, ['depository_financial_institution', 'bank']);
});

test('sense vectors pick the sense whose contexts match; first sense when unseen; save/load', async () => {
  const { xml, keys } = await findRaganatoFiles(path.join(fixtures, 'corpus'));
  const wn = await WordNet.load(path.join(fixtures, 'dict'));
  const gold = await readGoldKeys(keys);
  // train on sentences 0 and 1 only, evaluate on all three
  const all = await collect(readRaganatoXml(xml));
  const senses = await SenseVectors.train(all.slice(0, 2), gold, wn, contextEmbedder);
  assert.equal(senses.size, 3); // two bank synsets + coast
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'smysl-wsd-')), 'senses.bin');
  await senses.save(file);
  const loaded = await SenseVectors.load(file);
  assert.deepEqual(loaded.ids, senses.ids);
  assert.deepEqual([...loaded.data], [...senses.data]);

  const { report, predictions } = await evaluateWsd(all, gold, wn, loaded, contextEmbedder);
  // sentence 2 ("river side bank") is the river sense, which the first-sense baseline gets wrong
  assert.equal(predictions.find((p) => p.instance === 'd000.s002.t000')?.key, 'bank%1:17:01::');
  assert.equal(report.system.total, 5);
  assert.equal(report.system.attempted, 4); // "unknownword" has no WordNet candidate
  assert.equal(report.system.correct, 4);
  assert.equal(report.firstSense.correct, 2); // money bank + coast
  assert.equal(report.byPos.n.correct, 4);
  assert.ok(Math.abs(report.system.f1 - (2 * 1 * 0.8) / 1.8) < 1e-12);
});

test('first-sense baseline on Senseval-2 matches the published 66.8 F1', async (t) => {
  const dir = path.join(shared, 'wsd/senseval2');
  const dict = path.join(shared, 'wordnet30/dict');
  if (!existsSync(dir) || !existsSync(dict)) {
    t.skip(`../shared/data/wsd/senseval2 or wordnet30 not present`);
    return;
  }
  const { xml, keys } = await findRaganatoFiles(dir);
  const wn = await WordNet.load(dict);
  const empty = new SenseVectors([], 1, new Float32Array(0), 'synset');
  const zero: TokenEmbedder = async (s) =>
    s.map((tokens) => ({ rows: tokens.length, dim: 1, data: new Float32Array(tokens.length) }));
  const { report } = await evaluateWsd(readRaganatoXml(xml), await readGoldKeys(keys), wn, empty, zero);
  assert.equal(report.system.total, 2282);
  // Raganato et al. (2017), Table 3: WordNet 1st sense on Senseval-2 = 66.8 (MFS from SemCor counts: 65.6)
  assert.ok(Math.abs(report.firstSense.f1 * 100 - 66.8) < 0.1, `MFS F1 ${report.firstSense.f1 * 100}`);
  assert.equal(report.system.f1, report.firstSense.f1);
});
