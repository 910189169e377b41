import { basename } from 'node:path';
import { readLineBatches } from './bytes.js';
import { type ReaderContext, type RecordFields, recordToDocument, type SourcedDocument } from './context.js';

/** JSON Lines: one object per line; blank lines are ignored (and counted). Yields batches. */
export async function* readJsonLines(
  path: string,
  fields: RecordFields,
  ctx: ReaderContext,
): AsyncGenerator<SourcedDocument[]> {
  const base = basename(path);
  let blank = 0;
  for await (const batch of readLineBatches(path, { signal: ctx.signal, onBytes: (n) => ctx.progress(n) })) {
    const out: SourcedDocument[] = [];
    try {
      for (const { bytes, line, offset } of batch) {
        const text = ctx.decoding.decode(bytes);
        if (text === undefined) {
          const { message, at } = ctx.decoding.describeInvalid(bytes, offset);
          ctx.sink.report(ctx.decoding.problem, path, `${message}; line skipped`, { line, offset: at });
          continue;
        }
        if (!/\S/.test(text)) {
          blank++;
          continue;
        }
        let value: unknown;
        try {
          value = JSON.parse(text);
        } catch (e) {
          ctx.sink.report('malformed-json', path, `malformed JSON (${(e as Error).message}); line skipped`, {
            line,
            offset,
          });
          continue;
        }
        const r = recordToDocument(value, fields, `${base}:${line}`, { source: path, line, offset });
        if ('problem' in r) {
          const isObject = typeof value === 'object' && value !== null && !Array.isArray(value);
          ctx.sink.report(
            r.kind ?? (isObject ? 'missing-text' : 'malformed-json'),
            path,
            `${r.problem}; line skipped`,
            {
              line,
              offset,
            },
          );
          continue;
        }
        if (ctx.accept(r.doc)) out.push(r.doc);
      }
    } catch (e) {
      // strict mode: documents before the fatal line are still delivered, in order
      if (out.length > 0) yield out;
      throw e;
    }
    if (out.length > 0) yield out;
  }
  if (blank > 0) ctx.log.ignore('blank line', blank);
}
