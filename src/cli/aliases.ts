import { closeSync, openSync, readSync } from 'node:fs';
import { parse } from 'csv-parse/sync';

/**
 * Old spellings of commands and flags, rewritten to the current vocabulary (docs/cli.md) before
 * parsing, each with a one-line deprecation notice. They are hidden: `--help` shows only the
 * current spellings. Delete an entry when its release is over.
 */

/** A rewrite of the tokens after the command path; `note(old, now)` records a notice. */
type Custom = (args: string[], ctx: RewriteContext) => string[];

interface RewriteContext {
  note(old: string, now: string): void;
  /** Values moved to positional arguments so far (e.g. the file given by an old --data). */
  positionals: string[];
}

type Rule =
  /** `--old value` → `--new value` (also `--old=value`; boolean flags too). */
  | { flag: string; to: string }
  /** `--old value` → `value` as the positional input. */
  | { flag: string; positional: true }
  | { custom: Custom };

interface Alias {
  /** The command path as the user typed it. */
  path: string;
  /** Its new path, when the command moved (`when` decides for commands that split in two). */
  to?: string | ((args: string[]) => string);
  rules: Rule[];
}

const toPositional = (flag: string): Rule => ({ flag, positional: true });
const rename = (flag: string, to: string): Rule => ({ flag, to });

/** Old numeric/header spellings of the labelled-table reader, mapped onto the corpus flags. */
function tableColumns(defaultLabel?: string): Rule {
  return { custom: (args, ctx) => rewriteTableColumns(args, ctx, defaultLabel) };
}

const CLASSIFY_DATA: Rule[] = [toPositional('--data'), tableColumns()];

export const ALIASES: readonly Alias[] = [
  {
    path: 'tokenize',
    to: (args) => (args.includes('--sentences') ? 'text sentences' : 'text tokenize'),
    rules: [rename('--ngrams', '--ngram'), { custom: (args) => args.filter((a) => a !== '--sentences') }],
  },
  { path: 'similar', to: 'words similar', rules: [rename('--k', '--top')] },
  {
    path: 'analogy',
    to: 'words analogy',
    rules: [
      rename('--k', '--top'),
      {
        custom: (args, ctx) =>
          args.flatMap((a) => {
            if (a !== '--cosmul') return [a];
            ctx.note('--cosmul', '--scoring mul');
            return ['--scoring', 'mul'];
          }),
      },
    ],
  },
  {
    path: 'vectorize',
    to: 'embed',
    rules: [
      {
        // vectorize's default method was tfidf; embed's default embedder is minilm
        custom: (args) =>
          args.some((a) => a === '--method' || a.startsWith('--method='))
            ? args
            : ['--embedder', 'tfidf', ...args],
      },
      rename('--method', '--embedder'),
      rename('--model', '--out-model'),
      rename('--vocab', '--out-vocab'),
    ],
  },
  { path: 'embed', rules: [rename('--model', '--embedder'), toPositional('--in')] },
  { path: 'similarity', rules: [rename('--model', '--embedder')] },
  { path: 'vectors report', rules: [toPositional('--in')] },
  ...['word2vec', 'glove'].map((m): Alias => ({ path: `train ${m}`, rules: [toPositional('--corpus')] })),
  { path: 'train fasttext', rules: [toPositional('--corpus'), rename('--model', '--out-model')] },
  { path: 'tokenizer train', rules: [rename('--model', '--algorithm')] },
  { path: 'tokenizer encode', rules: [rename('--tokenizer', '--model')] },
  { path: 'eval words', rules: [rename('--method', '--scoring')] },
  {
    path: 'eval retrieval',
    rules: [
      toPositional('--data'),
      rename('--split', '--subset'),
      {
        // --method named the method to evaluate; now it is only the search method
        custom: (args, ctx) => {
          const out = [...args];
          for (let i = 0; i < out.length; i++) {
            const [flag, inline] = splitFlag(out[i]);
            if (flag !== '--method') continue;
            const value = inline ?? out[i + 1];
            if (value === undefined || ['dense', 'sparse', 'hybrid'].includes(value)) continue;
            ctx.note(`--method ${value}`, `--embedder ${value}`);
            if (inline !== undefined) out[i] = `--embedder=${value}`;
            else out[i] = '--embedder';
          }
          return out;
        },
      },
    ],
  },
  { path: 'eval sts', rules: [toPositional('--data'), rename('--split', '--subset')] },
  { path: 'classify train', rules: [...CLASSIFY_DATA, rename('--k', '--neighbors')] },
  { path: 'classify eval', rules: [...CLASSIFY_DATA, rename('--k', '--neighbors')] },
  { path: 'classify predict', rules: CLASSIFY_DATA },
  {
    path: 'cluster',
    rules: [
      rename('--k', '--clusters'),
      rename('--k-range', '--clusters-range'),
      rename('--labels-field', '--label-field'),
    ],
  },
  {
    path: 'bench',
    rules: [
      toPositional('--data'),
      rename('--embedders', '--embedder'),
      rename('--split', '--subset'),
      tableColumns('1'),
    ],
  },
  { path: 'lm train', rules: [rename('--k', '--add-k')] },
  { path: 'wsd train', rules: [toPositional('--data'), rename('--model', '--embedder')] },
  { path: 'wsd eval', rules: [toPositional('--data'), rename('--senses', '--model')] },
  { path: 'serve', rules: [rename('--model', '--embedder')] },
  {
    // the collection was briefly a positional argument; everywhere else it is --collection
    path: 'collections repair',
    rules: [
      {
        custom: (args, ctx) => {
          const i = args.findIndex((a, j) => !a.startsWith('-') && args[j - 1] !== '--collection');
          if (i < 0 || args.includes('--collection')) return args;
          ctx.note('smysl collections repair <collection>', 'smysl collections repair --collection <name>');
          return [...args.slice(0, i), '--collection', args[i], ...args.slice(i + 1)];
        },
      },
    ],
  },
  { path: 'plot', rules: [toPositional('--vectors'), rename('--method', '--projection')] },
];

/** `--flag=value` → ['--flag', 'value']; anything else → [token, undefined]. */
function splitFlag(token: string): [string, string | undefined] {
  if (!token.startsWith('--')) return [token, undefined];
  const eq = token.indexOf('=');
  return eq < 0 ? [token, undefined] : [token.slice(0, eq), token.slice(eq + 1)];
}

function applyRule(args: string[], rule: Rule, ctx: RewriteContext): string[] {
  if ('custom' in rule) return rule.custom(args, ctx);
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const [flag, inline] = splitFlag(args[i]);
    if (flag !== rule.flag) {
      out.push(args[i]);
      continue;
    }
    if ('to' in rule) {
      ctx.note(rule.flag, rule.to);
      out.push(inline === undefined ? rule.to : `${rule.to}=${inline}`);
      continue;
    }
    const value = inline ?? args[++i];
    ctx.note(`${rule.flag} <value>`, '<value> as the positional argument');
    if (value !== undefined) ctx.positionals.push(value);
  }
  return out;
}

function findAlias(path: string): Alias | undefined {
  return ALIASES.find((a) => a.path === path);
}

export interface Rewritten {
  argv: string[];
  /** One line per old spelling used. */
  notices: string[];
}

/** Rewrites old spellings in `argv` (without node and the script) to the current vocabulary. */
export function rewriteDeprecated(argv: readonly string[]): Rewritten {
  const notices: string[] = [];
  const note = (old: string, now: string) => {
    const line = `smysl: "${old}" is deprecated; use "${now}" (the old spelling goes away in the next release)`;
    if (!notices.includes(line)) notices.push(line);
  };
  const end = argv.indexOf('--');
  const head = (end < 0 ? [...argv] : argv.slice(0, end)).map((a) => {
    if (a !== '-V') return a;
    note('-V', '-v');
    return '-v';
  });
  const tail = end < 0 ? [] : argv.slice(end);
  // global flags may precede the command
  let start = 0;
  while (start < head.length && head[start] === '--debug') start++;
  const words = head.slice(start, start + 2);
  let alias = words.length === 2 ? findAlias(words.join(' ')) : undefined;
  let depth = 2;
  if (!alias) {
    alias = findAlias(words[0] ?? '');
    depth = 1;
  }
  if (!alias) return { argv: [...head, ...tail], notices };
  let args = head.slice(start + depth);
  const ctx: RewriteContext = { note, positionals: [] };
  for (const rule of alias.rules) args = applyRule(args, rule, ctx);
  let path = alias.path;
  if (alias.to) {
    path = typeof alias.to === 'string' ? alias.to : alias.to(head.slice(start + depth));
    note(`smysl ${alias.path}`, `smysl ${path}`);
    const moved = findAlias(path);
    if (moved) for (const rule of moved.rules) args = applyRule(args, rule, ctx);
  }
  return {
    argv: [...head.slice(0, start), ...path.split(' '), ...ctx.positionals, ...args, ...tail],
    notices,
  };
}

/**
 * The old classify/bench table flags: `--label-column`, `--text-column` as names or 1-based
 * numbers, `--delimiter`, `--header`/`--no-header`. Names map onto `--label-field` and the corpus
 * `--text-column`; numbers onto generated column names (`--columns c1,…,cN`, counted from the
 * file's first line), or onto the header's names with `--header`.
 */
function rewriteTableColumns(args: string[], ctx: RewriteContext, defaultLabel?: string): string[] {
  const rest: string[] = [];
  let label: string | undefined;
  const texts: string[] = [];
  let delimiter: string | undefined;
  let header: boolean | undefined;
  let seen = false;
  for (let i = 0; i < args.length; i++) {
    const [flag, inline] = splitFlag(args[i]);
    const value = () => inline ?? args[++i];
    if (flag === '--label-column') {
      label = value();
      seen = true;
      ctx.note('--label-column', '--label-field');
    } else if (flag === '--text-column') texts.push(value());
    else if (flag === '--delimiter') {
      delimiter = value();
      seen = true;
      ctx.note('--delimiter', '--format csv|tsv');
    } else if (flag === '--header' || flag === '--no-header') {
      header = flag === '--header';
      seen = true;
      ctx.note(flag, '--columns (for a file without a header row)');
    } else rest.push(args[i]);
  }
  const numeric = (s: string | undefined) => s !== undefined && /^\d+$/.test(s);
  if (!seen && !texts.some(numeric)) return args;
  const file = ctx.positionals[0];
  const tab = delimiter === '\t' || delimiter === '\\t' || delimiter === 'tab';
  const isTab =
    delimiter !== undefined ? tab : file !== undefined && /\.(tsv|txt)$/i.test(file) ? true : undefined;
  const anyNumeric = numeric(label) || texts.some(numeric);
  if (label === undefined && anyNumeric && defaultLabel !== undefined) label = defaultLabel;
  const out = [...rest];
  let names: string[] | undefined;
  if (anyNumeric) {
    const first = file === undefined ? undefined : firstRow(file, isTab);
    if (first === undefined) return args;
    const hasHeader = header ?? false;
    names = hasHeader ? first.row : first.row.map((_, i) => `c${i + 1}`);
    if (!hasHeader) out.push('--columns', names.join(','));
    if (!out.includes('--format')) out.push('--format', first.tab ? 'tsv' : 'csv');
  } else if (isTab !== undefined && !out.includes('--format')) out.push('--format', isTab ? 'tsv' : 'csv');
  const column = (spec: string) => (numeric(spec) && names ? (names[Number(spec) - 1] ?? spec) : spec);
  if (label !== undefined) out.push('--label-field', column(label));
  for (const t of texts) out.push('--text-column', column(t));
  if (anyNumeric) ctx.note('--text-column <number>', '--columns <names> --text-column <name>');
  return out;
}

/** The first row of a CSV/TSV file, and whether it is tab-separated. */
function firstRow(file: string, tab: boolean | undefined): { row: string[]; tab: boolean } | undefined {
  let line: string;
  try {
    const fd = openSync(file, 'r');
    try {
      const buf = Buffer.alloc(1 << 16);
      const n = readSync(fd, buf, 0, buf.length, 0);
      line = buf
        .subarray(0, n)
        .toString('utf8')
        .replace(/^\uFEFF/, '')
        .split(/\r?\n/)[0];
    } finally {
      closeSync(fd);
    }
  } catch {
    return undefined; // the command reports the unreadable file itself
  }
  const isTab = tab ?? (line.includes('\t') || !line.includes(','));
  if (isTab) return { row: line.split('\t'), tab: true };
  try {
    const [row] = parse(line, { relax_quotes: true, relax_column_count: true }) as string[][];
    return { row: row ?? [], tab: false };
  } catch {
    return { row: line.split(','), tab: false };
  }
}
