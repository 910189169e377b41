import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  buildFeatureVocabulary,
  charNgramsOf,
  FeatureVocabulary,
  keysOfWord,
  studentWords,
} from '../../../src/embed/student/features.js';

test('character n-grams of <word>, 3 to 4 code points, the whole word left to the word row', () => {
  assert.deepEqual(charNgramsOf('кот', 3, 4), ['<ко', '<кот', 'кот', 'кот>', 'от>']);
  assert.deepEqual(charNgramsOf('ab', 3, 5), ['<ab', 'ab>']);
  assert.deepEqual(charNgramsOf('ab', 0, 0), []);
});

test('student words: lowercase, ё → е, stress marks off', () => {
  assert.deepEqual(studentWords('Ёжик в тума́не, THE Cat!'), ['ежик', 'в', 'тумане', 'the', 'cat']);
});

test('a word contributes its known rows, each with 1/k of the word', () => {
  const settings = { minn: 3, maxn: 3, stems: true };
  assert.deepEqual(keysOfWord('коты', settings), ['w коты', 's кот', 'g <ко', 'g кот', 'g оты', 'g ты>']);
  const vocab = new FeatureVocabulary(['w коты', 's кот', 'g кот', 'w спят'], settings);
  const f = vocab.featurize(['Коты спят', 'котами', '']);
  assert.deepEqual(Array.from(f.offsets), [0, 4, 6, 6]);
  assert.deepEqual(Array.from(f.rows), [0, 1, 2, 3, 1, 2]);
  assert.deepEqual(Array.from(f.coefs), [1 / 3, 1 / 3, 1 / 3, 1, 0.5, 0.5].map(Math.fround));
});

test('vocabulary: words, stems, n-grams by count; minimum counts and kept words', () => {
  const vocab = buildFeatureVocabulary(['кот кот кошка', 'кот спит'], {
    settings: { minn: 3, maxn: 3, stems: true },
    minWordCount: 2,
    minStemCount: 2,
    minGramCount: 2,
    keepWords: ['пёс'],
  });
  // words: кот (3) then the kept пес (0); stems: кот (кот x3 → 3) ≥ 2, кошк (1) dropped, пес kept;
  // n-grams counted once per distinct word: <ко in кот and кошка
  assert.deepEqual(vocab.keys, ['w кот', 'w пес', 's кот', 's пес', 'g <ко']);
});
