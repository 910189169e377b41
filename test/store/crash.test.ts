import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Collection } from '../../src/store/collection.js';
import { seededRandom } from '../../src/vectors/random.js';

const child = fileURLToPath(new URL('./crash-child.js', import.meta.url));
const TOTAL = 2500;

/** Runs the indexing child; kills it after `killAfterMs` (unless it finishes first). */
function runChild(
  dir: string,
  killAfterMs?: number,
): Promise<{ committed: string[]; done?: Record<string, number>; killed: boolean }> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [child, dir, String(TOTAL), '40'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    p.stdout.on('data', (d) => (out += d));
    p.stderr.on('data', (d) => (err += d));
    const timer = killAfterMs === undefined ? undefined : setTimeout(() => p.kill('SIGKILL'), killAfterMs);
    p.on('error', reject);
    p.on('close', (code, signal) => {
      clearTimeout(timer);
      if (code !== 0 && signal !== 'SIGKILL') return reject(new Error(`child failed (${code}): ${err}`));
      const committed: string[] = [];
      let done: Record<string, number> | undefined;
      for (const line of out.split('\n')) {
        // a line cut by the kill is not a report
        if (line.startsWith('committed ') && out.includes(`${line}\n`))
          committed.push(...line.slice(10).split(',').filter(Boolean));
        if (line.startsWith('done ')) done = JSON.parse(line.slice(5));
      }
      resolve({ committed, done, killed: signal === 'SIGKILL' });
    });
  });
}

async function verify(dir: string, mustHave: Set<string>): Promise<number> {
  const c = await Collection.open(dir);
  try {
    const stats = await c.stats();
    assert.equal(stats.chunks + stats.deadRows, stats.vectorRows, 'every vector row is live or dead');
    assert.equal(c.rowIndex.rowCount, stats.vectorRows, 'the index covers every committed row');
    for (const id of mustHave) assert.ok(await c.has(id), `${id} was reported committed but is missing`);
    const count = await c.count();
    assert.ok(count >= mustHave.size);
    // the repaired index serves the committed documents
    const sample = [...mustHave].slice(-3);
    for (const id of sample) {
      const doc = (await c.get(id))!;
      const hits = await c.search(doc.text, { k: 3 });
      assert.ok(
        hits.some((h) => h.id === id),
        `${id} not found by its own text`,
      );
    }
    return count;
  } finally {
    await c.close();
  }
}

test('killed while indexing: reopens, keeps every committed batch, resumes', async () => {
  const dir = path.join(mkdtempSync(path.join(os.tmpdir(), 'smysl-crash-')), 'c');
  try {
    const random = seededRandom(42);
    const committed = new Set<string>();
    let kills = 0;
    for (let round = 0; round < 6; round++) {
      const r = await runChild(dir, 150 + Math.floor(random() * 900));
      for (const id of r.committed) committed.add(id);
      if (r.killed) kills++;
      if (r.done) break;
      // killed before the collection was fully created: nothing was reported, nothing to check
      if (committed.size === 0 && !existsSync(path.join(dir, 'manifest.json'))) continue;
      await verify(dir, committed);
    }
    const final = await runChild(dir);
    assert.ok(final.done, 'the resumed run finishes');
    assert.equal(final.done.replaced, 0);
    assert.equal(final.done.added + final.done.unchanged, TOTAL);
    assert.ok(final.done.unchanged >= committed.size, 'resume skips what is already in');
    for (const id of final.committed) committed.add(id);
    assert.equal(await verify(dir, committed), TOTAL);
    assert.ok(kills >= 1, 'at least one round was killed mid-run');
  } finally {
    rmSync(path.dirname(dir), { recursive: true, force: true });
  }
});
