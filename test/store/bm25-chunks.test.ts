import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { TrigramEmbedder } from '../../src/embed/trigram.js';
import { Bm25ChunkIndex } from '../../src/store/bm25-chunks.js';
import { Collection } from '../../src/store/collection.js';
import { type ChunkText, LexicalChunkIndex, rankedHits } from '../../src/store/lexical.js';

/** Records the chunk count of every from-scratch BM25 build until `restore` is called. */
function countBuilds(): { builds: number[]; restore: () => void } {
  const builds: number[] = [];
  const build = Bm25ChunkIndex.build;
  Bm25ChunkIndex.build = (chunks, words) => {
    builds.push(chunks.length);
    return build(chunks, words);
  };
  return { builds, restore: () => void (Bm25ChunkIndex.build = build) };
}

const root = mkdtempSync(path.join(os.tmpdir(), 'smysl-bm25-chunks-'));
after(() => rmSync(root, { recursive: true, force: true }));

// seeded chunks in English and Russian, with repeated words so tf, df and lengths all vary
function corpus(n: number, seed: number): ChunkText[] {
  const words = [
    'кошка',
    'кошки',
    'кошку',
    'собака',
    'собаки',
    'лес',
    'леса',
    'река',
    'реки',
    'идёт',
    'шёл',
    'cat',
    'cats',
    'dog',
    'dogs',
    'forest',
    'river',
    'rivers',
    'running',
    'runs',
    'the',
    'a',
    'of',
  ];
  let s = seed;
  const rnd = () => {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    return s / 2 ** 32;
  };
  return Array.from({ length: n }, (_, i) => ({
    row: i,
    doc: Math.floor(i / 2),
    text: Array.from(
      { length: 3 + Math.floor(rnd() * 12) },
      () => words[Math.floor(rnd() * words.length)],
    ).join(' '),
  }));
}

const queries = [
  'кошка в лесу',
  'dogs running',
  'реки и леса',
  'the cat of the forest',
  'шла собака',
  'zebra',
];

/** Hits of the incremental index equal those of the vectorizer-based index built over the same chunks. */
function assertSame(a: Bm25ChunkIndex, chunks: ChunkText[], words: 'snowball' | 'lemmas') {
  const b = LexicalChunkIndex.build(chunks, 'bm25', words);
  for (const q of queries) {
    const x = a.searchChunks(q, 15);
    const y = b.searchChunks(q, 15);
    assert.deepEqual(
      x.map((h) => h.row),
      y.map((h) => h.row),
      q,
    );
    for (let i = 0; i < x.length; i++)
      assert.ok(Math.abs(x[i].score - y[i].score) < 1e-5 * Math.max(1, y[i].score), q);
    assert.deepEqual(
      a.search(q, 5).map((h) => [h.doc, h.row]),
      b.search(q, 5).map((h) => [h.doc, h.row]),
      q,
    );
  }
}

for (const words of ['snowball', 'lemmas'] as const) {
  test(`incremental BM25 scores equal a from-scratch index over the live chunks (${words})`, () => {
    const chunks = corpus(300, 7);
    const index = Bm25ChunkIndex.build(chunks.slice(0, 200), words);
    assertSame(index, chunks.slice(0, 200), words);
    // remove every third chunk of the first 200, add the last 100: statistics follow
    const dead = new Set(chunks.filter((c) => c.row < 200 && c.row % 3 === 0).map((c) => c.row));
    assert.equal(
      index.removeWhere((row) => dead.has(row)),
      dead.size,
    );
    index.add(chunks.slice(200));
    const live = chunks.filter((c) => !dead.has(c.row));
    assert.equal(index.size, live.length);
    assertSame(index, live, words);
    // saved and loaded: the same answers, without the dead postings
    const dir = path.join(root, `saved-${words}`);
    return index.save(dir, 'k1', '0').then(() => {
      const loaded = Bm25ChunkIndex.load(dir, words)!;
      assert.equal(loaded.deadShare, 0);
      assert.equal(loaded.maxRow, 299);
      assertSame(loaded, live, words);
      assert.deepEqual(Bm25ChunkIndex.saved(dir), { key: 'k1', epoch: '0' });
    });
  });
}

test('hand-computed BM25: two chunks, one query word', () => {
  const index = Bm25ChunkIndex.build(
    [
      { row: 0, doc: 0, text: 'river river bank' },
      { row: 1, doc: 1, text: 'forest path' },
    ],
    'snowball',
  );
  // N = 2, df(river) = 1: idf = ln(1 + 1.5/1.5) = ln 2; tf = 2, length 3, average 2.5
  const norm = 1 - 0.75 + (0.75 * 3) / 2.5;
  const expected = Math.log(2) * ((2 * 2.2) / (2 + 1.2 * norm));
  const [hit] = index.search('river', 1);
  assert.equal(hit.doc, 0);
  assert.ok(Math.abs(hit.score - expected) < 1e-6, `${hit.score} vs ${expected}`);
});

test('a reading session catches up with commits instead of rebuilding BM25; upserts and deletes are followed', async () => {
  const dir = path.join(root, 'collection');
  const writer = await Collection.create(dir, { embedder: new TrigramEmbedder({ dim: 32 }) });
  await writer.add(
    Array.from({ length: 50 }, (_, i) => ({
      id: `d${i}`,
      text: `note ${i} about rivers and forests number${i}`,
      meta: {},
    })),
  );
  await writer.saveLexicalIndex();
  const reader = await Collection.open(dir, { readonly: true });
  const { builds, restore } = countBuilds();
  try {
    assert.equal((await reader.search('number7', { method: 'sparse', k: 1 }))[0].id, 'd7');
    await writer.add([{ id: 'new', text: 'a brand new glacier note', meta: {} }]);
    await writer.add([{ id: 'd7', text: 'replaced text about deserts', meta: {} }]);
    await writer.delete(['d8']);
    assert.equal((await reader.search('glacier', { method: 'sparse', k: 1 }))[0].id, 'new');
    assert.deepEqual(await reader.search('number7', { method: 'sparse', k: 1 }), []);
    assert.deepEqual(await reader.search('number8', { method: 'sparse', k: 1 }), []);
    assert.equal((await reader.search('deserts', { method: 'sparse', k: 1 }))[0].id, 'd7');
    // the writer's session follows its own writes too
    assert.equal((await writer.search('glacier', { method: 'sparse', k: 1 }))[0].id, 'new');
    assert.deepEqual(builds, [], 'no session rebuilt the index from scratch');
    // and the answers equal a fresh index over the live chunks (no saved index to start from)
    rmSync(path.join(dir, 'lexical'), { recursive: true, force: true });
    const fresh = await Collection.open(dir, { readonly: true });
    for (const q of ['rivers and forests', 'note 3', 'glacier'])
      assert.deepEqual(
        await reader.search(q, { method: 'sparse', k: 10 }),
        await fresh.search(q, { method: 'sparse', k: 10 }),
      );
    await fresh.close();
    assert.equal(builds.length, 1, 'the fresh session built its own');
    // compaction renumbers rows: the next search rebuilds
    await writer.compact();
    assert.equal((await reader.search('glacier', { method: 'sparse', k: 1 }))[0].id, 'new');
    assert.equal(builds.length, 2);
  } finally {
    restore();
    await reader.close();
    await writer.close();
  }
});

test('a lexical index saved by the earlier version is used while current, and saved anew by the next writer', async () => {
  const dir = path.join(root, 'older');
  const c = await Collection.create(dir, { embedder: new TrigramEmbedder({ dim: 32 }) });
  await c.add(
    Array.from({ length: 20 }, (_, i) => ({ id: `d${i}`, text: `note number${i} about lakes`, meta: {} })),
  );
  const key = `${await (c as unknown as { lexicalKey(): Promise<string> }).lexicalKey()}`;
  await c.close();
  const older = LexicalChunkIndex.build(
    Array.from({ length: 20 }, (_, i) => ({ row: i, doc: i + 1, text: `note number${i} about lakes` })),
    'bm25',
    'lemmas',
  );
  rmSync(path.join(dir, 'lexical'), { recursive: true, force: true });
  await older.save(path.join(dir, 'lexical'), key);
  const { builds, restore } = countBuilds();
  try {
    const reader = await Collection.open(dir, { readonly: true });
    assert.ok((await reader.lexicalIndex()) instanceof LexicalChunkIndex, 'the saved index is loaded');
    assert.equal((await reader.search('number7', { method: 'sparse', k: 1 }))[0].id, 'd7');
    await reader.close();
    assert.deepEqual(builds, []);
    const writer = await Collection.open(dir);
    await writer.saveLexicalIndex();
    await writer.close();
    assert.equal(Bm25ChunkIndex.saved(path.join(dir, 'lexical'))?.key, key);
  } finally {
    restore();
  }
});

test('rankedHits: documents or chunks from a chunk ranking, asking deeper until k pass', () => {
  // chunks 0..5 ranked 0,1,2,3,4,5; documents 7,7,7,8,9,9 (vector rows 10+chunk)
  const docs = [7, 7, 7, 8, 9, 9];
  const rows = [10, 11, 12, 13, 14, 15];
  const depths: number[] = [];
  const top = (depth: number) => {
    depths.push(depth);
    const n = Math.min(depth, 6);
    return {
      items: Array.from({ length: n }, (_, i) => i),
      scores: Array.from({ length: n }, (_, i) => 6 - i),
    };
  };
  assert.deepEqual(rankedHits(top, docs, rows, 2, true), [
    { doc: 7, row: 10, score: 6 },
    { doc: 8, row: 13, score: 3 },
  ]);
  assert.deepEqual(depths, [8]);
  depths.length = 0;
  // one chunk per asked place; a filter makes it ask deeper (1 → 4 → 16)
  assert.deepEqual(
    rankedHits(top, docs, rows, 1, false, (d) => d === 9),
    [{ doc: 9, row: 14, score: 2 }],
  );
  assert.deepEqual(depths, [4, 16]);
  assert.deepEqual(rankedHits(top, docs, rows, 2, false), [
    { doc: 7, row: 10, score: 6 },
    { doc: 7, row: 11, score: 5 },
  ]);
  assert.deepEqual(
    rankedHits(top, docs, rows, 5, true).map((h) => h.doc),
    [7, 8, 9],
    'the ranking ran out',
  );
  assert.deepEqual(rankedHits(top, docs, rows, 0, true), []);
});
