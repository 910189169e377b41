import assert from 'node:assert/strict';
import { promises as fsp, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { run } from '../../src/cli/program.js';
import {
  aliasTable,
  buildVocabulary,
  countCooccurrences,
  FastTextModel,
  fastTextHash,
  gloveStep,
  huffmanCodes,
  keepProbabilities,
  type ModelArrays,
  PairCounter,
  subwordBuckets,
  subwordStrings,
  trainExample,
  trainFastText,
  trainGlove,
  trainWord2Vec,
  unigramTable,
} from '../../src/embed/static/index.js';
import { MAX_EXP, SIGMOID_TABLE_SIZE } from '../../src/embed/static/kernels.js';
import { SharedArena, simdKernels, simdModule } from '../../src/embed/static/simd.js';
import { isSmyslError } from '../../src/errors.js';

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

test('Huffman codes match the C tool on a known count list', () => {
  const h = huffmanCodes([5, 3, 2, 1]);
  const code = (w: number) => Array.from(h.codes.subarray(w * h.maxLength, w * h.maxLength + h.lengths[w]));
  const points = (w: number) =>
    Array.from(h.points.subarray(w * h.maxLength, w * h.maxLength + h.lengths[w]));
  assert.deepEqual(Array.from(h.lengths), [1, 2, 3, 3]);
  assert.deepEqual(code(0), [0]);
  assert.deepEqual(code(1), [1, 1]);
  assert.deepEqual(code(2), [1, 0, 1]);
  assert.deepEqual(code(3), [1, 0, 0]);
  assert.deepEqual(points(0), [2]);
  assert.deepEqual(points(1), [2, 1]);
  assert.deepEqual(points(3), [2, 1, 0]);
});

test('unigram table follows count^0.75', () => {
  const counts = [100, 10, 1];
  const table = unigramTable(counts, 0.75, 100_000);
  const share = [0, 0, 0];
  for (const w of table) share[w]++;
  const z = counts.reduce((s, c) => s + c ** 0.75, 0);
  for (let w = 0; w < 3; w++)
    assert.ok(Math.abs(share[w] / table.length - counts[w] ** 0.75 / z) < 1e-3, `word ${w}`);
});

test('alias table samples count^0.75 exactly', () => {
  const counts = [100, 10, 1, 1, 50];
  const { probability, alias } = aliasTable(counts, 0.75);
  const implied = new Float64Array(counts.length);
  for (let i = 0; i < counts.length; i++) {
    implied[i] += probability[i] / counts.length;
    implied[alias[i]] += (1 - probability[i]) / counts.length;
  }
  const z = counts.reduce((s, c) => s + c ** 0.75, 0);
  for (let w = 0; w < counts.length; w++)
    assert.ok(Math.abs(implied[w] - counts[w] ** 0.75 / z) < 1e-6, `word ${w}`);
});

test('subsampling keep probability is sqrt(t/f) + t/f, capped at 1', () => {
  const keep = keepProbabilities([1000, 1], 1e-3, 1010);
  assert.ok(Math.abs(keep[0] - 0.0327905) < 1e-6);
  assert.equal(keep[1], 1);
  assert.deepEqual(Array.from(keepProbabilities([1000, 10], 0, 1010)), [1, 1]);
});

test('fastText hashes and subword buckets match the reference (test/golden/fasttext_hash.cpp)', () => {
  const golden = JSON.parse(
    readFileSync(new URL('../../../test/golden/fasttext_hash.json', import.meta.url), 'utf8'),
  ) as {
    hashes: [string, number][];
    subwords: { word: string; minn: number; maxn: number; bucket: number; buckets: number[] }[];
  };
  for (const [s, h] of golden.hashes) assert.equal(fastTextHash(s), h, s);
  for (const g of golden.subwords)
    assert.deepEqual(subwordBuckets(g.word, g.minn, g.maxn, g.bucket), g.buckets, g.word);
  assert.deepEqual(subwordStrings('кот', 3, 4), ['<ко', '<кот', 'кот', 'кот>', 'от>']);
});

function tinyModel(dim: number, vocabSize: number): ModelArrays {
  return {
    dim,
    input: new Float32Array(vocabSize * dim),
    outputNegative: new Float32Array(vocabSize * dim),
    outputTree: new Float32Array(Math.max(1, vocabSize - 1) * dim),
    negative: 0,
    hierarchicalSoftmax: false,
    // every negative draw lands on word 1
    aliasProbability: new Float32Array(vocabSize),
    alias: new Int32Array(vocabSize).fill(1),
    codeLengths: new Int32Array(1),
    codes: new Uint8Array(1),
    points: new Int32Array(1),
    maxCodeLength: 1,
    hidden: new Float32Array(dim),
    gradient: new Float32Array(dim),
  };
}

test('one skip-gram negative-sampling step matches hand-computed updates', () => {
  const m = tinyModel(2, 3);
  m.negative = 1;
  m.input.set([0.1, 0.2], 2 * 2); // context word 2
  m.outputNegative.set([0.3, -0.1], 0); // target word 0
  m.outputNegative.set([-0.2, 0.4], 2); // negative word 1 (the table holds only 1)
  const alpha = 0.1;
  const rows = new Int32Array([2]);
  trainExample(m, rows, 1, 0, alpha, () => 0);
  // positive: f = 0.01, g = (1 - s(0.01)) a; negative: f = 0.06, g' = -s(0.06) a (after target update)
  const g = (1 - sigmoid(0.01)) * alpha;
  const target = [0.3 + g * 0.1, -0.1 + g * 0.2];
  const f2 = -0.2 * 0.1 + 0.4 * 0.2;
  const g2 = -sigmoid(f2) * alpha;
  const negativeRow = [-0.2 + g2 * 0.1, 0.4 + g2 * 0.2];
  const input = [0.1 + g * 0.3 + g2 * -0.2, 0.2 + g * -0.1 + g2 * 0.4];
  const close = (a: ArrayLike<number>, b: number[]) =>
    b.forEach((v, i) => {
      assert.ok(Math.abs(a[i] - v) < 2e-4, `${a[i]} vs ${v}`);
    });
  close(m.outputNegative.subarray(0, 2), target);
  close(m.outputNegative.subarray(2, 4), negativeRow);
  close(m.input.subarray(4, 6), input);
  assert.deepEqual(Array.from(m.input.subarray(0, 4)), [0, 0, 0, 0]);
});

test('one CBOW hierarchical-softmax step averages the context and follows the Huffman code', () => {
  const m = tinyModel(2, 3);
  m.hierarchicalSoftmax = true;
  const h = huffmanCodes([5, 3, 2]);
  m.codeLengths = h.lengths;
  m.codes = h.codes;
  m.points = h.points;
  m.maxCodeLength = h.maxLength;
  m.input.set([0.2, 0.0, 0.0, 0.4], 2); // words 1 and 2
  m.outputTree.set([0.5, 0.5, -0.5, 1.0]); // inner nodes 0 and 1
  const alpha = 0.5;
  trainExample(m, new Int32Array([1, 2]), 2, 0, alpha, () => 0);
  // word 0 has code [1] at point [1] (the root): label 0; hidden = (0.1, 0.2)
  assert.deepEqual([h.lengths[0], h.codes[0], h.points[0]], [1, 1, 1]);
  const f = 0.1 * -0.5 + 0.2 * 1.0;
  const g = (0 - sigmoid(f)) * alpha;
  // tolerance: the sigmoid table's resolution times the large alpha
  const close = (a: number, b: number) => assert.ok(Math.abs(a - b) < 1e-3, `${a} vs ${b}`);
  close(m.outputTree[2], -0.5 + g * 0.1);
  close(m.outputTree[3], 1.0 + g * 0.2);
  // the full gradient is added to each context row (as the C tool)
  close(m.input[2], 0.2 + g * -0.5);
  close(m.input[5], 0.4 + g * 1.0);
  assert.equal(m.outputTree[0], 0.5);
});

test('one GloVe AdaGrad step matches hand-computed values', () => {
  // dim 1: rows [w, bias]; word row 0, context row 1
  const weights = new Float32Array([0.5, 0.1, 0.2, 0.3]);
  const grads = new Float32Array([1, 1, 1, 1]);
  const cost = gloveStep(weights, grads, 1, 0, 1, 10, 100, 0.75, 0.05);
  const diff = 0.5 * 0.2 + 0.1 + 0.3 - Math.log(10);
  const f = (10 / 100) ** 0.75;
  assert.ok(Math.abs(cost - 0.5 * f * diff * diff) < 1e-6);
  const step = 0.05 * f * diff;
  assert.ok(Math.abs(weights[0] - (0.5 - step * 0.2)) < 1e-6);
  assert.ok(Math.abs(weights[2] - (0.2 - step * 0.5)) < 1e-6);
  assert.ok(Math.abs(weights[1] - (0.1 - step)) < 1e-6);
  assert.ok(Math.abs(grads[0] - (1 + (step * 0.2) ** 2)) < 1e-6);
});

test('co-occurrences are symmetric and weighted by 1/distance', () => {
  const counter = new PairCounter(100, 4);
  countCooccurrences([[0, 1, 2]], 2, counter);
  assert.equal(counter.get(0, 1), 1);
  assert.equal(counter.get(1, 0), 1);
  assert.equal(counter.get(0, 2), 0.5);
  assert.equal(counter.get(2, 1), 1);
  assert.equal(counter.size, 6);
  const small = new PairCounter(3);
  assert.throws(
    () => countCooccurrences([[0, 1, 2]], 2, small),
    (e) => isSmyslError(e, 'E_MODEL'),
  );
});

/** Sentences drawn from planted topics: words of a topic co-occur, topics never mix. */
function plantedCorpus(topics: number, wordsPerTopic: number, sentences: number, seed = 7): string[][] {
  let s = seed;
  const rand = () => {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    return s / 4294967296;
  };
  const out: string[][] = [];
  for (let i = 0; i < sentences; i++) {
    const t = i % topics;
    const sentence: string[] = [];
    for (let k = 0; k < 12; k++) sentence.push(`t${t}w${Math.floor(rand() * wordsPerTopic)}`);
    out.push(sentence);
  }
  return out;
}

function nearestSameTopicRate(words: string[], vectors: Float32Array, dim: number): number {
  const norms = words.map((_, i) => Math.hypot(...vectors.subarray(i * dim, (i + 1) * dim)));
  let hits = 0;
  for (let i = 0; i < words.length; i++) {
    let best = -1;
    let bestScore = -2;
    for (let j = 0; j < words.length; j++) {
      if (j === i) continue;
      let dot = 0;
      for (let k = 0; k < dim; k++) dot += vectors[i * dim + k] * vectors[j * dim + k];
      const score = dot / (norms[i] * norms[j]);
      if (score > bestScore) {
        bestScore = score;
        best = j;
      }
    }
    if (words[best].split('w')[0] === words[i].split('w')[0]) hits++;
  }
  return hits / words.length;
}

const corpus = plantedCorpus(4, 12, 1200);

for (const [name, opts] of [
  ['skip-gram negative sampling', { architecture: 'skipgram' }],
  ['CBOW hierarchical softmax', { architecture: 'cbow', negative: 0, hierarchicalSoftmax: true }],
] as const) {
  test(`word2vec ${name} recovers planted topics`, async () => {
    const r = await trainWord2Vec(corpus, {
      ...opts,
      dim: 16,
      minCount: 1,
      epochs: 5,
      threads: 2,
      sample: 0,
    });
    assert.equal(r.words.length, 48);
    assert.equal(r.vectors.length, 48 * 16);
    assert.ok(nearestSameTopicRate(r.words, r.vectors, r.dim) >= 0.95);
  });
}

test('fastText recovers planted topics and builds vectors for unseen words', async () => {
  const r = await trainFastText(corpus, {
    dim: 16,
    minCount: 1,
    epochs: 5,
    threads: 2,
    bucket: 5000,
    sample: 0,
  });
  assert.ok(nearestSameTopicRate(r.words, r.vectors, r.dim) >= 0.9);
  const oov = r.model.wordVector('t1w99');
  assert.ok(oov.some((v) => v !== 0));
  assert.ok(!r.model.has('t1w99'));
  const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'smysl-test-'));
  try {
    await r.model.save(path.join(dir, 'model.bin'));
    const loaded = await FastTextModel.load(path.join(dir, 'model.bin'));
    assert.deepEqual(loaded.words, r.model.words);
    assert.deepEqual(loaded.wordVector('t1w99'), oov);
    assert.deepEqual(loaded.wordVectors(), r.vectors);
    await fsp.writeFile(path.join(dir, 'bad.bin'), 'nonsense');
    await assert.rejects(FastTextModel.load(path.join(dir, 'bad.bin')), (e) => isSmyslError(e, 'E_FORMAT'));
  } finally {
    await fsp.rm(dir, { recursive: true, force: true });
  }
});

test('GloVe recovers planted topics', async () => {
  const r = await trainGlove(corpus, { dim: 16, minCount: 1, epochs: 30, threads: 2, window: 5, xMax: 10 });
  assert.ok(nearestSameTopicRate(r.words, r.vectors, r.dim) >= 0.9);
});

test('one thread and a seed give identical vectors; another seed differs', async () => {
  const opts = { dim: 8, minCount: 1, epochs: 2, threads: 1, architecture: 'skipgram' as const };
  const a = await trainWord2Vec(corpus.slice(0, 300), { ...opts, seed: 3 });
  const b = await trainWord2Vec(corpus.slice(0, 300), { ...opts, seed: 3 });
  const c = await trainWord2Vec(corpus.slice(0, 300), { ...opts, seed: 4 });
  assert.deepEqual(a.vectors, b.vectors);
  assert.notDeepEqual(a.vectors, c.vectors);
});

test('training is cancelled through an AbortSignal', async () => {
  const controller = new AbortController();
  const big = plantedCorpus(4, 12, 4000);
  // a private temporary directory: other test files train concurrently in the shared one
  const tmp = await fsp.mkdtemp(path.join(os.tmpdir(), 'smysl-cancel-'));
  const savedTmp = process.env.TMPDIR;
  process.env.TMPDIR = tmp;
  try {
    await assert.rejects(
      trainWord2Vec(big, {
        dim: 32,
        minCount: 1,
        // far more work than can finish before the first progress tick (250 ms), which cancels it
        epochs: 100_000,
        threads: 2,
        signal: controller.signal,
        onProgress: (p) => {
          if (p.phase.startsWith('epoch')) controller.abort();
        },
      }),
      (e) => isSmyslError(e, 'E_CANCELLED'),
    );
    assert.deepEqual(await fsp.readdir(tmp), [], 'temporary corpus files were removed');
  } finally {
    if (savedTmp === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = savedTmp;
    await fsp.rm(tmp, { recursive: true, force: true });
  }
});

test('smysl train word2vec writes a word2vec text file', async () => {
  const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'smysl-test-'));
  try {
    const corpusFile = path.join(dir, 'corpus.txt');
    await fsp.writeFile(
      corpusFile,
      `${corpus
        .slice(0, 400)
        .map((s) => s.join(' '))
        .join('\n')}\n`,
    );
    const out = path.join(dir, 'vectors.vec');
    const code = await run([
      'train',
      'word2vec',
      corpusFile,
      '--out',
      out,
      '--pretokenized',
      '--dim',
      '8',
      '--min-count',
      '1',
      '--epochs',
      '1',
      '--threads',
      '1',
      '--quiet',
    ]);
    assert.equal(code, 0);
    const lines = (await fsp.readFile(out, 'utf8')).trimEnd().split('\n');
    assert.equal(lines[0], '48 8');
    assert.equal(lines.length, 49);
    assert.equal(lines[1].split(' ').length, 9);
    const bad = await run(['train', 'word2vec', path.join(dir, 'missing.txt'), '--out', out, '--quiet']);
    assert.equal(bad, 1);
  } finally {
    await fsp.rm(dir, { recursive: true, force: true });
  }
});

test('the WebAssembly SIMD kernels compile and match the JavaScript update', () => {
  assert.ok(simdModule(), 'WebAssembly SIMD module failed to compile');
  const dim = 8;
  const arena = new SharedArena(64 * 1024, true);
  assert.ok(arena.memory);
  const kernels = simdKernels(arena.memory);
  assert.ok(kernels);
  // the sentence kernel's literal sigmoid-table constants are kernels.ts's
  const constants = kernels as unknown as Record<'MAX_EXP' | 'SIGMOID_TABLE_SIZE', { value: number }>;
  assert.equal(constants.MAX_EXP.value, MAX_EXP);
  assert.equal(constants.SIGMOID_TABLE_SIZE.value, SIGMOID_TABLE_SIZE);
  const make = (simd: boolean): ModelArrays => {
    const m = tinyModel(dim, 4);
    if (simd) {
      m.input = arena.float32(4 * dim);
      m.outputNegative = arena.float32(4 * dim);
      m.outputTree = arena.float32(3 * dim);
      m.hidden = arena.float32(dim);
      m.gradient = arena.float32(dim);
      m.simd = kernels;
    }
    m.negative = 2;
    m.aliasProbability = new Float32Array([0.5, 0.5, 0.5, 0.5]);
    m.alias = new Int32Array([1, 2, 3, 0]);
    for (let i = 0; i < 4 * dim; i++) {
      m.input[i] = Math.sin(i) * 0.3;
      m.outputNegative[i] = Math.cos(i) * 0.2;
    }
    return m;
  };
  const js = make(false);
  const simd = make(true);
  for (const rows of [new Int32Array([2]), new Int32Array([1, 3])]) {
    let a = 7;
    let b = 7;
    const lossJs = trainExample(js, rows, rows.length, 0, 0.1, () => (a = (a * 31 + 5) >>> 0));
    const lossSimd = trainExample(simd, rows, rows.length, 0, 0.1, () => (b = (b * 31 + 5) >>> 0));
    assert.ok(Math.abs(lossJs - lossSimd) < 1e-5);
  }
  for (let i = 0; i < 4 * dim; i++) {
    assert.ok(Math.abs(js.input[i] - simd.input[i]) < 1e-6, `input ${i}`);
    assert.ok(Math.abs(js.outputNegative[i] - simd.outputNegative[i]) < 1e-6, `output ${i}`);
  }
});

test('vocabulary keeps words seen minCount times, most frequent first, at most maxVocab', () => {
  const counts = new Map([
    ['rare', 1],
    ['b', 3],
    ['a', 5],
    ['c', 3],
  ]);
  const v = buildVocabulary(counts, { minCount: 2 });
  assert.deepEqual(v.words, ['a', 'b', 'c']);
  assert.deepEqual(Array.from(v.counts), [5, 3, 3]);
  assert.equal(v.totalWords, 11);
  assert.deepEqual(buildVocabulary(counts, { minCount: 1, maxVocab: 2 }).words, ['a', 'b']);
  assert.throws(
    () => buildVocabulary(counts, { minCount: 9 }),
    (e) => isSmyslError(e, 'E_INPUT'),
  );
});

test('fastText CBOW recovers planted topics', async () => {
  const r = await trainFastText(corpus, {
    architecture: 'cbow',
    dim: 16,
    minCount: 1,
    epochs: 5,
    threads: 2,
    bucket: 5000,
    sample: 0,
  });
  assert.ok(nearestSameTopicRate(r.words, r.vectors, r.dim) >= 0.9);
});
