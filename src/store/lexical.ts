import { Bm25Vectorizer, TfidfVectorizer } from '../embed/sparse/index.js';
import { SparseSearch } from '../index/inverted.js';

export type LexicalMethod = 'bm25' | 'tfidf';

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

/**
 * Lexical (sparse) search over a collection's chunks, derived from the texts in SQLite rather
 * than stored: BM25 (or TF-IDF cosine) with Snowball stemming and stop words for Russian and
 * English, scored per chunk through an inverted index and reported per document (best chunk).
 * Rebuilding costs one pass over the chunk texts, done once per process and again only after
 * the collection changes.
 */
export class LexicalChunkIndex {
  private readonly search_: SparseSearch;
  private readonly docs: Int32Array;

  constructor(chunks: readonly ChunkText[], method: LexicalMethod = 'bm25') {
    const analyzer = { tokenizer: 'smysl' as const, stopWords: 'auto' as const, stem: 'auto' as const };
    const texts = chunks.map((c) => c.text);
    const vectorizer =
      method === 'bm25'
        ? new Bm25Vectorizer(analyzer).fit(texts)
        : new TfidfVectorizer({ ...analyzer, sublinearTf: true }).fit(texts);
    this.search_ = SparseSearch.fromTexts(
      vectorizer,
      texts,
      chunks.map((c) => String(c.row)),
    );
    this.docs = Int32Array.from(chunks, (c) => c.doc);
  }

  /** Best `k` documents for the query; `allowDoc` restricts to documents passing a filter. */
  search(query: string, k: number, allowDoc?: (doc: number) => boolean): LexicalDocHit[] {
    const out: LexicalDocHit[] = [];
    const seen = new Set<number>();
    // chunks of one document compete: ask for more chunks than documents until k documents are found
    for (let depth = k * 4; ; depth *= 4) {
      const hits = this.search_.index.search(this.queryVector(query), depth)[0];
      out.length = 0;
      seen.clear();
      for (const h of hits) {
        const i = h.row;
        const doc = this.docs[i];
        if (seen.has(doc) || (allowDoc && !allowDoc(doc))) continue;
        seen.add(doc);
        out.push({ doc, row: Number(h.id), score: h.score });
        if (out.length === k) return out;
      }
      if (hits.length < depth) return out;
    }
  }

  private queryVector(query: string) {
    const e = this.search_.encoder;
    return e.transformQueries ? e.transformQueries([query]) : e.transform([query]);
  }
}
