import { columnMeans, selectRows } from './dense.js';
import { covariance } from './eigen.js';
import type { VectorStep } from './postprocess.js';
import { sampleRows, seededRandom } from './random.js';
import type { DenseMatrix } from './types.js';

export interface AnisotropyStats {
  rows: number;
  dim: number;
  /** Mean cosine similarity of random pairs of distinct rows (≈0 for isotropic vectors). */
  meanCosine: number;
  /** Standard deviation of those cosines. */
  cosineStd: number;
  /** Share of total variance along the top principal component (1/dim for isotropic vectors). */
  topComponentShare: number;
  /** Mean row L2 norm. */
  meanNorm: number;
}

export interface AnisotropyOptions {
  pairs?: number;
  /** Rows used for the principal-component share. */
  sampleRows?: number;
  seed?: number;
}

export function anisotropy(m: DenseMatrix, opts: AnisotropyOptions = {}): AnisotropyStats {
  const pairs = opts.pairs ?? 5000;
  const seed = opts.seed ?? 7;
  const random = seededRandom(seed);
  const { dim, data } = m;
  let sum = 0;
  let sumSq = 0;
  let counted = 0;
  if (m.rows >= 2) {
    for (let p = 0; p < pairs; p++) {
      const a = Math.floor(random() * m.rows);
      let b = Math.floor(random() * (m.rows - 1));
      if (b >= a) b++;
      let ab = 0;
      let aa = 0;
      let bb = 0;
      for (let j = 0; j < dim; j++) {
        const x = data[a * dim + j];
        const y = data[b * dim + j];
        ab += x * y;
        aa += x * x;
        bb += y * y;
      }
      if (aa === 0 || bb === 0) continue;
      const c = ab / Math.sqrt(aa * bb);
      sum += c;
      sumSq += c * c;
      counted++;
    }
  }
  const meanCosine = counted ? sum / counted : 0;
  let meanNorm = 0;
  for (let r = 0; r < m.rows; r++) {
    let s = 0;
    for (let j = 0; j < dim; j++) s += data[r * dim + j] * data[r * dim + j];
    meanNorm += Math.sqrt(s);
  }
  return {
    rows: m.rows,
    dim,
    meanCosine,
    cosineStd: counted ? Math.sqrt(Math.max(0, sumSq / counted - meanCosine * meanCosine)) : 0,
    topComponentShare: topComponentShare(m, opts.sampleRows ?? 20000, seed),
    meanNorm: m.rows ? meanNorm / m.rows : 0,
  };
}

/** Largest covariance eigenvalue over the trace, by power iteration (cheap at any dimension). */
export function topComponentShare(m: DenseMatrix, maxRows = 20000, seed = 7): number {
  if (m.rows < 2 || m.dim === 0) return 0;
  const sample = m.rows > maxRows ? selectRows(m, sampleRows(m.rows, maxRows, seed)) : m;
  const dim = m.dim;
  const cov = covariance(sample.data, sample.rows, dim, columnMeans(sample));
  let trace = 0;
  for (let j = 0; j < dim; j++) trace += cov[j * dim + j];
  if (trace <= 0) return 0;
  let v = new Float64Array(dim).fill(1 / Math.sqrt(dim));
  let next = new Float64Array(dim);
  let lambda = 0;
  for (let iter = 0; iter < 500; iter++) {
    for (let a = 0; a < dim; a++) {
      let s = 0;
      for (let b = 0; b < dim; b++) s += cov[a * dim + b] * v[b];
      next[a] = s;
    }
    let n = 0;
    for (let a = 0; a < dim; a++) n += next[a] * next[a];
    n = Math.sqrt(n);
    if (n === 0) return 0;
    for (let a = 0; a < dim; a++) next[a] /= n;
    const converged = Math.abs(n - lambda) <= 1e-10 * n;
    lambda = n;
    [v, next] = [next, v];
    if (converged) break;
  }
  return lambda / trace;
}

export interface StepReport extends AnisotropyStats {
  step: string;
}

/** Fits each step on the output of the previous ones and measures anisotropy after each. */
export function anisotropyReport(
  m: DenseMatrix,
  steps: VectorStep[],
  opts: AnisotropyOptions = {},
): StepReport[] {
  const out: StepReport[] = [{ step: 'input', ...anisotropy(m, opts) }];
  let current = m;
  for (const step of steps) {
    if (!step.fitted) step.fit(current);
    current = step.transform(current);
    out.push({ step: step.label, ...anisotropy(current, opts) });
  }
  return out;
}
