import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { createEmbedder } from '../../src/embed/registry.js';
import { ndcgAtK } from '../../src/eval/ranking.js';
import { Collection, type SearchOptions } from '../../src/store/collection.js';
import { splitSentences } from '../../src/text/sentences.js';

// examples/corpus through a collection with the encoder `smysl index` picks for Russian text
// (bilingual: the minilm-ru student reads Russian, so the dense side leads Russian queries), and
// the judged Russian queries of test/fixtures/retrieval-ru/examples. Without the lexical-confidence
// term the default fusion lost one of them to BM25 («роман в стихах Пушкина»: 0.9566 < 0.9783)
// — with the model's own vocabulary; a collection that learns its words (the default since
// 2026-12-06) knows «Пушкин» and no longer needs the term there, so that check runs on a
// collection that does not learn words.
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const CORPUS = path.join(ROOT, 'examples/corpus');
const root = mkdtempSync(path.join(os.tmpdir(), 'smysl-fusion-bi-'));
after(() => rmSync(root, { recursive: true, force: true }));

test('bilingual collection: hybrid never below BM25 on the Russian queries, phrase queries find their document', async (t) => {
  const docs: { id: string; text: string; meta: Record<string, unknown> }[] = [];
  for (const topic of readdirSync(CORPUS).sort())
    for (const f of readdirSync(path.join(CORPUS, topic)).sort())
      docs.push({ id: `${topic}/${f}`, text: readFileSync(path.join(CORPUS, topic, f), 'utf8'), meta: {} });
  const judged = readFileSync(path.join(ROOT, 'test/fixtures/retrieval-ru/examples/queries.tsv'), 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '' && !l.startsWith('#'))
    .map((l) => {
      const [text, relevant] = l.split('\t');
      return { text, relevant: new Map(relevant.split(',').map((r) => [r, 1])) };
    });
  const c = await Collection.create(path.join(root, 'examples'), {
    embedder: await createEmbedder('bilingual'),
    index: { type: 'exact' },
  });
  const fixed = await Collection.create(path.join(root, 'fixed'), {
    embedder: await createEmbedder('bilingual'),
    index: { type: 'exact' },
    learnWords: false,
  });
  try {
    await c.add(docs);
    await fixed.add(docs);
    const ndcg = async (opts: SearchOptions & { method: 'dense' | 'sparse' | 'hybrid' }, on = c) => {
      let sum = 0;
      for (const q of judged) {
        const hits = await on.search(q.text, { k: 10, details: false, ...opts });
        sum += ndcgAtK(
          hits.map((h) => h.id),
          q.relevant,
          10,
        );
      }
      return sum / judged.length;
    };
    const sparse = await ndcg({ method: 'sparse' });
    const dense = await ndcg({ method: 'dense' });
    const hybrid = await ndcg({ method: 'hybrid' });
    const fixedHybrid = await ndcg({ method: 'hybrid' }, fixed);
    const previous = await ndcg({ method: 'hybrid', lexicalConfidence: false }, fixed);
    const report = `sparse ${sparse.toFixed(4)}, dense ${dense.toFixed(4)}, hybrid ${hybrid.toFixed(4)}; without learned words: hybrid ${fixedHybrid.toFixed(4)}, without lexical confidence ${previous.toFixed(4)}`;
    t.diagnostic(report);
    assert.ok(hybrid >= sparse, report);
    assert.ok(hybrid >= Math.max(sparse, dense) - 0.005, report);
    assert.ok(fixedHybrid >= sparse, report);
    assert.ok(previous < sparse, report); // the test would have caught the previous default

    // Phrase queries: the first six words of the first long sentence of each Russian document.
    let right = 0;
    let rightSparse = 0;
    let n = 0;
    for (const d of docs.filter((x) => /-ru\./.test(x.id))) {
      const sentence = splitSentences(d.text.replace(/^#.*$/gm, '')).find(
        (s) => s.text.split(/\s+/).length >= 8,
      );
      if (!sentence) continue;
      const q = sentence.text.split(/\s+/).slice(0, 6).join(' ');
      n++;
      if ((await c.search(q, { k: 1, method: 'hybrid', details: false }))[0]?.id === d.id) right++;
      if ((await c.search(q, { k: 1, method: 'sparse', details: false }))[0]?.id === d.id) rightSparse++;
    }
    t.diagnostic(`phrase queries: hybrid ${right}/${n}, sparse ${rightSparse}/${n}`);
    assert.ok(n >= 15, `only ${n} phrase queries`);
    assert.ok(right >= rightSparse, `phrase queries: hybrid ${right}/${n}, sparse ${rightSparse}/${n}`);
  } finally {
    await c.close();
    await fixed.close();
  }
});
