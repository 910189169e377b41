import { createReadStream } from 'node:fs';
import { type FileHandle, open } from 'node:fs/promises';
import { basename } from 'node:path';
import { parse } from 'csv-parse';
import { SmyslError, throwIfAborted } from '../errors.js';
import { hasBom } from './bytes.js';
import type { ReaderContext, SourcedDocument } from './context.js';

export interface CsvColumns {
  /** Columns joined (blank line between) into the text; default: the column named "text". */
  textColumns?: string[];
  /** Default: "id", then "_id" when present; otherwise ids are `<file>:<line>`. */
  idColumn?: string;
  /** Column names for a file without a header row (its first row is then data). */
  columnNames?: string[];
}

/**
 * CSV (RFC 4180 quoting) or TSV (tab-separated, no quoting) with a header row. Fields arrive
 * as raw bytes and are decoded here (UTF-8 strictly, or the encoding asked for), so a bad byte costs one row (reported
 * with its line), not the file.
 */
export async function* readCsv(
  path: string,
  delimiter: ',' | '\t',
  columns: CsvColumns,
  ctx: ReaderContext,
): AsyncGenerator<SourcedDocument[]> {
  const parser = parse({
    // csv-parse switches to string output when it strips a BOM itself, so the BOM is skipped
    // below by starting the read after it
    encoding: null,
    bom: false,
    delimiter,
    quote: delimiter === '\t' ? null : '"',
    relax_quotes: true,
    relax_column_count: true,
    skip_empty_lines: true,
    skip_records_with_error: true,
    info: true,
  });
  // A record csv-parse could not parse is reported once the records before it are consumed;
  // it starts right after the last good record (byte offsets are in parser input, BOM excluded).
  const pendingProblems: { after: number; reason: string }[] = [];
  let consumed = 0;
  let lastEnd = 0;
  parser.on('skip', (err: Error & { records?: number }) => {
    pendingProblems.push({
      after: err.records ?? 0,
      reason: `malformed CSV (${err.message.replace(/ at line \d+$/, '')}); record skipped`,
    });
  });
  const bomLength = (await startsWithBom(path)) ? 3 : 0;
  const input = createReadStream(path, { highWaterMark: 1 << 16, start: bomLength });
  let bytes = bomLength;
  const newlines = new NewlineCounter(0);
  input.on('data', (chunk) => {
    if (typeof chunk === 'string') return;
    newlines.push(chunk);
    bytes += chunk.length;
    ctx.progress(bytes);
  });
  input.on('error', (e) => parser.destroy(e));
  input.pipe(parser);

  const base = basename(path);
  let header: string[] | undefined;
  let textIdx: number[] = [];
  let idIdx = -1;
  if (columns.columnNames && columns.columnNames.length > 0) {
    header = columns.columnNames;
    ({ textIdx, idIdx } = chooseColumns(header, columns, path));
  }
  const flush = (all: boolean) => {
    while (pendingProblems.length > 0 && (all || pendingProblems[0].after <= consumed)) {
      const p = pendingProblems.shift()!;
      ctx.sink.report('malformed-csv', path, p.reason, { line: newlines.lineAt(lastEnd) });
    }
  };
  try {
    for await (const { record, info } of parser as AsyncIterable<{
      record: Buffer[];
      info: { bytes: number };
    }>) {
      throwIfAborted(ctx.signal);
      flush(false);
      const endLine = newlines.lastLineOfRecord(info.bytes);
      const line = startLine(record, endLine);
      lastEnd = info.bytes;
      consumed++;
      const values: string[] = [];
      let bad = -1;
      for (let i = 0; i < record.length; i++) {
        const value = ctx.decoding.decode(record[i]);
        if (value === undefined) {
          bad = i;
          break;
        }
        values.push(value);
      }
      if (header === undefined) {
        if (bad >= 0)
          throw new SmyslError(
            'E_INPUT',
            `the header row cannot be read as ${ctx.decoding.name} (unreadable column names): ${ctx.decoding.describeInvalid(record[bad], 0).message}`,
            { location: { source: path, line } },
          );
        header = values;
        ({ textIdx, idIdx } = chooseColumns(header, columns, path));
        continue;
      }
      if (bad >= 0) {
        const { message } = ctx.decoding.describeInvalid(record[bad], 0);
        ctx.sink.report(
          ctx.decoding.problem,
          path,
          `${message.replace(/ at byte \d+/, '')} in column "${header[bad] ?? bad + 1}"; row skipped`,
          { line },
        );
        continue;
      }
      if (values.length !== header.length && endLine > line) {
        // a quote left open swallows the rows after it: say which lines were lost, not "one row"
        ctx.sink.report(
          'malformed-csv',
          path,
          `a quote opened on line ${line} is not closed until line ${endLine}: ${endLine - line + 1} lines read as one record of ${values.length} columns (the header has ${header.length}); lines ${line}-${endLine} skipped`,
          { line },
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
      const doc: SourcedDocument = { id, text, meta, source: path, line };
      if (ctx.accept(doc)) yield [doc];
    }
    flush(true);
  } catch (e) {
    if (e instanceof SmyslError) throw e;
    const err = e as Error & { code?: string };
    if (err.code === 'ENOENT' || err.code === 'EACCES' || err.code === 'EISDIR')
      throw new SmyslError('E_IO', `cannot read: ${err.message}`, { location: { source: path } });
    flush(true);
    ctx.sink.report('malformed-csv', path, `malformed CSV (${err.message}); rest of the file skipped`, {
      line: newlines.lineAt(lastEnd),
    });
  } finally {
    input.destroy();
    parser.destroy();
  }
  if (header === undefined || consumed === 0) ctx.log.ignore('empty CSV file');
}

async function startsWithBom(path: string): Promise<boolean> {
  let handle: FileHandle | undefined;
  try {
    handle = await open(path, 'r');
    const head = Buffer.alloc(3);
    const { bytesRead } = await handle.read(head, 0, 3, 0);
    return hasBom(head.subarray(0, bytesRead));
  } catch (e) {
    throw new SmyslError('E_IO', `cannot read: ${(e as Error).message}`, { location: { source: path } });
  } finally {
    await handle?.close();
  }
}

/**
 * Line numbers from byte offsets. csv-parse's own line count treats "\r\n" inside a quoted field
 * as two lines, so lines are counted here on the raw bytes it was fed. Queries must not go
 * backwards; chunks behind the cursor are dropped.
 */
class NewlineCounter {
  private readonly chunks: { start: number; bytes: Buffer }[] = [];
  private end: number;
  private cursor: number;
  private newlinesBeforeCursor = 0;
  /** Byte just before the cursor (to know whether an offset sits right after a "\n"). */
  private previousByte = -1;

  constructor(start: number) {
    this.end = start;
    this.cursor = start;
  }

  push(chunk: Buffer): void {
    this.chunks.push({ start: this.end, bytes: chunk });
    this.end += chunk.length;
  }

  /** 1-based line of the byte at `offset`. */
  lineAt(offset: number): number {
    this.advance(offset);
    return this.newlinesBeforeCursor + 1;
  }

  /** Line holding the last content byte of a record that ends (after its delimiter) at `end`. */
  lastLineOfRecord(end: number): number {
    this.advance(end);
    return this.newlinesBeforeCursor + 1 - (this.previousByte === 10 ? 1 : 0);
  }

  private advance(offset: number): void {
    while (this.cursor < offset && this.chunks.length > 0) {
      const c = this.chunks[0];
      const from = this.cursor - c.start;
      const to = Math.min(offset, c.start + c.bytes.length) - c.start;
      let at = c.bytes.indexOf(10, from);
      while (at >= 0 && at < to) {
        this.newlinesBeforeCursor++;
        at = c.bytes.indexOf(10, at + 1);
      }
      this.previousByte = c.bytes[to - 1];
      this.cursor = c.start + to;
      if (to === c.bytes.length) this.chunks.shift();
    }
  }
}

/** The line a record starts on, from the line it ends on and the newlines inside its fields. */
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
