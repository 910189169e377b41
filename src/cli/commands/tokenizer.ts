import type { Command } from 'commander';
import { Option } from 'commander';
import { ProblemLog, readDocuments } from '../../corpus/index.js';
import { type SubwordModelKind, Tokenizer, trainTokenizer } from '../../text/subword/index.js';
import {
  addCorpusOptions,
  CORPUS_INPUT,
  type CorpusFlags,
  corpusReadOptions,
  printProblemSummary,
  withInput,
} from '../corpus-input.js';
import { addOutputFlags, collect, parseIntOption } from '../options.js';
import { printJson } from '../output.js';
import { ProgressBar } from '../progress.js';

/** The texts of every input, one document at a time (a plain text file: one text a line). */
async function* corpusTexts(inputs: string[], flags: CorpusFlags, problems: ProblemLog) {
  for (const input of inputs) {
    const texts: string[] = [];
    // stdin is spooled to a file that lives only inside withInput: read it whole there
    if (input === '-') {
      await withInput(input, flags, async (file, format) => {
        for await (const d of readDocuments(file, { ...corpusReadOptions(flags, problems), format }))
          texts.push(d.text);
      });
      yield* texts;
      continue;
    }
    for await (const d of readDocuments(input, corpusReadOptions(flags, problems))) yield d.text;
  }
}

interface TrainFlags extends CorpusFlags {
  algorithm: SubwordModelKind;
  vocabSize: number;
  minFrequency: number;
  special?: string[];
  lowercase: boolean;
  wordpieceCriterion: 'score' | 'frequency';
  out: string;
  json: boolean;
}

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk as Buffer));
  return Buffer.concat(chunks).toString('utf8');
}

export function register(program: Command): void {
  const tokenizer = program
    .command('tokenizer')
    .description('train and run subword tokenizers (tokenizer.json)');

  const train = tokenizer
    .command('train')
    .description(
      'train a BPE, byte-level BPE, WordPiece or Unigram tokenizer on corpora (plain text: one text a line)',
    )
    .argument('<input...>', CORPUS_INPUT)
    .addOption(
      new Option('--algorithm <name>', 'tokenizer algorithm')
        .choices(['bpe', 'bytelevel-bpe', 'wordpiece', 'unigram'])
        .makeOptionMandatory(),
    )
    .requiredOption(
      '--vocab-size <n>',
      'target vocabulary size (special tokens included)',
      parseIntOption('--vocab-size', 1),
    )
    .option(
      '--min-frequency <n>',
      'ignore pairs / seed substrings rarer than this',
      parseIntOption('--min-frequency', 1),
      2,
    )
    .option('--special <token>', 'special token (repeatable; default depends on the model)', collect)
    .option('--no-lowercase', 'WordPiece: keep case')
    .addOption(
      new Option(
        '--wordpiece-criterion <how>',
        'WordPiece: pair choice (score = count(ab)/(count(a)·count(b)))',
      )
        .choices(['score', 'frequency'])
        .default('score'),
    )
    .requiredOption('--out <file>', 'where to write tokenizer.json');
  addOutputFlags(addCorpusOptions(train)).action(async (inputs: string[], opts: TrainFlags) => {
    const bar = new ProgressBar({ quiet: opts.quiet });
    const started = Date.now();
    const problems = new ProblemLog();
    const trained = await trainTokenizer(corpusTexts(inputs, opts, problems), {
      model: opts.algorithm,
      vocabSize: opts.vocabSize,
      minFrequency: opts.minFrequency,
      specialTokens: opts.special,
      lowercase: opts.lowercase,
      wordPieceCriterion: opts.wordpieceCriterion,
      onProgress: bar.update,
    });
    bar.done();
    if (!opts.quiet) printProblemSummary(problems.summary());
    await trained.save(opts.out);
    const summary = {
      algorithm: opts.algorithm,
      vocabSize: trained.vocabSize,
      out: opts.out,
      seconds: (Date.now() - started) / 1000,
    };
    if (opts.json) printJson(summary);
    else if (!opts.quiet)
      process.stdout.write(
        `wrote ${opts.out}: ${opts.algorithm}, ${summary.vocabSize} tokens, ${summary.seconds.toFixed(1)} s\n`,
      );
  });

  const encode = tokenizer
    .command('encode')
    .description('encode text with a tokenizer.json: tokens, ids and character offsets')
    .argument('<text>', 'text to encode ("-" reads stdin; each line is encoded separately)')
    .requiredOption('--model <file>', 'tokenizer.json (Hugging Face format, or written by tokenizer train)')
    .option('--pair <text>', 'second text of a pair')
    .option('--no-special', 'do not add special tokens')
    .option('--max-length <n>', 'truncate to this many tokens', parseIntOption('--max-length', 1));
  addOutputFlags(encode, 'print JSON (one object, or an array for stdin lines)').action(
    async (text: string, opts) => {
      const tok = await Tokenizer.load(opts.model);
      const texts =
        text === '-' ? (await readAll(process.stdin)).split(/\r?\n/).filter((l) => l.length) : [text];
      const results = texts.map((t) => {
        const e = tok.encode(t, {
          pair: opts.pair,
          addSpecialTokens: opts.special,
          truncation: opts.maxLength ? { maxLength: opts.maxLength } : false,
        });
        return { text: t, tokens: e.tokens, ids: e.ids, offsets: e.offsets, typeIds: e.typeIds };
      });
      if (opts.json) {
        printJson(text === '-' ? results : results[0]);
        return;
      }
      for (const r of results) {
        const rows = r.tokens.map(
          (token, i) => `${r.ids[i]}\t${token}\t${r.offsets[i][0]}-${r.offsets[i][1]}`,
        );
        process.stdout.write(`${rows.join('\n')}\n`);
        if (results.length > 1) process.stdout.write('\n');
      }
    },
  );
}
