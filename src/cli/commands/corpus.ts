import type { Command } from 'commander';
import {
  type CorpusStats,
  computeCorpusStats,
  detectFormat,
  ProblemLog,
  type ProblemSummary,
  readDocuments,
} from '../../corpus/index.js';
import {
  addCorpusOptions,
  CORPUS_INPUT,
  type CorpusFlags,
  corpusReadOptions,
  printProblemSummary,
  withInput,
} from '../corpus-input.js';
import { addOutputFlags, topOption } from '../options.js';
import { formatTable, printJson } from '../output.js';
import { ProgressBar } from '../progress.js';

interface StatsFlags extends CorpusFlags {
  top: number;
  json: boolean;
}

export function register(program: Command): void {
  const corpus = program
    .command('corpus')
    .description('read corpora: files, JSON Lines, JSON, CSV/TSV, plain text');
  const stats = addCorpusOptions(
    corpus
      .command('stats')
      .description(
        'count documents, tokens and types, list the top words (without stop words), guess the language, and report skipped input',
      )
      .argument('<input>', CORPUS_INPUT),
  ).addOption(topOption('how many top words to list', 20, 0));
  addOutputFlags(stats).action(async (path: string, flags: StatsFlags) => {
    const problems = new ProblemLog();
    const bar = new ProgressBar({ quiet: flags.quiet });
    const { stats, format } = await withInput(path, flags, async (file, given) => {
      const format = given === 'auto' ? await detectFormat(file) : given;
      try {
        const stats = await computeCorpusStats(
          readDocuments(file, { ...corpusReadOptions(flags, problems), format, onProgress: bar.update }),
          { top: flags.top },
        );
        return { stats, format };
      } finally {
        bar.done();
      }
    });
    {
      const summary = problems.summary();
      if (!flags.quiet) printProblemSummary(summary);
      if (flags.json) {
        printJson({
          path,
          format,
          ...(format === 'text' ? { split: flags.split } : {}),
          ...stats,
          ...summary,
        });
        return;
      }
      process.stdout.write(renderStats(path, format, stats, summary));
    }
  });
}

function renderStats(path: string, format: string, stats: CorpusStats, s: ProblemSummary): string {
  const pct = (n: number) => {
    const total = stats.scripts.cyrillic + stats.scripts.latin;
    return total === 0 ? '0%' : `${((100 * n) / total).toFixed(1)}%`;
  };
  const entries = (o: Record<string, number>) =>
    Object.entries(o)
      .map(([k, n]) => `${k} ${n}`)
      .join(', ');
  const rows: [string, string][] = [
    ['corpus', `${path} (${format})`],
    ['documents', String(stats.documents)],
    ['tokens', String(stats.tokens)],
    ['types', String(stats.types)],
    [
      'tokens/document',
      `min ${stats.tokensPerDocument.min}, mean ${stats.tokensPerDocument.mean.toFixed(1)}, max ${stats.tokensPerDocument.max}`,
    ],
    [
      'language',
      `${stats.language} (Cyrillic letters ${pct(stats.scripts.cyrillic)}, Latin ${pct(stats.scripts.latin)})`,
    ],
    ['skipped', s.skippedTotal === 0 ? 'none' : `${s.skippedTotal} (${entries(s.skipped)})`],
  ];
  if (Object.keys(s.ignored).length > 0) rows.push(['ignored', entries(s.ignored)]);
  if (s.filtered > 0) rows.push(['filtered out', String(s.filtered)]);
  const width = Math.max(...rows.map(([k]) => k.length));
  let out = rows.map(([k, v]) => `${k.padEnd(width)}  ${v}`).join('\n');
  if (stats.topWords.length > 0)
    out += `\n\ntop words (without stop words)\n${formatTable(
      ['rank', 'word', 'count'],
      stats.topWords.map((w, i) => [i + 1, w.word, w.count]),
    )}`;
  return `${out}\n`;
}
