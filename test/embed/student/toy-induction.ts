// The toy of the induction tests (induce.test.ts, words.test.ts): four topics of two trained words
// each, one axis per topic, and two unseen words in the contexts of one topic each.
import { FeatureVocabulary } from '../../../src/embed/student/features.js';

export const known: Record<string, number> = {
  кот: 0,
  кошка: 0,
  дом: 1,
  изба: 1,
  река: 2,
  озеро: 2,
  хлеб: 3,
  каша: 3,
};

/** A 4-d student of the known words, no n-grams: each word is its topic's axis plus a little of the next. */
export function toyStudent(): { vocab: FeatureVocabulary; table: Float32Array } {
  const words = Object.keys(known);
  const vocab = new FeatureVocabulary(
    words.map((w) => `w ${w}`),
    { minn: 0, maxn: 0, stems: true },
  );
  const table = new Float32Array(words.length * 4);
  words.forEach((w, i) => {
    table[i * 4 + known[w]] = 1;
    // a little of the next axis, different per word, so no two rows are equal
    table[i * 4 + ((known[w] + 1) % 4)] = 0.05 * (i + 1);
  });
  return { vocab, table };
}

const pairs = [
  ['кот', 'кошка'],
  ['дом', 'изба'],
  ['река', 'озеро'],
  ['хлеб', 'каша'],
];
/**
 * Each known word with its topic's other word on both sides, many times over (its context is that
 * word: the few contexts that include an unseen word, whose vector is zero, barely count), then
 * «зверь» among the cats and «хижина» among the houses.
 */
export const text = [
  ...Array.from({ length: 10 }, () => pairs.flatMap(([a, b]) => [`${a} ${b} ${a}`, `${b} ${a} ${b}`])).flat(),
  'кот зверь кошка',
  'кошка зверя кот',
  'кот зверю кошка',
  'дом хижина изба',
  'изба хижина дом',
];
