import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TfidfVectorizer } from '../../src/embed/sparse/vectorizers.js';
import { InvertedIndex, SparseSearch } from '../../src/index/inverted.js';
import { TopK } from '../../src/util/topk.js';
import { sparseDot, sparseFromRows } from '../../src/vectors/sparse.js';

test('TopK keeps the best k, ties by lower row', () => {
  const t = new TopK(3);
  [
    [5, 0.1],
    [1, 0.9],
    [2, 0.5],
    [3, 0.5],
    [0, 0.5],
    [4, 0.2],
  ].forEach(([r, s]) => {
    t.push(r, s);
  });
  assert.deepEqual(t.sorted(), { items: [1, 0, 2], scores: [0.9, 0.5, 0.5] });
});

test('inverted index scores equal brute-force dot products', () => {
  const docs = sparseFromRows(
    [
      [
        [0, 1],
        [2, 2],
      ],
      [[1, 1]],
      [
        [0, 0.5],
        [1, 0.5],
        [3, 4],
      ],
      [],
    ],
    4,
  );
  const index = new InvertedIndex(docs, ['a', 'b', 'c', 'd']);
  const q = sparseFromRows(
    [
      [
        [0, 1],
        [1, 2],
      ],
      [[3, 1]],
    ],
    4,
  );
  const hits = index.search(q, 10);
  // query 0: a = 1, b = 2, c = 0.5 + 1 = 1.5; d shares no term and is not returned
  assert.deepEqual(
    hits[0].map((h) => [h.id, h.score]),
    [
      ['b', 2],
      ['c', 1.5],
      ['a', 1],
    ],
  );
  for (const h of hits[0]) assert.equal(h.score, sparseDot(q, 0, docs, h.row));
  assert.deepEqual(
    hits[1].map((h) => h.id),
    ['c'],
  );
  assert.deepEqual(
    index.search(q, 1)[0].map((h) => h.id),
    ['b'],
  );
  assert.deepEqual(
    index.search(q, 10, (id) => id !== 'b')[0].map((h) => h.id),
    ['c', 'a'],
  );
});

test('SparseSearch analyzes queries like documents (TF-IDF cosine)', () => {
  const texts = ['Кошка спит на диване', 'Собака лает во дворе', 'Кошки и собаки дружат'];
  const v = new TfidfVectorizer({ stem: 'ru' });
  const search = new SparseSearch(v, v.fitTransform(texts), ['c', 'd', 'both']);
  const [hits] = search.search(['КОШКУ'], 5);
  // the stem "кошк" is in documents 0 and 2 only
  assert.deepEqual(hits.map((h) => h.id).sort(), ['both', 'c']);
  assert.ok(hits[0].score > 0 && hits[0].score <= 1 + 1e-6);
});
