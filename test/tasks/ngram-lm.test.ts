import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { NgramLanguageModel, sentenceWords } from '../../src/tasks/ngram-lm.js';

const corpus = [
  'the cat sat on the mat',
  'the dog sat on the log',
  'a cat saw the dog',
  'кошка сидит на ковре',
  'собака сидит на ковре',
].map((s) => s.split(' '));

function sumOverVocab(lm: NgramLanguageModel, history: string[]): number {
  const words = (lm.toJSON() as { words: string[] }).words;
  return words.reduce((s, w) => s + lm.probability(w, history), 0);
}

test('Kneser-Ney distributions sum to 1 for seen, unseen and partial histories', () => {
  for (const order of [1, 2, 3, 4]) {
    const lm = new NgramLanguageModel({ order }).fit(corpus);
    for (const h of [[], ['the'], ['sat', 'on'], ['on', 'the'], ['zzz', 'qqq'], ['сидит', 'на'], ['<s>']]) {
      const s = sumOverVocab(lm, h);
      assert.ok(Math.abs(s - 1) < 1e-12, `order ${order} history ${h.join(' ')}: sum ${s}`);
    }
  }
});

test('add-k distributions sum to 1 and match the hand-computed value', () => {
  const lm = new NgramLanguageModel({ order: 2, smoothing: 'add-k', k: 0.5 }).fit(corpus);
  assert.ok(Math.abs(sumOverVocab(lm, ['the']) - 1) < 1e-12);
  // "the" is followed by cat, mat, dog, log, dog: c(the dog)=2, c(the)=5; V = 14 words + </s> + <unk> = 16
  assert.equal(lm.vocabularySize, 16);
  assert.ok(Math.abs(lm.probability('dog', ['the']) - (2 + 0.5) / (5 + 0.5 * 16)) < 1e-12);
});

test('Kneser-Ney bigram probability matches a hand computation', () => {
  const lm = new NgramLanguageModel({ order: 2, discount: 0.75 }).fit([
    ['a', 'b'],
    ['a', 'c'],
    ['b', 'c'],
  ]);
  // bigrams (with <s> and </s>): <s>a x2, ab, ac, <s>b, bc, b</s>, c</s> x2 -> 9 bigram tokens, 8 types
  // continuation counts: a:1 (<s>), b:2 (a,<s>), c:2 (a,b), </s>:2 (b,c); N1+(••) = 7; V = {a,b,c,</s>,<unk>} = 5
  const V = 5;
  const pCont = (n: number) => Math.max(n - 0.75, 0) / 7 + ((0.75 * 4) / 7) * (1 / V);
  // after "a": followers b (1), c (1): total 2, distinct 2
  const expected = (1 - 0.75) / 2 + ((0.75 * 2) / 2) * pCont(2);
  assert.ok(Math.abs(lm.probability('b', ['a']) - expected) < 1e-12);
});

test('perplexity: lower on training-like text than on shuffled text; OOV counted', () => {
  const lm = new NgramLanguageModel({ order: 3 }).fit(corpus);
  const seen = lm.perplexity([['the', 'cat', 'sat', 'on', 'the', 'mat']]);
  const odd = lm.perplexity([['mat', 'the', 'on', 'sat', 'cat', 'the']]);
  assert.ok(seen.perplexity < odd.perplexity, `${seen.perplexity} < ${odd.perplexity}`);
  assert.equal(seen.tokens, 7);
  assert.equal(lm.perplexity([['the', 'unicorn']]).oov, 1);
});

test('suggest ranks the likely next word first and completes a prefix', () => {
  const lm = new NgramLanguageModel({ order: 3 }).fit(corpus);
  assert.equal(lm.suggest(['sat', 'on'], { k: 1 })[0].word, 'the');
  assert.equal(lm.suggest(['сидит', 'на'], { k: 1 })[0].word, 'ковре');
  const completions = lm.suggest(['the'], { prefix: 'd', k: 3 });
  assert.deepEqual(
    completions.map((c) => c.word),
    ['dog'],
  );
});

test('save/load round trip gives identical probabilities; bad files are rejected', async () => {
  const lm = new NgramLanguageModel({ order: 3 }).fit(corpus);
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'smysl-lm-')), 'lm.json');
  await lm.save(file);
  const back = NgramLanguageModel.fromJSON(JSON.parse(readFileSync(file, 'utf8')));
  for (const [w, h] of [
    ['the', ['sat', 'on']],
    ['ковре', ['на']],
    ['zzz', []],
  ] as [string, string[]][])
    assert.equal(back.probability(w, h), lm.probability(w, h));
  assert.throws(() => NgramLanguageModel.fromJSON({ kind: 'other' }), /not a smysl n-gram language model/);
  assert.throws(() => new NgramLanguageModel().probability('a'), /not trained/);
});

test('load reads what save wrote and names a file that is not JSON; suggestFor and sentenceWords', async () => {
  const lm = new NgramLanguageModel({ order: 3 }).fit(corpus);
  const dir = mkdtempSync(path.join(tmpdir(), 'smysl-lm-'));
  await lm.save(path.join(dir, 'lm.json'));
  const back = await NgramLanguageModel.load(path.join(dir, 'lm.json'));
  assert.equal(back.probability('ковре', ['на']), lm.probability('ковре', ['на']));
  writeFileSync(path.join(dir, 'bad.json'), '{ not json');
  await assert.rejects(NgramLanguageModel.load(path.join(dir, 'bad.json')), { code: 'E_FORMAT' });
  await assert.rejects(NgramLanguageModel.load(path.join(dir, 'missing.json')), { code: 'E_IO' });
  // after a space: the next word; inside a word: its completions, the words before as history
  assert.deepEqual(
    lm.suggestFor('Кошка сидит на ', 1).map((s) => s.word),
    ['ковре'],
  );
  assert.deepEqual(
    lm.suggestFor('the d', 3).map((s) => s.word),
    ['dog'],
  );
  assert.deepEqual(sentenceWords('Кошка сидит. The Cat sat!  …'), [
    ['кошка', 'сидит'],
    ['the', 'cat', 'sat'],
  ]);
});
