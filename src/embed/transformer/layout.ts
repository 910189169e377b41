import { existsSync, promises as fsp } from 'node:fs';
import path from 'node:path';
import { SmyslError } from '../../errors.js';
import type { BertConfig } from './config.js';
import { readPytorchStateDict } from './pytorch.js';
import { readSafetensors, type Tensor } from './safetensors.js';

export type SentencePooling = 'mean' | 'cls' | 'max';
export type DenseActivation = 'identity' | 'tanh' | 'relu' | 'sigmoid' | 'gelu';

/**
 * Text put before every input, per role, as sentence-transformers' prompts (e5's "query: " and
 * "passage: "). `default` is the prompt for texts embedded without a role.
 */
export interface Prompts {
  query?: string;
  document?: string;
  default?: string;
}

/** One sentence-transformers `Dense` module: y = activation(W·x + b). */
export interface DenseLayerSpec {
  /** Its weights ("linear.weight" [out, in], "linear.bias" [out]): safetensors or pytorch .bin. */
  weightsFile: string;
  inFeatures: number;
  outFeatures: number;
  bias: boolean;
  activation: DenseActivation;
}

/** What a sentence-transformers folder says about turning token states into a sentence vector. */
export interface SentenceTransformersLayout {
  /** The folder holding the transformer's config.json, weights and tokenizer. */
  transformerDir: string;
  pooling: SentencePooling;
  /** Whether the prompt's tokens take part in mean/max pooling (Pooling's include_prompt). */
  includePrompt: boolean;
  /** sentence_bert_config.json's max_seq_length, when given. */
  maxLength?: number;
  /** sentence_bert_config.json's do_lower_case: texts are lowercased before tokenizing. */
  lowercase: boolean;
  dense: DenseLayerSpec[];
  normalize: boolean;
  prompts: Prompts;
  /** Pooling's word_embedding_dimension, checked against the encoder's hidden size. */
  poolingDimension?: number;
}

const POOLING_FLAGS: Record<string, SentencePooling | null> = {
  pooling_mode_cls_token: 'cls',
  pooling_mode_mean_tokens: 'mean',
  pooling_mode_max_tokens: 'max',
  pooling_mode_mean_sqrt_len_tokens: null,
  pooling_mode_weightedmean_tokens: null,
  pooling_mode_lasttoken: null,
};

const ACTIVATIONS: Record<string, DenseActivation> = {
  Identity: 'identity',
  Tanh: 'tanh',
  ReLU: 'relu',
  Sigmoid: 'sigmoid',
  GELU: 'gelu',
};

async function readJson(file: string): Promise<Record<string, unknown>> {
  let text: string;
  try {
    text = await fsp.readFile(file, 'utf8');
  } catch (e) {
    throw new SmyslError('E_IO', `cannot read ${file}: ${(e as Error).message}`, { cause: e });
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new SmyslError('E_FORMAT', `not valid JSON (${(e as Error).message})`, {
      location: { source: file },
      cause: e,
    });
  }
  if (value === null || typeof value !== 'object')
    throw new SmyslError('E_FORMAT', 'expected a JSON object or array', { location: { source: file } });
  return value as Record<string, unknown>;
}

function fieldError(file: string, message: string, code: 'E_FORMAT' | 'E_MODEL' = 'E_FORMAT'): SmyslError {
  return new SmyslError(code, message, { location: { source: file } });
}

/**
 * Reads a sentence-transformers folder: `modules.json` (Transformer → Pooling → Dense* →
 * Normalize?), `1_Pooling/config.json`, each `N_Dense/config.json`, `sentence_bert_config.json`
 * and `config_sentence_transformers.json`. Returns undefined for a folder without modules.json
 * (a plain Hugging Face checkpoint). Anything smysl would compute differently from
 * sentence-transformers is refused with the file and field that say so.
 */
export async function readSentenceTransformersLayout(
  dir: string,
): Promise<SentenceTransformersLayout | undefined> {
  const modulesFile = path.join(dir, 'modules.json');
  if (!existsSync(modulesFile)) return undefined;
  const modules = await readJson(modulesFile);
  if (!Array.isArray(modules) || modules.length === 0)
    throw fieldError(modulesFile, 'expected a non-empty array of modules');
  const kinds = modules.map((m, i) => {
    const type = (m as { type?: unknown })?.type;
    const modulePath = (m as { path?: unknown })?.path ?? '';
    if (typeof type !== 'string' || typeof modulePath !== 'string')
      throw fieldError(modulesFile, `module ${i} needs string "type" and "path" fields`);
    return { type, kind: type.split('.').pop() as string, path: modulePath, index: i };
  });
  const order = kinds.map((k) => k.kind).join(' → ');
  const expected = /^Transformer → Pooling( → Dense)*( → Normalize)?$/;
  if (!expected.test(order)) {
    const odd = kinds.find((k) => !['Transformer', 'Pooling', 'Dense', 'Normalize'].includes(k.kind));
    throw fieldError(
      modulesFile,
      odd
        ? `module ${odd.index} has "type" "${odd.type}", which smysl cannot run (supported: Transformer, Pooling, Dense, Normalize)`
        : `modules run as ${order}; smysl supports Transformer → Pooling → Dense… → Normalize`,
      'E_MODEL',
    );
  }
  const transformerDir = path.join(dir, kinds[0].path);

  // sentence_bert_config.json: the transformer module's settings.
  let maxLength: number | undefined;
  let lowercase = false;
  const sbertFile = path.join(transformerDir, 'sentence_bert_config.json');
  if (existsSync(sbertFile)) {
    const sbert = await readJson(sbertFile);
    if (sbert.max_seq_length !== undefined && sbert.max_seq_length !== null) {
      if (!Number.isInteger(sbert.max_seq_length) || (sbert.max_seq_length as number) < 3)
        throw fieldError(
          sbertFile,
          `"max_seq_length" must be an integer >= 3, got ${JSON.stringify(sbert.max_seq_length)}`,
        );
      maxLength = sbert.max_seq_length as number;
    }
    if (sbert.do_lower_case !== undefined && typeof sbert.do_lower_case !== 'boolean')
      throw fieldError(
        sbertFile,
        `"do_lower_case" must be true or false, got ${JSON.stringify(sbert.do_lower_case)}`,
      );
    lowercase = sbert.do_lower_case === true;
  }

  // 1_Pooling/config.json
  const poolingFile = path.join(dir, kinds[1].path, 'config.json');
  const poolingConfig = await readJson(poolingFile);
  let modes: string[] = [];
  if (typeof poolingConfig.pooling_mode === 'string') {
    modes = [
      `pooling_mode_${poolingConfig.pooling_mode === 'mean' ? 'mean_tokens' : poolingConfig.pooling_mode === 'max' ? 'max_tokens' : poolingConfig.pooling_mode === 'cls' ? 'cls_token' : poolingConfig.pooling_mode}`,
    ];
  } else {
    modes = Object.keys(POOLING_FLAGS).filter((k) => poolingConfig[k] === true);
  }
  if (modes.length !== 1)
    throw fieldError(
      poolingFile,
      modes.length === 0
        ? 'no pooling mode is on (set one of "pooling_mode_cls_token", "pooling_mode_mean_tokens", "pooling_mode_max_tokens")'
        : `${modes.map((m) => `"${m}"`).join(' and ')} are all on: concatenated poolings are not supported`,
      'E_MODEL',
    );
  const pooling = POOLING_FLAGS[modes[0]];
  if (!pooling)
    throw fieldError(
      poolingFile,
      `"${modes[0]}" is not supported (smysl pools by cls, mean or max)`,
      'E_MODEL',
    );
  const includePrompt = poolingConfig.include_prompt !== false;
  const poolingDimension =
    typeof poolingConfig.word_embedding_dimension === 'number'
      ? poolingConfig.word_embedding_dimension
      : undefined;

  // N_Dense/config.json + weights
  const dense: DenseLayerSpec[] = [];
  for (const k of kinds.filter((m) => m.kind === 'Dense')) {
    const denseDir = path.join(dir, k.path);
    const configFile = path.join(denseDir, 'config.json');
    const c = await readJson(configFile);
    const dimension = (key: string): number => {
      const v = c[key];
      if (!Number.isInteger(v) || (v as number) <= 0)
        throw fieldError(configFile, `"${key}" must be a positive integer, got ${JSON.stringify(v)}`);
      return v as number;
    };
    const activationName =
      typeof c.activation_function === 'string' ? c.activation_function : 'torch.nn.modules.activation.Tanh';
    const activation = ACTIVATIONS[activationName.split('.').pop() as string];
    if (!activation)
      throw fieldError(
        configFile,
        `"activation_function" "${activationName}" is not supported (supported: ${Object.keys(ACTIVATIONS).join(', ')})`,
        'E_MODEL',
      );
    const weights = ['model.safetensors', 'pytorch_model.bin']
      .map((f) => path.join(denseDir, f))
      .find(existsSync);
    if (!weights)
      throw new SmyslError(
        'E_MODEL',
        `${denseDir}: no Dense weights (looked for model.safetensors, pytorch_model.bin)`,
        {
          location: { source: denseDir },
        },
      );
    dense.push({
      weightsFile: weights,
      inFeatures: dimension('in_features'),
      outFeatures: dimension('out_features'),
      bias: c.bias !== false,
      activation,
    });
  }

  return {
    transformerDir,
    pooling,
    includePrompt,
    maxLength,
    lowercase,
    dense,
    normalize: kinds[kinds.length - 1].kind === 'Normalize',
    prompts: await readPrompts(dir),
    poolingDimension,
  };
}

/**
 * config_sentence_transformers.json's prompts, by role as sentence-transformers' encode_query
 * ("query") and encode_document ("document", else "passage", else "corpus") pick them, and the
 * `default_prompt_name` prompt for plain encode().
 */
async function readPrompts(dir: string): Promise<Prompts> {
  const file = path.join(dir, 'config_sentence_transformers.json');
  if (!existsSync(file)) return {};
  const c = await readJson(file);
  const prompts = c.prompts ?? {};
  if (prompts === null || typeof prompts !== 'object' || Array.isArray(prompts))
    throw fieldError(file, '"prompts" must be an object of name → text');
  const table = prompts as Record<string, unknown>;
  for (const [name, text] of Object.entries(table))
    if (typeof text !== 'string')
      throw fieldError(file, `"prompts"."${name}" must be a string, got ${JSON.stringify(text)}`);
  const out: Prompts = {};
  const pick = (names: string[]): string | undefined => {
    const name = names.find((n) => typeof table[n] === 'string' && table[n] !== '');
    return name === undefined ? undefined : (table[name] as string);
  };
  out.query = pick(['query']);
  out.document = pick(['document', 'passage', 'corpus']);
  const defaultName = c.default_prompt_name;
  if (defaultName !== undefined && defaultName !== null) {
    if (typeof defaultName !== 'string' || !(defaultName in table))
      throw fieldError(
        file,
        `"default_prompt_name" ${JSON.stringify(defaultName)} names no entry of "prompts" (${Object.keys(table).join(', ') || 'none'})`,
      );
    if (table[defaultName] !== '') out.default = table[defaultName] as string;
  }
  for (const key of Object.keys(out) as (keyof Prompts)[]) if (out[key] === undefined) delete out[key];
  return out;
}

/** Reads a checkpoint's tensors: safetensors, or a PyTorch state dict (.bin, .pt, .pth). */
export async function readCheckpointTensors(file: string): Promise<Map<string, Tensor>> {
  return file.endsWith('.safetensors') ? readSafetensors(file) : readPytorchStateDict(file);
}

/** A Dense module's weights, checked against its config. */
export interface DenseLayer extends DenseLayerSpec {
  /** [out, in] row-major. */
  weight: Float32Array;
  /** [out], zeros without a bias. */
  biasValues: Float32Array;
}

export async function loadDenseLayer(spec: DenseLayerSpec): Promise<DenseLayer> {
  const tensors = await readCheckpointTensors(spec.weightsFile);
  const get = (name: string, shape: number[]): Float32Array => {
    const t = tensors.get(name);
    if (!t) throw fieldError(spec.weightsFile, `missing tensor "${name}"`);
    if (t.shape.join() !== shape.join())
      throw fieldError(
        spec.weightsFile,
        `tensor "${name}" has shape [${t.shape}], its config.json implies [${shape}]`,
      );
    return t.data;
  };
  return {
    ...spec,
    weight: get('linear.weight', [spec.outFeatures, spec.inFeatures]),
    biasValues: spec.bias ? get('linear.bias', [spec.outFeatures]) : new Float32Array(spec.outFeatures),
  };
}

/** Checks that the modules fit together: pooling width = hidden size, Dense chain dimensions. */
export function checkHead(
  config: BertConfig,
  dense: DenseLayerSpec[],
  source: string,
  poolingDimension?: number,
): void {
  if (poolingDimension !== undefined && poolingDimension !== config.hiddenSize)
    throw fieldError(
      path.join(source, '1_Pooling', 'config.json'),
      `"word_embedding_dimension" is ${poolingDimension} but the encoder's hidden_size is ${config.hiddenSize}`,
    );
  let width = config.hiddenSize;
  for (const d of dense) {
    if (d.inFeatures !== width)
      throw fieldError(
        path.join(path.dirname(d.weightsFile), 'config.json'),
        `"in_features" is ${d.inFeatures} but the vectors reaching this Dense layer have ${width} dimensions`,
      );
    width = d.outFeatures;
  }
}

/** Applies the Dense layers to one pooled vector, in float64. */
export function applyDense(layers: DenseLayer[], input: Float64Array): Float64Array {
  let x = input;
  for (const layer of layers) {
    const out = new Float64Array(layer.outFeatures);
    for (let o = 0; o < layer.outFeatures; o++) {
      let s = layer.biasValues[o];
      const row = o * layer.inFeatures;
      for (let i = 0; i < layer.inFeatures; i++) s += layer.weight[row + i] * x[i];
      out[o] = activate(layer.activation, s);
    }
    x = out;
  }
  return x;
}

function activate(kind: DenseActivation, v: number): number {
  switch (kind) {
    case 'identity':
      return v;
    case 'tanh':
      return Math.tanh(v);
    case 'relu':
      return Math.max(v, 0);
    case 'sigmoid':
      return 1 / (1 + Math.exp(-v));
    case 'gelu':
      return 0.5 * v * (1 + erf(v / Math.SQRT2));
  }
}

/** erf(x) with absolute error below 1.2e-7 (Numerical Recipes' erfc Chebyshev fit). */
export function erf(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const erfc =
    t *
    Math.exp(
      -z * z -
        1.26551223 +
        t *
          (1.00002368 +
            t *
              (0.37409196 +
                t *
                  (0.09678418 +
                    t *
                      (-0.18628806 +
                        t *
                          (0.27886807 +
                            t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  return x >= 0 ? 1 - erfc : erfc - 1;
}
