import { kmeans } from '../tasks/cluster.js';
import { Pca } from '../vectors/postprocess.js';
import { tsne, umap } from '../vectors/projection.js';
import type { DenseMatrix } from '../vectors/types.js';
import type { MapPoint } from './types.js';

export type ProjectionMethod = 'pca' | 'tsne' | 'umap';

/** 2-D coordinates (n x 2, row-major) of the rows of `x`. */
export function project(x: DenseMatrix, method: ProjectionMethod, seed = 1): Float32Array {
  if (x.rows < 2) return new Float32Array(x.rows * 2);
  if (method === 'tsne') return tsne(x, { seed });
  if (method === 'umap') return x.rows < 4 ? project(x, 'pca', seed) : umap(x, { seed });
  const pca = new Pca({ components: Math.min(2, x.dim) });
  pca.fit(x);
  const y = pca.transform(x);
  if (y.dim === 2) return Float32Array.from(y.data.subarray(0, x.rows * 2));
  const out = new Float32Array(x.rows * 2);
  for (let i = 0; i < x.rows; i++) out[i * 2] = y.data[i];
  return out;
}

/** k-means cluster labels ("cluster 1" …), with k growing slowly with the number of points. */
export function clusterGroups(x: DenseMatrix, seed = 1): string[] {
  if (x.rows < 2) return Array(x.rows).fill('cluster 1');
  const k = Math.max(2, Math.min(12, Math.round(Math.sqrt(x.rows / 4))));
  const result = kmeans(x, { k: Math.min(k, x.rows), seed, restarts: 2 });
  return Array.from(result.labels, (l) => `cluster ${l + 1}`);
}

/** Map points of labelled vectors: projected, grouped by `groups` or by k-means clusters. */
export function mapPoints(
  x: DenseMatrix,
  labels: string[],
  options: { method: ProjectionMethod; groups?: (string | undefined)[]; seed?: number },
): MapPoint[] {
  const xy = project(x, options.method, options.seed);
  const groups = options.groups ?? clusterGroups(x, options.seed);
  return labels.map((label, i) => ({ x: xy[i * 2], y: xy[i * 2 + 1], label, group: groups[i] }));
}
