import os from 'node:os';
import { SmyslError } from '../../errors.js';
import type { LongRunning } from '../../util/progress.js';
import {
  type CorpusOptions,
  type EncodedCorpus,
  encodeCorpus,
  readSentences,
  removeEncodedCorpus,
} from './corpus.js';
import { FastTextModel } from './fasttext-model.js';
import { negLogSigmoidTable, SIGMOID_TABLE_SIZE, sigmoidTable } from './kernels.js';
import { runWorkers, toShared } from './pool.js';
import { Lcg } from './random.js';
import { SharedArena } from './simd.js';
import { subwordBuckets } from './subwords.js';
import { aliasTable, buildVocabulary, huffmanCodes, keepProbabilities, type Vocabulary } from './vocab.js';
import type { EmbeddingWorkerData } from './worker.js';

/** What every static trainer returns: row-major vectors, words sorted by count descending. */
export interface StaticVectors {
  words: string[];
  counts: Float64Array;
  dim: number;
  vectors: Float32Array;
}

/**
 * A corpus: a path in any format the corpus readers accept, or a pre-tokenized text file (see
 * CorpusOptions), or sentences as token arrays. Paths are streamed: the corpus need not fit in
 * memory.
 */
export type TrainingCorpus = string | AsyncIterable<string[]> | Iterable<string[]>;

export interface Word2VecOptions extends LongRunning, CorpusOptions {
  /** Vector size (default 100). */
  dim?: number;
  /** Maximum distance between the centre and a context word (default 5). */
  window?: number;
  /** Negative samples per example; 0 disables negative sampling (default 5). */
  negative?: number;
  /** Use hierarchical softmax (default false). */
  hierarchicalSoftmax?: boolean;
  /** 'cbow' (mean of context, default) or 'skipgram'. */
  architecture?: 'cbow' | 'skipgram';
  /** Drop words seen fewer times (default 5). */
  minCount?: number;
  /** Keep at most this many most frequent words (default: all). */
  maxVocab?: number;
  /** Frequent-word subsampling threshold; 0 disables (default 1e-3). */
  sample?: number;
  /** Passes over the corpus (default 5). */
  epochs?: number;
  /** Initial learning rate (default 0.025; 0.05 for CBOW as the C tool). */
  alpha?: number;
  /** Final learning rate, reached linearly over all epochs (default 0.0001). */
  minAlpha?: number;
  /** Worker threads (default: all cores). One thread and a fixed seed give identical results. */
  threads?: number;
  /** Random seed (default 1). */
  seed?: number;
  /** Longer sentences are cut into pieces of this many words (default 1000, as the C tool). */
  maxSentenceLength?: number;
  /** Use the WebAssembly SIMD kernels when dim is a multiple of 4 (default true). */
  simd?: boolean;
  /**
   * With the SIMD kernels, word2vec with negative sampling (no hierarchical softmax) trains
   * whole sentences in WebAssembly (default true); false calls the kernels per example from
   * JavaScript. Both give the same vectors; the switch exists to check that.
   */
  sentenceKernel?: boolean;
  /**
   * word2vec skip-gram with negative sampling: draw one set of negatives per centre word and use
   * it for all the centre word's context words (as in Ji et al., "Parallelizing Word2Vec in
   * Shared and Distributed Memory", 2016). Default true: the output rows then stay in one core's
   * cache across the window, which made two-thread training about twice as fast and steady, with
   * the same quality (README benchmark). false draws one set per (context, centre) pair, exactly
   * as the C tool and gensim do.
   */
  shareNegatives?: boolean;
}

export interface FastTextOptions extends Omit<Word2VecOptions, 'architecture'> {
  /** 'skipgram' (default) or 'cbow'. */
  architecture?: 'cbow' | 'skipgram';
  /** Shortest character n-gram (default 3). */
  minn?: number;
  /** Longest character n-gram; 0 disables subwords (default 6). */
  maxn?: number;
  /** Hash buckets for n-grams (default 2,000,000). */
  bucket?: number;
}

interface Prepared {
  corpus: EncodedCorpus;
  vocab: Vocabulary;
  remap: Int32Array;
}

async function prepare(corpus: TrainingCorpus, opts: Word2VecOptions): Promise<Prepared> {
  const sentences = typeof corpus === 'string' ? readSentences(corpus, opts) : corpus;
  const encoded = await encodeCorpus(sentences, opts);
  try {
    const counts = new Map<string, number>();
    for (let i = 0; i < encoded.words.length; i++) counts.set(encoded.words[i], encoded.counts[i]);
    const vocab = buildVocabulary(counts, { minCount: opts.minCount ?? 5, maxVocab: opts.maxVocab });
    const remap = new Int32Array(encoded.words.length).fill(-1);
    for (let i = 0; i < encoded.words.length; i++) {
      const w = vocab.index.get(encoded.words[i]);
      if (w !== undefined) remap[i] = w;
    }
    return { corpus: encoded, vocab, remap };
  } catch (e) {
    await removeEncodedCorpus(encoded);
    throw e;
  }
}

function checkPositive(name: string, value: number, min = 1): void {
  if (!Number.isFinite(value) || value < min)
    throw new SmyslError('E_USAGE', `${name} must be >= ${min} (got ${value})`);
}

interface EmbeddingRun {
  mode: 'word2vec' | 'fasttext';
  dim: number;
  window: number;
  negative: number;
  hierarchicalSoftmax: boolean;
  cbow: boolean;
  epochs: number;
  alpha: number;
  minAlpha: number;
  threads: number;
  seed: number;
  sample: number;
  tablePower: number;
  maxSentenceLength: number;
  simd: boolean;
  sentenceKernel: boolean;
  shareNegatives: boolean;
}

/**
 * Shared setup and the worker run for word2vec and fastText; returns the trained input rows.
 * The matrices live in one shared WebAssembly memory when the SIMD kernels can run (dim a
 * multiple of 4), else in plain SharedArrayBuffers.
 */
async function trainEmbedding(
  prepared: Prepared,
  run: EmbeddingRun,
  inputRows: number,
  initialize: (input: Float32Array) => void,
  subwords: { offsets: Int32Array; rows: Int32Array },
  opts: LongRunning,
): Promise<Float32Array> {
  const { vocab, corpus, remap } = prepared;
  const vocabSize = vocab.words.length;
  const dim = run.dim;
  const tree = run.hierarchicalSoftmax ? huffmanCodes(vocab.counts) : undefined;
  const threads = Math.max(1, Math.min(run.threads, Math.ceil(corpus.length / 1000)));
  const negativeRows = run.negative > 0 ? vocabSize : 0;
  const treeRows = tree ? vocabSize - 1 : 0;
  const negatives = aliasTable(run.negative > 0 ? vocab.counts : [1], run.tablePower);
  const contextRows = 2 * run.window + 1;
  const arena = new SharedArena(
    SharedArena.bytes(inputRows * dim) +
      SharedArena.bytes(negativeRows * dim) +
      SharedArena.bytes(treeRows * dim) +
      2 * SharedArena.bytes(negatives.alias.length) +
      2 * SharedArena.bytes(SIGMOID_TABLE_SIZE + 1) +
      threads *
        (2 * SharedArena.bytes(dim) +
          SharedArena.bytes(run.maxSentenceLength) +
          SharedArena.bytes(contextRows) +
          SharedArena.bytes(run.negative + 1) +
          SharedArena.bytes(1)),
    run.simd && dim % 4 === 0,
  );
  const input = arena.float32(inputRows * dim);
  initialize(input);
  const outputNegative = arena.float32(negativeRows * dim);
  const outputTree = arena.float32(treeRows * dim);
  const aliasProbability = arena.float32(negatives.alias.length);
  aliasProbability.set(negatives.probability);
  const alias = arena.int32(negatives.alias.length);
  alias.set(negatives.alias);
  const sigmoid = arena.float32(SIGMOID_TABLE_SIZE + 1);
  sigmoid.set(sigmoidTable);
  const negLogSigmoid = arena.float32(SIGMOID_TABLE_SIZE + 1);
  negLogSigmoid.set(negLogSigmoidTable);
  const sentenceKernel =
    arena.memory !== null &&
    run.sentenceKernel &&
    run.mode === 'word2vec' &&
    run.negative > 0 &&
    !run.hierarchicalSoftmax;
  const keep = toShared(keepProbabilities(vocab.counts, run.sample, vocab.totalWords));
  const sharedRemap = toShared(remap);
  const codeLengths = toShared(tree?.lengths ?? new Int32Array(1));
  const codes = toShared(tree?.codes ?? new Uint8Array(1));
  const points = toShared(tree?.points ?? new Int32Array(1));
  const progress = new Float64Array(new SharedArrayBuffer(threads * 3 * 8));
  const items: EmbeddingWorkerData[] = [];
  for (let t = 0; t < threads; t++) {
    items.push({
      mode: run.mode,
      threadIndex: t,
      seed: run.seed,
      idsFile: corpus.idsFile,
      corpusLength: corpus.length,
      blockSize:
        threads === 1 ? Math.max(1, corpus.length) : Math.min(1 << 16, Math.ceil(corpus.length / threads)),
      threadCount: threads,
      epochs: run.epochs,
      totalWords: vocab.totalWords,
      alpha: run.alpha,
      minAlpha: run.minAlpha,
      window: run.window,
      cbow: run.cbow,
      negative: run.negative,
      hierarchicalSoftmax: run.hierarchicalSoftmax,
      dim,
      input,
      outputNegative,
      outputTree,
      aliasProbability,
      alias,
      keep,
      remap: sharedRemap,
      codeLengths,
      codes,
      points,
      maxCodeLength: tree?.maxLength ?? 1,
      subwordOffsets: subwords.offsets,
      subwordRows: subwords.rows,
      progress,
      maxSentenceLength: run.maxSentenceLength,
      memory: arena.memory,
      hidden: arena.float32(dim),
      gradient: arena.float32(dim),
      sentenceKernel,
      shareNegatives: run.shareNegatives,
      sentence: arena.int32(run.maxSentenceLength),
      contextRows: arena.int32(contextRows),
      drawnWords: arena.int32(run.negative + 1),
      randomState: arena.int32(1),
      sigmoid,
      negLogSigmoid,
    });
  }
  const total = run.epochs * vocab.totalWords;
  const start = Date.now();
  const tick = () => {
    if (!opts.onProgress) return;
    let done = 0;
    let loss = 0;
    let examples = 0;
    for (let i = 0; i < progress.length; i += 3) {
      done += progress[i];
      loss += progress[i + 1];
      examples += progress[i + 2];
    }
    const seconds = (Date.now() - start) / 1000;
    const epoch = Math.min(run.epochs, Math.floor(done / vocab.totalWords) + 1);
    opts.onProgress({
      phase: `epoch ${epoch}/${run.epochs}`,
      done,
      total,
      unit: 'words',
      extra: {
        'words/s': seconds > 0 ? Math.round(done / seconds) : 0,
        lr: Math.max(run.minAlpha, run.alpha - (run.alpha - run.minAlpha) * (done / total)),
        loss: examples > 0 ? loss / examples : 0,
      },
    });
  };
  await runWorkers(items, tick, opts.signal);
  return input;
}

function resolveCommon(opts: Word2VecOptions, defaults: { alpha: number; sample: number; minAlpha: number }) {
  const dim = opts.dim ?? 100;
  const window = opts.window ?? 5;
  const negative = opts.negative ?? 5;
  const epochs = opts.epochs ?? 5;
  checkPositive('dim', dim);
  checkPositive('window', window);
  checkPositive('epochs', epochs);
  checkPositive('negative', negative, 0);
  checkPositive('min count', opts.minCount ?? 5, 1);
  const hierarchicalSoftmax = opts.hierarchicalSoftmax ?? false;
  if (negative === 0 && !hierarchicalSoftmax)
    throw new SmyslError(
      'E_USAGE',
      'negative sampling is off (negative 0) and hierarchical softmax is off: nothing to train',
    );
  return {
    dim,
    window,
    negative,
    hierarchicalSoftmax,
    epochs,
    alpha: opts.alpha ?? defaults.alpha,
    minAlpha: opts.minAlpha ?? defaults.minAlpha,
    threads: opts.threads ?? os.availableParallelism(),
    seed: opts.seed ?? 1,
    sample: opts.sample ?? defaults.sample,
    maxSentenceLength: opts.maxSentenceLength ?? 1000,
    simd: opts.simd ?? true,
    sentenceKernel: opts.sentenceKernel ?? true,
    shareNegatives: opts.shareNegatives ?? true,
  };
}

/**
 * Trains word2vec (CBOW or skip-gram; negative sampling and/or hierarchical softmax) as the
 * original C tool does (skip-gram shares a centre word's negatives unless `shareNegatives` is
 * false), on all cores. The corpus is streamed from disk on every epoch.
 */
export async function trainWord2Vec(
  corpus: TrainingCorpus,
  opts: Word2VecOptions = {},
): Promise<StaticVectors> {
  const cbow = (opts.architecture ?? 'cbow') === 'cbow';
  const common = resolveCommon(opts, { alpha: cbow ? 0.05 : 0.025, sample: 1e-3, minAlpha: 0.0001 });
  const prepared = await prepare(corpus, opts);
  try {
    const { vocab } = prepared;
    const vocabSize = vocab.words.length;
    const dim = common.dim;
    const input = await trainEmbedding(
      prepared,
      { ...common, mode: 'word2vec', cbow, tablePower: 0.75 },
      vocabSize,
      (rows) => {
        const rng = new Lcg(common.seed);
        for (let i = 0; i < rows.length; i++) rows[i] = (rng.uniform() - 0.5) / dim;
      },
      { offsets: new Int32Array(1), rows: new Int32Array(1) },
      opts,
    );
    return {
      words: vocab.words,
      counts: vocab.counts,
      dim,
      vectors: Float32Array.from(input.subarray(0, vocabSize * dim)),
    };
  } finally {
    await removeEncodedCorpus(prepared.corpus);
  }
}

/**
 * Trains fastText word vectors (skip-gram or CBOW with character n-grams hashed exactly as
 * Facebook's fastText). Returns the word vectors and the model that builds vectors for
 * out-of-vocabulary words from their n-grams.
 */
export async function trainFastText(
  corpus: TrainingCorpus,
  opts: FastTextOptions = {},
): Promise<StaticVectors & { model: FastTextModel }> {
  const cbow = (opts.architecture ?? 'skipgram') === 'cbow';
  // fastText's defaults: lr 0.05, sample 1e-4, lr decays to 0, negatives drawn by count^0.5.
  const common = resolveCommon(opts, { alpha: 0.05, sample: 1e-4, minAlpha: 0 });
  const minn = opts.minn ?? 3;
  const maxn = opts.maxn ?? 6;
  const bucket = maxn > 0 ? (opts.bucket ?? 2_000_000) : 0;
  if (maxn > 0) {
    checkPositive('minn', minn);
    checkPositive('bucket', bucket);
    if (maxn < minn) throw new SmyslError('E_USAGE', `maxn (${maxn}) must be >= minn (${minn})`);
  }
  const prepared = await prepare(corpus, opts);
  try {
    const { vocab } = prepared;
    const vocabSize = vocab.words.length;
    const dim = common.dim;
    const { offsets, rows } = subwordRowsOf(vocab.words, minn, maxn, bucket);
    const rowCount = vocabSize + bucket;
    const input = await trainEmbedding(
      prepared,
      { ...common, mode: 'fasttext', cbow, tablePower: 0.5 },
      rowCount,
      (matrix) => {
        const rng = new Lcg(common.seed);
        const bound = 1 / dim;
        for (let i = 0; i < matrix.length; i++) matrix[i] = (rng.uniform() * 2 - 1) * bound;
      },
      { offsets: toShared(offsets), rows: toShared(rows) },
      opts,
    );
    const model = FastTextModel.fromTraining({
      words: vocab.words,
      counts: vocab.counts,
      dim,
      minn,
      maxn,
      bucket,
      input,
      subwordOffsets: offsets,
      subwordRows: rows,
    });
    return { words: vocab.words, counts: vocab.counts, dim, vectors: model.wordVectors(), model };
  } finally {
    await removeEncodedCorpus(prepared.corpus);
  }
}

/** Input rows of every word: its own row, then V + bucket of each of its n-grams. */
export function subwordRowsOf(
  words: string[],
  minn: number,
  maxn: number,
  bucket: number,
): { offsets: Int32Array; rows: Int32Array } {
  const offsets = new Int32Array(words.length + 1);
  const all: number[] = [];
  for (let w = 0; w < words.length; w++) {
    offsets[w] = all.length;
    all.push(w);
    if (bucket > 0) for (const h of subwordBuckets(words[w], minn, maxn, bucket)) all.push(words.length + h);
  }
  offsets[words.length] = all.length;
  return { offsets, rows: Int32Array.from(all) };
}

export { prepare as prepareTrainingCorpus };
