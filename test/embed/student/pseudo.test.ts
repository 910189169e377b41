import assert from 'node:assert/strict';
import { promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import type { TranslationPair } from '../../../src/corpus/dictd.js';
import { readPairFile } from '../../../src/corpus/pairs.js';
import { Lexicon, parseExceptions, pseudoTranslate } from '../../../src/embed/student/pseudo.js';
import { isSmyslError } from '../../../src/errors.js';

const pairs: TranslationPair[] = [
  { source: 'dog', target: 'собака', rank: 0, kind: 'headword' },
  { source: 'dog', target: 'пёс', rank: 1, kind: 'headword' },
  { source: 'dog', target: 'кобель', rank: 3, kind: 'headword' },
  { source: 'go', target: 'идти', rank: 0, kind: 'headword' },
  { source: 'city', target: 'город', rank: 0, kind: 'headword' },
  { source: 'bake', target: 'печь', rank: 0, kind: 'headword' },
  { source: 'lucky dog', target: 'счастливец', rank: 0, kind: 'phrase' },
  { source: 'house', target: 'жилое здание для семьи', rank: 0, kind: 'headword' },
];

test('lexicon: headwords up to rank 2, base forms from WordNet exceptions and suffix rules', () => {
  const exceptions = parseExceptions(['went go\nchildren child\n']);
  assert.deepEqual(exceptions.get('went'), ['go']);
  const lexicon = new Lexicon(pairs, exceptions);
  assert.deepEqual(
    lexicon.lookup('dog')?.map((s) => s.target),
    ['собака', 'пёс'],
  );
  assert.equal(lexicon.lookup('went')?.[0].target, 'идти');
  assert.equal(lexicon.lookup('cities')?.[0].target, 'город');
  assert.equal(lexicon.lookup('dogs')?.[0].target, 'собака');
  assert.equal(lexicon.lookup('baking')?.[0].target, 'печь');
  assert.equal(lexicon.lookup('lucky dog'), undefined, 'phrases are not headwords');
  assert.equal(lexicon.lookup('house'), undefined, 'translations longer than two words are left out');
});

test('pseudo-translation: word by word, numbers kept, articles dropped, too little coverage refused', () => {
  const lexicon = new Lexicon(pairs);
  const first = () => 0; // always the first sense
  assert.equal(pseudoTranslate('The dogs went to 3 cities', lexicon, first), 'собака 3 город');
  // "went" has no base form without the exception list: 2 of 3 words found
  assert.equal(pseudoTranslate('The dogs went home', lexicon, first), undefined);
  assert.equal(pseudoTranslate('The dogs went home', lexicon, first, { minCoverage: 0.3 }), 'собака');
  // the second sense when the generator says so (firstSense 0.7: 0.9 ≥ 0.7)
  const values = [0.9, 0];
  assert.equal(
    pseudoTranslate('dog', lexicon, () => values.shift() ?? 0),
    'пёс',
  );
});

test('pair files: two or three columns, an optional header, errors name the line', async () => {
  const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'smysl-pairs-'));
  try {
    const csv = path.join(dir, 'p.csv');
    await fsp.writeFile(csv, 's1,s2,score\n"a, b",c,4.5\nd,e,1\n');
    assert.deepEqual(await readPairFile(csv), { a: ['a, b', 'd'], b: ['c', 'e'], scores: [4.5, 1] });
    const tsv = path.join(dir, 'p.tsv');
    await fsp.writeFile(tsv, 'cat\tкошка\ndog\tсобака\n');
    assert.deepEqual(await readPairFile(tsv), {
      a: ['cat', 'dog'],
      b: ['кошка', 'собака'],
      scores: undefined,
    });
    await fsp.writeFile(tsv, 'cat\tкошка\t1\ndog\tсобака\tmany\n');
    await assert.rejects(readPairFile(tsv), (e) => isSmyslError(e, 'E_INPUT') && /p\.tsv:2/.test(e.message));
    await fsp.writeFile(tsv, 'one column\n');
    await assert.rejects(readPairFile(tsv), (e) => isSmyslError(e, 'E_INPUT'));
  } finally {
    await fsp.rm(dir, { recursive: true, force: true });
  }
});
