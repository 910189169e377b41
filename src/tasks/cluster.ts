import { TfidfVectorizer } from '../embed/sparse/vectorizers.js';
import { SmyslError } from '../errors.js';
import { selectRows } from '../vectors/dense.js';
import { seededRandom } from '../vectors/random.js';
import type { DenseMatrix, SparseMatrix } from '../vectors/types.js';
import type { Label } from './classify.js';

export interface KMeansOptions {
  k: number;
  /** Restarts with different k-means++ seeds; the lowest inertia wins (default 4). */
  restarts?: number;
  maxIterations?: number;
  /** Stop when no centroid moves more than this (squared Euclidean), default 1e-6. */
  tolerance?: number;
  /** Mini-batch k-means (Sculley 2010) with this batch size; 0 = full Lloyd iterations. */
  miniBatch?: number;
  seed?: number;
}

export interface KMeansResult {
  k: number;
  labels: Int32Array;
  centroids: DenseMatrix;
  /** Sum of squared distances of samples to their centroid. */
  inertia: number;
  iterations: number;
}

function sqDist(
  a: Float32Array,
  ao: number,
  b: Float32Array | Float64Array,
  bo: number,
  dim: number,
): number {
  let s = 0;
  for (let d = 0; d < dim; d++) {
    const t = a[ao + d] - b[bo + d];
    s += t * t;
  }
  return s;
}

/** k-means++ seeding: each next centre drawn with probability proportional to D(x)^2. */
function kmeansPlusPlus(x: DenseMatrix, k: number, rand: () => number): Float64Array {
  const { rows: n, dim, data } = x;
  const c = new Float64Array(k * dim);
  const first = Math.floor(rand() * n);
  for (let d = 0; d < dim; d++) c[d] = data[first * dim + d];
  const best = new Float64Array(n).fill(Number.POSITIVE_INFINITY);
  for (let j = 1; j < k; j++) {
    let total = 0;
    for (let i = 0; i < n; i++) {
      const dd = sqDist(data, i * dim, c, (j - 1) * dim, dim);
      if (dd < best[i]) best[i] = dd;
      total += best[i];
    }
    let r = rand() * total;
    let pick = n - 1;
    for (let i = 0; i < n; i++) {
      r -= best[i];
      if (r <= 0) {
        pick = i;
        break;
      }
    }
    for (let d = 0; d < dim; d++) c[j * dim + d] = data[pick * dim + d];
  }
  return c;
}

function assign(x: DenseMatrix, c: Float64Array, k: number, labels: Int32Array): number {
  const { rows: n, dim, data } = x;
  let inertia = 0;
  for (let i = 0; i < n; i++) {
    let bi = 0;
    let bd = Number.POSITIVE_INFINITY;
    for (let j = 0; j < k; j++) {
      const dd = sqDist(data, i * dim, c, j * dim, dim);
      if (dd < bd) {
        bd = dd;
        bi = j;
      }
    }
    labels[i] = bi;
    inertia += bd;
  }
  return inertia;
}

/** k-means++ with restarts; Lloyd iterations, or mini-batch updates for large sets. */
export function kmeans(x: DenseMatrix, options: KMeansOptions): KMeansResult {
  const { k } = options;
  const n = x.rows;
  const dim = x.dim;
  if (!Number.isInteger(k) || k < 1)
    throw new SmyslError('E_USAGE', `k must be a positive integer, got ${k}`);
  if (k > n) throw new SmyslError('E_USAGE', `k = ${k} exceeds the number of samples (${n})`);
  const restarts = options.restarts ?? 4;
  const maxIt = options.maxIterations ?? (options.miniBatch ? 100 : 300);
  const tol = options.tolerance ?? 1e-6;
  const rand = seededRandom(options.seed ?? 1);
  let best: KMeansResult | null = null;
  const labels = new Int32Array(n);
  for (let r = 0; r < restarts; r++) {
    const c = kmeansPlusPlus(x, k, rand);
    let it = 0;
    if (options.miniBatch) {
      const counts = new Float64Array(k);
      const batch = Math.min(options.miniBatch, n);
      const picks = new Int32Array(batch);
      const near = new Int32Array(batch);
      for (; it < maxIt; it++) {
        for (let b = 0; b < batch; b++) picks[b] = Math.floor(rand() * n);
        for (let b = 0; b < batch; b++) {
          let bd = Number.POSITIVE_INFINITY;
          for (let j = 0; j < k; j++) {
            const dd = sqDist(x.data, picks[b] * dim, c, j * dim, dim);
            if (dd < bd) {
              bd = dd;
              near[b] = j;
            }
          }
        }
        for (let b = 0; b < batch; b++) {
          const j = near[b];
          const eta = 1 / ++counts[j];
          const o = picks[b] * dim;
          for (let d = 0; d < dim; d++) c[j * dim + d] += eta * (x.data[o + d] - c[j * dim + d]);
        }
      }
    } else {
      const sums = new Float64Array(k * dim);
      const counts = new Float64Array(k);
      for (; it < maxIt; it++) {
        assign(x, c, k, labels);
        sums.fill(0);
        counts.fill(0);
        for (let i = 0; i < n; i++) {
          const j = labels[i];
          counts[j]++;
          for (let d = 0; d < dim; d++) sums[j * dim + d] += x.data[i * dim + d];
        }
        let shift = 0;
        for (let j = 0; j < k; j++) {
          if (counts[j] === 0) continue; // an empty cluster keeps its centre
          let s = 0;
          for (let d = 0; d < dim; d++) {
            const v = sums[j * dim + d] / counts[j];
            s += (v - c[j * dim + d]) ** 2;
            c[j * dim + d] = v;
          }
          shift = Math.max(shift, s);
        }
        if (shift <= tol) {
          it++;
          break;
        }
      }
    }
    const out = new Int32Array(n);
    const inertia = assign(x, c, k, out);
    if (!best || inertia < best.inertia)
      best = {
        k,
        labels: out,
        centroids: { rows: k, dim, data: Float32Array.from(c) },
        inertia,
        iterations: it,
      };
  }
  return best!;
}

/**
 * Runs k-means for each k in [minK, maxK] and keeps the one with the highest silhouette
 * (computed on at most `sample` rows to bound the O(n^2) cost).
 */
export function kmeansBestK(
  x: DenseMatrix,
  minK: number,
  maxK: number,
  options: Omit<KMeansOptions, 'k'> & { sample?: number } = {},
): KMeansResult & { silhouette: number; tried: { k: number; silhouette: number }[] } {
  if (minK < 2) throw new SmyslError('E_USAGE', 'choosing k by silhouette needs k >= 2');
  const rand = seededRandom((options.seed ?? 1) + 7919);
  const sampleSize = Math.min(x.rows, options.sample ?? 2000);
  const rows = Int32Array.from({ length: x.rows }, (_, i) => i);
  for (let i = rows.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [rows[i], rows[j]] = [rows[j], rows[i]];
  }
  const pick = rows.subarray(0, sampleSize);
  const sample = selectRows(x, pick);
  const tried: { k: number; silhouette: number }[] = [];
  let best: (KMeansResult & { silhouette: number }) | null = null;
  for (let k = minK; k <= Math.min(maxK, x.rows - 1); k++) {
    const res = kmeans(x, { ...options, k });
    const labels = Array.from(pick, (r) => res.labels[r]);
    const s = new Set(labels).size < 2 ? -1 : silhouetteScore(sample, labels);
    tried.push({ k, silhouette: s });
    if (!best || s > best.silhouette) best = { ...res, silhouette: s };
  }
  if (!best) throw new SmyslError('E_USAGE', `no k in [${minK}, ${maxK}] is possible for ${x.rows} samples`);
  return { ...best, tried };
}

/**
 * Terms that set a cluster apart: mean TF-IDF weight of each term over the cluster's documents
 * minus its mean over the other documents, highest first.
 */
export function distinctiveTerms(
  tfidf: SparseMatrix,
  vocabulary: readonly string[],
  labels: ArrayLike<number>,
  k: number,
  top: number,
): string[][] {
  const sums = Array.from({ length: k }, () => new Float64Array(tfidf.cols));
  const total = new Float64Array(tfidf.cols);
  const sizes = new Float64Array(k);
  for (let r = 0; r < tfidf.rows; r++) {
    const c = labels[r];
    sizes[c]++;
    for (let j = tfidf.indptr[r]; j < tfidf.indptr[r + 1]; j++) {
      sums[c][tfidf.indices[j]] += tfidf.data[j];
      total[tfidf.indices[j]] += tfidf.data[j];
    }
  }
  return sums.map((s, c) => {
    const inside = Math.max(1, sizes[c]);
    const outside = Math.max(1, tfidf.rows - sizes[c]);
    const scored: [number, number][] = [];
    for (let t = 0; t < s.length; t++) {
      if (s[t] === 0) continue;
      scored.push([t, s[t] / inside - (total[t] - s[t]) / outside]);
    }
    scored.sort((a, b) => b[1] - a[1] || a[0] - b[0]);
    return scored.slice(0, top).map(([t]) => vocabulary[t]);
  });
}

/**
 * The `top` most distinctive words of each of `k` clusters (see `distinctiveTerms`), on TF-IDF
 * with stop words removed and terms in at least two documents. A corpus too small to have such
 * terms gives empty lists rather than an error.
 */
export function clusterTerms(
  texts: readonly string[],
  labels: ArrayLike<number>,
  k: number,
  top: number,
): string[][] {
  if (top > 0) {
    const tfidf = new TfidfVectorizer({ stopWords: 'auto', minDf: 2 });
    try {
      const m = tfidf.fitTransform(texts);
      return distinctiveTerms(m, tfidf.vocabulary, labels, k, top);
    } catch {
      // too few repeated terms for a vocabulary (tiny corpora)
    }
  }
  return Array.from({ length: k }, () => []);
}

/**
 * Mean silhouette coefficient over all samples, Euclidean distance (or 1 - cosine). A sample
 * alone in its cluster scores 0, as in scikit-learn.
 */
export function silhouetteScore(
  x: DenseMatrix,
  labels: readonly Label[],
  metric: 'euclidean' | 'cosine' = 'euclidean',
): number {
  const { rows: n, dim, data } = x;
  if (labels.length !== n) throw new SmyslError('E_USAGE', 'silhouette: labels length differs from rows');
  const ids = new Map<Label, number>();
  const cluster = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    let c = ids.get(labels[i]);
    if (c === undefined) ids.set(labels[i], (c = ids.size));
    cluster[i] = c;
  }
  const k = ids.size;
  if (k < 2 || k > n - 1)
    throw new SmyslError(
      'E_USAGE',
      `silhouette: number of clusters is ${k}; valid values are 2 to n_samples - 1`,
    );
  const sizes = new Float64Array(k);
  for (let i = 0; i < n; i++) sizes[cluster[i]]++;
  const norms = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let d = 0; d < dim; d++) s += data[i * dim + d] ** 2;
    norms[i] = Math.sqrt(s);
  }
  const sums = new Float64Array(k);
  let total = 0;
  for (let i = 0; i < n; i++) {
    sums.fill(0);
    const oi = i * dim;
    for (let j = 0; j < n; j++) {
      if (j === i) continue;
      const oj = j * dim;
      let dist: number;
      if (metric === 'euclidean') {
        let s = 0;
        for (let d = 0; d < dim; d++) {
          const diff = data[oi + d] - data[oj + d];
          s += diff * diff;
        }
        dist = Math.sqrt(s);
      } else {
        let dot = 0;
        for (let d = 0; d < dim; d++) dot += data[oi + d] * data[oj + d];
        const den = norms[i] * norms[j];
        dist = 1 - (den === 0 ? 0 : dot / den);
      }
      sums[cluster[j]] += dist;
    }
    const own = cluster[i];
    if (sizes[own] <= 1) continue; // s(i) = 0
    const a = sums[own] / (sizes[own] - 1);
    let b = Number.POSITIVE_INFINITY;
    for (let c = 0; c < k; c++) if (c !== own) b = Math.min(b, sums[c] / sizes[c]);
    total += (b - a) / Math.max(a, b);
  }
  return total / n;
}
