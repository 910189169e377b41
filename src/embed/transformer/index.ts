export { type BertConfig, parseBertConfig, readBertConfig } from './config.js';
export {
  type LongTextStrategy,
  type SentencePooling,
  type TokenVectors,
  TransformerEmbedder,
  type TransformerEmbedderOptions,
  type WordVectors,
} from './embedder.js';
export {
  type BuildEncoderOptions,
  buildEncoderGraph,
  type EncoderDtype,
  GRAPH_BUILDER_VERSION,
} from './graph.js';
export {
  DEFAULT_MODEL,
  ensureEncoderFile,
  type ImportOptions,
  importModel,
  listModels,
  type ModelDefaults,
  type ModelInfo,
  type ModelSource,
  modelsDir,
  resolveModel,
} from './models.js';
export { readSafetensors, type Tensor } from './safetensors.js';
export type { Pieces, PieceTokenizer } from './tokenizer.js';
