import { promises as fsp } from 'node:fs';
import { parse } from 'csv-parse/sync';
import type { Embedder } from '../embed/types.js';
import { SmyslError } from '../errors.js';
import { rowCosines } from '../vectors/rows.js';

/** One sentence pair with a gold similarity score. */
export interface StsPair {
  a: string;
  b: string;
  score: number;
}

export type StsFormat = 'stsb' | 'sick' | 'csv';

/**
 * Reads a sentence-similarity file:
 * - `stsb`: STS Benchmark TSV (genre, file, year, id, score, s1, s2[, extra]) split on tabs
 *   only (its sentences contain quotes that a CSV parser would misread);
 * - `sick`: SICK TSV with a header (sentence_A, sentence_B, relatedness_score), optionally
 *   restricted to one SemEval_set (TRAIN, TRIAL, TEST);
 * - `csv`: headerless CSV `s1,s2,score` (stsb_multi_mt), RFC 4180 quoting.
 */
export async function readStsPairs(
  file: string,
  format: StsFormat,
  options: { split?: string } = {},
): Promise<StsPair[]> {
  let text: string;
  try {
    text = await fsp.readFile(file, 'utf8');
  } catch (e) {
    throw new SmyslError('E_IO', `cannot read ${file}: ${(e as Error).message}`);
  }
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const pairs: StsPair[] = [];
  const bad = (line: number, why: string) =>
    new SmyslError('E_INPUT', why, { location: { source: file, line } });
  const num = (s: string, line: number) => {
    const v = Number(s);
    if (s === undefined || s.trim() === '' || !Number.isFinite(v))
      throw bad(line, `score is not a number: ${JSON.stringify(s)}`);
    return v;
  };
  if (format === 'stsb') {
    text.split('\n').forEach((l, i) => {
      if (l.trim() === '') return;
      const c = l.replace(/\r$/, '').split('\t');
      if (c.length < 7) throw bad(i + 1, `expected at least 7 tab-separated columns, found ${c.length}`);
      pairs.push({ a: c[5], b: c[6], score: num(c[4], i + 1) });
    });
  } else if (format === 'sick') {
    const lines = text.split('\n');
    const header = lines[0].replace(/\r$/, '').split('\t');
    const col = (name: string) => {
      const i = header.indexOf(name);
      if (i < 0) throw bad(1, `SICK header has no ${name} column`);
      return i;
    };
    const ia = col('sentence_A');
    const ib = col('sentence_B');
    const is = col('relatedness_score');
    const iset = header.indexOf('SemEval_set');
    for (let i = 1; i < lines.length; i++) {
      const l = lines[i].replace(/\r$/, '');
      if (l.trim() === '') continue;
      const c = l.split('\t');
      if (c.length !== header.length)
        throw bad(i + 1, `expected ${header.length} columns, found ${c.length}`);
      if (options.split && iset >= 0 && c[iset].toUpperCase() !== options.split.toUpperCase()) continue;
      pairs.push({ a: c[ia], b: c[ib], score: num(c[is], i + 1) });
    }
  } else {
    const rows = parse(text, { relax_column_count: true, skip_empty_lines: true, info: true }) as unknown as {
      record: string[];
      info: { lines: number };
    }[];
    for (const { record, info } of rows) {
      if (record.length !== 3)
        throw bad(info.lines, `expected 3 columns (s1, s2, score), found ${record.length}`);
      pairs.push({ a: record[0], b: record[1], score: num(record[2], info.lines) });
    }
  }
  if (pairs.length === 0)
    throw new SmyslError('E_INPUT', 'no sentence pairs found', { location: { source: file } });
  return pairs;
}

/** Cosine of each pair's two sentences under the embedder (fit it beforehand if it has a fit step). */
export async function stsCosines(
  embedder: Embedder,
  pairs: readonly { a: string; b: string }[],
): Promise<Float64Array> {
  const a = await embedder.embed(pairs.map((p) => p.a));
  const b = await embedder.embed(pairs.map((p) => p.b));
  return rowCosines(a, b);
}
