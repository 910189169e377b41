import { type Command, Option } from 'commander';
import { type BeirCollection, readBeir } from '../../eval/beir.js';
import { evaluateCollectionRetrieval } from '../../eval/collection-retrieval.js';
import { evaluateSparseRetrieval, type SparseRetrievalMethod } from '../../eval/sparse-retrieval.js';
import { parseFloatOption, parseIntOption } from '../options.js';
import { formatTable, printJson } from '../output.js';
import { ProgressBar } from '../progress.js';
import {
  type AnalyzerFlags,
  addAnalyzerOptions,
  analyzerOptionsFrom,
  describeSettings,
} from '../sparse-options.js';

/**
 * The `eval` command group, created on first use. Other modules add their subcommands to the
 * same group: `evalCommand(program).command('words')…`.
 */
export function evalCommand(program: Command): Command {
  const existing = program.commands.find((c) => c.name() === 'eval');
  if (existing) return existing;
  return program.command('eval').description('evaluate methods on benchmark data sets');
}

interface RetrievalFlags extends AnalyzerFlags {
  data: string;
  split: string;
  method: string;
  k1: number;
  b: number;
  variant: 'okapi' | 'plus' | 'l';
  delta?: number;
  norm: 'l2' | 'l1' | 'none';
  sublinearTf: boolean;
  top: number;
  json: boolean;
  quiet: boolean;
}

export function register(program: Command): void {
  const cmd = evalCommand(program)
    .command('retrieval')
    .description(
      'index a BEIR collection (corpus.jsonl, queries.jsonl, qrels/<split>.tsv) and report nDCG@10, MAP, MRR@10, Recall@100, P@10; bm25/tfidf/bow run the scikit-learn-exact vectorizers, other methods go through a collection (like smysl index + search)',
    )
    .requiredOption('--data <dir>', 'BEIR collection directory')
    .option('--split <name>', 'qrels split (qrels/<split>.tsv)', 'test')
    .addOption(
      new Option(
        '--method <method>',
        'bm25, tfidf, bow (sparse); hybrid (minilm + BM25 fused); or a dense embedder: minilm, trigram, ...',
      ).default('bm25'),
    )
    .option('--k1 <x>', 'BM25 term-frequency saturation', parseFloatOption('--k1'), 1.2)
    .option('--b <x>', 'BM25 length normalization', parseFloatOption('--b'), 0.75)
    .addOption(
      new Option('--variant <name>', 'BM25 variant: okapi, plus (BM25+) or l (BM25L)')
        .choices(['okapi', 'plus', 'l'])
        .default('okapi'),
    )
    .option('--delta <x>', 'BM25+/BM25L delta (default 1 for plus, 0.5 for l)', parseFloatOption('--delta'))
    .addOption(new Option('--norm <norm>', 'TF-IDF row norm').choices(['l2', 'l1', 'none']).default('l2'))
    .option('--sublinear-tf', 'TF-IDF: 1 + ln(tf)', false)
    .option(
      '--top <n>',
      'documents retrieved per query (MAP and recall look this deep)',
      parseIntOption('--top', 1),
      1000,
    );
  addAnalyzerOptions(cmd, true)
    .option('--json', 'print one JSON object', false)
    .option('--quiet', 'no progress on stderr', false)
    .action(async (flags: RetrievalFlags) => {
      const collection = await readBeir(flags.data, flags.split);
      if (!SPARSE_METHODS.includes(flags.method)) {
        await collectionRetrieval(collection, flags);
        return;
      }
      const bar = new ProgressBar({ quiet: flags.quiet });
      let result: ReturnType<typeof evaluateSparseRetrieval>;
      try {
        result = evaluateSparseRetrieval(collection, {
          method: flags.method as SparseRetrievalMethod,
          top: flags.top,
          vectorizer: {
            ...analyzerOptionsFrom(flags),
            k1: flags.k1,
            b: flags.b,
            variant: flags.variant,
            delta: flags.delta,
            norm: flags.norm,
            sublinearTf: flags.sublinearTf,
          },
          onProgress: bar.update,
        });
      } finally {
        bar.done();
      }
      const settings: Record<string, unknown> = { ...describeSettings(flags), top: flags.top };
      if (flags.method === 'bm25')
        Object.assign(settings, { k1: flags.k1, b: flags.b, variant: flags.variant });
      if (flags.method === 'tfidf')
        Object.assign(settings, { norm: flags.norm, sublinearTf: flags.sublinearTf });
      if (flags.json) {
        printJson({
          data: flags.data,
          method: flags.method,
          ...result.metrics,
          queries: result.queries,
          documents: collection.corpus.length,
          vocabulary: result.vocabulary,
          seconds: result.seconds,
          settings,
        });
        return;
      }
      const rows = Object.entries(result.metrics).map(([k, v]) => [k, v] as (string | number)[]);
      process.stdout.write(
        `${flags.method} on ${flags.data}: ${collection.corpus.length} documents, ${result.queries} judged queries, vocabulary ${result.vocabulary}\n` +
          `settings: ${Object.entries(settings)
            .map(([k, v]) => `${k}=${typeof v === 'object' ? JSON.stringify(v) : v}`)
            .join(' ')}\n\n${formatTable(['metric', 'value'], rows)}\n`,
      );
    });
}

const SPARSE_METHODS = ['bm25', 'tfidf', 'bow'];

/** Dense and hybrid methods: index into a temporary collection and search it like `smysl search`. */
async function collectionRetrieval(beir: BeirCollection, flags: RetrievalFlags): Promise<void> {
  const hybrid = flags.method === 'hybrid';
  const embedder = hybrid ? 'minilm' : flags.method;
  const top = flags.top > 100 && !hybrid ? flags.top : Math.min(flags.top, 100);
  const bar = new ProgressBar({ quiet: flags.quiet });
  let result: Awaited<ReturnType<typeof evaluateCollectionRetrieval>>;
  try {
    result = await evaluateCollectionRetrieval(beir, {
      embedder,
      method: hybrid ? 'hybrid' : 'dense',
      top,
      onProgress: bar.update,
    });
  } finally {
    bar.done();
  }
  const settings = {
    embedder,
    search: hybrid ? 'hybrid (RRF of dense and BM25, weights 1:1)' : 'dense',
    top,
    index: 'exact',
  };
  if (flags.json) {
    printJson({
      data: flags.data,
      method: flags.method,
      ...result.metrics,
      queries: result.queries,
      documents: beir.corpus.length,
      seconds: result.seconds,
      settings,
    });
    return;
  }
  const rows = Object.entries(result.metrics).map(([k, v]) => [k, v] as (string | number)[]);
  process.stdout.write(
    `${flags.method} on ${flags.data}: ${beir.corpus.length} documents, ${result.queries} judged queries\n` +
      `settings: ${Object.entries(settings)
        .map(([k, v]) => `${k}=${v}`)
        .join(' ')}\n\n${formatTable(['metric', 'value'], rows)}\n`,
  );
}
