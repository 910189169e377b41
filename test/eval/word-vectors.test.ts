import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { KeyedVectors } from '../../src/embed/static/keyed-vectors.js';
import { isSmyslError } from '../../src/errors.js';
import { evaluateAnalogies, readAnalogies } from '../../src/eval/analogies.js';
import { averageRanks, pearson, spearman } from '../../src/eval/correlation.js';
import { evaluateWordPairs, readWordPairs } from '../../src/eval/word-pairs.js';

const golden = (name: string) =>
  fileURLToPath(new URL(`../../../test/golden/wordvec/${name}`, import.meta.url));
const outputs = JSON.parse(readFileSync(golden('gensim_outputs.json'), 'utf8'));
const close = (a: number, b: number, eps = 1e-5) => assert.ok(Math.abs(a - b) < eps, `${a} != ${b}`);
const dir = mkdtempSync(path.join(tmpdir(), 'smysl-eval-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('correlations by hand', () => {
  assert.deepEqual([...averageRanks([10, 20, 20, 5])], [2, 3.5, 3.5, 1]);
  // dx = -1 0 1, dy = -13/6 -1/6 14/6: r = 4.5 / sqrt(2 * 366 / 36)
  close(pearson([1, 2, 3], [2, 4, 6.5]), 4.5 / Math.sqrt((2 * 366) / 36), 1e-12);
  close(spearman([1, 2, 3, 4], [10, 30, 20, 40]), 0.8);
  // ranks x: 1 2.5 2.5 4, y: 1 2 3 4 -> pearson of ranks
  close(spearman([1, 2, 2, 3], [1, 2, 3, 4]), 0.9486832981, 1e-9);
  assert.ok(Number.isNaN(pearson([1, 1, 1], [1, 2, 3])));
  assert.throws(
    () => spearman([1], [1]),
    (e) => isSmyslError(e, 'E_INPUT'),
  );
});

test('correlations match scipy with ties', () => {
  const c = outputs.correlation;
  assert.deepEqual([...averageRanks(c.x)], c.rankdata_x);
  close(spearman(c.x, c.y), c.spearman, 1e-12);
  close(pearson(c.x, c.y), c.pearson, 1e-12);
});

test('word pairs evaluation matches gensim evaluate_word_pairs', async () => {
  const kv = await KeyedVectors.load(golden('small.txt'));
  const set = await readWordPairs(golden('pairs.tsv'));
  assert.equal(set.pairs.length, 62);
  const cases: [string, { restrictVocab?: number; caseInsensitive?: boolean }][] = [
    ['default', {}],
    ['restrict_200', { restrictVocab: 200 }],
    ['case_sensitive', { caseInsensitive: false }],
  ];
  for (const [name, options] of cases) {
    const r = evaluateWordPairs(kv, set, options);
    const g = outputs.pairs[name];
    close(r.spearman, g.spearman);
    close(r.pearson, g.pearson);
    close((1 - r.coverage) * 100, g.oov_ratio, 1e-9);
  }
});

test('analogy evaluation matches gensim evaluate_word_analogies (3CosAdd and 3CosMul)', async () => {
  const kv = await KeyedVectors.load(golden('small.txt'));
  const set = await readAnalogies(golden('analogies.txt'));
  assert.equal(set.skippedLines.length, 1);
  const cases: [string, Parameters<typeof evaluateAnalogies>[2]][] = [
    ['add', {}],
    ['add_restrict_300', { restrictVocab: 300 }],
    ['add_case_sensitive', { caseInsensitive: false }],
    ['mul', { method: 'mul' }],
  ];
  for (const [name, options] of cases) {
    const r = evaluateAnalogies(kv, set, { ...options, batchSize: 7 });
    const g = outputs.analogies[name];
    const gSections = g.sections.filter((s: { section: string }) => s.section !== 'Total accuracy');
    assert.deepEqual(
      r.sections.map((s) => [s.section, s.correct, s.incorrect]),
      gSections.map((s: { section: string; correct: number; incorrect: number }) => [
        s.section,
        s.correct,
        s.incorrect,
      ]),
      name,
    );
    close(r.accuracy, g.score, 1e-12);
    assert.ok(r.oov > 0, 'the file has out-of-vocabulary questions');
    assert.equal(r.questions, r.correct + r.incorrect + r.oov);
  }
});

test('pair reader handles the benchmark layouts and reports bad lines', async () => {
  const csv = path.join(dir, 'rg.csv');
  writeFileSync(csv, ',word1,word2,similarity\n0,gem,jewel,3.94\n1,Noon,midday,3.5\n');
  assert.deepEqual(
    (await readWordPairs(csv)).pairs.map((p) => [p.word1, p.word2, p.score]),
    [
      ['gem', 'jewel', 3.94],
      ['Noon', 'midday', 3.5],
    ],
  );
  const russe = path.join(dir, 'hj.csv');
  writeFileSync(russe, 'word1,word2,sim\nмаг,волшебник,0.958333\n');
  assert.equal((await readWordPairs(russe)).pairs[0].word2, 'волшебник');
  const men = path.join(dir, 'men.csv');
  writeFileSync(men, ',word1,word2,similarity\n0,sun-n,sunlight-n,50.000000\n1,bird-n,fly-v,30\n');
  assert.deepEqual(
    (await readWordPairs(men)).pairs.map((p) => p.word2),
    ['sunlight', 'fly'],
  );
  const bad = path.join(dir, 'bad.tsv');
  writeFileSync(bad, '# comment\na\tb\t1\nc\td\tx\n');
  await assert.rejects(readWordPairs(bad), (e) => isSmyslError(e, 'E_INPUT') && /bad\.tsv:3/.test(e.message));
});

const data = fileURLToPath(new URL('../../../../shared/data/', import.meta.url));
test('real benchmark files parse with the expected pair counts', async (t) => {
  if (!existsSync(data)) return t.skip(`no shared data at ${data}`);
  const expected: [string, number][] = [
    ['wordsim353/wordsim353.tsv', 353],
    ['simlex999/simlex999.txt', 999],
    ['men/men.csv', 3000],
    ['men/men_lemma.tsv', 3000],
    ['rg65/rg-65.csv', 65],
    ['russe2015/hj.csv', 398],
    ['simlex965_ru/simlex965.csv', 965],
  ];
  for (const [file, count] of expected) {
    const set = await readWordPairs(path.join(data, file));
    assert.equal(set.pairs.length, count, file);
    assert.ok(
      set.pairs.every((p) => !/-[nvj]$/.test(p.word1)),
      file,
    );
  }
  const analogies = await readAnalogies(path.join(data, 'google_analogy/questions-words.txt'));
  assert.equal(analogies.sections.length, 14);
  assert.equal(
    analogies.sections.reduce((n, s) => n + s.questions.length, 0),
    19544,
  );
});
