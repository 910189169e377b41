import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isSmyslError } from '../../src/errors.js';
import { semanticSearch } from '../../src/index/semantic-search.js';
import { similarity, toArrays } from '../../src/vectors/convenience.js';
import { matrixFromRows } from '../../src/vectors/dense.js';
import { sparseFromRows } from '../../src/vectors/sparse.js';

const close = (a: number, b: number, eps = 1e-6) => assert.ok(Math.abs(a - b) < eps, `${a} vs ${b}`);

test('toArrays gives plain rows of dense and sparse matrices', () => {
  assert.deepEqual(
    toArrays(
      matrixFromRows([
        [1, 2],
        [3, 4],
      ]),
    ),
    [
      [1, 2],
      [3, 4],
    ],
  );
  const sparse = sparseFromRows(
    [
      [
        [2, 0.5],
        [0, 1],
      ],
      [],
    ],
    3,
  );
  assert.deepEqual(toArrays(sparse), [
    [1, 0, 0.5],
    [0, 0, 0],
  ]);
});

test('similarity: a number for two vectors, every pair for two sets (hand-computed cosines)', () => {
  close(similarity([1, 2], [2, 4]), 1);
  close(similarity([1, 0], [0, 1]), 0);
  close(similarity(new Float32Array([3, 4]), [4, 3]), 24 / 25);
  assert.equal(similarity([0, 0], [1, 1]), 0);
  const m = similarity(
    [
      [1, 0],
      [1, 1],
    ],
    matrixFromRows([
      [0, 1],
      [1, 0],
      [0, 0],
    ]),
  );
  assert.equal(m.length, 2);
  assert.deepEqual(m[0], [0, 1, 0]);
  close(m[1][0], Math.SQRT1_2);
  close(m[1][1], Math.SQRT1_2);
  assert.equal(m[1][2], 0);
  // sparse rows: [1,0,1] · [1,1,0] = 1 / (√2 √2)
  const a = sparseFromRows(
    [
      [
        [0, 1],
        [2, 1],
      ],
    ],
    3,
  );
  const b = sparseFromRows(
    [
      [
        [0, 1],
        [1, 1],
      ],
    ],
    3,
  );
  close(similarity(a, b)[0][0], 0.5);
  assert.throws(
    () => similarity([[1, 2]], [[1, 2, 3]]),
    (e) => isSmyslError(e, 'E_USAGE'),
  );
});

test('semanticSearch: exact top-k per query, best first, ties to the earlier row', () => {
  const corpus = [
    [1, 0],
    [0.8, 0.6],
    [0, 1],
    [0.8, 0.6],
  ];
  // cosines with (1, 0.1): 0.995, 0.856, 0.0995, 0.856
  const [hits] = semanticSearch([[1, 0.1]], corpus, { k: 3 });
  assert.deepEqual(
    hits.map((h) => h.corpusId),
    [0, 1, 3],
  );
  close(hits[0].score, 1 / Math.sqrt(1.01), 1e-6);
  close(hits[1].score, 0.86 / Math.sqrt(1.01), 1e-6);
  // the raw dot product with (0, 2): 0, 1.2, 2, 1.2
  const [dot] = semanticSearch(matrixFromRows([[0, 2]]), corpus, { k: 2, metric: 'dot' });
  assert.deepEqual(
    dot.map((h) => [h.corpusId, Number(h.score.toFixed(4))]),
    [
      [2, 2],
      [1, 1.2],
    ],
  );
  assert.equal(semanticSearch([[1, 0]], corpus).at(0)?.length, 4);
  assert.throws(
    () => semanticSearch([[1, 0]], corpus, { k: 0 }),
    (e) => isSmyslError(e, 'E_USAGE'),
  );
});

test('semanticSearch on sparse vectors matches the dense cosines', () => {
  const rows = [
    [
      [0, 1],
      [2, 2],
    ],
    [[1, 3]],
    [
      [0, 2],
      [1, 1],
    ],
  ] as [number, number][][];
  const corpus = sparseFromRows(rows, 3);
  const query = sparseFromRows(
    [
      [
        [0, 1],
        [1, 1],
      ],
    ],
    3,
  );
  const sparse = semanticSearch(query, corpus, { k: 3 })[0];
  const dense = semanticSearch(toArrays(query), toArrays(corpus), { k: 3 })[0];
  assert.deepEqual(
    sparse.map((h) => h.corpusId),
    dense.map((h) => h.corpusId),
  );
  for (let i = 0; i < 3; i++) close(sparse[i].score, dense[i].score, 1e-6);
  // (1,1,0)·(2,1,0) / (√2 √5) = 3 / √10
  close(sparse[0].score, 3 / Math.sqrt(10), 1e-6);
  assert.throws(
    () => semanticSearch(query, toArrays(corpus)),
    (e) => isSmyslError(e, 'E_USAGE'),
  );
});
