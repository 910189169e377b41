// Kill -9 against the PostgreSQL store: `smysl index --store postgres://…` and a child running
// upserts, deletes and compactions are killed at seeded random moments while they write. After
// each kill every committed batch is there, nothing half-written is, and the next run resumes.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { chunkText } from '../../src/store/chunk.js';
import { Collection } from '../../src/store/collection.js';
import { loadPg } from '../../src/store/postgres/connection.js';
import { seededRandom } from '../../src/vectors/random.js';
import { faultText } from './fault-child.js';
import { type Engine, engineMissing, startEngine } from './pg-engine.js';

const cli = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
const faultChild = fileURLToPath(new URL('./fault-child.js', import.meta.url));
const root = mkdtempSync(path.join(os.tmpdir(), 'smysl-pg-faults-'));
process.env.XDG_CACHE_HOME = path.join(root, 'cache');
let engine: Engine | undefined;

before(async () => {
  engine = await startEngine();
  if (!engine) console.log(`# skipped: ${engineMissing}`);
});
after(async () => {
  await engine?.stop();
  rmSync(root, { recursive: true, force: true });
});

/** The collection's committed documents and version counter (-1: not created yet). */
const committed = async (name: string) => (await state(name)).documents;

async function state(name: string): Promise<{ documents: number; version: number }> {
  const pg = await loadPg();
  const client = new pg.Client({ connectionString: engine!.url });
  await client.connect();
  try {
    const present = await client.query(`SELECT to_regclass('smysl_collections') IS NOT NULL AS p`);
    if (!present.rows[0].p) return { documents: -1, version: -1 };
    const r = await client.query(`SELECT documents, version FROM smysl_collections WHERE name = $1`, [name]);
    return r.rows.length === 0
      ? { documents: -1, version: -1 }
      : { documents: Number(r.rows[0].documents), version: Number(r.rows[0].version) };
  } finally {
    await client.end();
  }
}

/**
 * Runs a child; with `killAfter`, watches the collection's version counter and kills the child
 * (SIGKILL) `killAfter` ms after it first sees a commit: start-up time varies a lot on a loaded
 * machine, so the kill is timed from the writing itself.
 */
function runChild(
  args: string[],
  name: string,
  killAfter?: number,
): Promise<{ out: string; killed: boolean; code: number | null; err: string }> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    let done = false;
    p.stdout.on('data', (d) => (out += d));
    p.stderr.on('data', (d) => (err += d));
    p.on('error', reject);
    p.on('close', (code, signal) => {
      done = true;
      resolve({ out, killed: signal === 'SIGKILL', code, err });
    });
    if (killAfter === undefined) return;
    void (async () => {
      const start = (await state(name)).version;
      while (!done) {
        await new Promise((r) => setTimeout(r, 10));
        if ((await state(name)).version !== start) {
          setTimeout(() => p.kill('SIGKILL'), killAfter);
          return;
        }
      }
    })().catch(reject);
  });
}

// a load goes in without its HNSW index (built at its end) and is fast (~1,500 documents/s on a
// quiet machine): kills come within 60 ms of a round's first commit and there are enough
// documents that ten kills land before the load ends on a quiet machine too
const TOTAL = 2000;
const BATCH = 20;
const docText = (i: number) => faultText(i, 1);

test('kill -9 during `smysl index --store postgres://…` at 10 random moments: committed batches stay, nothing partial, resume completes', async (t) => {
  if (!engine) return t.skip(engineMissing);
  const file = path.join(root, 'docs.jsonl');
  writeFileSync(
    file,
    Array.from({ length: TOTAL }, (_, i) => JSON.stringify({ id: `d${i}`, text: docText(i) })).join('\n'),
  );
  const args = [
    cli,
    'index',
    file,
    '--store',
    engine.url,
    '--collection',
    'killed',
    '--embedder',
    'trigram',
    '--set',
    'dim=64',
    '--chunk-tokens',
    '12',
    '--chunk-overlap',
    '2',
    '--batch-size',
    String(BATCH),
    '--quiet',
  ];
  const location = `${engine.url}#killed`;
  const random = seededRandom(19);
  let before = new Set<string>();
  let midway = 0;
  for (let round = 0; round < 10; round++) {
    const run = await runChild(args, 'killed', Math.floor(random() * 60));
    assert.ok(run.killed, `round ${round} finished before it was killed: ${run.err}`);
    const count = await committed('killed');
    if (count > 0 && count < TOTAL) midway++;
    if (count < 0) continue;
    const c = await Collection.open(location);
    try {
      assert.equal(await c.store.integrityCheck?.(), 'ok', 'recorded counters agree with the tables');
      const present = new Set((await c.store.ids([...(await c.store.matchingDocs({}))])).map(String));
      assert.equal(present.size, count, 'no duplicates');
      // batches commit in input order: what is there is whole batches from the start
      assert.equal(count % BATCH, 0, `${count} documents is not a number of whole batches`);
      for (let i = 0; i < count; i++) assert.ok(present.has(`d${i}`), `d${i} missing of the first ${count}`);
      for (const id of before) assert.ok(present.has(id), `${id} was committed and is gone`);
      // each document whole: its text, its chunks, a vector per chunk equal to its chunk's embedding
      const sample = [...present].filter((_, j) => j % 7 === round % 7);
      for (const id of sample) {
        const i = Number(id.slice(1));
        const doc = (await c.store.document(id))!;
        assert.equal(doc.text, docText(i));
        const chunks = await c.store.chunksOf(doc.doc);
        const spans = chunkText(doc.text, { maxTokens: 12, overlapTokens: 2 });
        assert.deepEqual(
          chunks.map((ch) => [ch.start, ch.end]),
          spans.map((s) => [s.start, s.end]),
          `${id}: its chunks`,
        );
        const stored = await c.store.vectors(chunks.map((ch) => ch.row));
        const fresh = await c.embed(chunks.map((ch) => doc.text.slice(ch.start, ch.end)));
        for (let j = 0; j < stored.data.length; j++)
          assert.ok(Math.abs(stored.data[j] - fresh.data[j]) < 1e-6, `${id}: vector ${j}`);
      }
      if (count > 0) {
        // the last committed document is found by the stored vector of each of its chunks
        const last = `d${count - 1}`;
        const chunks = await c.store.chunksOf((await c.store.docNumber(last))!);
        const vectors = await c.store.vectors(chunks.map((ch) => ch.row));
        for (let j = 0; j < chunks.length; j++) {
          const hits = await c.searchVector(vectors.data.subarray(j * c.dim, (j + 1) * c.dim), {
            k: 3,
            details: false,
          });
          assert.ok(
            hits.some((h) => h.id === last),
            `${last} chunk ${j} not found by its own vector`,
          );
        }
      }
      before = present;
    } finally {
      await c.close();
    }
  }
  console.log(`${before.size} of ${TOTAL} documents committed across the killed rounds`);
  assert.ok(midway >= 9, `only ${midway} of 10 kills landed while documents were being committed`);
  const final = await runChild([...args.filter((a) => a !== '--quiet'), '--json'], 'killed');
  assert.equal(final.code, 0, final.err);
  const summary = JSON.parse(final.out);
  assert.equal(summary.added + summary.unchanged, TOTAL);
  assert.equal(summary.unchanged, before.size, 'resume skips exactly what was committed');
  assert.equal(summary.replaced, 0);
  assert.equal(await committed('killed'), TOTAL);
  // the index the killed loads left unbuilt was built by the run that completed
  const pg = await loadPg();
  const client = new pg.Client({ connectionString: engine.url });
  await client.connect();
  try {
    const graph = await client.query(
      `SELECT i.indisvalid AS valid FROM pg_index i WHERE i.indexrelid = to_regclass('smysl_killed_chunks_hnsw')`,
    );
    assert.deepEqual(graph.rows, [{ valid: true }]);
  } finally {
    await client.end();
  }
});

/** What each document may be after the operations a child reported: a version, or 0 for absent. */
class Model {
  readonly allowed = new Map<number, Set<number>>();

  apply(lines: string[]): boolean {
    let open: { ids: number[]; to: number } | undefined;
    for (const line of lines) {
      const [word, kind, ...rest] = line.split(' ');
      if ((word !== 'begin' && word !== 'committed') || kind === 'compact') continue;
      const version = kind === 'upsert' ? Number(rest.shift()) : 0;
      const ids = rest.map(Number);
      if (word === 'begin') open = { ids, to: version };
      else {
        for (const id of ids) this.allowed.set(id, new Set([version]));
        open = undefined;
      }
    }
    if (open)
      for (const id of open.ids)
        (this.allowed.get(id) ?? this.allowed.set(id, new Set([0])).get(id)!).add(open.to);
    return open !== undefined;
  }
}

test('kill -9 across upserts, deletes and compactions in PostgreSQL at 6 random moments: every document at a reported version, whole', async (t) => {
  if (!engine) return t.skip(engineMissing);
  const location = `${engine.url}#model`;
  const model = new Model();
  const random = seededRandom(23);
  const pick = (n: number) => Math.floor(random() * n);
  let cutInside = 0;
  for (let round = 0; round < 6; round++) {
    const ops: string[] = [];
    for (let i = 0, n = 2 + pick(3); i < n; i++) {
      const r = random();
      const from = pick(150);
      const to = Math.min(200, from + 20 + pick(80));
      if (r < 0.6) ops.push(`upsert:${from}:${to}:${round + 1}`);
      else if (r < 0.9) ops.push(`delete:${from}:${to}`);
      else ops.push('compact');
    }
    const run = await runChild([faultChild, location, ops.join(',')], 'model', pick(120));
    const lines = run.out.split('\n').slice(0, -1);
    assert.ok(run.killed || lines.at(-1) === 'done', `round ${round}: ${lines.at(-1)} ${run.err}`);
    if (model.apply(lines)) cutInside++;
    if ((await committed('model')) < 0) continue;
    const c = await Collection.open(location);
    try {
      assert.equal(await c.store.integrityCheck?.(), 'ok');
      let present = 0;
      for (const [id, allowed] of model.allowed) {
        const doc = await c.get(`d${id}`);
        const version = doc ? Number(/version v(\d+)/.exec(doc.text)?.[1]) : 0;
        assert.ok(allowed.has(version), `d${id} is at version ${version}, expected one of ${[...allowed]}`);
        if (doc) {
          assert.equal(doc.text, faultText(id, version), `d${id} is whole`);
          const chunks = await c.store.chunksOf((await c.store.docNumber(`d${id}`))!);
          assert.equal(chunks.length, chunkText(doc.text, { maxTokens: 12, overlapTokens: 2 }).length);
          present++;
        }
        model.allowed.set(id, new Set([version]));
      }
      assert.equal(await c.count(), present, 'no document outside the reported operations');
    } finally {
      await c.close();
    }
  }
  assert.ok(cutInside >= 3, `only ${cutInside} kills landed inside an operation`);
});
