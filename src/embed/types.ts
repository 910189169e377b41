import type { Document } from '../corpus/types.js';
import type { LongRunning } from '../util/progress.js';
import type { DenseMatrix, SparseMatrix } from '../vectors/types.js';

export type FitOptions = LongRunning;

/**
 * The one contract every method implements — bow, tfidf, bm25, hashing, word2vec, fasttext,
 * glove, transformer. `load(dir)` is a static factory on each class, dispatched by the
 * `method` field of the manifest that `save` writes.
 */
export interface Embedder<V = DenseMatrix | SparseMatrix> {
  readonly name: string;
  readonly kind: 'dense' | 'sparse';
  fit?(docs: AsyncIterable<Document> | Iterable<Document>, opts?: FitOptions): Promise<void>;
  embed(texts: string[]): Promise<V>;
  /**
   * Optional, for methods that embed search queries and indexed documents differently (models
   * trained with prompts, e.g. e5's "query: " / "passage: "). Search code embeds queries with
   * `embedQueries` and what it indexes with `embedDocuments` when present (`embedFor` does
   * that); `embed` alone gives the model's role-less vectors.
   */
  embedQueries?(texts: string[]): Promise<V>;
  embedDocuments?(texts: string[]): Promise<V>;
  save(dir: string): Promise<void>;
  /**
   * Languages the embedder was trained to read ('en', 'ru'); absent when unknown or when it is
   * not a language model (trigram hashing). Hybrid search lets the dense side lead only for
   * queries in these languages (see DEFAULT_FUSION).
   */
  readonly languages?: readonly string[];
}

/**
 * What an encoder that reads a bounded number of its own tokens tells a chunker (transformers:
 * word pieces), so that chunks are measured in what the encoder actually reads.
 */
export interface TokenCounter {
  /** Tokens of a text as the encoder splits it, without special tokens ([CLS], [SEP]). */
  countTokens(text: string): number;
  /** The most tokens of one text the encoder reads (special tokens excluded); the rest is cut. */
  readonly maxTextTokens: number;
}

/** The embedder's token counter, when it has one. */
export function tokenCounterOf(embedder: object): TokenCounter | null {
  const e = embedder as Partial<TokenCounter>;
  return typeof e.countTokens === 'function' && typeof e.maxTextTokens === 'number'
    ? (e as TokenCounter)
    : null;
}

/** Embeds queries or documents with the embedder's role-specific method, else plain `embed`. */
export function embedFor<V>(embedder: Embedder<V>, texts: string[], role: 'query' | 'document'): Promise<V> {
  const method = role === 'query' ? embedder.embedQueries : embedder.embedDocuments;
  return method ? method.call(embedder, texts) : embedder.embed(texts);
}

/** Rows for new words (a student's learned words, see embed/student/words.ts). */
export interface NewWords {
  stems: string[];
  /** stems x dim. */
  rows: Float32Array;
}

/** How far a reader has read a collection's words: words taken in, and bytes of words.txt (files only). */
export interface WordsEnd {
  count: number;
  keyBytes: number;
}

/** Words read back from a store, where they end, and how many were found damaged (a stem without its row). */
export interface ReadWords extends NewWords {
  end: WordsEnd;
  missing: number;
}

/**
 * Where a collection keeps the words its embedder learned: the store's seam (files beside an
 * embedded collection, a table of a PostgreSQL one). Words are only ever appended.
 */
export interface WordsStore {
  /** For messages: the directory or the table. */
  readonly where: string;
  /** The complete words past `end`. */
  read(end: WordsEnd, dim: number): Promise<ReadWords>;
  /** Whether words may exist past `end` (cheap: a reader asks before each query). */
  changed(end: WordsEnd): Promise<boolean>;
  /**
   * Learns with no other writer learning: `learn` is given the words written since `end` (by
   * another writer) and returns the new ones, which are appended; returns where they end.
   */
  update(end: WordsEnd, dim: number, learn: (since: ReadWords) => NewWords): Promise<WordsEnd>;
  /** Words held. */
  count(): Promise<number>;
}

/**
 * An embedder that learns a collection's own words (the student, and routing through it): rows
 * for words it has none for, from their contexts in the collection's documents (see
 * embed/student/words.ts), kept in the collection's WordsStore. A collection takes `withWords`
 * of the embedder it is created with, `bindWords` on the one it loads when opened, calls
 * `learnWords` on each batch before embedding it and `refreshWords` before embedding a query.
 */
export interface WordLearner {
  /** A view of this embedder (sharing its weights) that reads and learns words in `store`; itself when it cannot learn. */
  withWords(store: WordsStore): Promise<DenseEmbedder>;
  /** The same, in place: for an instance loaded for one collection. Refused when bound to another store. */
  bindWords(store: WordsStore): Promise<void>;
  /** Learns the words of `texts` it has no row for; returns how many it learned. */
  learnWords(texts: string[]): Promise<number>;
  /** Takes in words another writer learned since. */
  refreshWords(): Promise<void>;
  /** Words learned so far. */
  readonly learnedWords: number;
  /** Width of the rows it learns (a collection's manifest records it); 0 when it cannot learn. */
  readonly wordsDim: number;
}

/** The embedder as a word learner, when it is one. */
export function wordLearnerOf(embedder: object): WordLearner | null {
  const e = embedder as Partial<WordLearner>;
  return typeof e.learnWords === 'function' && typeof e.withWords === 'function' ? (e as WordLearner) : null;
}

export type DenseEmbedder = Embedder<DenseMatrix> & { readonly kind: 'dense'; readonly dim: number };
export type SparseEmbedder = Embedder<SparseMatrix> & { readonly kind: 'sparse' };
