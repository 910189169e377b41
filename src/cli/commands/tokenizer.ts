import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import type { Command } from 'commander';
import { Option } from 'commander';
import { SmyslError } from '../../errors.js';
import { type SubwordModelKind, Tokenizer, trainTokenizer } from '../../text/subword/index.js';
import { collect, parseIntOption } from '../options.js';
import { printJson } from '../output.js';
import { ProgressBar } from '../progress.js';

/** Lines of the corpus files (each line one text); "-" reads stdin. */
async function* corpusLines(files: string[]): AsyncGenerator<string> {
  for (const file of files) {
    if (file !== '-') {
      try {
        const s = await stat(file);
        if (!s.isFile()) throw new SmyslError('E_INPUT', `${file} is not a file`);
      } catch (error) {
        if (error instanceof SmyslError) throw error;
        throw new SmyslError('E_IO', `cannot read corpus ${file}: ${(error as Error).message}`);
      }
    }
    const input = file === '-' ? process.stdin : createReadStream(file, { encoding: 'utf8' });
    const lines = createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY });
    for await (const line of lines) if (line.length) yield line;
  }
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

  tokenizer
    .command('train')
    .description(
      'train a BPE, byte-level BPE, WordPiece or Unigram tokenizer on text files (one text a line)',
    )
    .argument('<corpus...>', 'text files, one text per line ("-" for stdin)')
    .addOption(
      new Option('--model <model>', 'tokenizer model')
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
    .requiredOption('--out <file>', 'where to write tokenizer.json')
    .option('--json', 'print a JSON summary', false)
    .option('--quiet', 'no progress output', false)
    .action(async (files: string[], opts) => {
      const bar = new ProgressBar({ quiet: opts.quiet });
      const started = Date.now();
      const trained = await trainTokenizer(corpusLines(files), {
        model: opts.model as SubwordModelKind,
        vocabSize: opts.vocabSize,
        minFrequency: opts.minFrequency,
        specialTokens: opts.special,
        lowercase: opts.lowercase,
        wordPieceCriterion: opts.wordpieceCriterion,
        onProgress: bar.update,
      });
      bar.done();
      await trained.save(opts.out);
      const summary = {
        model: opts.model,
        vocabSize: trained.vocabSize,
        out: opts.out,
        seconds: (Date.now() - started) / 1000,
      };
      if (opts.json) printJson(summary);
      else if (!opts.quiet)
        process.stdout.write(
          `wrote ${opts.out}: ${opts.model}, ${summary.vocabSize} tokens, ${summary.seconds.toFixed(1)} s\n`,
        );
    });

  tokenizer
    .command('encode')
    .description('encode text with a tokenizer.json: tokens, ids and character offsets')
    .argument('<text>', 'text to encode ("-" reads stdin; each line is encoded separately)')
    .requiredOption('--tokenizer <file>', 'tokenizer.json (Hugging Face format)')
    .option('--pair <text>', 'second text of a pair')
    .option('--no-special', 'do not add special tokens')
    .option('--max-length <n>', 'truncate to this many tokens', parseIntOption('--max-length', 1))
    .option('--json', 'print JSON (one object, or an array for stdin lines)', false)
    .option('--quiet', 'no progress output', false)
    .action(async (text: string, opts) => {
      const tok = await Tokenizer.load(opts.tokenizer);
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
    });
}
