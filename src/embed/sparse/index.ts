import type { SparseEmbedder } from '../types.js';
import { HashingVectorizer } from './hashing.js';
import { Bm25Vectorizer, CountVectorizer, readManifest, TfidfVectorizer } from './vectorizers.js';

export {
  type Analyze,
  type AnalyzerConfig,
  type AnalyzerKind,
  type AnalyzerOptions,
  analyzerConfig,
  analyzerFromConfig,
  buildAnalyzer,
  SKLEARN_TOKEN_PATTERN,
  termsOfWord,
} from './analyzer.js';
export { type SparseVectorizerSettings, sparseVectorizer } from './create.js';
export { HashingVectorizer, type HashingVectorizerOptions } from './hashing.js';
export { Highlighter, type TextSpan } from './highlight.js';
export { murmurhash3 } from './murmurhash.js';
export {
  type Bm25Options,
  Bm25Vectorizer,
  CountVectorizer,
  type CountVectorizerOptions,
  TfidfVectorizer,
  type TfidfVectorizerOptions,
} from './vectorizers.js';
export { compareCodePoints, type DocumentFrequencyLimit } from './vocabulary.js';

export type SparseVectorizer = CountVectorizer | TfidfVectorizer | Bm25Vectorizer | HashingVectorizer;

/** Loads any saved sparse model, dispatching on the manifest's `method`. */
export async function loadSparseVectorizer(dir: string): Promise<SparseVectorizer & SparseEmbedder> {
  const m = await readManifest(dir);
  switch (m.method) {
    case 'bow':
      return CountVectorizer.load(dir);
    case 'tfidf':
      return TfidfVectorizer.load(dir);
    case 'bm25':
      return Bm25Vectorizer.load(dir);
    case 'hashing':
      return HashingVectorizer.load(dir);
    default:
      throw new Error(`unknown sparse method ${m.method}`);
  }
}
