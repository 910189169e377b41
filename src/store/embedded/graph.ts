import { createHash } from 'node:crypto';
import {
  closeSync,
  existsSync,
  fsyncSync,
  openSync,
  readFileSync,
  readSync,
  renameSync,
  rmSync,
} from 'node:fs';
import path from 'node:path';
import { ExactIndex } from '../../index/exact.js';
import type { RowHits, RowIndex } from '../../index/types.js';
import { type GraphPrecision, UsearchIndex } from '../../index/usearch.js';
import { writeError, writeFully } from '../../util/fs.js';
import type { DenseMatrix } from '../../vectors/types.js';

/** Version of the sidecar that vouches for a graph file; sidecars of smysl 0.1.0 had none. */
const GRAPH_FORMAT = 2;

export interface GraphSettings {
  connectivity: number;
  expansionAdd: number;
  expansionSearch: number;
  precision: GraphPrecision;
}

/** What the sidecar records about a saved graph, checked before the graph is trusted. */
interface GraphSidecar {
  format: number;
  precision: GraphPrecision;
  dim: number;
  /** Rows [0, rows) are in the graph. */
  rows: number;
  /** The collection's delete counter when the graph was saved (later deletes are replayed). */
  deletes: number;
  files: { name: string; bytes: number; sha256: string }[];
}

/**
 * Rows not yet in the saved graph are searched exactly, up to this many: opening a collection then
 * costs reading them, not inserting them into the graph, and a small upsert never rewrites it.
 */
export function tailLimit(graphRows: number): number {
  return Math.min(20_000, Math.max(1024, Math.floor(graphRows * 0.05)));
}

/**
 * The dense index of a collection: an HNSW graph over rows [0, graphRows) and exact search over
 * the rows after them (the "tail"), so that rows can be appended without touching the graph on
 * disk. Rows move from the tail into the graph when the tail outgrows tailLimit.
 */
export class TieredIndex implements RowIndex {
  readonly metric = 'dot' as const;
  private tail: ExactIndex;

  constructor(
    readonly dim: number,
    private readonly graph: UsearchIndex,
    private readonly readRows: (from: number, count: number) => DenseMatrix,
  ) {
    this.tail = new ExactIndex(dim, { metric: 'dot' });
  }

  /** Rows [0, graphRows) are in the graph. */
  get graphRows(): number {
    return this.graph.rowCount;
  }

  get rowCount(): number {
    return this.graph.rowCount + this.tail.size;
  }

  get native(): UsearchIndex {
    return this.graph;
  }

  addRows(vectors: DenseMatrix): void {
    this.tail.addRows(vectors);
    if (this.tail.size > tailLimit(this.graph.rowCount)) this.fold();
  }

  /** Moves the tail into the graph (the rows are read back, so removed tail rows stay removed). */
  fold(): void {
    const first = this.graph.rowCount;
    const n = this.tail.size;
    if (n === 0) return;
    const removed: number[] = [];
    for (let r = 0; r < n; r++) if (this.tail.isRemoved(r)) removed.push(first + r);
    const block = 8192;
    for (let start = 0; start < n; start += block)
      this.graph.addRows(this.readRows(first + start, Math.min(block, n - start)));
    for (const r of removed) this.graph.remove(r);
    this.tail = new ExactIndex(this.dim, { metric: 'dot' });
  }

  remove(row: number): void {
    const first = this.graph.rowCount;
    if (row < first) this.graph.remove(row);
    else this.tail.remove(row - first);
  }

  searchRows(query: Float32Array, k: number, filter?: (row: number) => boolean): RowHits {
    const first = this.graph.rowCount;
    const graphHits =
      first > 0 ? this.graph.searchRows(query, k, filter) : { rows: [] as number[], scores: [] as number[] };
    if (this.tail.size === 0) return graphHits;
    const tailHits = this.tail.searchRows(query, k, filter ? (r) => filter(r + first) : undefined);
    // merge two best-first lists
    const rows: number[] = [];
    const scores: number[] = [];
    let i = 0;
    let j = 0;
    while (rows.length < k && (i < graphHits.rows.length || j < tailHits.rows.length)) {
      if (
        j >= tailHits.rows.length ||
        (i < graphHits.rows.length && graphHits.scores[i] >= tailHits.scores[j])
      ) {
        rows.push(graphHits.rows[i]);
        scores.push(graphHits.scores[i++]);
      } else {
        rows.push(tailHits.rows[j] + first);
        scores.push(tailHits.scores[j++]);
      }
    }
    return { rows, scores };
  }

  saveTo(): void {
    throw new Error('a TieredIndex is saved through GraphFiles');
  }

  close(): void {
    this.tail.close();
  }
}

/** The files of one generation's graph: `usearch.<g>.bin`, its orphan rows, and the sidecar. */
export class GraphFiles {
  readonly graph: string;
  readonly sidecar: string;

  constructor(
    dir: string,
    generation: number,
    private readonly dim: number,
    private readonly settings: GraphSettings,
  ) {
    this.graph = path.join(dir, `usearch.${generation}.bin`);
    this.sidecar = `${this.graph}.json`;
  }

  /** Names this generation's graph uses (everything else matching the pattern is stale). */
  names(): string[] {
    return [this.graph, UsearchIndex.orphansFile(this.graph), this.sidecar].map((f) => path.basename(f));
  }

  newIndex(): UsearchIndex {
    return UsearchIndex.create(this.dim, { metric: 'dot', ...this.settings });
  }

  /**
   * The saved graph, if its sidecar vouches for it: same format, precision and dimension, no more
   * rows than are committed, and every file with the recorded size and SHA-256. A graph that fails
   * any check is never handed to the native loader (a damaged file can crash it); the reason is
   * returned instead, and the caller rebuilds from the vectors.
   */
  load(committedRows: number): { index: UsearchIndex; deletes: number } | { reason: string } {
    let sidecar: GraphSidecar;
    try {
      sidecar = JSON.parse(readFileSync(this.sidecar, 'utf8')) as GraphSidecar;
    } catch {
      return {
        reason: existsSync(this.graph) ? 'its sidecar is missing or unreadable' : 'there is none yet',
      };
    }
    if (sidecar.format !== GRAPH_FORMAT)
      return { reason: 'it was saved by an older smysl without a checksum' };
    if (sidecar.precision !== this.settings.precision || sidecar.dim !== this.dim)
      return { reason: 'it was built with other settings' };
    if (!(Number.isInteger(sidecar.rows) && sidecar.rows >= 0 && sidecar.rows <= committedRows))
      return { reason: `it covers ${sidecar.rows} rows but ${committedRows} are committed` };
    for (const f of sidecar.files ?? []) {
      const file = path.join(path.dirname(this.graph), f.name);
      const actual = fileDigest(file);
      if (!actual) return { reason: `${f.name} is missing` };
      if (actual.bytes !== f.bytes || actual.sha256 !== f.sha256)
        return { reason: `${f.name} does not match its checksum (damaged or truncated)` };
    }
    if ((sidecar.files ?? []).length !== 2) return { reason: 'its sidecar is incomplete' };
    try {
      const index = UsearchIndex.load(this.graph, this.dim, sidecar.rows, {
        metric: 'dot',
        ...this.settings,
      });
      return { index, deletes: sidecar.deletes };
    } catch (e) {
      return { reason: (e as Error).message };
    }
  }

  /**
   * Saves the graph: temp files, fsync, rename, then the sidecar last (a crash before it leaves
   * the previous sidecar, which no longer matches and so is ignored). Throws E_IO (disk full …)
   * after removing its temp files; the previous files are then still whole.
   */
  save(index: UsearchIndex, deletes: number): void {
    const tmpGraph = `${this.graph}.${process.pid}.tmp`;
    const tmpOrphans = UsearchIndex.orphansFile(tmpGraph);
    const tmpSidecar = `${this.sidecar}.${process.pid}.tmp`;
    try {
      try {
        index.saveTo(tmpGraph);
      } catch (e) {
        // usearch reports a full disk as "Failed to serialize into stream"
        throw writeError(
          this.graph,
          (e as NodeJS.ErrnoException).code ? e : Object.assign(e as Error, { code: 'ENOSPC' }),
        );
      }
      fsyncFile(tmpGraph);
      fsyncFile(tmpOrphans);
      const files = [
        { name: path.basename(this.graph), ...fileDigest(tmpGraph)! },
        { name: path.basename(UsearchIndex.orphansFile(this.graph)), ...fileDigest(tmpOrphans)! },
      ];
      const sidecar: GraphSidecar = {
        format: GRAPH_FORMAT,
        precision: this.settings.precision,
        dim: this.dim,
        rows: index.rowCount,
        deletes,
        files,
      };
      // the old sidecar goes first: between the renames no sidecar vouches for mixed files
      rmSync(this.sidecar, { force: true });
      renameSync(tmpGraph, this.graph);
      renameSync(tmpOrphans, UsearchIndex.orphansFile(this.graph));
      const fd = openSync(tmpSidecar, 'w');
      try {
        writeFully(fd, Buffer.from(JSON.stringify(sidecar)), this.sidecar);
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
      renameSync(tmpSidecar, this.sidecar);
    } finally {
      for (const f of [tmpGraph, tmpOrphans, tmpSidecar]) rmSync(f, { force: true });
    }
  }
}

function fsyncFile(file: string): void {
  const fd = openSync(file, 'r+');
  try {
    fsyncSync(fd);
  } catch (e) {
    throw writeError(file, e);
  } finally {
    closeSync(fd);
  }
}

function fileDigest(file: string): { bytes: number; sha256: string } | undefined {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch {
    return undefined;
  }
  try {
    const hash = createHash('sha256');
    const buffer = Buffer.allocUnsafe(1 << 20);
    let bytes = 0;
    for (;;) {
      const n = readSync(fd, buffer, 0, buffer.length, null);
      if (n <= 0) break;
      hash.update(buffer.subarray(0, n));
      bytes += n;
    }
    return { bytes, sha256: hash.digest('hex') };
  } finally {
    closeSync(fd);
  }
}
