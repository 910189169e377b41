export { type BertConfig, maxSequenceLength, parseBertConfig, readBertConfig } from './config.js';
export {
  type EmbedOptions,
  type LongTextStrategy,
  type Prompts,
  type SentencePooling,
  type TextRole,
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
  type DenseActivation,
  type DenseLayerSpec,
  readCheckpointTensors,
  readSentenceTransformersLayout,
  type SentenceTransformersLayout,
} from './layout.js';
export {
  DEFAULT_MODEL,
  defaultModelName,
  describeCheckpoint,
  encoderBytes,
  ensureEncoderFile,
  fitsOneOnnxFile,
  type ImportOptions,
  importModel,
  listModels,
  type ModelDefaults,
  type ModelInfo,
  type ModelSource,
  modelsDir,
  resolveModel,
} from './models.js';
export { parsePytorchStateDict, readPytorchStateDict } from './pytorch.js';
export { readSafetensors, type Tensor } from './safetensors.js';
export type { Pieces, PieceTokenizer } from './tokenizer.js';
