/**
 * `smysl/embed`: everything that turns text into vectors, behind one contract (`Embedder`).
 * The registry creates and loads any method by name; the classes are here for their options.
 * Training kernels, samplers and file-format internals stay in their modules.
 */

export { embedderByName, fitOnTexts } from './by-name.js';
// the contract and the registry
export {
  createEmbedder,
  type EmbedderFactory,
  type EmbedderSettings,
  embedderFactory,
  listEmbedders,
  loadEmbedder,
  registerEmbedder,
} from './registry.js';
// sparse: scikit-learn-exact vectorizers
export {
  type AnalyzerOptions,
  type Bm25Options,
  Bm25Vectorizer,
  CountVectorizer,
  type CountVectorizerOptions,
  type DocumentFrequencyLimit,
  HashingVectorizer,
  type HashingVectorizerOptions,
  loadSparseVectorizer,
  type SparseVectorizer,
  type SparseVectorizerSettings,
  sparseVectorizer,
  TfidfVectorizer,
  type TfidfVectorizerOptions,
} from './sparse/index.js';
// static word vectors: training, files, queries, sentence means
export {
  AveragedWordVectors,
  type AveragedWordVectorsOptions,
  DEFAULT_MAX_PAIRS,
  FastTextModel,
  type FastTextOptions,
  type GloveOptions,
  KeyedVectors,
  loadWinkEmbeddings,
  loadWordVectors,
  type MostSimilarOptions,
  type Neighbor,
  readWordVectors,
  type StaticVectors,
  trainFastText,
  trainGlove,
  trainWord2Vec,
  type Word2VecOptions,
  type WordVectorFormatName,
  type WordWeighting,
  writeWordVectors,
} from './static/index.js';
// student encoders: distillation into a teacher's space (`smysl train encoder`), the built-in
// bilingual model, induction of rows for unseen words, the losses, and language routing
export {
  type DistillationData,
  type DistillOptions,
  type DistillResult,
  distillStudent,
} from './student/distill.js';
export { DEFAULT_STUDENT, listStudents, StudentEmbedder, type StudentInfo } from './student/embedder.js';
export { type InductionOptions, type InductionRecord, induceRows } from './student/induce.js';
export { cosentLoss, cosineLoss, mseLoss, multipleNegativesRankingLoss } from './student/losses.js';
export { RoutingEmbedder, routeOf } from './student/routing.js';
// transformer sentence encoders (onnxruntime loads when the first one is created)
export {
  DEFAULT_MODEL,
  type ImportOptions,
  importModel,
  listModels,
  type ModelInfo,
  modelsDir,
  type SentencePooling,
  TransformerEmbedder,
  type TransformerEmbedderOptions,
} from './transformer/index.js';
// a fit-free spelling-level baseline
export { TrigramEmbedder, type TrigramEmbedderOptions } from './trigram.js';
export type { DenseEmbedder, Embedder, FitOptions, SparseEmbedder } from './types.js';
export { embedFor } from './types.js';
