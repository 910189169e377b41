import { createReadStream } from 'node:fs';
import { basename } from 'node:path';
import { parse } from 'csv-parse';
import { SmyslError, throwIfAborted } from '../errors.js';
import type { ReaderContext, SourcedDocument } from './context.js';

export interface CsvColumns {
  /** Columns joined (blank line between) into the text; default: the column named "text". */
  textColumns?: string[];
  /** Default: "id", then "_id" when present; otherwise ids are `<file>:<line>`. */
  idColumn?: string;
}

const fatalUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * CSV (RFC 4180 quoting) or TSV (tab-separated, no quoting) with a header row. Fields arrive
 * as raw bytes and are decoded here with a fatal decoder, so a bad byte costs one row (reported
 * with its line), not the file.
 */
export async function* readCsv(
  path: string,
  delimiter: ',' | '\t',
  columns: CsvColumns,
  ctx: ReaderContext,
): AsyncGenerator<SourcedDocument> {
  const parser = parse({
    encoding: null,
    bom: true,
    delimiter,
    quote: delimiter === '\t' ? null : '"',
    relax_quotes: true,
    relax_column_count: true,
    skip_empty_lines: true,
    skip_records_with_error: true,
    info: true,
  });
  const pendingProblems: { line?: number; reason: string }[] = [];
  parser.on('skip', (err: Error & { lines?: number }) => {
    pendingProblems.push({ line: err.lines, reason: `malformed CSV (${err.message}); record skipped` });
  });
  const input = createReadStream(path, { highWaterMark: 1 << 16 });
  let bytes = 0;
  input.on('data', (chunk) => {
    bytes += chunk.length;
    ctx.progress(bytes);
  });
  input.on('error', (e) => parser.destroy(e));
  input.pipe(parser);

  const base = basename(path);
  let header: string[] | undefined;
  let textIdx: number[] = [];
  let idIdx = -1;
  const flush = () => {
    for (const p of pendingProblems.splice(0))
      ctx.sink.report('malformed-csv', path, p.reason, { line: p.line });
  };
  try {
    for await (const { record, info } of parser as AsyncIterable<{
      record: Buffer[];
      info: { lines: number };
    }>) {
      throwIfAborted(ctx.signal);
      flush();
      const line = startLine(record, info.lines);
      const values: string[] = [];
      let bad = -1;
      for (let i = 0; i < record.length; i++) {
        try {
          values.push(fatalUtf8.decode(record[i]));
        } catch {
          bad = i;
          break;
        }
      }
      if (header === undefined) {
        if (bad >= 0)
          throw new SmyslError('E_INPUT', 'the header row is not valid UTF-8', {
            location: { source: path, line },
          });
        header = values;
        ({ textIdx, idIdx } = chooseColumns(header, columns, path));
        continue;
      }
      if (bad >= 0) {
        ctx.sink.report(
          'invalid-utf8',
          path,
          `invalid UTF-8 in column "${header[bad] ?? bad + 1}"; row skipped`,
          {
            line,
          },
        );
        continue;
      }
      if (values.length !== header.length) {
        ctx.sink.report(
          'wrong-column-count',
          path,
          `${values.length} columns where the header has ${header.length}; row skipped`,
          { line },
        );
        continue;
      }
      const text = textIdx
        .map((i) => values[i])
        .filter((v) => v !== '')
        .join('\n\n');
      const meta: Record<string, unknown> = {};
      for (let i = 0; i < header.length; i++)
        if (i !== idIdx && !textIdx.includes(i)) meta[header[i]] = values[i];
      const id = idIdx >= 0 && values[idIdx] !== '' ? values[idIdx] : `${base}:${line}`;
      yield { id, text, meta, source: path, line };
    }
    flush();
  } catch (e) {
    if (e instanceof SmyslError) throw e;
    const err = e as Error & { code?: string; lines?: number };
    if (err.code === 'ENOENT' || err.code === 'EACCES' || err.code === 'EISDIR')
      throw new SmyslError('E_IO', `cannot read: ${err.message}`, { location: { source: path } });
    flush();
    ctx.sink.report('malformed-csv', path, `malformed CSV (${err.message}); rest of the file skipped`, {
      line: err.lines,
    });
  } finally {
    input.destroy();
  }
  if (header === undefined) ctx.log.ignore('empty CSV file');
}

/** csv-parse reports the line a record ends on; quoted fields may span lines before it. */
function startLine(record: Buffer[], endLine: number): number {
  let newlines = 0;
  for (const f of record) {
    let at = f.indexOf(10);
    while (at >= 0) {
      newlines++;
      at = f.indexOf(10, at + 1);
    }
  }
  return endLine - newlines;
}

function chooseColumns(header: string[], columns: CsvColumns, path: string) {
  const find = (name: string) => header.indexOf(name);
  const list = header.map((h) => `"${h}"`).join(', ');
  let textIdx: number[];
  if (columns.textColumns && columns.textColumns.length > 0) {
    textIdx = columns.textColumns.map((c) => {
      const i = find(c);
      if (i < 0)
        throw new SmyslError('E_USAGE', `no column "${c}" in the header (columns: ${list})`, {
          location: { source: path, line: 1 },
        });
      return i;
    });
  } else {
    const i = find('text');
    if (i < 0)
      throw new SmyslError('E_USAGE', `no "text" column; choose with --text-column (columns: ${list})`, {
        location: { source: path, line: 1 },
      });
    textIdx = [i];
  }
  let idIdx = -1;
  if (columns.idColumn !== undefined) {
    idIdx = find(columns.idColumn);
    if (idIdx < 0)
      throw new SmyslError('E_USAGE', `no column "${columns.idColumn}" in the header (columns: ${list})`, {
        location: { source: path, line: 1 },
      });
  } else {
    idIdx = find('id');
    if (idIdx < 0) idIdx = find('_id');
  }
  return { textIdx, idIdx };
}
