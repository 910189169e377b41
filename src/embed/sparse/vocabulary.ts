import { SmyslError } from '../../errors.js';
import { SparseMatrixBuilder } from '../../vectors/sparse.js';
import type { SparseMatrix } from '../../vectors/types.js';
import type { Analyze } from './analyzer.js';

/**
 * A document-frequency limit as scikit-learn's `min_df`/`max_df`: an integer is a number of
 * documents, a non-integer a fraction of them. JavaScript cannot tell `1` from `1.0`, so the
 * fraction 1.0 (every document) is spelled `{ fraction: 1 }`.
 */
export type DocumentFrequencyLimit = number | { fraction: number };

export function documentCountLimit(limit: DocumentFrequencyLimit, nDocs: number): number {
  if (typeof limit === 'number') return Number.isInteger(limit) ? limit : limit * nDocs;
  return limit.fraction * nDocs;
}

export function checkLimit(name: string, limit: DocumentFrequencyLimit): void {
  const v = typeof limit === 'number' ? limit : limit.fraction;
  const isFraction = typeof limit !== 'number' || !Number.isInteger(limit);
  if (!Number.isFinite(v) || v < 0 || (isFraction && v > 1))
    throw new SmyslError('E_USAGE', `${name} must be a count >= 0 or a fraction in [0, 1], got ${v}`);
}

/** Python's string order (code points). JavaScript's `<` compares UTF-16 units, which puts
 * astral characters (surrogate pairs) before U+E000..U+FFFF; this moves them after. */
export function compareCodePoints(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    let x = a.charCodeAt(i);
    let y = b.charCodeAt(i);
    if (x === y) continue;
    if (x >= 0xd800 && y >= 0xd800) {
      x = x >= 0xe000 ? x - 0x800 : x + 0x2000;
      y = y >= 0xe000 ? y - 0x800 : y + 0x2000;
    }
    return x - y;
  }
  return a.length - b.length;
}

const SURROGATE = /[\uD800-\uDFFF]/;

/** Sorts terms in code-point order, fast (default sort) when no term has an astral character. */
export function sortTerms(terms: string[]): string[] {
  if (terms.some((t) => SURROGATE.test(t))) return terms.sort(compareCodePoints);
  return terms.sort();
}

/**
 * Counts terms document by document into a CSR of raw counts. With a growing vocabulary new
 * terms get the next id (first-appearance order); with a fixed one unknown terms are skipped.
 * Per-document counting uses one reusable scratch array and a list of touched ids, so the only
 * allocations per document are the analyzer's term list and the new terms' map entries.
 */
export class TermCounter {
  readonly vocabulary: Map<string, number>;
  private counts = new Int32Array(1024);
  private touched = new Int32Array(1024);
  private readonly out: SparseMatrixBuilder;
  /** Number of analyzed terms per document (known or not): BM25's document length. */
  private lengths = new Float64Array(64);
  private nDocs = 0;

  constructor(
    private readonly analyze: Analyze,
    vocabulary: Map<string, number> | undefined,
    private readonly grow: boolean,
  ) {
    this.vocabulary = vocabulary ?? new Map();
    this.out = new SparseMatrixBuilder(0, 4096, 256);
    if (this.vocabulary.size > this.counts.length) this.counts = new Int32Array(this.vocabulary.size);
  }

  add(text: string): void {
    const terms = this.analyze(text);
    const vocab = this.vocabulary;
    let counts = this.counts;
    let touched = this.touched;
    let nTouched = 0;
    for (let t = 0; t < terms.length; t++) {
      let id = vocab.get(terms[t]);
      if (id === undefined) {
        if (!this.grow) continue;
        id = vocab.size;
        vocab.set(terms[t], id);
        if (id >= counts.length) {
          const next = new Int32Array(counts.length * 2);
          next.set(counts);
          this.counts = counts = next;
        }
      }
      if (counts[id]++ === 0) {
        if (nTouched === touched.length) {
          const next = new Int32Array(touched.length * 2);
          next.set(touched);
          this.touched = touched = next;
        }
        touched[nTouched++] = id;
      }
    }
    const ids = touched.subarray(0, nTouched);
    ids.sort();
    this.out.reserve(nTouched);
    for (let k = 0; k < nTouched; k++) {
      const id = ids[k];
      this.out.push(id, counts[id]);
      counts[id] = 0;
    }
    this.out.endRow();
    if (this.nDocs === this.lengths.length) {
      const next = new Float64Array(this.lengths.length * 2);
      next.set(this.lengths);
      this.lengths = next;
    }
    this.lengths[this.nDocs++] = terms.length;
  }

  get documents(): number {
    return this.nDocs;
  }

  /** The raw-count matrix over the current vocabulary ids, and each document's term count. */
  finish(): { counts: SparseMatrix; lengths: Float64Array } {
    const m = this.out.build();
    m.cols = this.vocabulary.size;
    return { counts: m, lengths: this.lengths.slice(0, this.nDocs) };
  }
}

export interface PruneOptions {
  minDf: DocumentFrequencyLimit;
  maxDf: DocumentFrequencyLimit;
  maxFeatures: number | null;
  /** Counts are already binary (scikit-learn binarizes before `max_features` ranks by total count). */
  binary: boolean;
}

/**
 * scikit-learn's `_sort_features` + `_limit_features`: sort the vocabulary, drop terms whose
 * document frequency is outside [min_df, max_df], keep the `max_features` most frequent (ties:
 * the earlier term in sorted order), and re-index the count matrix. Rows stay sorted.
 */
export function finalizeVocabulary(
  vocabulary: Map<string, number>,
  counts: SparseMatrix,
  opts: PruneOptions,
): { terms: string[]; counts: SparseMatrix } {
  const nTerms = vocabulary.size;
  const nDocs = counts.rows;
  if (nTerms === 0)
    throw new SmyslError('E_INPUT', 'empty vocabulary; perhaps the documents only contain stop words');
  const sorted = sortTerms([...vocabulary.keys()]);
  // old id → position in sorted order
  const sortedPos = new Int32Array(nTerms);
  for (let i = 0; i < nTerms; i++) sortedPos[vocabulary.get(sorted[i])!] = i;

  const df = new Float64Array(nTerms);
  const tf = new Float64Array(nTerms);
  const nnz = counts.indptr[counts.rows];
  for (let k = 0; k < nnz; k++) {
    const p = sortedPos[counts.indices[k]];
    df[p]++;
    tf[p] += opts.binary ? 1 : counts.data[k];
  }
  const high = documentCountLimit(opts.maxDf, nDocs);
  const low = documentCountLimit(opts.minDf, nDocs);
  if (high < low) throw new SmyslError('E_USAGE', 'max_df corresponds to fewer documents than min_df');
  const keep = new Uint8Array(nTerms);
  let kept = 0;
  for (let p = 0; p < nTerms; p++) {
    if (df[p] <= high && df[p] >= low) {
      keep[p] = 1;
      kept++;
    }
  }
  if (opts.maxFeatures !== null && kept > opts.maxFeatures) {
    const candidates: number[] = [];
    for (let p = 0; p < nTerms; p++) if (keep[p]) candidates.push(p);
    candidates.sort((a, b) => tf[b] - tf[a] || a - b);
    keep.fill(0);
    for (let r = 0; r < opts.maxFeatures; r++) keep[candidates[r]] = 1;
    kept = opts.maxFeatures;
  }
  if (kept === 0)
    throw new SmyslError('E_INPUT', 'after pruning, no terms remain; try a lower min_df or a higher max_df');
  const newIndexOfSorted = new Int32Array(nTerms);
  const terms: string[] = new Array(kept);
  let next = 0;
  for (let p = 0; p < nTerms; p++) {
    if (keep[p]) {
      terms[next] = sorted[p];
      newIndexOfSorted[p] = next++;
    } else newIndexOfSorted[p] = -1;
  }
  const oldToNew = new Int32Array(nTerms);
  for (let old = 0; old < nTerms; old++) oldToNew[old] = newIndexOfSorted[sortedPos[old]];
  return { terms, counts: remapColumns(counts, oldToNew, kept) };
}

/** Re-indexes columns (dropping those mapped to -1) and re-sorts each row, in O(nnz) via two
 * counting-sort transposes' worth of work done with a per-row scratch. */
export function remapColumns(m: SparseMatrix, oldToNew: Int32Array, cols: number): SparseMatrix {
  const b = new SparseMatrixBuilder(cols, m.indptr[m.rows], m.rows);
  const scratch = new Float32Array(cols);
  let ids = new Int32Array(256);
  for (let i = 0; i < m.rows; i++) {
    const s = m.indptr[i];
    const e = m.indptr[i + 1];
    if (e - s > ids.length) ids = new Int32Array(e - s);
    let n = 0;
    for (let k = s; k < e; k++) {
      const j = oldToNew[m.indices[k]];
      if (j < 0) continue;
      scratch[j] = m.data[k];
      ids[n++] = j;
    }
    const row = ids.subarray(0, n);
    row.sort();
    for (let k = 0; k < n; k++) b.push(row[k], scratch[row[k]]);
    b.endRow();
  }
  return b.build();
}
