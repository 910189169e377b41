import type { AnalyzerOptions } from './analyzer.js';
import { HashingVectorizer } from './hashing.js';
import { CountVectorizer, TfidfVectorizer } from './vectorizers.js';
import type { DocumentFrequencyLimit } from './vocabulary.js';

/** Everything `bow`, `tfidf` and `hashing` take, scikit-learn's names. */
export interface SparseVectorizerSettings extends AnalyzerOptions {
  minDf?: DocumentFrequencyLimit;
  maxDf?: DocumentFrequencyLimit;
  maxFeatures?: number | null;
  binary?: boolean;
  /** tfidf, hashing: row norm. */
  norm?: 'l2' | 'l1' | 'none';
  /** tfidf */
  useIdf?: boolean;
  smoothIdf?: boolean;
  sublinearTf?: boolean;
  /** hashing */
  nFeatures?: number;
  alternateSign?: boolean;
}

/** A new bag-of-words, TF-IDF or hashing vectorizer; the settings a method has no use for are ignored. */
export function sparseVectorizer(
  method: 'bow' | 'tfidf' | 'hashing',
  s: SparseVectorizerSettings = {},
): CountVectorizer | TfidfVectorizer | HashingVectorizer {
  const { norm, useIdf, smoothIdf, sublinearTf, nFeatures, alternateSign, ...counting } = s;
  if (method === 'hashing') return new HashingVectorizer({ ...counting, nFeatures, alternateSign, norm });
  if (method === 'bow') return new CountVectorizer(counting);
  return new TfidfVectorizer({ ...counting, norm, useIdf, smoothIdf, sublinearTf });
}
