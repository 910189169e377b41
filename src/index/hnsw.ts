import { createRequire } from 'node:module';
import { SmyslError } from '../errors.js';
import { assertSameDim, copyQuery, normalizeRowsInPlace } from '../vectors/dense.js';
import type { DenseMatrix } from '../vectors/types.js';
import type { IndexMetric, RowHits, RowIndex } from './types.js';

// hnswlib-node is CommonJS with a native addon.
const require = createRequire(import.meta.url);
const hnswlib = require('hnswlib-node') as typeof import('hnswlib-node');
type Native = import('hnswlib-node').HierarchicalNSW;

export interface HnswOptions {
  metric?: IndexMetric;
  /** Links per node (M). More: better recall, more memory, slower build. */
  connectivity?: number;
  /** Candidate list size while building (efConstruction). */
  expansionAdd?: number;
  /** Candidate list size while searching (ef); raised to k when k is larger. */
  expansionSearch?: number;
  seed?: number;
}

export const HNSW_DEFAULTS = { connectivity: 16, expansionAdd: 200, expansionSearch: 64, seed: 100 } as const;

/**
 * Approximate nearest neighbours through hnswlib (hnswlib-node): labels are row numbers. Cosine
 * is served as inner product over normalized vectors (same order, cheaper than hnswlib's cosine
 * space, and the scores are cosines).
 */
export class HnswIndex implements RowIndex {
  readonly metric: IndexMetric;
  readonly dim: number;
  readonly connectivity: number;
  readonly expansionAdd: number;
  private expansion: number;
  private readonly native: Native;
  rowCount = 0;
  private readonly query: number[];

  private constructor(dim: number, opts: HnswOptions, native: Native) {
    this.dim = dim;
    this.metric = opts.metric ?? 'cosine';
    this.connectivity = opts.connectivity ?? HNSW_DEFAULTS.connectivity;
    this.expansionAdd = opts.expansionAdd ?? HNSW_DEFAULTS.expansionAdd;
    this.expansion = opts.expansionSearch ?? HNSW_DEFAULTS.expansionSearch;
    this.native = native;
    this.query = new Array<number>(dim).fill(0);
    native.setEf(this.expansion);
  }

  private static space(metric: IndexMetric): 'ip' | 'l2' {
    return metric === 'euclidean' ? 'l2' : 'ip';
  }

  static create(dim: number, opts: HnswOptions = {}, capacity = 1024): HnswIndex {
    const native = new hnswlib.HierarchicalNSW(HnswIndex.space(opts.metric ?? 'cosine'), dim);
    native.initIndex(
      Math.max(1, capacity),
      opts.connectivity ?? HNSW_DEFAULTS.connectivity,
      opts.expansionAdd ?? HNSW_DEFAULTS.expansionAdd,
      opts.seed ?? HNSW_DEFAULTS.seed,
    );
    return new HnswIndex(dim, opts, native);
  }

  /** Loads an index written by saveTo; `rowCount` is the number of labels it holds. */
  static load(file: string, dim: number, opts: HnswOptions = {}): HnswIndex {
    const native = new hnswlib.HierarchicalNSW(HnswIndex.space(opts.metric ?? 'cosine'), dim);
    try {
      native.readIndexSync(file);
    } catch (e) {
      throw new SmyslError('E_FORMAT', `cannot read HNSW index: ${(e as Error).message}`, {
        location: { source: file },
      });
    }
    const index = new HnswIndex(dim, opts, native);
    index.rowCount = native.getCurrentCount();
    return index;
  }

  get expansionSearch(): number {
    return this.expansion;
  }
  set expansionSearch(ef: number) {
    this.expansion = ef;
    this.native.setEf(ef);
  }

  addRows(vectors: DenseMatrix): void {
    assertSameDim(vectors, this, 'HNSW index');
    const needed = this.rowCount + vectors.rows;
    const capacity = this.native.getMaxElements();
    if (needed > capacity) this.native.resizeIndex(Math.max(needed, capacity * 2));
    const data =
      this.metric === 'cosine'
        ? normalizeRowsInPlace({
            rows: vectors.rows,
            dim: this.dim,
            data: vectors.data.slice(0, vectors.rows * this.dim),
          }).data
        : vectors.data;
    const point = new Array<number>(this.dim);
    for (let r = 0; r < vectors.rows; r++) {
      const o = r * this.dim;
      for (let j = 0; j < this.dim; j++) point[j] = data[o + j];
      this.native.addPoint(point, this.rowCount + r);
    }
    this.rowCount = needed;
  }

  remove(row: number): void {
    try {
      this.native.markDelete(row);
    } catch {
      // already removed or never added: removal is idempotent
    }
  }

  searchRows(query: Float32Array, k: number, filter?: (row: number) => boolean): RowHits {
    // hnswlib-node takes a plain array
    const q = copyQuery(query, this.query, this.metric === 'cosine');
    if (k > this.expansion) this.native.setEf(k);
    const result = filter ? this.native.searchKnn(q, k, filter) : this.native.searchKnn(q, k);
    if (k > this.expansion) this.native.setEf(this.expansion);
    const { neighbors, distances } = result;
    const scores = new Array<number>(distances.length);
    for (let i = 0; i < distances.length; i++)
      scores[i] = this.metric === 'euclidean' ? -Math.sqrt(distances[i]) : 1 - distances[i];
    return { rows: neighbors, scores };
  }

  /** A stored row (normalized when the metric is cosine). */
  getRow(row: number, into: Float32Array): void {
    const values = this.native.getPoint(row);
    for (let j = 0; j < this.dim; j++) into[j] = values[j];
  }

  /** Writes the graph; capacity is trimmed first, since loading allocates the saved capacity. */
  saveTo(file: string): void {
    if (this.native.getMaxElements() > this.rowCount) this.native.resizeIndex(Math.max(1, this.rowCount));
    this.native.writeIndexSync(file);
  }
}
