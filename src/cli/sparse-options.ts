import { type Command, InvalidArgumentError, Option } from 'commander';
import type { AnalyzerOptions } from '../embed/sparse/analyzer.js';
import type { DocumentFrequencyLimit } from '../embed/sparse/vocabulary.js';
import { parseRange } from './options.js';

/** Flags every sparse command shares (scikit-learn's spelling where it has one). */
export interface AnalyzerFlags {
  analyzer: 'word' | 'char' | 'char_wb';
  ngram: [number, number];
  lowercase: boolean;
  tokenizer: 'sklearn' | 'smysl';
  lang: 'auto' | 'en' | 'ru';
  stem: boolean;
  lemmas?: boolean;
  stopwords: boolean;
  minDf: DocumentFrequencyLimit;
  maxDf: DocumentFrequencyLimit;
  maxFeatures?: number;
  binary: boolean;
}

/** "2" is a number of documents, "0.5" or "1.0" a fraction of them (as scikit-learn's int/float). */
export function parseDocumentFrequency(name: string) {
  return (value: string): DocumentFrequencyLimit => {
    const n = Number(value);
    if (!Number.isFinite(n) || n < 0) throw new InvalidArgumentError(`${name} must be a number >= 0`);
    if (value.includes('.') || value.includes('e')) {
      if (n > 1) throw new InvalidArgumentError(`${name}: a fraction must be in [0, 1]`);
      return { fraction: n };
    }
    return n;
  };
}

/**
 * Adds the analyzer and vocabulary flags. `stemAndStopwords` gives their defaults: off for
 * `vectorize` (scikit-learn's behaviour), on where a command has tuned them.
 */
export function addAnalyzerOptions(cmd: Command, stemAndStopwords = false): Command {
  cmd
    .addOption(
      new Option('--analyzer <kind>', 'terms are words or character n-grams (char_wb: inside words)')
        .choices(['word', 'char', 'char_wb'])
        .default('word'),
    )
    .addOption(
      new Option('--ngram <min,max>', 'n-gram range, e.g. 1,2')
        .argParser(parseRange('--ngram'))
        .default([1, 1], '1,1'),
    )
    .option('--no-lowercase', 'keep case (lowercasing is the default)')
    .addOption(
      new Option(
        '--tokenizer <name>',
        "sklearn: scikit-learn's (?u)\\b\\w\\w+\\b, exact; smysl: the project's tokenizer",
      )
        .choices(['sklearn', 'smysl'])
        .default('sklearn'),
    )
    .addOption(
      new Option('--lang <lang>', 'language of stop words and stemmer (auto: by script, per word)')
        .choices(['auto', 'en', 'ru'])
        .default('auto'),
    );
  if (stemAndStopwords) {
    cmd
      .option('--no-stem', 'do not Snowball-stem words (stemming is on by default here)')
      .option('--no-stopwords', 'keep stop words (removed by default here)');
  } else {
    cmd
      .option('--stem', 'Snowball-stem words', false)
      .option('--stopwords', 'remove stop words (stopwords-iso lists)', false);
  }
  return cmd
    .option('--lemmas', 'Russian words become OpenCorpora lemmas (az); other words follow --stem', false)
    .option(
      '--min-df <n>',
      'drop terms in fewer documents (integer: count, with a dot: fraction)',
      parseDocumentFrequency('--min-df'),
      1,
    )
    .addOption(
      new Option('--max-df <n>', 'drop terms in more documents (integer: count, with a dot: fraction)')
        .argParser(parseDocumentFrequency('--max-df'))
        .default({ fraction: 1 }, '1.0 (every document)'),
    )
    .option('--max-features <n>', 'keep the n most frequent terms', (v) => {
      const n = Number(v);
      if (!Number.isInteger(n) || n < 1)
        throw new InvalidArgumentError('--max-features must be an integer >= 1');
      return n;
    })
    .option('--binary', 'presence (1) instead of counts', false);
}

export function analyzerOptionsFrom(f: AnalyzerFlags): AnalyzerOptions & {
  minDf: DocumentFrequencyLimit;
  maxDf: DocumentFrequencyLimit;
  maxFeatures: number | null;
  binary: boolean;
} {
  return {
    analyzer: f.analyzer,
    ngramRange: f.ngram,
    lowercase: f.lowercase,
    tokenizer: f.tokenizer,
    stopWords: f.stopwords ? f.lang : null,
    stem: f.stem ? f.lang : false,
    lemma: f.lemmas ? 'best' : false,
    minDf: f.minDf,
    maxDf: f.maxDf,
    maxFeatures: f.maxFeatures ?? null,
    binary: f.binary,
  };
}

/** The analyzer settings as plain values, for result tables and JSON. */
export function describeSettings(f: AnalyzerFlags): Record<string, unknown> {
  return {
    analyzer: f.analyzer,
    ngram: f.ngram.join(','),
    tokenizer: f.tokenizer,
    lowercase: f.lowercase,
    stem: f.stem ? f.lang : false,
    lemmas: f.lemmas ?? false,
    stopwords: f.stopwords ? f.lang : false,
    minDf: f.minDf,
    maxDf: f.maxDf,
  };
}
