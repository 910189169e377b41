import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { SmyslError } from '../errors.js';
import { hasBom, lineAtOffset } from './bytes.js';
import { type ReaderContext, type RecordFields, recordToDocument, type SourcedDocument } from './context.js';

/**
 * A JSON file holding an array of documents, either at the top or inside an object at
 * `jsonPath` ("documents", "data.items"); without a path, an object with exactly one
 * array-valued key is taken to hold the documents. The file is parsed whole: use JSON Lines for
 * inputs that do not fit in memory.
 */
export async function* readJsonFile(
  path: string,
  fields: RecordFields,
  jsonPath: string | undefined,
  ctx: ReaderContext,
): AsyncGenerator<SourcedDocument[]> {
  let buf = await readFile(path);
  ctx.progress(buf.length, buf.length);
  if (ctx.decoding.utf8 && hasBom(buf)) buf = buf.subarray(3);
  const text = ctx.decoding.decode(buf);
  if (text === undefined) {
    const { message, at } = ctx.decoding.describeInvalid(buf, 0);
    ctx.sink.report(ctx.decoding.problem, path, `${message}; file skipped`, {
      line: lineAtOffset(buf, at),
      offset: at,
    });
    return;
  }
  let root: unknown;
  try {
    root = JSON.parse(text);
  } catch (e) {
    const message = (e as Error).message;
    const pos = /position (\d+)/.exec(message);
    const where = pos ? { line: lineAtOffset(Buffer.from(text.slice(0, Number(pos[1]))), Infinity) } : {};
    ctx.sink.report('malformed-json', path, `malformed JSON (${message}); file skipped`, where);
    return;
  }
  const { items, at } = locateArray(root, jsonPath, path);
  const base = basename(path);
  let out: SourcedDocument[] = [];
  for (let i = 0; i < items.length; i++) {
    const r = recordToDocument(items[i], fields, `${base}[${i}]`, { source: path });
    if ('problem' in r) {
      const v = items[i];
      try {
        ctx.sink.report(
          r.kind ??
            (typeof v === 'object' && v !== null && !Array.isArray(v) ? 'missing-text' : 'malformed-json'),
          path,
          `${at}[${i}]: ${r.problem}; item skipped`,
        );
      } catch (e) {
        if (out.length > 0) yield out;
        throw e;
      }
      continue;
    }
    if (ctx.accept(r.doc)) out.push(r.doc);
    if (out.length === 1024) {
      yield out;
      out = [];
    }
  }
  if (out.length > 0) yield out;
}

function locateArray(
  root: unknown,
  jsonPath: string | undefined,
  path: string,
): { items: unknown[]; at: string } {
  if (jsonPath !== undefined && jsonPath !== '' && jsonPath !== '.') {
    let cur: unknown = root;
    for (const part of jsonPath.split('.')) {
      if (cur === null || typeof cur !== 'object' || Array.isArray(cur) || !(part in cur))
        throw new SmyslError('E_USAGE', `no "${jsonPath}" in the JSON (missing "${part}")`, {
          location: { source: path },
        });
      cur = (cur as Record<string, unknown>)[part];
    }
    if (!Array.isArray(cur))
      throw new SmyslError('E_USAGE', `"${jsonPath}" is not an array of documents`, {
        location: { source: path },
      });
    return { items: cur, at: jsonPath };
  }
  if (Array.isArray(root)) return { items: root, at: '' };
  if (root !== null && typeof root === 'object') {
    const arrays = Object.entries(root).filter(([, v]) => Array.isArray(v));
    if (arrays.length === 1) return { items: arrays[0][1] as unknown[], at: arrays[0][0] };
    const hint =
      arrays.length === 0
        ? 'it holds no array'
        : `it holds several arrays (${arrays.map(([k]) => k).join(', ')})`;
    throw new SmyslError('E_USAGE', `cannot tell where the documents are: ${hint}; pass --json-path`, {
      location: { source: path },
    });
  }
  throw new SmyslError('E_USAGE', 'the JSON is neither an array nor an object', {
    location: { source: path },
  });
}
