import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TermList, WordGramTable } from '../../../src/embed/sparse/vocabulary.js';
import { isSmyslError } from '../../../src/errors.js';
import { type TermVocabulary, Vocabulary } from '../../../src/text/vocabulary.js';

const documents = [
  ['the', 'cat', 'sat', 'on', 'the', 'mat'],
  ['кот', 'сидел', 'на', 'ковре'],
  ['the', 'cat', 'on', 'the', 'кот'],
];

/** Unigrams and bigrams of a document, joined by single spaces. */
const grams = (tokens: string[]) => [...tokens, ...tokens.slice(1).map((t, i) => `${tokens[i]} ${t}`)];

function contract(name: string, v: TermVocabulary): void {
  const list = v.tokenList();
  assert.equal(v.size, list.length, name);
  list.forEach((term, i) => {
    assert.equal(v.id(term), i, `${name}: id of ${term}`);
    assert.equal(v.token(i), term, name);
    assert.ok(v.has(term), name);
  });
  assert.equal(v.id('not there'), -1, name);
  assert.equal(v.has('not there'), false, name);
  assert.throws(
    () => v.token(v.size),
    (e) => isSmyslError(e, 'E_USAGE'),
    name,
  );
}

test('one vocabulary interface: Vocabulary, the word n-gram counting table and a fitted term list agree', () => {
  const counted = Vocabulary.fromDocuments(documents.map(grams));
  const table = new WordGramTable([1, 2]);
  for (const d of documents) table.countDocument(d, true, () => {});
  const fitted = new TermList(counted.tokenList());
  for (const [name, v] of [
    ['Vocabulary', counted],
    ['WordGramTable', table],
    ['TermList', fitted],
  ] as const)
    contract(name, v);
  // the same n-grams, whatever the ids
  assert.deepEqual([...table.tokenList()].sort(), [...counted.tokenList()].sort());
  assert.equal(table.id('the cat'), table.id('the cat'));
  assert.ok(table.has('на ковре'));
  assert.equal(table.id('cat the'), -1, 'a bigram never seen');
  assert.equal(table.id('the cat sat'), -1, 'longer than the table counts');
});
