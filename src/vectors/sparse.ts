import { once } from 'node:events';
import { createWriteStream, promises as fsp } from 'node:fs';
import path from 'node:path';
import { SmyslError } from '../errors.js';
import type { SparseMatrix } from './types.js';

/** One row of a CSR matrix as views (no copy) into its `indices` and `data`. */
export interface SparseRow {
  indices: Int32Array;
  data: Float32Array;
}

/** Entry range of row `i`: indices/data[start .. end). */
export function rowRange(m: SparseMatrix, i: number): [number, number] {
  if (i < 0 || i >= m.rows) throw new RangeError(`row ${i} out of range 0..${m.rows - 1}`);
  return [m.indptr[i], m.indptr[i + 1]];
}

export function sparseRow(m: SparseMatrix, i: number): SparseRow {
  const [s, e] = rowRange(m, i);
  return { indices: m.indices.subarray(s, e), data: m.data.subarray(s, e) };
}

/** Number of stored entries. */
export function nnz(m: SparseMatrix): number {
  return m.indptr[m.rows];
}

/** An empty matrix with `rows` rows and no entries. */
export function emptySparse(rows: number, cols: number): SparseMatrix {
  return {
    rows,
    cols,
    indptr: new Int32Array(rows + 1),
    indices: new Int32Array(0),
    data: new Float32Array(0),
  };
}

/**
 * Dot product of two sparse rows whose indices are sorted ascending (what every builder here
 * produces). Merges the two index lists; accumulates in float64.
 */
export function dotRows(a: SparseRow, b: SparseRow): number {
  let i = 0;
  let j = 0;
  let sum = 0;
  const ai = a.indices;
  const bi = b.indices;
  while (i < ai.length && j < bi.length) {
    const x = ai[i];
    const y = bi[j];
    if (x === y) {
      sum += a.data[i++] * b.data[j++];
    } else if (x < y) i++;
    else j++;
  }
  return sum;
}

export function rowNorm(r: SparseRow): number {
  let s = 0;
  for (let k = 0; k < r.data.length; k++) s += r.data[k] * r.data[k];
  return Math.sqrt(s);
}

/** Cosine similarity of two rows; 0 when either is all zeros. */
export function cosineRows(a: SparseRow, b: SparseRow): number {
  const na = rowNorm(a);
  const nb = rowNorm(b);
  if (na === 0 || nb === 0) return 0;
  return dotRows(a, b) / (na * nb);
}

/** Dot product of row i of `a` with row j of `b`. */
export function sparseDot(a: SparseMatrix, i: number, b: SparseMatrix, j: number): number {
  return dotRows(sparseRow(a, i), sparseRow(b, j));
}

export function sparseCosine(a: SparseMatrix, i: number, b: SparseMatrix, j: number): number {
  return cosineRows(sparseRow(a, i), sparseRow(b, j));
}

/** Scales every row in place to unit l2 (or l1) norm; all-zero rows stay zero. */
export function normalizeRows(m: SparseMatrix, norm: 'l1' | 'l2' = 'l2'): SparseMatrix {
  for (let i = 0; i < m.rows; i++) {
    const s = m.indptr[i];
    const e = m.indptr[i + 1];
    let acc = 0;
    if (norm === 'l2') for (let k = s; k < e; k++) acc += m.data[k] * m.data[k];
    else for (let k = s; k < e; k++) acc += Math.abs(m.data[k]);
    if (acc === 0) continue;
    const inv = norm === 'l2' ? Math.sqrt(acc) : acc;
    for (let k = s; k < e; k++) m.data[k] = m.data[k] / inv;
  }
  return m;
}

/** Value at (i, j), 0 when not stored (binary search in the sorted row). */
export function sparseGet(m: SparseMatrix, i: number, j: number): number {
  let lo = m.indptr[i];
  let hi = m.indptr[i + 1] - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const c = m.indices[mid];
    if (c === j) return m.data[mid];
    if (c < j) lo = mid + 1;
    else hi = mid - 1;
  }
  return 0;
}

/** Row-major dense copy (for small matrices and tests). */
export function sparseToDense(m: SparseMatrix): Float32Array {
  const out = new Float32Array(m.rows * m.cols);
  for (let i = 0; i < m.rows; i++)
    for (let k = m.indptr[i]; k < m.indptr[i + 1]; k++) out[i * m.cols + m.indices[k]] += m.data[k];
  return out;
}

/** Builds a CSR matrix from rows given as maps or (index, value) lists; sorts each row. */
export function sparseFromRows(rows: ReadonlyArray<ReadonlyArray<readonly [number, number]>>, cols: number) {
  const b = new SparseMatrixBuilder(cols);
  for (const r of rows) {
    const sorted = [...r].sort((x, y) => x[0] - y[0]);
    for (const [j, v] of sorted) b.push(j, v);
    b.endRow();
  }
  return b.build();
}

/** Transpose (CSR of the transpose, i.e. the CSC of `m`); indices of each output row stay sorted. */
export function transposeSparse(m: SparseMatrix): SparseMatrix {
  const n = nnz(m);
  const indptr = new Int32Array(m.cols + 1);
  for (let k = 0; k < n; k++) indptr[m.indices[k] + 1]++;
  for (let j = 0; j < m.cols; j++) indptr[j + 1] += indptr[j];
  const fill = indptr.slice(0, m.cols);
  const indices = new Int32Array(n);
  const data = new Float32Array(n);
  for (let i = 0; i < m.rows; i++) {
    for (let k = m.indptr[i]; k < m.indptr[i + 1]; k++) {
      const dst = fill[m.indices[k]]++;
      indices[dst] = i;
      data[dst] = m.data[k];
    }
  }
  return { rows: m.cols, cols: m.rows, indptr, indices, data };
}

/**
 * Appends entries row by row; `build()` joins them into exact-size arrays. The caller pushes
 * each row's entries in ascending column order. Entries go into fixed-size blocks rather than
 * one doubling array: growing by copying held the old and new arrays at once, which made the
 * builder the largest memory peak of vectorizing a corpus.
 */
export class SparseMatrixBuilder {
  private static readonly BLOCK = 1 << 16;
  private readonly full: { indices: Int32Array; data: Float32Array; length: number }[] = [];
  private indices: Int32Array;
  private data: Float32Array;
  /** Position in the current block. */
  private at = 0;
  private fullSize = 0;
  private indptr: Int32Array;
  private rowCount = 0;

  constructor(
    readonly cols: number,
    expectedNnz = 1024,
    expectedRows = 64,
  ) {
    const first = Math.min(Math.max(16, expectedNnz), SparseMatrixBuilder.BLOCK);
    this.indices = new Int32Array(first);
    this.data = new Float32Array(first);
    this.indptr = new Int32Array(Math.max(2, expectedRows + 1));
  }

  get rows(): number {
    return this.rowCount;
  }

  push(col: number, value: number): void {
    if (this.at === this.indices.length) this.nextBlock(1);
    this.indices[this.at] = col;
    this.data[this.at++] = value;
  }

  /** Makes room for `extra` more entries so a hot loop can write without checks. */
  reserve(extra: number): void {
    if (this.at + extra > this.indices.length) this.nextBlock(extra);
  }

  endRow(): void {
    if (this.rowCount + 2 > this.indptr.length) {
      const next = new Int32Array(this.indptr.length * 2);
      next.set(this.indptr);
      this.indptr = next;
    }
    this.indptr[++this.rowCount] = this.fullSize + this.at;
  }

  /** The matrix; the builder must not be used afterwards. */
  build(): SparseMatrix {
    const size = this.fullSize + this.at;
    let indices: Int32Array;
    let data: Float32Array;
    if (this.full.length === 0) {
      // one block: hand it over when nearly full rather than copy, to spare the memory peak
      const view = size >= this.indices.length * 0.9;
      indices = view ? this.indices.subarray(0, size) : this.indices.slice(0, size);
      data = view ? this.data.subarray(0, size) : this.data.slice(0, size);
    } else {
      indices = new Int32Array(size);
      data = new Float32Array(size);
      let offset = 0;
      for (const b of this.full) {
        indices.set(b.indices.subarray(0, b.length), offset);
        data.set(b.data.subarray(0, b.length), offset);
        offset += b.length;
      }
      indices.set(this.indices.subarray(0, this.at), offset);
      data.set(this.data.subarray(0, this.at), offset);
      this.full.length = 0;
    }
    return {
      rows: this.rowCount,
      cols: this.cols,
      indptr: this.indptr.slice(0, this.rowCount + 1),
      indices,
      data,
    };
  }

  private nextBlock(atLeast: number): void {
    if (this.at > 0) {
      this.full.push({ indices: this.indices, data: this.data, length: this.at });
      this.fullSize += this.at;
    }
    const capacity = Math.max(SparseMatrixBuilder.BLOCK, atLeast);
    this.indices = new Int32Array(capacity);
    this.data = new Float32Array(capacity);
    this.at = 0;
  }
}

/**
 * Writes a Matrix Market coordinate file (1-based, "real general"), and with `vocabulary` a
 * vocabulary file with one term per line in column order (newlines and tabs inside a term are
 * escaped as \n and \t so line i stays column i).
 */
export async function writeMatrixMarket(
  file: string,
  m: SparseMatrix,
  opts: { vocabulary?: readonly string[]; vocabularyFile?: string; comment?: string } = {},
): Promise<void> {
  await fsp.mkdir(path.dirname(path.resolve(file)), { recursive: true });
  const out = createWriteStream(file, { encoding: 'utf8' });
  const failed = new Promise<never>((_, reject) =>
    out.on('error', (e) =>
      reject(new SmyslError('E_IO', `cannot write ${file}: ${e.message}`, { cause: e })),
    ),
  );
  const write = async (s: string) => {
    if (!out.write(s)) await Promise.race([once(out, 'drain'), failed]);
  };
  await write('%%MatrixMarket matrix coordinate real general\n');
  if (opts.comment) for (const line of opts.comment.split('\n')) await write(`% ${line}\n`);
  await write(`${m.rows} ${m.cols} ${nnz(m)}\n`);
  let chunk = '';
  for (let i = 0; i < m.rows; i++) {
    for (let k = m.indptr[i]; k < m.indptr[i + 1]; k++) {
      chunk += `${i + 1} ${m.indices[k] + 1} ${formatValue(m.data[k])}\n`;
      if (chunk.length > 1 << 16) {
        await write(chunk);
        chunk = '';
      }
    }
  }
  await write(chunk);
  out.end();
  await Promise.race([once(out, 'finish'), failed]);
  if (opts.vocabulary && opts.vocabularyFile) {
    const lines = opts.vocabulary.map(escapeTerm).join('\n');
    await fsp.writeFile(opts.vocabularyFile, opts.vocabulary.length ? `${lines}\n` : '');
  }
}

function formatValue(v: number): string {
  return Number.isInteger(v) ? String(v) : String(Math.fround(v));
}

function escapeTerm(t: string): string {
  return t.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/\t/g, '\\t').replace(/\r/g, '\\r');
}

/** Reads a Matrix Market coordinate file (real/integer/pattern, general) into CSR. */
export async function readMatrixMarket(file: string): Promise<SparseMatrix> {
  let text: string;
  try {
    text = await fsp.readFile(file, 'utf8');
  } catch (e) {
    throw new SmyslError('E_IO', `cannot read ${file}: ${(e as Error).message}`, { cause: e });
  }
  const lines = text.split('\n');
  const header = lines[0] ?? '';
  if (!/^%%MatrixMarket\s+matrix\s+coordinate\s+(real|integer|pattern)\s+general/i.test(header))
    throw new SmyslError('E_FORMAT', 'not a general coordinate Matrix Market file', {
      location: { source: file, line: 1 },
    });
  const pattern = /pattern/i.test(header);
  let li = 1;
  while (li < lines.length && lines[li].startsWith('%')) li++;
  const [rows, cols, count] = lines[li].trim().split(/\s+/).map(Number);
  if (![rows, cols, count].every(Number.isInteger))
    throw new SmyslError('E_FORMAT', 'bad size line', { location: { source: file, line: li + 1 } });
  const entries: [number, number, number][] = [];
  for (li++; li < lines.length; li++) {
    const s = lines[li].trim();
    if (s === '' || s.startsWith('%')) continue;
    const p = s.split(/\s+/);
    const i = Number(p[0]) - 1;
    const j = Number(p[1]) - 1;
    const v = pattern ? 1 : Number(p[2]);
    if (!(i >= 0 && i < rows && j >= 0 && j < cols && Number.isFinite(v)))
      throw new SmyslError('E_FORMAT', `bad entry "${s}"`, { location: { source: file, line: li + 1 } });
    entries.push([i, j, v]);
  }
  if (entries.length !== count)
    throw new SmyslError('E_FORMAT', `expected ${count} entries, found ${entries.length}`, {
      location: { source: file },
    });
  entries.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const b = new SparseMatrixBuilder(cols, count, rows);
  let r = 0;
  for (const [i, j, v] of entries) {
    while (r < i) {
      b.endRow();
      r++;
    }
    b.push(j, v);
  }
  while (r < rows) {
    b.endRow();
    r++;
  }
  return b.build();
}
