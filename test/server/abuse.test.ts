// The server under abuse (issue: "data safety", server part): requests a hostile web page or a
// careless client can send. Each check asserts what the server answers and what it refuses to
// do; the "keeps answering" checks assert ordering (health answered while heavy work is still
// running), never wall time.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { KeyedVectors } from '../../src/embed/static/keyed-vectors.js';
import { TrigramEmbedder } from '../../src/embed/trigram.js';
import { LibraryExplorer, StoreCollections } from '../../src/server/backends.js';
import { DynamicBatcher } from '../../src/server/batcher.js';
import { MapJobs } from '../../src/server/jobs.js';
import { type RunningServer, startServer } from '../../src/server/serve.js';
import type { ServedModel } from '../../src/server/types.js';
import { Collection } from '../../src/store/collection.js';
import type { DenseMatrix } from '../../src/vectors/types.js';

const root = mkdtempSync(path.join(os.tmpdir(), 'smysl-abuse-'));
const CLI = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));

/** A toy model that can be held (to fill the queue deterministically) and records its calls. */
let gate: Promise<void> | null = null;
let openGate = () => {};
const modelCalls: string[][] = [];
const toy: ServedModel = {
  name: 'toy',
  dim: 2,
  countTokens: (t) => t.split(' ').length,
  async embed(texts: string[]): Promise<DenseMatrix> {
    modelCalls.push(texts);
    if (gate) await gate;
    await new Promise((r) => setTimeout(r, 2));
    return { rows: texts.length, dim: 2, data: new Float32Array(texts.length * 2).fill(Math.SQRT1_2) };
  },
};
const hold = () => {
  gate = new Promise((r) => (openGate = r));
};
const release = () => {
  gate = null;
  openGate();
};

/** 300 random 16-d word vectors: a t-SNE map of them is real, seconds-long work. */
function randomVectors(n: number, dim: number): KeyedVectors {
  let seed = 7;
  const data = Float32Array.from(
    { length: n * dim },
    () => (seed = (seed * 16807) % 2147483647) / 2147483647 - 0.5,
  );
  return new KeyedVectors(
    Array.from({ length: n }, (_, i) => `w${i}`),
    data,
    dim,
  );
}

let server: RunningServer;
let collections: StoreCollections;
let jobs: MapJobs;
const collectionsDir = path.join(root, 'collections');

before(async () => {
  const c = await Collection.create(path.join(collectionsDir, 'notes'), {
    embedder: new TrigramEmbedder({ dim: 32 }),
    index: { type: 'exact' },
  });
  await c.add([{ id: 'a', text: 'кот сидит на окне', meta: {} }]);
  c.close();
  const batcher = new DynamicBatcher({ waitMs: 1, maxBatch: 8, maxQueuedTokens: 700 });
  collections = new StoreCollections(collectionsDir, undefined, { batcher });
  collections.lock();
  jobs = new MapJobs({ concurrency: 1, maxQueued: 0 });
  server = await startServer({
    port: 0,
    models: { toy: async () => toy },
    collections,
    explorer: new LibraryExplorer({
      collections,
      jobs,
      vectors: { random: async () => randomVectors(300, 16) },
    }),
    batcher,
    limits: {
      maxBodyBytes: 64 * 1024,
      maxRequestTokens: 600,
      maxUpsertChars: 2000,
      maxMapPoints: { pca: 1000, umap: 300, tsne: 300 },
    },
    connections: { maxConnections: 16, headersTimeoutMs: 400, idleTimeoutMs: 400, requestTimeoutMs: 2000 },
  });
});

after(async () => {
  release();
  await server.close();
  await collections.close();
  rmSync(root, { recursive: true, force: true });
});

const post = (p: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(`${server.url}${p}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });

const count = async () =>
  ((await (await fetch(`${server.url}/v1/collections`)).json()) as { data: { documents: number }[] }).data[0]
    .documents;

/** A raw HTTP/1.1 request with any Host header (fetch would not let us set it). */
function rawGet(p: string, host: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port: server.port, path: p, headers: { host } }, (r) => {
        let body = '';
        r.on('data', (d) => (body += d));
        r.on('end', () => resolve({ status: r.statusCode!, body }));
      })
      .on('error', reject);
  });
}

test('CSRF: a cross-site form or no-cors POST (text/plain, urlencoded) cannot write; a foreign Origin is refused', async () => {
  const before = await count();
  const doc = JSON.stringify({ documents: [{ id: 'evil', text: 'planted by a web page' }] });
  for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x']) {
    const r = await post('/v1/collections/notes/documents', doc, { 'content-type': type });
    assert.equal(r.status, 415, type);
    assert.match(((await r.json()) as { error: { message: string } }).error.message, /application\/json/);
  }
  const cross = await post('/v1/collections/notes/documents', doc, { origin: 'https://evil.example' });
  assert.equal(cross.status, 403);
  const del = await fetch(`${server.url}/v1/collections/notes/documents/a`, {
    method: 'DELETE',
    headers: { origin: 'null' },
  });
  assert.equal(del.status, 403);
  assert.equal(await count(), before);
  // the server's own pages (same origin) still write
  const own = await post('/v1/collections/notes/documents', doc.replace('evil', 'own'), {
    origin: server.url,
  });
  assert.equal(own.status, 200);
  assert.equal(await count(), before + 1);
});

test('DNS rebinding: a loopback server refuses foreign Host names, reads included', async () => {
  for (const p of ['/v1/collections', '/healthz', '/openapi.json']) {
    const r = await rawGet(p, 'evil.example:8080');
    assert.equal(r.status, 403, p);
    assert.match(r.body, /DNS rebinding/);
  }
  for (const host of [`127.0.0.1:${server.port}`, `localhost:${server.port}`, `[::1]:${server.port}`])
    assert.equal((await rawGet('/v1/collections', host)).status, 200, host);
});

test('wrong methods get 405 with Allow; unknown paths 404', async () => {
  const cases: [string, string, string][] = [
    ['GET', '/v1/embeddings', 'POST'],
    ['PUT', '/v1/collections/notes/search', 'POST'],
    ['GET', '/v1/collections/notes/documents/a', 'DELETE'],
    ['POST', '/healthz', 'GET, HEAD'],
    ['DELETE', '/v1/collections', 'GET, HEAD'],
  ];
  for (const [method, p, allow] of cases) {
    const r = await fetch(`${server.url}${p}`, {
      method,
      headers: { 'content-type': 'application/json' },
      body: method === 'GET' ? undefined : '{}',
    });
    assert.equal(r.status, 405, `${method} ${p}`);
    assert.equal(r.headers.get('allow'), allow, `${method} ${p}`);
  }
  assert.equal((await fetch(`${server.url}/v1/nothing`)).status, 404);
});

test('freezing requests are refused up front: t-SNE of 6,000 points, too many tokens, oversized bodies and upserts', async () => {
  let r = await post('/v1/explore/map', { source: { vectors: 'random' }, method: 'tsne', limit: 6000 });
  assert.equal(r.status, 400);
  assert.match(
    ((await r.json()) as { error: { message: string } }).error.message,
    /tsne map draws at most 300/,
  );
  r = await post('/v1/embeddings', {
    model: 'toy',
    input: Array(100).fill('one two three four five six seven'),
  });
  assert.equal(r.status, 400);
  assert.match(((await r.json()) as { error: { message: string } }).error.message, /700 tokens.*at most 600/);
  r = await post('/v1/embeddings', { model: 'toy', input: 'x'.repeat(70 * 1024) });
  assert.equal(r.status, 413);
  r = await post('/v1/collections/notes/documents', {
    documents: Array.from({ length: 3 }, (_, i) => ({ id: `big${i}`, text: 'слово '.repeat(150) })),
  });
  assert.equal(r.status, 413);
  assert.match(((await r.json()) as { error: { message: string } }).error.message, /at most 2000/);
});

test('a full model queue answers 429 with Retry-After at once; health and small requests answer while a map and the model are busy', async (t) => {
  hold();
  const events: string[] = [];
  // the model is held with one request inside; the next ones fill the queue (700 tokens)
  const first = post('/v1/embeddings', { model: 'toy', input: 'held' }).then((r) => {
    events.push('held request');
    return r;
  });
  while (modelCalls.length === 0 || !modelCalls.at(-1)!.includes('held'))
    await new Promise((r) => setTimeout(r, 5));
  const queued = post('/v1/embeddings', { model: 'toy', input: Array(600).fill('w') });
  while (server.batcher.queued < 600) await new Promise((r) => setTimeout(r, 5));
  const refused = await post('/v1/embeddings', { model: 'toy', input: Array(150).fill('w') });
  assert.equal(refused.status, 429);
  assert.ok(Number(refused.headers.get('retry-after')) >= 1);
  assert.equal(((await refused.json()) as { error: { type: string } }).error.type, 'rate_limit_error');
  // search queries queue in the same batcher, and are refused the same way
  const search = await post('/v1/collections/notes/search', { query: 'кот '.repeat(100), method: 'dense' });
  assert.equal(search.status, 429);

  // a real t-SNE map (300 points) starts in a worker thread; a second map is refused (one at a time)
  const map = post('/v1/explore/map', { source: { vectors: 'random' }, method: 'tsne' }).then(async (r) => {
    events.push('map');
    return r;
  });
  while (jobs.stats.started === 0) await new Promise((r) => setTimeout(r, 5));
  const second = await post('/v1/explore/map', { source: { vectors: 'random' }, method: 'pca' });
  assert.equal(second.status, 429);

  const t0 = performance.now();
  const health = await fetch(`${server.url}/healthz`);
  const healthMs = performance.now() - t0;
  events.push('healthz');
  assert.equal(health.status, 200);
  // a sparse search needs no model: it is answered while the model is held
  const sparse = await post('/v1/collections/notes/search', { query: 'кот', method: 'sparse' });
  assert.equal(sparse.status, 200);
  events.push('sparse search');
  t.diagnostic(`healthz answered in ${healthMs.toFixed(1)} ms while a t-SNE map ran and the model was held`);

  release();
  assert.equal((await first).status, 200);
  assert.equal((await queued).status, 200);
  const points = (await (await map).json()) as { points: unknown[] };
  assert.equal(points.points.length, 300);
  assert.deepEqual(events.slice(0, 2), ['healthz', 'sparse search']);
});

test('a request of many inputs does not hold up a one-word request behind it', async () => {
  const order: string[] = [];
  hold();
  const before = modelCalls.length;
  // within the token limit (600), but 63 model calls of 8 texts
  const big = post('/v1/embeddings', { model: 'toy', input: Array(500).fill('w') }).then((r) => {
    order.push('big');
    return r;
  });
  while (modelCalls.length === before) await new Promise((r) => setTimeout(r, 5));
  const small = post('/v1/embeddings', { model: 'toy', input: 'one' }).then((r) => {
    order.push('small');
    return r;
  });
  while (server.batcher.queued !== 492 + 1) await new Promise((r) => setTimeout(r, 5));
  release();
  assert.equal((await small).status, 200);
  assert.equal((await big).status, 200);
  assert.deepEqual(order, ['small', 'big']);
  // the one-word request rode in the call right after the one that was running
  assert.ok(modelCalls[before + 1].includes('one'));
});

test('a client that goes away leaves the queue: its texts never reach the model', async () => {
  hold();
  const before = modelCalls.length;
  const first = post('/v1/embeddings', { model: 'toy', input: 'held again' });
  while (modelCalls.length === before) await new Promise((r) => setTimeout(r, 5));
  const controller = new AbortController();
  const gone = fetch(`${server.url}/v1/embeddings`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'toy', input: ['gone one', 'gone two'] }),
    signal: controller.signal,
  }).catch(() => 'aborted');
  while (server.batcher.queued === 0) await new Promise((r) => setTimeout(r, 5));
  controller.abort();
  assert.equal(await gone, 'aborted');
  while (server.batcher.queued > 0) await new Promise((r) => setTimeout(r, 5));
  release();
  assert.equal((await first).status, 200);
  await server.batcher.drain();
  assert.ok(!modelCalls.flat().includes('gone one'));
});

test('slowloris and silent connections are closed; past the connection cap the idle ones make room', {
  timeout: 60_000,
}, async () => {
  const sockets: net.Socket[] = [];
  const closed: Promise<void>[] = [];
  const open = (payload?: string) => {
    const s = net.connect(server.port, '127.0.0.1');
    s.on('error', () => {});
    if (payload) s.write(payload);
    sockets.push(s);
    closed.push(new Promise((r) => s.once('close', () => r())));
    return s;
  };
  // a trickle of headers that never ends, and 40 connections that never send a byte (cap: 16)
  const trickle = open('GET /healthz HTTP/1.1\r\nHost: localhost\r\n');
  const drip = setInterval(() => trickle.write('X-Slow: 1\r\n'), 100);
  for (let i = 0; i < 40; i++) open();
  await new Promise((r) => setTimeout(r, 50));
  // a real client still gets in — on a connection of its own: fetch would reuse a kept-alive one
  // from the tests before, which the cap may be closing at that moment (the suite hung here once)
  const status = await new Promise<number>((resolve, reject) => {
    const req = http.get(`${server.url}/healthz`, { agent: false, timeout: 20_000 }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('timeout', () => req.destroy(new Error('no answer from /healthz in 20 s')));
    req.on('error', reject);
  });
  assert.equal(status, 200);
  // every one of them is closed by the server; if not, say which are left rather than hang
  let waiting: NodeJS.Timeout | undefined;
  const allClosed = await Promise.race([
    Promise.all(closed).then(() => true),
    new Promise<boolean>((r) => {
      waiting = setTimeout(() => r(false), 30_000);
    }),
  ]);
  clearTimeout(waiting);
  clearInterval(drip);
  const left = sockets.filter((s) => !s.closed);
  const report = left.map((s) => `#${sockets.indexOf(s)} (${s.readyState}, ${s.bytesWritten} bytes sent)`);
  for (const s of left) s.destroy();
  assert.ok(
    allClosed,
    `connections still open after 30 s: ${report.join(', ')}; ${JSON.stringify(server.connections)}`,
  );
  const c = server.connections;
  assert.ok(c.evicted > 0, `evicted ${c.evicted}`);
  assert.ok(c.evicted + c.idleClosed >= 25, `evicted ${c.evicted}, idle-closed ${c.idleClosed}`);
});

test('one server per directory: a second server on the same collections fails clearly', async () => {
  const second = new StoreCollections(collectionsDir);
  assert.throws(() => second.lock(), /another smysl server .*is already serving/);
  // and from the command line, naming the first server's address
  const dir = path.join(root, 'cli');
  const start = (): Promise<{ code: number | null; stderr: string; child: ReturnType<typeof spawn> }> =>
    new Promise((resolve) => {
      const child = spawn(process.execPath, [CLI, 'serve', '--port', '0', '--dir', dir, '--no-web'], {
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      let stderr = '';
      child.stderr!.on('data', (d: Buffer) => {
        stderr += d.toString();
        if (/listening on/.test(stderr)) resolve({ code: null, stderr, child });
      });
      child.on('exit', (code) => resolve({ code, stderr, child }));
    });
  const first = await start();
  assert.match(first.stderr, /listening on (http:\/\/127\.0\.0\.1:\d+)/);
  const url = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(first.stderr)![1];
  try {
    const again = await start();
    assert.equal(again.code, 1);
    assert.match(
      again.stderr,
      new RegExp(`another smysl server \\(process ${first.child.pid}, ${url}\\) is already serving`),
    );
  } finally {
    first.child.kill('SIGTERM');
    await new Promise((r) => first.child.once('exit', r));
  }
  // closing releases it (and the operating system does, when a process dies)
  const dir2 = path.join(root, 'again');
  const a = new StoreCollections(dir2);
  a.lock();
  const b = new StoreCollections(dir2);
  assert.throws(() => b.lock(), /already serving/);
  await a.close();
  b.lock();
  await b.close();
});

test('a non-loopback bind without an API key warns loudly', async () => {
  const warnings: string[] = [];
  const s = await startServer({ host: '0.0.0.0', port: 0, models: {}, warn: (m) => warnings.push(m) });
  await s.close();
  assert.equal(warnings.length, 1);
  assert.match(warnings[0], /WARNING.*0\.0\.0\.0 without an API key/);
  const quiet: string[] = [];
  const keyed = await startServer({
    host: '0.0.0.0',
    port: 0,
    models: {},
    apiKey: 'k',
    warn: (m) => quiet.push(m),
  });
  await keyed.close();
  assert.deepEqual(quiet, []);
});
