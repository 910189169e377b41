export {
  type Features,
  KnnClassifier,
  LogisticRegression,
  type LogisticRegressionOptions,
  selectFeatureRows,
  stratifiedKFold,
} from './classify.js';
export {
  clusterTerms,
  distinctiveTerms,
  type KMeansOptions,
  type KMeansResult,
  kmeans,
  kmeansBestK,
} from './cluster.js';
export { NgramLanguageModel, type NgramLmOptions, type Smoothing, sentenceWords } from './ngram-lm.js';
export {
  type ClassifierSettings,
  type CrossValidationOptions,
  createClassifier,
  crossValidateTexts,
  fitClassifier,
  predictLabels,
  TextClassifier,
  type VectorClassifier,
} from './text-classifier.js';
export {
  findRaganatoFiles,
  readGoldKeys,
  readRaganatoXml,
  type WsdSentence,
  type WsdToken,
} from './wsd/raganato.js';
export {
  findWordNet,
  normalizeLemma,
  type Sense,
  type Synset,
  toWordNetPos,
  WordNet,
  type WordNetPos,
} from './wsd/wordnet.js';
export {
  chooseSense,
  type Decision,
  evaluateWsd,
  GlossVectors,
  glossWords,
  type SenseScoring,
  SenseVectors,
  type SentenceInContext,
  type TokenEmbedder,
  topicVector,
  type WsdPrediction,
  type WsdReport,
  type WsdScores,
  withContext,
} from './wsd/wsd.js';
