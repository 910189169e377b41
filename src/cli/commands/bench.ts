import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { type Command, Option } from 'commander';
import { readTextLines } from '../../corpus/plaintext.js';
import { SmyslError } from '../../errors.js';
import { readBeir } from '../../eval/beir.js';
import {
  BENCH_MAIN_METRIC,
  type BenchData,
  machineDescription,
  runBench,
  stratifiedHoldOut,
} from '../../eval/bench.js';
import { type BenchReport, renderHtmlReport, renderMarkdownReport } from '../../eval/report.js';
import { readStsPairs, type StsFormat } from '../../eval/sts.js';
import { readWordPairs } from '../../eval/word-pairs.js';
import { writeFileAtomic } from '../../util/fs.js';
import { addCorpusOptions } from '../corpus-input.js';
import {
  addOutputFlags,
  collectList,
  embedderOption,
  parseIntOption,
  setOption,
  topOption,
} from '../options.js';
import { formatTable, printJson } from '../output.js';
import { type LabelledFlags, parseSettings, readLabelledCorpus } from '../task-support.js';

type Task = 'retrieval' | 'sts' | 'classification' | 'words';

interface BenchFlags extends LabelledFlags {
  task: Task;
  data: string;
  embedder?: string[];
  out?: string;
  test?: string;
  subset?: string;
  fitData?: string;
  epochs: number;
  threads?: number;
  set: string[];
  top: number;
  json: boolean;
}

/** Settings every trained embedder gets in a comparison, so all finish in minutes. */
function benchSettings(flags: BenchFlags): Record<string, unknown> {
  const s: Record<string, unknown> = { epochs: flags.epochs, ...parseSettings(flags.set) };
  if (flags.threads !== undefined) s.threads = flags.threads;
  return s;
}

/** Reads the task's data as `bench` is told to (the classification split is the library's). */
async function readBenchData(
  flags: BenchFlags,
): Promise<{ data: BenchData; settings: BenchReport['settings'] }> {
  const common = { epochs: flags.epochs, ...(flags.fitData ? { fitData: flags.fitData } : {}) };
  if (flags.task === 'sts' || flags.task === 'words') {
    const pairs =
      flags.task === 'sts'
        ? await readStsPairs(flags.data, stsFormat(flags.format), { split: flags.subset })
        : (await readWordPairs(flags.data)).pairs.map((p) => ({ a: p.word1, b: p.word2, score: p.score }));
    if (flags.task === 'words' && !flags.fitData)
      throw new SmyslError(
        'E_USAGE',
        'bench --task words needs --fit-data <corpus> to train word vectors on',
      );
    return {
      data: flags.task === 'sts' ? { task: 'sts', pairs } : { task: 'words', pairs },
      settings: {
        ...common,
        pairs: pairs.length,
        fit: flags.fitData ?? "the pairs' own sentences",
        ...(flags.subset ? { subset: flags.subset } : {}),
      },
    };
  }
  if (flags.task === 'classification') {
    const all = await readLabelledCorpus(flags.data, flags);
    const { train, test } = flags.test
      ? { train: all, test: await readLabelledCorpus(flags.test, flags) }
      : stratifiedHoldOut(all);
    return {
      data: { task: 'classification', train, test },
      settings: {
        ...common,
        train: train.texts.length,
        test: test.texts.length,
        classifier: 'logreg',
        split: flags.test ? flags.test : 'stratified 80/20, seed 1',
      },
    };
  }
  if (flags.task === 'retrieval') {
    const collection = await readBeir(flags.data, flags.subset ?? 'test');
    const queries = collection.queries.filter((q) => collection.qrels.has(q.id)).length;
    return {
      data: { task: 'retrieval', collection },
      settings: { ...common, documents: collection.corpus.length, queries, ranking: 'exact cosine' },
    };
  }
  throw new SmyslError('E_USAGE', `unknown task "${flags.task}"`);
}

/** bench reads STS pairs with the corpus `--format` flag: auto is stsb, csv the headerless s1,s2,score. */
function stsFormat(format: string): StsFormat {
  if (format === 'auto' || format === 'stsb') return 'stsb';
  if (format === 'sick' || format === 'csv') return format;
  throw new SmyslError('E_USAGE', `--format ${format}: STS pairs are stsb, sick or csv`);
}

export function register(program: Command): void {
  const cmd = program
    .command('bench')
    .description(
      'compare embedding methods on your data: trains what needs training, one split, Markdown + HTML report',
    )
    .argument(
      '<input>',
      'retrieval: a BEIR directory; sts: a pairs file; classification: labelled documents (any corpus); words: word pairs',
    )
    .addOption(
      new Option('--task <task>', 'what to evaluate')
        .choices(['retrieval', 'sts', 'classification', 'words'])
        .makeOptionMandatory(),
    )
    .addOption(
      embedderOption(
        'methods to compare, repeatable or comma-separated (default: bow,tfidf,bm25,word2vec,fasttext,glove,minilm)',
      ).argParser(collectList),
    )
    .option('--out <path>', 'write <path>.md and <path>.html (or <path>/report.md|html if a directory)')
    .option('--subset <name>', 'sts: SICK set (TEST, ...); retrieval: qrels/<subset>.tsv (default test)')
    .option(
      '--label-field <name>',
      'classification: metadata field (CSV/TSV column) holding the label',
      'label',
    )
    .option(
      '--test <file>',
      'classification: held-out documents (default: stratified 80/20 split of the input)',
    )
    .option(
      '--fit-data <file>',
      'plain text (one sentence a line) to train/fit embedders on instead of the task data',
    )
    .option(
      '--epochs <n>',
      'epochs for word2vec/fastText/GloVe (kept small so a run takes minutes)',
      parseIntOption('--epochs', 1),
      5,
    )
    .option('--threads <n>', 'trainer/encoder threads', parseIntOption('--threads', 1))
    .addOption(setOption())
    .addOption(topOption('retrieval: documents ranked per query', 100));
  addCorpusOptions(cmd, {
    formats: { names: ['stsb', 'sick'], help: 'sts: stsb (default), sick, or csv (headerless s1,s2,score)' },
  });
  addOutputFlags(cmd).action(async (data: string, flags: BenchFlags) => {
    flags.data = data;
    const embedders =
      flags.embedder && flags.embedder.length > 0
        ? flags.embedder
        : ['bow', 'tfidf', 'bm25', 'word2vec', 'fasttext', 'glove', 'minilm'];
    const { data: benchData, settings } = await readBenchData(flags);
    const mainMetric = BENCH_MAIN_METRIC[benchData.task];
    const rows = await runBench(embedders, benchData, {
      settings: benchSettings(flags),
      fitTexts: flags.fitData ? await readTextLines(flags.fitData) : undefined,
      top: flags.top,
      onRow: (last) => {
        if (!flags.quiet)
          process.stderr.write(
            `${last.embedder}: ${last.error ? `error: ${last.error}` : `${mainMetric} ${last.metrics[mainMetric]?.toFixed(4)}`} (${last.seconds.toFixed(1)} s)\n`,
          );
      },
    });
    const report: BenchReport = {
      task: flags.task,
      data: flags.data,
      mainMetric,
      settings,
      rows,
      date: new Date().toISOString().slice(0, 10),
      machine: machineDescription(),
    };
    if (flags.out) {
      let base = flags.out;
      const isDir = await fsp
        .stat(base)
        .then((s) => s.isDirectory())
        .catch(() => false);
      if (isDir) base = path.join(base, 'report');
      else base = base.replace(/\.(md|html)$/i, '');
      await fsp.mkdir(path.dirname(base), { recursive: true });
      await writeFileAtomic(`${base}.md`, renderMarkdownReport(report));
      await writeFileAtomic(`${base}.html`, renderHtmlReport(report));
      if (!flags.quiet) process.stderr.write(`wrote ${base}.md and ${base}.html\n`);
    }
    if (flags.json) printJson(report);
    else {
      const names = [...new Set(rows.flatMap((r) => Object.keys(r.metrics)))];
      console.log(
        formatTable(
          ['embedder', ...names, 'seconds', 'error'],
          rows.map((r) => [
            r.embedder,
            ...names.map((n) => (r.metrics[n] === undefined ? '—' : r.metrics[n].toFixed(4))),
            r.seconds.toFixed(1),
            r.error ?? '',
          ]),
        ),
      );
    }
  });
}
