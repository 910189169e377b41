import { promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type Command, Option } from 'commander';
import { readTextLines } from '../../corpus/plaintext.js';
import { embedderByName, fitOnTexts } from '../../embed/by-name.js';
import { SmyslError } from '../../errors.js';
import { readBeir } from '../../eval/beir.js';
import { classificationReport } from '../../eval/classification.js';
import { pearson, spearman } from '../../eval/correlation.js';
import {
  type BenchReport,
  type BenchRow,
  renderHtmlReport,
  renderMarkdownReport,
} from '../../eval/report.js';
import { evaluateRetrieval } from '../../eval/retrieval.js';
import { readStsPairs, type StsFormat, stsCosines } from '../../eval/sts.js';
import { readWordPairs } from '../../eval/word-pairs.js';
import { LogisticRegression, stratifiedKFold } from '../../tasks/classify.js';
import { writeFileAtomic } from '../../util/fs.js';
import { cosine, norm, row } from '../../vectors/dense.js';
import { densify, isSparse, unitRows } from '../../vectors/rows.js';
import type { DenseMatrix, SparseMatrix } from '../../vectors/types.js';
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

/** One method's run: returns its metrics (throws on failure; the caller turns that into an error row). */
type Runner = (name: string) => Promise<Record<string, number>>;

/** Settings every trained embedder gets in a comparison, so all finish in minutes. */
function benchSettings(flags: BenchFlags): Record<string, unknown> {
  const s: Record<string, unknown> = { epochs: flags.epochs, ...parseSettings(flags.set) };
  if (flags.threads !== undefined) s.threads = flags.threads;
  return s;
}

/** Exact cosine top-k of every query against every document. */
function rankAll(
  queries: DenseMatrix | SparseMatrix,
  docs: DenseMatrix | SparseMatrix,
  top: number,
): Int32Array[] {
  const q = unitRows(queries);
  const d = unitRows(docs);
  const nDocs = d.rows;
  const scores = new Float64Array(nDocs);
  const out: Int32Array[] = [];
  // Documents as a term → (doc, weight) inverted list when sparse, so a query touches only its terms.
  let inverted: Map<number, [number, number][]> | undefined;
  if (isSparse(d)) {
    inverted = new Map();
    for (let r = 0; r < d.rows; r++)
      for (let j = d.indptr[r]; j < d.indptr[r + 1]; j++) {
        const list = inverted.get(d.indices[j]) ?? [];
        list.push([r, d.data[j]]);
        inverted.set(d.indices[j], list);
      }
  }
  for (let i = 0; i < q.rows; i++) {
    scores.fill(0);
    if (isSparse(q) && inverted) {
      for (let j = q.indptr[i]; j < q.indptr[i + 1]; j++)
        for (const [r, w] of inverted.get(q.indices[j]) ?? []) scores[r] += w * q.data[j];
    } else if (!isSparse(q) && !isSparse(d)) {
      const dim = q.dim;
      for (let r = 0; r < nDocs; r++) {
        let s = 0;
        for (let k = 0; k < dim; k++) s += q.data[i * dim + k] * d.data[r * dim + k];
        scores[r] = s;
      }
    } else throw new SmyslError('E_STATE', 'queries and documents must both be dense or both sparse');
    const order = Int32Array.from({ length: nDocs }, (_, r) => r);
    order.sort((a, b) => scores[b] - scores[a] || a - b);
    out.push(order.slice(0, top));
  }
  return out;
}

async function makeRunner(
  flags: BenchFlags,
): Promise<{ runner: Runner; mainMetric: string; settings: BenchReport['settings'] }> {
  const settings = benchSettings(flags);
  const fitLines = flags.fitData ? await readTextLines(flags.fitData) : undefined;
  const common = { epochs: flags.epochs, ...(flags.fitData ? { fitData: flags.fitData } : {}) };
  if (flags.task === 'sts' || flags.task === 'words') {
    const pairs =
      flags.task === 'sts'
        ? await readStsPairs(flags.data, stsFormat(flags.format), { split: flags.subset })
        : (await readWordPairs(flags.data)).pairs.map((p) => ({ a: p.word1, b: p.word2, score: p.score }));
    if (flags.task === 'words' && !fitLines)
      throw new SmyslError(
        'E_USAGE',
        'bench --task words needs --fit-data <corpus> to train word vectors on',
      );
    const fitTexts = fitLines ?? pairs.flatMap((p) => [p.a, p.b]);
    return {
      mainMetric: 'spearman',
      settings: {
        ...common,
        pairs: pairs.length,
        fit: flags.fitData ?? "the pairs' own sentences",
        ...(flags.subset ? { subset: flags.subset } : {}),
      },
      runner: async (name): Promise<Record<string, number>> => {
        const e = await embedderByName(name, settings);
        await fitOnTexts(e, fitTexts);
        const gold = pairs.map((p) => p.score);
        if (flags.task === 'sts') {
          const cos = await stsCosines(e, pairs);
          return { spearman: spearman(cos, gold) * 100, pearson: pearson(cos, gold) * 100 };
        }
        // words: each distinct word is embedded once. As gensim's evaluate_word_pairs, a pair
        // with a word the method has no vector for (a zero vector) is left out of the
        // correlation and counted in the coverage instead
        const words = [...new Set(pairs.flatMap((p) => [p.a, p.b]))];
        const vectors = densify(await e.embed(words));
        const rowOf = new Map(words.map((w, r) => [w, r]));
        const vectorOf = (w: string) => row(vectors, rowOf.get(w)!);
        const kept = pairs.filter((p) => norm(vectorOf(p.a)) > 0 && norm(vectorOf(p.b)) > 0);
        const keptCos = kept.map((p) => cosine(vectorOf(p.a), vectorOf(p.b)));
        const keptGold = kept.map((p) => p.score);
        return {
          spearman: kept.length > 1 ? spearman(keptCos, keptGold) * 100 : Number.NaN,
          pearson: kept.length > 1 ? pearson(keptCos, keptGold) * 100 : Number.NaN,
          coverage: kept.length / pairs.length,
        };
      },
    };
  }
  if (flags.task === 'classification') {
    const read = (file: string) => readLabelledCorpus(file, flags);
    const data = await read(flags.data);
    let train: { texts: string[]; labels: string[] };
    let test: { texts: string[]; labels: string[] };
    if (flags.test) {
      train = data;
      test = await read(flags.test);
    } else {
      // One stratified 80/20 split, the same for every method.
      const heldOut = new Set(stratifiedKFold(data.labels, 5, 1)[0]);
      const pick = (keep: boolean) => {
        const idx = data.labels.map((_, i) => i).filter((i) => heldOut.has(i) !== keep);
        return { texts: idx.map((i) => data.texts[i]), labels: idx.map((i) => data.labels[i]) };
      };
      train = pick(true);
      test = pick(false);
    }
    return {
      mainMetric: 'macroF1',
      settings: {
        ...common,
        train: train.texts.length,
        test: test.texts.length,
        classifier: 'logreg',
        split: flags.test ? flags.test : 'stratified 80/20, seed 1',
      },
      runner: async (name) => {
        const e = await embedderByName(name, settings);
        await fitOnTexts(e, fitLines ?? train.texts);
        const clf = new LogisticRegression({ seed: 1 }).fit(await e.embed(train.texts), train.labels);
        const pred = clf.predict(await e.embed(test.texts)).map(String);
        const r = classificationReport(test.labels, pred);
        return { accuracy: r.accuracy, macroF1: r.macro.f1, weightedF1: r.weighted.f1 };
      },
    };
  }
  if (flags.task === 'retrieval') {
    const c = await readBeir(flags.data, flags.subset ?? 'test');
    const docTexts = c.corpus.map((d) => (d.title ? `${d.title}. ${d.text}` : d.text));
    const queries = c.queries.filter((q) => c.qrels.has(q.id));
    return {
      mainMetric: 'ndcg@10',
      settings: { ...common, documents: docTexts.length, queries: queries.length, ranking: 'exact cosine' },
      runner: async (name) => {
        const e = await embedderByName(name, settings);
        await fitOnTexts(e, fitLines ?? docTexts);
        const ranked = rankAll(await e.embed(queries.map((q) => q.text)), await e.embed(docTexts), flags.top);
        const runs = new Map(queries.map((q, i) => [q.id, Array.from(ranked[i], (r) => c.corpus[r].id)]));
        const m = evaluateRetrieval(runs, c.qrels).metrics;
        return { 'ndcg@10': m['ndcg@10'] ?? 0, map: m.map ?? 0, 'recall@100': m['recall@100'] ?? 0 };
      },
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
    const { runner, mainMetric, settings } = await makeRunner(flags);
    const rows: BenchRow[] = [];
    for (const name of embedders) {
      const started = Date.now();
      try {
        const metrics = await runner(name);
        rows.push({ embedder: name, metrics, seconds: (Date.now() - started) / 1000 });
      } catch (e) {
        rows.push({
          embedder: name,
          metrics: {},
          seconds: (Date.now() - started) / 1000,
          error: (e as Error).message,
        });
      }
      const last = rows[rows.length - 1];
      if (!flags.quiet)
        process.stderr.write(
          `${name}: ${last.error ? `error: ${last.error}` : `${mainMetric} ${last.metrics[mainMetric]?.toFixed(4)}`} (${last.seconds.toFixed(1)} s)\n`,
        );
    }
    const report: BenchReport = {
      task: flags.task,
      data: flags.data,
      mainMetric,
      settings,
      rows,
      date: new Date().toISOString().slice(0, 10),
      machine: `${os.cpus().length}-core ${os.arch()}, Node ${process.versions.node.split('.')[0]}`,
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
