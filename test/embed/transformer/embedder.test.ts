import assert from 'node:assert/strict';
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { bertWeights, readBertConfig } from '../../../src/embed/transformer/config.js';
import { TransformerEmbedder } from '../../../src/embed/transformer/embedder.js';
import { readSafetensors } from '../../../src/embed/transformer/safetensors.js';
import type { PieceTokenizer } from '../../../src/embed/transformer/tokenizer.js';
import { referenceForward } from './reference.js';
import { TINY_VOCAB, useTinyCheckpoint } from './tiny.js';

/**
 * A lookup-only stand-in for the model tokenizer, so these tests check the embedder's own logic
 * (pooling, windows, alignment) on exactly known pieces. Multi-piece words are listed by hand.
 */
const SPLITS: Record<string, string[]> = { unbelievable: ['un', '##believ', '##able'], runs: ['run', '##s'] };
const stubTokenizer: PieceTokenizer = {
  clsId: 2,
  sepId: 3,
  encodePieces(text: string) {
    const ids: number[] = [];
    const starts: number[] = [];
    const ends: number[] = [];
    for (const m of text.toLowerCase().matchAll(/\w+|[^\w\s]/g)) {
      let at = m.index ?? 0;
      for (const piece of SPLITS[m[0]] ?? [m[0]]) {
        const id = TINY_VOCAB.indexOf(piece);
        const length = piece.replace(/^##/, '').length;
        ids.push(id < 0 ? 1 : id);
        starts.push(at);
        ends.push(at + length);
        at += length;
      }
    }
    return { ids, starts, ends };
  },
};

let reference: (ids: number[]) => Float64Array[];
const tiny = useTinyCheckpoint(async (dir) => {
  const config = await readBertConfig(path.join(dir, 'config.json'));
  const weights = bertWeights(await readSafetensors(path.join(dir, 'model.safetensors')), config);
  reference = (ids) => referenceForward(config, weights, ids);
});
const H = 16;

const open = (opts: Parameters<typeof TransformerEmbedder.create>[0] = {}) =>
  TransformerEmbedder.create({
    model: tiny.dir,
    tokenizer: stubTokenizer,
    threads: 1,
    log: () => {},
    ...opts,
  });

function withSpecials(text: string): number[] {
  return [2, ...Array.from(stubTokenizer.encodePieces(text).ids), 3];
}

function pool(rows: Float64Array, n: number, kind: 'mean' | 'cls' | 'max'): number[] {
  const out = new Array(H).fill(kind === 'max' ? Number.NEGATIVE_INFINITY : 0);
  if (kind === 'cls') return Array.from(rows.subarray(0, H));
  for (let t = 0; t < n; t++)
    for (let j = 0; j < H; j++) {
      const v = rows[t * H + j];
      out[j] = kind === 'max' ? Math.max(out[j], v) : out[j] + v / n;
    }
  return out;
}

function unit(v: number[]): number[] {
  const norm = Math.sqrt(v.reduce((s, x) => s + x * x, 0));
  return v.map((x) => x / norm);
}

function assertClose(got: ArrayLike<number>, want: number[], tol: number, what: string) {
  assert.equal(got.length, want.length, `${what}: length`);
  for (let i = 0; i < want.length; i++)
    assert.ok(Math.abs(got[i] - want[i]) < tol, `${what}[${i}]: ${got[i]} vs ${want[i]}`);
}

const TEXTS = ['The cat sat on the mat.', 'a dog runs', 'unbelievable, the cat runs on a mat.'];

test('sentence pooling (mean, cls, max; normalized or not) matches the reference, in input order', async () => {
  for (const pooling of ['mean', 'cls', 'max'] as const) {
    for (const normalize of [false, true]) {
      const embedder = await open({ pooling, normalize, batchSize: 2 });
      const m = await embedder.embed(TEXTS);
      assert.equal(m.rows, 3);
      assert.equal(m.dim, H);
      TEXTS.forEach((text, i) => {
        const ids = withSpecials(text);
        const want = pool(reference(ids)[2], ids.length, pooling);
        assertClose(
          m.data.subarray(i * H, (i + 1) * H),
          normalize ? unit(want) : want,
          1e-4,
          `${pooling} ${i}`,
        );
      });
      await embedder.dispose();
    }
  }
});

test('--layers N averages the last N hidden states before pooling', async () => {
  const embedder = await open({ pooling: 'mean', normalize: false, layers: 2 });
  const m = await embedder.embed([TEXTS[0]]);
  const ids = withSpecials(TEXTS[0]);
  const states = reference(ids);
  const averaged = states[1].map((v, k) => (v + states[2][k]) / 2);
  assertClose(m.data, pool(averaged, ids.length, 'mean'), 1e-4, 'last2');
  await embedder.dispose();
});

test('long texts: truncation keeps the first pieces; windows average per-window vectors', async () => {
  const text = TEXTS[2]; // 12 pieces
  const pieces = Array.from(stubTokenizer.encodePieces(text).ids);
  assert.equal(pieces.length, 12);
  const truncated = await open({ pooling: 'mean', normalize: false, maxLength: 6 });
  const t = await truncated.embed([text]);
  const head = [2, ...pieces.slice(0, 4), 3];
  assertClose(t.data, pool(reference(head)[2], 6, 'mean'), 1e-4, 'truncated');
  await truncated.dispose();

  const windowed = await open({ pooling: 'mean', normalize: false, maxLength: 6, long: 'window', stride: 1 });
  const w = await windowed.embed([text]);
  // capacity 4, step 3: pieces [0,4) [3,7) [6,10) [9,12)
  const spans = [
    [0, 4],
    [3, 7],
    [6, 10],
    [9, 12],
  ];
  const want = new Array(H).fill(0);
  for (const [a, b] of spans) {
    const ids = [2, ...pieces.slice(a, b), 3];
    pool(reference(ids)[2], ids.length, 'mean').forEach((v, j) => {
      want[j] += v / spans.length;
    });
  }
  assertClose(w.data, want, 1e-4, 'windows');
  await windowed.dispose();
});

test('token vectors and word vectors (first piece / mean of pieces) line up with tokenize() words', async () => {
  const embedder = await open();
  const text = 'Unbelievable, the cat runs';
  const [tokens] = await embedder.tokenVectors([text], { layers: 1 });
  const ids = withSpecials(text);
  const last = reference(ids)[2];
  assert.equal(tokens.pieces.length, ids.length - 2);
  assert.deepEqual(
    tokens.pieces.map((p) => text.slice(p.start, p.end)),
    ['Un', 'believ', 'able', ',', 'the', 'cat', 'run', 's'],
  );
  assertClose(
    tokens.vectors.data.subarray(H, 2 * H),
    Array.from(last.subarray(2 * H, 3 * H)),
    1e-4,
    'piece 1',
  );

  const [mean] = await embedder.wordVectors([text], { layers: 1, pool: 'mean' });
  const [first] = await embedder.wordVectors([text], { layers: 1, pool: 'first' });
  assert.deepEqual(
    mean.words.map((w) => w.text),
    ['Unbelievable', 'the', 'cat', 'runs'],
  );
  // "Unbelievable" = pieces 1..3 of the sequence (after [CLS]); "runs" = pieces 7..8
  const avg = (from: number, to: number) =>
    Array.from({ length: H }, (_, j) => {
      let s = 0;
      for (let t = from; t < to; t++) s += last[t * H + j];
      return s / (to - from);
    });
  assertClose(mean.vectors.data.subarray(0, H), avg(1, 4), 1e-4, 'mean word 0');
  assertClose(first.vectors.data.subarray(0, H), avg(1, 2), 1e-4, 'first word 0');
  assertClose(mean.vectors.data.subarray(3 * H, 4 * H), avg(7, 9), 1e-4, 'mean word 3');
  assertClose(mean.vectors.data.subarray(2 * H, 3 * H), avg(6, 7), 1e-4, 'word 2');
  await embedder.dispose();
});

test('streaming reports progress and keeps input order across chunks', async () => {
  const embedder = await open({ chunkSize: 2, normalize: true });
  const seen: number[] = [];
  async function* texts() {
    yield* TEXTS;
  }
  const rows: Float32Array[] = [];
  for await (const chunk of embedder.embedStream(texts(), { onProgress: (p) => seen.push(p.done) }))
    rows.push(chunk.data);
  assert.deepEqual(seen, [2, 3]);
  const all = await embedder.embed(TEXTS);
  assertClose(rows[1], Array.from(all.data.subarray(2 * H)), 1e-6, 'chunk 2');
  const saveDir = path.join(tiny.cache, 'saved');
  await embedder.save(saveDir);
  const manifest = JSON.parse(await fsp.readFile(path.join(saveDir, 'manifest.json'), 'utf8'));
  assert.equal(manifest.method, 'transformer');
  assert.equal(manifest.dim, H);
  await embedder.dispose();
});

test('the ONNX build is cached by source, dtype and builder version', async () => {
  const lines: string[] = [];
  const log = (l: string) => lines.push(l);
  const a = await open({ dtype: 'int8', log });
  await a.dispose();
  const b = await open({ dtype: 'int8', log });
  await b.dispose();
  assert.equal(lines.length, 1, lines.join('\n'));
  assert.match(lines[0], /building int8 ONNX encoder/);
  const files = await fsp.readdir(path.join(tiny.cache, 'smysl', 'onnx'));
  assert.ok(files.some((f) => /-int8-v\d+-[0-9a-f]{16}\.onnx$/.test(f)));
  assert.ok(!files.some((f) => f.endsWith('.tmp')));
});
