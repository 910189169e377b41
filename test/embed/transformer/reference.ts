import type { BertConfig, BertWeights, Linear, Norm } from '../../../src/embed/transformer/config.js';

/**
 * A plain, loop-by-loop BERT forward pass in float64, independent of the ONNX graph builder:
 * the tests compare onnxruntime's output on the built graph against it.
 * Returns hidden states [embeddings, layer 1, ..., layer N], each [length, hidden].
 */
export function referenceForward(config: BertConfig, w: BertWeights, ids: number[]): Float64Array[] {
  const n = ids.length;
  const h = config.hiddenSize;
  const heads = config.numAttentionHeads;
  const d = h / heads;
  let x: Float64Array = new Float64Array(n * h);
  for (let t = 0; t < n; t++)
    for (let j = 0; j < h; j++)
      x[t * h + j] =
        w.wordEmbeddings[ids[t] * h + j] +
        w.positionEmbeddings[(t + config.positionOffset) * h + j] +
        w.tokenTypeEmbeddings[j];
  x = layerNorm(x, n, h, w.embeddingNorm, config.layerNormEps);
  const states = [x];
  for (const layer of w.layers) {
    const q = linear(x, n, layer.query);
    const k = linear(x, n, layer.key);
    const v = linear(x, n, layer.value);
    const context = new Float64Array(n * h);
    const scores = new Float64Array(n);
    for (let head = 0; head < heads; head++) {
      for (let i = 0; i < n; i++) {
        let max = Number.NEGATIVE_INFINITY;
        for (let j = 0; j < n; j++) {
          let s = 0;
          for (let c = 0; c < d; c++) s += q[i * h + head * d + c] * k[j * h + head * d + c];
          scores[j] = s / Math.sqrt(d);
          if (scores[j] > max) max = scores[j];
        }
        let z = 0;
        for (let j = 0; j < n; j++) {
          scores[j] = Math.exp(scores[j] - max);
          z += scores[j];
        }
        for (let j = 0; j < n; j++)
          for (let c = 0; c < d; c++)
            context[i * h + head * d + c] += (scores[j] / z) * v[j * h + head * d + c];
      }
    }
    const attended = linear(context, n, layer.attentionOutput);
    for (let i = 0; i < attended.length; i++) attended[i] += x[i];
    const afterAttention = layerNorm(attended, n, h, layer.attentionNorm, config.layerNormEps);
    const inter = linear(afterAttention, n, layer.intermediate);
    for (let i = 0; i < inter.length; i++) inter[i] = 0.5 * inter[i] * (1 + erf(inter[i] / Math.SQRT2));
    const out = linear(inter, n, layer.output);
    for (let i = 0; i < out.length; i++) out[i] += afterAttention[i];
    x = layerNorm(out, n, h, layer.outputNorm, config.layerNormEps);
    states.push(x);
  }
  return states;
}

function linear(x: Float64Array, n: number, l: Linear): Float64Array {
  const out = new Float64Array(n * l.outFeatures);
  for (let t = 0; t < n; t++)
    for (let o = 0; o < l.outFeatures; o++) {
      let s = l.bias[o];
      for (let i = 0; i < l.inFeatures; i++) s += x[t * l.inFeatures + i] * l.weight[o * l.inFeatures + i];
      out[t * l.outFeatures + o] = s;
    }
  return out;
}

function layerNorm(x: Float64Array, n: number, h: number, norm: Norm, eps: number): Float64Array {
  const out = new Float64Array(n * h);
  for (let t = 0; t < n; t++) {
    let mean = 0;
    for (let j = 0; j < h; j++) mean += x[t * h + j];
    mean /= h;
    let variance = 0;
    for (let j = 0; j < h; j++) variance += (x[t * h + j] - mean) ** 2;
    variance /= h;
    const inv = 1 / Math.sqrt(variance + eps);
    for (let j = 0; j < h; j++) out[t * h + j] = (x[t * h + j] - mean) * inv * norm.gamma[j] + norm.beta[j];
  }
  return out;
}

/** Abramowitz–Stegun 7.1.26 is too coarse for 1e-4 checks; this series/continued form is ~1e-15. */
export function erf(x: number): number {
  const sign = x < 0 ? -1 : 1;
  const a = Math.abs(x);
  if (a < 2.5) {
    // Maclaurin series
    let term = a;
    let sum = a;
    for (let k = 1; k < 100; k++) {
      term *= (-a * a) / k;
      const add = term / (2 * k + 1);
      sum += add;
      if (Math.abs(add) < 1e-17) break;
    }
    return (sign * 2 * sum) / Math.sqrt(Math.PI);
  }
  // continued fraction for erfc
  let f = 0;
  for (let k = 60; k >= 1; k--) f = k / 2 / (a + f);
  const erfc = Math.exp(-a * a) / Math.sqrt(Math.PI) / (a + f);
  return sign * (1 - erfc);
}
