export { type BeirCollection, type BeirDocument, type BeirQuery, type Qrels, readBeir } from './beir.js';
export {
  BENCH_MAIN_METRIC,
  type BenchData,
  type BenchOptions,
  type BenchTask,
  benchEmbedder,
  type LabelledTexts,
  machineDescription,
  rankByCosine,
  runBench,
  type ScoredPair,
  stratifiedHoldOut,
} from './bench.js';
export {
  accuracy,
  type ClassificationReport,
  type ClassScores,
  classificationReport,
  confusionMatrix,
  type Label,
  logLoss,
  rocAuc,
  rocAucBinary,
  uniqueLabels,
} from './classification.js';
export { adjustedRandIndex, normalizedMutualInformation, silhouetteScore } from './clustering.js';
export { type CollectionRetrievalOptions, evaluateCollectionRetrieval } from './collection-retrieval.js';
export {
  averagePrecision,
  dcgAtK,
  type Judgments,
  ndcgAtK,
  precisionAtK,
  recallAtK,
  reciprocalRankAtK,
} from './ranking.js';
export {
  type BenchReport,
  type BenchRow,
  rankedRows,
  renderHtmlReport,
  renderMarkdownReport,
} from './report.js';
export {
  evaluateRetrieval,
  type RetrievalCutoffs,
  type RetrievalEvaluation,
  type RetrievalMetrics,
} from './retrieval.js';
export {
  evaluateSparseRetrieval,
  type SparseRetrievalMethod,
  type SparseRetrievalOptions,
} from './sparse-retrieval.js';
export { readStsPairs, type StsFormat, type StsPair, stsCosines } from './sts.js';
export {
  type BleuOptions,
  type BleuSmoothing,
  corpusBleu,
  distinctN,
  exactMatch,
  type PRF,
  rougeL,
  rougeN,
} from './text-overlap.js';
export * from './word-vectors.js';
