import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { buildAnalyzer } from '../../../src/embed/sparse/analyzer.js';
import { HashingVectorizer } from '../../../src/embed/sparse/hashing.js';
import { loadSparseVectorizer } from '../../../src/embed/sparse/index.js';
import { Bm25Vectorizer, CountVectorizer, TfidfVectorizer } from '../../../src/embed/sparse/vectorizers.js';
import { compareCodePoints, sortedIds } from '../../../src/embed/sparse/vocabulary.js';
import { isSmyslError } from '../../../src/errors.js';
import { charNgrams, charWbNgrams } from '../../../src/text/ngrams.js';
import { sparseGet, sparseToDense } from '../../../src/vectors/sparse.js';

const tmp = () => mkdtempSync(path.join(os.tmpdir(), 'smysl-sparse-'));

test("default token pattern on Russian: Python's \\w\\w+ keeps ё, digits and underscores, drops 1-letter words", () => {
  const analyze = buildAnalyzer();
  assert.deepEqual(analyze('Ёжик и я — в 2024 году; x_1 Санкт-Петербург'), [
    'ёжик',
    '2024',
    'году',
    'x_1',
    'санкт',
    'петербург',
  ]);
  // a combining stress mark (U+0301) is not \w in Python: it splits the word
  assert.deepEqual(analyze('зна\u0301ки'), ['зна', 'ки']);
});

test('smysl tokenizer, stop words and stemming', () => {
  const analyze = buildAnalyzer({ tokenizer: 'smysl', stopWords: 'ru', stem: 'ru' });
  const terms = analyze('Кошки и собаки бегали по двору');
  assert.ok(!terms.includes('и') && !terms.includes('по'));
  assert.ok(terms.includes('кошк'));
  assert.ok(terms.includes('собак'));
  const v = new CountVectorizer({ stopWords: 'en', stem: 'en' });
  v.fit(['The runners were running', 'a runner runs']);
  assert.ok(v.vocabulary.includes('runner'));
  assert.ok(v.vocabulary.includes('run'));
  assert.ok(!v.vocabulary.includes('the'));
  // an unseen surface form with a known stem is found at transform time
  const m = v.transform(['RUNNINGS running']);
  assert.equal(sparseGet(m, 0, v.termIndex('run')!), 2);
});

test('code-point order puts astral characters after U+E000..U+FFFF, as Python does', () => {
  assert.ok('😀' < '\uff01');
  assert.ok(compareCodePoints('😀', '\uff01') > 0);
  assert.ok(compareCodePoints('a', 'ab') < 0);
  assert.equal(compareCodePoints('x', 'x'), 0);
});

test('BM25 document weights by hand (Okapi, Lucene idf)', () => {
  const docs = ['a b a', 'b c', 'c c c d'];
  const v = new Bm25Vectorizer({ tokenizer: /\w+/g, k1: 1.2, b: 0.75 });
  const m = v.fitTransform(docs);
  const avg = (3 + 2 + 4) / 3;
  const idf = (df: number) => Math.log(1 + (3 - df + 0.5) / (df + 0.5));
  const w = (tf: number, len: number, df: number) =>
    (idf(df) * tf * 2.2) / (tf + 1.2 * (0.25 + (0.75 * len) / avg));
  const col = (t: string) => v.termIndex(t)!;
  const close = (a: number, b: number) => assert.ok(Math.abs(a - b) < 1e-6, `${a} vs ${b}`);
  close(sparseGet(m, 0, col('a')), w(2, 3, 1));
  close(sparseGet(m, 0, col('b')), w(1, 3, 2));
  close(sparseGet(m, 2, col('c')), w(3, 4, 2));
  // the score of a query is the dot product with its term counts
  const q = v.transformQueries(['c d c zzz']);
  assert.equal(sparseGet(q, 0, col('c')), 2);
  const score = 2 * sparseGet(m, 2, col('c')) + sparseGet(m, 2, col('d'));
  close(score, 2 * w(3, 4, 2) + w(1, 4, 1));
  // BM25+ adds delta * idf to every matching term; BM25L never gives a term weight 0
  const plus = new Bm25Vectorizer({ tokenizer: /\w+/g, variant: 'plus' }).fitTransform(docs);
  close(sparseGet(plus, 0, col('a')), w(2, 3, 1) + idf(1));
  const l = new Bm25Vectorizer({ tokenizer: /\w+/g, variant: 'l' }).fitTransform(docs);
  assert.ok(sparseGet(l, 1, col('b')) > 0);
});

test('save and load give identical vectors (bow, tfidf, bm25, hashing)', async () => {
  const train = ['Мама мыла раму', 'the quick brown fox', 'quick quick раму', 'a b c'];
  const test2 = ['мама и рама', 'quick fox jumps', ''];
  const models = [
    new CountVectorizer({ ngramRange: [1, 2], binary: true }),
    new TfidfVectorizer({ sublinearTf: true, norm: 'l1', stem: true, stopWords: 'auto' }),
    new TfidfVectorizer({ analyzer: 'char_wb', ngramRange: [2, 3], minDf: 1, maxDf: { fraction: 0.9 } }),
    new TfidfVectorizer({ tokenizer: /[^ ]+/g, vocabulary: ['quick', 'fox', 'раму'] }),
    new Bm25Vectorizer({ k1: 1.5, b: 0.5, variant: 'l' }),
  ];
  for (const v of models) {
    v.fit(train);
    const dir = tmp();
    await v.save(dir);
    const back = await loadSparseVectorizer(dir);
    assert.equal(back.name, v.name);
    assert.deepEqual(sparseToDense(back.transform(test2)), sparseToDense(v.transform(test2)));
    assert.deepEqual(sparseToDense(await back.embed(train)), sparseToDense(v.transform(train)));
  }
  const h = new HashingVectorizer({ nFeatures: 64, ngramRange: [1, 2] });
  const dir = tmp();
  await h.save(dir);
  const hb = await loadSparseVectorizer(dir);
  assert.deepEqual(sparseToDense(hb.transform(test2)), sparseToDense(h.transform(test2)));
});

test('fit on documents (async iterable) equals fit on strings', async () => {
  const texts = ['one two three', 'two three four', 'three four five'];
  async function* docs() {
    for (const [i, text] of texts.entries()) yield { id: String(i), text, meta: {} };
  }
  const a = new TfidfVectorizer();
  await a.fit(docs());
  const b = new TfidfVectorizer().fit(texts);
  assert.deepEqual(a.vocabulary, b.vocabulary);
  assert.deepEqual(sparseToDense(await a.embed(texts)), sparseToDense(b.transform(texts)));
  assert.equal(a.kind, 'sparse');
});

test('clear errors: not fitted, empty vocabulary, bad options', () => {
  assert.throws(
    () => new TfidfVectorizer().transform(['x']),
    (e) => isSmyslError(e, 'E_STATE'),
  );
  assert.throws(
    () => new CountVectorizer().fit(['a', 'b']),
    (e) => isSmyslError(e, 'E_INPUT') && /empty vocabulary/.test((e as Error).message),
  );
  assert.throws(
    () => new CountVectorizer({ minDf: 2 }).fit(['aa bb', 'cc dd']),
    (e) => isSmyslError(e, 'E_INPUT') && /no terms remain/.test((e as Error).message),
  );
  assert.throws(
    () => new CountVectorizer({ minDf: 3 }).fit(['aa bb', 'bb cc']),
    (e) => isSmyslError(e, 'E_USAGE') && /max_df/.test((e as Error).message),
  );
  assert.throws(
    () => new CountVectorizer({ ngramRange: [2, 1] }),
    (e) => isSmyslError(e, 'E_USAGE'),
  );
  assert.throws(
    () => new CountVectorizer({ maxDf: 1.5 }),
    (e) => isSmyslError(e, 'E_USAGE'),
  );
});

test('character analyzers equal the text stage n-gram functions (fast path for BMP text)', () => {
  const samples = ['ab  c\td', ' Ёжик  в\nтумане ', 'x', '', 'a\u00a0b c', 'I  ❤  NY', '😀 ab'];
  for (const text of samples) {
    for (const [lo, hi] of [
      [1, 1],
      [1, 3],
      [2, 4],
      [5, 5],
    ] as [number, number][]) {
      assert.deepEqual(
        buildAnalyzer({ analyzer: 'char', ngramRange: [lo, hi], lowercase: false })(text),
        charNgrams(text, lo, hi),
      );
      assert.deepEqual(
        buildAnalyzer({ analyzer: 'char_wb', ngramRange: [lo, hi], lowercase: false })(text),
        charWbNgrams(text, lo, hi),
      );
    }
  }
});

test('sortedIds orders like a plain string sort: prefixes, long shared prefixes, Cyrillic, digits', () => {
  const cases: string[][] = [
    [],
    ['only'],
    ['', 'a'],
    ['abc', 'ab', 'a', 'abd', 'b', 'aa'],
    ['internationalization', 'internationalisation', 'international', 'internal', 'intern'],
    ['ёж', 'еж', 'яблоко', 'apple', 'Zebra', '_x', '10', '9', 'жёлтый', 'желтый'],
  ];
  // a wide alphabet leaves room for few characters per key, so ties go to the comparator
  const wide: string[] = [];
  for (let c = 0x400; c < 0x4ff; c++)
    wide.push(`${String.fromCharCode(c)}xyz${c % 7}`, String.fromCharCode(c, c));
  cases.push(wide);
  for (const terms of cases) {
    const expected = terms.map((_, i) => i).sort((a, b) => (terms[a] < terms[b] ? -1 : 1));
    assert.deepEqual(Array.from(sortedIds(terms)), expected, terms.slice(0, 4).join(','));
  }
});
