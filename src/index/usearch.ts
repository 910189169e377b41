import { existsSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { SmyslError } from '../errors.js';
import { assertSameDim, copyQuery, normalizeRowsInPlace } from '../vectors/dense.js';
import type { DenseMatrix } from '../vectors/types.js';
import { HNSW_DEFAULTS } from './hnsw.js';
import type { IndexMetric, RowHits, RowIndex } from './types.js';

const require = createRequire(import.meta.url);
const usearch = require('usearch') as typeof import('usearch');
type Native = import('usearch').Index;

/** How the graph stores vectors: f16 halves and i8 quarters their memory. */
export type GraphPrecision = 'f32' | 'f16' | 'i8';

export interface UsearchOptions {
  metric?: IndexMetric;
  precision?: GraphPrecision;
  /** Links per node (M). */
  connectivity?: number;
  /** Candidate list size while building (efConstruction). */
  expansionAdd?: number;
  /** Candidate list size while searching (ef). */
  expansionSearch?: number;
  /** Threads for adding rows (0: all cores). Searches use one. */
  threads?: number;
}

/**
 * HNSW through usearch, for graphs that store vectors in f16 or i8: the vectors are most of an
 * HNSW index's memory, and hnswlib keeps them in f32 only. usearch's Node binding has no
 * filter callback and fixes the search expansion per index object, so filtered searches
 * over-fetch until enough rows pass, and changing the expansion rebuilds the native object
 * from a saved copy. Labels are row numbers, as with HnswIndex.
 */
export class UsearchIndex implements RowIndex {
  readonly metric: IndexMetric;
  readonly dim: number;
  readonly precision: GraphPrecision;
  readonly connectivity: number;
  readonly expansionAdd: number;
  private expansion: number;
  private readonly threads: number;
  private native: Native;
  rowCount = 0;
  private removed = 0;
  private readonly query: Float32Array;

  private constructor(dim: number, opts: UsearchOptions) {
    this.dim = dim;
    this.metric = opts.metric ?? 'cosine';
    this.precision = opts.precision ?? 'f16';
    this.connectivity = opts.connectivity ?? HNSW_DEFAULTS.connectivity;
    this.expansionAdd = opts.expansionAdd ?? HNSW_DEFAULTS.expansionAdd;
    this.expansion = opts.expansionSearch ?? HNSW_DEFAULTS.expansionSearch;
    this.threads = opts.threads ?? 0;
    this.query = new Float32Array(dim);
    this.native = this.newNative(this.expansion);
  }

  private newNative(expansionSearch: number): Native {
    return new usearch.Index({
      dimensions: this.dim,
      // i8 inner products come back in quantized units (~127^2) and rank poorly; usearch's
      // cosine on i8 rescales, and equals the inner product on the unit vectors stored here
      metric:
        this.metric === 'euclidean'
          ? usearch.MetricKind.L2sq
          : this.precision === 'i8'
            ? usearch.MetricKind.Cos
            : usearch.MetricKind.IP,
      quantization: this.precision as import('usearch').ScalarKind,
      connectivity: this.connectivity,
      expansion_add: this.expansionAdd,
      expansion_search: expansionSearch,
      multi: false,
    });
  }

  static create(dim: number, opts: UsearchOptions = {}): UsearchIndex {
    return new UsearchIndex(dim, opts);
  }

  /** Loads an index written by saveTo; `rowCount` is the highest row label + 1 it holds. */
  static load(file: string, dim: number, rowCount: number, opts: UsearchOptions = {}): UsearchIndex {
    const index = new UsearchIndex(dim, opts);
    try {
      index.native.load(file);
    } catch (e) {
      throw new SmyslError('E_FORMAT', `cannot read HNSW index: ${(e as Error).message}`, {
        location: { source: file },
      });
    }
    if (index.native.dimensions() !== dim)
      throw new SmyslError(
        'E_FORMAT',
        `HNSW index has ${index.native.dimensions()} dimensions, expected ${dim}`,
        {
          location: { source: file },
        },
      );
    index.rowCount = rowCount;
    index.removed = rowCount - index.native.size();
    return index;
  }

  get expansionSearch(): number {
    return this.expansion;
  }
  set expansionSearch(ef: number) {
    if (ef === this.expansion) return;
    this.expansion = ef;
    const next = this.newNative(ef);
    if (this.native.size() > 0) {
      const tmp = path.join(os.tmpdir(), `smysl-usearch-${process.pid}-${Date.now()}.bin`);
      try {
        this.native.save(tmp);
        next.load(tmp);
      } finally {
        if (existsSync(tmp)) rmSync(tmp, { force: true });
      }
    }
    this.native = next;
  }

  addRows(vectors: DenseMatrix): void {
    assertSameDim(vectors, this, 'HNSW index');
    if (vectors.rows === 0) return;
    let data = vectors.data.subarray(0, vectors.rows * this.dim);
    if (this.metric === 'cosine')
      data = normalizeRowsInPlace({ rows: vectors.rows, dim: this.dim, data: data.slice() }).data;
    const keys = new BigUint64Array(vectors.rows);
    for (let r = 0; r < vectors.rows; r++) keys[r] = BigInt(this.rowCount + r);
    this.native.add(keys, data, this.threads);
    this.rowCount += vectors.rows;
  }

  remove(row: number): void {
    // removal is idempotent: a row already removed (or never added) removes nothing
    const n = this.native.remove(BigInt(row)) as number;
    this.removed += n;
  }

  searchRows(query: Float32Array, k: number, filter?: (row: number) => boolean): RowHits {
    const q = copyQuery(query, this.query, this.metric === 'cosine');
    const live = this.rowCount - this.removed;
    if (live <= 0) return { rows: [], scores: [] };
    // no filter callback in the binding: over-fetch until k rows pass (or every row was seen)
    let want = Math.min(live, filter ? Math.max(k * 4, 64) : k);
    for (;;) {
      const m = this.native.search(q, want, 1);
      const rows: number[] = [];
      const scores: number[] = [];
      for (let i = 0; i < m.keys.length && rows.length < k; i++) {
        const row = Number(m.keys[i]);
        if (filter && !filter(row)) continue;
        rows.push(row);
        const d = m.distances[i];
        scores.push(this.metric === 'euclidean' ? -Math.sqrt(d) : 1 - d);
      }
      if (rows.length >= k || want >= live || m.keys.length < want) return { rows, scores };
      want = Math.min(live, want * 4);
    }
  }

  saveTo(file: string): void {
    this.native.save(file);
  }
}
