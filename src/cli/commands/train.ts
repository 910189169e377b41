import os from 'node:os';
import { type Command, Option } from 'commander';
import { ProblemLog } from '../../corpus/index.js';
import {
  DEFAULT_MAX_PAIRS,
  type StaticVectors,
  trainFastText,
  trainGlove,
  trainWord2Vec,
} from '../../embed/static/index.js';
import { KeyedVectors } from '../../embed/static/keyed-vectors.js';
import { SmyslError } from '../../errors.js';
import {
  addCorpusOptions,
  CORPUS_INPUT,
  type CorpusFlags,
  corpusReadOptions,
  printProblemSummary,
  withInput,
} from '../corpus-input.js';
import { addOutputFlags, parseFloatOption, parseIntOption } from '../options.js';
import { printJson } from '../output.js';
import { ProgressBar } from '../progress.js';
import { registerTrainEncoder } from './train-encoder.js';

interface TrainFlags extends CorpusFlags {
  out: string;
  dim: number;
  window?: number;
  negative: number;
  hs: boolean;
  cbow?: boolean;
  skipgram?: boolean;
  minCount: number;
  maxVocab?: number;
  sample?: number;
  epochs?: number;
  alpha?: number;
  minAlpha?: number;
  threads: number;
  minn: number;
  maxn: number;
  bucket: number;
  xMax: number;
  maxPairs: number;
  seed: number;
  sharedNegatives?: boolean;
  pretokenized: boolean;
  outModel?: string;
  json: boolean;
}

export function register(program: Command): void {
  const train = program
    .command('train')
    .description('train static word vectors from a corpus, or a student sentence encoder');
  for (const method of ['word2vec', 'fasttext', 'glove'] as const) {
    const cmd = train
      .command(method)
      .description(
        {
          word2vec: 'word2vec (CBOW or skip-gram, negative sampling or hierarchical softmax)',
          fasttext: 'fastText (skip-gram or CBOW with character n-grams; vectors for unseen words)',
          glove: 'GloVe (co-occurrence counts, weighted least squares with AdaGrad; outputs W + W~)',
        }[method],
      )
      .argument('<input>', `${CORPUS_INPUT} (streamed); or a pre-tokenized file`)
      .requiredOption('--out <file>', 'output vectors: word2vec binary for .bin, else word2vec text (= .vec)')
      .option(
        '--pretokenized',
        'the corpus is one sentence per line, tokens separated by spaces, used as they are (no lower-casing)',
        false,
      )
      .option('--dim <n>', 'vector size', parseIntOption('--dim', 1), 100)
      .option('--min-count <n>', 'ignore words seen fewer times', parseIntOption('--min-count', 1), 5)
      .option(
        '--max-vocab <n>',
        'keep at most this many most frequent words',
        parseIntOption('--max-vocab', 1),
      )
      .option('--threads <n>', 'worker threads', parseIntOption('--threads', 1), os.availableParallelism())
      .option('--seed <n>', 'random seed (one thread + seed = same vectors)', parseIntOption('--seed', 0), 1);
    if (method === 'glove') {
      cmd
        .option('--window <n>', 'symmetric context window', parseIntOption('--window', 1), 10)
        .option('--epochs <n>', 'passes over the co-occurrence records', parseIntOption('--epochs', 1), 25)
        .option('--alpha <x>', 'weighting exponent', parseFloatOption('--alpha'), 0.75)
        .option('--x-max <x>', 'weighting cut-off', parseFloatOption('--x-max'), 10)
        .option(
          '--max-pairs <n>',
          'memory bound: distinct co-occurrence pairs counted in memory before a sorted run is spilled to disk',
          parseIntOption('--max-pairs', 1),
          DEFAULT_MAX_PAIRS,
        );
    } else {
      const ft = method === 'fasttext';
      cmd
        .option(
          '--window <n>',
          'max distance between centre and context word',
          parseIntOption('--window', 1),
          5,
        )
        .option('--negative <n>', 'negative samples (0 = off)', parseIntOption('--negative', 0), 5)
        .option('--hs', 'hierarchical softmax', false)
        .addOption(new Option('--cbow', `CBOW architecture${ft ? '' : ' (default)'}`).conflicts('skipgram'))
        .addOption(new Option('--skipgram', `skip-gram architecture${ft ? ' (default)' : ''}`))
        .option(
          '--sample <x>',
          'subsampling threshold for frequent words (0 = off)',
          parseFloatOption('--sample'),
          ft ? 1e-4 : 1e-3,
        )
        .option('--epochs <n>', 'passes over the corpus', parseIntOption('--epochs', 1), 5)
        .option(
          '--alpha <x>',
          'initial learning rate (default 0.05 CBOW / 0.025 skip-gram; fastText 0.05)',
          parseFloatOption('--alpha'),
        )
        .option('--min-alpha <x>', 'final learning rate', parseFloatOption('--min-alpha'), ft ? 0 : 0.0001);
      if (!ft)
        cmd.option(
          '--no-shared-negatives',
          'skip-gram: draw negatives for every (context, centre) pair as the C tool and gensim (slower); by default one set per centre word serves its whole window',
        );
      if (ft)
        cmd
          .option('--minn <n>', 'shortest character n-gram', parseIntOption('--minn', 1), 3)
          .option('--maxn <n>', 'longest character n-gram (0 = no subwords)', parseIntOption('--maxn', 0), 6)
          .option('--bucket <n>', 'hash buckets for n-grams', parseIntOption('--bucket', 1), 2_000_000)
          .option('--out-model <file>', 'also save the model (for vectors of unseen words)');
    }
    addOutputFlags(addCorpusOptions(cmd)).action(async (input: string, flags: TrainFlags) =>
      withInput(input, flags, (file, format) =>
        runTrain(method, file, flags.pretokenized ? flags : { ...flags, format }),
      ),
    );
  }
  registerTrainEncoder(train);
}

async function runTrain(
  method: 'word2vec' | 'fasttext' | 'glove',
  input: string,
  flags: TrainFlags,
): Promise<void> {
  if (flags.pretokenized && flags.format !== 'auto')
    throw new SmyslError(
      'E_USAGE',
      `--pretokenized reads one sentence per line; it cannot be combined with --format ${flags.format}`,
    );
  const bar = new ProgressBar({ quiet: flags.quiet });
  const controller = new AbortController();
  const onSigint = () => controller.abort();
  process.once('SIGINT', onSigint);
  const started = Date.now();
  let result: StaticVectors;
  let modelFile: string | undefined;
  const problems = new ProblemLog();
  try {
    const common = {
      pretokenized: flags.pretokenized,
      read: corpusReadOptions(flags, problems),
      dim: flags.dim,
      minCount: flags.minCount,
      maxVocab: flags.maxVocab,
      threads: flags.threads,
      seed: flags.seed,
      signal: controller.signal,
      onProgress: bar.update,
    };
    if (method === 'glove') {
      result = await trainGlove(input, {
        ...common,
        window: flags.window,
        epochs: flags.epochs,
        alpha: flags.alpha,
        xMax: flags.xMax,
        maxPairs: flags.maxPairs,
      });
    } else {
      const shared = {
        ...common,
        window: flags.window,
        negative: flags.negative,
        hierarchicalSoftmax: flags.hs,
        sample: flags.sample,
        epochs: flags.epochs,
        alpha: flags.alpha,
        minAlpha: flags.minAlpha,
      };
      if (method === 'word2vec') {
        result = await trainWord2Vec(input, {
          ...shared,
          architecture: flags.skipgram ? 'skipgram' : 'cbow',
          shareNegatives: flags.sharedNegatives,
        });
      } else {
        const trained = await trainFastText(input, {
          ...shared,
          architecture: flags.cbow ? 'cbow' : 'skipgram',
          minn: flags.minn,
          maxn: flags.maxn,
          bucket: flags.bucket,
        });
        result = trained;
        if (flags.outModel) {
          await trained.model.save(flags.outModel);
          modelFile = flags.outModel;
        }
      }
    }
    // .bin -> word2vec binary, anything else -> word2vec text (= fastText .vec)
    await new KeyedVectors(result.words, result.vectors, result.dim).save(flags.out);
  } finally {
    process.removeListener('SIGINT', onSigint);
    bar.done();
  }
  const skipped = problems.summary();
  if (!flags.quiet) printProblemSummary(skipped);
  const summary = {
    method,
    out: flags.out,
    outModel: modelFile,
    words: result.words.length,
    dim: result.dim,
    skipped: skipped.skippedTotal,
    seconds: (Date.now() - started) / 1000,
  };
  if (flags.json) printJson(summary);
  else if (!flags.quiet)
    process.stderr.write(
      `wrote ${summary.words} vectors of ${summary.dim} dimensions to ${flags.out} in ${summary.seconds.toFixed(1)} s\n`,
    );
}
