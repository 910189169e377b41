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

/**
 * An embedder that learns a collection's own words (the student, and routing through it): rows
 * for words it has none for, from their contexts in the collection's documents (see
 * embed/student/words.ts). A collection calls `withWordsIn` once when it is created,
 * `learnWords` on each batch before embedding it, and `refreshWords` before embedding a query.
 */
export interface WordLearner {
  /** A view of this embedder that keeps what it learns in `dir` (its saved directory); itself when it cannot learn. */
  withWordsIn(dir: string): Promise<DenseEmbedder>;
  /** Learns the words of `texts` it has no row for; returns how many it learned. */
  learnWords(texts: string[]): Promise<number>;
  /** Takes in words learned by another process since. */
  refreshWords(): void;
  /** Words learned so far. */
  readonly learnedWords: number;
}

/** The embedder as a word learner, when it is one. */
export function wordLearnerOf(embedder: object): WordLearner | null {
  const e = embedder as Partial<WordLearner>;
  return typeof e.learnWords === 'function' && typeof e.withWordsIn === 'function'
    ? (e as WordLearner)
    : null;
}

export type DenseEmbedder = Embedder<DenseMatrix> & { readonly kind: 'dense'; readonly dim: number };
export type SparseEmbedder = Embedder<SparseMatrix> & { readonly kind: 'sparse' };
