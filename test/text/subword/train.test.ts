import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { splitSentences } from '../../../src/text/sentences.js';
import { Tokenizer } from '../../../src/text/subword/index.js';
import { type SubwordModelKind, trainTokenizer } from '../../../src/text/subword/train.js';
import type { Progress } from '../../../src/util/progress.js';
import { realSentences, referenceTokenizer } from './helpers.js';

/** Sentences of the sample corpus shipped in examples/ (always in the repository). */
function exampleSentences(): string[] {
  const root = fileURLToPath(new URL('../../../../examples/corpus/', import.meta.url));
  const out: string[] = [];
  for (const f of readdirSync(root, { recursive: true }).map(String).sort()) {
    if (!/\.(md|txt)$/.test(f)) continue;
    for (const s of splitSentences(readFileSync(path.join(root, f), 'utf8')))
      out.push(s.text.replace(/\s+/g, ' '));
  }
  return out;
}

function corpus(): { train: string[]; held: string[] } {
  let real = realSentences(300);
  // without ../shared/data, the sample corpus (~300 English and Russian sentences) stands in
  if (real.length === 0) real = exampleSentences();
  const train = real.filter((_, i) => i % 4 !== 0);
  const held = real.filter((_, i) => i % 4 === 0).slice(0, 300);
  return { train, held: [...held, 'Naïve café — Ёлка 😀 日本語  two  spaces', ''] };
}

const MODELS: SubwordModelKind[] = ['bpe', 'bytelevel-bpe', 'wordpiece', 'unigram'];

for (const model of MODELS) {
  test(`${model}: trained, saved tokenizer.json encodes identically in @huggingface/transformers`, async () => {
    const { train, held } = corpus();
    const seen = new Set([...train.join('').normalize('NFKC')]);
    const phases = new Set<string>();
    const tokenizer = await trainTokenizer(train, {
      model,
      vocabSize: 600,
      onProgress: (p: Progress) => phases.add(p.phase.split(' ')[0]),
    });
    assert.ok(phases.size > 0, 'reports progress');
    assert.ok(tokenizer.vocabSize <= 600 && tokenizer.vocabSize > 300, `vocab size ${tokenizer.vocabSize}`);
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'smysl-train-')), 'tokenizer.json');
    await tokenizer.save(file);
    const loaded = await Tokenizer.load(file);
    const reference = await referenceTokenizer(file);
    let faithful = 0;
    for (const text of held) {
      const ids = loaded.encode(text).ids;
      assert.deepEqual(ids, reference(text), `${model}: ${JSON.stringify(text)}`);
      assert.deepEqual(tokenizer.encode(text).ids, ids);
      // BPE and Unigram normalize as SentencePiece does (NFKC, single spaces, stripped): the round
      // trip is faithful up to that normalization; byte-level is faithful byte for byte.
      const normalized =
        model === 'bytelevel-bpe' ? text : text.normalize('NFKC').replace(/ {2,}/g, ' ').trim();
      if (loaded.decode(ids) === normalized) faithful++;
      // a text that does not come back must hold a character the model never saw (an unknown piece)
      else if (model !== 'bytelevel-bpe' && model !== 'wordpiece')
        assert.ok(
          [...normalized].some((ch) => !seen.has(ch) && ch !== ' '),
          `${model} fails to round-trip ${JSON.stringify(text)} without an unseen character`,
        );
    }
    if (model === 'bytelevel-bpe') assert.equal(faithful, held.length, 'byte-level round trips every text');
    else if (model !== 'wordpiece')
      assert.ok(faithful >= held.length * 0.9, `${model} round trips ${faithful}/${held.length}`);
    // Offsets cover the text the tokens came from.
    const text = held[0];
    const e = loaded.encode(text);
    for (const [s, end] of e.offsets) assert.ok(s >= 0 && s <= end && end <= text.length);
  });
}

test('BPE merges apply by rank: the same word always yields the same pieces, cache or not', async () => {
  const tokenizer = Tokenizer.fromJSON({
    model: {
      type: 'BPE',
      vocab: { a: 0, b: 1, c: 2, ab: 3, bc: 4, abc: 5 },
      merges: ['b c', 'a b', 'a bc'],
    },
    normalizer: null,
    pre_tokenizer: { type: 'WhitespaceSplit' },
    post_processor: null,
    decoder: null,
  });
  // "b c" has rank 0 so it wins over "a b"; then "a bc" applies.
  assert.deepEqual(tokenizer.encode('abc').tokens, ['abc']);
  assert.deepEqual(tokenizer.encode('abcab abc').tokens, ['abc', 'ab', 'abc']);
  assert.deepEqual(tokenizer.encode('abcab abc').offsets, [
    [0, 3],
    [3, 5],
    [6, 9],
  ]);
});

test('Unigram: Viterbi picks the best-scoring segmentation; sampling varies', () => {
  const tokenizer = Tokenizer.fromJSON({
    model: {
      type: 'Unigram',
      unk_id: 0,
      vocab: [
        ['<unk>', 0],
        ['▁', -2],
        ['▁ab', -1],
        ['a', -2],
        ['b', -2],
        ['c', -2],
        ['▁a', -1.5],
        ['bc', -1.2],
      ],
    },
    normalizer: null,
    pre_tokenizer: { type: 'Metaspace', replacement: '▁', prepend_scheme: 'always', split: true },
    post_processor: null,
    decoder: { type: 'Metaspace', replacement: '▁', prepend_scheme: 'always', split: true },
  });
  // ▁ab + c = -3 ; ▁a + bc = -2.7 → the latter wins.
  assert.deepEqual(tokenizer.encode('abc').tokens, ['▁a', 'bc']);
  assert.deepEqual(tokenizer.encode('abx').tokens, ['▁ab', '<unk>']);
  assert.equal(tokenizer.decode(tokenizer.encode('abc ab').ids), 'abc ab');
  const model = tokenizer.model as import('../../../src/text/subword/models.js').UnigramModel;
  let seed = 1;
  const random = () => ((seed = (seed * 16807) % 2147483647) - 1) / 2147483646;
  const seen = new Set<string>();
  for (let i = 0; i < 50; i++) seen.add(Array.from(model.sampleWord('▁abc', 1, random)).join(','));
  assert.ok(seen.size > 1, 'sampling explores several segmentations');
});

test('WordPiece criteria: frequency merges compress better than the WordPiece score at a small vocabulary', async () => {
  const { train, held } = corpus();
  const count = async (criterion: 'score' | 'frequency') => {
    const tokenizer = await trainTokenizer(train, {
      model: 'wordpiece',
      vocabSize: 600,
      wordPieceCriterion: criterion,
    });
    return held.reduce((s, t) => s + tokenizer.encode(t, { addSpecialTokens: false }).ids.length, 0);
  };
  const byScore = await count('score');
  const byFrequency = await count('frequency');
  assert.ok(byFrequency < byScore, `frequency ${byFrequency} vs score ${byScore}`);
});
