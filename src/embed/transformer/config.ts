import { SmyslError } from '../../errors.js';
import { readJsonFile } from '../../util/fs.js';
import type { Tensor } from './safetensors.js';

/** The fields of a Hugging Face BERT-family `config.json` that the encoder graph needs. */
export interface BertConfig {
  /** "bert", or a RoBERTa-family type ("xlm-roberta", "roberta", "camembert"). */
  modelType: string;
  vocabSize: number;
  hiddenSize: number;
  numHiddenLayers: number;
  numAttentionHeads: number;
  intermediateSize: number;
  maxPositionEmbeddings: number;
  typeVocabSize: number;
  layerNormEps: number;
  hiddenAct: 'gelu';
  padTokenId: number;
  /**
   * Position id of the first token. 0 for BERT; RoBERTa-family models count positions from
   * padding_idx + 1 (the rows before it are never used for real tokens).
   */
  positionOffset: number;
}

// The RoBERTa family is BERT with offset position ids (and usually one token type): the same
// graph. ELECTRA may project its embeddings, DistilBERT and MPNet name and shape things
// differently: not built.
const BERT_TYPES = new Set(['bert']);
const ROBERTA_TYPES = new Set(['xlm-roberta', 'roberta', 'camembert']);

/** Longest sequence (special tokens included) the position table allows. */
export function maxSequenceLength(config: BertConfig): number {
  return config.maxPositionEmbeddings - config.positionOffset;
}

export async function readBertConfig(file: string): Promise<BertConfig> {
  return parseBertConfig(await readJsonFile<Record<string, unknown>>(file), file);
}

export function parseBertConfig(raw: Record<string, unknown>, source = 'config.json'): BertConfig {
  const need = (key: string): number => {
    const v = raw[key];
    if (typeof v !== 'number' || !Number.isInteger(v) || v <= 0)
      throw new SmyslError('E_FORMAT', `"${key}" must be a positive integer, got ${JSON.stringify(v)}`, {
        location: { source },
      });
    return v;
  };
  const modelType = typeof raw.model_type === 'string' ? raw.model_type : 'bert';
  if (!BERT_TYPES.has(modelType) && !ROBERTA_TYPES.has(modelType))
    throw new SmyslError(
      'E_MODEL',
      `"model_type" is "${modelType}": not an encoder smysl can build (supported: ${[...BERT_TYPES, ...ROBERTA_TYPES].join(', ')})`,
      { location: { source } },
    );
  const act = raw.hidden_act ?? 'gelu';
  if (act !== 'gelu')
    throw new SmyslError('E_MODEL', `"hidden_act" is "${String(act)}": not supported (only exact "gelu")`, {
      location: { source },
    });
  const positionType = raw.position_embedding_type ?? 'absolute';
  if (positionType !== 'absolute')
    throw new SmyslError(
      'E_MODEL',
      `"position_embedding_type" is "${String(positionType)}": not supported (only "absolute")`,
      { location: { source } },
    );
  const padTokenId =
    typeof raw.pad_token_id === 'number' ? raw.pad_token_id : ROBERTA_TYPES.has(modelType) ? 1 : 0;
  const config: BertConfig = {
    modelType,
    vocabSize: need('vocab_size'),
    hiddenSize: need('hidden_size'),
    numHiddenLayers: need('num_hidden_layers'),
    numAttentionHeads: need('num_attention_heads'),
    intermediateSize: need('intermediate_size'),
    maxPositionEmbeddings: need('max_position_embeddings'),
    typeVocabSize: typeof raw.type_vocab_size === 'number' ? raw.type_vocab_size : 2,
    layerNormEps: typeof raw.layer_norm_eps === 'number' ? raw.layer_norm_eps : 1e-12,
    hiddenAct: 'gelu',
    padTokenId,
    positionOffset: ROBERTA_TYPES.has(modelType) ? padTokenId + 1 : 0,
  };
  if (config.typeVocabSize < 1)
    throw new SmyslError('E_FORMAT', '"type_vocab_size" must be at least 1', { location: { source } });
  if (maxSequenceLength(config) < 3)
    throw new SmyslError(
      'E_FORMAT',
      `"max_position_embeddings" ${config.maxPositionEmbeddings} leaves no room for a sequence after the position offset ${config.positionOffset} (pad_token_id + 1)`,
      { location: { source } },
    );
  if (config.hiddenSize % config.numAttentionHeads !== 0)
    throw new SmyslError(
      'E_FORMAT',
      `"hidden_size" ${config.hiddenSize} is not divisible by "num_attention_heads" ${config.numAttentionHeads}`,
      { location: { source } },
    );
  return config;
}

/** Weights of one encoder layer, in Hugging Face orientation (Linear weight is [out, in]). */
export interface BertLayerWeights {
  query: Linear;
  key: Linear;
  value: Linear;
  attentionOutput: Linear;
  attentionNorm: Norm;
  intermediate: Linear;
  output: Linear;
  outputNorm: Norm;
}

export interface Linear {
  /** [out, in] row-major, as stored by PyTorch. */
  weight: Float32Array;
  bias: Float32Array;
  inFeatures: number;
  outFeatures: number;
}

export interface Norm {
  gamma: Float32Array;
  beta: Float32Array;
}

export interface BertWeights {
  wordEmbeddings: Float32Array;
  positionEmbeddings: Float32Array;
  tokenTypeEmbeddings: Float32Array;
  embeddingNorm: Norm;
  layers: BertLayerWeights[];
}

/**
 * Picks the encoder weights out of a checkpoint's tensors. Accepts the bare names of
 * sentence-transformers exports ("embeddings.…", "encoder.layer.N.…") and the prefixed names
 * of full checkpoints ("bert.…", "roberta.…"); pooler and task heads are ignored.
 */
export function bertWeights(
  tensors: Map<string, Tensor>,
  config: BertConfig,
  source = 'model.safetensors',
): BertWeights {
  const prefix = detectPrefix(tensors, source);
  const get = (name: string, shape: number[]): Float32Array => {
    const t = tensors.get(prefix + name) ?? tensors.get(prefix + legacyNormName(name));
    if (!t) throw new SmyslError('E_FORMAT', `missing tensor "${prefix}${name}"`, { location: { source } });
    if (t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i]))
      throw new SmyslError(
        'E_FORMAT',
        `tensor "${prefix}${name}" has shape [${t.shape}], config.json implies [${shape}]`,
        { location: { source } },
      );
    return t.data;
  };
  const h = config.hiddenSize;
  const linear = (name: string, out: number, inp: number): Linear => ({
    weight: get(`${name}.weight`, [out, inp]),
    bias: get(`${name}.bias`, [out]),
    inFeatures: inp,
    outFeatures: out,
  });
  const norm = (name: string): Norm => ({
    gamma: get(`${name}.weight`, [h]),
    beta: get(`${name}.bias`, [h]),
  });
  const layers: BertLayerWeights[] = [];
  for (let i = 0; i < config.numHiddenLayers; i++) {
    const p = `encoder.layer.${i}.`;
    layers.push({
      query: linear(`${p}attention.self.query`, h, h),
      key: linear(`${p}attention.self.key`, h, h),
      value: linear(`${p}attention.self.value`, h, h),
      attentionOutput: linear(`${p}attention.output.dense`, h, h),
      attentionNorm: norm(`${p}attention.output.LayerNorm`),
      intermediate: linear(`${p}intermediate.dense`, config.intermediateSize, h),
      output: linear(`${p}output.dense`, h, config.intermediateSize),
      outputNorm: norm(`${p}output.LayerNorm`),
    });
  }
  return {
    wordEmbeddings: get('embeddings.word_embeddings.weight', [config.vocabSize, h]),
    positionEmbeddings: get('embeddings.position_embeddings.weight', [config.maxPositionEmbeddings, h]),
    tokenTypeEmbeddings: get('embeddings.token_type_embeddings.weight', [config.typeVocabSize, h]),
    embeddingNorm: norm('embeddings.LayerNorm'),
    layers,
  };
}

function detectPrefix(tensors: Map<string, Tensor>, source: string): string {
  for (const prefix of ['', 'bert.', 'roberta.', 'xlm_roberta.', 'model.']) {
    if (tensors.has(`${prefix}embeddings.word_embeddings.weight`)) return prefix;
  }
  throw new SmyslError(
    'E_FORMAT',
    'no "embeddings.word_embeddings.weight" tensor (bare or under "bert."/"roberta."): not a BERT-family checkpoint',
    { location: { source } },
  );
}

/** Old TensorFlow-converted checkpoints name LayerNorm parameters gamma/beta. */
function legacyNormName(name: string): string {
  return name.replace(/LayerNorm\.weight$/, 'LayerNorm.gamma').replace(/LayerNorm\.bias$/, 'LayerNorm.beta');
}
