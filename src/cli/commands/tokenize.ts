import { readFileSync } from 'node:fs';
import { type Command, Option } from 'commander';
import { SmyslError } from '../../errors.js';
import { languagesOf, type TokenFormOptions, tokenForms } from '../../text/forms.js';
import { splitSentences, wordNgrams } from '../../text/index.js';
import { addOutputFlags, parseRange } from '../options.js';
import { printJson } from '../output.js';

interface TokenizeCommandOptions {
  lang: 'ru' | 'en' | 'auto';
  lowercase: boolean;
  stem: boolean;
  stopwords: boolean;
  punct: boolean;
  ngram?: [number, number];
  json: boolean;
  quiet: boolean;
}

/** `smysl text tokenize|sentences`: the text stage's commands. */
export function register(program: Command): void {
  const text = program.command('text').description('cut text into tokens or sentences (Russian and English)');
  const common = (cmd: Command) =>
    cmd
      .argument('<text>', 'the text, or "-" to read standard input')
      .addOption(
        new Option('--lang <lang>', 'language for stop words and stemming')
          .choices(['ru', 'en', 'auto'])
          .default('auto'),
      )
      .option('--lowercase', 'lowercase the tokens', false)
      .option('--stem', 'Snowball stems (implies --lowercase)', false)
      .option('--stopwords', 'drop stop words (stopwords-iso)', false)
      .option('--punct', 'keep punctuation tokens', false);
  addOutputFlags(
    common(text.command('tokenize').description('cut text into word, number and punctuation tokens')).option(
      '--ngram <min,max>',
      'word n-grams over the kept tokens, e.g. 1,2',
      parseRange('--ngram'),
    ),
    'print one JSON value with character offsets',
  ).action((input: string, opts: TokenizeCommandOptions) => {
    runTokenize(input === '-' ? readStdin() : input, opts, false);
  });
  addOutputFlags(
    common(
      text
        .command('sentences')
        .description('split text into sentences, one a line (with --json: offsets and tokens)'),
    ),
    'print one JSON value: sentences with offsets and their tokens',
  ).action((input: string, opts: TokenizeCommandOptions) => {
    runTokenize(input === '-' ? readStdin() : input, opts, true);
  });
}

function readStdin(): string {
  try {
    return readFileSync(0, 'utf8');
  } catch (e) {
    throw new SmyslError('E_IO', `cannot read standard input: ${(e as Error).message}`);
  }
}

function formOptions(opts: TokenizeCommandOptions): TokenFormOptions {
  return { lowercase: opts.lowercase, stem: opts.stem, stopwords: opts.stopwords, punctuation: opts.punct };
}

function runTokenize(text: string, opts: TokenizeCommandOptions, sentencesOnly: boolean): void {
  const languages = languagesOf(text, opts.lang);
  const language = languages.length === 1 ? languages[0] : 'mixed';
  if (sentencesOnly) {
    const sentences = splitSentences(text);
    if (opts.json) {
      printJson({
        language,
        sentences: sentences.map((s) => ({
          ...s,
          tokens: tokenForms(s.text, formOptions(opts), languages).map((t) => ({
            ...t,
            start: t.start + s.start,
            end: t.end + s.start,
          })),
        })),
      });
    } else {
      for (const s of sentences) process.stdout.write(`${s.text.replace(/\s+/gu, ' ')}\n`);
    }
    return;
  }
  const tokens = tokenForms(text, formOptions(opts), languages);
  const ngrams = opts.ngram
    ? wordNgrams(
        tokens.map((t) => t.form),
        opts.ngram[0],
        opts.ngram[1],
      )
    : undefined;
  if (opts.json) {
    printJson({ language, tokens, ...(ngrams ? { ngrams } : {}) });
    return;
  }
  const lines = ngrams ?? tokens.map((t) => t.form);
  if (lines.length > 0) process.stdout.write(`${lines.join('\n')}\n`);
}
