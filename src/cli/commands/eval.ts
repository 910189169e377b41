import { type Command, Option } from 'commander';
import { SmyslError } from '../../errors.js';
import { type BeirCollection, readBeir } from '../../eval/beir.js';
import { evaluateCollectionRetrieval } from '../../eval/collection-retrieval.js';
import { evaluateSparseRetrieval, type SparseRetrievalMethod } from '../../eval/sparse-retrieval.js';
import { addOutputFlags, embedderOption, parseFloatOption, topOption } from '../options.js';
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
  subset: string;
  embedder: string;
  method?: 'dense' | 'sparse' | 'hybrid';
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
      'index a BEIR collection (corpus.jsonl, queries.jsonl, qrels/<split>.tsv) and report nDCG@10, MAP, MRR@10, Recall@100, P@10; bm25/tfidf/bow run the scikit-learn-exact vectorizers, other embedders go through a collection (like smysl index + search)',
    )
    .argument('<input>', 'BEIR collection directory')
    .option('--subset <name>', 'which judgements: qrels/<subset>.tsv', 'test')
    .addOption(
      embedderOption(
        'bm25, tfidf, bow (sparse, Okapi query scoring); or a dense embedder: minilm, trigram, an imported model, ...',
        'bm25',
      ),
    )
    .addOption(
      new Option(
        '--method <method>',
        'search method (default: sparse for bm25/tfidf/bow, else dense); hybrid fuses the dense embedder (default minilm) with BM25',
      ).choices(['dense', 'sparse', 'hybrid']),
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
    .addOption(topOption('documents retrieved per query (MAP and recall look this deep)', 1000));
  addOutputFlags(addAnalyzerOptions(cmd, true)).action(
    async (data: string, flags: RetrievalFlags, command: Command) => {
      flags.data = data;
      const sparse = SPARSE_METHODS.includes(flags.embedder);
      if (sparse && flags.method === 'hybrid' && command.getOptionValueSource('embedder') === 'default')
        flags.embedder = 'minilm'; // --method hybrid alone: minilm fused with BM25
      else if (sparse && flags.method !== undefined && flags.method !== 'sparse')
        throw new SmyslError(
          'E_USAGE',
          `--embedder ${flags.embedder} is sparse: --method ${flags.method} needs a dense embedder`,
        );
      else if (!sparse && flags.method === 'sparse')
        throw new SmyslError('E_USAGE', '--method sparse: give a sparse --embedder (bm25, tfidf, bow)');
      const collection = await readBeir(flags.data, flags.subset);
      if (!SPARSE_METHODS.includes(flags.embedder)) {
        await collectionRetrieval(collection, flags);
        return;
      }
      const bar = new ProgressBar({ quiet: flags.quiet });
      let result: ReturnType<typeof evaluateSparseRetrieval>;
      try {
        result = evaluateSparseRetrieval(collection, {
          method: flags.embedder as SparseRetrievalMethod,
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
      if (flags.embedder === 'bm25')
        Object.assign(settings, { k1: flags.k1, b: flags.b, variant: flags.variant });
      if (flags.embedder === 'tfidf')
        Object.assign(settings, { norm: flags.norm, sublinearTf: flags.sublinearTf });
      if (flags.json) {
        printJson({
          data: flags.data,
          embedder: flags.embedder,
          method: 'sparse',
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
        `${flags.embedder} on ${flags.data}: ${collection.corpus.length} documents, ${result.queries} judged queries, vocabulary ${result.vocabulary}\n` +
          `settings: ${Object.entries(settings)
            .map(([k, v]) => `${k}=${typeof v === 'object' ? JSON.stringify(v) : v}`)
            .join(' ')}\n\n${formatTable(['metric', 'value'], rows)}\n`,
      );
    },
  );
}

const SPARSE_METHODS = ['bm25', 'tfidf', 'bow'];

/** Dense and hybrid methods: index into a temporary collection and search it like `smysl search`. */
async function collectionRetrieval(beir: BeirCollection, flags: RetrievalFlags): Promise<void> {
  const hybrid = flags.method === 'hybrid';
  const embedder = flags.embedder;
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
      embedder,
      method: hybrid ? 'hybrid' : 'dense',
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
    `${embedder}${hybrid ? ' + BM25 (hybrid)' : ''} on ${flags.data}: ${beir.corpus.length} documents, ${result.queries} judged queries\n` +
      `settings: ${Object.entries(settings)
        .map(([k, v]) => `${k}=${v}`)
        .join(' ')}\n\n${formatTable(['metric', 'value'], rows)}\n`,
  );
}
