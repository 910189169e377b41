import { promises as fsp } from 'node:fs';
import path from 'node:path';
import type { Document } from '../../corpus/types.js';
import { SmyslError } from '../../errors.js';

/** `--collection name` → .smysl/<name>; anything that looks like a path is used as given. */
export function collectionDir(name: string): string {
  if (name.includes('/') || name.includes(path.sep) || name.startsWith('.')) return name;
  return path.join('.smysl', name);
}

/**
 * Stopgap reader until the corpus stage's readers are wired in: a directory of .txt/.md files
 * (id = relative path, title = first line), a .jsonl file ({"id","text", other fields → meta}),
 * or a single text file (one document).
 */
export async function* readDocuments(source: string): AsyncGenerator<Document> {
  const stat = await fsp.stat(source).catch(() => {
    throw new SmyslError('E_INPUT', `cannot read ${source}: no such file or directory`);
  });
  if (stat.isDirectory()) {
    const files = (await fsp.readdir(source, { recursive: true }))
      .map(String)
      .filter((f) => /\.(txt|md)$/i.test(f))
      .sort();
    for (const f of files) {
      const text = await fsp.readFile(path.join(source, f), 'utf8');
      const title = text.split('\n').find((l) => l.trim() !== '') ?? '';
      yield {
        id: f.split(path.sep).join('/'),
        text,
        meta: {
          title: title
            .replace(/^#+\s*/, '')
            .trim()
            .slice(0, 200),
        },
      };
    }
    return;
  }
  const text = await fsp.readFile(source, 'utf8');
  if (!source.endsWith('.jsonl')) {
    yield { id: path.basename(source), text, meta: {} };
    return;
  }
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim();
    if (line === '') continue;
    let record: Record<string, unknown>;
    try {
      record = JSON.parse(line);
    } catch (e) {
      throw new SmyslError('E_INPUT', `invalid JSON: ${(e as Error).message}`, {
        location: { source, line: i + 1 },
      });
    }
    const { id, _id, text: body, ...meta } = record;
    const docId = id ?? _id ?? String(i + 1);
    if (typeof body !== 'string')
      throw new SmyslError('E_INPUT', 'record has no "text" string', { location: { source, line: i + 1 } });
    yield { id: String(docId), text: body, meta };
  }
}
