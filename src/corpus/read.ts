import { stat } from 'node:fs/promises';
import { extname, resolve } from 'node:path';
import { SmyslError } from '../errors.js';
import type { LongRunning } from '../util/progress.js';
import type { ReaderContext, RecordFields, SourcedDocument } from './context.js';
import { readCsv } from './csv.js';
import { DEFAULT_EXTENSIONS, readDirectory } from './directory.js';
import { textDecoding } from './encoding.js';
import { type MetaFilter, matchesFilters, parseWhere } from './filter.js';
import { IdSet } from './ids.js';
import { readJsonFile } from './json.js';
import { readJsonLines } from './jsonl.js';
import { readPlainText, type TextSplit } from './plaintext.js';
import { ProblemLog, ProblemSink } from './problems.js';
import type { Document, InputProblem } from './types.js';

export type CorpusFormat = 'dir' | 'jsonl' | 'json' | 'csv' | 'tsv' | 'text';
export const CORPUS_FORMATS: readonly CorpusFormat[] = ['dir', 'jsonl', 'json', 'csv', 'tsv', 'text'];
export const TEXT_SPLITS: readonly TextSplit[] = ['line', 'paragraph', 'section', 'sentence'];

export interface ReadOptions extends LongRunning {
  /** Default "auto": a directory → dir; otherwise by extension. */
  format?: CorpusFormat | 'auto';
  /** How a plain text file becomes documents (default "line"). */
  split?: TextSplit;
  /** JSON/JSONL: the text field (default "text"). */
  textField?: string;
  /** JSON/JSONL: the id field (default "id", then "_id"; else `<file>:<line>` / `<file>[<index>]`). */
  idField?: string;
  /** JSON/JSONL: a field put before the text, separated by a blank line (e.g. "title"). */
  titleField?: string;
  /** JSON: where the array of documents is, dotted ("documents", "data.items"). */
  jsonPath?: string;
  /** CSV/TSV: text column(s), joined by a blank line (default "text"). */
  textColumns?: string[];
  /** CSV/TSV: id column (default "id", then "_id"; else `<file>:<line>`). */
  idColumn?: string;
  /** CSV/TSV without a header row: the column names (the first row is then data). */
  columnNames?: string[];
  /** Directory: file extensions read as documents (default .txt and .md). */
  extensions?: string[];
  /** Metadata conditions, all of which must hold: `field=value`, `field!=value`. */
  where?: (string | MetaFilter)[];
  /**
   * Text encoding of the input files, a WHATWG label (default "utf-8"): e.g. "windows-1251" /
   * "cp1251" or "koi8-r" for Russian, "windows-1252" / "cp1252" for Western European text.
   */
  encoding?: string;
  /** Make the first input problem fatal (SmyslError E_INPUT). */
  strict?: boolean;
  /** Called for every problem as it is found. */
  onProblem?: (problem: InputProblem) => void;
  /** Collects problems, ignored input and filter counts; pass one to inspect them after the read. */
  problems?: ProblemLog;
}

/** The format `readDocuments` would choose for a path. */
export async function detectFormat(path: string): Promise<CorpusFormat> {
  const info = await statOrThrow(path);
  if (info.isDirectory()) return 'dir';
  const ext = extname(path).toLowerCase();
  switch (ext) {
    case '.jsonl':
    case '.ndjson':
      return 'jsonl';
    case '.json':
      return 'json';
    case '.csv':
      return 'csv';
    case '.tsv':
    case '.tab':
      return 'tsv';
    case '.txt':
    case '.text':
    case '.md':
      return 'text';
    default:
      throw new SmyslError(
        'E_USAGE',
        `cannot tell the format from the extension "${ext}"; pass a format (${CORPUS_FORMATS.join(', ')})`,
        { location: { source: path } },
      );
  }
}

async function statOrThrow(path: string) {
  try {
    return await stat(path);
  } catch (e) {
    throw new SmyslError('E_IO', `cannot read: ${(e as Error).message}`, { location: { source: path } });
  }
}

/**
 * Streams the documents of a corpus at `path`. Memory stays constant in the input size (a
 * directory holds one file at a time; JSON is the exception — it is parsed whole). Problems in
 * the input are reported through `options.onProblem` / `options.problems` and the bad item is
 * skipped; with `strict` the first one throws E_INPUT. Empty documents and repeated ids are
 * problems too (the later duplicate is skipped).
 */
export async function* readDocuments(path: string, options: ReadOptions = {}): AsyncGenerator<Document> {
  const log = options.problems ?? new ProblemLog();
  const sink = new ProblemSink(log, options.strict ?? false, options.onProblem);
  const format =
    options.format === undefined || options.format === 'auto' ? await detectFormat(path) : options.format;
  if (!CORPUS_FORMATS.includes(format))
    throw new SmyslError('E_USAGE', `unknown format "${format}" (expected ${CORPUS_FORMATS.join(', ')})`);
  const split = options.split ?? 'line';
  if (!TEXT_SPLITS.includes(split))
    throw new SmyslError('E_USAGE', `unknown split "${split}" (expected ${TEXT_SPLITS.join(', ')})`);
  const decoding = textDecoding(options.encoding);
  const filters = (options.where ?? []).map((w) => (typeof w === 'string' ? parseWhere(w) : w));
  const info = await statOrThrow(path);
  if (format === 'dir' && !info.isDirectory())
    throw new SmyslError('E_USAGE', 'format "dir" needs a directory', { location: { source: path } });
  if (format !== 'dir' && info.isDirectory())
    throw new SmyslError('E_USAGE', `format "${format}" needs a file, not a directory`, {
      location: { source: path },
    });

  // ids made from file names and line numbers are unique by construction: no set needed
  const ids = format === 'dir' || format === 'text' ? undefined : new IdSet();
  let total: number | undefined = format === 'dir' ? undefined : info.size;
  const onProgress = options.onProgress;
  const ctx: ReaderContext = {
    sink,
    log,
    signal: options.signal,
    decoding,
    progress: onProgress
      ? (done, t) => {
          if (t !== undefined) total = t;
          onProgress({ phase: 'reading', done, total, unit: 'bytes' });
        }
      : () => {},
    accept: (d) => {
      const where = { line: d.line, offset: d.offset };
      if (!/\S/.test(d.text)) {
        sink.report('empty-document', d.source, `document "${d.id}" has no text; skipped`, where);
        return false;
      }
      if (ids && !ids.add(d.id)) {
        sink.report('duplicate-id', d.source, `duplicate id "${d.id}"; this later document skipped`, where);
        return false;
      }
      if (filters.length > 0 && !matchesFilters(d.meta, filters)) {
        log.filtered++;
        return false;
      }
      return true;
    },
  };
  const fields: RecordFields = {
    textField: options.textField ?? 'text',
    idField: options.idField,
    titleField: options.titleField,
  };
  let source: AsyncGenerator<SourcedDocument[]>;
  switch (format) {
    case 'dir':
      source = readDirectory(path, options.extensions ?? DEFAULT_EXTENSIONS, ctx);
      break;
    case 'jsonl':
      source = readJsonLines(path, fields, ctx);
      break;
    case 'json':
      source = readJsonFile(path, fields, options.jsonPath, ctx);
      break;
    case 'csv':
    case 'tsv':
      source = readCsv(path, format === 'csv' ? ',' : '\t', options, ctx);
      break;
    case 'text':
      source = readPlainText(path, split, ctx);
      break;
  }
  // readers hand over batches: one await per chunk read, not one per line
  for await (const batch of source)
    for (const d of batch)
      yield {
        id: d.id,
        text: d.text,
        meta: d.meta,
        source: { path: resolve(d.source), line: d.line ?? 1, verbatim: d.verbatim ?? false },
      };
}
