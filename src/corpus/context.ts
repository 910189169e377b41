import { jsonDepth, MAX_META_DEPTH } from '../util/json.js';
import type { TextDecoding } from './encoding.js';
import type { ProblemLog, ProblemSink } from './problems.js';
import type { ProblemKind } from './types.js';

/** A document as a reader produced it, with where it came from (for problem reports). */
export interface SourcedDocument {
  id: string;
  text: string;
  meta: Record<string, unknown>;
  source: string;
  line?: number;
  offset?: number;
  /** The text is the file's own characters from `line` on (see DocumentSource). */
  verbatim?: boolean;
}

/** What every format reader gets from `readDocuments`. */
export interface ReaderContext {
  sink: ProblemSink;
  log: ProblemLog;
  signal?: AbortSignal;
  /** How bytes become text (UTF-8 unless the user named an encoding). */
  decoding: TextDecoding;
  /** Reports bytes read so far in this reader (and the total when it becomes known). */
  progress(done: number, total?: number): void;
  /**
   * The checks every format shares (empty text, repeated id, metadata filters), run where the
   * document is made so problems are reported in input order. False: leave it out.
   */
  accept(doc: SourcedDocument): boolean;
}

/** Field/column choices shared by the record-shaped formats (JSONL, JSON, CSV/TSV). */
export interface RecordFields {
  textField: string;
  /** Explicit id field; when undefined, `id` then `_id` are tried. */
  idField?: string;
  titleField?: string;
}

/** A record's document, or why it has none (`kind` when it is not the reader's default). */
export type RecordResult = { doc: SourcedDocument } | { problem: string; kind?: ProblemKind };

function idValue(v: unknown): string | undefined {
  if (typeof v === 'string' && v !== '') return v;
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  return undefined;
}

/**
 * Turns one parsed record into a document: text from `textField` (title first when asked),
 * id from the id field or the fallback, every other field into meta.
 */
export function recordToDocument(
  record: unknown,
  fields: RecordFields,
  fallbackId: string,
  where: { source: string; line?: number; offset?: number },
): RecordResult {
  if (typeof record === 'string') return { doc: { id: fallbackId, text: record, meta: {}, ...where } };
  if (record === null || typeof record !== 'object' || Array.isArray(record))
    return { problem: `expected a JSON object, got ${Array.isArray(record) ? 'an array' : typeof record}` };
  const obj = record as Record<string, unknown>;
  const body = obj[fields.textField];
  if (typeof body !== 'string') {
    const keys = Object.keys(obj).slice(0, 8).join(', ');
    return {
      problem:
        body === undefined
          ? `no "${fields.textField}" field (fields: ${keys || 'none'})`
          : `"${fields.textField}" is ${body === null ? 'null' : typeof body}, not a string`,
    };
  }
  let text = body;
  if (fields.titleField !== undefined) {
    const title = obj[fields.titleField];
    if (typeof title === 'string' && title.trim() !== '') text = body === '' ? title : `${title}\n\n${body}`;
  }
  let idKey: string | undefined;
  let id: string | undefined;
  for (const k of fields.idField !== undefined ? [fields.idField] : ['id', '_id']) {
    id = idValue(obj[k]);
    if (id !== undefined) {
      idKey = k;
      break;
    }
  }
  const meta: Record<string, unknown> = {};
  for (const k in obj) if (k !== fields.textField && k !== idKey) meta[k] = obj[k];
  if (jsonDepth(meta) > MAX_META_DEPTH)
    return { problem: `metadata nested more than ${MAX_META_DEPTH} levels deep`, kind: 'malformed-json' };
  return { doc: { id: id ?? fallbackId, text, meta, ...where } };
}
