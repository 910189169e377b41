import { promises as fsp } from 'node:fs';
import { SmyslError } from '../../errors.js';
import { writeFileAtomic } from '../../util/fs.js';
import { subwordBuckets } from './subwords.js';

const MAGIC = 'SMYSLFT1';

/**
 * A trained fastText model: word rows plus the n-gram bucket rows, enough to give a vector to
 * any word, in or out of the vocabulary (the mean of its rows, as fastText's getWordVector).
 *
 * Saved compactly: only bucket rows that some vocabulary word uses are stored (the others were
 * never trained and hold only their random initial values; after loading they read as zero).
 */
export class FastTextModel {
  readonly words: string[];
  readonly counts: Float64Array;
  readonly dim: number;
  readonly minn: number;
  readonly maxn: number;
  readonly bucket: number;
  /** Word rows (V x dim), as trained (not yet averaged with n-grams). */
  private readonly wordRows: Float32Array;
  /** Bucket id -> row index in bucketRows. */
  private readonly bucketIndex: Map<number, number>;
  private readonly bucketRows: Float32Array;
  private readonly index: Map<string, number>;
  private cachedWordVectors?: Float32Array;

  private constructor(init: {
    words: string[];
    counts: Float64Array;
    dim: number;
    minn: number;
    maxn: number;
    bucket: number;
    wordRows: Float32Array;
    bucketIds: Int32Array;
    bucketRows: Float32Array;
  }) {
    this.words = init.words;
    this.counts = init.counts;
    this.dim = init.dim;
    this.minn = init.minn;
    this.maxn = init.maxn;
    this.bucket = init.bucket;
    this.wordRows = init.wordRows;
    this.bucketRows = init.bucketRows;
    this.bucketIndex = new Map();
    for (let i = 0; i < init.bucketIds.length; i++) this.bucketIndex.set(init.bucketIds[i], i);
    this.index = new Map(init.words.map((w, i) => [w, i]));
  }

  /** Builds the model from the training arrays (input rows: V word rows, then `bucket` rows). */
  static fromTraining(t: {
    words: string[];
    counts: Float64Array;
    dim: number;
    minn: number;
    maxn: number;
    bucket: number;
    input: Float32Array;
    subwordOffsets: Int32Array;
    subwordRows: Int32Array;
  }): FastTextModel {
    const vocabSize = t.words.length;
    const used = new Set<number>();
    for (const r of t.subwordRows) if (r >= vocabSize) used.add(r - vocabSize);
    const bucketIds = Int32Array.from([...used].sort((a, b) => a - b));
    const bucketRows = new Float32Array(bucketIds.length * t.dim);
    for (let i = 0; i < bucketIds.length; i++) {
      const from = (vocabSize + bucketIds[i]) * t.dim;
      bucketRows.set(t.input.subarray(from, from + t.dim), i * t.dim);
    }
    return new FastTextModel({
      ...t,
      wordRows: Float32Array.from(t.input.subarray(0, vocabSize * t.dim)),
      bucketIds,
      bucketRows,
    });
  }

  /** Adds the rows of `word` (its own row if known, and its n-grams) into out; returns the count. */
  private accumulate(word: string, out: Float32Array, offset: number): number {
    const dim = this.dim;
    let count = 0;
    const w = this.index.get(word);
    if (w !== undefined) {
      for (let k = 0; k < dim; k++) out[offset + k] += this.wordRows[w * dim + k];
      count++;
    }
    if (this.bucket > 0) {
      for (const h of subwordBuckets(word, this.minn, this.maxn, this.bucket)) {
        const row = this.bucketIndex.get(h);
        // an n-gram no vocabulary word has still counts (its row is zero), as in fastText
        count++;
        if (row === undefined) continue;
        const o = row * dim;
        for (let k = 0; k < dim; k++) out[offset + k] += this.bucketRows[o + k];
      }
    }
    return count;
  }

  /** The vector of any word: mean of its word row (if in vocabulary) and its n-gram rows. */
  wordVector(word: string): Float32Array {
    const out = new Float32Array(this.dim);
    const count = this.accumulate(word, out, 0);
    if (count > 0) for (let k = 0; k < this.dim; k++) out[k] /= count;
    return out;
  }

  /** Whether the word is in the training vocabulary. */
  has(word: string): boolean {
    return this.index.has(word);
  }

  /** The vocabulary's vectors (V x dim, row-major), what a .vec file holds. */
  wordVectors(): Float32Array {
    if (this.cachedWordVectors) return this.cachedWordVectors;
    const dim = this.dim;
    const out = new Float32Array(this.words.length * dim);
    for (let w = 0; w < this.words.length; w++) {
      const count = this.accumulate(this.words[w], out, w * dim);
      if (count > 0) for (let k = 0; k < dim; k++) out[w * dim + k] /= count;
    }
    this.cachedWordVectors = out;
    return out;
  }

  /** Writes the model (a JSON header and little-endian float32/int32 arrays) atomically. */
  async save(file: string): Promise<void> {
    const header = Buffer.from(
      JSON.stringify({
        format: 1,
        dim: this.dim,
        minn: this.minn,
        maxn: this.maxn,
        bucket: this.bucket,
        words: this.words,
        counts: Array.from(this.counts),
        buckets: this.bucketRows.length / this.dim,
      }),
      'utf8',
    );
    const bucketIds = Int32Array.from(
      [...this.bucketIndex.entries()].sort((a, b) => a[1] - b[1]).map((e) => e[0]),
    );
    const prefix = Buffer.alloc(12);
    prefix.write(MAGIC, 0, 'ascii');
    prefix.writeUInt32LE(header.length, 8);
    const pad = Buffer.alloc((4 - ((12 + header.length) % 4)) % 4);
    const parts = [
      prefix,
      header,
      pad,
      Buffer.from(this.wordRows.buffer, this.wordRows.byteOffset, this.wordRows.byteLength),
      Buffer.from(bucketIds.buffer, bucketIds.byteOffset, bucketIds.byteLength),
      Buffer.from(this.bucketRows.buffer, this.bucketRows.byteOffset, this.bucketRows.byteLength),
    ];
    await writeFileAtomic(file, Buffer.concat(parts));
  }

  static async load(file: string): Promise<FastTextModel> {
    let data: Buffer;
    try {
      data = await fsp.readFile(file);
    } catch (e) {
      throw new SmyslError('E_IO', `cannot read ${file}: ${(e as Error).message}`, { cause: e });
    }
    const bad = (reason: string) =>
      new SmyslError('E_FORMAT', `not a smysl fastText model: ${reason}`, { location: { source: file } });
    if (data.length < 12 || data.toString('ascii', 0, 8) !== MAGIC) throw bad('wrong magic bytes');
    const headerLength = data.readUInt32LE(8);
    let header: {
      format: number;
      dim: number;
      minn: number;
      maxn: number;
      bucket: number;
      words: string[];
      counts: number[];
      buckets: number;
    };
    try {
      header = JSON.parse(data.toString('utf8', 12, 12 + headerLength));
    } catch {
      throw bad('unreadable header');
    }
    if (header.format !== 1) throw bad(`unsupported format version ${header.format}`);
    let offset = 12 + headerLength;
    offset += (4 - (offset % 4)) % 4;
    const dim = header.dim;
    const vocabSize = header.words.length;
    const expected = offset + (vocabSize * dim + header.buckets + header.buckets * dim) * 4;
    if (data.length !== expected) throw bad(`size ${data.length} bytes, expected ${expected}`);
    const copy = (bytes: number) => {
      const out = new Uint8Array(bytes);
      out.set(data.subarray(offset, offset + bytes));
      offset += bytes;
      return out.buffer;
    };
    const wordRows = new Float32Array(copy(vocabSize * dim * 4));
    const bucketIds = new Int32Array(copy(header.buckets * 4));
    const bucketRows = new Float32Array(copy(header.buckets * dim * 4));
    return new FastTextModel({
      words: header.words,
      counts: Float64Array.from(header.counts),
      dim,
      minn: header.minn,
      maxn: header.maxn,
      bucket: header.bucket,
      wordRows,
      bucketIds,
      bucketRows,
    });
  }
}
