/**
 * The training runs whose vectors are pinned by training.json: every path through the word2vec
 * and fastText kernels (the WebAssembly sentence kernel for skip-gram with shared and per-pair
 * negatives and for CBOW; the per-example SIMD calls; hierarchical softmax; fastText; the plain
 * JavaScript fallback), one thread and a fixed seed so each run is deterministic. Dimensions 20
 * and 36 exercise both the 16-float unrolled loop and its 4-float tail.
 *
 * training.json was written by `node dist/test/golden/kernels/training-cases.js --write` on the
 * commit before the kernels were rewritten from hand-assembled bytes into WAT (the hand-assembled
 * kernels are the reference); test/embed/static/kernels-golden.test.ts checks every run still
 * gives those exact bits.
 */
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { trainFastText, trainWord2Vec } from '../../../src/embed/static/index.js';

/** 400 sentences over a 60-word Zipf-like vocabulary (seeded LCG: no dependency on Math.random). */
export function goldenSentences(): string[][] {
  let s = 20260101;
  const rand = () => {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    return s / 4294967296;
  };
  const out: string[][] = [];
  for (let i = 0; i < 400; i++) {
    const sentence: string[] = [];
    const length = 4 + Math.floor(rand() * 14);
    for (let k = 0; k < length; k++) {
      const topic = i % 4;
      // word rank ~ 1/r: frequent words get subsampled, rare ones are drawn as negatives
      const rank = Math.floor(60 ** rand()) - 1;
      sentence.push(rank < 10 ? `common${rank}` : `t${topic}w${rank}`);
    }
    out.push(sentence);
  }
  return out;
}

export interface TrainingCase {
  name: string;
  run(sentences: string[][]): Promise<Float32Array>;
}

const base = { minCount: 1, epochs: 2, threads: 1, seed: 7, sample: 1e-2, window: 4 };
const w2v = (opts: Parameters<typeof trainWord2Vec>[1]) => async (s: string[][]) =>
  (await trainWord2Vec(s, { ...base, ...opts })).vectors;

export const trainingCases: TrainingCase[] = [
  { name: 'skipgram shared negatives dim 20', run: w2v({ architecture: 'skipgram', dim: 20 }) },
  { name: 'skipgram shared negatives dim 36', run: w2v({ architecture: 'skipgram', dim: 36, negative: 7 }) },
  {
    name: 'skipgram per-pair negatives dim 20',
    run: w2v({ architecture: 'skipgram', dim: 20, shareNegatives: false }),
  },
  { name: 'cbow dim 20', run: w2v({ architecture: 'cbow', dim: 20 }) },
  { name: 'cbow dim 36 window 2', run: w2v({ architecture: 'cbow', dim: 36, window: 2 }) },
  {
    name: 'skipgram per-example kernels dim 20',
    run: w2v({ architecture: 'skipgram', dim: 20, sentenceKernel: false, shareNegatives: false }),
  },
  {
    name: 'cbow per-example kernels dim 36',
    run: w2v({ architecture: 'cbow', dim: 36, sentenceKernel: false }),
  },
  {
    name: 'skipgram hierarchical softmax dim 20',
    run: w2v({ architecture: 'skipgram', dim: 20, negative: 0, hierarchicalSoftmax: true }),
  },
  {
    name: 'cbow hierarchical softmax + negatives dim 20',
    run: w2v({ architecture: 'cbow', dim: 20, negative: 3, hierarchicalSoftmax: true }),
  },
  { name: 'skipgram no SIMD dim 20', run: w2v({ architecture: 'skipgram', dim: 20, simd: false }) },
  {
    name: 'skipgram dim 18 (not a multiple of 4: JavaScript loops)',
    run: w2v({ architecture: 'skipgram', dim: 18 }),
  },
  {
    name: 'fasttext skipgram dim 20',
    run: async (s) =>
      (await trainFastText(s, { ...base, architecture: 'skipgram', dim: 20, minn: 3, maxn: 4, bucket: 2000 }))
        .vectors,
  },
  {
    name: 'fasttext cbow dim 36',
    run: async (s) =>
      (await trainFastText(s, { ...base, architecture: 'cbow', dim: 36, minn: 3, maxn: 4, bucket: 2000 }))
        .vectors,
  },
];

/** SHA-256 of the vectors' little-endian bytes: equal hashes mean bit-identical vectors. */
export function vectorsHash(v: Float32Array): string {
  return createHash('sha256')
    .update(new Uint8Array(v.buffer, v.byteOffset, v.byteLength))
    .digest('hex');
}

if (process.argv.includes('--write')) {
  const sentences = goldenSentences();
  const out: Record<string, { sha256: string; length: number; first: number[] }> = {};
  for (const c of trainingCases) {
    const v = await c.run(sentences);
    out[c.name] = { sha256: vectorsHash(v), length: v.length, first: Array.from(v.subarray(0, 4)) };
    console.log(c.name, out[c.name].sha256);
  }
  const file = new URL('../../../../test/golden/kernels/training.json', import.meta.url);
  writeFileSync(file, `${JSON.stringify(out, null, 2)}\n`);
}
