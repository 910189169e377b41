import { type Command, Option } from 'commander';
import {
  CORPUS_FORMATS,
  type CorpusFormat,
  formatProblem,
  ProblemLog,
  type ProblemSummary,
  type ReadOptions,
  TEXT_SPLITS,
  type TextSplit,
} from '../corpus/index.js';
import { collect } from './options.js';

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

/** "a,b" and repeated flags both give a list. */
export function collectList(value: string, previous: string[] = []): string[] {
  return [
    ...previous,
    ...value
      .split(',')
      .map((v) => v.trim())
      .filter((v) => v !== ''),
  ];
}

/** Adds the corpus-reading options, so every command reads input the same way. */
export function addCorpusOptions(cmd: Command, defaults: { split?: TextSplit } = {}): Command {
  return cmd
    .addOption(
      new Option('--format <format>', 'input format').choices(['auto', ...CORPUS_FORMATS]).default('auto'),
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
export function printProblemSummary(s: ProblemSummary): void {
  if (s.skippedTotal === 0) return;
  const kinds = Object.entries(s.skipped)
    .map(([k, n]) => `${k} ${n}`)
    .join(', ');
  process.stderr.write(`skipped ${s.skippedTotal} item(s) with problems: ${kinds}\n`);
  for (const p of s.examples) process.stderr.write(`  ${formatProblem(p)}\n`);
}
