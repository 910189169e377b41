/**
 * A trained static student as an Embedder: `embed` sums table rows (see model.ts), `save`
 * writes manifest.json + vocab.txt + table.bin (+ projection.f32), `load` reads them back.
 * Built-in students live in the package's `models/` directory and are saved into collections
 * by name only (like the built-in MiniLM), not copied.
 */
import { createHash } from 'node:crypto';
import { existsSync, promises as fsp, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { SmyslError } from '../../errors.js';
import { readJsonFile, writeFileAtomic } from '../../util/fs.js';
import type { LongRunning } from '../../util/progress.js';
import type { DenseMatrix } from '../../vectors/types.js';
import type { DenseEmbedder, ReadWords, WordsEnd, WordsStore } from '../types.js';
import { type CenterRecord, meanWordVector, subtractFromRows } from './center.js';
import { DEFAULT_FEATURES, type FeatureSettings, FeatureVocabulary } from './features.js';
import { DEFAULT_INDUCED_SHARE, type InductionMap, type InductionOptions, induceRows } from './induce.js';
import { encodeFeaturized, StudentParameters, type StudentShape, weightedTable } from './model.js';
import { decodeTable, quantizeTable, type TableStorage } from './storage.js';
import { LearnedWords, warnWordsDamaged } from './words.js';

export const STUDENT_FORMAT = 1;

/** What a model says about itself (the model card's machine-readable part). */
export interface StudentInfo {
  /** Short name, e.g. "minilm-ru". */
  name: string;
  /** Languages it was trained to read, e.g. ['en', 'ru'] (hybrid search lets dense lead for them). */
  languages?: string[];
  /** The teacher whose space the vectors live in (its embedder name, e.g. transformer:minilm:fp32). */
  teacher?: string;
  description?: string;
  /** Anything else worth keeping: sources, scores, the training command. */
  [key: string]: unknown;
}

interface StudentManifest {
  format: number;
  method: 'student';
  /** A built-in model referenced by name (then nothing else is needed). */
  model?: string;
  /** With `model`: which revision of it made the vectors (see StudentEmbedder.revision). */
  revision?: string;
  name?: string;
  dim?: number;
  shape?: StudentShape;
  storage?: TableStorage;
  features?: FeatureSettings;
  info?: StudentInfo;
}

const MANIFEST = 'manifest.json';
/** The induction's map (induce.ts): a JSON header and float32 weights, bias, drift. */
const INDUCTION = 'induction.json';
const INDUCTION_DATA = 'induction.f32';

/** The package's directory of built-in models (models/ next to dist/ and src/). */
export function builtinModelsDir(): string {
  return fileURLToPath(new URL('../../../../models/', import.meta.url));
}

/** Names of the built-in student models. */
export function builtinStudents(): string[] {
  const dir = builtinModelsDir();
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((n) => existsSync(path.join(dir, n, MANIFEST)))
    .sort();
}

/** What `model list` shows for a built-in student. */
export interface StudentListing {
  name: string;
  dir: string;
  builtin: true;
  modelType: 'student';
  dim: number;
  rows: number;
  storage: TableStorage;
  teacher?: string;
}

/** The built-in students, from their manifests (the weights are not read). */
export async function listStudents(): Promise<StudentListing[]> {
  const out: StudentListing[] = [];
  for (const name of builtinStudents()) {
    const dir = path.join(builtinModelsDir(), name);
    const m = await readJsonFile<StudentManifest>(path.join(dir, MANIFEST));
    if (m.method !== 'student' || !m.shape || !m.storage) continue;
    out.push({
      name,
      dir,
      builtin: true,
      modelType: 'student',
      dim: m.shape.outDim,
      rows: m.shape.rows,
      storage: m.storage,
      teacher: m.info?.teacher,
    });
  }
  return out;
}

export class StudentEmbedder implements DenseEmbedder {
  readonly kind = 'dense' as const;
  readonly name: string;
  readonly dim: number;
  /** Set when this is a built-in model: saving then writes a reference, not the weights. */
  builtin?: string;
  /**
   * For a built-in model: a digest of its manifest, which changes with every rebuild. A
   * collection's reference records it, so vectors of an older revision are noticed.
   */
  revision?: string;
  /** The map its rows were induced with, when they were: it gives a collection's words rows. */
  induction?: InductionMap;
  /** A collection's own words (see words.ts), kept in `wordsStore`. */
  private words?: LearnedWords;
  private wordsStore?: WordsStore;
  private wordsEnd: WordsEnd = { count: 0, keyBytes: 0 };

  private constructor(
    readonly vocab: FeatureVocabulary,
    readonly shape: StudentShape,
    /** Weighted rows (exp(logit) folded in), as decoded from `tableBytes`. */
    private readonly table: Float32Array,
    private readonly tableBytes: Uint8Array,
    readonly storage: TableStorage,
    private readonly projection: Float32Array | null,
    readonly info: StudentInfo,
  ) {
    this.dim = shape.outDim;
    this.name = `student:${info.name}:${storage}`;
  }

  get languages(): readonly string[] | undefined {
    return this.info.languages;
  }

  /** Freezes trained parameters into an embedder, stored as `storage` (default f16). */
  static fromParameters(
    params: StudentParameters,
    vocab: FeatureVocabulary,
    info: StudentInfo,
    storage: TableStorage = 'f16',
  ): StudentEmbedder {
    if (vocab.size !== params.shape.rows)
      throw new SmyslError('E_USAGE', `vocabulary has ${vocab.size} rows, the table ${params.shape.rows}`);
    const stored = quantizeTable(weightedTable(params), params.shape.rows, params.shape.dim, storage);
    const projection = params.projection ? params.projection.slice() : null;
    return new StudentEmbedder(vocab, params.shape, stored.decoded, stored.bytes, storage, projection, info);
  }

  /** The parameters this embedder computes with (weights folded into the table, logits 0): a start for more training. */
  toParameters(): StudentParameters {
    return new StudentParameters(this.shape, {
      table: this.table.slice(),
      logits: new Float32Array(this.shape.rows),
      projection: this.projection ? this.projection.slice() : null,
    });
  }

  /**
   * A copy with the mean word vector of `texts` (running text in the student's language)
   * subtracted from every row; see center.ts for why. The record goes to `info.centered`.
   */
  centered(texts: Iterable<string>, source: string): StudentEmbedder {
    const params = this.toParameters();
    const { mean, words } = meanWordVector(this.vocab, params.table, this.shape.dim, texts);
    if (words === 0) throw new SmyslError('E_INPUT', `no word of ${source} is in the student's vocabulary`);
    subtractFromRows(params.table, this.shape.dim, mean);
    const record: CenterRecord = { source, words, norm: Math.hypot(...mean) };
    return StudentEmbedder.fromParameters(
      params,
      this.vocab,
      { ...this.info, centered: record },
      this.storage,
    );
  }

  /**
   * A copy with rows induced from `texts` (running text in the student's language) for the
   * frequent stems it has no rows for; see induce.ts. The record goes to `info.induced`.
   * Existing rows are kept as they are.
   */
  induced(texts: Iterable<string>, source: string, opts: InductionOptions = {}): StudentEmbedder {
    if (this.shape.projection)
      throw new SmyslError(
        'E_USAGE',
        'induction needs a student without a projection (table width = output width)',
      );
    const { keys, rows, record, map } = induceRows(
      this.vocab,
      this.table,
      this.shape.dim,
      texts,
      source,
      opts,
    );
    const shape: StudentShape = { ...this.shape, rows: this.shape.rows + keys.length };
    const table = new Float32Array(shape.rows * shape.dim);
    table.set(this.table);
    table.set(rows, this.table.length);
    const params = new StudentParameters(shape, {
      table,
      logits: new Float32Array(shape.rows),
      projection: null,
    });
    const out = StudentEmbedder.fromParameters(
      params,
      new FeatureVocabulary([...this.vocab.keys, ...keys], {
        ...this.vocab.settings,
        induced: opts.share ?? DEFAULT_INDUCED_SHARE,
      }),
      { ...this.info, induced: { ...record, share: opts.share ?? DEFAULT_INDUCED_SHARE } },
      this.storage,
    );
    out.induction = map;
    return out;
  }

  /** Words this embedder has learned from a collection (0 outside one). */
  get learnedWords(): number {
    return this.words?.size ?? 0;
  }

  /** Width of the rows it learns for a collection's words; 0 without an induction map. */
  get wordsDim(): number {
    return this.induction && !this.shape.projection ? this.shape.dim : 0;
  }

  /**
   * This model for a collection whose words `store` keeps: a view that shares the weights, reads
   * the words there and learns new ones into it (see words.ts). A model without an induction map
   * cannot learn words and is returned as is.
   */
  async withWords(store: WordsStore): Promise<StudentEmbedder> {
    if (this.wordsDim === 0) return this;
    const view = new StudentEmbedder(
      this.vocab,
      this.shape,
      this.table,
      this.tableBytes,
      this.storage,
      this.projection,
      this.info,
    );
    view.builtin = this.builtin;
    view.revision = this.revision;
    view.induction = this.induction;
    await view.bindWords(store);
    return view;
  }

  /** withWords in place: for an instance loaded for one collection. */
  async bindWords(store: WordsStore): Promise<void> {
    if (this.wordsDim === 0 || !this.induction) return;
    if (this.wordsStore === store) return;
    if (this.wordsStore)
      throw new SmyslError(
        'E_STATE',
        `this ${this.name} already keeps the words of ${this.wordsStore.where}; load another instance for ${store.where}`,
      );
    this.words = new LearnedWords(this.vocab, this.table, this.induction);
    this.wordsStore = store;
    this.wordsEnd = { count: 0, keyBytes: 0 };
    // everything there, read once whatever `changed` would say (it may not see damage)
    this.takeIn(await store.read(this.wordsEnd, this.shape.dim));
  }

  /**
   * Gives rows to the Russian words of `texts` that neither the model nor the collection has yet
   * (kept in the collection's store); returns how many. Call it before embedding the texts.
   */
  async learnWords(texts: string[]): Promise<number> {
    const words = this.words;
    if (!words || !this.wordsStore) return 0;
    let learned = 0;
    this.wordsEnd = await this.wordsStore.update(this.wordsEnd, this.shape.dim, (since) => {
      this.takeIn(since);
      const made = words.learn(texts);
      learned = made.stems.length;
      return made;
    });
    return learned;
  }

  /** Takes in words another writer learned since. */
  async refreshWords(): Promise<void> {
    if (!this.words || !this.wordsStore) return;
    if (!(await this.wordsStore.changed(this.wordsEnd))) return;
    this.takeIn(await this.wordsStore.read(this.wordsEnd, this.shape.dim));
  }

  private takeIn(since: ReadWords): void {
    if (since.missing > 0) warnWordsDamaged(this.wordsStore!.where, since.missing);
    if (since.stems.length > 0) this.words!.add(since.stems, since.rows);
    this.wordsEnd = since.end;
  }

  /** A built-in model by name, a saved model directory, or a collection's reference to either. */
  static async create(settings: { model?: string } = {}): Promise<StudentEmbedder> {
    const model = settings.model ?? DEFAULT_STUDENT;
    const builtin = path.join(builtinModelsDir(), model);
    if (/^[\w.-]+$/.test(model) && existsSync(path.join(builtin, MANIFEST))) {
      const e = await StudentEmbedder.load(builtin);
      e.builtin = model;
      const manifest = await fsp.readFile(path.join(builtin, MANIFEST));
      e.revision = createHash('sha256').update(manifest).digest('hex').slice(0, 12);
      return e;
    }
    if (existsSync(path.join(model, MANIFEST))) return StudentEmbedder.load(model);
    throw new SmyslError(
      'E_USAGE',
      `unknown student model "${model}" (built-in: ${builtinStudents().join(', ') || 'none'}; or a directory saved by smysl train encoder)`,
    );
  }

  static async load(dir: string): Promise<StudentEmbedder> {
    const file = path.join(dir, MANIFEST);
    const m = await readJsonFile<StudentManifest>(file);
    if (m.method !== 'student' || m.format !== STUDENT_FORMAT)
      throw new SmyslError(
        'E_FORMAT',
        `not a student model manifest (method ${m.method}, format ${m.format})`,
        {
          location: { source: file },
        },
      );
    if (m.model) {
      const e = await StudentEmbedder.create({ model: m.model });
      // a rebuilt built-in model lives in another space: the saved vectors no longer match queries
      if (m.revision && e.revision && m.revision !== e.revision)
        process.emitWarning(
          `${file}: its vectors were made by revision ${m.revision} of the built-in model "${m.model}", this smysl has revision ${e.revision}; dense search compares across revisions until the collection is indexed again (smysl collections drop, then smysl index)`,
          { code: 'SMYSL_MODEL_REVISION' },
        );
      return e;
    }
    if (!m.shape || !m.storage || !m.info)
      throw new SmyslError('E_FORMAT', 'student manifest lacks shape, storage or info', {
        location: { source: file },
      });
    const read = async (name: string) => {
      try {
        return await fsp.readFile(path.join(dir, name));
      } catch (e) {
        throw new SmyslError('E_IO', `cannot read ${path.join(dir, name)}: ${(e as Error).message}`, {
          cause: e,
        });
      }
    };
    const keys = (await read('vocab.txt')).toString('utf8').split('\n');
    if (keys[keys.length - 1] === '') keys.pop();
    if (keys.length !== m.shape.rows)
      throw new SmyslError(
        'E_FORMAT',
        `vocab.txt has ${keys.length} keys, the manifest says ${m.shape.rows} rows`,
        {
          location: { source: path.join(dir, 'vocab.txt') },
        },
      );
    const vocab = new FeatureVocabulary(keys, { ...DEFAULT_FEATURES, ...m.features });
    const bytes = new Uint8Array(await read('table.bin'));
    const table = decodeTable(bytes, m.shape.rows, m.shape.dim, m.storage);
    let projection: Float32Array | null = null;
    if (m.shape.projection) {
      const p = await read('projection.f32');
      if (p.byteLength !== m.shape.dim * m.shape.outDim * 4)
        throw new SmyslError('E_FORMAT', 'projection.f32 does not match the shape', {
          location: { source: dir },
        });
      projection = new Float32Array(m.shape.dim * m.shape.outDim);
      new Uint8Array(projection.buffer).set(p);
    }
    const e = new StudentEmbedder(vocab, m.shape, table, bytes, m.storage, projection, m.info);
    e.induction = await readInduction(dir, m.shape.dim);
    return e;
  }

  async save(dir: string): Promise<void> {
    if (this.builtin) {
      const ref: StudentManifest = {
        format: STUDENT_FORMAT,
        method: 'student',
        model: this.builtin,
        ...(this.revision ? { revision: this.revision } : {}),
        name: this.name,
        dim: this.dim,
      };
      await writeFileAtomic(path.join(dir, MANIFEST), JSON.stringify(ref, null, 2));
      return;
    }
    await writeFileAtomic(path.join(dir, 'vocab.txt'), `${this.vocab.keys.join('\n')}\n`);
    await writeFileAtomic(path.join(dir, 'table.bin'), this.tableBytes);
    if (this.projection)
      await writeFileAtomic(path.join(dir, 'projection.f32'), new Uint8Array(this.projection.slice().buffer));
    const manifest: StudentManifest = {
      format: STUDENT_FORMAT,
      method: 'student',
      name: this.name,
      dim: this.dim,
      shape: this.shape,
      storage: this.storage,
      features: this.vocab.settings,
      info: this.info,
    };
    if (this.induction) await writeInduction(dir, this.induction);
    // the manifest last: a directory with a manifest is a complete model
    await writeFileAtomic(path.join(dir, MANIFEST), JSON.stringify(manifest, null, 2));
  }

  /** Unit sentence vectors, one row per text (all zeros for a text with no known word or n-gram). */
  async embed(texts: string[], opts: LongRunning = {}): Promise<DenseMatrix> {
    const out = new Float32Array(texts.length * this.dim);
    const chunk = 4096;
    for (let start = 0; start < texts.length; start += chunk) {
      const part = texts.slice(start, start + chunk);
      const feats = this.vocab.featurize(part, this.words);
      out.set(
        encodeFeaturized(
          this.table,
          this.shape.dim,
          feats,
          this.projection,
          this.dim,
          this.words?.rows ?? null,
        ),
        start * this.dim,
      );
      opts.onProgress?.({ phase: 'encoding', done: start + part.length, total: texts.length, unit: 'texts' });
    }
    return { rows: texts.length, dim: this.dim, data: out };
  }
}

interface InductionHeader {
  format: 1;
  dim: number;
  window: number;
  norm: number;
  share: number;
}

async function writeInduction(dir: string, map: InductionMap): Promise<void> {
  const { dim } = map;
  const data = new Float32Array(dim * dim + 2 * dim);
  data.set(map.weights);
  data.set(map.bias, dim * dim);
  data.set(map.drift, dim * dim + dim);
  await writeFileAtomic(path.join(dir, INDUCTION_DATA), new Uint8Array(data.buffer));
  const header: InductionHeader = { format: 1, dim, window: map.window, norm: map.norm, share: map.share };
  await writeFileAtomic(path.join(dir, INDUCTION), JSON.stringify(header, null, 2));
}

async function readInduction(dir: string, dim: number): Promise<InductionMap | undefined> {
  const file = path.join(dir, INDUCTION);
  if (!existsSync(file)) return undefined;
  const h = await readJsonFile<InductionHeader>(file);
  const bytes = await fsp.readFile(path.join(dir, INDUCTION_DATA)).catch((e) => {
    throw new SmyslError('E_IO', `cannot read ${path.join(dir, INDUCTION_DATA)}: ${(e as Error).message}`, {
      cause: e,
    });
  });
  if (h.format !== 1 || h.dim !== dim || bytes.byteLength !== (dim * dim + 2 * dim) * 4)
    throw new SmyslError('E_FORMAT', `the induction map does not match the model (${dim}-d)`, {
      location: { source: file },
    });
  const data = new Float32Array(dim * dim + 2 * dim);
  new Uint8Array(data.buffer).set(bytes);
  return {
    dim,
    window: h.window,
    norm: h.norm,
    share: h.share,
    weights: data.subarray(0, dim * dim),
    bias: data.subarray(dim * dim, dim * dim + dim),
    drift: data.subarray(dim * dim + dim),
  };
}

/** The built-in student used when none is named. */
export const DEFAULT_STUDENT = 'minilm-ru';
