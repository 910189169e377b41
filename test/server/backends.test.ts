import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { parseVectorSets } from '../../src/cli/commands/serve.js';
import { run } from '../../src/cli/program.js';
import { KeyedVectors } from '../../src/embed/static/keyed-vectors.js';
import { TrigramEmbedder } from '../../src/embed/trigram.js';
import { LibraryExplorer, metaGroup, project, StoreCollections } from '../../src/server/backends.js';
import { Collection } from '../../src/store/collection.js';

const root = mkdtempSync(path.join(os.tmpdir(), 'smysl-backends-'));
let collections: StoreCollections;

const docs = [
  { id: 'fruit/apple', text: 'apples and pears grow in the orchard', meta: { kind: 'fruit' } },
  { id: 'fruit/plum', text: 'plums ripen late in the summer orchard', meta: { kind: 'fruit' } },
  { id: 'tools/hammer', text: 'a hammer drives nails into wood', meta: { kind: 'tool' } },
  { id: 'tools/saw', text: 'a saw cuts planks of wood', meta: { kind: 'tool' } },
];

before(async () => {
  const c = await Collection.create(path.join(root, 'notes'), {
    embedder: new TrigramEmbedder({ dim: 64 }),
    index: { type: 'exact' },
  });
  await c.add(docs);
  await c.close();
  collections = new StoreCollections(root);
});

after(async () => {
  await collections.close();
  rmSync(root, { recursive: true, force: true });
});

test('PCA projection of points on a line keeps their order along x', () => {
  const data = new Float32Array([0, 0, 0, 1, 2, 0, 2, 4, 0, 3, 6, 0]);
  const xy = project({ rows: 4, dim: 3, data }, 'pca');
  const xs = [xy[0], xy[2], xy[4], xy[6]];
  const increasing = xs.every((x, i) => i === 0 || x > xs[i - 1]);
  const decreasing = xs.every((x, i) => i === 0 || x < xs[i - 1]);
  assert.ok(increasing || decreasing, `x = ${xs}`);
  // a line has no second component
  for (let i = 0; i < 4; i++) assert.ok(Math.abs(xy[i * 2 + 1]) < 1e-4);
  assert.ok(Math.abs(Math.abs(xs[3] - xs[0]) - Math.hypot(3, 6)) < 1e-4);
});

test('collections are addressed by name only', async () => {
  assert.deepEqual(collections.names(), ['notes']);
  assert.deepEqual(
    (await collections.list()).map((i) => [i.name, i.documents, i.embedder.name]),
    [['notes', 4, 'trigram-64']],
  );
  for (const bad of ['../notes', '/tmp', 'missing', '.hidden'])
    await assert.rejects(collections.search(bad, { query: 'x', k: 1 }), /no collection named/);
  assert.throws(() => new StoreCollections(root, ['../etc']), /invalid collection name/);
});

test('search, filter, upsert and delete go through the store', async () => {
  const hits = await collections.search('notes', { query: 'hammer nails', k: 2 });
  assert.equal(hits[0].id, 'tools/hammer');
  const filtered = await collections.search('notes', {
    query: 'hammer nails',
    k: 4,
    filter: { kind: 'fruit' },
  });
  assert.deepEqual(filtered.map((h) => h.id).sort(), ['fruit/apple', 'fruit/plum']);
  const sparse = await collections.search('notes', { query: 'orchard plums', k: 2, method: 'sparse' });
  assert.equal(sparse[0].id, 'fruit/plum');
  const hybrid = await collections.search('notes', { query: 'saw planks', k: 1, method: 'hybrid' });
  assert.equal(hybrid[0].id, 'tools/saw');
  assert.deepEqual(await collections.upsert('notes', [{ id: 'tools/drill', text: 'a drill bores holes' }]), {
    upserted: 1,
  });
  assert.equal(
    (await collections.search('notes', { query: 'drill bores holes', k: 1 }))[0].id,
    'tools/drill',
  );
  assert.equal(await collections.remove('notes', 'tools/drill'), true);
  assert.equal(await collections.remove('notes', 'tools/drill'), false);
});

test('explorer: collection map coloured by a field, word neighbours and analogies', async () => {
  const words = ['man', 'woman', 'king', 'queen', 'apple'];
  const vectors = new Float32Array([1, 0, 0, 1, 0.5, 0, 1, 0, 1, 1, 1, 1, 0, 0, 1]);
  const explorer = new LibraryExplorer({
    collections,
    vectors: { toy: async () => new KeyedVectors(words, vectors, 3) },
  });
  assert.deepEqual(await explorer.sources(), { collections: ['notes'], vectors: ['toy'] });
  const points = await explorer.map({
    source: { collection: 'notes' },
    method: 'pca',
    color: 'kind',
    limit: 100,
  });
  assert.equal(points.length, 4);
  assert.deepEqual(points.map((p) => p.group).sort(), ['fruit', 'fruit', 'tool', 'tool']);
  const byDir = await explorer.map({
    source: { collection: 'notes' },
    method: 'pca',
    color: 'dir',
    limit: 100,
  });
  assert.deepEqual(byDir.map((p) => p.group).sort(), ['fruit', 'fruit', 'tools', 'tools']);
  const wordMap = await explorer.map({ source: { vectors: 'toy' }, method: 'pca', limit: 3 });
  assert.deepEqual(
    wordMap.map((p) => p.label),
    ['man', 'woman', 'king'],
  );
  assert.equal((await explorer.similar({ vectors: 'toy', word: 'Man', k: 1 }))[0].word, 'woman');
  const analogy = await explorer.analogy({ vectors: 'toy', a: 'man', b: 'king', c: 'woman', k: 1 });
  assert.equal(analogy[0].word, 'queen');
  await assert.rejects(explorer.similar({ vectors: 'toy', word: 'zebra', k: 1 }), /not in the vocabulary/);
  await assert.rejects(explorer.similar({ vectors: 'nope', word: 'man', k: 1 }), /no word-vector set/);
});

test('metaGroup and --vectors parsing', () => {
  assert.equal(metaGroup('a/b/c.txt', {}, 'dir'), 'a/b');
  assert.equal(metaGroup('c.txt', { year: 2020 }, 'year'), '2020');
  assert.equal(metaGroup('c.txt', {}, 'year'), undefined);
  assert.deepEqual(parseVectorSets(['wink', 'ru=/data/ru.vec']), { wink: 'wink', ru: '/data/ru.vec' });
  assert.throws(() => parseVectorSets(['file.vec']), /name=file/);
  assert.throws(() => parseVectorSets(['../x=file.vec']), /invalid name/);
});

test('smysl plot --collection writes a self-contained HTML map', async () => {
  const out = path.join(root, 'map.html');
  const code = await run([
    'plot',
    '--collection',
    path.join(root, 'notes'),
    '--projection',
    'pca',
    '--color',
    'kind',
    '--out',
    out,
    '--quiet',
  ]);
  assert.equal(code, 0);
  const html = readFileSync(out, 'utf8');
  assert.match(html, /function drawMap/);
  assert.match(html, /"group":"tool"/);
  assert.equal(html.match(/"label":/g)?.length, 4);
  assert.equal(await run(['plot', 'x.vec', '--out', path.join(root, 'map.svg')]), 2);
});
