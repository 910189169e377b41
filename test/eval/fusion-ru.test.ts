import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { createEmbedder } from '../../src/embed/registry.js';
import { readBeir } from '../../src/eval/beir.js';
import { ndcgAtK } from '../../src/eval/ranking.js';
import { Collection, type SearchMethod } from '../../src/store/collection.js';

// The judged Russian fixture (60 documents, 60 queries) through a real collection with the
// built-in English encoder: the case where RRF 1:1 fell below BM25 (0.9403 against 0.9649).
const FIXTURE = fileURLToPath(new URL('../../../test/fixtures/retrieval-ru/', import.meta.url));
const root = mkdtempSync(path.join(os.tmpdir(), 'smysl-fusion-ru-'));
after(() => rmSync(root, { recursive: true, force: true }));

test('hybrid search on the Russian fixture is never below BM25 and within 0.005 of its best side', async (t) => {
  const beir = await readBeir(FIXTURE);
  const c = await Collection.create(path.join(root, 'ru'), {
    embedder: await createEmbedder('minilm'),
    index: { type: 'exact' },
  });
  try {
    assert.equal(c.lexicalAnalyzer, 'lemmas');
    await c.add(beir.corpus.map((d) => ({ id: d.id, text: `${d.title}\n\n${d.text}`, meta: {} })));
    const score = async (method: SearchMethod, extra: Record<string, unknown> = {}) => {
      let sum = 0;
      for (const q of beir.queries) {
        const hits = await c.search(q.text, { k: 10, method, details: false, ...extra });
        sum += ndcgAtK(
          hits.map((h) => h.id),
          beir.qrels.get(q.id)!,
          10,
        );
      }
      return sum / beir.queries.length;
    };
    const sparse = await score('sparse');
    const dense = await score('dense');
    const hybrid = await score('hybrid');
    const rrf = await score('hybrid', { fusion: 'rrf', denseWeight: 1, lexicalWeight: 1 });
    const report = `sparse ${sparse.toFixed(4)}, dense ${dense.toFixed(4)}, hybrid ${hybrid.toFixed(4)}, rrf 1:1 ${rrf.toFixed(4)}`;
    t.diagnostic(report);
    assert.ok(hybrid >= sparse, report);
    assert.ok(hybrid >= Math.max(sparse, dense) - 0.005, report);
    // the old default loses to BM25 here: the test would have caught it
    assert.ok(rrf < sparse, report);
  } finally {
    await c.close();
  }
});
