/** Readers shared by the WSD scoring scripts over cached token vectors (cache.js, gloss-cache.js). */
import { readFileSync } from 'node:fs';
import path from 'node:path';

export const readJson = <T>(file: string): T => JSON.parse(readFileSync(file, 'utf8')) as T;

/** Mean of the given layers' cached vectors (`<prefix>layer<l>.f32`), one row per cached item. */
export function layerMean(dir: string, prefix: string, layers: number[]): Float32Array {
  let out: Float32Array | null = null;
  for (const l of layers) {
    const bytes = readFileSync(path.join(dir, `${prefix}layer${l}.f32`));
    const v = new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
    if (!out) out = new Float32Array(v.length);
    for (let i = 0; i < v.length; i++) out[i] += v[i] / layers.length;
  }
  return out ?? new Float32Array(0);
}

/** Cosine of the dim-long rows at a[ao..] and b[bo..]. */
export function cosine(
  a: ArrayLike<number>,
  ao: number,
  b: ArrayLike<number>,
  bo: number,
  dim: number,
): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let d = 0; d < dim; d++) {
    dot += a[ao + d] * b[bo + d];
    na += a[ao + d] ** 2;
    nb += b[bo + d] ** 2;
  }
  return dot / (Math.sqrt(na * nb) || 1);
}
