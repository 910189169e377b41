import { readFileSync } from 'node:fs';
import { type Command, Option } from 'commander';
import { SmyslError } from '../../errors.js';
import {
  guessLanguage,
  type Language,
  splitSentences,
  stem,
  stopwordsFor,
  type Token,
  tokenize,
  wordNgrams,
} from '../../text/index.js';
import { parseRange } from '../options.js';
import { printJson } from '../output.js';

interface TokenizeCommandOptions {
  lang: 'ru' | 'en' | 'auto';
  lowercase: boolean;
  stem: boolean;
  stopwords: boolean;
  sentences: boolean;
  punct: boolean;
  ngrams?: [number, number];
  json: boolean;
  quiet: boolean;
}

interface OutputToken extends Token {
  /** The token as counted: lowercased and/or stemmed when asked. */
  form: string;
}

export function register(program: Command): void {
  program
    .command('tokenize')
    .description('cut text into tokens (or sentences); "-" reads standard input')
    .argument('<text>', 'the text, or "-" to read standard input')
    .addOption(
      new Option('--lang <lang>', 'language for stop words and stemming')
        .choices(['ru', 'en', 'auto'])
        .default('auto'),
    )
    .option('--lowercase', 'lowercase the tokens', false)
    .option('--stem', 'Snowball stems (implies --lowercase)', false)
    .option('--stopwords', 'drop stop words (stopwords-iso)', false)
    .option('--sentences', 'print sentences instead of tokens', false)
    .option('--punct', 'keep punctuation tokens', false)
    .option(
      '--ngrams <range>',
      'word n-grams "min,max" (e.g. 1,2) over the kept tokens',
      parseRange('--ngrams'),
    )
    .option('--json', 'print one JSON value with offsets', false)
    .option('--quiet', 'print nothing but the result', false)
    .action((text: string, opts: TokenizeCommandOptions) => {
      runTokenize(text === '-' ? readStdin() : text, opts);
    });
}

function readStdin(): string {
  try {
    return readFileSync(0, 'utf8');
  } catch (e) {
    throw new SmyslError('E_IO', `cannot read standard input: ${(e as Error).message}`);
  }
}

function languagesOf(text: string, lang: TokenizeCommandOptions['lang']): Language[] {
  if (lang !== 'auto') return [lang];
  const guess = guessLanguage(text);
  if (guess === 'ru' || guess === 'en') return [guess];
  return ['ru', 'en'];
}

function processTokens(text: string, opts: TokenizeCommandOptions, languages: Language[]): OutputToken[] {
  const stop = opts.stopwords ? stopwordsFor(languages) : undefined;
  const stemLang = languages.length === 1 ? languages[0] : 'auto';
  const out: OutputToken[] = [];
  for (const t of tokenize(text, { punctuation: opts.punct })) {
    const lower = t.text.toLowerCase();
    if (stop && t.type === 'word' && stop.has(lower)) continue;
    let form = opts.lowercase || opts.stem ? lower : t.text;
    if (opts.stem && t.type === 'word') form = stem(lower, stemLang);
    out.push({ ...t, form });
  }
  return out;
}

function runTokenize(text: string, opts: TokenizeCommandOptions): void {
  const languages = languagesOf(text, opts.lang);
  const language = languages.length === 1 ? languages[0] : 'mixed';
  if (opts.sentences) {
    const sentences = splitSentences(text);
    if (opts.json) {
      printJson({
        language,
        sentences: sentences.map((s) => ({
          ...s,
          tokens: processTokens(s.text, opts, languages).map((t) => ({
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
  const tokens = processTokens(text, opts, languages);
  const ngrams = opts.ngrams
    ? wordNgrams(
        tokens.map((t) => t.form),
        opts.ngrams[0],
        opts.ngrams[1],
      )
    : undefined;
  if (opts.json) {
    printJson({ language, tokens, ...(ngrams ? { ngrams } : {}) });
    return;
  }
  const lines = ngrams ?? tokens.map((t) => t.form);
  if (lines.length > 0) process.stdout.write(`${lines.join('\n')}\n`);
}
