import path from 'node:path';
import { type Command, InvalidArgumentError, Option } from 'commander';
import type { Document } from '../../corpus/index.js';
import { fitOnTexts } from '../../embed/by-name.js';
import { createEmbedder, listEmbedders } from '../../embed/registry.js';
import { sparseVectorizer } from '../../embed/sparse/create.js';
import { HashingVectorizer } from '../../embed/sparse/hashing.js';
import {
  type TextRole,
  TransformerEmbedder,
  type TransformerEmbedderOptions,
} from '../../embed/transformer/index.js';
import { type Embedder, embedFor } from '../../embed/types.js';
import { SmyslError } from '../../errors.js';
import { type DenseRowsFormat, writeDenseRows } from '../../vectors/io.js';
import { densify } from '../../vectors/rows.js';
import { nnz, writeMatrixMarket } from '../../vectors/sparse.js';
import type { DenseMatrix, SparseMatrix } from '../../vectors/types.js';
import {
  addCorpusOptions,
  CORPUS_INPUT,
  type CorpusFlags,
  readCorpus,
  textsGivenAsInputs,
} from '../corpus-input.js';
import { addOutputFlags, collect, embedderOption, parseIntOption, setOption } from '../options.js';
import { printJson } from '../output.js';
import { ProgressBar } from '../progress.js';
import { type AnalyzerFlags, addAnalyzerOptions, analyzerOptionsFrom } from '../sparse-options.js';
import { parseSettings } from '../task-support.js';

const TRANSFORMER_GROUP = 'Transformer options (minilm, imported models, checkpoint directories):';
const SPARSE_GROUP = 'Sparse options (bow, tfidf, hashing):';

/** The transformer flags (`embed`, `similarity`); they apply only when the embedder is a transformer. */
export function addEncoderOptions(cmd: Command): Command {
  const group = (o: Option) => cmd.addOption(o.helpGroup(TRANSFORMER_GROUP));
  group(
    new Option('--pooling <kind>', "sentence pooling (default: the model's, mean for minilm)").choices([
      'mean',
      'cls',
      'max',
    ]),
  );
  group(
    new Option('--layers <which>', 'hidden states to average before pooling: last, last4, or lastN')
      .argParser(parseLayers)
      .default(1, 'last'),
  );
  group(new Option('--dtype <dtype>', 'encoder weights').choices(['fp32', 'int8']).default('fp32'));
  group(new Option('--normalize', "L2-normalize vectors (default: the model's, on for minilm)"));
  group(new Option('--no-normalize', 'do not L2-normalize vectors'));
  group(
    new Option('--batch-size <n>', 'sequences per onnxruntime call')
      .argParser(parseIntOption('--batch-size', 1))
      .default(32),
  );
  group(
    new Option('--threads <n>', 'onnxruntime intra-op threads (default: all cores)').argParser(
      parseIntOption('--threads', 1),
    ),
  );
  group(
    new Option(
      '--max-length <n>',
      "tokens per sequence incl. [CLS]/[SEP] (default: the model's, 256 for minilm)",
    ).argParser(parseIntOption('--max-length', 3)),
  );
  group(
    new Option('--long <strategy>', 'texts longer than --max-length')
      .choices(['truncate', 'window'])
      .default('truncate'),
  );
  group(
    new Option(
      '--stride <n>',
      'pieces shared by consecutive windows with --long window (default: max length / 4)',
    ).argParser(parseIntOption('--stride', 0)),
  );
  return cmd;
}

const TRANSFORMER_FLAGS = [
  'pooling',
  'layers',
  'dtype',
  'normalize',
  'batchSize',
  'threads',
  'maxLength',
  'long',
  'stride',
];
const SPARSE_FLAGS = [
  'analyzer',
  'ngram',
  'lowercase',
  'tokenizer',
  'lang',
  'stem',
  'stopwords',
  'minDf',
  'maxDf',
  'maxFeatures',
  'binary',
  'norm',
  'sublinearTf',
  'idf',
  'smoothIdf',
  'nFeatures',
  'alternateSign',
  'outVocab',
];

function parseLayers(value: string): number {
  if (value === 'last') return 1;
  const m = /^last(\d+)$/.exec(value);
  if (!m || Number(m[1]) < 1) throw new InvalidArgumentError('--layers must be last, last4 or lastN');
  return Number(m[1]);
}

export interface EncoderCliOptions {
  embedder: string;
  set: string[];
  pooling?: 'mean' | 'cls' | 'max';
  layers: number;
  dtype: 'fp32' | 'int8';
  normalize?: boolean;
  batchSize: number;
  threads?: number;
  maxLength?: number;
  long: 'truncate' | 'window';
  stride?: number;
  json: boolean;
  quiet: boolean;
}

export function embedderOptions(o: EncoderCliOptions): TransformerEmbedderOptions {
  return {
    model: o.embedder,
    pooling: o.pooling,
    layers: o.layers,
    dtype: o.dtype,
    normalize: o.normalize,
    batchSize: o.batchSize,
    threads: o.threads,
    maxLength: o.maxLength,
    long: o.long,
    stride: o.stride,
    log: o.quiet ? () => {} : undefined,
  };
}

/** Which of three paths an embedder name takes (the flags that apply differ). */
export function embedderKind(name: string): 'sparse-vectorizer' | 'registry' | 'transformer' {
  if (name === 'bow' || name === 'tfidf' || name === 'hashing') return 'sparse-vectorizer';
  if (name !== 'minilm' && name !== 'transformer' && listEmbedders().some((f) => f.method === name))
    return 'registry';
  return 'transformer';
}

/** Flags the user gave (not defaults) that do not apply to this embedder: a usage error. */
export function rejectFlags(command: Command, names: string[], embedder: string, group: string): void {
  const given = names.filter((n) => command.getOptionValueSource(n) === 'cli');
  if (given.length === 0) return;
  const flags = given.map((n) => `--${n.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`);
  throw new SmyslError(
    'E_USAGE',
    `${flags.join(', ')} applies to ${group === SPARSE_GROUP ? 'bow, tfidf and hashing' : 'transformer models'} only, not to ${embedder}`,
  );
}

/** A fresh embedder for `--embedder`: a transformer with the encoder flags, or a registry method. */
export async function openEmbedder(o: EncoderCliOptions, command: Command): Promise<Embedder> {
  if (embedderKind(o.embedder) === 'transformer') {
    if (o.set.length > 0)
      throw new SmyslError('E_USAGE', '--set: transformer settings have their own flags (see --help)');
    return TransformerEmbedder.create(embedderOptions(o));
  }
  rejectFlags(command, TRANSFORMER_FLAGS, o.embedder, TRANSFORMER_GROUP);
  return createEmbedder(o.embedder, parseSettings(o.set));
}

export async function disposeEmbedder(e: Embedder): Promise<void> {
  await (e as { dispose?: () => Promise<void> }).dispose?.();
}

interface EmbedFlags extends EncoderCliOptions, AnalyzerFlags, CorpusFlags {
  text?: string[];
  role?: TextRole;
  out?: string;
  outVocab?: string;
  outModel?: string;
  norm: 'l2' | 'l1' | 'none';
  sublinearTf: boolean;
  idf: boolean;
  smoothIdf: boolean;
  nFeatures: number;
  alternateSign: boolean;
}

export function register(program: Command): void {
  const cmd = program
    .command('embed')
    .description(
      'vectors for texts from any embedder: sentence encoders (default all-MiniLM-L6-v2), word-vector means, or sparse bag-of-words / TF-IDF / hashing (scikit-learn-exact, Matrix Market)',
    )
    .argument('[input...]', CORPUS_INPUT)
    .option('--text <text>', 'a text to embed instead of an input (repeatable)', collect)
    .addOption(
      new Option(
        '--role <role>',
        'what the texts are, for models with a prompt per role (e5: "query: " / "passage: "); default: neither (the model\'s default prompt, usually none)',
      ).choices(['query', 'document']),
    )
    .addOption(
      embedderOption(
        `what makes the vectors: a transformer model (minilm, an imported name, a checkpoint directory) or a method (${listEmbedders()
          .map((f) => f.method)
          .filter((m) => m !== 'transformer' && m !== 'minilm')
          .join(', ')})`,
        'minilm',
      ),
    )
    .addOption(setOption())
    .option(
      '--out <file>',
      'dense: .jsonl (id, vector), .npy (float32 rows) or .f32 (raw little-endian float32); sparse: .mtx (Matrix Market). Default: JSON lines on stdout',
    )
    .option('--out-model <dir>', 'also save the fitted embedder here (to embed queries the same way later)')
    .addOption(
      new Option(
        '--out-vocab <file>',
        'also write the vocabulary, one term a line in column order',
      ).helpGroup(SPARSE_GROUP),
    );
  addEncoderOptions(cmd);
  cmd.optionsGroup(SPARSE_GROUP);
  addAnalyzerOptions(cmd, false)
    .addOption(
      new Option('--norm <norm>', 'row norm (tfidf, hashing)').choices(['l2', 'l1', 'none']).default('l2'),
    )
    .option('--sublinear-tf', 'tfidf: 1 + ln(tf)', false)
    .option('--no-idf', 'tfidf: do not multiply by idf')
    .option('--no-smooth-idf', 'tfidf: idf = ln(n/df) + 1 instead of ln((1+n)/(1+df)) + 1')
    .option('--n-features <n>', 'hashing: number of columns', parseIntOption('--n-features', 1), 2 ** 20)
    .option('--no-alternate-sign', 'hashing: all entries positive');
  cmd.optionsGroup('Input options:');
  addCorpusOptions(cmd);
  cmd.optionsGroup('Options:');
  addOutputFlags(cmd).action(async (inputs: string[], o: EmbedFlags, command: Command) => {
    const documents = await readInputs(inputs, o);
    const texts = documents.map((d) => d.text);
    const ids = documents.map((d) => d.id);
    const kind = embedderKind(o.embedder);
    if (kind !== 'sparse-vectorizer') rejectFlags(command, SPARSE_FLAGS, o.embedder, SPARSE_GROUP);
    if (kind === 'sparse-vectorizer') {
      rejectFlags(command, [...TRANSFORMER_FLAGS, 'role'], o.embedder, TRANSFORMER_GROUP);
      return embedSparse(texts, o, inputs);
    }
    const format = o.out ? path.extname(o.out).toLowerCase() : '';
    const embedder = await openEmbedder(o, command);
    const dense = embedder.kind === 'dense';
    if (o.out && dense && !['.jsonl', '.npy', '.f32'].includes(format))
      throw new SmyslError('E_USAGE', `--out must end in .jsonl, .npy or .f32 (got "${o.out}")`);
    if (!dense && (!o.out || format !== '.mtx'))
      throw new SmyslError('E_USAGE', `${o.embedder} makes sparse vectors: give --out <file>.mtx`);
    const bar = new ProgressBar({ quiet: o.quiet });
    try {
      if (embedder.fit) {
        await fitOnTexts(embedder, texts, { onProgress: bar.update });
        bar.done();
      }
      if (!dense) {
        const m = (await (o.role
          ? embedFor(embedder, texts, o.role)
          : embedder.embed(texts))) as SparseMatrix;
        await writeMatrixMarket(o.out as string, m, { comment: `smysl embed --embedder ${o.embedder}` });
        if (o.outModel) await embedder.save(o.outModel);
        return report(o, { rows: m.rows, dim: m.cols, nonzeros: nnz(m) });
      }
      let chunks: AsyncIterable<DenseMatrix> | DenseMatrix[];
      let dim: number;
      if (embedder instanceof TransformerEmbedder) {
        chunks = embedder.embedStream(texts, { onProgress: bar.update, role: o.role });
        dim = embedder.dim;
      } else {
        // a role picks the embedder's query/document method when it has one (the bilingual router)
        const m = densify(await (o.role ? embedFor(embedder, texts, o.role) : embedder.embed(texts)));
        chunks = [m];
        dim = m.dim;
      }
      if (!o.out) {
        let row = 0;
        const rows: { id: string; text: string; vector: number[] }[] = [];
        for await (const m of chunks) {
          for (let r = 0; r < m.rows; r++, row++)
            rows.push({
              id: ids[row],
              text: texts[row],
              vector: Array.from(m.data.subarray(r * m.dim, (r + 1) * m.dim)),
            });
        }
        bar.done();
        if (o.json) printJson({ embedder: embedder.name, ...(o.role ? { role: o.role } : {}), dim, rows });
        else for (const r of rows) process.stdout.write(`${JSON.stringify(r)}\n`);
      } else {
        await writeDenseRows(o.out, format.slice(1) as DenseRowsFormat, ids, dim, chunks);
        bar.done();
        if (o.outModel) await embedder.save(o.outModel);
        report(o, { rows: texts.length, dim });
      }
    } finally {
      bar.done();
      await disposeEmbedder(embedder);
    }
  });
}

function report(o: EmbedFlags, r: { rows: number; dim: number; nonzeros?: number; seconds?: number }): void {
  const { rows, dim, ...rest } = r;
  // sparse results keep the matrix words of scikit-learn (documents x features)
  const shape = r.nonzeros === undefined ? { rows, dim } : { documents: rows, features: dim };
  const summary = {
    embedder: o.embedder,
    ...(o.role ? { role: o.role } : {}),
    ...shape,
    ...rest,
    out: o.out,
    ...(o.outVocab ? { outVocab: o.outVocab } : {}),
    ...(o.outModel ? { outModel: o.outModel } : {}),
  };
  if (o.json) printJson(summary);
  else if (!o.quiet)
    process.stderr.write(
      `wrote ${r.rows} x ${r.dim} ${r.nonzeros === undefined ? '' : `(${r.nonzeros} non-zeros) `}vectors to ${o.out}${r.seconds === undefined ? '' : ` in ${r.seconds.toFixed(2)} s`}\n`,
    );
}

/** Documents of the inputs (files, folders, "-") and of --text, in order. */
async function readInputs(inputs: string[], o: EmbedFlags): Promise<Document[]> {
  if (textsGivenAsInputs(inputs)) {
    o.text = [...inputs, ...(o.text ?? [])];
    inputs = [];
  }
  const docs: Document[] = [];
  for (const input of inputs) docs.push(...(await readCorpus(input, o)).documents);
  (o.text ?? []).forEach((text, i) => {
    docs.push({ id: String(i), text, meta: {} });
  });
  if (docs.length === 0)
    throw new SmyslError('E_USAGE', 'nothing to embed: give an input (a file, a folder or "-") or --text');
  return docs;
}

/** bow / tfidf / hashing with the full scikit-learn analyzer flags, written as Matrix Market. */
async function embedSparse(texts: string[], flags: EmbedFlags, inputs: string[]): Promise<void> {
  if (!flags.out || path.extname(flags.out).toLowerCase() !== '.mtx')
    throw new SmyslError('E_USAGE', `${flags.embedder} makes sparse vectors: give --out <file>.mtx`);
  if (flags.outVocab && flags.embedder === 'hashing')
    throw new SmyslError('E_USAGE', '--out-vocab: hashing has no vocabulary (columns are hash buckets)');
  const analyzer = analyzerOptionsFrom(flags);
  const t0 = performance.now();
  let vocabulary: readonly string[] | undefined;
  let matrix: SparseMatrix;
  const v = sparseVectorizer(flags.embedder as 'bow' | 'tfidf' | 'hashing', {
    ...analyzer,
    norm: flags.norm,
    useIdf: flags.idf,
    smoothIdf: flags.smoothIdf,
    sublinearTf: flags.sublinearTf,
    nFeatures: flags.nFeatures,
    alternateSign: flags.alternateSign,
  });
  if (v instanceof HashingVectorizer) matrix = v.transform(texts);
  else {
    matrix = v.fitTransform(texts);
    vocabulary = v.vocabulary;
  }
  const save = (d: string) => v.save(d);
  const seconds = (performance.now() - t0) / 1000;
  await writeMatrixMarket(flags.out, matrix, {
    vocabulary,
    vocabularyFile: flags.outVocab,
    comment: `smysl embed --embedder ${flags.embedder} ${inputs.map((i) => path.basename(i)).join(' ')}`,
  });
  if (flags.outModel) await save(flags.outModel);
  report(flags, { rows: matrix.rows, dim: matrix.cols, nonzeros: nnz(matrix), seconds });
}
