import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { TransformerEmbedder } from '../../../src/embed/transformer/embedder.js';
import { useTinyCheckpoint } from './tiny.js';

const tiny = useTinyCheckpoint();

const WORDS = ['the', 'cat', 'sat', 'on', 'mat', 'dog', 'runs', 'a', 'unbelievable', '.', ','];
/** Texts of 1 to 12 words, deterministic. */
const TEXTS = Array.from({ length: 300 }, (_, i) =>
  Array.from({ length: 1 + ((i * 7) % 12) }, (_, k) => WORDS[(i * 5 + k * 3) % WORDS.length]).join(' '),
);

test('bulk embedding moves to worker sessions with the same vectors, in input order; small calls start none', async () => {
  const plain = await TransformerEmbedder.create({
    model: tiny.dir,
    threads: 1,
    log: () => {},
    batchSize: 4,
  });
  const want = await plain.embed(TEXTS);
  assert.equal(plain.workerSessions, 0, 'workers: 1 (threads: 1) starts no worker');
  await plain.dispose();

  const pooled = await TransformerEmbedder.create({
    model: tiny.dir,
    threads: 1,
    workers: 2,
    log: () => {},
    batchSize: 4,
  });
  await pooled.embed(TEXTS.slice(0, 3));
  await sleep(50);
  assert.equal(pooled.workerSessions, 0, 'one small call is not bulk work');
  // the pool starts in the background during bulk work and takes batches once its sessions load
  let got = await pooled.embed(TEXTS);
  for (let tries = 0; pooled.workerSessions === 0 && tries < 100; tries++) await sleep(50);
  assert.equal(pooled.workerSessions, 2);
  got = await pooled.embed(TEXTS);
  assert.equal(got.rows, TEXTS.length);
  for (let i = 0; i < want.data.length; i++)
    assert.ok(Math.abs(got.data[i] - want.data[i]) < 1e-5, `[${i}]: ${got.data[i]} vs ${want.data[i]}`);
  // overlapping calls (as Collection.add makes them) share the pool and keep their own rows
  const parts = await Promise.all([0, 1, 2].map((k) => pooled.embed(TEXTS.slice(k * 100, (k + 1) * 100))));
  parts.forEach((part, k) => {
    const from = k * 100 * part.dim;
    for (let i = 0; i < part.data.length; i++)
      assert.ok(Math.abs(part.data[i] - want.data[from + i]) < 1e-5, `part ${k} [${i}]`);
  });
  await pooled.dispose();
  await assert.rejects(pooled.embed(TEXTS), /disposed|released|encoder/i);
});
