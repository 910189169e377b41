import path from 'node:path';
import { type Command, Option } from 'commander';
import {
  CORPUS_FORMATS,
  type CorpusFormat,
  detectFormat,
  formatProblem,
  ProblemLog,
  readDocuments,
  TEXT_SPLITS,
  type TextSplit,
} from '../../corpus/index.js';
import { HashingVectorizer } from '../../embed/sparse/hashing.js';
import { CountVectorizer, TfidfVectorizer } from '../../embed/sparse/vectorizers.js';
import { SmyslError } from '../../errors.js';
import { nnz, writeMatrixMarket } from '../../vectors/sparse.js';
import { parseIntOption } from '../options.js';
import { printJson } from '../output.js';
import { ProgressBar } from '../progress.js';
import { type AnalyzerFlags, addAnalyzerOptions, analyzerOptionsFrom } from '../sparse-options.js';

interface VectorizeFlags extends AnalyzerFlags {
  method: 'bow' | 'tfidf' | 'hashing';
  out: string;
  vocab?: string;
  model?: string;
  norm: 'l2' | 'l1' | 'none';
  sublinearTf: boolean;
  idf: boolean;
  smoothIdf: boolean;
  nFeatures: number;
  alternateSign: boolean;
  format: CorpusFormat | 'auto';
  split: TextSplit;
  textField: string;
  textColumn?: string[];
  strict: boolean;
  json: boolean;
  quiet: boolean;
}

export function register(program: Command): void {
  const cmd = program
    .command('vectorize')
    .description(
      'turn a corpus into a sparse document-term matrix (bag of words, TF-IDF or hashing, scikit-learn-exact) written as Matrix Market',
    )
    .argument('<corpus>', 'a directory of .txt/.md files, or a .jsonl, .json, .csv, .tsv or plain text file')
    .addOption(
      new Option('--method <method>', 'bow: counts, tfidf: TF-IDF, hashing: signed feature hashing')
        .choices(['bow', 'tfidf', 'hashing'])
        .default('tfidf'),
    )
    .requiredOption('--out <file>', 'Matrix Market file to write (documents x terms)')
    .option('--vocab <file>', 'write the vocabulary, one term a line in column order (bow, tfidf)')
    .option('--model <dir>', 'also save the fitted vectorizer here (to vectorize queries identically)')
    .addOption(
      new Option('--norm <norm>', 'row norm (tfidf, hashing)').choices(['l2', 'l1', 'none']).default('l2'),
    )
    .option('--sublinear-tf', 'tfidf: 1 + ln(tf)', false)
    .option('--no-idf', 'tfidf: do not multiply by idf')
    .option('--no-smooth-idf', 'tfidf: idf = ln(n/df) + 1 instead of ln((1+n)/(1+df)) + 1')
    .option('--n-features <n>', 'hashing: number of columns', parseIntOption('--n-features', 1), 2 ** 20)
    .option('--no-alternate-sign', 'hashing: all entries positive');
  addAnalyzerOptions(cmd, false)
    .addOption(
      new Option('--format <format>', 'corpus format').choices(['auto', ...CORPUS_FORMATS]).default('auto'),
    )
    .addOption(
      new Option('--split <unit>', 'plain text: one document per').choices([...TEXT_SPLITS]).default('line'),
    )
    .option('--text-field <name>', 'JSON/JSONL: field holding the text', 'text')
    .option('--text-column <name>', 'CSV/TSV: text column (repeatable)', (v: string, p: string[] = []) => [
      ...p,
      v,
    ])
    .option('--strict', 'stop at the first problem in the input (exit 2)', false)
    .option('--json', 'print a JSON summary', false)
    .option('--quiet', 'no progress or problem summary on stderr', false)
    .action(async (corpus: string, flags: VectorizeFlags) => {
      if (flags.vocab && flags.method === 'hashing')
        throw new SmyslError('E_USAGE', '--vocab: hashing has no vocabulary (columns are hash buckets)');
      const bar = new ProgressBar({ quiet: flags.quiet });
      const problems = new ProblemLog();
      const format = flags.format === 'auto' ? await detectFormat(corpus) : flags.format;
      const texts: string[] = [];
      const ids: string[] = [];
      try {
        for await (const doc of readDocuments(corpus, {
          format,
          split: flags.split,
          textField: flags.textField,
          textColumns: flags.textColumn,
          strict: flags.strict,
          problems,
          onProgress: bar.update,
        })) {
          texts.push(doc.text);
          ids.push(doc.id);
        }
      } finally {
        bar.done();
      }
      const summary = problems.summary();
      if (!flags.quiet && summary.skippedTotal > 0) {
        process.stderr.write(`skipped ${summary.skippedTotal} item(s) with problems\n`);
        for (const p of summary.examples) process.stderr.write(`  ${formatProblem(p)}\n`);
      }
      if (texts.length === 0) throw new SmyslError('E_INPUT', `no documents in ${corpus}`);
      const analyzer = analyzerOptionsFrom(flags);
      const t0 = performance.now();
      let vocabulary: readonly string[] | undefined;
      let save: ((dir: string) => Promise<void>) | undefined;
      let matrix: ReturnType<CountVectorizer['fitTransform']>;
      if (flags.method === 'hashing') {
        const v = new HashingVectorizer({
          ...analyzer,
          nFeatures: flags.nFeatures,
          alternateSign: flags.alternateSign,
          norm: flags.norm,
        });
        matrix = v.transform(texts);
        save = (d) => v.save(d);
      } else {
        const v =
          flags.method === 'bow'
            ? new CountVectorizer(analyzer)
            : new TfidfVectorizer({
                ...analyzer,
                norm: flags.norm,
                useIdf: flags.idf,
                smoothIdf: flags.smoothIdf,
                sublinearTf: flags.sublinearTf,
              });
        matrix = v.fitTransform(texts);
        vocabulary = v.vocabulary;
        save = (d) => v.save(d);
      }
      const seconds = (performance.now() - t0) / 1000;
      await writeMatrixMarket(flags.out, matrix, {
        vocabulary,
        vocabularyFile: flags.vocab,
        comment: `smysl vectorize --method ${flags.method} ${path.basename(corpus)}`,
      });
      if (flags.model) await save(flags.model);
      const result = {
        corpus,
        method: flags.method,
        documents: matrix.rows,
        features: matrix.cols,
        nonzeros: nnz(matrix),
        seconds,
        out: flags.out,
        ...(flags.vocab ? { vocab: flags.vocab } : {}),
        ...(flags.model ? { model: flags.model } : {}),
        skipped: summary.skippedTotal,
      };
      if (flags.json) printJson(result);
      else if (!flags.quiet)
        process.stderr.write(
          `${result.documents} documents x ${result.features} features, ${result.nonzeros} non-zeros in ${seconds.toFixed(2)} s -> ${flags.out}\n`,
        );
    });
}
