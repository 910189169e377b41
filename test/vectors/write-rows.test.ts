import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { readNpy, writeDenseRows } from '../../src/vectors/io.js';
import type { DenseMatrix } from '../../src/vectors/types.js';

const chunk = (values: number[], dim = 2): DenseMatrix => ({
  rows: values.length / dim,
  dim,
  data: Float32Array.from(values),
});

test('writeDenseRows streams chunks into .npy, .f32 and .jsonl with the same rows', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'smysl-rows-'));
  const ids = ['a', 'б', 'c'];
  const chunks = () => [chunk([1, 2, 3, 4]), chunk([0.5, -1])];
  await writeDenseRows(path.join(dir, 'v.npy'), 'npy', ids, 2, chunks());
  const npy = await readNpy(path.join(dir, 'v.npy'));
  assert.deepEqual([npy.rows, npy.dim, Array.from(npy.data)], [3, 2, [1, 2, 3, 4, 0.5, -1]]);
  await writeDenseRows(path.join(dir, 'v.f32'), 'f32', ids, 2, chunks());
  const raw = readFileSync(path.join(dir, 'v.f32'));
  assert.deepEqual(
    Array.from(new Float32Array(raw.buffer, raw.byteOffset, raw.byteLength / 4)),
    [1, 2, 3, 4, 0.5, -1],
  );
  async function* stream() {
    yield* chunks();
  }
  await writeDenseRows(path.join(dir, 'v.jsonl'), 'jsonl', ids, 2, stream());
  assert.deepEqual(
    readFileSync(path.join(dir, 'v.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l)),
    [
      { id: 'a', vector: [1, 2] },
      { id: 'б', vector: [3, 4] },
      { id: 'c', vector: [0.5, -1] },
    ],
  );
});

test('writeDenseRows leaves no file, not even a partial one, when the rows fail midway', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'smysl-rows-'));
  async function* failing() {
    yield chunk([1, 2]);
    throw new Error('encoder crashed');
  }
  await assert.rejects(
    writeDenseRows(path.join(dir, 'v.npy'), 'npy', ['a', 'b'], 2, failing()),
    /encoder crashed/,
  );
  assert.deepEqual(readdirSync(dir), []);
});
