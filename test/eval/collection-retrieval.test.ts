import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { BeirCollection } from '../../src/eval/beir.js';
import { evaluateCollectionRetrieval } from '../../src/eval/collection-retrieval.js';

const beir: BeirCollection = {
  corpus: [
    { id: 'd1', title: 'Volcanoes', text: 'Lava and ash erupt from the volcano crater.' },
    { id: 'd2', title: 'Whales', text: 'Humpback whales sing long songs in the ocean.' },
    { id: 'd3', title: 'Bread', text: 'Knead the dough, let it rise, then bake the bread.' },
    { id: 'd4', title: 'Chess', text: 'The knight moves in an L shape on the chess board.' },
  ],
  queries: [
    { id: 'q1', text: 'volcano lava eruption' },
    { id: 'q2', text: 'whales singing songs' },
    { id: 'q3', text: 'not judged' },
  ],
  qrels: new Map([
    ['q1', new Map([['d1', 2]])],
    ['q2', new Map([['d2', 1]])],
  ]),
};

test('retrieval through a collection: dense, sparse and hybrid rank the relevant document first', async () => {
  for (const method of ['dense', 'sparse', 'hybrid'] as const) {
    const r = await evaluateCollectionRetrieval(beir, { embedder: 'trigram', method, top: 10 });
    assert.equal(r.queries, 2, method);
    assert.equal(r.metrics['ndcg@10'], 1, method);
    assert.equal(r.metrics['mrr@10'], 1, method);
    assert.equal(r.metrics['recall@100'], 1, method);
    assert.equal(r.metrics['precision@10'], 0.1, method); // one relevant document in the top 10
  }
});
