import assert from 'node:assert/strict';
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { bertWeights, parseBertConfig, readBertConfig } from '../../../src/embed/transformer/config.js';
import { EncoderSession } from '../../../src/embed/transformer/encoder.js';
import { buildEncoderGraph } from '../../../src/embed/transformer/graph.js';
import { readSafetensors } from '../../../src/embed/transformer/safetensors.js';
import { referenceForward } from './reference.js';
import { TINY_CONFIG, writeTinyCheckpoint } from './tiny.js';

let dir: string;
before(async () => {
  dir = await writeTinyCheckpoint();
});
after(async () => {
  await fsp.rm(dir, { recursive: true, force: true });
});

async function load() {
  const config = await readBertConfig(path.join(dir, 'config.json'));
  const weights = bertWeights(await readSafetensors(path.join(dir, 'model.safetensors')), config);
  return { config, weights };
}

// Three sequences of different lengths in one right-padded batch: padding must not leak.
const SEQUENCES = [
  [2, 5, 6, 7, 8, 5, 9, 15, 3],
  [2, 10, 11, 13, 3],
  [2, 17, 18, 19, 16, 14, 6, 12, 3],
];

function batchOf(sequences: number[][]) {
  const length = Math.max(...sequences.map((s) => s.length));
  const ids = new BigInt64Array(sequences.length * length);
  const mask = new BigInt64Array(sequences.length * length);
  sequences.forEach((s, r) => {
    s.forEach((id, t) => {
      ids[r * length + t] = BigInt(id);
      mask[r * length + t] = 1n;
    });
  });
  return { rows: sequences.length, length, ids, mask };
}

for (const [attention, fused] of [
  ['attention', true],
  ['multihead', true],
  ['attention', false],
] as const) {
  test(`fp32 graph (${fused ? attention : 'standard ops only'}) matches a plain TypeScript forward pass to 1e-4 at every layer`, async () => {
    const { config, weights } = await load();
    const session = await EncoderSession.create(
      buildEncoderGraph(config, weights, { dtype: 'fp32', attention, fused }),
      config.hiddenSize,
      config.numHiddenLayers,
      { threads: 1 },
    );
    const batch = batchOf(SEQUENCES);
    const states = await session.run(batch, config.numHiddenLayers + 1);
    assert.equal(states.length, config.numHiddenLayers + 1);
    const h = config.hiddenSize;
    let compared = 0;
    SEQUENCES.forEach((ids, r) => {
      const expected = referenceForward(config, weights, ids);
      for (let layer = 0; layer < states.length; layer++) {
        for (let t = 0; t < ids.length; t++)
          for (let j = 0; j < h; j++) {
            const got = states[layer][(r * batch.length + t) * h + j];
            const want = expected[layer][t * h + j];
            assert.ok(
              Math.abs(got - want) < 1e-4,
              `row ${r} layer ${layer} token ${t} dim ${j}: ${got} vs ${want}`,
            );
            compared++;
          }
      }
    });
    assert.equal(compared, (9 + 5 + 9) * h * 3);
    await session.release();
  });
}

test('int8 graph stays close to fp32 (per-channel scales)', async () => {
  const { config, weights } = await load();
  const open = async (dtype: 'fp32' | 'int8') =>
    EncoderSession.create(
      buildEncoderGraph(config, weights, { dtype }),
      config.hiddenSize,
      config.numHiddenLayers,
      {
        threads: 1,
      },
    );
  const fp32 = await open('fp32');
  const int8 = await open('int8');
  const batch = batchOf(SEQUENCES);
  const [a] = await fp32.run(batch);
  const [b] = await int8.run(batch);
  const h = config.hiddenSize;
  let worst = 1;
  let differs = false;
  SEQUENCES.forEach((ids, r) => {
    for (let t = 0; t < ids.length; t++) {
      let dot = 0;
      let na = 0;
      let nb = 0;
      for (let j = 0; j < h; j++) {
        const x = a[(r * batch.length + t) * h + j];
        const y = b[(r * batch.length + t) * h + j];
        dot += x * y;
        na += x * x;
        nb += y * y;
        if (x !== y) differs = true;
      }
      worst = Math.min(worst, dot / Math.sqrt(na * nb));
    }
  });
  assert.ok(differs, 'int8 output is bit-identical to fp32: quantization did not happen');
  assert.ok(worst > 0.98, `worst token cosine int8 vs fp32 ${worst}`);
  await fp32.release();
  await int8.release();
});

test('config.json: missing and unsupported fields are E_FORMAT / E_MODEL errors', () => {
  assert.throws(() => parseBertConfig({ ...TINY_CONFIG, hidden_size: 0 }), { code: 'E_FORMAT' });
  assert.throws(() => parseBertConfig({ ...TINY_CONFIG, hidden_act: 'relu' }), { code: 'E_MODEL' });
  assert.throws(() => parseBertConfig({ ...TINY_CONFIG, num_attention_heads: 5 }), /not divisible/);
  assert.equal(parseBertConfig(TINY_CONFIG).numHiddenLayers, 2);
});

test('weights whose shapes disagree with config.json are rejected', async () => {
  const config = parseBertConfig({ ...TINY_CONFIG, intermediate_size: 25 });
  const tensors = await readSafetensors(path.join(dir, 'model.safetensors'));
  assert.throws(() => bertWeights(tensors, config), /intermediate\.dense\.weight" has shape \[24,16\]/);
});
