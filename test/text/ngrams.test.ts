import assert from 'node:assert/strict';
import { test } from 'node:test';
import { charNgrams, charWbNgrams, wordNgrams } from '../../src/text/ngrams.js';

// Expected values are what scikit-learn's CountVectorizer analyzers return for the same input.
test('wordNgrams (1,2) keeps unigrams first', () => {
  assert.deepEqual(wordNgrams(['a', 'b', 'c'], 1, 2), ['a', 'b', 'c', 'a b', 'b c']);
  assert.deepEqual(wordNgrams(['a', 'b', 'c'], 2, 3), ['a b', 'b c', 'a b c']);
  assert.deepEqual(wordNgrams(['a'], 2, 2), []);
});

test('charNgrams folds runs of whitespace', () => {
  assert.deepEqual(charNgrams('ab  c', 2, 2), ['ab', 'b ', ' c']);
  assert.deepEqual(charNgrams('ab', 1, 2), ['a', 'b', 'ab']);
});

test('charWbNgrams pads words and emits a short word once', () => {
  // sklearn: CountVectorizer(analyzer='char_wb', ngram_range=(2,3)).build_analyzer()('ab c')
  assert.deepEqual(charWbNgrams('ab c', 2, 3), [' a', 'ab', 'b ', ' ab', 'ab ', ' c', 'c ', ' c ']);
  // 'c' padded is ' c ' (3 chars): for n=5 it appears once
  assert.deepEqual(charWbNgrams('c', 5, 5), [' c ']);
  assert.deepEqual(charWbNgrams('да', 3, 3), [' да', 'да ']);
});
