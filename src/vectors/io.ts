import { randomBytes } from 'node:crypto';
import { createReadStream, promises as fsp } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { SmyslError } from '../errors.js';
import { writeFileAtomic } from '../util/fs.js';
import { npyHeader } from '../util/npy.js';
import type { DenseMatrix } from './types.js';

/** Reads a 2-D little-endian float32/float64 C-order .npy file (float64 is converted). */
export async function readNpy(file: string): Promise<DenseMatrix> {
  const bytes = await fsp.readFile(file).catch((e) => {
    throw new SmyslError('E_IO', `cannot read ${file}: ${(e as Error).message}`);
  });
  const bad = (reason: string) => new SmyslError('E_FORMAT', reason, { location: { source: file } });
  if (bytes.length < 10 || bytes.toString('latin1', 0, 6) !== '\x93NUMPY') throw bad('not a .npy file');
  const major = bytes[6];
  const headerLength = major === 1 ? bytes.readUInt16LE(8) : bytes.readUInt32LE(8);
  const start = major === 1 ? 10 + headerLength : 12 + headerLength;
  const header = bytes.toString('latin1', major === 1 ? 10 : 12, start);
  const descr = /'descr':\s*'([^']+)'/.exec(header)?.[1];
  const fortran = /'fortran_order':\s*True/.test(header);
  const shape = /'shape':\s*\(([^)]*)\)/
    .exec(header)?.[1]
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map(Number);
  if (!descr || !shape) throw bad('malformed .npy header');
  if (fortran) throw bad('Fortran-order arrays are not supported; save with np.ascontiguousarray');
  if (shape.length !== 2) throw bad(`expected a 2-D array, got shape (${shape.join(', ')})`);
  const [rows, dim] = shape;
  const payload = bytes.subarray(start);
  const data = new Float32Array(rows * dim);
  if (descr === '<f4') {
    if (payload.length < data.byteLength) throw bad('file is shorter than its header says');
    new Uint8Array(data.buffer).set(payload.subarray(0, data.byteLength));
  } else if (descr === '<f8') {
    if (payload.length < rows * dim * 8) throw bad('file is shorter than its header says');
    for (let i = 0; i < rows * dim; i++) data[i] = payload.readDoubleLE(i * 8);
  } else throw bad(`unsupported dtype ${descr} (expected <f4 or <f8)`);
  return { rows, dim, data };
}

export async function writeNpy(file: string, m: DenseMatrix): Promise<void> {
  let header = `{'descr': '<f4', 'fortran_order': False, 'shape': (${m.rows}, ${m.dim}), }`;
  const total = 10 + header.length + 1;
  header += ' '.repeat((64 - (total % 64)) % 64) + '\n';
  const head = Buffer.alloc(10);
  head.write('\x93NUMPY', 0, 'latin1');
  head[6] = 1;
  head[7] = 0;
  head.writeUInt16LE(header.length, 8);
  const body = new Uint8Array(m.data.buffer, m.data.byteOffset, m.rows * m.dim * 4);
  await writeFileAtomic(file, Buffer.concat([head, Buffer.from(header, 'latin1'), body]));
}

/** Raw little-endian float32 rows; the dimension must be known. */
export async function readF32(file: string, dim: number): Promise<DenseMatrix> {
  const bytes = await fsp.readFile(file).catch((e) => {
    throw new SmyslError('E_IO', `cannot read ${file}: ${(e as Error).message}`);
  });
  if (bytes.byteLength % (dim * 4) !== 0)
    throw new SmyslError(
      'E_FORMAT',
      `size ${bytes.byteLength} bytes is not a multiple of ${dim} float32 values`,
      {
        location: { source: file },
      },
    );
  const data = new Float32Array(bytes.byteLength / 4);
  new Uint8Array(data.buffer).set(bytes);
  return { rows: data.length / dim, dim, data };
}

/**
 * Text word vectors (word2vec/GloVe/fastText .vec): optional "count dim" header line, then
 * "word v1 … vd" per line. Only what `vectors report` needs; the word-vector stage has the full reader.
 */
export async function readWordVectorText(
  file: string,
  limit = Number.POSITIVE_INFINITY,
): Promise<{ words: string[]; matrix: DenseMatrix }> {
  const lines = createInterface({ input: createReadStream(file), crlfDelay: Number.POSITIVE_INFINITY });
  const words: string[] = [];
  let dim = 0;
  let values: Float32Array = new Float32Array(0);
  let lineNumber = 0;
  try {
    for await (const line of lines) {
      lineNumber++;
      const parts = line.trimEnd().split(' ');
      if (lineNumber === 1 && parts.length === 2 && /^\d+$/.test(parts[0]) && /^\d+$/.test(parts[1]))
        continue;
      if (parts.length < 2) continue;
      if (dim === 0) {
        dim = parts.length - 1;
        values = new Float32Array(dim * 1024);
      }
      if (parts.length - 1 !== dim)
        throw new SmyslError('E_INPUT', `expected ${dim} values, found ${parts.length - 1}`, {
          location: { source: file, line: lineNumber },
        });
      if ((words.length + 1) * dim > values.length) {
        const grown = new Float32Array(values.length * 2);
        grown.set(values);
        values = grown;
      }
      const o = words.length * dim;
      for (let j = 0; j < dim; j++) {
        const v = Number(parts[j + 1]);
        if (Number.isNaN(v))
          throw new SmyslError('E_INPUT', `"${parts[j + 1]}" is not a number`, {
            location: { source: file, line: lineNumber },
          });
        values[o + j] = v;
      }
      words.push(parts[0]);
      if (words.length >= limit) break;
    }
  } catch (e) {
    if (e instanceof SmyslError) throw e;
    throw new SmyslError('E_IO', `cannot read ${file}: ${(e as Error).message}`);
  }
  return { words, matrix: { rows: words.length, dim, data: values.slice(0, words.length * dim) } };
}

/** Picks the reader by extension: .npy, .f32 (needs dim), otherwise text word vectors. */
export async function readVectorsFile(
  file: string,
  opts: { dim?: number; limit?: number } = {},
): Promise<DenseMatrix> {
  if (file.endsWith('.npy')) return readNpy(file);
  if (file.endsWith('.f32')) {
    if (!opts.dim) throw new SmyslError('E_USAGE', `${file}: raw .f32 files need --dim`);
    return readF32(file, opts.dim);
  }
  return (await readWordVectorText(file, opts.limit)).matrix;
}

/** Where `writeDenseRows` puts vectors: by the output file's extension. */
export type DenseRowsFormat = 'npy' | 'f32' | 'jsonl';

/**
 * Streams dense rows into one file as they arrive (e.g. from `TransformerEmbedder.embedStream`),
 * so no more than a chunk is in memory: `.npy` (float32, shape `[ids.length, dim]`), `.f32`
 * (raw little-endian float32) or `.jsonl` (`{"id", "vector"}` a line). Written to a temporary
 * file renamed at the end: a failed run leaves no partial file.
 */
export async function writeDenseRows(
  file: string,
  format: DenseRowsFormat,
  ids: readonly string[],
  dim: number,
  chunks: AsyncIterable<DenseMatrix> | Iterable<DenseMatrix>,
): Promise<void> {
  const dir = path.dirname(path.resolve(file));
  await fsp.mkdir(dir, { recursive: true });
  const tmp = path.join(dir, `.${path.basename(file)}.${randomBytes(6).toString('hex')}.tmp`);
  const handle = await fsp.open(tmp, 'w');
  try {
    if (format === 'npy') await handle.write(npyHeader([ids.length, dim]));
    let row = 0;
    for await (const chunk of chunks) {
      if (format === 'jsonl') {
        const lines: string[] = [];
        for (let r = 0; r < chunk.rows; r++, row++) {
          const vector = Array.from(chunk.data.subarray(r * chunk.dim, (r + 1) * chunk.dim));
          lines.push(JSON.stringify({ id: ids[row], vector }));
        }
        await handle.write(`${lines.join('\n')}\n`);
      } else {
        await handle.write(new Uint8Array(chunk.data.buffer, chunk.data.byteOffset, chunk.data.byteLength));
        row += chunk.rows;
      }
    }
    await handle.close();
    await fsp.rename(tmp, file);
  } catch (e) {
    await handle.close().catch(() => {});
    await fsp.rm(tmp, { force: true });
    throw e;
  }
}
