/**
 * Text-pair files for training encoders: CSV (RFC 4180 quoting) or TSV (tab-separated, no
 * quoting), without a header, two text columns and an optional numeric score column:
 *   text_a, text_b            translations (distillation) or positive pairs (in-batch negatives)
 *   text_a, text_b, score     scored pairs (CoSENT), e.g. stsb_multi_mt's files
 * A first row whose score column is not a number is taken for a header and skipped.
 */
import { promises as fsp } from 'node:fs';
import { parse } from 'csv-parse/sync';
import { SmyslError } from '../errors.js';

export interface TextPairs {
  a: string[];
  b: string[];
  /** Present when the file has a third, numeric column. */
  scores?: number[];
}

export async function readPairFile(file: string): Promise<TextPairs> {
  let text: string;
  try {
    text = await fsp.readFile(file, 'utf8');
  } catch (e) {
    throw new SmyslError('E_IO', `cannot read ${file}: ${(e as Error).message}`, { cause: e });
  }
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const firstLine = text.slice(0, text.indexOf('\n') >>> 0);
  const tab = /\.tsv$/i.test(file) || firstLine.includes('\t');
  let rows: { record: string[]; info: { lines: number } }[];
  if (tab) {
    rows = [];
    text.split('\n').forEach((line, i) => {
      const l = line.replace(/\r$/, '');
      if (l.trim() !== '') rows.push({ record: l.split('\t'), info: { lines: i + 1 } });
    });
  } else {
    try {
      rows = parse(text, {
        relax_column_count: true,
        skip_empty_lines: true,
        info: true,
      }) as unknown as typeof rows;
    } catch (e) {
      throw new SmyslError('E_FORMAT', `${file}: ${(e as Error).message}`);
    }
  }
  if (rows.length === 0)
    throw new SmyslError('E_INPUT', 'no text pairs found', { location: { source: file } });
  const columns = rows[0].record.length;
  if (columns !== 2 && columns !== 3)
    throw new SmyslError(
      'E_INPUT',
      `expected 2 columns (text, text) or 3 (text, text, score), found ${columns}`,
      {
        location: { source: file, line: rows[0].info.lines },
      },
    );
  const isNumber = (s: string | undefined) =>
    s !== undefined && s.trim() !== '' && Number.isFinite(Number(s));
  if (columns === 3 && !isNumber(rows[0].record[2])) rows.shift();
  const out: TextPairs = { a: [], b: [], scores: columns === 3 ? [] : undefined };
  for (const { record, info } of rows) {
    if (record.length !== columns)
      throw new SmyslError(
        'E_INPUT',
        `expected ${columns} columns like the first row, found ${record.length}`,
        {
          location: { source: file, line: info.lines },
        },
      );
    if (columns === 3 && !isNumber(record[2]))
      throw new SmyslError('E_INPUT', `score is not a number: ${JSON.stringify(record[2])}`, {
        location: { source: file, line: info.lines },
      });
    out.a.push(record[0]);
    out.b.push(record[1]);
    out.scores?.push(Number(record[2]));
  }
  return out;
}
