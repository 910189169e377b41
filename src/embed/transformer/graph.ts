import type { BertConfig, BertWeights, Linear } from './config.js';
import { DataType, OnnxGraphBuilder, type SerializeOptions } from './onnx.js';

/** Bumped whenever the emitted graph changes, so cached builds are rebuilt. */
export const GRAPH_BUILDER_VERSION = 4;

export type EncoderDtype = 'fp32' | 'int8';

export interface BuildEncoderOptions {
  dtype?: EncoderDtype;
  /**
   * Expose every layer's output as `hidden_state_<i>` (i = 0 for the embeddings, 1..N-1 for the
   * layers before the last); the last layer is always `last_hidden_state`. Default true.
   */
  allHiddenStates?: boolean;
  /**
   * 'attention': com.microsoft Attention (fused QKV projection + attention; fp32 only).
   * 'multihead': QKV projection as a separate (possibly quantized) MatMul, then
   * com.microsoft MultiHeadAttention. Default: 'attention' for fp32, 'multihead' for int8.
   */
  attention?: 'attention' | 'multihead';
  /**
   * false: write attention, the residual LayerNorms and GELU with standard ONNX operators only
   * (MatMul/Softmax/LayerNormalization/Erf…), leaving any fusion to onnxruntime's optimizer.
   * Kept to measure what the contrib operators buy. Default true.
   */
  fused?: boolean;
  /** int8 weight scales: one per output channel (default) or one per tensor (for comparison). */
  int8Scales?: 'channel' | 'tensor';
  metadata?: Record<string, string>;
}

/** Graph input and output names, shared with the runtime and with other ONNX consumers. */
export const INPUT_IDS = 'input_ids';
export const ATTENTION_MASK = 'attention_mask';
export const TOKEN_TYPE_IDS = 'token_type_ids';
export const LAST_HIDDEN_STATE = 'last_hidden_state';
export const hiddenStateName = (i: number): string => `hidden_state_${i}`;

const MS = 'com.microsoft';

/**
 * Writes a BERT encoder as an ONNX ModelProto: embeddings (word + position + token type,
 * LayerNorm), N post-norm layers of self-attention and a GELU feed-forward block, with the
 * attention mask applied to keys. Uses onnxruntime's com.microsoft contrib operators
 * (Attention/MultiHeadAttention, SkipLayerNormalization with the bias folded in, BiasGelu,
 * DynamicQuantizeMatMul) because its CPU kernels for those fused ops are much faster than the
 * equivalent chains of standard ops.
 *
 * int8: every linear layer's weights are quantized symmetrically with one scale per output
 * channel; activations are quantized dynamically per call (DynamicQuantizeMatMul).
 */
export function buildEncoderGraph(
  config: BertConfig,
  weights: BertWeights,
  opts: BuildEncoderOptions = {},
): Uint8Array {
  const { g, meta } = encoderGraph(config, weights, opts);
  return g.serialize(meta);
}

/**
 * The encoder as a model file plus an external data file (named `location`, to sit beside the
 * model) holding every tensor of at least `minBytes` bytes (default 1 KiB): how encoders above the
 * 2 GiB a single ONNX file can hold are stored.
 */
export function buildEncoderGraphFiles(
  config: BertConfig,
  weights: BertWeights,
  external: { location: string; minBytes?: number },
  opts: BuildEncoderOptions = {},
): { model: Uint8Array; data: Uint8Array[] } {
  const { g, meta } = encoderGraph(config, weights, opts);
  return g.serializeExternal(meta, { location: external.location, minBytes: external.minBytes ?? 1024 });
}

function encoderGraph(
  config: BertConfig,
  weights: BertWeights,
  opts: BuildEncoderOptions,
): { g: OnnxGraphBuilder; meta: SerializeOptions } {
  const dtype = opts.dtype ?? 'fp32';
  const attentionKind = opts.attention ?? (dtype === 'fp32' ? 'attention' : 'multihead');
  const allHidden = opts.allHiddenStates ?? true;
  const fused = opts.fused ?? true;
  const g = new OnnxGraphBuilder();
  const h = config.hiddenSize;
  const eps = { float: config.layerNormEps };

  const inputIds = g.input(INPUT_IDS, DataType.INT64, ['batch', 'sequence']);
  const attentionMask = g.input(ATTENTION_MASK, DataType.INT64, ['batch', 'sequence']);
  const tokenTypeIds = g.input(TOKEN_TYPE_IDS, DataType.INT64, ['batch', 'sequence']);

  // Embeddings.
  const wordTable = g.initializer('word_embeddings', [config.vocabSize, h], weights.wordEmbeddings);
  const positionTable = g.initializer(
    'position_embeddings',
    [config.maxPositionEmbeddings, h],
    weights.positionEmbeddings,
  );
  const typeTable = g.initializer(
    'token_type_embeddings',
    [config.typeVocabSize, h],
    weights.tokenTypeEmbeddings,
  );
  const words = g.op('Gather', [wordTable, inputIds]);
  const types = g.op('Gather', [typeTable, tokenTypeIds]);
  const shape = g.op('Shape', [inputIds]);
  const sequenceLength = g.op('Gather', [shape, g.int64s('one_index', [1])]);
  // (Initializers keep their order, so BERT graphs stay byte-identical to earlier builds.)
  const zero = config.positionOffset === 0 ? g.initializer('zero', [], BigInt64Array.of(0n)) : '';
  const one = g.initializer('one', [], BigInt64Array.of(1n));
  const sequenceScalar = g.op('Squeeze', [sequenceLength, g.int64s('axis_zero', [0])]);
  // RoBERTa-family position ids start at padding_idx + 1. Padding sits after the real tokens,
  // so its positions never reach a real token's output (attention masks the keys).
  let positionIds: string;
  if (config.positionOffset === 0) positionIds = g.op('Range', [zero, sequenceScalar, one]);
  else {
    const offset = g.initializer('position_offset', [], BigInt64Array.of(BigInt(config.positionOffset)));
    positionIds = g.op('Range', [offset, g.op('Add', [sequenceScalar, offset]), one]);
  }
  const positions = g.op('Gather', [positionTable, positionIds]);
  const summed = g.op('Add', [g.op('Add', [words, types]), positions]);
  let hidden = g.op(
    'LayerNormalization',
    [
      summed,
      g.initializer('embeddings_norm_gamma', [h], weights.embeddingNorm.gamma),
      g.initializer('embeddings_norm_beta', [h], weights.embeddingNorm.beta),
    ],
    { axis: -1, epsilon: eps },
  );

  const mask32 = g.op('Cast', [attentionMask], { to: DataType.INT32 });

  const emitHidden = (value: string, index: number): string => {
    if (!allHidden) return value;
    const name = hiddenStateName(index);
    g.node('Identity', [value], [name]);
    g.output(name, DataType.FLOAT, ['batch', 'sequence', h]);
    return value;
  };
  hidden = emitHidden(hidden, 0);

  /** x · Wᵀ without the bias (callers fold the bias into the next fused op). */
  const matmul = (x: string, linear: Linear, name: string): string => {
    const transposed = transpose(linear.weight, linear.outFeatures, linear.inFeatures);
    if (dtype === 'fp32') {
      return g.op('MatMul', [
        x,
        g.initializer(`${name}_weight`, [linear.inFeatures, linear.outFeatures], transposed),
      ]);
    }
    const q = quantizePerColumn(
      transposed,
      linear.inFeatures,
      linear.outFeatures,
      opts.int8Scales === 'tensor',
    );
    return g.op(
      'DynamicQuantizeMatMul',
      [
        x,
        g.initializer(`${name}_weight_int8`, [linear.inFeatures, linear.outFeatures], q.values),
        g.initializer(`${name}_weight_scale`, [linear.outFeatures], q.scales),
        g.initializer(`${name}_weight_zero_point`, [linear.outFeatures], new Int8Array(linear.outFeatures)),
      ],
      {},
      MS,
    );
  };

  /** LayerNorm(x + bias + skip): one com.microsoft op, or Add + Add + LayerNormalization. */
  const skipLayerNorm = (
    x: string,
    skip: string,
    gamma: string,
    beta: string,
    bias: string,
    name?: string,
  ): string => {
    const out = name ? [name] : 1;
    if (fused)
      return g.node('SkipLayerNormalization', [x, skip, gamma, beta, bias], out, { epsilon: eps }, MS)[0];
    const summed = g.op('Add', [g.op('Add', [x, bias]), skip]);
    return g.node('LayerNormalization', [summed, gamma, beta], out, { axis: -1, epsilon: eps })[0];
  };
  let maskBiasValue: string | undefined;
  /** (1 - mask) * -10000 as [batch, 1, 1, sequence], added to the attention scores. */
  const maskBias = (): string => {
    if (maskBiasValue) return maskBiasValue;
    const maskFloat = g.op('Cast', [attentionMask], { to: DataType.FLOAT });
    const inverted = g.op('Sub', [g.initializer('one_float', [], Float32Array.of(1)), maskFloat]);
    const scaled = g.op('Mul', [inverted, g.initializer('mask_fill', [], Float32Array.of(-10000))]);
    maskBiasValue = g.op('Unsqueeze', [scaled, g.int64s('mask_axes', [1, 2])]);
    return maskBiasValue;
  };

  for (let li = 0; li < weights.layers.length; li++) {
    const layer = weights.layers[li];
    const p = `layer${li}`;
    const qkv: Linear = {
      weight: concatRows([layer.query.weight, layer.key.weight, layer.value.weight]),
      bias: concatRows([layer.query.bias, layer.key.bias, layer.value.bias]),
      inFeatures: h,
      outFeatures: 3 * h,
    };
    const qkvBias = g.initializer(`${p}_qkv_bias`, [3 * h], qkv.bias);
    let context: string;
    if (!fused) {
      context = plainSelfAttention(g, matmul(hidden, qkv, `${p}_qkv`), qkvBias, maskBias(), config);
    } else if (attentionKind === 'attention' && dtype === 'fp32') {
      const qkvWeight = g.initializer(`${p}_qkv_weight`, [h, 3 * h], transpose(qkv.weight, 3 * h, h));
      context = g.op(
        'Attention',
        [hidden, qkvWeight, qkvBias, mask32],
        { num_heads: config.numAttentionHeads },
        MS,
      );
    } else {
      const projected = matmul(hidden, qkv, `${p}_qkv`);
      const [q, k, v] = g.node('Split', [projected, g.int64s(`${p}_split`, [h, h, h])], 3, { axis: 2 });
      context = g.op(
        'MultiHeadAttention',
        [q, k, v, qkvBias, mask32],
        { num_heads: config.numAttentionHeads },
        MS,
      );
    }
    const attended = matmul(context, layer.attentionOutput, `${p}_attention_output`);
    const afterAttention = skipLayerNorm(
      attended,
      hidden,
      g.initializer(`${p}_attention_norm_gamma`, [h], layer.attentionNorm.gamma),
      g.initializer(`${p}_attention_norm_beta`, [h], layer.attentionNorm.beta),
      g.initializer(`${p}_attention_output_bias`, [h], layer.attentionOutput.bias),
    );
    const intermediateBias = g.initializer(
      `${p}_intermediate_bias`,
      [config.intermediateSize],
      layer.intermediate.bias,
    );
    const preActivation = matmul(afterAttention, layer.intermediate, `${p}_intermediate`);
    const intermediate = fused
      ? g.op('BiasGelu', [preActivation, intermediateBias], {}, MS)
      : plainGelu(g, g.op('Add', [preActivation, intermediateBias]));
    const isLast = li === weights.layers.length - 1;
    hidden = skipLayerNorm(
      matmul(intermediate, layer.output, `${p}_output`),
      afterAttention,
      g.initializer(`${p}_output_norm_gamma`, [h], layer.outputNorm.gamma),
      g.initializer(`${p}_output_norm_beta`, [h], layer.outputNorm.beta),
      g.initializer(`${p}_output_bias`, [h], layer.output.bias),
      isLast ? LAST_HIDDEN_STATE : undefined,
    );
    if (!isLast) hidden = emitHidden(hidden, li + 1);
  }
  g.output(LAST_HIDDEN_STATE, DataType.FLOAT, ['batch', 'sequence', h]);

  return {
    g,
    meta: {
      opsets: { '': 17, [MS]: 1 },
      producerVersion: String(GRAPH_BUILDER_VERSION),
      metadata: { dtype, ...opts.metadata },
    },
  };
}

/** Self-attention from a projected [batch, sequence, 3·hidden] tensor with standard ops only. */
function plainSelfAttention(
  g: OnnxGraphBuilder,
  projected: string,
  qkvBias: string,
  maskBias: string,
  config: BertConfig,
): string {
  const h = config.hiddenSize;
  const heads = config.numAttentionHeads;
  const headSize = h / heads;
  const biased = g.op('Add', [projected, qkvBias]);
  const [q, k, v] = g.node('Split', [biased, g.int64s(g.fresh('split'), [h, h, h])], 3, { axis: 2 });
  const headsShape = g.int64s(g.fresh('heads_shape'), [0, 0, heads, headSize]);
  const split = (x: string, perm: number[]) =>
    g.op('Transpose', [g.op('Reshape', [x, headsShape])], { perm });
  const scores = g.op('Mul', [
    g.op('MatMul', [split(q, [0, 2, 1, 3]), split(k, [0, 2, 3, 1])]),
    g.initializer(g.fresh('scale'), [], Float32Array.of(1 / Math.sqrt(headSize))),
  ]);
  const weights = g.op('Softmax', [g.op('Add', [scores, maskBias])], { axis: -1 });
  const context = g.op('Transpose', [g.op('MatMul', [weights, split(v, [0, 2, 1, 3])])], {
    perm: [0, 2, 1, 3],
  });
  return g.op('Reshape', [context, g.int64s(g.fresh('hidden_shape'), [0, 0, h])]);
}

/** Exact GELU, x · ½ · (1 + erf(x / √2)), with standard ops. */
function plainGelu(g: OnnxGraphBuilder, x: string): string {
  const erf = g.op('Erf', [
    g.op('Mul', [x, g.initializer(g.fresh('inv_sqrt2'), [], Float32Array.of(Math.SQRT1_2))]),
  ]);
  const onePlus = g.op('Add', [erf, g.initializer(g.fresh('one'), [], Float32Array.of(1))]);
  return g.op('Mul', [g.op('Mul', [x, onePlus]), g.initializer(g.fresh('half'), [], Float32Array.of(0.5))]);
}

/** [rows, cols] row-major → [cols, rows] row-major. */
export function transpose(m: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    const base = r * cols;
    for (let c = 0; c < cols; c++) out[c * rows + r] = m[base + c];
  }
  return out;
}

function concatRows(parts: Float32Array[]): Float32Array {
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/**
 * Symmetric int8 quantization of a [in, out] matrix with one scale per output column. One scale
 * per tensor lets a few large weights crush the resolution of every other channel, which
 * visibly distorts some sentences; per-column scales keep each output channel's full range.
 */
export function quantizePerColumn(
  m: Float32Array,
  rows: number,
  cols: number,
  sharedScale = false,
): { values: Int8Array; scales: Float32Array } {
  const maxAbs = new Float64Array(cols);
  for (let r = 0; r < rows; r++) {
    const base = r * cols;
    for (let c = 0; c < cols; c++) {
      const a = Math.abs(m[base + c]);
      if (a > maxAbs[c]) maxAbs[c] = a;
    }
  }
  if (sharedScale) maxAbs.fill(Math.max(...maxAbs));
  const scales = new Float32Array(cols);
  for (let c = 0; c < cols; c++) scales[c] = maxAbs[c] > 0 ? maxAbs[c] / 127 : 1;
  const values = new Int8Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    const base = r * cols;
    for (let c = 0; c < cols; c++) {
      const q = Math.round(m[base + c] / scales[c]);
      values[base + c] = Math.min(127, Math.max(-127, q));
    }
  }
  return { values, scales };
}
