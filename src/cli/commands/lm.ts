import { type Command, Option } from 'commander';
import { ProblemLog, readDocuments } from '../../corpus/index.js';
import { SmyslError } from '../../errors.js';
import { NgramLanguageModel, sentenceWords } from '../../tasks/ngram-lm.js';
import {
  addCorpusOptions,
  CORPUS_INPUT,
  type CorpusFlags,
  corpusReadOptions,
  printProblemSummary,
  withInput,
} from '../corpus-input.js';
import { addOutputFlags, parseFloatOption, parseIntOption, topOption } from '../options.js';
import { formatTable, printJson } from '../output.js';
import { ProgressBar } from '../progress.js';

/** Lowercased word sequences, one per sentence of every document. */
async function sentencesOf(path: string, flags: CorpusFlags, bar: ProgressBar): Promise<string[][]> {
  const problems = new ProblemLog();
  const out: string[][] = [];
  try {
    await withInput(path, flags, async (file, format) => {
      for await (const doc of readDocuments(file, {
        ...corpusReadOptions(flags, problems),
        format,
        onProgress: bar.update,
      }))
        out.push(...sentenceWords(doc.text));
    });
  } finally {
    bar.done();
  }
  if (!flags.quiet) printProblemSummary(problems.summary());
  if (out.length === 0) throw new SmyslError('E_INPUT', `no sentences with words in ${path}`);
  return out;
}

interface TrainFlags extends CorpusFlags {
  out: string;
  order: number;
  smoothing: 'kneser-ney' | 'add-k';
  discount: number;
  addK: number;
  minCount: number;
  json: boolean;
}

export function register(program: Command): void {
  const lm = program
    .command('lm')
    .description('word n-gram language models: train, perplexity, next-word suggestions');

  const train = addCorpusOptions(
    lm
      .command('train')
      .description('count n-grams of a corpus (sentences split, words lowercased) and save the model')
      .argument('<input>', CORPUS_INPUT),
    { split: 'paragraph' },
  )
    .requiredOption('--out <file>', 'model file to write (JSON)')
    .option('--order <n>', 'n-gram order', parseIntOption('--order', 1), 3)
    .addOption(
      new Option('--smoothing <method>', 'smoothing').choices(['kneser-ney', 'add-k']).default('kneser-ney'),
    )
    .option('--discount <d>', 'Kneser-Ney absolute discount, in (0, 1)', parseFloatOption('--discount'), 0.75)
    .option('--add-k <k>', 'add-k constant', parseFloatOption('--add-k'), 1)
    .option('--min-count <n>', 'rarer words become <unk>', parseIntOption('--min-count', 1), 1);
  addOutputFlags(train).action(async (path: string, flags: TrainFlags) => {
    const sentences = await sentencesOf(path, flags, new ProgressBar({ quiet: flags.quiet }));
    const model = new NgramLanguageModel({
      order: flags.order,
      smoothing: flags.smoothing,
      discount: flags.discount,
      k: flags.addK,
      minCount: flags.minCount,
    }).fit(sentences);
    await model.save(flags.out);
    const summary = {
      out: flags.out,
      order: flags.order,
      smoothing: flags.smoothing,
      sentences: sentences.length,
      tokens: sentences.reduce((n, s) => n + s.length, 0),
      vocabulary: model.vocabularySize,
    };
    if (flags.json) printJson(summary);
    else
      process.stdout.write(
        `trained a ${flags.order}-gram ${flags.smoothing} model on ${summary.sentences} sentences (${summary.tokens} tokens, vocabulary ${summary.vocabulary}) -> ${flags.out}\n`,
      );
  });

  const perplexity = addCorpusOptions(
    lm
      .command('perplexity')
      .description(
        'perplexity of held-out text under a model (all predicted tokens, including end of sentence)',
      )
      .argument('<input>', `held-out text: ${CORPUS_INPUT}`),
    { split: 'paragraph' },
  ).requiredOption('--model <file>', 'model written by `smysl lm train`');
  addOutputFlags(perplexity).action(
    async (path: string, flags: CorpusFlags & { model: string; json: boolean }) => {
      const model = await NgramLanguageModel.load(flags.model);
      const sentences = await sentencesOf(path, flags, new ProgressBar({ quiet: flags.quiet }));
      const r = model.perplexity(sentences);
      if (flags.json) printJson({ model: flags.model, ...r, sentences: sentences.length });
      else
        process.stdout.write(
          `${formatTable(['perplexity', 'tokens', 'oov', 'sentences'], [[r.perplexity, r.tokens, r.oov, sentences.length]])}\n`,
        );
    },
  );

  const suggest = lm
    .command('suggest')
    .description('next-word suggestions for a text; a text not ending in a space completes its last word')
    .argument('<text>', 'the words typed so far')
    .requiredOption('--model <file>', 'model written by `smysl lm train`')
    .addOption(topOption('how many suggestions', 5));
  addOutputFlags(suggest, 'print one JSON array').action(
    async (text: string, flags: { model: string; top: number; json: boolean }) => {
      const model = await NgramLanguageModel.load(flags.model);
      const out = model.suggestFor(text, flags.top);
      if (flags.json) printJson(out);
      else
        process.stdout.write(
          `${formatTable(
            ['word', 'probability'],
            out.map((s) => [s.word, s.p]),
          )}\n`,
        );
    },
  );
}
