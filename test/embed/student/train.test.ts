import assert from 'node:assert/strict';
import { promises as fsp, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { StudentEmbedder } from '../../../src/embed/student/embedder.js';
import { buildFeatureVocabulary } from '../../../src/embed/student/features.js';
import { StudentParameters } from '../../../src/embed/student/model.js';
import { type TrainingTask, trainStudent } from '../../../src/embed/student/train.js';
import { isSmyslError } from '../../../src/errors.js';
import { seededRandom } from '../../../src/vectors/random.js';

// A toy "teacher": each English sentence's vector is the normalized sum of fixed random word
// vectors; Russian translations must learn to land on the same points.
const pairs: [string, string][] = [
  ['the cat sleeps', 'кошка спит'],
  ['the dog sleeps', 'собака спит'],
  ['the cat eats', 'кошка ест'],
  ['the dog eats', 'собака ест'],
  ['a big cat', 'большая кошка'],
  ['a big dog', 'большая собака'],
  ['the cats sleep', 'кошки спят'],
  ['the dogs eat', 'собаки едят'],
];
const DIM = 8;

function teacher(sentences: string[]): Float32Array {
  const random = seededRandom(5);
  const words = new Map<string, Float64Array>();
  const out = new Float32Array(sentences.length * DIM);
  sentences.forEach((s, i) => {
    const sum = new Float64Array(DIM);
    for (const w of s.split(' ')) {
      let v = words.get(w);
      if (!v) {
        v = Float64Array.from({ length: DIM }, () => random() - 0.5);
        words.set(w, v);
      }
      for (let k = 0; k < DIM; k++) sum[k] += v[k];
    }
    const n = Math.hypot(...sum);
    for (let k = 0; k < DIM; k++) out[i * DIM + k] = sum[k] / n;
  });
  return out;
}

function setup() {
  const en = pairs.map((p) => p[0]);
  const ru = pairs.map((p) => p[1]);
  const targets = teacher(en);
  const vocab = buildFeatureVocabulary([...en, ...ru], { minWordCount: 1, minStemCount: 1, minGramCount: 2 });
  const tasks: TrainingTask[] = [
    { kind: 'distill', name: 'ru', texts: ru, targets },
    { kind: 'distill', name: 'en', texts: en, targets },
    // the ranking losses' gradients are far larger than MSE's: weights keep them from drowning it
    { kind: 'cosent', name: 'sts', a: ru.slice(0, 4), b: ru.slice(4), scores: [3, 1, 2, 0], weight: 0.01 },
    { kind: 'mnrl', name: 'pairs', anchors: ru, positives: en, batchSize: 4, weight: 0.01 },
  ];
  const shape = { rows: vocab.size, dim: 8, outDim: DIM, projection: true };
  return { vocab, tasks, shape };
}

const options = { epochs: 30, batchSize: 4, learningRate: 0.1, seed: 42 };

test('a tiny training run lowers every loss and is reproducible with its seed', async () => {
  const { vocab, tasks, shape } = setup();
  const a = StudentParameters.random(shape, 1);
  const history = await trainStudent(a, vocab, tasks, options);
  assert.equal(history.length, 30);
  for (const name of ['ru', 'en', 'pairs']) {
    const first = history[0].losses[name];
    const last = history[history.length - 1].losses[name];
    assert.ok(last < first / 3, `${name}: ${first} -> ${last}`);
  }
  const b = StudentParameters.random(shape, 1);
  await trainStudent(b, vocab, tasks, options);
  assert.deepEqual(Buffer.from(b.table.buffer), Buffer.from(a.table.buffer));
  assert.deepEqual(Buffer.from(b.logits.buffer), Buffer.from(a.logits.buffer));
  assert.deepEqual(Buffer.from(b.projection!.buffer), Buffer.from(a.projection!.buffer));
  const c = StudentParameters.random(shape, 1);
  await trainStudent(c, vocab, tasks, { ...options, seed: 43 });
  assert.notDeepEqual(Buffer.from(c.table.buffer), Buffer.from(a.table.buffer));
  // the student now maps every Russian sentence nearest to its own translation's teacher vector
  const student = StudentEmbedder.fromParameters(a, vocab, { name: 'toy' }, 'f32');
  const m = await student.embed(pairs.map((p) => p[1]));
  const targets = teacher(pairs.map((p) => p[0]));
  for (let r = 0; r < pairs.length; r++) {
    const cos = pairs.map((_, t) => {
      let s = 0;
      for (let k = 0; k < DIM; k++) s += m.data[r * DIM + k] * targets[t * DIM + k];
      return s;
    });
    assert.equal(cos.indexOf(Math.max(...cos)), r, `${pairs[r][1]}: ${cos.map((c) => c.toFixed(2))}`);
  }
});

test('an interrupted run resumes from its checkpoint and ends where an uninterrupted one does', async () => {
  const { vocab, tasks, shape } = setup();
  const whole = StudentParameters.random(shape, 1);
  await trainStudent(whole, vocab, tasks, options);
  const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'smysl-student-ckpt-'));
  try {
    const controller = new AbortController();
    const first = StudentParameters.random(shape, 1);
    await assert.rejects(
      trainStudent(first, vocab, tasks, {
        ...options,
        checkpointDir: dir,
        signal: controller.signal,
        onEpoch: (epoch) => {
          if (epoch === 11) controller.abort();
          return undefined;
        },
      }),
      (e) => isSmyslError(e, 'E_CANCELLED'),
    );
    assert.equal(JSON.parse(readFileSync(path.join(dir, 'checkpoint.json'), 'utf8')).epoch, 11);
    const resumed = StudentParameters.random(shape, 1);
    const history = await trainStudent(resumed, vocab, tasks, { ...options, checkpointDir: dir });
    assert.equal(history.length, 30);
    assert.deepEqual(Buffer.from(resumed.table.buffer), Buffer.from(whole.table.buffer));
    assert.deepEqual(Buffer.from(resumed.projection!.buffer), Buffer.from(whole.projection!.buffer));
    // another run's settings do not silently reuse the checkpoint
    await assert.rejects(
      trainStudent(StudentParameters.random(shape, 1), vocab, tasks, {
        ...options,
        checkpointDir: dir,
        seed: 1,
      }),
      (e) => isSmyslError(e, 'E_STATE'),
    );
  } finally {
    await fsp.rm(dir, { recursive: true, force: true });
  }
});

for (const storage of ['f32', 'f16', 'int8'] as const) {
  test(`a saved ${storage} student loads back bit-identical`, async () => {
    const { vocab, tasks, shape } = setup();
    const params = StudentParameters.random(shape, 1);
    await trainStudent(params, vocab, tasks, { ...options, epochs: 2 });
    const student = StudentEmbedder.fromParameters(
      params,
      vocab,
      { name: 'toy', teacher: 'toy-teacher' },
      storage,
    );
    const probe = ['кошка спит', 'the big dogs', 'кошачий', ''];
    const before = await student.embed(probe);
    const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'smysl-student-save-'));
    try {
      await student.save(path.join(dir, 'a'));
      const loaded = await StudentEmbedder.load(path.join(dir, 'a'));
      assert.equal(loaded.name, student.name);
      assert.equal(loaded.dim, DIM);
      const after = await loaded.embed(probe);
      assert.deepEqual(Buffer.from(after.data.buffer), Buffer.from(before.data.buffer));
      await loaded.save(path.join(dir, 'b'));
      for (const f of ['manifest.json', 'vocab.txt', 'table.bin', 'projection.f32'])
        assert.deepEqual(readFileSync(path.join(dir, 'b', f)), readFileSync(path.join(dir, 'a', f)), f);
      // an unknown word still gets a vector from its n-grams; an empty text gets zeros
      assert.ok(after.data.subarray(2 * DIM, 3 * DIM).some((v) => v !== 0));
      assert.ok(after.data.subarray(3 * DIM).every((v) => v === 0));
      // quantization moves vectors only a little
      const exact = await StudentEmbedder.fromParameters(params, vocab, { name: 'toy' }, 'f32').embed(probe);
      for (let r = 0; r < 3; r++) {
        let s = 0;
        for (let k = 0; k < DIM; k++) s += exact.data[r * DIM + k] * after.data[r * DIM + k];
        assert.ok(s > (storage === 'int8' ? 0.999 : 0.99999), `${storage} row ${r}: cosine ${s}`);
      }
    } finally {
      await fsp.rm(dir, { recursive: true, force: true });
    }
  });
}
