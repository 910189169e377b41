// The PostgreSQL store on a real server: Debian's postgresql-15 (no pgvector there), started
// with pg_ctl in a temporary directory, for what needs no pgvector — the schema, lexical search
// (smysl's BM25 and PostgreSQL's full-text search), transactions under kill -9 — and a streaming
// replica serving searches. Vectors go into real[] arrays, searched exactly.
import assert from 'node:assert/strict';
import { type SpawnOptions, spawn } from 'node:child_process';
import {
  chownSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { Document } from '../../src/corpus/types.js';
import { TrigramEmbedder } from '../../src/embed/trigram.js';
import { isSmyslError } from '../../src/errors.js';
import { chunkText } from '../../src/store/chunk.js';
import { Collection, type SearchMethod } from '../../src/store/collection.js';
import { loadPg } from '../../src/store/postgres/connection.js';
import { PostgresStore } from '../../src/store/postgres/store.js';

const BIN = '/usr/lib/postgresql/15/bin';
const cli = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
const root = mkdtempSync(path.join(os.tmpdir(), 'smysl-pg15-'));
process.env.XDG_CACHE_HOME = path.join(root, 'cache');

let missing: string | undefined = existsSync(path.join(BIN, 'pg_ctl'))
  ? undefined
  : `Debian PostgreSQL 15 is not installed (${BIN}/pg_ctl missing; apt-get install postgresql-15)`;

/** initdb refuses root: as root, the server's files belong to the "postgres" user and its commands run as it. */
const asUser = process.getuid?.() === 0 ? 'postgres' : undefined;

function run(cmd: string, args: string[], opts: SpawnOptions = {}): Promise<string> {
  const [file, argv] = asUser ? ['runuser', ['-u', asUser, '--', cmd, ...args]] : [cmd, args];
  return new Promise((resolve, reject) => {
    const p = spawn(file, argv, { stdio: ['ignore', 'pipe', 'pipe'], ...opts });
    let out = '';
    p.stdout?.on('data', (d) => (out += d));
    p.stderr?.on('data', (d) => (out += d));
    p.on('error', reject);
    p.on('close', (code) =>
      code === 0 ? resolve(out) : reject(new Error(`${cmd} ${args.join(' ')}: ${out}`)),
    );
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

interface Server {
  url: string;
  data: string;
  port: number;
}
const servers: Server[] = [];

/** Hands a directory to the server's user (as root). */
function own(dir: string): void {
  if (!asUser) return;
  const line = readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .find((l) => l.startsWith(`${asUser}:`));
  if (!line) throw new Error(`no user ${asUser}`);
  const [, , uid, gid] = line.split(':');
  chownSync(dir, Number(uid), Number(gid));
}

async function start(data: string): Promise<Server> {
  const port = await freePort();
  const socket = path.join(root, `sock-${port}`);
  await run('mkdir', ['-p', socket]);
  await run(path.join(BIN, 'pg_ctl'), [
    '-D',
    data,
    '-l',
    path.join(data, 'server.log'),
    '-w',
    '-o',
    `-p ${port} -c listen_addresses=127.0.0.1 -k ${socket} -c fsync=off`,
    'start',
  ]);
  const server = { url: `postgres://postgres@127.0.0.1:${port}/postgres`, data, port };
  servers.push(server);
  return server;
}

let primary: Server | undefined;

before(async () => {
  if (missing) {
    console.log(`# skipped: ${missing}`);
    return;
  }
  try {
    own(root);
  } catch (e) {
    missing = `cannot hand ${root} to the postgres user: ${(e as Error).message}`;
    console.log(`# skipped: ${missing}`);
    return;
  }
  const data = path.join(root, 'primary');
  try {
    await run(path.join(BIN, 'initdb'), [
      '-D',
      data,
      '-A',
      'trust',
      '-U',
      'postgres',
      '-E',
      'UTF8',
      '--no-sync',
    ]);
    primary = await start(data);
  } catch (e) {
    missing = `Debian PostgreSQL 15 did not start: ${(e as Error).message.slice(0, 300)}`;
    console.log(`# skipped: ${missing}`);
  }
});

after(async () => {
  for (const s of servers.reverse())
    await run(path.join(BIN, 'pg_ctl'), ['-D', s.data, '-m', 'immediate', 'stop']).catch(() => {});
  rmSync(root, { recursive: true, force: true });
});

async function sql(url: string, text: string): Promise<Record<string, unknown>[]> {
  const pg = await loadPg();
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(text)).rows;
  } finally {
    await client.end();
  }
}

function corpus(n: number): Document[] {
  const docs: Document[] = Array.from({ length: n }, (_, i) => ({
    id: `doc${i}`,
    text: `Document ${i} is about topic${i % 7} with word${i % 13}. It mentions color${i % 5}. `.repeat(
      1 + (i % 3),
    ),
    meta: { group: `g${i % 10}` },
  }));
  docs.push(
    { id: 'cat', text: 'The cat sleeps on the warm windowsill all afternoon.', meta: { lang: 'en' } },
    { id: 'kot', text: 'Кошки спят на тёплом подоконнике весь день.', meta: { lang: 'ru' } },
  );
  return docs;
}

async function same(a: Collection, b: Collection, what: string): Promise<void> {
  for (const method of ['dense', 'sparse', 'hybrid'] as SearchMethod[])
    for (const q of ['topic3 word5 color2', 'cats sleeping on a windowsill', 'кошка спит']) {
      const x = await a.search(q, { method, k: 6 });
      const y = await b.search(q, { method, k: 6 });
      assert.deepEqual(
        y.map((h) => h.id),
        x.map((h) => h.id),
        `${what}: ${method} "${q}"`,
      );
      for (let i = 0; i < x.length; i++)
        assert.ok(Math.abs(x[i].score - y[i].score) < 1e-5, `${what}: ${method} "${q}"`);
    }
}

test('PostgreSQL 15 without pgvector: schema, exact dense search, BM25 and full-text search, same answers as the embedded store', async (t) => {
  if (missing || !primary) return t.skip(missing);
  const warnings: string[] = [];
  const pg = await Collection.create(
    `${primary.url}#notes`,
    { embedder: new TrigramEmbedder({ dim: 64 }) },
    { onWarning: (m) => warnings.push(m) },
  );
  assert.ok(
    warnings.some((w) => /no pgvector: vectors are stored as real\[\]/.test(w)),
    String(warnings),
  );
  const local = await Collection.create(path.join(root, 'local'), {
    embedder: new TrigramEmbedder({ dim: 64 }),
    index: { type: 'exact' },
  });
  const docs = corpus(80);
  await pg.add(docs, { batchSize: 16 });
  await local.add(docs, { batchSize: 16 });
  await same(local, pg, 'PostgreSQL 15');
  await pg.delete(['doc3']);
  await local.delete(['doc3']);
  await same(local, pg, 'after a delete');
  assert.deepEqual(await pg.compact(), { removedRows: 1 });
  // the schema as docs/collections.md describes it
  const columns = await sql(
    primary.url,
    `SELECT table_name, column_name, data_type FROM information_schema.columns WHERE table_name LIKE 'smysl_%' ORDER BY table_name, ordinal_position`,
  );
  const of = (table: string) =>
    columns.filter((c) => c.table_name === table).map((c) => `${c.column_name} ${c.data_type}`);
  assert.deepEqual(of('smysl_notes_docs'), [
    'doc bigint',
    'id text',
    'hash text',
    'title text',
    'text text',
    'meta jsonb',
    'source_path text',
    'source_line integer',
    'source_verbatim boolean',
    'root text',
  ]);
  assert.deepEqual(of('smysl_notes_chunks'), [
    'doc bigint',
    'chunk bigint',
    'start integer',
    'stop integer',
    'embedding ARRAY',
  ]);
  const [record] = await sql(
    primary.url,
    `SELECT embedder, dim, vectors, documents FROM smysl_collections WHERE name = 'notes'`,
  );
  assert.deepEqual(
    { ...record, documents: Number(record.documents) },
    { embedder: 'trigram-64', dim: 64, vectors: 'array', documents: 81 },
  );
  await pg.close();
  await local.close();
  // PostgreSQL's own full-text search, Russian and English
  const fts = await Collection.create(`${primary.url}#fts`, {
    embedder: new TrigramEmbedder({ dim: 64 }),
    lexical: 'fts',
  });
  await fts.add(docs);
  assert.deepEqual(
    (await fts.search('кошка спала', { method: 'sparse' })).map((h) => h.id),
    ['kot'],
  );
  assert.equal((await fts.search('sleeping cats', { method: 'sparse' }))[0].id, 'cat');
  assert.equal((await fts.search('sleeping cats', { method: 'hybrid' }))[0].id, 'cat');
  await fts.close();
  // drop is refused while a writer holds the collection's row, then removes tables and record
  const writer = new (await loadPg()).Client({ connectionString: primary.url });
  await writer.connect();
  await writer.query(`BEGIN; SELECT 1 FROM smysl_collections WHERE name = 'fts' FOR UPDATE`);
  await assert.rejects(PostgresStore.drop(`${primary.url}#fts`), (e) => isSmyslError(e, 'E_STATE'));
  await writer.query('ROLLBACK');
  await writer.end();
  await PostgresStore.drop(`${primary.url}#fts`);
  assert.deepEqual(await sql(primary.url, `SELECT to_regclass('smysl_fts_chunks') AS t`), [{ t: null }]);
  assert.ok(!(await PostgresStore.list(primary.url)).includes('fts'));
});

test('PostgreSQL 15: kill -9 during `smysl index --store` leaves whole batches; the resumed run completes', async (t) => {
  if (missing || !primary) return t.skip(missing);
  const file = path.join(root, 'docs.jsonl');
  const total = 300;
  const text = (i: number) => `record ${i} mentions topic${i % 17}. ${'it goes on. '.repeat(1 + (i % 4))}`;
  writeFileSync(
    file,
    Array.from({ length: total }, (_, i) => JSON.stringify({ id: `d${i}`, text: text(i) })).join('\n'),
  );
  const args = [
    cli,
    'index',
    file,
    '--store',
    primary.url,
    '--collection',
    'killed',
    '--embedder',
    'trigram',
  ];
  args.push('--chunk-tokens', '8', '--chunk-overlap', '1', '--batch-size', '10', '--quiet');
  const location = `${primary.url}#killed`;
  let kills = 0;
  let before = 0;
  for (let round = 0; round < 3; round++) {
    const killed = await new Promise<boolean>((resolve) => {
      const p = spawn(process.execPath, args, { stdio: 'ignore' });
      let first = -1;
      const timer = setInterval(async () => {
        const [r] = await sql(
          primary!.url,
          `SELECT documents FROM smysl_collections WHERE name = 'killed'`,
        ).catch(() => [undefined]);
        const n = r ? Number(r.documents) : -1;
        if (first < 0) first = n + 1;
        else if (n >= first + 20) {
          clearInterval(timer);
          p.kill('SIGKILL');
        }
      }, 15);
      p.on('close', (_code, signal) => {
        clearInterval(timer);
        resolve(signal === 'SIGKILL');
      });
    });
    if (killed) kills++;
    const c = await Collection.open(location);
    try {
      assert.equal(await c.store.integrityCheck?.(), 'ok');
      const count = await c.count();
      assert.equal(count % 10, 0, 'whole batches');
      assert.ok(count >= before, 'nothing committed is lost');
      for (let i = 0; i < count; i += 7) {
        const doc = (await c.store.document(`d${i}`))!;
        assert.equal(doc.text, text(i));
        assert.equal(
          (await c.store.chunksOf(doc.doc)).length,
          chunkText(doc.text, { maxTokens: 8, overlapTokens: 1 }).length,
        );
      }
      before = count;
    } finally {
      await c.close();
    }
  }
  assert.ok(kills >= 2, `${kills} of 3 runs were killed mid-way`);
  await new Promise<void>((resolve, reject) => {
    const p = spawn(process.execPath, args, { stdio: 'ignore' });
    p.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`resume exited ${code}`))));
  });
  const [r] = await sql(primary.url, `SELECT documents, chunks FROM smysl_collections WHERE name = 'killed'`);
  assert.equal(Number(r.documents), total);
});

test('PostgreSQL 15: a streaming replica (pg_basebackup -R) serves searches and refuses writes', async (t) => {
  if (missing || !primary) return t.skip(missing);
  const c = await Collection.create(`${primary.url}#replicated`, {
    embedder: new TrigramEmbedder({ dim: 64 }),
  });
  await c.add(corpus(30));
  const replicaData = path.join(root, 'replica');
  await run(path.join(BIN, 'pg_basebackup'), [
    '-h',
    '127.0.0.1',
    '-p',
    String(primary.port),
    '-U',
    'postgres',
    '-D',
    replicaData,
    '-R',
    '-X',
    'stream',
    '--checkpoint=fast',
  ]);
  const replica = await start(replicaData);
  // written after the copy: reaches the replica by streaming
  await c.add([{ id: 'late', text: 'A late document about glaciers and fjords.', meta: {} }]);
  const [lsn] = await sql(primary.url, 'SELECT pg_current_wal_lsn()::text AS lsn');
  for (let i = 0; ; i++) {
    const [r] = await sql(replica.url, `SELECT pg_last_wal_replay_lsn() >= '${lsn.lsn}'::pg_lsn AS caught`);
    if (r.caught) break;
    assert.ok(i < 500, 'the replica caught up within 10 s');
    await new Promise((res) => setTimeout(res, 20));
  }
  const reader = await Collection.open(`${replica.url}#replicated`, { readonly: true });
  assert.equal((await reader.search('glaciers and fjords', { k: 1 }))[0].id, 'late');
  await same(c, reader, 'replica');
  await reader.close();
  const writer = await Collection.open(`${replica.url}#replicated`);
  await assert.rejects(
    writer.add([{ id: 'x', text: 'cannot be written here', meta: {} }]),
    (e) => isSmyslError(e, 'E_COLLECTION') && /read-only transaction/.test(e.message),
  );
  await writer.close();
  await c.close();
  assert.ok(readdirSync(replicaData).includes('standby.signal'));
});
