import { closeSync, existsSync, fstatSync, fsyncSync, ftruncateSync, openSync, readSync } from 'node:fs';
import { SmyslError } from '../../errors.js';
import { writeError, writeFully } from '../../util/fs.js';
import type { DenseMatrix } from '../../vectors/types.js';

/**
 * The vectors of a collection generation: float32 rows, appended in row order. Only the rows
 * SQLite counts as committed are real; anything past them is a batch that never committed.
 */
export class VectorFile {
  private readonly fd: number;
  private readonly rowBytes: number;

  constructor(
    readonly file: string,
    readonly dim: number,
    readonly readonly: boolean,
  ) {
    this.rowBytes = dim * 4;
    try {
      this.fd = openSync(file, readonly ? 'r' : existsSync(file) ? 'r+' : 'w+');
    } catch (e) {
      throw new SmyslError('E_COLLECTION', `cannot open ${file}: ${(e as Error).message}`, { cause: e });
    }
  }

  /** Whole rows the file holds. */
  get rows(): number {
    return Math.floor(fstatSync(this.fd).size / this.rowBytes);
  }

  /** Writes rows starting at `row` and makes them durable (fsync) before returning. */
  write(row: number, vectors: DenseMatrix): void {
    const bytes = new Uint8Array(vectors.data.buffer, vectors.data.byteOffset, vectors.rows * this.rowBytes);
    writeFully(this.fd, bytes, this.file, row * this.rowBytes);
    try {
      fsyncSync(this.fd);
    } catch (e) {
      throw writeError(this.file, e);
    }
  }

  /** Drops rows from `rows` on (an uncommitted tail). */
  truncate(rows: number): void {
    if (this.readonly) return;
    try {
      ftruncateSync(this.fd, rows * this.rowBytes);
    } catch {
      // best effort: recovery trims the tail on the next open
    }
  }

  read(row: number, into: Float32Array): void {
    this.readInto(row * this.rowBytes, into);
  }

  /** Rows [from, from + count) as one matrix. */
  readBlock(from: number, count: number): DenseMatrix {
    const data = new Float32Array(count * this.dim);
    this.readInto(from * this.rowBytes, data);
    return { rows: count, dim: this.dim, data };
  }

  private readInto(position: number, into: Float32Array): void {
    const bytes = new Uint8Array(into.buffer, into.byteOffset, into.byteLength);
    let done = 0;
    while (done < bytes.byteLength) {
      const n = readSync(this.fd, bytes, done, bytes.byteLength - done, position + done);
      if (n <= 0)
        throw new SmyslError('E_COLLECTION', `${this.file} ends before the rows the collection counts`);
      done += n;
    }
  }

  close(): void {
    closeSync(this.fd);
  }
}
