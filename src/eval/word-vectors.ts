/** Public surface of the word-vector evaluation (similarity benchmarks, analogies, correlations). */
export {
  type AnalogyOptions,
  type AnalogyQuestion,
  type AnalogyResult,
  type AnalogySection,
  type AnalogySectionResult,
  type AnalogySet,
  evaluateAnalogies,
  readAnalogies,
} from './analogies.js';
export { averageRanks, pearson, spearman } from './correlation.js';
export {
  evaluateWordPairs,
  evaluationVocabulary,
  readWordPairs,
  type VocabularyOptions,
  type WordPair,
  type WordPairResult,
  type WordPairSet,
} from './word-pairs.js';
