import { createWriteStream, existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { type Command, Option } from 'commander';
import {
  CORPUS_FORMATS,
  type CorpusFormat,
  type Document,
  formatProblem,
  ProblemLog,
  type ProblemSummary,
  type ReadOptions,
  readDocuments,
  TEXT_SPLITS,
  type TextSplit,
} from '../corpus/index.js';
import { SmyslError } from '../errors.js';
import { collect, collectList } from './options.js';
import { ProgressBar } from './progress.js';

export { collectList };

/** Flags every command that reads a corpus accepts (see `addCorpusOptions`). */
export interface CorpusFlags {
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
  encoding: string;
  strict: boolean;
  quiet: boolean;
}

/** The help text of a corpus positional argument. */
export const CORPUS_INPUT =
  'a directory of .txt/.md files, a .jsonl, .json, .csv, .tsv or plain text file, or "-" for standard input';

/** Every corpus flag, in the order `addCorpusOptions` adds them (the vocabulary test checks it). */
export const CORPUS_FLAGS = [
  '--format',
  '--split',
  '--text-field',
  '--id-field',
  '--title-field',
  '--json-path',
  '--text-column',
  '--columns',
  '--id-column',
  '--ext',
  '--where',
  '--encoding',
  '--strict',
] as const;

/** Adds the corpus-reading options, so every command reads input the same way. */
export function addCorpusOptions(
  cmd: Command,
  defaults: { split?: TextSplit; formats?: { names: string[]; help: string } } = {},
): Command {
  return cmd
    .addOption(
      new Option(
        '--format <format>',
        `input format (auto: by extension; standard input: text)${defaults.formats ? `; ${defaults.formats.help}` : ''}`,
      )
        .choices(['auto', ...CORPUS_FORMATS, ...(defaults.formats?.names ?? [])])
        .default('auto'),
    )
    .addOption(
      new Option('--split <unit>', 'plain text: one document per')
        .choices([...TEXT_SPLITS])
        .default(defaults.split ?? 'line'),
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
    .option(
      '--encoding <label>',
      'text encoding of the input files (WHATWG label: utf-8, cp1251 / windows-1251, koi8-r, cp1252 / windows-1252, …)',
      'utf-8',
    )
    .option('--strict', 'stop at the first input problem (exit code 2)', false);
}

/** Reader options from the flags; `problems` collects what was skipped for the summary. */
export function corpusReadOptions(flags: CorpusFlags, problems: ProblemLog = new ProblemLog()): ReadOptions {
  return {
    format: flags.format,
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
    encoding: flags.encoding,
    strict: flags.strict,
    problems,
  };
}

/** Prints what was skipped, by reason, with the first examples (stderr). */
/** Skipped input on stderr: counts by kind, then examples (file:line) unless `quiet` (one line). */
export function printProblemSummary(s: ProblemSummary, quiet = false): void {
  if (s.skippedTotal === 0) return;
  const kinds = Object.entries(s.skipped)
    .map(([k, n]) => `${k} ${n}`)
    .join(', ');
  process.stderr.write(
    `skipped ${s.skippedTotal} item(s) with problems: ${kinds}${quiet ? ' (run without --quiet for examples)' : ''}\n`,
  );
  if (!quiet) for (const p of s.examples) process.stderr.write(`  ${formatProblem(p)}\n`);
}

/**
 * Runs `fn` on a readable path for the input: the path itself, or for "-" standard input
 * spooled to a temporary file named "stdin" (readers need a file: CSV reads its header twice,
 * progress needs a size), removed afterwards. Ids of plain text read from stdin are "stdin:<line>".
 */
export async function withInput<T>(
  input: string,
  flags: { format: CorpusFormat | 'auto' },
  fn: (file: string, format: CorpusFormat | 'auto') => Promise<T>,
): Promise<T> {
  if (input !== '-') return fn(input, flags.format);
  const dir = await mkdtemp(path.join(tmpdir(), 'smysl-stdin-'));
  try {
    const file = path.join(dir, 'stdin');
    try {
      await pipeline(process.stdin, createWriteStream(file));
    } catch (e) {
      throw new SmyslError('E_IO', `cannot read standard input: ${(e as Error).message}`);
    }
    return await fn(file, flags.format === 'auto' ? 'text' : flags.format);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * Reads a whole corpus into memory with the shared flags (commands that need every text at
 * once: embed, cluster, classify). Prints the problem summary unless quiet.
 */
export async function readCorpus(
  input: string,
  flags: CorpusFlags,
): Promise<{ documents: Document[]; summary: ProblemSummary }> {
  const problems = new ProblemLog();
  const documents: Document[] = [];
  const bar = new ProgressBar({ quiet: flags.quiet });
  try {
    await withInput(input, flags, async (file, format) => {
      for await (const doc of readDocuments(file, {
        ...corpusReadOptions(flags, problems),
        format,
        onProgress: bar.update,
      }))
        documents.push(doc);
    });
  } finally {
    bar.done();
  }
  const summary = problems.summary();
  // even --quiet says that input was skipped: losing data silently is worse than a line of output
  printProblemSummary(summary, flags.quiet);
  return { documents, summary };
}

/**
 * Positional arguments of `embed` and `classify predict` used to be texts: when none of them is
 * a file, a folder or "-", they still are, with a deprecation notice (use --text).
 */
export function textsGivenAsInputs(inputs: string[]): boolean {
  if (inputs.length === 0 || inputs.some((i) => i === '-' || existsSync(i))) return false;
  process.stderr.write(
    'smysl: texts as arguments are deprecated; use "--text <text>" (arguments are now files, folders or "-")\n',
  );
  return true;
}
