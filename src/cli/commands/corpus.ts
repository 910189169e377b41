import { type Command, Option } from 'commander';
import {
  CORPUS_FORMATS,
  type CorpusFormat,
  type CorpusStats,
  computeCorpusStats,
  detectFormat,
  formatProblem,
  ProblemLog,
  type ProblemSummary,
  readDocuments,
  TEXT_SPLITS,
  type TextSplit,
} from '../../corpus/index.js';
import { collect } from '../options.js';
import { formatTable, printJson } from '../output.js';
import { ProgressBar } from '../progress.js';

interface StatsFlags {
  format: CorpusFormat | 'auto';
  split: TextSplit;
  textField: string;
  idField?: string;
  titleField?: string;
  jsonPath?: string;
  textColumn?: string[];
  idColumn?: string;
  columns?: string[];
  ext?: string[];
  where?: string[];
  strict: boolean;
  top: number;
  json: boolean;
  quiet: boolean;
}

/** "a,b" and repeated flags both give a list. */
function collectList(value: string, previous: string[] = []): string[] {
  return [
    ...previous,
    ...value
      .split(',')
      .map((v) => v.trim())
      .filter((v) => v !== ''),
  ];
}

export function register(program: Command): void {
  const corpus = program
    .command('corpus')
    .description('read corpora: files, JSON Lines, JSON, CSV/TSV, plain text');
  corpus
    .command('stats')
    .description(
      'count documents, tokens and types, list the top words (without stop words), guess the language, and report skipped input',
    )
    .argument(
      '<path>',
      'a directory of .txt/.md files, or a .jsonl/.ndjson, .json, .csv, .tsv or plain text file',
    )
    .addOption(
      new Option('--format <format>', 'input format').choices(['auto', ...CORPUS_FORMATS]).default('auto'),
    )
    .addOption(
      new Option('--split <unit>', 'plain text: one document per').choices([...TEXT_SPLITS]).default('line'),
    )
    .option('--text-field <name>', 'JSON/JSONL: field holding the text', 'text')
    .option(
      '--id-field <name>',
      'JSON/JSONL: field holding the id (default: "id", then "_id", else file:line)',
    )
    .option('--title-field <name>', 'JSON/JSONL: field put before the text (e.g. title)')
    .option('--json-path <path>', 'JSON: dotted path to the array of documents (default: the only array)')
    .option(
      '--text-column <name>',
      'CSV/TSV: text column(s), repeatable or comma-separated, joined (default: "text")',
      collectList,
    )
    .option(
      '--columns <names>',
      'CSV/TSV without a header row: column names, comma-separated (the first row is then data)',
      collectList,
    )
    .option('--id-column <name>', 'CSV/TSV: id column (default: "id", then "_id", else file:line)')
    .option(
      '--ext <ext>',
      'directory: file extensions read, repeatable or comma-separated (default: .txt,.md)',
      collectList,
    )
    .option(
      '--where <field=value>',
      'keep documents whose metadata matches (also field!=value); repeatable, all must hold',
      collect,
    )
    .option('--strict', 'stop at the first input problem (exit code 2)', false)
    .option(
      '--top <n>',
      'how many top words to list',
      (v) => {
        const n = Number(v);
        if (!Number.isInteger(n) || n < 0) throw new Error('--top must be an integer >= 0');
        return n;
      },
      20,
    )
    .option('--json', 'print one JSON object', false)
    .option('--quiet', 'no progress bar and no problem summary on stderr', false)
    .action(async (path: string, flags: StatsFlags) => {
      const problems = new ProblemLog();
      const bar = new ProgressBar({ quiet: flags.quiet });
      const format = flags.format === 'auto' ? await detectFormat(path) : flags.format;
      let stats: CorpusStats;
      try {
        stats = await computeCorpusStats(
          readDocuments(path, {
            format,
            split: flags.split,
            textField: flags.textField,
            idField: flags.idField,
            titleField: flags.titleField,
            jsonPath: flags.jsonPath,
            textColumns: flags.textColumn,
            idColumn: flags.idColumn,
            columnNames: flags.columns,
            extensions: flags.ext,
            where: flags.where,
            strict: flags.strict,
            problems,
            onProgress: bar.update,
          }),
          { top: flags.top },
        );
      } finally {
        bar.done();
      }
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
    });
}

function printProblemSummary(s: ProblemSummary): void {
  if (s.skippedTotal === 0) return;
  const kinds = Object.entries(s.skipped)
    .map(([k, n]) => `${k} ${n}`)
    .join(', ');
  process.stderr.write(`skipped ${s.skippedTotal} item(s) with problems: ${kinds}\n`);
  for (const p of s.examples) process.stderr.write(`  ${formatProblem(p)}\n`);
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
