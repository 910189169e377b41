import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { promises as fsp, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { bertWeights, readBertConfig } from '../../../src/embed/transformer/config.js';
import { TransformerEmbedder } from '../../../src/embed/transformer/embedder.js';
import { readSafetensors } from '../../../src/embed/transformer/safetensors.js';
import { referenceForward } from './reference.js';
import { writeTinyCheckpoint } from './tiny.js';

interface Golden {
  sentences: {
    text: string;
    ids: number[];
    mean_normalized: number[];
    cls: number[];
    last4_mean: number[];
  }[];
}
const golden = JSON.parse(
  readFileSync(
    fileURLToPath(new URL('../../../../test/golden/transformer-minilm.json', import.meta.url)),
    'utf8',
  ),
) as Golden;

let cache: string;
let tiny: string;
let fp32: TransformerEmbedder;
before(async () => {
  cache = await fsp.mkdtemp(path.join(os.tmpdir(), 'smysl-cache-'));
  process.env.XDG_CACHE_HOME = cache;
  tiny = await writeTinyCheckpoint();
  fp32 = await TransformerEmbedder.create({ threads: 2, log: () => {} });
});
after(async () => {
  await fp32.dispose();
  await fsp.rm(cache, { recursive: true, force: true });
  await fsp.rm(tiny, { recursive: true, force: true });
});

const cosine = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i] * b[i];
    na += a[i] * a[i];
    nb += b[i] * b[i];
  }
  return dot / Math.sqrt(na * nb);
};

function assertClose(got: ArrayLike<number>, want: number[], tol: number, what: string) {
  assert.equal(got.length, want.length);
  for (let i = 0; i < want.length; i++)
    assert.ok(Math.abs(got[i] - want[i]) < tol, `${what}[${i}]: ${got[i]} vs ${want[i]}`);
}

test('minilm: a paraphrase pair scores higher than an unrelated pair', async () => {
  const m = await fp32.embed([
    'A man is playing a guitar.',
    'Someone is playing the guitar.',
    'The central bank raised interest rates.',
  ]);
  const row = (i: number) => m.data.subarray(i * 384, (i + 1) * 384);
  assert.equal(m.dim, 384);
  assert.ok(Math.abs(cosine(row(0), row(0)) - 1) < 1e-5);
  const paraphrase = cosine(row(0), row(1));
  const unrelated = cosine(row(0), row(2));
  assert.ok(paraphrase > 0.7, `paraphrase ${paraphrase}`);
  assert.ok(unrelated < 0.2, `unrelated ${unrelated}`);
});

test('minilm: sentence vectors equal golden PyTorch values to 1e-3 (mean, CLS, last 4 layers)', async () => {
  for (const s of golden.sentences)
    assert.deepEqual(Array.from(fp32.tokenizer.encodePieces(s.text).ids), s.ids.slice(1, -1), s.text);
  const texts = golden.sentences.map((s) => s.text);
  const mean = await fp32.embed(texts);
  const cls = await TransformerEmbedder.create({ pooling: 'cls', normalize: false, log: () => {} });
  const last4 = await TransformerEmbedder.create({ layers: 4, normalize: false, log: () => {} });
  const c = await cls.embed(texts);
  const l = await last4.embed(texts);
  golden.sentences.forEach((s, i) => {
    const at = (m: { data: Float32Array }) => m.data.subarray(i * 384, (i + 1) * 384);
    assertClose(at(mean), s.mean_normalized, 1e-3, `mean ${i}`);
    assertClose(at(c), s.cls, 1e-3, `cls ${i}`);
    assertClose(at(l), s.last4_mean, 1e-3, `last4 ${i}`);
  });
  await cls.dispose();
  await last4.dispose();
});

test('minilm int8 stays close to the golden fp32 vectors', async () => {
  const int8 = await TransformerEmbedder.create({ dtype: 'int8', log: () => {} });
  const m = await int8.embed(golden.sentences.map((s) => s.text));
  golden.sentences.forEach((s, i) => {
    const c = cosine(m.data.subarray(i * 384, (i + 1) * 384), s.mean_normalized);
    assert.ok(c > 0.98 && c < 0.99999, `int8 vs fp32 cosine ${c}`);
  });
  await int8.dispose();
});

test('a checkpoint directory with vocab.txt loads through the model tokenizer', async () => {
  const embedder = await TransformerEmbedder.create({ model: tiny, threads: 1, log: () => {} });
  assert.deepEqual(
    Array.from(embedder.tokenizer.encodePieces('The cat sat on the mat.').ids),
    [5, 6, 7, 8, 5, 9, 15],
  );
  const config = await readBertConfig(path.join(tiny, 'config.json'));
  const weights = bertWeights(await readSafetensors(path.join(tiny, 'model.safetensors')), config);
  const ids = [2, 5, 6, 7, 8, 5, 9, 15, 3];
  const last = referenceForward(config, weights, ids)[2];
  const want = Array.from({ length: 16 }, (_, j) => {
    let s = 0;
    for (let t = 0; t < ids.length; t++) s += last[t * 16 + j];
    return s / ids.length;
  });
  const m = await embedder.embed(['The cat sat on the mat.']);
  assertClose(m.data, want, 1e-4, 'tiny mean');
  await embedder.dispose();
});

test('CLI: embed --out .npy / .jsonl, similarity, model list', async () => {
  const bin = fileURLToPath(new URL('../../../src/cli/main.js', import.meta.url));
  const env = { ...process.env, XDG_CACHE_HOME: cache };
  const smysl = (...args: string[]) => spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', env });
  const input = path.join(cache, 'in.txt');
  await fsp.writeFile(input, 'The cat sat.\nA dog runs on the mat.\n');
  const npy = path.join(cache, 'out.npy');
  let r = smysl('embed', input, '--embedder', tiny, '--out', npy, '--json', '--quiet');
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout).rows, 2);
  const bytes = await fsp.readFile(npy);
  const headerLength = bytes.readUInt16LE(8);
  assert.match(bytes.subarray(10, 10 + headerLength).toString('latin1'), /'shape': \(2, 16\)/);
  assert.equal(bytes.length, 10 + headerLength + 2 * 16 * 4);
  const jsonl = path.join(cache, 'out.jsonl');
  r = smysl('embed', input, '--embedder', tiny, '--out', jsonl, '--quiet');
  assert.equal(r.status, 0, r.stderr);
  const lines = (await fsp.readFile(jsonl, 'utf8'))
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  assert.deepEqual(
    lines.map((l) => [l.id, l.vector.length]),
    [
      ['in.txt:1', 16],
      ['in.txt:2', 16],
    ],
  );
  const fromNpy = new Float32Array(
    bytes.buffer.slice(bytes.byteOffset + 10 + headerLength, bytes.byteOffset + bytes.length),
  );
  assertClose(fromNpy.subarray(16), lines[1].vector, 1e-6, 'npy vs jsonl');
  r = smysl('similarity', '--embedder', tiny, '--json', 'The cat sat.', 'The cat sat.');
  assert.equal(r.status, 0, r.stderr);
  assert.ok(Math.abs(JSON.parse(r.stdout).cosine - 1) < 1e-5);
  r = smysl('embed', '--out', 'x.csv', '--text', 'text');
  assert.equal(r.status, 2);
  assert.match(r.stderr, /--out must end in \.jsonl, \.npy or \.f32/);
  r = smysl('model', 'list', '--json');
  assert.equal(r.status, 0, r.stderr);
  assert.equal(JSON.parse(r.stdout)[0].name, 'minilm');
});
