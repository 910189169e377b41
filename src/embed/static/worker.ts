/**
 * Training worker: trains its own share of the corpus (word2vec, fastText) or of the
 * co-occurrence records (GloVe) directly in shared memory, lock-free, for all epochs. Progress
 * (words done, loss) goes to its own slots of a shared Float64Array so the learning rate can
 * decay with the global progress, as in the C tools.
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { drawNegatives, gloveStep, type ModelArrays, trainExample } from './kernels.js';
import { Lcg } from './random.js';
import { type SharedWasmMemory, simdKernels } from './simd.js';

export interface EmbeddingWorkerData {
  mode: 'word2vec' | 'fasttext';
  threadIndex: number;
  seed: number;
  idsFile: string;
  /** int32 values in idsFile. */
  corpusLength: number;
  /**
   * The file is read in blocks of this many values, thread t taking blocks t, t + threads, ...
   * so all threads move through the corpus together, as gensim's job queue does (with one
   * thread: the whole file as one block).
   */
  blockSize: number;
  threadCount: number;
  epochs: number;
  totalWords: number;
  alpha: number;
  minAlpha: number;
  window: number;
  cbow: boolean;
  negative: number;
  hierarchicalSoftmax: boolean;
  dim: number;
  input: Float32Array;
  outputNegative: Float32Array;
  outputTree: Float32Array;
  aliasProbability: Float32Array;
  alias: Int32Array;
  keep: Float32Array;
  remap: Int32Array;
  codeLengths: Int32Array;
  codes: Uint8Array;
  points: Int32Array;
  maxCodeLength: number;
  /** fastText: rows of word w are subwordRows[subwordOffsets[w] .. subwordOffsets[w+1]]. */
  subwordOffsets: Int32Array;
  subwordRows: Int32Array;
  /** [wordsDone, loss, examples] per thread. */
  progress: Float64Array;
  maxSentenceLength: number;
  /** The shared WebAssembly memory holding the matrices, or null (plain JavaScript loops). */
  memory: SharedWasmMemory | null;
  hidden: Float32Array;
  gradient: Float32Array;
  /** Train whole sentences in WebAssembly (word2vec, negative sampling, SIMD memory). */
  sentenceKernel: boolean;
  /** Skip-gram: one set of negatives per centre word, shared by its context words. */
  shareNegatives: boolean;
  /** This worker's sentence buffer, context-row scratch and random state (in the shared memory). */
  sentence: Int32Array;
  contextRows: Int32Array;
  drawnWords: Int32Array;
  randomState: Int32Array;
  sigmoid: Float32Array;
  negLogSigmoid: Float32Array;
}

export interface GloveWorkerData {
  mode: 'glove';
  threadIndex: number;
  seed: number;
  epochs: number;
  dim: number;
  vocabSize: number;
  weights: Float32Array;
  squaredGradients: Float32Array;
  pairRows: Int32Array;
  pairCols: Int32Array;
  pairValues: Float32Array;
  pairStart: number;
  pairEnd: number;
  xMax: number;
  power: number;
  eta: number;
  progress: Float64Array;
}

const CHUNK = 1 << 16;

function runEmbedding(d: EmbeddingWorkerData): void {
  const simd = d.memory ? simdKernels(d.memory) : null;
  const kernel = d.sentenceKernel ? simd : null;
  const rng = new Lcg(
    d.seed * 7919 + d.threadIndex,
    kernel ? new Uint32Array(d.randomState.buffer, d.randomState.byteOffset, 1) : undefined,
  );
  const random = () => rng.next();
  const maxSubwords = d.mode === 'fasttext' ? maxRowsPerWord(d.subwordOffsets) : 1;
  const m: ModelArrays = {
    dim: d.dim,
    input: d.input,
    outputNegative: d.outputNegative,
    outputTree: d.outputTree,
    negative: d.negative,
    hierarchicalSoftmax: d.hierarchicalSoftmax,
    aliasProbability: d.aliasProbability,
    alias: d.alias,
    codeLengths: d.codeLengths,
    codes: d.codes,
    points: d.points,
    maxCodeLength: d.maxCodeLength,
    hidden: d.hidden,
    gradient: d.gradient,
    simd,
  };
  const rows = new Int32Array(Math.max(2 * d.window, 1) * maxSubwords + maxSubwords);
  const sharedNegatives = d.shareNegatives && d.mode === 'word2vec' && !d.cbow && d.negative > 0;
  const drawn = new Int32Array(Math.max(1, d.negative));
  const sentence = kernel ? d.sentence : new Int32Array(d.maxSentenceLength);
  kernel?.configure(
    d.input.byteOffset,
    d.outputNegative.byteOffset,
    d.dim,
    d.aliasProbability.byteOffset,
    d.alias.byteOffset,
    d.alias.length,
    d.sigmoid.byteOffset,
    d.negLogSigmoid.byteOffset,
    d.hidden.byteOffset,
    d.gradient.byteOffset,
    d.contextRows.byteOffset,
    d.drawnWords.byteOffset,
    d.randomState.byteOffset,
    d.window,
    d.negative,
    d.cbow ? 1 : 0,
    sharedNegatives ? 1 : 0,
  );
  const chunk = new Int32Array(CHUNK);
  const chunkBytes = new Uint8Array(chunk.buffer);
  const slot = d.threadIndex * 3;
  const totalPlanned = d.epochs * d.totalWords + 1;
  const alphaRange = d.alpha - d.minAlpha;
  const fastText = d.mode === 'fasttext';
  const { remap, keep, subwordOffsets, subwordRows, window } = d;
  let alpha = d.alpha;
  let wordsDone = 0;
  let sinceUpdate = 0;
  let loss = 0;
  let examples = 0;

  const updateAlpha = () => {
    d.progress[slot] = wordsDone;
    d.progress[slot + 1] = loss;
    d.progress[slot + 2] = examples;
    let all = 0;
    for (let i = 0; i < d.progress.length; i += 3) all += d.progress[i];
    const a = d.alpha - alphaRange * Math.min(1, all / totalPlanned);
    alpha = Math.max(a, d.minAlpha);
  };

  const trainSentence = (length: number) => {
    if (kernel) {
      loss += kernel.sentence(sentence.byteOffset, length, alpha);
      examples += kernel.examples();
      return;
    }
    for (let i = 0; i < length; i++) {
      const word = sentence[i];
      const reduced = rng.next() % window;
      const from = i - window + reduced;
      const to = i + window - reduced;
      if (d.cbow) {
        let count = 0;
        let contextWords = 0;
        for (let c = from; c <= to; c++) {
          if (c === i || c < 0 || c >= length) continue;
          const w = sentence[c];
          contextWords++;
          if (fastText) {
            for (let s = subwordOffsets[w], e = subwordOffsets[w + 1]; s < e; s++)
              rows[count++] = subwordRows[s];
          } else rows[count++] = w;
        }
        if (contextWords > 0) {
          loss += trainExample(m, rows, count, word, alpha, random);
          examples++;
        }
      } else if (fastText) {
        // fastText skip-gram: the centre word's n-grams predict each context word.
        let count = 0;
        for (let s = subwordOffsets[word], e = subwordOffsets[word + 1]; s < e; s++)
          rows[count++] = subwordRows[s];
        for (let c = from; c <= to; c++) {
          if (c === i || c < 0 || c >= length) continue;
          loss += trainExample(m, rows, count, sentence[c], alpha, random);
          examples++;
        }
      } else {
        // word2vec skip-gram as the C tool: each context word's vector predicts the centre word
        // (with shared negatives: one draw for all of them, in the kernel's order)
        if (sharedNegatives) drawNegatives(m, word, random, drawn);
        for (let c = from; c <= to; c++) {
          if (c === i || c < 0 || c >= length) continue;
          rows[0] = sentence[c];
          loss += trainExample(m, rows, 1, word, alpha, random, sharedNegatives ? drawn : undefined);
          examples++;
        }
      }
    }
  };

  const fd = openSync(d.idsFile, 'r');
  try {
    for (let epoch = 0; epoch < d.epochs; epoch++) {
      let length = 0;
      const stride = d.threadCount * d.blockSize;
      for (let blockStart = d.threadIndex * d.blockSize; blockStart < d.corpusLength; blockStart += stride) {
        const blockEnd = Math.min(blockStart + d.blockSize, d.corpusLength);
        let position = blockStart;
        while (position < blockEnd) {
          const want = Math.min(CHUNK, blockEnd - position);
          const got = readSync(fd, chunkBytes, 0, want * 4, position * 4) >> 2;
          if (got <= 0) break;
          position += got;
          for (let t = 0; t < got; t++) {
            const id = chunk[t];
            if (id < 0) {
              if (length > 1) trainSentence(length);
              length = 0;
              continue;
            }
            const w = remap[id];
            if (w < 0) continue;
            wordsDone++;
            if (++sinceUpdate >= 10000) {
              sinceUpdate = 0;
              updateAlpha();
            }
            const k = keep[w];
            if (k < 1 && k < rng.uniform()) continue;
            sentence[length++] = w;
            if (length === sentence.length) {
              trainSentence(length);
              length = 0;
            }
          }
        }
        // the block's last sentence goes on in another thread's block: train the part read here
        if (length > 1) trainSentence(length);
        length = 0;
      }
      if (length > 1) trainSentence(length);
      updateAlpha();
    }
  } finally {
    closeSync(fd);
  }
}

function maxRowsPerWord(offsets: Int32Array): number {
  let max = 1;
  for (let w = 0; w + 1 < offsets.length; w++) max = Math.max(max, offsets[w + 1] - offsets[w]);
  return max;
}

function runGlove(d: GloveWorkerData): void {
  const rng = new Lcg(d.seed * 7919 + d.threadIndex);
  const count = d.pairEnd - d.pairStart;
  const order = new Uint32Array(count);
  for (let i = 0; i < count; i++) order[i] = d.pairStart + i;
  const slot = d.threadIndex * 3;
  let done = 0;
  for (let epoch = 0; epoch < d.epochs; epoch++) {
    for (let i = count - 1; i > 0; i--) {
      const j = rng.below(i + 1);
      const t = order[i];
      order[i] = order[j];
      order[j] = t;
    }
    let cost = 0;
    for (let i = 0; i < count; i++) {
      const p = order[i];
      cost += gloveStep(
        d.weights,
        d.squaredGradients,
        d.dim,
        d.pairRows[p],
        d.pairCols[p] + d.vocabSize,
        d.pairValues[p],
        d.xMax,
        d.power,
        d.eta,
      );
      if (++done % 50000 === 0) d.progress[slot] = done;
    }
    d.progress[slot] = done;
    d.progress[slot + 1] = cost;
    d.progress[slot + 2] = epoch + 1;
  }
}

const data = workerData as EmbeddingWorkerData | GloveWorkerData;
if (data.mode === 'glove') runGlove(data);
else runEmbedding(data);
parentPort?.postMessage('done');
