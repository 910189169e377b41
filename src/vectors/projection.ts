import { UMAP } from 'umap-js';
import { SmyslError } from '../errors.js';
import { seededRandom } from './random.js';
import type { DenseMatrix } from './types.js';

export interface TsneOptions {
  perplexity?: number;
  iterations?: number;
  learningRate?: number;
  /** Early exaggeration factor over the first 100 iterations (default 12). */
  exaggeration?: number;
  seed?: number;
}

/**
 * Exact t-SNE (van der Maaten & Hinton 2008) to 2-D: Gaussian affinities with a per-point
 * bandwidth found by binary search on perplexity, Student-t similarities in the map, gradient
 * descent with momentum, per-parameter gains and early exaggeration. O(n^2) per iteration —
 * meant for maps of up to a few thousand points.
 */
export function tsne(x: DenseMatrix, options: TsneOptions = {}): Float32Array {
  const n = x.rows;
  const dim = x.dim;
  if (n < 2) return new Float32Array(n * 2);
  const perplexity = Math.min(options.perplexity ?? 30, (n - 1) / 3);
  const iterations = options.iterations ?? 750;
  const eta = options.learningRate ?? Math.max(50, n / 12);
  const exaggeration = options.exaggeration ?? 12;
  const rand = seededRandom(options.seed ?? 1);

  // squared distances in the input space
  const d2 = new Float64Array(n * n);
  for (let i = 0; i < n; i++)
    for (let j = i + 1; j < n; j++) {
      let s = 0;
      for (let k = 0; k < dim; k++) {
        const t = x.data[i * dim + k] - x.data[j * dim + k];
        s += t * t;
      }
      d2[i * n + j] = d2[j * n + i] = s;
    }

  // conditional affinities with the bandwidth matching the target entropy log(perplexity)
  const p = new Float64Array(n * n);
  const target = Math.log(perplexity);
  for (let i = 0; i < n; i++) {
    let beta = 1;
    let lo = 0;
    let hi = Number.POSITIVE_INFINITY;
    for (let iter = 0; iter < 64; iter++) {
      let sum = 0;
      let weighted = 0;
      for (let j = 0; j < n; j++) {
        if (j === i) continue;
        const v = Math.exp(-d2[i * n + j] * beta);
        p[i * n + j] = v;
        sum += v;
        weighted += d2[i * n + j] * v;
      }
      if (sum === 0) sum = 1e-300;
      const entropy = Math.log(sum) + (beta * weighted) / sum;
      for (let j = 0; j < n; j++) p[i * n + j] /= sum;
      const diff = entropy - target;
      if (Math.abs(diff) < 1e-5) break;
      if (diff > 0) {
        lo = beta;
        beta = hi === Number.POSITIVE_INFINITY ? beta * 2 : (beta + hi) / 2;
      } else {
        hi = beta;
        beta = (beta + lo) / 2;
      }
    }
  }
  // symmetrise
  for (let i = 0; i < n; i++)
    for (let j = i + 1; j < n; j++) {
      const v = Math.max((p[i * n + j] + p[j * n + i]) / (2 * n), 1e-12);
      p[i * n + j] = p[j * n + i] = v;
    }

  const y = new Float64Array(n * 2);
  for (let i = 0; i < n * 2; i++) y[i] = (rand() - 0.5) * 1e-4;
  const update = new Float64Array(n * 2);
  const gains = new Float64Array(n * 2).fill(1);
  const num = new Float64Array(n * n);
  const grad = new Float64Array(n * 2);
  for (let it = 0; it < iterations; it++) {
    const exag = it < 100 ? exaggeration : 1;
    const momentum = it < 250 ? 0.5 : 0.8;
    let qsum = 0;
    for (let i = 0; i < n; i++)
      for (let j = i + 1; j < n; j++) {
        const dx = y[2 * i] - y[2 * j];
        const dy = y[2 * i + 1] - y[2 * j + 1];
        const v = 1 / (1 + dx * dx + dy * dy);
        num[i * n + j] = num[j * n + i] = v;
        qsum += 2 * v;
      }
    grad.fill(0);
    for (let i = 0; i < n; i++)
      for (let j = 0; j < n; j++) {
        if (i === j) continue;
        const v = num[i * n + j];
        const mult = 4 * (exag * p[i * n + j] - v / qsum) * v;
        grad[2 * i] += mult * (y[2 * i] - y[2 * j]);
        grad[2 * i + 1] += mult * (y[2 * i + 1] - y[2 * j + 1]);
      }
    for (let k = 0; k < n * 2; k++) {
      gains[k] =
        Math.sign(grad[k]) !== Math.sign(update[k]) ? gains[k] + 0.2 : Math.max(0.01, gains[k] * 0.8);
      update[k] = momentum * update[k] - eta * gains[k] * grad[k];
      y[k] += update[k];
    }
    // keep the map centred
    let mx = 0;
    let my = 0;
    for (let i = 0; i < n; i++) {
      mx += y[2 * i];
      my += y[2 * i + 1];
    }
    for (let i = 0; i < n; i++) {
      y[2 * i] -= mx / n;
      y[2 * i + 1] -= my / n;
    }
  }
  return Float32Array.from(y);
}

export interface UmapOptions {
  neighbors?: number;
  minDist?: number;
  epochs?: number;
  seed?: number;
}

/** UMAP to 2-D through `umap-js`, seeded for reproducible maps. */
export function umap(x: DenseMatrix, options: UmapOptions = {}): Float32Array {
  const n = x.rows;
  if (n < 3) return new Float32Array(n * 2);
  const rows: number[][] = [];
  for (let i = 0; i < n; i++) rows.push(Array.from(x.data.subarray(i * x.dim, (i + 1) * x.dim)));
  const u = new UMAP({
    nComponents: 2,
    nNeighbors: Math.min(options.neighbors ?? 15, n - 1),
    minDist: options.minDist ?? 0.1,
    nEpochs: options.epochs,
    random: seededRandom(options.seed ?? 1),
  });
  const out = u.fit(rows);
  return Float32Array.from(out.flat());
}

/** Checks that a projection method name is known (for CLI and HTTP input). */
export function checkProjectionMethod(method: string): 'pca' | 'tsne' | 'umap' {
  if (method === 'pca' || method === 'tsne' || method === 'umap') return method;
  throw new SmyslError('E_USAGE', `unknown projection method ${method}; use pca, tsne or umap`);
}
