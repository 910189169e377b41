/**
 * Eigendecomposition of a real symmetric matrix by cyclic Jacobi rotations. O(n^3) per sweep and
 * usually under ten sweeps: fine for embedding dimensions (≤ ~1000), exact to rounding, and free of
 * the convergence traps of power iteration with deflation when eigenvalues are close.
 */
export interface SymmetricEigen {
  /** Eigenvalues, largest first. */
  values: Float64Array;
  /** Eigenvectors as rows (row i belongs to values[i]), each with its largest-|x| entry positive. */
  vectors: Float64Array;
  n: number;
}

export function symmetricEigen(matrix: ArrayLike<number>, n: number, maxSweeps = 100): SymmetricEigen {
  const a = Float64Array.from(matrix as ArrayLike<number>);
  const v = new Float64Array(n * n);
  for (let i = 0; i < n; i++) v[i * n + i] = 1;
  let scale = 0;
  for (let i = 0; i < n * n; i++) scale += a[i] * a[i];
  const tolerance = scale * 1e-30;
  for (let sweep = 0; sweep < maxSweeps; sweep++) {
    let off = 0;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) off += a[p * n + q] * a[p * n + q];
    if (off <= tolerance) break;
    for (let p = 0; p < n; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = a[p * n + q];
        if (apq === 0) continue;
        const app = a[p * n + p];
        const aqq = a[q * n + q];
        const theta = (aqq - app) / (2 * apq);
        const t =
          Math.abs(theta) > 1e150
            ? 1 / (2 * theta)
            : Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < n; k++) {
          const akp = a[k * n + p];
          const akq = a[k * n + q];
          a[k * n + p] = c * akp - s * akq;
          a[k * n + q] = s * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = a[p * n + k];
          const aqk = a[q * n + k];
          a[p * n + k] = c * apk - s * aqk;
          a[q * n + k] = s * apk + c * aqk;
        }
        for (let k = 0; k < n; k++) {
          const vkp = v[k * n + p];
          const vkq = v[k * n + q];
          v[k * n + p] = c * vkp - s * vkq;
          v[k * n + q] = s * vkp + c * vkq;
        }
      }
    }
  }
  const order = Array.from({ length: n }, (_, i) => i).sort((x, y) => a[y * n + y] - a[x * n + x]);
  const values = new Float64Array(n);
  const vectors = new Float64Array(n * n);
  order.forEach((col, i) => {
    values[i] = a[col * n + col];
    // v holds eigenvectors as columns; emit rows with a deterministic sign.
    let big = 0;
    for (let k = 0; k < n; k++) if (Math.abs(v[k * n + col]) > Math.abs(big)) big = v[k * n + col];
    const sign = big < 0 ? -1 : 1;
    for (let k = 0; k < n; k++) vectors[i * n + k] = sign * v[k * n + col];
  });
  return { values, vectors, n };
}

/** Covariance (denominator rows − 1) of the rows of data around `mean`, float64. */
export function covariance(data: Float32Array, rows: number, dim: number, mean: Float64Array): Float64Array {
  const cov = new Float64Array(dim * dim);
  const centered = new Float64Array(dim);
  for (let r = 0; r < rows; r++) {
    const o = r * dim;
    for (let j = 0; j < dim; j++) centered[j] = data[o + j] - mean[j];
    for (let a = 0; a < dim; a++) {
      const x = centered[a];
      if (x === 0) continue;
      const ao = a * dim;
      for (let b = a; b < dim; b++) cov[ao + b] += x * centered[b];
    }
  }
  const denominator = Math.max(1, rows - 1);
  for (let a = 0; a < dim; a++)
    for (let b = a; b < dim; b++) {
      const value = cov[a * dim + b] / denominator;
      cov[a * dim + b] = value;
      cov[b * dim + a] = value;
    }
  return cov;
}
