/**
 * The inner update of word2vec and fastText, shared by the training workers and the tests.
 *
 * One example: the hidden vector is the mean of some input rows (one context word for
 * skip-gram; the context words for CBOW; a word's n-gram rows for fastText), it predicts one
 * target word through negative sampling and/or hierarchical softmax, and the accumulated
 * gradient is added to every input row, as the C tools do (lock-free: concurrent workers may
 * overwrite each other's updates now and then, which SGD tolerates).
 */

import type { SimdKernels } from './simd.js';

export const MAX_EXP = 6;
export const SIGMOID_TABLE_SIZE = 1000;
const SIGMOID_SCALE = SIGMOID_TABLE_SIZE / (2 * MAX_EXP);

/** sigmoid at SIGMOID_TABLE_SIZE+1 points on [-MAX_EXP, MAX_EXP] (like the C tool's expTable). */
export const sigmoidTable = new Float32Array(SIGMOID_TABLE_SIZE + 1);
/** -log(sigmoid(x)) on the same points, for the reported loss. */
export const negLogSigmoidTable = new Float32Array(SIGMOID_TABLE_SIZE + 1);
for (let i = 0; i <= SIGMOID_TABLE_SIZE; i++) {
  const x = (i / SIGMOID_TABLE_SIZE) * 2 * MAX_EXP - MAX_EXP;
  sigmoidTable[i] = 1 / (1 + Math.exp(-x));
  negLogSigmoidTable[i] = Math.log1p(Math.exp(-x));
}

/** Table index of x in [-MAX_EXP, MAX_EXP]. */
export function sigmoidIndex(x: number): number {
  return ((x + MAX_EXP) * SIGMOID_SCALE + 0.5) | 0;
}

/** Everything one example update touches; buffers are allocated once per worker. */
export interface ModelArrays {
  dim: number;
  input: Float32Array;
  /** Output rows for negative sampling (V x dim), or empty. */
  outputNegative: Float32Array;
  /** Output rows for the Huffman tree's inner nodes ((V-1) x dim), or empty. */
  outputTree: Float32Array;
  negative: number;
  hierarchicalSoftmax: boolean;
  /** Negative sampling distribution as an alias table (see aliasTable). */
  aliasProbability: Float32Array;
  alias: Int32Array;
  codeLengths: Int32Array;
  codes: Uint8Array;
  points: Int32Array;
  maxCodeLength: number;
  hidden: Float32Array;
  gradient: Float32Array;
  /**
   * WebAssembly SIMD kernels over the memory that holds input, outputs, hidden and gradient
   * (then the arrays' byteOffsets are their addresses); null runs the plain JavaScript loops.
   */
  simd?: SimdKernels | null;
}

/**
 * Draws `m.negative` negatives for `target` into `drawn` (a word equal to the target is -1, to be
 * skipped), with the same random calls in the same order as trainExample draws them one by one.
 */
export function drawNegatives(m: ModelArrays, target: number, random: () => number, drawn: Int32Array): void {
  for (let d = 0; d < m.negative; d++) drawn[d] = drawNegative(m, target, random);
}

/** One negative from the alias table (two random calls), or -1 when it is the target. */
function drawNegative(m: ModelArrays, target: number, random: () => number): number {
  let word = random() % m.alias.length;
  if (random() * 2.3283064365386963e-10 >= m.aliasProbability[word]) word = m.alias[word];
  return word === target ? -1 : word;
}

/**
 * One update; returns the example's loss (sum over its binary decisions). `random` draws the
 * negatives (a 32-bit unsigned value per call), unless `drawn` gives them (from drawNegatives,
 * shared by a skip-gram centre word's context words).
 */
export function trainExample(
  m: ModelArrays,
  rows: Int32Array,
  rowCount: number,
  target: number,
  alpha: number,
  random: () => number,
  drawn?: Int32Array,
): number {
  if (m.simd) return trainExampleSimd(m, m.simd, rows, rowCount, target, alpha, random, drawn);
  const dim = m.dim;
  const input = m.input;
  const hidden = m.hidden;
  const gradient = m.gradient;
  if (rowCount === 1) {
    const o = rows[0] * dim;
    for (let k = 0; k < dim; k++) hidden[k] = input[o + k];
  } else {
    hidden.fill(0);
    for (let r = 0; r < rowCount; r++) {
      const o = rows[r] * dim;
      for (let k = 0; k < dim; k++) hidden[k] += input[o + k];
    }
    const inv = 1 / rowCount;
    for (let k = 0; k < dim; k++) hidden[k] *= inv;
  }
  gradient.fill(0);
  let loss = 0;
  if (m.hierarchicalSoftmax) {
    const out = m.outputTree;
    const length = m.codeLengths[target];
    const base = target * m.maxCodeLength;
    for (let d = 0; d < length; d++) {
      const o = m.points[base + d] * dim;
      const f = dotJs(hidden, out, o, dim);
      const label = 1 - m.codes[base + d];
      // As the C tool: no update outside the table's range, where the gradient is ~0.
      if (f <= -MAX_EXP || f >= MAX_EXP) {
        const clipped = f <= -MAX_EXP ? -MAX_EXP : MAX_EXP;
        loss += negLogSigmoidTable[sigmoidIndex(label === 1 ? clipped : -clipped)];
        continue;
      }
      const idx = sigmoidIndex(f);
      loss += negLogSigmoidTable[label === 1 ? idx : SIGMOID_TABLE_SIZE - idx];
      updateJs((label - sigmoidTable[idx]) * alpha, hidden, gradient, out, o, dim);
    }
  }
  if (m.negative > 0) {
    const out = m.outputNegative;
    for (let d = 0; d <= m.negative; d++) {
      let word = target;
      let label = 1;
      if (d > 0) {
        word = drawn ? drawn[d - 1] : drawNegative(m, target, random);
        if (word < 0) continue;
        label = 0;
      }
      const o = word * dim;
      const f = dotJs(hidden, out, o, dim);
      let g: number;
      if (f > MAX_EXP) {
        g = (label - 1) * alpha;
        loss += label === 1 ? 0 : negLogSigmoidTable[0];
      } else if (f < -MAX_EXP) {
        g = label * alpha;
        loss += label === 1 ? negLogSigmoidTable[0] : 0;
      } else {
        const idx = sigmoidIndex(f);
        g = (label - sigmoidTable[idx]) * alpha;
        loss += negLogSigmoidTable[label === 1 ? idx : SIGMOID_TABLE_SIZE - idx];
      }
      updateJs(g, hidden, gradient, out, o, dim);
    }
  }
  for (let r = 0; r < rowCount; r++) {
    const o = rows[r] * dim;
    for (let k = 0; k < dim; k++) input[o + k] += gradient[k];
  }
  return loss;
}

/** Dot product with four accumulators (breaks the add-latency chain; ~1.5x in V8). */
function dotJs(hidden: Float32Array, out: Float32Array, o: number, dim: number): number {
  let f0 = 0;
  let f1 = 0;
  let f2 = 0;
  let f3 = 0;
  let k = 0;
  for (; k + 3 < dim; k += 4) {
    f0 += hidden[k] * out[o + k];
    f1 += hidden[k + 1] * out[o + k + 1];
    f2 += hidden[k + 2] * out[o + k + 2];
    f3 += hidden[k + 3] * out[o + k + 3];
  }
  for (; k < dim; k++) f0 += hidden[k] * out[o + k];
  return f0 + f1 + f2 + f3;
}

/** gradient += g * out_row (old values); out_row += g * hidden — the C tool's two loops fused. */
function updateJs(
  g: number,
  hidden: Float32Array,
  gradient: Float32Array,
  out: Float32Array,
  o: number,
  dim: number,
): void {
  for (let k = 0; k < dim; k++) {
    const v = out[o + k];
    gradient[k] += g * v;
    out[o + k] = v + g * hidden[k];
  }
}

function trainExampleSimd(
  m: ModelArrays,
  simd: SimdKernels,
  rows: Int32Array,
  rowCount: number,
  target: number,
  alpha: number,
  random: () => number,
  drawn?: Int32Array,
): number {
  const dim = m.dim;
  const rowBytes = dim * 4;
  const inputAt = m.input.byteOffset;
  const gradientAt = m.gradient.byteOffset;
  let hiddenAt: number;
  if (rowCount === 1) {
    // The input row itself is the hidden vector (it changes only after the outputs, as in the C tool).
    hiddenAt = inputAt + rows[0] * rowBytes;
  } else {
    const hidden = m.hidden;
    hiddenAt = hidden.byteOffset;
    simd.zero(hiddenAt, dim);
    for (let r = 0; r < rowCount; r++) simd.axpy(1, inputAt + rows[r] * rowBytes, hiddenAt, dim);
    const inv = 1 / rowCount;
    for (let k = 0; k < dim; k++) hidden[k] *= inv;
  }
  simd.zero(gradientAt, dim);
  let loss = 0;
  if (m.hierarchicalSoftmax) {
    const outAt = m.outputTree.byteOffset;
    const length = m.codeLengths[target];
    const base = target * m.maxCodeLength;
    for (let d = 0; d < length; d++) {
      const rowAt = outAt + m.points[base + d] * rowBytes;
      const f = simd.dot(hiddenAt, rowAt, dim);
      const label = 1 - m.codes[base + d];
      if (f <= -MAX_EXP || f >= MAX_EXP) {
        const clipped = f <= -MAX_EXP ? -MAX_EXP : MAX_EXP;
        loss += negLogSigmoidTable[sigmoidIndex(label === 1 ? clipped : -clipped)];
        continue;
      }
      const idx = sigmoidIndex(f);
      loss += negLogSigmoidTable[label === 1 ? idx : SIGMOID_TABLE_SIZE - idx];
      simd.update((label - sigmoidTable[idx]) * alpha, hiddenAt, gradientAt, rowAt, dim);
    }
  }
  if (m.negative > 0) {
    const outAt = m.outputNegative.byteOffset;
    for (let d = 0; d <= m.negative; d++) {
      let word = target;
      let label = 1;
      if (d > 0) {
        word = drawn ? drawn[d - 1] : drawNegative(m, target, random);
        if (word < 0) continue;
        label = 0;
      }
      const rowAt = outAt + word * rowBytes;
      const f = simd.dot(hiddenAt, rowAt, dim);
      let g: number;
      if (f > MAX_EXP) {
        g = (label - 1) * alpha;
        loss += label === 1 ? 0 : negLogSigmoidTable[0];
      } else if (f < -MAX_EXP) {
        g = label * alpha;
        loss += label === 1 ? negLogSigmoidTable[0] : 0;
      } else {
        const idx = sigmoidIndex(f);
        g = (label - sigmoidTable[idx]) * alpha;
        loss += negLogSigmoidTable[label === 1 ? idx : SIGMOID_TABLE_SIZE - idx];
      }
      simd.update(g, hiddenAt, gradientAt, rowAt, dim);
    }
  }
  for (let r = 0; r < rowCount; r++) simd.axpy(1, gradientAt, inputAt + rows[r] * rowBytes, dim);
  return loss;
}

/**
 * One GloVe update (weighted least squares with AdaGrad) on the pair (i, j) with co-occurrence
 * x, as glove.c: rows hold dim weights then the bias; `context` rows are offset by V.
 * Returns the pair's cost 0.5 * f(x) * diff^2.
 */
export function gloveStep(
  weights: Float32Array,
  squaredGradients: Float32Array,
  dim: number,
  wordRow: number,
  contextRow: number,
  x: number,
  xMax: number,
  power: number,
  eta: number,
): number {
  const stride = dim + 1;
  const a = wordRow * stride;
  const b = contextRow * stride;
  let diff = weights[a + dim] + weights[b + dim] - Math.log(x);
  for (let k = 0; k < dim; k++) diff += weights[a + k] * weights[b + k];
  const weight = x > xMax ? 1 : (x / xMax) ** power;
  let fdiff = weight * diff;
  const cost = 0.5 * fdiff * diff;
  if (!Number.isFinite(fdiff)) return 0;
  fdiff *= eta;
  for (let k = 0; k < dim; k++) {
    const gradWord = fdiff * weights[b + k];
    const gradContext = fdiff * weights[a + k];
    weights[a + k] -= gradWord / Math.sqrt(squaredGradients[a + k]);
    weights[b + k] -= gradContext / Math.sqrt(squaredGradients[b + k]);
    squaredGradients[a + k] += gradWord * gradWord;
    squaredGradients[b + k] += gradContext * gradContext;
  }
  weights[a + dim] -= fdiff / Math.sqrt(squaredGradients[a + dim]);
  weights[b + dim] -= fdiff / Math.sqrt(squaredGradients[b + dim]);
  squaredGradients[a + dim] += fdiff * fdiff;
  squaredGradients[b + dim] += fdiff * fdiff;
  return cost;
}
