import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { analyzerFromConfig } from '../embed/sparse/analyzer.js';
import { type AnalyzerConfig, analyzerConfig, Highlighter } from '../embed/sparse/index.js';
import { TopK } from '../util/topk.js';
import {
  type ChunkText,
  type LexicalAnalyzer,
  type LexicalDocHit,
  lexicalAnalyzerOptions,
  rankedHits,
} from './lexical.js';

const FORMAT = 2;
/** Okapi BM25 as `Bm25Vectorizer` defaults it (the scores equal a vectorizer fitted on the live chunks). */
const K1 = 1.2;
const B = 0.75;

/**
 * BM25 over a collection's chunks that follows the collection as it changes: chunks are added and
 * removed one by one, and the statistics BM25 depends on (document frequencies, the number of
 * chunks, their average length) are kept live and applied at query time — so a one-document
 * upsert costs that document's analysis, not the collection's, and the scores always equal those
 * of an index built from scratch over the live chunks. Removed chunks stay in the postings,
 * skipped, until `deadShare` says a rebuild is worth it.
 */
export class Bm25ChunkIndex {
  private readonly analyze: (text: string) => string[];
  readonly analyzer: AnalyzerConfig;
  private readonly termIds = new Map<string, number>();
  private terms: string[] = [];
  private df = new Int32Array(256);
  /** Each term's postings (chunks, counts; the first postLen[t]); undefined until first used. */
  private postChunks: (Int32Array | undefined)[] = [];
  private postTfs: (Float32Array | undefined)[] = [];
  private postLen = new Int32Array(256);
  /**
   * A loaded index's postings, all terms in one pair of arrays (term t's at start[t] to
   * start[t + 1]): a term gets views of its part when first searched or added to. Making two
   * small arrays for each of tens of thousands of terms, and growing them entry by entry, was
   * most of loading one (and of a command-line sparse search).
   */
  private packed: { start: Int32Array; chunks: Int32Array; tfs: Float32Array } | undefined;
  /** Chunks by internal number: vector row, document, length in terms, alive. */
  private n = 0;
  private rows = new Int32Array(256);
  private docs = new Int32Array(256);
  private lengths = new Float64Array(256);
  private live = new Uint8Array(256);
  /** Each chunk's distinct terms and their counts (CSR), to undo its statistics on removal. */
  private termStart = new Int32Array(257);
  private chunkTerms = new Int32Array(1024);
  private chunkTfs = new Float32Array(1024);
  private liveCount = 0;
  private totalLength = 0;
  /** Highest vector row indexed: later rows are what a catch-up adds. */
  maxRow = -1;
  /** Scratch for scoring and counting, reused across calls. */
  private scores = new Float64Array(256);
  private touched = new Int32Array(256);
  private seen = new Uint8Array(256);
  private counts = new Float64Array(256);

  constructor(readonly words: LexicalAnalyzer = 'snowball') {
    this.analyzer = analyzerConfig(lexicalAnalyzerOptions(words));
    this.analyze = analyzerFromConfig(this.analyzer);
  }

  static build(chunks: readonly ChunkText[], words: LexicalAnalyzer = 'snowball'): Bm25ChunkIndex {
    const index = new Bm25ChunkIndex(words);
    index.add(chunks);
    return index;
  }

  /** Live chunks in the index. */
  get size(): number {
    return this.liveCount;
  }

  /** Share of indexed chunks that were removed (their postings are skipped, not freed). */
  get deadShare(): number {
    return this.n === 0 ? 0 : 1 - this.liveCount / this.n;
  }

  /** Marks query words in texts exactly as this index matches them. */
  highlighter(): Highlighter {
    return new Highlighter(this.analyzer);
  }

  /** Adds chunks (rows above every indexed row). */
  add(chunks: readonly ChunkText[]): void {
    for (const c of chunks) {
      const i = this.n++;
      this.ensureChunks(this.n);
      this.rows[i] = c.row;
      this.docs[i] = c.doc;
      this.live[i] = 1;
      if (c.row > this.maxRow) this.maxRow = c.row;
      const words = this.analyze(c.text);
      this.lengths[i] = words.length;
      this.liveCount++;
      this.totalLength += words.length;
      let nTouched = 0;
      for (const w of words) {
        const t = this.termId(w);
        if (this.counts[t] === 0) this.touched[nTouched++] = t;
        this.counts[t]++;
      }
      const start = this.termStart[i];
      this.ensureChunkTerms(start + nTouched);
      for (let k = 0; k < nTouched; k++) {
        const t = this.touched[k];
        const tf = this.counts[t];
        this.counts[t] = 0;
        this.chunkTerms[start + k] = t;
        this.chunkTfs[start + k] = tf;
        this.df[t]++;
        this.post(t, i, tf);
      }
      this.termStart[i + 1] = start + nTouched;
    }
  }

  /** Removes every chunk whose row `isLive` rejects; returns how many. */
  removeWhere(isDead: (row: number) => boolean): number {
    let removed = 0;
    for (let i = 0; i < this.n; i++) {
      if (!this.live[i] || !isDead(this.rows[i])) continue;
      this.live[i] = 0;
      this.liveCount--;
      this.totalLength -= this.lengths[i];
      for (let k = this.termStart[i]; k < this.termStart[i + 1]; k++) this.df[this.chunkTerms[k]]--;
      removed++;
    }
    return removed;
  }

  /** The `depth` best chunks (internal numbers, scores), best first. */
  private top(query: string, depth: number): { items: number[]; scores: number[] } {
    const N = this.liveCount;
    const heap = new TopK(depth);
    if (N === 0) return heap.sorted();
    const avg = this.totalLength / N || 1;
    // query term counts (a repeated word counts twice, as the vectorizer's query vectors do)
    const q = new Map<number, number>();
    for (const w of this.analyze(query)) {
      const t = this.termIds.get(w);
      if (t !== undefined) q.set(t, (q.get(t) ?? 0) + 1);
    }
    const { scores, seen, touched, live, lengths } = this;
    let nTouched = 0;
    for (const [t, qtf] of q) {
      const df = this.df[t];
      if (df <= 0) continue;
      const idf = Math.log(1 + (N - df + 0.5) / (df + 0.5));
      this.postings(t);
      const chunks = this.postChunks[t]!;
      const tfs = this.postTfs[t]!;
      for (let p = 0, end = this.postLen[t]; p < end; p++) {
        const c = chunks[p];
        if (!live[c]) continue;
        const tf = tfs[p];
        const w = (tf * (K1 + 1)) / (tf + K1 * (1 - B + (B * lengths[c]) / avg));
        if (!seen[c]) {
          seen[c] = 1;
          touched[nTouched++] = c;
        }
        // the vectorizer stores idf·w as float32 document weights: round the same way
        scores[c] += qtf * Math.fround(idf * w);
      }
    }
    for (let k = 0; k < nTouched; k++) {
      const c = touched[k];
      heap.push(c, scores[c]);
      scores[c] = 0;
      seen[c] = 0;
    }
    return heap.sorted();
  }

  /** Best `k` documents for the query (each with its best chunk); `allowDoc` filters documents. */
  search(query: string, k: number, allowDoc?: (doc: number) => boolean): LexicalDocHit[] {
    return rankedHits((depth) => this.top(query, depth), this.docs, this.rows, k, true, allowDoc);
  }

  /** Best `k` chunks for the query (several may belong to one document), best first. */
  searchChunks(query: string, k: number, allowDoc?: (doc: number) => boolean): LexicalDocHit[] {
    return rankedHits((depth) => this.top(query, depth), this.docs, this.rows, k, false, allowDoc);
  }

  /**
   * Writes the index into `dir` (replaced as a whole; the key goes in last, so a crash midway
   * leaves nothing loadable). Live chunks only: a saved index has no dead postings.
   */
  async save(dir: string, key: string, epoch?: string): Promise<void> {
    const tmp = `${dir}.${process.pid}.tmp`;
    rmSync(tmp, { recursive: true, force: true });
    mkdirSync(tmp, { recursive: true });
    const keep: number[] = [];
    for (let i = 0; i < this.n; i++) if (this.live[i]) keep.push(i);
    const rows = Int32Array.from(keep, (i) => this.rows[i]);
    const docs = Int32Array.from(keep, (i) => this.docs[i]);
    const lengths = Float64Array.from(keep, (i) => this.lengths[i]);
    const start = new Int32Array(keep.length + 1);
    for (let j = 0; j < keep.length; j++)
      start[j + 1] = start[j] + this.termStart[keep[j] + 1] - this.termStart[keep[j]];
    const terms = new Int32Array(start[keep.length]);
    const tfs = new Float32Array(start[keep.length]);
    for (let j = 0; j < keep.length; j++) {
      const from = this.termStart[keep[j]];
      const len = start[j + 1] - start[j];
      terms.set(this.chunkTerms.subarray(from, from + len), start[j]);
      tfs.set(this.chunkTfs.subarray(from, from + len), start[j]);
    }
    writeFileSync(path.join(tmp, 'terms.json'), JSON.stringify(this.terms));
    const parts = [lengths, rows, docs, start, terms, tfs];
    writeFileSync(
      path.join(tmp, 'chunks.bin'),
      Buffer.concat(parts.map((a) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength))),
    );
    writeFileSync(
      path.join(tmp, 'key.json'),
      JSON.stringify({
        format: FORMAT,
        key,
        epoch,
        words: this.words,
        chunks: keep.length,
        nnz: terms.length,
      }),
    );
    rmSync(dir, { recursive: true, force: true });
    renameSync(tmp, dir);
  }

  /** What `save` recorded in `dir` (undefined: nothing loadable). */
  static saved(dir: string): { key: string; epoch?: string } | undefined {
    try {
      const m = JSON.parse(readFileSync(path.join(dir, 'key.json'), 'utf8'));
      return m.format === FORMAT && typeof m.key === 'string' ? { key: m.key, epoch: m.epoch } : undefined;
    } catch {
      return undefined;
    }
  }

  /** The index saved in `dir`, or null (missing, damaged, another format or analyzer). */
  static load(dir: string, words: LexicalAnalyzer): Bm25ChunkIndex | null {
    try {
      const m = JSON.parse(readFileSync(path.join(dir, 'key.json'), 'utf8'));
      if (m.format !== FORMAT || m.words !== words) return null;
      const terms = JSON.parse(readFileSync(path.join(dir, 'terms.json'), 'utf8')) as string[];
      const bytes = readFileSync(path.join(dir, 'chunks.bin'));
      const n = m.chunks as number;
      const nnz = m.nnz as number;
      if (bytes.byteLength !== 8 * n + 4 * n * 2 + 4 * (n + 1) + 8 * nnz) return null;
      const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
      let offset = 0;
      const take = <T extends ArrayBufferView>(
        make: new (b: ArrayBuffer, o: number, l: number) => T,
        len: number,
        size: number,
      ): T => {
        const out = new make(buffer, offset, len);
        offset += len * size;
        return out;
      };
      const lengths = take(Float64Array, n, 8);
      const rows = take(Int32Array, n, 4);
      const docs = take(Int32Array, n, 4);
      const start = take(Int32Array, n + 1, 4);
      const chunkTerms = take(Int32Array, nnz, 4);
      const chunkTfs = take(Float32Array, nnz, 4);
      const index = new Bm25ChunkIndex(words);
      index.terms = terms;
      terms.forEach((t, i) => index.termIds.set(t, i));
      index.ensureTerms(terms.length);
      index.ensureChunks(n);
      index.n = n;
      index.rows.set(rows);
      index.docs.set(docs);
      index.lengths.set(lengths);
      index.live.fill(1, 0, n);
      index.termStart.set(start);
      index.ensureChunkTerms(nnz);
      index.chunkTerms.set(chunkTerms);
      index.chunkTfs.set(chunkTfs);
      index.liveCount = n;
      if (start[0] !== 0 || start[n] !== nnz) return null;
      // postings by counting: each term's chunks in increasing order, as post() appends them
      const T = terms.length;
      const df = index.df;
      for (let k = 0; k < nnz; k++) {
        const t = chunkTerms[k];
        if (t < 0 || t >= T) return null;
        df[t]++;
      }
      const postStart = new Int32Array(T + 1);
      for (let t = 0; t < T; t++) postStart[t + 1] = postStart[t] + df[t];
      const fill = postStart.slice(0, T);
      const postChunks = new Int32Array(nnz);
      const postTfs = new Float32Array(nnz);
      for (let i = 0; i < n; i++) {
        index.totalLength += lengths[i];
        if (rows[i] > index.maxRow) index.maxRow = rows[i];
        for (let k = start[i]; k < start[i + 1]; k++) {
          const at = fill[chunkTerms[k]]++;
          postChunks[at] = i;
          postTfs[at] = chunkTfs[k];
        }
      }
      index.postLen.set(df.subarray(0, T));
      index.packed = { start: postStart, chunks: postChunks, tfs: postTfs };
      return index;
    } catch {
      return null;
    }
  }

  private termId(word: string): number {
    let t = this.termIds.get(word);
    if (t === undefined) {
      t = this.terms.length;
      this.terms.push(word);
      this.termIds.set(word, t);
      this.ensureTerms(t + 1);
    }
    return t;
  }

  /** Makes term t's postings arrays if it has none yet: views of the loaded ones, or empty. */
  private postings(t: number): void {
    if (this.postChunks[t] !== undefined) return;
    const packed = this.packed;
    if (packed && t + 1 < packed.start.length) {
      // exactly as long as the loaded postings: post() grows them by copying, never into `packed`
      this.postChunks[t] = packed.chunks.subarray(packed.start[t], packed.start[t + 1]);
      this.postTfs[t] = packed.tfs.subarray(packed.start[t], packed.start[t + 1]);
    } else {
      this.postChunks[t] = new Int32Array(2);
      this.postTfs[t] = new Float32Array(2);
    }
  }

  private post(t: number, chunk: number, tf: number): void {
    this.postings(t);
    const len = this.postLen[t];
    let chunks = this.postChunks[t]!;
    if (len >= chunks.length) {
      const c = new Int32Array(Math.max(2, len * 2));
      c.set(chunks.subarray(0, len));
      this.postChunks[t] = chunks = c;
      const f = new Float32Array(c.length);
      f.set(this.postTfs[t]!.subarray(0, len));
      this.postTfs[t] = f;
    }
    chunks[len] = chunk;
    this.postTfs[t]![len] = tf;
    this.postLen[t] = len + 1;
  }

  private ensureTerms(n: number): void {
    // postings arrays are made on first use (postings())
    if (this.postChunks.length < n) {
      this.postChunks.length = n;
      this.postTfs.length = n;
    }
    if (n <= this.df.length) return;
    const size = Math.max(n, this.df.length * 2);
    this.df = grow(this.df, size);
    this.postLen = grow(this.postLen, size);
    this.counts = grow(this.counts, size);
    this.touched = grow(this.touched, Math.max(size, this.touched.length));
  }

  private ensureChunks(n: number): void {
    if (n <= this.rows.length) return;
    const size = Math.max(n, this.rows.length * 2);
    this.rows = grow(this.rows, size);
    this.docs = grow(this.docs, size);
    this.lengths = grow(this.lengths, size);
    this.live = grow(this.live, size);
    this.termStart = grow(this.termStart, size + 1);
    this.scores = grow(this.scores, size);
    this.seen = grow(this.seen, size);
    this.touched = grow(this.touched, Math.max(size, this.touched.length));
  }

  private ensureChunkTerms(n: number): void {
    if (n <= this.chunkTerms.length) return;
    const size = Math.max(n, this.chunkTerms.length * 2);
    this.chunkTerms = grow(this.chunkTerms, size);
    this.chunkTfs = grow(this.chunkTfs, size);
  }
}

function grow<T extends Int32Array | Float64Array | Float32Array | Uint8Array>(a: T, size: number): T {
  const out = new (a.constructor as new (n: number) => T)(size);
  out.set(a);
  return out;
}
