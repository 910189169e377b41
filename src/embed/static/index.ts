export {
  AveragedWordVectors,
  type AveragedWordVectorsOptions,
  firstPrincipalComponent,
  removeComponent,
  type StaticTrainer,
  type WordWeighting,
} from './averaged.js';
export type { CorpusOptions, EncodedCorpus } from './corpus.js';
export { documentSentences, encodeCorpus, readSentences } from './corpus.js';
export { FastTextModel } from './fasttext-model.js';
export {
  type CooccurrenceStats,
  cooccurrenceList,
  cooccurrenceUnit,
  countCooccurrences,
  DEFAULT_MAX_PAIRS,
  type GloveOptions,
  PairCounter,
  trainGlove,
} from './glove.js';
export { gloveStep, type ModelArrays, sigmoidTable, trainExample } from './kernels.js';
export { Lcg } from './random.js';
export { fastTextHash, fastTextHashBytes, subwordBuckets, subwordStrings } from './subwords.js';
export {
  type FastTextOptions,
  type StaticVectors,
  subwordRowsOf,
  type TrainingCorpus,
  trainFastText,
  trainWord2Vec,
  type Word2VecOptions,
} from './train.js';
export {
  type AliasTable,
  aliasTable,
  buildVocabulary,
  type HuffmanCodes,
  huffmanCodes,
  keepProbabilities,
  unigramTable,
  type Vocabulary as TrainingVocabulary,
} from './vocab.js';
export * from './word-vectors.js';
