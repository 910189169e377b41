import { createReadStream } from 'node:fs';
import { access } from 'node:fs/promises';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { SmyslError } from '../errors.js';

export interface BeirDocument {
  id: string;
  title: string;
  text: string;
}

export interface BeirQuery {
  id: string;
  text: string;
}

/** Judged relevance: query id → (document id → grade). Grades <= 0 mean "not relevant". */
export type Qrels = Map<string, Map<string, number>>;

export interface BeirCollection {
  corpus: BeirDocument[];
  queries: BeirQuery[];
  qrels: Qrels;
}

/**
 * Reads a BEIR-format collection: `corpus.jsonl` ({_id, title, text}), `queries.jsonl`
 * ({_id, text}) and `qrels/<split>.tsv` (header line, then query-id, corpus-id, score).
 * Problems are errors naming file and line; nothing is dropped silently.
 */
export async function readBeir(dir: string, split = 'test'): Promise<BeirCollection> {
  const corpusFile = path.join(dir, 'corpus.jsonl');
  const queriesFile = path.join(dir, 'queries.jsonl');
  const qrelsFile = path.join(dir, 'qrels', `${split}.tsv`);
  for (const f of [corpusFile, queriesFile, qrelsFile]) {
    try {
      await access(f);
    } catch {
      throw new SmyslError('E_IO', `BEIR collection file not found: ${f}`);
    }
  }
  const corpus: BeirDocument[] = [];
  const seenDocs = new Set<string>();
  for await (const { line, value } of jsonLines(corpusFile)) {
    const o = value as { _id?: unknown; title?: unknown; text?: unknown };
    const id = idOf(o._id, corpusFile, line);
    if (seenDocs.has(id)) throw inputError(corpusFile, line, `duplicate document id "${id}"`);
    seenDocs.add(id);
    if (o.text !== undefined && typeof o.text !== 'string')
      throw inputError(corpusFile, line, '"text" is not a string');
    if (o.title !== undefined && o.title !== null && typeof o.title !== 'string')
      throw inputError(corpusFile, line, '"title" is not a string');
    corpus.push({
      id,
      title: (o.title as string | undefined) ?? '',
      text: (o.text as string | undefined) ?? '',
    });
  }
  const queries: BeirQuery[] = [];
  const seenQueries = new Set<string>();
  for await (const { line, value } of jsonLines(queriesFile)) {
    const o = value as { _id?: unknown; text?: unknown };
    const id = idOf(o._id, queriesFile, line);
    if (seenQueries.has(id)) throw inputError(queriesFile, line, `duplicate query id "${id}"`);
    seenQueries.add(id);
    if (typeof o.text !== 'string') throw inputError(queriesFile, line, '"text" is missing or not a string');
    queries.push({ id, text: o.text });
  }
  const qrels: Qrels = new Map();
  let lineNo = 0;
  for await (const raw of lines(qrelsFile)) {
    lineNo++;
    const s = raw.trim();
    if (s === '') continue;
    const parts = s.split('\t');
    if (lineNo === 1 && !/^-?\d+$/.test(parts[2] ?? '')) continue; // header
    if (parts.length < 3) throw inputError(qrelsFile, lineNo, 'expected query-id, corpus-id and score');
    const [qid, did, grade] = parts;
    const g = Number(grade);
    if (!Number.isFinite(g)) throw inputError(qrelsFile, lineNo, `score "${grade}" is not a number`);
    if (!seenQueries.has(qid)) throw inputError(qrelsFile, lineNo, `unknown query id "${qid}"`);
    if (!seenDocs.has(did)) throw inputError(qrelsFile, lineNo, `unknown document id "${did}"`);
    let m = qrels.get(qid);
    if (!m) qrels.set(qid, (m = new Map()));
    m.set(did, g);
  }
  return { corpus, queries, qrels };
}

function inputError(file: string, line: number, reason: string): SmyslError {
  return new SmyslError('E_INPUT', reason, { location: { source: file, line } });
}

function idOf(v: unknown, file: string, line: number): string {
  if (typeof v === 'string' && v !== '') return v;
  if (typeof v === 'number') return String(v);
  throw inputError(file, line, '"_id" is missing');
}

async function* lines(file: string): AsyncGenerator<string> {
  const rl = createInterface({
    input: createReadStream(file, { encoding: 'utf8' }),
    crlfDelay: Number.POSITIVE_INFINITY,
  });
  for await (const l of rl) yield l;
}

async function* jsonLines(file: string): AsyncGenerator<{ line: number; value: unknown }> {
  let line = 0;
  for await (const l of lines(file)) {
    line++;
    if (l.trim() === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(l);
    } catch (e) {
      throw inputError(file, line, `invalid JSON: ${(e as Error).message}`);
    }
    if (value === null || typeof value !== 'object') throw inputError(file, line, 'expected a JSON object');
    yield { line, value };
  }
}
