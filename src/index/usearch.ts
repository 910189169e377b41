import { closeSync, existsSync, openSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { SmyslError } from '../errors.js';
import { writeFully } from '../util/fs.js';
import { assertSameDim, copyQuery, normalizeRowsInPlace } from '../vectors/dense.js';
import type { DenseMatrix } from '../vectors/types.js';
import { ExactIndex } from './exact.js';
import type { IndexMetric, RowHits, RowIndex } from './types.js';

const require = createRequire(import.meta.url);
// Loaded on the first graph made: importing this module (for its types and defaults) must not
// cost a command that never builds one — a sparse search — the native addon's load.
let usearchModule: typeof import('usearch') | undefined;
const usearchAddon = (): typeof import('usearch') => {
  usearchModule ??= require('usearch') as typeof import('usearch');
  return usearchModule;
};
type Native = import('usearch').Index;

/** How the graph stores vectors: f16 halves and i8 quarters their memory. */
export type GraphPrecision = 'f32' | 'f16' | 'i8';

export const HNSW_DEFAULTS = { connectivity: 16, expansionAdd: 200, expansionSearch: 64 } as const;

export interface UsearchOptions {
  metric?: IndexMetric;
  precision?: GraphPrecision;
  /** Links per node (M). More: better recall, more memory, slower build. */
  connectivity?: number;
  /** Candidate list size while building (efConstruction). */
  expansionAdd?: number;
  /** Candidate list size while searching (ef). */
  expansionSearch?: number;
  /** Threads for adding rows and checking them (0: all cores). Searches use one. */
  threads?: number;
}

/**
 * Passes of recheck that insert missed rows again before the last one records orphans: each
 * re-insertion can cut another row's last links, so one pass is not enough. Measured on the 341k
 * wink vectors: 1,944 orphans after one repair pass, 803 after two, 699 after four (a pass costs
 * one search per row; passes stop early once nothing was missed).
 */
const RECHECK_REPAIRS = 4;
/** Rows checked for reachability per native batch search. */
const CHECK_BATCH = 4096;
/** A row counts as found when it is among this many nearest neighbours of its own vector. */
const CHECK_K = 10;
const ORPHANS_MAGIC = 0x524f4d53; // 'SMOR': rows and vectors (no links; before 2026-12-06)
const LINKED_ORPHANS_MAGIC = 0x324f4d53; // 'SMO2': rows, vectors and each orphan's links
/** Distance under which two stored vectors are the same vector, given the storage's rounding. */
const SAME_VECTOR: Record<GraphPrecision, number> = { f32: 1e-6, f16: 2e-3, i8: 2e-2 };

/**
 * HNSW through usearch (f32, f16 or i8 storage). Labels are row numbers.
 *
 * HNSW can leave a few nodes that no search reaches, not even with their own vector (measured:
 * ~7 in 20,000 random 64-d rows, for f32 and f16 alike). Every added row is therefore searched for
 * with its own vector; rows the graph cannot find ("orphans", with a copy of their vector) keep the
 * rows that search found instead — the neighbours whose links to them the graph dropped. A search
 * that returns one of those rows scores its orphans exactly and merges them in, which is what the
 * lost links would have done: each row stays findable by its own vector, at the cost of a few
 * lookups per search rather than a scan of every orphan (699 of the 341k wink rows: a scan cost
 * ~12 µs a search, a tenth of the graph search itself). Orphans without links (graphs saved
 * before links were kept, or whose linked rows were all removed) are scanned exactly.
 *
 * usearch's Node binding has no filter callback and fixes the search expansion per object, so
 * filtered searches over-fetch until enough rows pass, and changing the expansion rebuilds the
 * native object from a saved copy.
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
  private readonly orphans = new Map<number, Float32Array>();
  /** Per orphan: the rows a search for its own vector found when it was last checked. */
  private readonly orphanLinks = new Map<number, Int32Array>();
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
    const usearch = usearchAddon();
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

  /**
   * Loads an index written by saveTo; `rowCount` is the highest row label + 1 it holds. The file
   * must be trusted (a damaged graph file can crash the native loader): collections check a
   * checksum first.
   */
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
        { location: { source: file } },
      );
    index.rowCount = rowCount;
    index.removed = rowCount - index.native.size();
    index.readOrphans(UsearchIndex.orphansFile(file));
    return index;
  }

  /** Where saveTo keeps the rows the graph cannot reach, beside the graph file. */
  static orphansFile(file: string): string {
    return `${file}.orphans`;
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

  /** Rows the graph cannot reach, scored exactly beside each search. */
  get orphanCount(): number {
    return this.orphans.size;
  }

  addRows(vectors: DenseMatrix): void {
    assertSameDim(vectors, this, 'HNSW index');
    if (vectors.rows === 0) return;
    let data = vectors.data.subarray(0, vectors.rows * this.dim);
    if (this.metric === 'cosine')
      data = normalizeRowsInPlace({ rows: vectors.rows, dim: this.dim, data: data.slice() }).data;
    const first = this.rowCount;
    const keys = new BigUint64Array(vectors.rows);
    for (let r = 0; r < vectors.rows; r++) keys[r] = BigInt(first + r);
    this.native.add(keys, data, this.threads);
    this.rowCount += vectors.rows;
    this.checkRows(first, data);
  }

  /**
   * Checks every row again (inserting rows can cut the last links to an older one): `read` gives
   * rows [from, from + count) as they were added. Removed rows are skipped. Missed rows are
   * inserted again in up to `repairPasses` passes; a last pass only records orphans. Returns how
   * many rows each repair pass inserted again.
   */
  recheck(read: (from: number, count: number) => DenseMatrix, repairPasses = RECHECK_REPAIRS): number[] {
    const counts: number[] = [];
    for (let pass = 0; pass <= repairPasses; pass++) {
      const repair = pass < repairPasses;
      let reinserted = 0;
      for (let start = 0; start < this.rowCount; start += CHECK_BATCH) {
        const count = Math.min(CHECK_BATCH, this.rowCount - start);
        const keys = new BigUint64Array(count);
        for (let i = 0; i < count; i++) keys[i] = BigInt(start + i);
        const present = this.native.contains(keys) as boolean[];
        let data = read(start, count).data.subarray(0, count * this.dim);
        if (this.metric === 'cosine')
          data = normalizeRowsInPlace({ rows: count, dim: this.dim, data: data.slice() }).data;
        reinserted += this.checkRows(start, data, present, repair);
      }
      if (!repair || reinserted === 0) break;
      counts.push(reinserted);
    }
    return counts;
  }

  /**
   * Searches rows [first, …) with their own vectors (`data`, as stored) and keeps the ones the
   * graph misses as orphans; with `repair` a missed row is first inserted again on one thread and
   * kept as an orphan only if still missed. `present[i]` false skips a removed row. Returns how
   * many rows were inserted again.
   */
  private checkRows(first: number, data: Float32Array, present?: boolean[], repair = true): number {
    const dim = this.dim;
    const rows = data.length / dim;
    let reinserted = 0;
    for (let start = 0; start < rows; start += CHECK_BATCH) {
      const n = Math.min(CHECK_BATCH, rows - start);
      const block = data.subarray(start * dim, (start + n) * dim);
      let { missed, links } = this.missedRows(first + start, block, present?.slice(start, start + n));
      if (missed.length > 0 && repair) {
        // usearch's parallel add can leave a node no search reaches (unum-cloud/USearch#735:
        // thousands of 341k rows on two threads); inserted alone, it is linked properly
        const keys = new BigUint64Array(missed.length);
        const again = new Float32Array(missed.length * dim);
        missed.forEach((i, j) => {
          keys[j] = BigInt(first + start + i);
          again.set(block.subarray(i * dim, (i + 1) * dim), j * dim);
        });
        for (const key of keys) this.native.remove(key);
        this.native.add(keys, again, 1);
        reinserted += missed.length;
        const still = this.missedRows(0, again, undefined, keys);
        missed = still.missed.map((j) => missed[j]);
        links = still.links;
      }
      missed.forEach((i, j) => {
        const row = first + start + i;
        this.orphans.set(row, block.slice(i * dim, (i + 1) * dim));
        this.orphanLinks.set(row, links[j]);
      });
      if (missed.length > 0) this.orphansChanged();
    }
    return reinserted;
  }

  /**
   * Positions in `block` (rows labelled `first + i`, or `keys[i]`) that a search with their own
   * vector does not find among the CHECK_K nearest, each with the rows that search found (its
   * links); found rows stop being orphans.
   */
  private missedRows(
    first: number,
    block: Float32Array,
    present?: boolean[],
    keys?: BigUint64Array,
  ): { missed: number[]; links: Int32Array[] } {
    const n = block.length / this.dim;
    const k = Math.min(CHECK_K, this.native.size());
    const missed: number[] = [];
    const links: Int32Array[] = [];
    if (k === 0 || n === 0) return { missed, links }; // every row was removed
    const result = this.native.search(block, k, this.threads) as
      | import('usearch').Matches
      | import('usearch').BatchMatches;
    // one query comes back as plain Matches, several as BatchMatches
    const found = 'get' in result ? result : { get: () => result };
    for (let i = 0; i < n; i++) {
      if (present && !present[i]) continue;
      const row = keys ? Number(keys[i]) : first + i;
      const hits = found.get(i);
      let hit = false;
      for (let j = 0; j < hits.keys.length && !hit; j++) hit = Number(hits.keys[j]) === row;
      // k neighbours at distance ~0 are copies of this vector: any of them is as good a find
      const crowded =
        hits.keys.length === k && hits.distances[hits.keys.length - 1] <= SAME_VECTOR[this.precision];
      if (hit || crowded) {
        if (this.orphans.delete(row)) {
          this.orphanLinks.delete(row);
          this.orphansChanged();
        }
      } else {
        missed.push(i);
        links.push(Int32Array.from(hits.keys, Number));
      }
    }
    return { missed, links };
  }

  remove(row: number): void {
    // removal is idempotent: a row already removed (or never added) removes nothing
    const n = this.native.remove(BigInt(row)) as number;
    this.removed += n;
    this.orphanLinks.delete(row);
    // a removed row may be an orphan, or the link to one: the link table is rebuilt
    if (this.orphans.delete(row) || this.orphanCache?.linkedFrom.has(row)) this.orphansChanged();
  }

  searchRows(query: Float32Array, k: number, filter?: (row: number) => boolean): RowHits {
    const q = copyQuery(query, this.query, this.metric === 'cosine');
    const live = this.rowCount - this.removed;
    if (live <= 0) return { rows: [], scores: [] };
    // no filter callback in the binding: over-fetch until k rows pass (or every row was seen).
    // With orphans, at least as many rows as their check saw: the same search finds their links.
    const least = this.orphans.size > 0 ? CHECK_K : 1;
    let want = Math.min(live, filter ? Math.max(k * 4, 64) : Math.max(k, least));
    for (;;) {
      const m = this.native.search(q, want, 1) as import('usearch').Matches;
      // keys come as BigInts: each converted once (the orphan links are looked up by all of them)
      const returned: number[] = new Array(m.keys.length);
      for (let i = 0; i < returned.length; i++) returned[i] = Number(m.keys[i]);
      const rows: number[] = [];
      const scores: number[] = [];
      for (let i = 0; i < returned.length && rows.length < k; i++) {
        const row = returned[i];
        if (filter && !filter(row)) continue;
        rows.push(row);
        const d = m.distances[i];
        scores.push(this.metric === 'euclidean' ? -Math.sqrt(d) : 1 - d);
      }
      if (rows.length >= k || want >= live || returned.length < want)
        return this.orphans.size === 0
          ? { rows, scores }
          : this.withOrphans(q, k, rows, scores, returned, filter);
      want = Math.min(live, want * 4);
    }
  }

  /**
   * Merges exact scores of the orphans a graph result reaches — those linked to one of the rows
   * it `returned` — and of the unlinked orphans into the result (both best first).
   */
  private withOrphans(
    q: Float32Array,
    k: number,
    rows: number[],
    scores: number[],
    returned: number[],
    filter?: (row: number) => boolean,
  ): RowHits {
    const table = this.orphanTable();
    let extraRows: number[] = [];
    let extraScores: number[] = [];
    if (table.unlinked) {
      // scored by the SIMD exact kernels: an old graph file can hold thousands of them
      const scan = table.unlinked;
      const found = scan.index.searchRows(q, k, filter && ((i) => filter(scan.rows[i])));
      extraRows = Array.from(found.rows, (i) => scan.rows[i]);
      extraScores = Array.from(found.scores);
    }
    let reached: number[] | undefined;
    for (let i = 0; i < returned.length; i++) {
      const orphans = table.linkedFrom.get(returned[i]);
      if (!orphans) continue;
      reached ??= [];
      for (const o of orphans) if (!reached.includes(o) && (!filter || filter(o))) reached.push(o);
    }
    if (reached) {
      for (const o of reached) {
        extraRows.push(o);
        extraScores.push(this.exactScore(q, this.orphans.get(o)!));
      }
      const order = extraRows
        .map((_, i) => i)
        .sort((a, b) => extraScores[b] - extraScores[a] || extraRows[a] - extraRows[b]);
      extraRows = order.map((i) => extraRows[i]);
      extraScores = order.map((i) => extraScores[i]);
    }
    return extraRows.length === 0 ? { rows, scores } : mergeHits(rows, scores, extraRows, extraScores, k);
  }

  /** An orphan's score as the exact kernels give it: one f32 sum over the dimensions in order. */
  private exactScore(q: Float32Array, v: Float32Array): number {
    let s = 0;
    if (this.metric === 'euclidean') {
      for (let j = 0; j < this.dim; j++) s = Math.fround(s + Math.fround((q[j] - v[j]) * (q[j] - v[j])));
      return -Math.sqrt(s);
    }
    for (let j = 0; j < this.dim; j++) s = Math.fround(s + Math.fround(q[j] * v[j]));
    return s;
  }

  /**
   * Which orphans each graph row leads to, and the orphans no live row leads to as one exact
   * index (`q` is already normalized); rebuilt after the orphans or their links change.
   */
  private orphanTable(): {
    linkedFrom: Map<number, number[]>;
    unlinked?: { index: ExactIndex; rows: Int32Array };
  } {
    if (this.orphanCache) return this.orphanCache;
    const linkedFrom = new Map<number, number[]>();
    const unlinked: number[] = [];
    const targets = [...new Set([...this.orphanLinks.values()].flatMap((l) => Array.from(l)))];
    const keys = new BigUint64Array(targets.length);
    targets.forEach((t, i) => {
      keys[i] = BigInt(t);
    });
    // removed rows are never returned: an orphan linked only to them is reached by no search
    const present = targets.length > 0 ? (this.native.contains(keys) as boolean[]) : [];
    const alive = new Set(targets.filter((_, i) => present[i]));
    for (const row of this.orphans.keys()) {
      const links = (this.orphanLinks.get(row) ?? new Int32Array(0)).filter((t) => t !== row && alive.has(t));
      if (links.length === 0) unlinked.push(row);
      for (const t of links) {
        const list = linkedFrom.get(t);
        if (list) list.push(row);
        else linkedFrom.set(t, [row]);
      }
    }
    this.orphanCache = { linkedFrom };
    if (unlinked.length > 0) {
      const rows = Int32Array.from(unlinked);
      const data = new Float32Array(rows.length * this.dim);
      rows.forEach((r, i) => {
        data.set(this.orphans.get(r)!, this.dim * i);
      });
      const metric = this.metric === 'euclidean' ? 'euclidean' : 'dot';
      const index = new ExactIndex(this.dim, { metric, threads: 1 });
      index.addRows({ rows: rows.length, dim: this.dim, data });
      this.orphanCache.unlinked = { index, rows };
    }
    return this.orphanCache;
  }
  private orphanCache?: ReturnType<UsearchIndex['orphanTable']>;

  private orphansChanged(): void {
    this.orphanCache?.unlinked?.index.close();
    this.orphanCache = undefined;
  }

  /** The orphan rows (ascending). */
  orphanRows(): number[] {
    return [...this.orphans.keys()].sort((a, b) => a - b);
  }

  /** The rows whose presence in a result leads a search to orphan `row` (empty: none). */
  orphanLinksOf(row: number): number[] {
    return Array.from(this.orphanLinks.get(row) ?? [], Number).filter((t) => t !== row);
  }

  /** How many orphans no live row links to (scanned exactly beside every search). */
  get unlinkedOrphanCount(): number {
    return this.orphans.size === 0 ? 0 : (this.orphanTable().unlinked?.rows.length ?? 0);
  }

  /** Writes the graph to `file` and the orphan rows, with their links, beside it (see orphansFile). */
  saveTo(file: string): void {
    this.native.save(file);
    const dim = this.dim;
    const rows = Int32Array.from(this.orphans.keys());
    const counts = new Int32Array(rows.length);
    const links: Int32Array[] = [];
    rows.forEach((r, i) => {
      const l = this.orphanLinks.get(r) ?? new Int32Array(0);
      counts[i] = l.length;
      links.push(l);
    });
    const total = counts.reduce((a, b) => a + b, 0);
    const header = new Int32Array([LINKED_ORPHANS_MAGIC, rows.length, dim, total]);
    const vectors = new Float32Array(rows.length * dim);
    rows.forEach((r, i) => {
      vectors.set(this.orphans.get(r)!, dim * i);
    });
    const fd = openSync(UsearchIndex.orphansFile(file), 'w');
    try {
      for (const part of [header, rows, vectors, counts, ...links])
        writeFully(
          fd,
          new Uint8Array(part.buffer, part.byteOffset, part.byteLength),
          UsearchIndex.orphansFile(file),
        );
    } finally {
      closeSync(fd);
    }
  }

  private readOrphans(file: string): void {
    if (!existsSync(file)) return; // graphs saved before orphans were tracked
    const bytes = readFileSync(file);
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const bad = () =>
      new SmyslError('E_FORMAT', 'damaged orphan-rows file of an HNSW index', { location: { source: file } });
    const magic = bytes.byteLength >= 12 ? view.getInt32(0, true) : 0;
    if (magic !== ORPHANS_MAGIC && magic !== LINKED_ORPHANS_MAGIC) throw bad();
    const linked = magic === LINKED_ORPHANS_MAGIC;
    const headerBytes = linked ? 16 : 12;
    if (bytes.byteLength < headerBytes) throw bad();
    const n = view.getInt32(4, true);
    const dim = view.getInt32(8, true);
    const total = linked ? view.getInt32(12, true) : 0;
    const size = headerBytes + n * 4 + n * dim * 4 + (linked ? n * 4 + total * 4 : 0);
    if (dim !== this.dim || n < 0 || total < 0 || bytes.byteLength !== size) throw bad();
    let linkAt = headerBytes + n * 4 + n * dim * 4 + n * 4;
    for (let i = 0; i < n; i++) {
      const row = view.getInt32(headerBytes + i * 4, true);
      const v = new Float32Array(dim);
      const o = headerBytes + n * 4 + i * dim * 4;
      for (let j = 0; j < dim; j++) v[j] = view.getFloat32(o + j * 4, true);
      this.orphans.set(row, v);
      if (!linked) continue;
      const count = view.getInt32(headerBytes + n * 4 + n * dim * 4 + i * 4, true);
      if (count < 0 || linkAt + count * 4 > bytes.byteLength) throw bad();
      const links = new Int32Array(count);
      for (let j = 0; j < count; j++) links[j] = view.getInt32(linkAt + j * 4, true);
      linkAt += count * 4;
      this.orphanLinks.set(row, links);
    }
    if (linkAt !== (linked ? bytes.byteLength : linkAt)) throw bad();
    this.orphansChanged();
  }
}

/** Two best-first lists merged into the best k (a row the graph also found appears once). */
function mergeHits(
  rowsA: number[],
  scoresA: number[],
  rowsB: number[],
  scoresB: number[],
  k: number,
): RowHits {
  const rows: number[] = [];
  const scores: number[] = [];
  const taken = new Set<number>();
  let a = 0;
  let b = 0;
  while (rows.length < k && (a < rowsA.length || b < rowsB.length)) {
    const fromA = b >= rowsB.length || (a < rowsA.length && scoresA[a] >= scoresB[b]);
    const row = fromA ? rowsA[a] : rowsB[b];
    const score = fromA ? scoresA[a++] : scoresB[b++];
    if (taken.has(row)) continue;
    taken.add(row);
    rows.push(row);
    scores.push(score);
  }
  return { rows, scores };
}
