// The PostgreSQL store against the embedded one: PGlite + pgvector behind pglite-socket on a
// local port, reached through node-postgres over TCP (the code path of a real server).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { readDocuments } from '../../src/corpus/index.js';
import type { Document } from '../../src/corpus/types.js';
import { createEmbedder } from '../../src/embed/registry.js';
import { TrigramEmbedder } from '../../src/embed/trigram.js';
import { isSmyslError } from '../../src/errors.js';
import { StoreCollections } from '../../src/server/backends.js';
import { Collection, type SearchMethod } from '../../src/store/collection.js';
import { loadPg } from '../../src/store/postgres/connection.js';
import { orderExpression } from '../../src/store/postgres/schema.js';
import { PostgresStore } from '../../src/store/postgres/store.js';
import { copyCollection } from '../../src/store/postgres/transfer.js';
import type { DocumentToWrite } from '../../src/store/types.js';
import type { DenseMatrix } from '../../src/vectors/types.js';
import { type Engine, engineMissing, startEngine } from './pg-engine.js';

const root = mkdtempSync(path.join(os.tmpdir(), 'smysl-pg-'));
// the store restores each collection's embedder files into the user's cache directory
process.env.XDG_CACHE_HOME = path.join(root, 'cache');
const bin = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
let engine: Engine | undefined;
let counter = 0;
const fresh = () => `c${counter++}`;
const pgAt = (name: string) => `${engine!.url}#${name}`;
const embedder = () => new TrigramEmbedder({ dim: 64 });

before(async () => {
  engine = await startEngine();
  if (!engine) console.log(`# skipped: ${engineMissing}`);
});
after(async () => {
  await engine?.stop();
  rmSync(root, { recursive: true, force: true });
});

/** Runs SQL on the engine directly (checks behind the store's back). */
async function sql(text: string): Promise<Record<string, unknown>[]> {
  const pg = await loadPg();
  const client = new pg.Client({ connectionString: engine!.url });
  await client.connect();
  try {
    // several statements give several results: the last one's rows
    const results = (await client.query(text)) as unknown as { rows: Record<string, unknown>[] }[];
    return (Array.isArray(results) ? results[results.length - 1] : results).rows;
  } finally {
    await client.end();
  }
}

function corpus(n: number, version = 1): Document[] {
  const docs: Document[] = Array.from({ length: n }, (_, i) => ({
    id: `doc${i}`,
    text:
      `Document ${i} v${version} is about topic${i % 7} with word${i % 13}. ` +
      `It mentions color${i % 5} and shape${i % 11}. `.repeat(1 + (i % 3)),
    meta: { group: `g${i % 10}`, rare: i === 37 ? 'yes' : 'no', year: 2000 + (i % 4), flag: i % 2 === 0 },
  }));
  docs.push(
    {
      id: 'cat',
      text: 'The cat sleeps on the warm windowsill all afternoon.',
      meta: { title: 'Cats', lang: 'en' },
    },
    { id: 'kot', text: 'Кошки спят на тёплом подоконнике весь день.', meta: { title: 'Кошки', lang: 'ru' } },
    {
      id: 'whale',
      text: 'Whales migrate across oceans singing long songs.',
      meta: { title: 'Whales', lang: 'en' },
    },
  );
  return docs;
}

const QUERIES = [
  'topic3 word5 color2',
  'shape7 document',
  'cats sleeping on a windowsill',
  'кошка спит',
  'whales',
];

async function same(
  a: Collection,
  b: Collection,
  what: string,
  where?: Record<string, string | number | boolean>,
) {
  for (const method of ['dense', 'sparse', 'hybrid'] as SearchMethod[])
    for (const q of QUERIES) {
      const x = await a.search(q, { method, k: 8, where });
      const y = await b.search(q, { method, k: 8, where });
      assert.deepEqual(
        y.map((h) => h.id),
        x.map((h) => h.id),
        `${what}: ${method} "${q}"`,
      );
      for (let i = 0; i < x.length; i++) {
        assert.ok(Math.abs(x[i].score - y[i].score) < 1e-5, `${what}: ${method} "${q}" score ${i}`);
        assert.equal(y[i].snippet, x[i].snippet);
        assert.deepEqual(y[i].meta, x[i].meta);
      }
    }
}

test('the same documents answer the same in both stores: dense, sparse, hybrid, filters, upserts, deletes, compaction', async (t) => {
  if (!engine) return t.skip(engineMissing);
  const local = await Collection.create(path.join(root, 'local'), {
    embedder: embedder(),
    index: { type: 'exact' },
  });
  const pg = await Collection.create(pgAt('same'), { embedder: embedder(), index: { type: 'exact' } });
  assert.equal(pg.manifest.name, 'same');
  assert.equal(pg.dir, pgAt('same'));
  const docs = corpus(120);
  assert.deepEqual(await pg.add(docs, { batchSize: 32 }), await local.add(docs, { batchSize: 32 }));
  await same(local, pg, 'fresh');
  await same(local, pg, 'where', { group: 'g3' });
  await same(local, pg, 'where number', { year: 2001 });
  await same(local, pg, 'narrow where', { rare: 'yes' });
  assert.equal((await pg.search('anything', { where: { group: 'none' } })).length, 0);
  await assert.rejects(pg.search('x', { where: { "a') OR 1=1 --": 'x' } }), /invalid metadata field/);
  assert.deepEqual(
    [...(await pg.store.matchingDocs({ flag: true }))].length,
    [...(await local.store.matchingDocs({ flag: 1 }))].length,
  );
  // the stored vectors are the embedded store's, bit for bit (float32 through text and back)
  const rows = (await pg.store.chunksOf((await pg.store.docNumber('doc5'))!)).map((c) => c.row);
  const localRows = (await local.store.chunksOf((await local.store.docNumber('doc5'))!)).map((c) => c.row);
  assert.deepEqual((await pg.store.vectors(rows)).data, (await local.store.vectors(localRows)).data);

  // upserts (some unchanged, some changed), deletes, compaction
  const changed = corpus(60, 2);
  assert.deepEqual(await pg.add(changed), await local.add(changed));
  assert.equal(await pg.delete(['doc1', 'doc2', 'nope']), 2);
  await local.delete(['doc1', 'doc2', 'nope']);
  await same(local, pg, 'after upserts and deletes');
  const s = await pg.stats();
  assert.equal(s.documents, await local.count());
  assert.equal(s.chunks, (await local.stats()).chunks);
  assert.equal(s.deadRows, (await local.stats()).deadRows);
  assert.equal(s.chunks + s.deadRows, s.vectorRows);
  const version = await pg.store.version();
  assert.deepEqual(await pg.compact(), await local.compact());
  assert.notEqual(await pg.store.version(), version, 'compaction changes the version');
  assert.equal((await pg.stats()).deadRows, 0);
  assert.equal(await pg.store.integrityCheck?.(), 'ok');
  await same(local, pg, 'after compaction');
  await pg.close();
  // reopened read-only (as `smysl search` does): the lexical index saved by the writer is reused
  const reader = await Collection.open(pgAt('same'), { readonly: true });
  await same(local, reader, 'reopened');
  await assert.rejects(reader.add(corpus(1)), (e) => isSmyslError(e, 'E_STATE'));
  await reader.close();
  await local.close();
});

test('HNSW (halfvec f16 and vector f32): every document is found by its own text; filters wide and narrow', async (t) => {
  if (!engine) return t.skip(engineMissing);
  for (const precision of ['f16', 'f32'] as const) {
    const name = fresh();
    const c = await Collection.create(pgAt(name), { embedder: embedder(), index: { precision } });
    await c.add(corpus(200), { batchSize: 50 });
    const index = await sql(
      `SELECT indexdef FROM pg_indexes WHERE tablename = 'smysl_${name}_chunks' AND indexdef LIKE '%hnsw%'`,
    );
    assert.match(
      String(index[0].indexdef),
      precision === 'f16'
        ? /\(\(embedding\)::halfvec\(64\)\) halfvec_cosine_ops/
        : /\(embedding vector_cosine_ops\)/,
    );
    let found = 0;
    for (let i = 0; i < 200; i += 10) {
      const hits = await c.search((await c.get(`doc${i}`))!.text, { method: 'dense', k: 1 });
      if (hits.some((h) => h.id === `doc${i}`)) found++;
      const filtered = await c.search('anything at all', {
        method: 'dense',
        k: 5,
        where: { group: `g${i % 10}` },
      });
      assert.equal(filtered.length, 5, 'a wide filter still gives k results');
      assert.ok(filtered.every((h) => h.meta?.group === `g${i % 10}`));
    }
    assert.equal(found, 20, `${precision}: self-recall`);
    // the query the store sends can use the index (an ORDER BY it does not match would scan every
    // row); the index was built after the load, so the planner knows 200 rows sort cheaper
    const q = `'[${Array.from({ length: 64 }, (_, j) => (j === 0 ? 1 : 0)).join(',')}]'`;
    const plan = await sql(
      `SET enable_seqscan = off; EXPLAIN SELECT doc FROM "smysl_${name}_chunks" ORDER BY ${orderExpression(c.manifest, q)} LIMIT 5`,
    );
    assert.match(
      plan.map((r) => r['QUERY PLAN']).join('\n'),
      new RegExp(`Index Scan using smysl_${name}_chunks_hnsw`),
    );
    assert.deepEqual(
      (await c.search('anything', { method: 'dense', where: { rare: 'yes' } })).map((h) => h.id),
      ['doc37'],
    );
    await c.close();
  }
});

test('a wrong embedder is refused, and so is a record that does not match its table', async (t) => {
  if (!engine) return t.skip(engineMissing);
  const name = fresh();
  const c = await Collection.create(pgAt(name), { embedder: embedder() });
  await c.add(corpus(3));
  await c.close();
  await assert.rejects(
    Collection.open(pgAt(name), { embedder: new TrigramEmbedder({ dim: 32 }) }),
    (e) => isSmyslError(e, 'E_COLLECTION') && /indexed with embedder trigram/.test(e.message),
  );
  await assert.rejects(
    Collection.create(pgAt(name), { embedder: embedder() }),
    (e) => isSmyslError(e, 'E_COLLECTION') && /already exists/.test(e.message),
  );
  await sql(`UPDATE smysl_collections SET dim = 32 WHERE name = '${name}'`);
  await assert.rejects(
    Collection.open(pgAt(name)),
    (e) => isSmyslError(e, 'E_COLLECTION') && /does not match its record/.test(e.message),
  );
  await assert.rejects(
    Collection.open(pgAt('missing')),
    (e) => isSmyslError(e, 'E_COLLECTION') && /no collection/.test(e.message),
  );
  await assert.rejects(Collection.open(`${engine.url}#bad name`), (e) => isSmyslError(e, 'E_USAGE'));
  await assert.rejects(
    Collection.open(engine.url),
    (e) => isSmyslError(e, 'E_USAGE') && /names no collection/.test(e.message),
  );
  await assert.rejects(
    Collection.open('postgres://nobody@127.0.0.1:1/none#x'),
    (e) => isSmyslError(e, 'E_IO') && /cannot reach PostgreSQL/.test(e.message),
  );
});

test("lexical 'fts': PostgreSQL full-text search (russian / english, ts_rank_cd) as the sparse side", async (t) => {
  if (!engine) return t.skip(engineMissing);
  await assert.rejects(
    Collection.create(path.join(root, 'fts-local'), { embedder: embedder(), lexical: 'fts' }),
    (e) => isSmyslError(e, 'E_USAGE') && /full-text/.test(e.message),
  );
  const c = await Collection.create(pgAt(fresh()), { embedder: embedder(), lexical: 'fts' });
  await c.add(corpus(40));
  // Russian forms through the russian configuration: «кошка спала» matches «Кошки спят»
  assert.deepEqual(
    (await c.search('кошка спала', { method: 'sparse' })).map((h) => h.id),
    ['kot'],
  );
  // English stems: "sleeping cats" matches "The cat sleeps"
  assert.equal((await c.search('sleeping cats', { method: 'sparse' }))[0]?.id, 'cat');
  assert.equal((await c.search('sleeping cats', { method: 'sparse', where: { lang: 'ru' } })).length, 0);
  assert.equal((await c.search('whales singing', { method: 'hybrid', k: 3 }))[0].id, 'whale');
  assert.equal(
    (await c.search('the of and', { method: 'sparse' })).length,
    0,
    'stop words alone match nothing',
  );
  // the query's words are OR-ed: every document with any of them is found, and only those
  const hits = await c.search('topic3 word3 color3', { method: 'sparse', k: 40 });
  const expected = corpus(40).filter((d) => /\b(topic3|word3|color3)\b/.test(d.text));
  assert.deepEqual(hits.map((h) => h.id).sort(), expected.map((d) => d.id).sort());
  await c.close();
});

test('writers in two sessions take turns per batch: nothing lost, counters agree', async (t) => {
  if (!engine) return t.skip(engineMissing);
  const name = fresh();
  await (await Collection.create(pgAt(name), { embedder: embedder() })).close();
  const a = await Collection.open(pgAt(name));
  const b = await Collection.open(pgAt(name));
  const docs = corpus(80);
  await Promise.all([a.add(docs.slice(0, 50), { batchSize: 7 }), b.add(docs.slice(30), { batchSize: 5 })]);
  assert.equal(await a.count(), docs.length);
  assert.equal(await a.store.integrityCheck?.(), 'ok');
  const ids = await sql(`SELECT count(DISTINCT id) AS n, count(*) AS m FROM "smysl_${name}_docs"`);
  assert.deepEqual([Number(ids[0].n), Number(ids[0].m)], [docs.length, docs.length]);
  await a.close();
  await b.close();
});

test('two writers learning words side by side: one row per word, both sessions embed it alike', async (t) => {
  if (!engine) return t.skip(engineMissing);
  const name = fresh();
  await (
    await Collection.create(pgAt(name), {
      embedder: await createEmbedder('bilingual'),
      index: { type: 'exact' },
    })
  ).close();
  const [a, b] = [await Collection.open(pgAt(name)), await Collection.open(pgAt(name))];
  // the same invented words in both writers' documents, in different contexts
  const names = ['Гварнелия', 'Квирталь', 'Марзобан', 'Тельвира', 'Оскарония', 'Бурвандия'];
  const docs = (side: string, n: number) =>
    Array.from({ length: n }, (_, i) => ({
      id: `${side}${i}`,
      text: `${names[i % names.length]} — ${side === 'a' ? 'остров в холодном море, где ловят рыбу' : 'город в горах, где пасут овец'} (${i}).`,
      meta: {},
    }));
  const [sa, sb] = await Promise.all([
    a.add(docs('a', 24), { batchSize: 3 }),
    b.add(docs('b', 24), { batchSize: 4 }),
  ]);
  const rows = await sql(
    `SELECT count(*)::integer AS n, count(DISTINCT stem)::integer AS d FROM smysl_${name}_words`,
  );
  assert.equal(rows[0].n, rows[0].d, 'one row per word');
  assert.equal(rows[0].n, sa.words + sb.words, 'each word learned by one writer');
  assert.ok(sa.words + sb.words >= names.length);
  for (const w of names)
    assert.deepEqual((await a.embed([w], 'query')).data, (await b.embed([w], 'query')).data, w);
  await a.close();
  await b.close();
});

test('copyCollection: embedded → PostgreSQL → embedded keeps vectors bit for bit, embeds nothing, resumes', async (t) => {
  if (!engine) return t.skip(engineMissing);
  const src = path.join(root, 'export-src');
  const c = await Collection.create(src, {
    embedder: embedder(),
    chunking: { maxTokens: 12, overlapTokens: 2 },
  });
  await c.add(corpus(90));
  await c.delete(['doc4']);
  await c.close();
  const name = fresh();
  // an interrupted copy (cancelled after its first batch) resumes where it stopped
  const stop = new AbortController();
  await assert.rejects(
    copyCollection(src, pgAt(name), {
      batchSize: 20,
      signal: stop.signal,
      onProgress: (p) => {
        if (p.done >= 20) stop.abort();
      },
    }),
    (e) => isSmyslError(e, 'E_CANCELLED'),
  );
  const progress: number[] = [];
  const summary = await copyCollection(src, pgAt(name), {
    batchSize: 20,
    onProgress: (p) => progress.push(p.done),
  });
  assert.equal(summary.unchanged, 20);
  assert.equal(summary.documents, 92 - 20);
  assert.equal(progress.at(-1), 92);
  const back = path.join(root, 'import-back');
  assert.equal((await copyCollection(pgAt(name), back)).documents, 92);
  const [x, y, z] = [
    await Collection.open(src, { readonly: true }),
    await Collection.open(pgAt(name), { readonly: true }),
    await Collection.open(back, { readonly: true }),
  ];
  assert.deepEqual(y.manifest.chunking, x.manifest.chunking);
  assert.equal(z.manifest.embedder.name, x.manifest.embedder.name);
  for (const id of ['doc0', 'doc50', 'kot']) {
    const vectors = async (col: Collection) =>
      (
        await col.store.vectors(
          (await col.store.chunksOf((await col.store.docNumber(id))!)).map((ch) => ch.row),
        )
      ).data;
    const original = await vectors(x);
    if (id === 'doc50') assert.ok(original.length > 64, 'several chunks');
    assert.deepEqual(await vectors(y), original, `${id} in PostgreSQL`);
    assert.deepEqual(await vectors(z), original, `${id} back home`);
    assert.deepEqual(await y.get(id), await x.get(id));
  }
  assert.equal(await y.get('doc4'), undefined);
  await same(x, z, 'round trip');
  for (const col of [x, y, z]) await col.close();
});

test('learned words in PostgreSQL: a bilingual collection learns into its words table, readers catch up, copies carry the words both ways', async (t) => {
  if (!engine) return t.skip(engineMissing);
  const island = { id: 'island', text: 'Гварнелия — остров в холодном море, там ловят треску.', meta: {} };
  const bread = { id: 'bread', text: 'Хлеб пекут из муки и воды.', meta: {} };
  const capital = { id: 'capital', text: 'Квирталь — столица острова, там стоит маяк.', meta: {} };
  const query = async (col: Collection, q = 'где Гварнелия') => (await col.embed([q], 'query')).data;

  // made in PostgreSQL: words go to smysl_<name>_words
  const name = fresh();
  const pg = await Collection.create(pgAt(name), {
    embedder: await createEmbedder('bilingual'),
    index: { type: 'exact' },
  });
  const reader = await Collection.open(pgAt(name), { readonly: true });
  const learned = await pg.add([island, bread]);
  assert.ok(learned.words >= 1);
  const [{ n }] = await sql(`SELECT count(*)::integer AS n FROM smysl_${name}_words`);
  assert.equal(n, learned.words);
  assert.equal((await pg.info()).learnedWords, learned.words);
  // a reader opened before the words existed takes them in before embedding a query
  assert.deepEqual(await query(reader), await query(pg));
  const [top] = await pg.search('Гварнелия', { k: 1, method: 'dense', details: false });
  assert.equal(top.id, 'island');
  await reader.close();
  await pg.close();

  // PostgreSQL → embedded → PostgreSQL: the words travel with the vectors
  const home = path.join(root, 'words-home');
  await copyCollection(pgAt(name), home);
  const x = await Collection.open(home);
  const again = await Collection.open(pgAt(name), { readonly: true });
  assert.deepEqual(await query(x), await query(again));
  await again.close();
  const more = await x.add([capital]);
  assert.ok(more.words >= 1);
  await x.close();
  const other = fresh();
  await copyCollection(home, pgAt(other));
  const [y, z] = [
    await Collection.open(home, { readonly: true }),
    await Collection.open(pgAt(other), { readonly: true }),
  ];
  assert.equal((await z.info()).learnedWords, learned.words + more.words);
  for (const q of ['где Гварнелия', 'столица Квирталь'])
    assert.deepEqual(await query(z, q), await query(y, q));
  for (const col of [y, z]) await col.close();
  // resuming a copy into a target that holds the words already adds none twice
  await copyCollection(home, pgAt(other));
  const [{ n: after }] = await sql(`SELECT count(*)::integer AS n FROM smysl_${other}_words`);
  assert.equal(after, learned.words + more.words);
});

test('a folder collection exported and imported still prunes the files removed from its folder', async (t) => {
  if (!engine) return t.skip(engineMissing);
  const dir = path.join(root, 'prune-folder');
  mkdirSync(dir);
  for (const [file, text] of [
    ['cats.txt', 'Cats sleep on warm windowsills.\n'],
    ['bees.txt', 'Honeybees gather nectar.\n'],
    ['owls.txt', 'Owls hunt at night.\n'],
  ])
    writeFileSync(path.join(dir, file), text);
  const src = path.join(root, 'prune-src');
  const c = await Collection.create(src, { embedder: embedder() });
  await c.add(readDocuments(dir), { root: dir, prune: true });
  await c.close();
  const name = fresh();
  await copyCollection(src, pgAt(name));
  const back = path.join(root, 'prune-back');
  await copyCollection(pgAt(name), back);
  rmSync(path.join(dir, 'cats.txt'));
  for (const location of [pgAt(name), back]) {
    const col = await Collection.open(location);
    const again = await col.add(readDocuments(dir), { root: dir, prune: true });
    assert.deepEqual(
      { removed: again.removed, unchanged: again.unchanged, added: again.added },
      { removed: 1, unchanged: 2, added: 0 },
      location,
    );
    assert.equal(await col.has('cats.txt'), false, location);
    assert.equal(await col.has('owls.txt'), true, location);
    await col.close();
  }
});

test('a load into an empty collection builds the HNSW index once at the end; a killed load leaves it to the next writer', async (t) => {
  if (!engine) return t.skip(engineMissing);
  const name = fresh();
  const graph = async () =>
    (await sql(`SELECT to_regclass('"smysl_${name}_chunks_hnsw"') IS NOT NULL AS present`))[0].present;
  const c = await Collection.create(pgAt(name), { embedder: embedder() });
  assert.equal(await graph(), true, 'created with its index');
  const docs = corpus(30);
  await c.add(docs.slice(0, 10), { batchSize: 5 });
  assert.equal(await graph(), true, 'built when the load ended');
  // as a killed load leaves it: the index dropped by its first batch, never built
  await sql(`DROP INDEX "smysl_${name}_chunks_hnsw"`);
  const reader = await Collection.open(pgAt(name), { readonly: true });
  // without the index a search is exact: the same answer
  const hits = await reader.search(docs[3].text, { method: 'dense', k: 3 });
  assert.equal(hits[0].id, 'doc3');
  await c.add(docs.slice(10), { batchSize: 5 });
  assert.equal(await graph(), true, 'rebuilt by the next writer');
  const plan = await sql(
    `SET enable_seqscan = off; EXPLAIN SELECT chunk FROM "smysl_${name}_chunks" ORDER BY ${orderExpression(c.manifest, `'[${Array(64).fill(0.125).join(',')}]'`)} LIMIT 5`,
  );
  assert.match(JSON.stringify(plan), new RegExp(`Index Scan using smysl_${name}_chunks_hnsw`));
  assert.deepEqual(
    (await reader.search(docs[23].text, { method: 'dense', k: 1 })).map((h) => h.id),
    ['doc23'],
  );
  await reader.close();
  await c.close();
});

test('the CLI: --store and SMYSL_STORE on index, search, compact, repair, export and import; no password printed', async (t) => {
  if (!engine) return t.skip(engineMissing);
  const cwd = mkdtempSync(path.join(root, 'cli-'));
  const file = path.join(cwd, 'docs.jsonl');
  writeFileSync(
    file,
    corpus(30)
      .map((d) => JSON.stringify({ id: d.id, text: d.text, ...d.meta }))
      .join('\n'),
  );
  const env = { ...process.env };
  // asynchronous: the engine answers from this process's event loop
  const run = (args: string[], extra: Record<string, string> = {}) =>
    new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve, reject) => {
      const p = spawn(process.execPath, [bin, ...args], { cwd, env: { ...env, ...extra } });
      let stdout = '';
      let stderr = '';
      p.stdout.on('data', (d) => (stdout += d));
      p.stderr.on('data', (d) => (stderr += d));
      p.on('error', reject);
      p.on('close', (status) => resolve({ status, stdout, stderr }));
    });
  const url = engine.url.replace('postgres@', 'postgres:secret@');
  let r = await run([
    'index',
    file,
    '--store',
    url,
    '--collection',
    'notes',
    '--embedder',
    'trigram',
    '--json',
  ]);
  assert.equal(r.status, 0, r.stderr);
  const indexed = JSON.parse(r.stdout);
  assert.equal(indexed.added, 33);
  assert.equal(indexed.collection, `${engine.url.replace('postgres@', 'postgres:…@')}#notes`);
  assert.ok(!`${r.stdout}${r.stderr}`.includes('secret'));
  r = await run(['index', file, '--collection', 'notes', '--json'], { SMYSL_STORE: url });
  assert.equal(JSON.parse(r.stdout).unchanged, 33, r.stderr);
  r = await run(['search', 'кошка', '--collection', 'notes', '--json', '--where', 'lang=ru'], {
    SMYSL_STORE: url,
  });
  assert.deepEqual(
    JSON.parse(r.stdout).map((h: { id: string }) => h.id),
    ['kot'],
  );
  r = await run([
    'search',
    'whales',
    '--store',
    url,
    '--collection',
    'notes',
    '-k',
    '1',
    '--method',
    'sparse',
  ]);
  assert.match(r.stdout, /Whales migrate/);
  r = await run(['collections', 'list', '--store', url, '--json']);
  assert.ok(
    (JSON.parse(r.stdout) as { name: string }[]).some((c) => c.name === 'notes'),
    r.stderr,
  );
  r = await run(['collections', 'info', 'notes', '--store', url, '--json']);
  const info = JSON.parse(r.stdout);
  assert.equal(info.embedder.name, 'trigram-256');
  assert.ok(info.diskBytes > 0 && !String(info.location).includes('secret'), r.stdout);
  r = await run(['index', file, '--store', url, '--collection', 'notes', '--embedder', 'minilm']);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /indexed with embedder trigram/);
  r = await run(['compact', '--store', url, '--collection', 'notes', '--json']);
  assert.equal(JSON.parse(r.stdout).removedRows, 0, r.stderr);
  r = await run(['collections', 'repair', '--collection', 'notes', '--store', url, '--json']);
  assert.equal(JSON.parse(r.stdout).integrity, 'ok', r.stderr);
  // to the embedded store (.smysl/notes) and back into PostgreSQL under another name
  r = await run(['collections', 'import', 'notes', '--from', url, '--json']);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(JSON.parse(r.stdout).documents, 33);
  r = await run(['search', 'whales', '--collection', 'notes', '--json', '-k', '1']);
  assert.equal(JSON.parse(r.stdout)[0].id, 'whale');
  // exported onto the original (same name, same embedder): a resumed copy with nothing left to do
  r = await run(['collections', 'export', './.smysl/notes', '--to', url, '--json']);
  assert.deepEqual([JSON.parse(r.stdout).unchanged, JSON.parse(r.stdout).documents], [33, 0], r.stderr);
  r = await run([
    'index',
    file,
    '--store',
    url,
    '--collection',
    'ftsnotes',
    '--embedder',
    'trigram',
    '--lexical',
    'fts',
    '--json',
  ]);
  assert.equal(r.status, 0, r.stderr);
  r = await run([
    'search',
    'sleeping cats',
    '--store',
    url,
    '--collection',
    'ftsnotes',
    '--method',
    'sparse',
    '--json',
  ]);
  assert.equal(JSON.parse(r.stdout)[0].id, 'cat');
  r = await run(['index', file, '--collection', 'x', '--embedder', 'trigram', '--lexical', 'fts']);
  assert.equal(r.status, 2, 'fts needs a PostgreSQL store');
});

test('the server over a PostgreSQL store: lists, searches, upserts and deletes by name', async (t) => {
  if (!engine) return t.skip(engineMissing);
  const name = fresh();
  const c = await Collection.create(pgAt(name), { embedder: embedder() });
  await c.add(corpus(10));
  await c.close();
  const served = new StoreCollections(path.join(root, 'unused'), undefined, { store: engine.url });
  await served.refresh();
  assert.ok(served.names().includes(name));
  assert.equal(served.lock().dir, path.join(root, 'unused'));
  assert.equal((await served.search(name, { query: 'whales', k: 1 }))[0].id, 'whale');
  assert.deepEqual(
    await served.upsert(name, [{ id: 'new', text: 'A brand new document about volcanoes.' }]),
    {
      upserted: 1,
    },
  );
  assert.equal((await served.search(name, { query: 'volcanoes', k: 1, method: 'sparse' }))[0].id, 'new');
  assert.equal(await served.remove(name, 'new'), true);
  // a collection created after the listing is found by name
  const later = fresh();
  await (await Collection.create(pgAt(later), { embedder: embedder() })).close();
  assert.ok(!served.names().includes(later));
  assert.equal(await (await served.collection(later)).count(), 0);
  await served.close();
});

test('store level: nearest chunks (graph, exact, filtered) match a brute-force scan; sources and roots; updated, size, refresh; drop', async (t) => {
  if (!engine) return t.skip(engineMissing);
  const c = await Collection.create(pgAt('chunks'), { embedder: embedder(), index: { precision: 'f32' } });
  await c.add(corpus(80), { batchSize: 40 });
  const store = c.store as PostgresStore;
  const live = await store.liveChunks();
  const all = await store.vectors(live.map((l) => l.row));
  const query = (await embedder().embed(['topic3 word5 color2 shape7'])).data as Float32Array;
  let norm = 0;
  for (const x of query) norm += x * x;
  const brute = (allowed?: Set<number>) =>
    live
      .map((l, i) => {
        let s = 0;
        for (let j = 0; j < all.dim; j++) s += all.data[i * all.dim + j] * query[j];
        return { doc: l.doc, row: l.row, score: s / Math.sqrt(norm) };
      })
      .filter((h) => !allowed || allowed.has(h.doc))
      .sort((a, b) => b.score - a.score || a.row - b.row);
  const check = (
    got: { row: number; score: number }[],
    want: { row: number; score: number }[],
    what: string,
  ) => {
    assert.equal(got.length, want.length, what);
    for (let i = 0; i < got.length; i++)
      assert.ok(Math.abs(got[i].score - want[i].score) < 1e-5, `${what} ${i}`);
  };
  check(await store.searchChunks(query, 12), brute().slice(0, 12), 'graph');
  const narrow = await store.matchingDocs({ group: 'g3' });
  check(await store.searchChunks(query, 12, narrow), brute(narrow).slice(0, 12), 'narrow filter');
  assert.ok(
    (await store.searchChunks(query, 1000)).length === live.length,
    'k beyond the collection: every chunk',
  );
  assert.deepEqual(await store.searchChunks(query, 5, new Set()), []);

  // documents keep their source file and the input root they were read from
  const before = await store.updated();
  assert.match(before ?? '', /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  assert.equal(await store.refresh(), false, 'nothing changed since it opened');
  await new Promise((r) => setTimeout(r, 5));
  const v = (await embedder().embed(['from a file'])) as DenseMatrix;
  await store.write(
    [
      {
        id: 'filed',
        hash: 'h',
        title: 'Filed',
        text: 'from a file',
        meta: {},
        spans: [{ start: 0, end: 11 }],
        source: { path: '/tmp/a.md', line: 3, verbatim: true },
        root: '/tmp',
      } as DocumentToWrite,
    ],
    v,
  );
  assert.deepEqual(await store.idsUnder('/tmp'), ['filed']);
  assert.deepEqual(await store.idsUnder('/elsewhere'), []);
  assert.deepEqual(((await store.document('filed')) as { source?: unknown })?.source, {
    path: '/tmp/a.md',
    line: 3,
    verbatim: true,
  });
  assert.equal(((await store.document('doc1')) as { source?: unknown })?.source, undefined);
  assert.ok((await store.updated())! > before!, 'a write moves the time of the last change');
  assert.equal(await store.refresh(), true, 'a write is seen');
  assert.ok((await store.diskBytes()) > 80 * 1024, 'tables and indexes take space');
  await c.close();

  // drop: the tables and the record go (refusal while a writer holds it: postgres-debian.test, a real server)
  await PostgresStore.drop(pgAt('chunks'));
  assert.deepEqual(await sql(`SELECT to_regclass('"smysl_chunks_chunks"') AS t`), [{ t: null }]);
  assert.ok(!(await PostgresStore.list(engine!.url)).includes('chunks'));
  await assert.rejects(PostgresStore.drop(pgAt('chunks')), (e) => isSmyslError(e, 'E_COLLECTION'));
  await assert.rejects(Collection.open(pgAt('chunks')), (e) => isSmyslError(e, 'E_COLLECTION'));
});
