import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { writeTinyCheckpoint } from './tiny.js';

// onnxruntime-node is optional (an offline `npm i` drops it); the encoders then run on
// onnxruntime-web. Both runtimes must give the same vectors for every dtype.

const bin = fileURLToPath(new URL('../../../src/cli/main.js', import.meta.url));

test('the WebAssembly runtime gives the native runtime vectors, and says once that it stands in', async () => {
  const tiny = await writeTinyCheckpoint();
  const cache = await fsp.mkdtemp(path.join(os.tmpdir(), 'smysl-cache-'));
  try {
    const texts = ['--text', 'The cat sat on the mat.', '--text', 'A dog runs.'];
    const embed = (runtime: string, dtype: string) =>
      spawnSync(process.execPath, [bin, 'embed', ...texts, '--embedder', tiny, '--dtype', dtype, '--json'], {
        encoding: 'utf8',
        env: { ...process.env, XDG_CACHE_HOME: cache, SMYSL_ONNXRUNTIME: runtime },
      });
    for (const dtype of ['fp32', 'int8']) {
      const native = embed('', dtype);
      const wasm = embed('wasm', dtype);
      assert.equal(native.status, 0, native.stderr);
      assert.equal(wasm.status, 0, wasm.stderr);
      assert.doesNotMatch(native.stderr, /onnxruntime-web/);
      assert.equal(wasm.stderr.match(/encoders run on onnxruntime-web/g)?.length, 1, wasm.stderr);
      const a = JSON.parse(native.stdout).rows as { vector: number[] }[];
      const b = JSON.parse(wasm.stdout).rows as { vector: number[] }[];
      assert.equal(a.length, 2);
      for (let r = 0; r < a.length; r++)
        for (let j = 0; j < a[r].vector.length; j++)
          assert.ok(
            Math.abs(a[r].vector[j] - b[r].vector[j]) < (dtype === 'fp32' ? 1e-5 : 1e-3),
            `${dtype} row ${r} dim ${j}: ${a[r].vector[j]} vs ${b[r].vector[j]}`,
          );
    }
  } finally {
    await fsp.rm(tiny, { recursive: true, force: true });
    await fsp.rm(cache, { recursive: true, force: true });
  }
});
