import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import OpenAI from 'openai';
import type { CollectionsBackend, ServedModel } from '../../src/server/app.js';
import { type RunningServer, startServer } from '../../src/server/serve.js';
import type { DenseMatrix } from '../../src/vectors/types.js';

/** A deterministic toy model: 4 dims from character statistics, unit length. */
let calls = 0;
let lastCallTexts = 0;
/** While set, model calls wait for it (to let requests queue up deterministically). */
let gate: Promise<void> | null = null;
const toy: ServedModel = {
  name: 'toy',
  dim: 4,
  async embed(texts: string[]): Promise<DenseMatrix> {
    calls++;
    lastCallTexts = texts.length;
    if (gate) await gate;
    const data = new Float32Array(texts.length * 4);
    texts.forEach((t, i) => {
      const v = [t.length, (t.match(/[aeiou]/g) ?? []).length + 1, (t.match(/ /g) ?? []).length + 1, 1];
      const n = Math.hypot(...v);
      v.forEach((x, d) => (data[i * 4 + d] = x / n));
    });
    return { rows: texts.length, dim: 4, data };
  },
};

const docs = new Map<string, { id: string; text: string }>();
let writeStarted: (() => void) | undefined;
const backend: CollectionsBackend = {
  async list() {
    return [await this.info('notes')];
  },
  async info(name) {
    return {
      name,
      location: name,
      documents: docs.size,
      chunks: docs.size,
      deadRows: 0,
      embedder: { name: 'toy', method: 'toy', dim: 4 },
      index: { type: 'exact' },
      lexical: { method: 'bm25', analyzer: 'snowball' },
      defaultMethod: 'dense',
      languages: {},
      created: '2026-01-01T00:00:00.000Z',
    };
  },
  async deleteDocuments(_name, req) {
    let n = 0;
    for (const id of req.ids ?? []) if (docs.delete(id)) n++;
    return { deleted: n };
  },
  async drop() {
    docs.clear();
    return { dropped: true };
  },
  async search(name, req) {
    if (name !== 'notes') throw Object.assign(new Error('x'), {});
    return [...docs.values()]
      .filter((d) => d.text.includes(req.query))
      .slice(0, req.k)
      .map((d, i) => ({ rank: i + 1, id: d.id, score: 1, snippet: d.text }));
  },
  async upsert(_name, documents) {
    writeStarted?.();
    await new Promise((r) => setTimeout(r, 50)); // a slow write, to test graceful shutdown
    for (const d of documents) docs.set(d.id, d);
    return { upserted: documents.length };
  },
  async remove(_name, id) {
    return docs.delete(id);
  },
};

let server: RunningServer;
before(async () => {
  server = await startServer({
    port: 0,
    models: { toy: async () => toy },
    collections: backend,
    apiKey: 'secret-key',
    limits: { maxBodyBytes: 64 * 1024, maxBatch: 8, maxInputChars: 1000 },
    batching: { waitMs: 20, maxBatch: 64 },
  });
});
after(async () => {
  await server.close();
});

const post = (path: string, body: unknown, key = 'secret-key') =>
  fetch(`${server.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });

test('the official openai client gets embeddings (float and base64)', async () => {
  const client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: 'secret-key' });
  const expected = await toy.embed(['hello world', 'привет']);
  // the client asks for base64 by default and decodes it
  const r = await client.embeddings.create({ model: 'toy', input: ['hello world', 'привет'] });
  assert.equal(r.object, 'list');
  assert.equal(r.data.length, 2);
  assert.equal(r.data[1].index, 1);
  assert.deepEqual(r.data[0].embedding, Array.from(expected.data.subarray(0, 4)));
  assert.equal(r.usage.prompt_tokens, 3);
  const f = await client.embeddings.create({ model: 'toy', input: 'hello world', encoding_format: 'float' });
  assert.deepEqual(f.data[0].embedding, Array.from(expected.data.subarray(0, 4)));
  const short = await client.embeddings.create({
    model: 'toy',
    input: 'hello world',
    dimensions: 2,
    encoding_format: 'float',
  });
  assert.equal(short.data[0].embedding.length, 2);
  assert.ok(Math.abs(Math.hypot(...short.data[0].embedding) - 1) < 1e-6);
});

test('errors come in the OpenAI shape: 400 validation, 401 auth, 404 model, 413 size', async () => {
  let r = await post('/v1/embeddings', { model: 'toy', input: [] });
  assert.equal(r.status, 400);
  const e = (await r.json()) as { error: { message: string; type: string; param: string } };
  assert.equal(e.error.type, 'invalid_request_error');
  assert.match(e.error.message, /empty/);
  r = await post('/v1/embeddings', { model: 'toy', input: Array(9).fill('x') });
  assert.equal(r.status, 400);
  assert.match(((await r.json()) as { error: { message: string } }).error.message, /at most 8 inputs/);
  r = await post('/v1/embeddings', { model: 'toy', input: 'x'.repeat(1001) });
  assert.equal(r.status, 400);
  r = await post('/v1/embeddings', { model: 'toy', input: [[1, 2, 3]] });
  assert.equal(r.status, 400);
  r = await post('/v1/embeddings', '{not json');
  assert.equal(r.status, 400);
  r = await post('/v1/embeddings', { model: 'toy', input: 'x' }, 'wrong');
  assert.equal(r.status, 401);
  assert.equal(((await r.json()) as { error: { type: string } }).error.type, 'authentication_error');
  r = await post('/v1/embeddings', { model: 'nope', input: 'x' });
  assert.equal(r.status, 404);
  r = await post('/v1/embeddings', { model: 'toy', input: 'x'.repeat(100 * 1024) });
  assert.equal(r.status, 413);
  r = await post('/v1/embeddings', { model: 'toy', input: 'x', dimensions: 5 });
  assert.equal(r.status, 400);
  const client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: 'wrong', maxRetries: 0 });
  await assert.rejects(client.embeddings.create({ model: 'toy', input: 'x' }), (err: unknown) => {
    assert.equal((err as { status: number }).status, 401);
    return true;
  });
});

test('concurrent requests are batched into fewer model calls', async () => {
  const before = calls;
  let release = () => {};
  gate = new Promise((r) => (release = r));
  const pending = Array.from({ length: 16 }, (_, i) =>
    post('/v1/embeddings', { model: 'toy', input: `text ${i}` }),
  );
  // the first call is held; the rest (2 words each) queue behind it
  while (calls === before || lastCallTexts + server.batcher.queued / 2 < 16)
    await new Promise((r) => setTimeout(r, 5));
  gate = null;
  release();
  const rs = await Promise.all(pending);
  assert.ok(rs.every((r) => r.status === 200));
  const bodies = (await Promise.all(rs.map((r) => r.json()))) as { data: { embedding: number[] }[] }[];
  const expected = await toy.embed(['text 3']);
  assert.deepEqual(bodies[3].data[0].embedding, Array.from(expected.data));
  // one held call, one for all that queued behind it (the test's own toy.embed is the +1)
  assert.ok(calls - before - 1 <= 2, `${calls - before - 1} model calls for 16 requests`);
});

test('collections: upsert, search, delete, list; names are validated', async () => {
  let r = await post('/v1/collections/notes/documents', { documents: [{ id: 'a', text: 'кот на окне' }] });
  assert.equal(r.status, 200);
  assert.deepEqual(await r.json(), { upserted: 1 });
  r = await post('/v1/collections/notes/search', { query: 'кот', k: 5 });
  const hits = (await r.json()) as { data: { id: string }[] };
  assert.deepEqual(
    hits.data.map((h) => h.id),
    ['a'],
  );
  r = await post('/v1/collections/notes/search', { query: '' });
  assert.equal(r.status, 400);
  r = await post('/v1/collections/..%2Fetc/search', { query: 'x' });
  assert.equal(r.status, 400);
  r = await fetch(`${server.url}/v1/collections/notes/documents/a`, {
    method: 'DELETE',
    headers: { authorization: 'Bearer secret-key' },
  });
  assert.equal(r.status, 200);
  r = await fetch(`${server.url}/v1/collections/notes/documents/a`, {
    method: 'DELETE',
    headers: { authorization: 'Bearer secret-key' },
  });
  assert.equal(r.status, 404);
  r = await fetch(`${server.url}/v1/collections`, { headers: { authorization: 'Bearer secret-key' } });
  assert.equal(((await r.json()) as { data: { name: string }[] }).data[0].name, 'notes');
});

test('health and OpenAPI need no key; OpenAPI describes the request schemas', async () => {
  const h = await fetch(`${server.url}/healthz`);
  assert.equal(h.status, 200);
  const doc = (await (await fetch(`${server.url}/openapi.json`)).json()) as {
    openapi: string;
    paths: Record<
      string,
      { post?: { requestBody: { content: { 'application/json': { schema: { properties: object } } } } } }
    >;
  };
  assert.equal(doc.openapi, '3.1.0');
  const schema = doc.paths['/v1/embeddings'].post!.requestBody.content['application/json'].schema;
  assert.ok('input' in schema.properties && 'encoding_format' in schema.properties);
});

test('graceful shutdown finishes an in-flight write', async () => {
  const s2 = await startServer({ port: 0, models: { toy: async () => toy }, collections: backend });
  const pending = fetch(`${s2.url}/v1/collections/notes/documents`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ documents: [{ id: 'late', text: 'written during shutdown' }] }),
  });
  // close only once the write is in progress on the server
  await new Promise<void>((r) => {
    writeStarted = r;
  });
  await s2.close();
  const r = await pending;
  assert.equal(r.status, 200);
  assert.ok(docs.has('late'));
});
