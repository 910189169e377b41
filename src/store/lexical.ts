import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import {
  type AnalyzerConfig,
  type AnalyzerOptions,
  analyzerConfig,
  Bm25Vectorizer,
  Highlighter,
  loadSparseVectorizer,
  TfidfVectorizer,
} from '../embed/sparse/index.js';
import { SparseSearch } from '../index/inverted.js';
import type { SparseMatrix } from '../vectors/types.js';

const LEXICAL_FORMAT = 1;

export type LexicalMethod = 'bm25' | 'tfidf';

/**
 * How the lexical index matches word forms: Snowball stems, or OpenCorpora lemmas for Russian
 * words (Snowball for the rest). Collections made before lemmas existed use 'snowball'.
 */
export type LexicalAnalyzer = 'snowball' | 'lemmas';
export const LEXICAL_ANALYZERS: readonly LexicalAnalyzer[] = ['snowball', 'lemmas'];

/** The analyzer new collections get: chosen by measurement (docs/sparse.md, bench/fusion.ts). */
export const DEFAULT_LEXICAL_ANALYZER: LexicalAnalyzer = 'lemmas';

/** The analyzer settings of a lexical analyzer: the project's tokenizer, stop words, stems or lemmas. */
export function lexicalAnalyzerOptions(analyzer: LexicalAnalyzer = 'snowball'): AnalyzerOptions {
  return {
    tokenizer: 'smysl',
    stopWords: 'auto',
    stem: 'auto',
    lemma: analyzer === 'lemmas' ? 'best' : false,
  };
}

/** Marks query words in texts as the lexical index would match them (see `Highlighter`). */
export function lexicalHighlighter(analyzer: LexicalAnalyzer = 'snowball'): Highlighter {
  return new Highlighter(analyzerConfig(lexicalAnalyzerOptions(analyzer)));
}

/** A live chunk of a collection: its vector row, its document number and its text. */
export interface ChunkText {
  row: number;
  doc: number;
  text: string;
}

/** A document found lexically, with the chunk row that matched best. */
export interface LexicalDocHit {
  doc: number;
  row: number;
  score: number;
}

/** The best chunks of a query (internal chunk numbers and their scores), best first. */
export interface RankedChunks {
  items: ArrayLike<number>;
  scores: ArrayLike<number>;
}

/**
 * The best `k` documents (`perDocument`: each with its best chunk) or chunks from a ranking of
 * chunks that `top(depth)` gives: chunks of one document, and chunks a filter drops, take places,
 * so it asks for deeper rankings until `k` pass or the ranking runs out. `docs`/`rows` map a
 * chunk number to its document and vector row.
 */
export function rankedHits(
  top: (depth: number) => RankedChunks,
  docs: ArrayLike<number>,
  rows: ArrayLike<number>,
  k: number,
  perDocument: boolean,
  allowDoc?: (doc: number) => boolean,
): LexicalDocHit[] {
  if (k <= 0) return [];
  const seen = new Set<number>();
  for (let depth = perDocument || allowDoc ? k * 4 : k; ; depth *= 4) {
    const { items, scores } = top(depth);
    const out: LexicalDocHit[] = [];
    seen.clear();
    for (let i = 0; i < items.length; i++) {
      const doc = docs[items[i]];
      if ((perDocument && seen.has(doc)) || (allowDoc && !allowDoc(doc))) continue;
      seen.add(doc);
      out.push({ doc, row: rows[items[i]], score: scores[i] });
      if (out.length === k) return out;
    }
    if (items.length < depth) return out;
  }
}

/**
 * Lexical (sparse) search over a collection's chunks, derived from the texts in SQLite: BM25
 * (or TF-IDF cosine) with Snowball stemming and stop words for Russian and English, scored per
 * chunk through an inverted index and reported per document (best chunk). Building it costs one
 * analysis pass over every chunk text (seconds per 10 MB), so a writer saves it beside the
 * collection (`save`) and searching processes `load` it while it still matches the collection.
 */
export class LexicalChunkIndex {
  private readonly search_: SparseSearch;

  private constructor(
    private readonly vectorizer: Bm25Vectorizer | TfidfVectorizer,
    private readonly vectors: SparseMatrix,
    /** Vector row of each chunk, and its document number. */
    private readonly rows: Int32Array,
    private readonly docs: Int32Array,
  ) {
    this.search_ = new SparseSearch(vectorizer, vectors, Array.from(rows, String));
  }

  static build(
    chunks: readonly ChunkText[],
    method: LexicalMethod = 'bm25',
    words: LexicalAnalyzer = 'snowball',
  ): LexicalChunkIndex {
    const analyzer = lexicalAnalyzerOptions(words);
    const texts = chunks.map((c) => c.text);
    const vectorizer =
      method === 'bm25'
        ? new Bm25Vectorizer(analyzer)
        : new TfidfVectorizer({ ...analyzer, sublinearTf: true });
    const vectors = vectorizer.fitTransform(texts);
    return new LexicalChunkIndex(
      vectorizer,
      vectors,
      Int32Array.from(chunks, (c) => c.row),
      Int32Array.from(chunks, (c) => c.doc),
    );
  }

  /** The analyzer of this index (what its terms are). */
  get analyzer(): AnalyzerConfig {
    return this.vectorizer.analyzerSettings;
  }

  /** Marks query words in texts exactly as this index matches them. */
  highlighter(): Highlighter {
    return new Highlighter(this.analyzer);
  }

  /** Writes the fitted vectorizer and the chunk vectors into `dir` (replaced as a whole). */
  async save(dir: string, key: string): Promise<void> {
    const tmp = `${dir}.${process.pid}.tmp`;
    rmSync(tmp, { recursive: true, force: true });
    mkdirSync(tmp, { recursive: true });
    await this.vectorizer.save(path.join(tmp, 'vectorizer'));
    const m = this.vectors;
    const nnz = m.indptr[m.rows];
    const header = Int32Array.from([LEXICAL_FORMAT, m.rows, m.cols, nnz]);
    const parts = [
      header,
      m.indptr.subarray(0, m.rows + 1),
      m.indices.subarray(0, nnz),
      m.data.subarray(0, nnz),
      this.rows,
      this.docs,
    ];
    writeFileSync(
      path.join(tmp, 'chunks.bin'),
      Buffer.concat(parts.map((a) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength))),
    );
    // the key goes in last: a directory without it (a crash midway) is never loaded
    writeFileSync(path.join(tmp, 'key.json'), JSON.stringify({ key }));
    rmSync(dir, { recursive: true, force: true });
    renameSync(tmp, dir);
  }

  /** The key the index in `dir` was saved under (undefined: none, or unreadable). */
  static savedKey(dir: string): string | undefined {
    try {
      return (JSON.parse(readFileSync(path.join(dir, 'key.json'), 'utf8')) as { key?: string }).key;
    } catch {
      return undefined;
    }
  }

  /** The index saved in `dir` if it was saved under `key`, else null (stale, missing or damaged). */
  static async load(dir: string, key: string): Promise<LexicalChunkIndex | null> {
    try {
      if (LexicalChunkIndex.savedKey(dir) !== key) return null;
      const vectorizer = await loadSparseVectorizer(path.join(dir, 'vectorizer'));
      if (!(vectorizer instanceof Bm25Vectorizer || vectorizer instanceof TfidfVectorizer)) return null;
      const bytes = readFileSync(path.join(dir, 'chunks.bin'));
      const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
      const [format, rows, cols, nnz] = new Int32Array(buffer, 0, 4);
      if (format !== LEXICAL_FORMAT || buffer.byteLength !== 16 + 4 * (rows + 1 + 2 * nnz + 2 * rows))
        return null;
      let offset = 16;
      const take = <T>(make: (b: ArrayBuffer, o: number, n: number) => T, n: number): T => {
        const out = make(buffer, offset, n);
        offset += 4 * n;
        return out;
      };
      const int32 = (b: ArrayBuffer, o: number, n: number) => new Int32Array(b, o, n);
      const indptr = take(int32, rows + 1);
      const indices = take(int32, nnz);
      const data = take((b, o, n) => new Float32Array(b, o, n), nnz);
      const chunkRows = take(int32, rows);
      const docs = take(int32, rows);
      return new LexicalChunkIndex(vectorizer, { rows, cols, indptr, indices, data }, chunkRows, docs);
    } catch {
      return null;
    }
  }

  /** Best `k` documents for the query (each with its best chunk); `allowDoc` filters documents. */
  search(query: string, k: number, allowDoc?: (doc: number) => boolean): LexicalDocHit[] {
    return rankedHits((depth) => this.top(query, depth), this.docs, this.rows, k, true, allowDoc);
  }

  /** Best `k` chunks for the query (several may belong to one document), best first. */
  searchChunks(query: string, k: number, allowDoc?: (doc: number) => boolean): LexicalDocHit[] {
    return rankedHits((depth) => this.top(query, depth), this.docs, this.rows, k, false, allowDoc);
  }

  private top(query: string, depth: number): RankedChunks {
    const hits = this.search_.index.search(this.queryVector(query), depth)[0];
    return { items: hits.map((h) => h.row), scores: hits.map((h) => h.score) };
  }

  private queryVector(query: string) {
    const e = this.search_.encoder;
    return e.transformQueries ? e.transformQueries([query]) : e.transform([query]);
  }
}
