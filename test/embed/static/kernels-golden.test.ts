import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { goldenSentences, trainingCases, vectorsHash } from '../../golden/kernels/training-cases.js';

// Vectors from the hand-assembled kernels that preceded the WAT source (see training-cases.ts):
// the rewrite must change no bit of any training run.
const golden = JSON.parse(
  readFileSync(new URL('../../../../test/golden/kernels/training.json', import.meta.url), 'utf8'),
) as Record<string, { sha256: string; length: number; first: number[] }>;

test('word2vec and fastText training give the golden vectors bit for bit on every kernel path', async () => {
  const sentences = goldenSentences();
  assert.equal(Object.keys(golden).length, trainingCases.length);
  for (const c of trainingCases) {
    const v = await c.run(sentences);
    const want = golden[c.name];
    assert.ok(want, `no golden entry for ${c.name}`);
    assert.equal(v.length, want.length, c.name);
    assert.deepEqual(Array.from(v.subarray(0, 4)), want.first, c.name);
    assert.equal(vectorsHash(v), want.sha256, c.name);
  }
});

test('without WebAssembly, training warns once and falls back to the JavaScript loops', () => {
  // --jitless removes WebAssembly altogether: the default (SIMD) settings must then give exactly
  // the vectors of the explicit no-SIMD run.
  const script = `
    const { trainWord2Vec } = await import(${JSON.stringify(new URL('../../../src/embed/static/index.js', import.meta.url).href)});
    const { goldenSentences, vectorsHash } = await import(${JSON.stringify(new URL('../../golden/kernels/training-cases.js', import.meta.url).href)});
    const r = await trainWord2Vec(goldenSentences(), { minCount: 1, epochs: 2, threads: 1, seed: 7, sample: 1e-2, window: 4, architecture: 'skipgram', dim: 20 });
    console.log(vectorsHash(r.vectors));`;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'smysl-jitless-'));
  const file = path.join(dir, 'train.mjs');
  writeFileSync(file, script);
  const r = spawnSync(process.execPath, ['--jitless', file], { encoding: 'utf8' });
  rmSync(dir, { recursive: true, force: true });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout.trim(), golden['skipgram no SIMD dim 20'].sha256);
  assert.match(
    r.stderr,
    /WebAssembly SIMD kernels unavailable \(this JavaScript engine has no WebAssembly\)/,
  );
  assert.equal(r.stderr.match(/kernels unavailable/g)?.length, 1, r.stderr);
});
