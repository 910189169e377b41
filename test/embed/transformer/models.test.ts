import assert from 'node:assert/strict';
import { promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { importModel, listModels, resolveModel } from '../../../src/embed/transformer/models.js';
import { npyHeader } from '../../../src/util/npy.js';
import { useTinyCheckpoint } from './tiny.js';

const tiny = useTinyCheckpoint();

test('model import copies a checkpoint under a name; list shows it beside minilm', async () => {
  const source = await importModel(tiny.dir, {
    name: 'tiny',
    pooling: 'cls',
    normalize: false,
    maxLength: 100,
  });
  assert.equal(source.dir, path.join(tiny.cache, 'smysl', 'models', 'tiny'));
  assert.deepEqual((await fsp.readdir(source.dir)).sort(), [
    'config.json',
    'model.json',
    'model.safetensors',
    'vocab.txt',
  ]);
  // capped by max_position_embeddings (24)
  assert.deepEqual(source.defaults, { pooling: 'cls', normalize: false, maxLength: 24 });
  const models = await listModels();
  assert.deepEqual(
    models.map((m) => [m.name, m.builtin, m.layers, m.hiddenSize]),
    [
      ['minilm', true, 6, 384],
      ['tiny', false, 2, 16],
    ],
  );
  assert.equal((await resolveModel('tiny')).weightsFile, path.join(source.dir, 'model.safetensors'));
  await assert.rejects(importModel(tiny.dir, { name: 'tiny' }), /already exists/);
  await assert.rejects(importModel(tiny.dir, { name: '../evil' }), { code: 'E_USAGE' });
  await assert.rejects(resolveModel('no-such-model'), /unknown model "no-such-model" \(known: minilm, tiny/);
});

test('a checkpoint without weights or tokenizer is refused with the reason', async () => {
  const empty = await fsp.mkdtemp(path.join(os.tmpdir(), 'smysl-empty-'));
  await fsp.copyFile(path.join(tiny.dir, 'config.json'), path.join(empty, 'config.json'));
  await assert.rejects(
    importModel(empty, { name: 'broken' }),
    /no weights \(looked for model\.safetensors, pytorch_model\.bin\)/,
  );
  await fsp.copyFile(path.join(tiny.dir, 'model.safetensors'), path.join(empty, 'model.safetensors'));
  await assert.rejects(
    importModel(empty, { name: 'broken' }),
    /no tokenizer \(looked for tokenizer\.json, vocab\.txt\)/,
  );
  await fsp.rm(empty, { recursive: true, force: true });
});

test('.npy v1.0 header: magic, version, 64-byte aligned dict ending in a newline', () => {
  const h = npyHeader([3000, 384]);
  assert.equal(h.length % 64, 0);
  assert.deepEqual(Array.from(h.subarray(0, 8)), [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
  const length = h[8] | (h[9] << 8);
  assert.equal(length, h.length - 10);
  const dict = new TextDecoder().decode(h.subarray(10));
  assert.match(dict, /^\{'descr': '<f4', 'fortran_order': False, 'shape': \(3000, 384\), \} *\n$/);
  assert.match(new TextDecoder().decode(npyHeader([5]).subarray(10)), /'shape': \(5,\)/);
});
