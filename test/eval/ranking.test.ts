import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  averagePrecision,
  ndcgAtK,
  precisionAtK,
  recallAtK,
  reciprocalRankAtK,
} from '../../src/eval/ranking.js';
import { evaluateRetrieval } from '../../src/eval/retrieval.js';

const close = (a: number, b: number) => assert.ok(Math.abs(a - b) < 1e-12, `${a} != ${b}`);

// Judged: d1 grade 3, d2 grade 1, d5 grade 2, d9 grade 0 (judged non-relevant).
const judged = new Map([
  ['d1', 3],
  ['d2', 1],
  ['d5', 2],
  ['d9', 0],
]);
const ranked = ['d9', 'd1', 'd3', 'd2'];

test('nDCG@k with graded gains and ideal DCG from all judged relevant documents', () => {
  // DCG@4 = 0/log2(2) + 3/log2(3) + 0/log2(4) + 1/log2(5)
  const dcg = 3 / Math.log2(3) + 1 / Math.log2(5);
  // ideal order 3, 2, 1: 3/1 + 2/log2(3) + 1/2
  const idcg = 3 + 2 / Math.log2(3) + 0.5;
  close(ndcgAtK(ranked, judged, 4), dcg / idcg);
  // @2: DCG = 3/log2(3); IDCG@2 = 3 + 2/log2(3)
  close(ndcgAtK(ranked, judged, 2), 3 / Math.log2(3) / (3 + 2 / Math.log2(3)));
  close(ndcgAtK(['d1', 'd5', 'd2'], judged, 10), 1);
  close(ndcgAtK(ranked, new Map([['x', 0]]), 10), 0);
});

test('average precision divides by all relevant documents', () => {
  // relevant at ranks 2 and 4: (1/2 + 2/4) / 3
  close(averagePrecision(ranked, judged), (0.5 + 0.5) / 3);
  close(averagePrecision(['d1', 'd5', 'd2'], judged), 1);
});

test('MRR@k, Recall@k, Precision@k', () => {
  close(reciprocalRankAtK(ranked, judged, 10), 0.5);
  close(reciprocalRankAtK(ranked, judged, 1), 0);
  close(recallAtK(ranked, judged, 2), 1 / 3);
  close(recallAtK(ranked, judged, 4), 2 / 3);
  close(precisionAtK(ranked, judged, 4), 0.5);
  // a short list still divides by k
  close(precisionAtK(['d1'], judged, 10), 0.1);
});

test('evaluateRetrieval averages over queries with a relevant document', () => {
  const qrels = new Map([
    ['q1', judged],
    ['q2', new Map([['a', 1]])],
    ['q3', new Map([['b', 0]])],
  ]);
  const runs = new Map([
    ['q1', ranked],
    ['q2', ['z', 'a']],
  ]);
  const r = evaluateRetrieval(runs, qrels);
  assert.equal(r.queries, 2);
  close(r.metrics['mrr@10'], (0.5 + 0.5) / 2);
  close(r.metrics.map, ((0.5 + 0.5) / 3 + 0.5) / 2);
  close(r.metrics['recall@100'], (2 / 3 + 1) / 2);
  close(r.metrics['ndcg@10'], (ndcgAtK(ranked, judged, 10) + 1 / Math.log2(3)) / 2);
});
