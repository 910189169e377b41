export {
  type Features,
  KnnClassifier,
  LogisticRegression,
  type LogisticRegressionOptions,
  selectFeatureRows,
  stratifiedKFold,
} from './classify.js';
export { type KMeansOptions, type KMeansResult, kmeans, kmeansBestK } from './cluster.js';
export { NgramLanguageModel, type NgramLmOptions, type Smoothing } from './ngram-lm.js';
export {
  findRaganatoFiles,
  readGoldKeys,
  readRaganatoXml,
  type WsdSentence,
  type WsdToken,
} from './wsd/raganato.js';
export { normalizeLemma, type Sense, toWordNetPos, WordNet, type WordNetPos } from './wsd/wordnet.js';
export {
  chooseSense,
  evaluateWsd,
  SenseVectors,
  type TokenEmbedder,
  type WsdPrediction,
  type WsdReport,
  type WsdScores,
} from './wsd/wsd.js';
