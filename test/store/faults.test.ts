// Fault injection: kills at random points, a full disk, concurrent writers, damaged files.
// After each fault the collection must open, hold every committed document exactly once (each
// found by its own vector), hold nothing half-written, and say what went wrong.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { isSmyslError } from '../../src/errors.js';
import { Collection } from '../../src/store/collection.js';
import { seededRandom } from '../../src/vectors/random.js';
import { FAULT_EMBEDDER, faultText } from './fault-child.js';

const child = fileURLToPath(new URL('./fault-child.js', import.meta.url));
const cli = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
const root = mkdtempSync(path.join(os.tmpdir(), 'smysl-faults-'));
after(() => rmSync(root, { recursive: true, force: true }));
let counter = 0;
const fresh = () => path.join(root, `c${counter++}`);

interface ChildRun {
  lines: string[];
  killed: boolean;
  code: number | null;
}

/**
 * Runs the child; with `kill`, kills it `afterMs` after it announces its `atBegin`-th operation
 * (operations take milliseconds and start-up time varies a lot on a loaded machine, so the kill
 * is timed from the operations themselves).
 */
function runChild(
  dir: string,
  script: string,
  opts: { kill?: { atBegin: number; afterMs: number }; fileLimitKb?: number } = {},
) {
  return new Promise<ChildRun>((resolve, reject) => {
    const p =
      opts.fileLimitKb === undefined
        ? spawn(process.execPath, [child, dir, script], { stdio: ['ignore', 'pipe', 'pipe'] })
        : spawn(
            'bash',
            [
              '-c',
              `ulimit -f ${opts.fileLimitKb}; exec "$0" "$1" "$2" "$3"`,
              process.execPath,
              child,
              dir,
              script,
            ],
            {
              stdio: ['ignore', 'pipe', 'pipe'],
            },
          );
    let out = '';
    let err = '';
    let timer: NodeJS.Timeout | undefined;
    p.stdout.on('data', (d) => {
      out += d;
      if (opts.kill && timer === undefined && out.split('begin ').length > opts.kill.atBegin)
        timer = setTimeout(() => p.kill('SIGKILL'), opts.kill.afterMs);
    });
    p.stderr.on('data', (d) => (err += d));
    p.on('error', reject);
    p.on('close', (code, signal) => {
      clearTimeout(timer);
      if (signal && signal !== 'SIGKILL') return reject(new Error(`child died of ${signal}: ${err}`));
      // a line cut by the kill is not a report
      const lines = out.split('\n').slice(0, -1);
      resolve({ lines, killed: signal === 'SIGKILL', code });
    });
  });
}

/** What each document may be after the operations reported so far: a version, or 0 for absent. */
class Model {
  readonly allowed = new Map<number, Set<number>>();

  /** Applies a child's report; returns whether it was cut inside an operation. */
  apply(lines: string[]): boolean {
    let open: { ids: number[]; to: number } | undefined;
    for (const line of lines) {
      const [word, kind, ...rest] = line.split(' ');
      if (word !== 'begin' && word !== 'committed') continue;
      if (kind === 'compact') continue;
      const version = kind === 'upsert' ? Number(rest.shift()) : 0;
      const ids = rest.map(Number);
      if (word === 'begin') open = { ids, to: version };
      else {
        for (const id of ids) this.allowed.set(id, new Set([version]));
        open = undefined;
      }
    }
    // an operation begun but not reported committed may or may not have happened
    if (open)
      for (const id of open.ids)
        (this.allowed.get(id) ?? this.allowed.set(id, new Set([0])).get(id)!).add(open.to);
    return open !== undefined;
  }
}

async function verify(dir: string, model: Model): Promise<void> {
  const c = await Collection.open(dir);
  try {
    const stats = await c.stats();
    assert.equal(stats.chunks + stats.deadRows, stats.vectorRows, 'every vector row is live or dead');
    let present = 0;
    for (const [id, allowed] of model.allowed) {
      const doc = await c.get(`d${id}`);
      const version = doc ? Number(/version v(\d+)/.exec(doc.text)?.[1]) : 0;
      assert.ok(allowed.has(version), `d${id} is at version ${version}, expected one of ${[...allowed]}`);
      if (doc) {
        assert.equal(doc.text, faultText(id, version), `d${id} is whole`);
        present++;
      }
      model.allowed.set(id, new Set([version]));
    }
    assert.equal(await c.count(), present, 'no document outside the reported operations');
    // self-recall: every document is found by the stored vector of each of its chunks
    for (const [id, allowed] of model.allowed) {
      if (allowed.has(0)) continue;
      const number = (await c.store.docNumber(`d${id}`))!;
      const chunks = await c.store.chunksOf(number);
      const vectors = await c.store.vectors(chunks.map((ch) => ch.row));
      for (let i = 0; i < chunks.length; i++) {
        const hits = await c.searchVector(vectors.data.subarray(i * c.dim, (i + 1) * c.dim), {
          k: 3,
          details: false,
        });
        assert.ok(
          hits.some((h) => h.id === `d${id}`),
          `d${id} chunk ${i} not found by its own vector`,
        );
      }
    }
  } finally {
    await c.close();
  }
}

test('killed at 24 random points across upsert, delete and compact: nothing committed lost, nothing half there', async () => {
  const dir = fresh();
  const model = new Model();
  const random = seededRandom(7);
  const pick = (n: number) => Math.floor(random() * n);
  let kills = 0;
  let cutInside = 0;
  // on a quiet machine a script can finish before its kill point: such rounds count as clean
  // runs (checked all the same) and the loop goes on until 24 rounds were killed
  for (let round = 0; kills < 24 && round < 80; round++) {
    const ops: string[] = [];
    for (let i = 0, n = 2 + pick(3); i < n; i++) {
      const r = random();
      const from = pick(250);
      const to = Math.min(300, from + 20 + pick(120));
      if (r < 0.55) ops.push(`upsert:${from}:${to}:${round + 1}`);
      else if (r < 0.85) ops.push(`delete:${from}:${to}`);
      else ops.push('compact');
    }
    const run = await runChild(dir, ops.join(','), { kill: { atBegin: 1 + pick(8), afterMs: pick(25) } });
    assert.ok(run.killed || run.lines.at(-1) === 'done', `round ${round}: ${run.lines.at(-1)}`);
    if (run.killed) kills++;
    if (model.apply(run.lines)) cutInside++;
    if (!existsSync(path.join(dir, 'manifest.json'))) continue; // killed before the collection existed
    await verify(dir, model);
  }
  assert.equal(kills, 24, `only ${kills} rounds were killed`);
  assert.ok(cutInside >= 8, `only ${cutInside} kills landed inside an operation`);
  const last = await runChild(dir, 'upsert:0:300:99,compact');
  assert.equal(last.lines.at(-1), 'done');
  model.apply(last.lines);
  await verify(dir, model);
});

test('a full disk (file size limit) stops with "disk full" and the path, keeps what was committed, and indexing resumes', async () => {
  const dir = fresh();
  const model = new Model();
  const limited = await runChild(dir, 'upsert:0:600:1', { fileLimitKb: 400 });
  const last = limited.lines.at(-1) ?? '';
  assert.equal(limited.code, 1, last);
  assert.match(last, /^error E_IO disk full/);
  assert.match(last, new RegExp(dir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));
  model.apply(limited.lines);
  assert.ok(
    [...model.allowed.values()].some((a) => a.size === 1 && a.has(1)),
    'some batches committed first',
  );
  await verify(dir, model);
  const resumed = await runChild(dir, 'upsert:0:600:1');
  assert.equal(resumed.lines.at(-1), 'done');
  model.apply(resumed.lines);
  await verify(dir, model);
  assert.equal(
    (await Collection.open(dir, { readonly: true }).then(async (c) => [await c.count(), await c.close()]))[0],
    600,
  );
});

test('six writers started together: one holds the lock at a time, the others are refused by name, no vector is overwritten', async () => {
  const dir = fresh();
  // the collection exists first, so that the writers race for the lock, not for creating it
  assert.equal((await runChild(dir, 'upsert:1000:1001:1')).lines.at(-1), 'done');
  const runs = await Promise.all(
    Array.from({ length: 6 }, (_, w) => runChild(dir, `upsert:${w * 50}:${w * 50 + 50}:1`)),
  );
  const model = new Model();
  model.allowed.set(1000, new Set([1]));
  let winners = 0;
  for (const r of runs) {
    const last = r.lines.at(-1) ?? '';
    if (last === 'done') winners++;
    else assert.match(last, /^error E_COLLECTION .*being written by (process \d+|another process)/);
    model.apply(r.lines);
    // a refused writer wrote nothing
    if (last !== 'done') assert.ok(!r.lines.some((l) => l.startsWith('committed')));
  }
  assert.ok(winners >= 1);
  await verify(dir, model);
  // and each stored vector is the one its own chunk embeds to
  const c = await Collection.open(dir, { readonly: true });
  const embedder = FAULT_EMBEDDER();
  for (const id of await Promise.all(
    [...model.allowed.keys()].map(async (i) => ((await c.has(`d${i}`)) ? i : -1)),
  )) {
    if (id < 0) continue;
    const doc = (await c.store.document(`d${id}`))!;
    const chunks = await c.store.chunksOf(doc.doc);
    const stored = await c.store.vectors(chunks.map((ch) => ch.row));
    const fresh = await c.embed(chunks.map((ch) => doc.text.slice(ch.start, ch.end)));
    for (let j = 0; j < stored.data.length; j++)
      assert.ok(Math.abs(stored.data[j] - fresh.data[j]) < 1e-6, `d${id}`);
  }
  assert.equal(embedder.name, c.manifest.embedder.name);
  await c.close();
});

/** A collection with a saved graph (more rows than are searched exactly), made once. */
async function baseCollection(): Promise<{ dir: string; model: Model }> {
  const dir = fresh();
  const model = new Model();
  const run = await runChild(dir, 'upsert:0:700:1,delete:0:40,upsert:40:80:2');
  assert.equal(run.lines.at(-1), 'done');
  model.apply(run.lines);
  assert.ok(existsSync(path.join(dir, 'usearch.0.bin')), 'the graph was saved');
  return { dir, model };
}

function copyOf(dir: string): string {
  const target = fresh();
  cpSync(dir, target, { recursive: true });
  return target;
}

function flipByte(file: string, at: number): void {
  const bytes = readFileSync(file);
  bytes[at] ^= 0x5a;
  writeFileSync(file, bytes);
}

function cloneModel(model: Model): Model {
  const m = new Model();
  for (const [id, a] of model.allowed) m.allowed.set(id, new Set(a));
  return m;
}

test('a truncated or changed graph, orphans file or sidecar is rebuilt, never loaded (readers and writers)', async () => {
  const base = await baseCollection();
  const graph = 'usearch.0.bin';
  const size = statSync(path.join(base.dir, graph)).size;
  const damages: [string, (dir: string) => void][] = [
    ...[0.05, 0.5, 0.999].map(
      (f) =>
        [
          `graph cut at ${f * 100}%`,
          (d: string) => truncateSync(path.join(d, graph), Math.floor(size * f)),
        ] as [string, (d: string) => void],
    ),
    ['graph byte changed', (d) => flipByte(path.join(d, graph), Math.floor(size / 3))],
    ['graph header changed', (d) => flipByte(path.join(d, graph), 2)],
    ['orphans file changed', (d) => flipByte(path.join(d, `${graph}.orphans`), 1)],
    ['sidecar missing', (d) => rmSync(path.join(d, `${graph}.json`))],
    ['sidecar garbage', (d) => writeFileSync(path.join(d, `${graph}.json`), '{"format":2,')],
  ];
  for (const [what, damage] of damages) {
    const dir = copyOf(base.dir);
    damage(dir);
    const warnings: string[] = [];
    const reader = await Collection.open(dir, { readonly: true, onWarning: (m) => warnings.push(m) });
    const hits = await reader.search(faultText(100, 1), { method: 'dense', k: 1 });
    assert.equal(hits[0]?.id, 'd100', what);
    assert.ok(
      warnings.some((w) => /rebuilding the search graph/.test(w)),
      `${what}: ${warnings}`,
    );
    await reader.close();
    await verify(dir, cloneModel(base.model));
  }
});

test('missing or damaged vectors: readers say so, writers and repair re-embed them', async () => {
  const base = await baseCollection();
  const vectors = (d: string) => path.join(d, 'vectors.0.f32');
  // truncated: a reader cannot search by meaning until it is repaired, and says how
  {
    const dir = copyOf(base.dir);
    truncateSync(vectors(dir), Math.floor(statSync(vectors(dir)).size * 0.8));
    rmSync(path.join(dir, 'usearch.0.bin'));
    const reader = await Collection.open(dir, { readonly: true });
    await assert.rejects(
      reader.search('record', { method: 'dense' }),
      (e) => isSmyslError(e, 'E_COLLECTION') && /collections repair/.test(e.message),
    );
    assert.ok((await reader.search('record', { method: 'sparse' })).length > 0, 'keyword search still works');
    await reader.close();
    const report = await Collection.repair(dir);
    assert.ok(report.vectorsReembedded > 0);
    await verify(dir, cloneModel(base.model));
  }
  // a changed byte: ignored by readers (with a warning), re-embedded by the next writer
  {
    const dir = copyOf(base.dir);
    rmSync(path.join(dir, 'usearch.0.bin.json')); // make the graph be rebuilt from the file
    flipByte(vectors(dir), 64 * 4 * 500 + 3); // the exponent byte of row 500's first value
    const warnings: string[] = [];
    const reader = await Collection.open(dir, { readonly: true, onWarning: (m) => warnings.push(m) });
    await reader.search('record', { method: 'dense' });
    assert.ok(
      warnings.some((w) => /damaged vector/.test(w)),
      `${warnings}`,
    );
    await reader.close();
    const writerWarnings: string[] = [];
    const writer = await Collection.open(dir, { onWarning: (m) => writerWarnings.push(m) });
    assert.ok(
      writerWarnings.some((w) => /re-embedded 1 /.test(w)),
      `${writerWarnings}`,
    );
    await writer.close();
    await verify(dir, cloneModel(base.model));
  }
});

test('a damaged database or manifest is named; a lost manifest is restored by repair, never overwritten by index', async () => {
  const base = await baseCollection();
  {
    const dir = copyOf(base.dir);
    truncateSync(path.join(dir, 'store.sqlite'), 5000);
    rmSync(path.join(dir, 'store.sqlite-wal'), { force: true });
    await assert.rejects(
      Collection.open(dir),
      (e) => isSmyslError(e) && /store\.sqlite.*damaged/.test(e.message),
    );
  }
  {
    const dir = copyOf(base.dir);
    rmSync(path.join(dir, 'manifest.json'));
    await assert.rejects(
      Collection.open(dir),
      (e) => isSmyslError(e, 'E_COLLECTION') && /collections repair/.test(e.message),
    );
    // indexing into it with another embedder must not create a new collection over the old one
    const index = spawnSync(process.execPath, [
      cli,
      'index',
      path.join(root, 'none.jsonl'),
      '--collection',
      dir,
      '--embedder',
      'trigram',
      '--quiet',
    ]);
    assert.notEqual(index.status, 0);
    const repair = spawnSync(
      process.execPath,
      [cli, 'collections', 'repair', '--collection', dir, '--json'],
      {
        encoding: 'utf8',
      },
    );
    assert.equal(repair.status, 0, repair.stderr);
    assert.equal(JSON.parse(repair.stdout).manifestRestored, true);
    await verify(dir, cloneModel(base.model));
  }
  {
    const dir = copyOf(base.dir);
    writeFileSync(path.join(dir, 'manifest.json'), '{"format": 1, "na');
    await assert.rejects(
      Collection.open(dir),
      (e) => isSmyslError(e, 'E_COLLECTION') && /manifest\.json is damaged/.test(e.message),
    );
    await Collection.repair(dir);
    await verify(dir, cloneModel(base.model));
  }
});

test('the reported crash: long documents re-indexed as short ones, then searched from the CLI', () => {
  const dir = fresh();
  const long = path.join(root, 'long.jsonl');
  const short = path.join(root, 'short.jsonl');
  // the reproduction, smaller: enough rows that the graph is saved, most removed later
  const words = Array.from({ length: 400 }, (_, j) => `word${j}`).join(' ');
  const lines = (text: (i: number) => string) =>
    Array.from({ length: 60 }, (_, i) => JSON.stringify({ id: `d${i}`, text: text(i) })).join('\n');
  writeFileSync(
    long,
    lines(() => words),
  );
  writeFileSync(
    short,
    lines((i) => `short text ${i}`),
  );
  const smysl = (...args: string[]) => spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8' });
  const common = ['--collection', dir, '--quiet'];
  assert.equal(smysl('index', long, ...common, '--embedder', 'trigram', '--chunk-tokens', '20').status, 0);
  assert.ok(existsSync(path.join(dir, 'usearch.0.bin')), 'a graph with many rows was saved');
  assert.equal(smysl('index', short, ...common).status, 0);
  assert.equal(smysl('index', long, ...common).status, 0);
  assert.equal(smysl('index', short, ...common).status, 0);
  for (const method of ['dense', 'sparse', 'hybrid']) {
    const search = smysl('search', 'short text 7', ...common, '--method', method, '--json');
    assert.equal(search.status, 0, search.stderr);
    assert.equal(JSON.parse(search.stdout)[0].id, 'd7', method);
  }
  assert.equal(smysl('compact', ...common).status, 0);
  assert.equal(JSON.parse(smysl('search', 'short text 7', ...common, '--json').stdout)[0].id, 'd7');
});

test('a collection on a read-only file system can be searched (dense, sparse, hybrid)', async (t) => {
  const base = await baseCollection();
  const dir = fresh();
  cpSync(base.dir, dir, { recursive: true });
  rmSync(path.join(dir, 'writer.lock.sqlite'), { force: true });
  // read-only for real: a read-only bind mount as root, file modes otherwise
  let view = dir;
  let undo = () => {};
  if (process.getuid?.() === 0) {
    view = `${dir}-ro`;
    spawnSync('mkdir', [view]);
    const bind = spawnSync('mount', ['--bind', dir, view]);
    const ro = bind.status === 0 ? spawnSync('mount', ['-o', 'remount,bind,ro', view]) : bind;
    if (ro.status !== 0) {
      if (bind.status === 0) spawnSync('umount', [view]);
      t.skip(`cannot make a read-only mount here (${String(ro.stderr).trim()})`);
      return;
    }
    undo = () => {
      const u = spawnSync('umount', [view]);
      assert.equal(u.status, 0, `umount: ${u.stderr}`);
    };
  } else {
    spawnSync('chmod', ['-R', 'a-w', dir]);
    undo = () => spawnSync('chmod', ['-R', 'u+w', dir]);
  }
  try {
    assert.throws(() => writeFileSync(path.join(view, 'probe'), 'x'), 'the directory is read-only');
    const c = await Collection.open(view, { readonly: true });
    for (const method of ['dense', 'sparse', 'hybrid'] as const)
      assert.equal((await c.search(faultText(100, 1), { method, k: 1 }))[0]?.id, 'd100', method);
    await c.close();
    await assert.rejects(
      Collection.open(view),
      (e) => isSmyslError(e, 'E_COLLECTION') && /read-only/.test(e.message),
    );
  } finally {
    undo();
  }
});

test('a create killed before its manifest was saved is finished or started over, never "damaged"', async () => {
  const { default: Sqlite } = await import('better-sqlite3');
  // killed between the database's copy of the manifest and the file: the copy is restored
  const created = fresh();
  await (await Collection.create(created, { embedder: FAULT_EMBEDDER() })).close();
  rmSync(path.join(created, 'manifest.json'));
  const c = await Collection.openOrCreate(created, { embedder: FAULT_EMBEDDER() });
  await c.add([{ id: 'a', text: faultText(1, 1), meta: {} }]);
  await c.close();
  assert.ok(existsSync(path.join(created, 'manifest.json')));
  // killed before the copy: an empty database is not a collection, and a create starts over
  const unfinished = fresh();
  await (await Collection.create(unfinished, { embedder: FAULT_EMBEDDER() })).close();
  rmSync(path.join(unfinished, 'manifest.json'));
  const db = new Sqlite(path.join(unfinished, 'store.sqlite'));
  db.prepare("DELETE FROM meta WHERE key = 'manifest'").run();
  db.close();
  await assert.rejects(Collection.open(unfinished), /no collection in/);
  const again = await Collection.openOrCreate(unfinished, { embedder: FAULT_EMBEDDER() });
  assert.equal(await again.count(), 0);
  await again.close();
});
