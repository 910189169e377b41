import path from 'node:path';
import type { Document } from '../../corpus/types.js';
import { SmyslError } from '../../errors.js';
import { writeFileAtomic } from '../../util/fs.js';
import { SparseMatrixBuilder } from '../../vectors/sparse.js';
import type { SparseMatrix } from '../../vectors/types.js';
import type { SparseEmbedder } from '../types.js';
import {
  type Analyze,
  type AnalyzerConfig,
  type AnalyzerOptions,
  analyzerConfig,
  analyzerFromConfig,
} from './analyzer.js';
import { murmurhash3 } from './murmurhash.js';
import { MANIFEST, readManifest, SPARSE_MODEL_FORMAT } from './vectorizers.js';

export interface HashingVectorizerOptions extends AnalyzerOptions {
  /** Number of columns (default 2^20, as scikit-learn). */
  nFeatures?: number;
  /** Sign each term by its hash so collisions tend to cancel (default true). */
  alternateSign?: boolean;
  /** Presence instead of summed counts (applied after summing, as scikit-learn does). */
  binary?: boolean;
  norm?: 'l2' | 'l1' | 'none';
}

/**
 * scikit-learn's HashingVectorizer: column = |murmurhash3_32(term)| mod nFeatures, value ±1 by
 * the hash's sign; no vocabulary, so nothing to fit and nothing grows with the corpus.
 */
export class HashingVectorizer implements SparseEmbedder {
  readonly name = 'hashing';
  readonly kind = 'sparse' as const;
  readonly nFeatures: number;
  readonly alternateSign: boolean;
  readonly binary: boolean;
  readonly norm: 'l2' | 'l1' | 'none';
  private readonly config: AnalyzerConfig;
  private readonly analyze: Analyze;

  constructor(options: HashingVectorizerOptions = {}) {
    this.nFeatures = options.nFeatures ?? 2 ** 20;
    if (!Number.isInteger(this.nFeatures) || this.nFeatures < 1 || this.nFeatures > 2 ** 31 - 1)
      throw new SmyslError('E_USAGE', `nFeatures must be an integer in 1..2^31-1, got ${this.nFeatures}`);
    this.alternateSign = options.alternateSign ?? true;
    this.binary = options.binary ?? false;
    this.norm = options.norm ?? 'l2';
    if (!['l2', 'l1', 'none'].includes(this.norm))
      throw new SmyslError('E_USAGE', `norm must be l2, l1 or none, got ${this.norm}`);
    this.config = analyzerConfig(options);
    this.analyze = analyzerFromConfig(this.config);
  }

  /** Column of a term and its sign (+1 or -1). */
  column(term: string): { index: number; sign: number } {
    const h = murmurhash3(term);
    return { index: this.indexOf(h), sign: this.alternateSign && h < 0 ? -1 : 1 };
  }

  private indexOf(h: number): number {
    // |-2^31| does not fit an int32; scikit-learn special-cases it the same way
    if (h === -2147483648) return (2147483647 - (this.nFeatures - 1)) % this.nFeatures;
    return Math.abs(h) % this.nFeatures;
  }

  /** Stateless: fitting does nothing (kept for the scikit-learn-like interface). */
  fit(texts: readonly string[]): this;
  fit(docs: Iterable<Document> | AsyncIterable<Document>): Promise<void>;
  fit(input: readonly string[] | Iterable<Document> | AsyncIterable<Document>): this | Promise<void> {
    return Array.isArray(input) ? this : Promise.resolve();
  }

  fitTransform(texts: readonly string[]): SparseMatrix {
    return this.transform(texts);
  }

  transform(texts: readonly string[]): SparseMatrix {
    const n = this.nFeatures;
    const b = new SparseMatrixBuilder(n, 4096, texts.length);
    const sums = new Float64Array(Math.min(n, 1 << 24));
    const dense = sums.length === n;
    const sparseSums = dense ? null : new Map<number, number>();
    let touched = new Int32Array(256);
    const present = new Uint8Array(dense ? n : 0);
    for (const text of texts) {
      const terms = this.analyze(text);
      let count = 0;
      for (const term of terms) {
        const h = murmurhash3(term);
        const j = this.indexOf(h);
        const v = this.alternateSign && h < 0 ? -1 : 1;
        if (dense) {
          if (!present[j]) {
            present[j] = 1;
            if (count === touched.length) {
              const next = new Int32Array(touched.length * 2);
              next.set(touched);
              touched = next;
            }
            touched[count++] = j;
          }
          sums[j] += v;
        } else sparseSums!.set(j, (sparseSums!.get(j) ?? 0) + v);
      }
      let ids: Int32Array;
      if (dense) ids = touched.subarray(0, count);
      else {
        ids = Int32Array.from(sparseSums!.keys());
        count = ids.length;
      }
      ids.sort();
      // scipy's sum_duplicates keeps entries that cancel to 0; binary then makes them 1
      let acc = 0;
      for (let k = 0; k < count; k++) {
        const j = ids[k];
        const v = this.binary ? 1 : dense ? sums[j] : sparseSums!.get(j)!;
        acc += this.norm === 'l2' ? v * v : Math.abs(v);
      }
      const scale = this.norm === 'none' || acc === 0 ? 1 : this.norm === 'l2' ? Math.sqrt(acc) : acc;
      b.reserve(count);
      for (let k = 0; k < count; k++) {
        const j = ids[k];
        const v = this.binary ? 1 : dense ? sums[j] : sparseSums!.get(j)!;
        b.push(j, v / scale);
        if (dense) {
          sums[j] = 0;
          present[j] = 0;
        }
      }
      sparseSums?.clear();
      b.endRow();
    }
    return b.build();
  }

  async embed(texts: string[]): Promise<SparseMatrix> {
    return this.transform(texts);
  }

  async save(dir: string): Promise<void> {
    const manifest = {
      format: SPARSE_MODEL_FORMAT,
      method: this.name,
      analyzer: this.config,
      nFeatures: this.nFeatures,
      alternateSign: this.alternateSign,
      binary: this.binary,
      norm: this.norm,
    };
    await writeFileAtomic(path.join(dir, MANIFEST), JSON.stringify(manifest));
  }

  static async load(dir: string): Promise<HashingVectorizer> {
    const m = await readManifest(dir, 'hashing');
    const a = m.analyzer;
    return new HashingVectorizer({
      analyzer: a.analyzer,
      ngramRange: a.ngramRange,
      lowercase: a.lowercase,
      tokenizer:
        typeof a.tokenizer === 'string' ? a.tokenizer : new RegExp(a.tokenizer.pattern, a.tokenizer.flags),
      stopWords: a.stopWords,
      stem: a.stem,
      lemma: a.lemma ?? false,
      nFeatures: m.nFeatures as number,
      alternateSign: m.alternateSign as boolean,
      binary: m.binary,
      norm: m.norm as HashingVectorizerOptions['norm'],
    });
  }
}
