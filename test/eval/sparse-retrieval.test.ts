import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { readBeir } from '../../src/eval/beir.js';
import { evaluateSparseRetrieval } from '../../src/eval/sparse-retrieval.js';

const cranfield = fileURLToPath(new URL('../../../../shared/data/ir_cranfield/beir', import.meta.url));

test('BM25 on Cranfield beats the bag-of-words baseline', async (t) => {
  if (!existsSync(cranfield)) {
    t.skip(`Cranfield not found at ${cranfield}`);
    return;
  }
  const c = await readBeir(cranfield);
  assert.equal(c.corpus.length, 1400);
  const analyzer = { stem: 'en' as const, stopWords: 'en' as const };
  const bm25 = evaluateSparseRetrieval(c, { method: 'bm25', vectorizer: analyzer });
  const bow = evaluateSparseRetrieval(c, { method: 'bow', vectorizer: analyzer });
  assert.equal(bm25.queries, 225);
  assert.ok(bm25.metrics['ndcg@10'] > 0.3, `nDCG@10 ${bm25.metrics['ndcg@10']}`);
  assert.ok(bm25.metrics['ndcg@10'] > bow.metrics['ndcg@10']);
  assert.ok(bm25.metrics['recall@100'] > 0.6);
});
