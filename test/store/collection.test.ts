import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import type { Document } from '../../src/corpus/types.js';
import { TrigramEmbedder } from '../../src/embed/trigram.js';
import { isSmyslError } from '../../src/errors.js';
import { Bm25ChunkIndex } from '../../src/store/bm25-chunks.js';
import { chunkText } from '../../src/store/chunk.js';
import { Collection } from '../../src/store/collection.js';
import { parsePipeline } from '../../src/vectors/steps.js';

const root = mkdtempSync(path.join(os.tmpdir(), 'smysl-store-'));
after(() => rmSync(root, { recursive: true, force: true }));
let counter = 0;
const fresh = () => path.join(root, `c${counter++}`);

const animals: Document[] = [
  {
    id: 'cat',
    text: 'The cat sleeps on the warm windowsill all afternoon.',
    meta: { title: 'Cats', kind: 'pet', year: 2020 },
  },
  {
    id: 'dog',
    text: 'A dog fetches the ball and barks at the mailman.',
    meta: { title: 'Dogs', kind: 'pet', year: 2021 },
  },
  {
    id: 'whale',
    text: 'Whales migrate across oceans singing long songs.',
    meta: { title: 'Whales', kind: 'wild', year: 2020 },
  },
  {
    id: 'eagle',
    text: 'An eagle soars above mountains hunting for prey.',
    meta: { title: 'Eagles', kind: 'wild', year: 2022 },
  },
];

function numbered(n: number, prefix = 'doc'): Document[] {
  return Array.from({ length: n }, (_, i) => ({
    id: `${prefix}${i}`,
    text: `document number ${i} about topic${i % 7} with word${i % 13} and color${i % 5}`,
    meta: { group: `g${i % 10}`, rare: i === 137 ? 'yes' : 'no' },
  }));
}

test('add, search, get and count', async () => {
  const c = await Collection.create(fresh(), { embedder: new TrigramEmbedder({ dim: 128 }) });
  const summary = await c.add(animals);
  assert.deepEqual(summary, {
    added: 4,
    replaced: 0,
    unchanged: 0,
    removed: 0,
    chunks: 4,
    batches: 1,
    words: 0,
  });
  assert.equal(await c.count(), 4);
  const hits = await c.search('whales singing in the ocean', { k: 2 });
  assert.equal(hits[0].id, 'whale');
  assert.equal(hits[0].rank, 1);
  assert.equal(hits[0].title, 'Whales');
  assert.match(hits[0].snippet!, /Whales migrate/);
  assert.equal(hits.length, 2);
  assert.equal((await c.get('dog'))?.text, animals[1].text);
  const vector = (await c.embed(['whales singing in the ocean'])).data;
  assert.deepEqual(
    (await c.searchVector(vector, { k: 2, details: false })).map((h) => h.id),
    hits.map((h) => h.id),
  );
  assert.equal(await c.get('nope'), undefined);
  await c.close();
});

test('upsert replaces, unchanged documents are skipped, delete removes for good', async () => {
  const dir = fresh();
  const c = await Collection.create(dir, { embedder: new TrigramEmbedder({ dim: 128 }) });
  await c.add(animals);
  const again = await c.add(animals);
  assert.equal(again.unchanged, 4);
  assert.equal(again.added, 0);
  const changed = await c.upsert([
    { id: 'cat', text: 'Submarines dive under polar ice.', meta: { title: 'Subs' } },
  ]);
  assert.equal(changed.replaced, 1);
  assert.equal(await c.count(), 4);
  let hits = await c.search('cat sleeps on the windowsill', { k: 4 });
  assert.equal(hits.filter((h) => h.id === 'cat').length, 1);
  assert.ok(!hits.some((h) => /windowsill/.test(h.snippet ?? '')), 'old version never returned');
  assert.equal(await c.delete(['dog', 'missing']), 1);
  assert.equal(await c.count(), 3);
  hits = await c.search('dog fetches the ball', { k: 10 });
  assert.ok(!hits.some((h) => h.id === 'dog'));
  const bare = await c.searchVector((await c.embed(['dog fetches the ball'])).data, {
    k: 10,
    details: false,
  });
  assert.deepEqual(bare.map((h) => h.id).sort(), ['cat', 'eagle', 'whale']);
  assert.equal((await c.stats()).deadRows, 2);
  await c.close();
  // deletions survive reopening (the saved graph is re-marked) and compaction
  const reopened = await Collection.open(dir);
  assert.ok(!(await reopened.search('dog fetches the ball', { k: 10 })).some((h) => h.id === 'dog'));
  assert.deepEqual(
    (await reopened.searchVector((await reopened.embed(['dog'])).data, { k: 10, details: false }))
      .map((h) => h.id)
      .sort(),
    ['cat', 'eagle', 'whale'],
  );
  const before = statSync(path.join(dir, 'vectors.0.f32')).size;
  assert.deepEqual(await reopened.compact(), { removedRows: 2 });
  assert.equal((await reopened.stats()).deadRows, 0);
  assert.equal((await reopened.stats()).vectorRows, 3);
  assert.ok(!existsSync(path.join(dir, 'vectors.0.f32')));
  assert.equal(statSync(path.join(dir, 'vectors.1.f32')).size, before - 2 * 128 * 4);
  const afterCompact = await reopened.search('whales singing', { k: 3 });
  assert.equal(afterCompact[0].id, 'whale');
  assert.equal(afterCompact.length, 3);
  await reopened.close();
  const third = await Collection.open(dir);
  assert.equal((await third.search('eagle mountains', { k: 1 }))[0].id, 'eagle');
  await third.close();
});

test('metadata filters inside search return k results when k match', async () => {
  for (const type of ['hnsw', 'exact'] as const) {
    const c = await Collection.create(fresh(), {
      embedder: new TrigramEmbedder({ dim: 64 }),
      index: { type },
    });
    await c.add(numbered(3000), { batchSize: 500 });
    const g3 = await c.search('topic3 word5', { k: 10, where: { group: 'g3' } });
    assert.equal(g3.length, 10, `${type}: wide filter`);
    assert.ok(g3.every((h) => (h.meta as { group: string }).group === 'g3'));
    const rare = await c.search('anything', { k: 10, where: { rare: 'yes' } });
    assert.deepEqual(
      rare.map((h) => h.id),
      ['doc137'],
    );
    const both = await c.search('anything', { k: 5, where: { group: 'g7', rare: 'no' } });
    assert.equal(both.length, 5);
    assert.equal((await c.search('x', { where: { group: 'none' } })).length, 0);
    await assert.rejects(c.search('x', { where: { "a') OR 1=1 --": 'x' } }), /invalid metadata field/);
    await c.close();
  }
  const c = await Collection.create(fresh(), { embedder: new TrigramEmbedder({ dim: 64 }) });
  await c.add(animals);
  assert.deepEqual((await c.search('animal', { k: 10, where: { year: 2020 } })).map((h) => h.id).sort(), [
    'cat',
    'whale',
  ]);
  await c.close();
});

for (const precision of ['f32', 'f16', 'i8'] as const) {
  test(`HNSW (${precision}) results agree with exact search; the graph is saved, reloaded and extended`, async () => {
    const docs = numbered(2000);
    const dir = fresh();
    const h = await Collection.create(dir, {
      embedder: new TrigramEmbedder({ dim: 64 }),
      index: { precision },
    });
    const e = await Collection.create(fresh(), {
      embedder: new TrigramEmbedder({ dim: 64 }),
      index: { type: 'exact' },
    });
    await h.add(docs.slice(0, 1500), { batchSize: 400 });
    await e.add(docs, { batchSize: 400 });
    await h.close();
    assert.ok(existsSync(path.join(dir, 'usearch.0.bin')), 'the graph is written on close');
    const reopened = await Collection.open(dir);
    await reopened.add(docs.slice(1500), { batchSize: 400 });
    let agree = 0;
    for (let i = 0; i < 20; i++) {
      const q = `topic${i % 7} word${i % 13} color${i % 5} number ${i * 31}`;
      const a = (await reopened.search(q, { k: 5, method: 'dense' })).map((r) => r.id);
      const b = (await e.search(q, { k: 5, method: 'dense' })).map((r) => r.id);
      agree += a.filter((id) => b.includes(id)).length;
    }
    assert.ok(agree / 100 >= (precision === 'i8' ? 0.8 : 0.9), `overlap ${agree / 100}`);
    await reopened.close();
    await e.close();
  });
}

test('the lexical index is saved by the writer, loaded by readers while current, rebuilt after changes', async () => {
  const dir = fresh();
  const c = await Collection.create(dir, { embedder: new TrigramEmbedder({ dim: 64 }) });
  await c.add(animals);
  const before = await c.search('singing whales', { k: 4, method: 'sparse' });
  await c.saveLexicalIndex();
  assert.ok(existsSync(path.join(dir, 'lexical', 'key.json')));
  const { key } = JSON.parse(readFileSync(path.join(dir, 'lexical', 'key.json'), 'utf8'));
  assert.equal(Bm25ChunkIndex.saved(path.join(dir, 'lexical'))?.key, key);
  const loaded = Bm25ChunkIndex.load(path.join(dir, 'lexical'), 'lemmas');
  assert.ok(loaded, 'loads');
  assert.deepEqual(loaded.search('singing whales', 4), (await c.lexicalIndex()).search('singing whales', 4));
  // saved with another analyzer: not this index
  assert.equal(Bm25ChunkIndex.load(path.join(dir, 'lexical'), 'snowball'), null);
  await c.close();
  const reader = await Collection.open(dir, { readonly: true });
  assert.deepEqual(await reader.search('singing whales', { k: 4, method: 'sparse' }), before);
  await reader.close();
  // a damaged saved index is ignored, not trusted
  writeFileSync(path.join(dir, 'lexical', 'chunks.bin'), 'garbage');
  const again = await Collection.open(dir, { readonly: true });
  assert.deepEqual(await again.search('singing whales', { k: 4, method: 'sparse' }), before);
  await again.close();
  // after a change the saved index no longer matches: the new document is found
  const w = await Collection.open(dir);
  await w.add([{ id: 'orca', text: 'Orcas are singing whales that hunt in family pods.', meta: {} }]);
  await w.close();
  const fresher = await Collection.open(dir, { readonly: true });
  const hits = await fresher.search('orcas hunt pods', { k: 2, method: 'sparse' });
  assert.equal(hits[0].id, 'orca');
  await fresher.close();
});

test('opening with a different embedder is an E_COLLECTION error that names both', async () => {
  const dir = fresh();
  const c = await Collection.create(dir, { embedder: new TrigramEmbedder({ dim: 64 }) });
  await c.add(animals);
  await c.close();
  await assert.rejects(
    Collection.open(dir, { embedder: new TrigramEmbedder({ dim: 32 }) }),
    (e) => isSmyslError(e, 'E_COLLECTION') && /trigram-64/.test(e.message) && /trigram-32/.test(e.message),
  );
  await assert.rejects(Collection.open(path.join(root, 'nothing-here')), (e) =>
    isSmyslError(e, 'E_COLLECTION'),
  );
  const ok = await Collection.open(dir, { embedder: new TrigramEmbedder({ dim: 64 }) });
  assert.equal(await ok.count(), 4);
  // one writer at a time; readers are welcome
  await assert.rejects(
    Collection.open(dir),
    (e) => isSmyslError(e, 'E_COLLECTION') && /being written by process/.test(e.message),
  );
  const reader = await Collection.open(dir, { readonly: true });
  assert.equal(await reader.count(), 4);
  await assert.rejects(() => reader.delete(['cat']), /read-only/);
  await reader.close();
  await ok.close();
  await (await Collection.open(dir)).close();
});

test('post-processing is saved and applied to queries', async () => {
  const dir = fresh();
  const embedder = new TrigramEmbedder({ dim: 64 });
  const sample = await embedder.embed(numbered(300).map((d) => d.text));
  const pipeline = parsePipeline('center,pca:16').fit(sample);
  const c = await Collection.create(dir, { embedder, postprocess: pipeline });
  assert.equal(c.dim, 16);
  await c.add(animals);
  await c.close();
  const reopened = await Collection.open(dir);
  assert.deepEqual(
    reopened.manifest.postprocess.map((p) => p.kind),
    ['center', 'pca'],
  );
  assert.equal((await reopened.embed(['a query'])).dim, 16);
  assert.equal((await reopened.search('eagle soars above mountains', { k: 1 }))[0].id, 'eagle');
  await reopened.close();
});

test('long documents are chunked; results are per document with the best chunk as snippet', async () => {
  const c = await Collection.create(fresh(), {
    embedder: new TrigramEmbedder({ dim: 256 }),
    chunking: { maxTokens: 12, overlapTokens: 3 },
  });
  const long = [
    'Apples grow on trees in the orchard.',
    'Bananas are yellow and grow in bunches.',
    'The volcano erupted and lava flowed down the slope.',
    'Cherries are small red fruits.',
  ].join(' ');
  await c.add([{ id: 'long', text: long, meta: {} }, ...animals]);
  assert.ok((await c.stats()).chunks > 5);
  const hits = await c.search('volcano lava eruption', { k: 3 });
  assert.equal(hits[0].id, 'long');
  assert.match(hits[0].snippet!, /volcano/);
  assert.equal(new Set(hits.map((h) => h.id)).size, hits.length, 'one result per document');
  await c.close();
});

test('chunkText: sentence packing with overlap, long sentences cut into windows', () => {
  const text = 'One two three. Four five six. Seven eight nine. Ten eleven twelve.';
  const spans = chunkText(text, { maxTokens: 6, overlapTokens: 3 });
  assert.deepEqual(
    spans.map((s) => text.slice(s.start, s.end)),
    [
      'One two three. Four five six.',
      'Four five six. Seven eight nine.',
      'Seven eight nine. Ten eleven twelve.',
    ],
  );
  const words = Array.from({ length: 25 }, (_, i) => `w${i}`).join(' ');
  const windows = chunkText(words, { maxTokens: 10, overlapTokens: 2 });
  assert.ok(windows.length >= 3);
  for (const s of windows) assert.ok(words.slice(s.start, s.end).split(' ').length <= 10);
  assert.ok(words.slice(windows.at(-1)!.start, windows.at(-1)!.end).endsWith('w24'));
  assert.deepEqual(chunkText(''), [{ start: 0, end: 0 }]);
});

test('resume: indexing the same input again skips what is in, by id and content hash', async () => {
  const dir = fresh();
  const docs = numbered(500);
  const c = await Collection.create(dir, { embedder: new TrigramEmbedder({ dim: 64 }) });
  await c.add(docs.slice(0, 200), { batchSize: 50 });
  await c.close();
  const again = await Collection.open(dir);
  const edited = docs.map((d) => (d.id === 'doc10' ? { ...d, text: `${d.text} edited` } : d));
  const s = await again.add(edited, { batchSize: 50 });
  assert.deepEqual([s.added, s.replaced, s.unchanged], [300, 1, 199]);
  assert.equal(await again.count(), 500);
  await again.close();
  assert.ok(readdirSync(dir).includes('store.sqlite'));
});

test('hybrid search fuses the dense list with a lexical retriever by weights', async () => {
  const c = await Collection.create(fresh(), { embedder: new TrigramEmbedder({ dim: 128 }) });
  await c.add(animals);
  const asked: { query: string; k: number; filtered: boolean }[] = [];
  // a stand-in lexical retriever that always ranks the eagle first, then the dog
  c.lexical = {
    search: (query, k, filter) => {
      asked.push({ query, k, filtered: filter !== undefined });
      return [
        { id: 'eagle', score: 12 },
        { id: 'dog', score: 3 },
      ].filter((h) => !filter || filter(h.id));
    },
  };
  const dense = await c.search('whales singing in the ocean', { k: 4, method: 'dense' });
  assert.equal(dense[0].id, 'whale');
  const lexicalHeavy = await c.search('whales singing in the ocean', {
    k: 4,
    method: 'hybrid',
    lexicalWeight: 5,
  });
  assert.equal(lexicalHeavy[0].id, 'eagle');
  assert.equal(lexicalHeavy[0].title, 'Eagles');
  assert.deepEqual(
    lexicalHeavy.map((h) => h.rank),
    [1, 2, 3, 4],
  );
  // with the lexical weight at zero the fused order is the dense order
  const denseOnly = await c.search('whales singing in the ocean', {
    k: 4,
    method: 'hybrid',
    lexicalWeight: 0,
  });
  assert.deepEqual(
    denseOnly.map((h) => h.id),
    dense.map((h) => h.id),
  );
  const filtered = await c.search('whales', { k: 4, method: 'hybrid', where: { kind: 'pet' } });
  assert.ok(filtered.every((h) => h.id === 'cat' || h.id === 'dog'));
  assert.equal(asked.at(-1)?.filtered, true);
  // without an external retriever, hybrid and sparse use the built-in BM25 chunk index
  c.lexical = undefined;
  assert.equal((await c.search('whales singing in the ocean', { k: 4 }))[0].id, 'whale');
  const sparse = await c.search('singing whales', { k: 4, method: 'sparse' });
  assert.equal(sparse[0].id, 'whale');
  assert.ok(sparse.every((h) => h.snippet && h.snippet.length > 0));
  assert.deepEqual(await c.search('zzzz qqqq', { method: 'sparse' }), []);
  const pets = await c.search('whales', { k: 4, method: 'sparse', where: { kind: 'pet' } });
  assert.ok(pets.every((h) => h.id === 'cat' || h.id === 'dog'));
  await c.close();
});

test("documents are embedded with the embedder's document role, queries with its query role", async () => {
  // a prompted model (e5-style "query: "/"passage: "): a trigram embedder that records its roles
  const roles: string[] = [];
  const base = new TrigramEmbedder({ dim: 64 });
  const prompted = Object.assign(Object.create(base) as TrigramEmbedder, {
    embedQueries: (texts: string[]) => {
      roles.push('query');
      return base.embed(texts.map((t) => `query: ${t}`));
    },
    embedDocuments: (texts: string[]) => {
      roles.push('document');
      return base.embed(texts.map((t) => `passage: ${t}`));
    },
  });
  const c = await Collection.create(fresh(), { embedder: prompted });
  await c.add(animals);
  assert.ok(roles.includes('document') && !roles.includes('query'));
  roles.length = 0;
  const hits = await c.search('whales singing', { method: 'dense', k: 1 });
  assert.deepEqual(roles, ['query']);
  assert.equal(hits[0].id, 'whale');
  await c.close();
});

test('metadata nested too deep is refused with the document id, before anything is written', async () => {
  let deep: Record<string, unknown> = { leaf: 1 };
  for (let i = 0; i < 100; i++) deep = { a: deep };
  const c = await Collection.create(fresh(), { embedder: new TrigramEmbedder({ dim: 32 }) });
  await assert.rejects(
    c.add([...animals, { id: 'deep', text: 'deep metadata', meta: deep }]),
    (e) => isSmyslError(e, 'E_INPUT') && /"deep".*nested more than 64 levels/.test(e.message),
  );
  assert.equal(await c.count(), 0);
  await c.close();
});
