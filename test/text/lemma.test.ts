import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { analyzerConfig, buildAnalyzer, termsOfWord } from '../../src/embed/sparse/analyzer.js';
import { Highlighter } from '../../src/embed/sparse/highlight.js';
import { Bm25Vectorizer, loadSparseVectorizer } from '../../src/embed/sparse/index.js';
import { lemmas } from '../../src/text/lemma.js';

test('lemmas: OpenCorpora readings, every one kept, most likely first', () => {
  assert.deepEqual(lemmas('стали'), ['стать', 'сталь']);
  assert.deepEqual(lemmas('замке'), ['замок']);
  assert.deepEqual(lemmas('замку'), ['замок']);
  assert.deepEqual(lemmas('борща'), ['борщ']);
  assert.deepEqual(lemmas('шёл'), ['идти']);
  assert.deepEqual(lemmas('мыла'), ['мыло', 'мыть']);
  // ё is written е so that both spellings meet
  assert.deepEqual(lemmas('ёлки'), ['елка']);
  assert.deepEqual(lemmas('елки'), ['елка']);
  // a form the dictionary does not know gets its Snowball stem; other scripts pass through
  assert.deepEqual(lemmas('бутявка'), ['бутявк']);
  assert.deepEqual(lemmas('running'), ['running']);
});

test('the lemma analyzer: Russian lemmas, English Snowball stems, stop words before both', () => {
  const options = { tokenizer: 'smysl', stopWords: 'auto', stem: 'auto' } as const;
  // lemma: true = 'best', the most likely reading (ranks better: docs/sparse.md)
  assert.deepEqual(
    buildAnalyzer({ ...options, lemma: true })('Стали стальные двери в замке; the running dogs'),
    ['стать', 'стальной', 'дверь', 'замок', 'run', 'dog'],
  );
  const analyze = buildAnalyzer({ ...options, lemma: 'all' });
  assert.deepEqual(analyze('Стали стальные двери в замке; the running dogs'), [
    'стать',
    'сталь',
    'стальной',
    'дверь',
    'замок',
    'run',
    'dog',
  ]);
  // n-grams beyond unigrams take each word's most likely lemma
  assert.deepEqual(buildAnalyzer({ tokenizer: 'smysl', lemma: 'all', ngramRange: [1, 2] })('стали двери'), [
    'стать',
    'сталь',
    'дверь',
    'стать дверь',
  ]);
  const terms = termsOfWord(
    analyzerConfig({ tokenizer: 'smysl', stopWords: 'auto', stem: 'auto', lemma: true }),
  );
  assert.deepEqual(terms('и'), []);
  assert.deepEqual(terms('борща'), ['борщ']);
  assert.deepEqual(terms('dogs'), ['dog']);
});

test('highlighting keeps every reading: «мыла» is marked for «мыло» and for «мыть»', () => {
  const marker = new Highlighter(
    analyzerConfig({ tokenizer: 'smysl', stopWords: 'auto', stem: 'auto', lemma: 'best' }),
  );
  const text = 'Она мыла руки мылом. Мосты из стали. Замок в замке.';
  const marked = (q: string) => marker.spans(text, q).map((s) => text.slice(s.start, s.end));
  assert.deepEqual(marked('мыть'), ['мыла']);
  assert.deepEqual(marked('мыло'), ['мыла', 'мылом']);
  assert.deepEqual(marked('сталь'), ['стали']);
  assert.deepEqual(marked('замок'), ['Замок', 'замке']);
  // Snowball stems do not join замок and замке
  const stems = new Highlighter(analyzerConfig({ tokenizer: 'smysl', stopWords: 'auto', stem: 'auto' }));
  assert.deepEqual(
    stems.spans(text, 'замок').map((s) => text.slice(s.start, s.end)),
    ['Замок'],
  );
  assert.deepEqual(marker.spans(text, 'и в на'), []);
});

test('BM25 with lemmas finds every form and survives save/load', async () => {
  const docs = ['Средневековый замок на холме', 'Дверной ключ и новый замок', 'Сталь и чугун'];
  const v = new Bm25Vectorizer({ tokenizer: 'smysl', stopWords: 'auto', stem: 'auto', lemma: true });
  v.fit(docs);
  const q = v.transformQueries(['в замке']);
  // «замке» matches «замок» in documents 0 and 1, not in 2
  assert.ok(v.termIndex('замок') !== undefined);
  assert.deepEqual(Array.from(q.indices.subarray(q.indptr[0], q.indptr[1])), [v.termIndex('замок')]);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'smysl-lemma-'));
  try {
    await v.save(dir);
    const again = (await loadSparseVectorizer(dir)) as Bm25Vectorizer;
    assert.deepEqual(again.analyzeText('Стали'), ['стать']);
    assert.equal(again.analyzerSettings.lemma, 'best');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  // without lemmas the analyzer and its saved form are unchanged (no "lemma" key)
  assert.equal('lemma' in analyzerConfig({ stem: 'auto' }), false);
});
