export { type BeirCollection, type BeirDocument, type BeirQuery, type Qrels, readBeir } from './beir.js';
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
