import path from 'node:path';
import { SmyslError } from '../errors.js';
import { readJsonFile, writeFileAtomic } from '../util/fs.js';
import type { DenseMatrix } from '../vectors/types.js';
import type { DenseEmbedder } from './types.js';

export interface TrigramEmbedderOptions {
  /** Output dimension (hash buckets), default 256. */
  dim?: number;
}

const MANIFEST = 'manifest.json';

/**
 * A fit-free dense embedder: lowercased character trigrams of each word (with boundary marks)
 * hashed (FNV-1a) into `dim` signed buckets, L2-normalized. Deterministic, instant, needs no
 * model — the store's tests use it, and it is a fair spelling-level baseline.
 */
export class TrigramEmbedder implements DenseEmbedder {
  readonly kind = 'dense';
  readonly dim: number;
  constructor(opts: TrigramEmbedderOptions = {}) {
    this.dim = opts.dim ?? 256;
    if (!Number.isInteger(this.dim) || this.dim < 1)
      throw new SmyslError('E_USAGE', 'trigram dim must be a positive integer');
  }
  get name(): string {
    return `trigram-${this.dim}`;
  }

  async embed(texts: string[]): Promise<DenseMatrix> {
    const dim = this.dim;
    const data = new Float32Array(texts.length * dim);
    for (let t = 0; t < texts.length; t++) {
      const o = t * dim;
      const words = texts[t].toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
      for (const word of words) {
        const padded = `<${word}>`;
        for (let i = 0; i + 3 <= padded.length; i++) {
          let h = 0x811c9dc5;
          for (let c = i; c < i + 3; c++) {
            h ^= padded.charCodeAt(c);
            h = Math.imul(h, 0x01000193);
          }
          h >>>= 0;
          data[o + (h % dim)] += h & 0x80000000 ? -1 : 1;
        }
      }
      let s = 0;
      for (let j = 0; j < dim; j++) s += data[o + j] * data[o + j];
      if (s > 0) {
        const inv = 1 / Math.sqrt(s);
        for (let j = 0; j < dim; j++) data[o + j] *= inv;
      }
    }
    return { rows: texts.length, dim, data };
  }

  async save(dir: string): Promise<void> {
    await writeFileAtomic(
      path.join(dir, MANIFEST),
      `${JSON.stringify({ format: 1, method: 'trigram', name: this.name, dim: this.dim }, null, 2)}\n`,
    );
  }

  static async load(dir: string): Promise<TrigramEmbedder> {
    const file = path.join(dir, MANIFEST);
    const m = await readJsonFile<{ format: number; method: string; dim: number }>(file);
    if (m.method !== 'trigram' || m.format !== 1)
      throw new SmyslError('E_FORMAT', 'not a trigram embedder manifest', { location: { source: file } });
    return new TrigramEmbedder({ dim: m.dim });
  }
}
