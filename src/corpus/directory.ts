import type { Dirent } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { throwIfAborted } from '../errors.js';
import { hasBom, lineAtOffset, looksBinary } from './bytes.js';
import type { ReaderContext, SourcedDocument } from './context.js';
import { guessEncoding } from './encoding.js';

export const DEFAULT_EXTENSIONS = ['.txt', '.md'];

/** Bytes looked at to decide that a file is binary. */
const HEAD_BYTES = 8192;

interface FoundFile {
  relative: string;
  absolute: string;
  size: number;
}

/**
 * A directory tree of text files, one file = one document. Ids are relative paths with "/";
 * files are visited in sorted id order, so every run (and every machine) sees the same order.
 * Hidden entries and other extensions are passed over and counted.
 */
export async function* readDirectory(
  root: string,
  extensions: readonly string[],
  ctx: ReaderContext,
): AsyncGenerator<SourcedDocument[]> {
  const allowed = new Set(extensions.map((e) => (e.startsWith('.') ? e : `.${e}`).toLowerCase()));
  const files: FoundFile[] = [];
  await walk(root, '', allowed, files, ctx);
  files.sort((a, b) => (a.relative < b.relative ? -1 : a.relative > b.relative ? 1 : 0));
  const total = files.reduce((s, f) => s + f.size, 0);
  let done = 0;
  ctx.progress(0, total);
  for (const f of files) {
    throwIfAborted(ctx.signal);
    let buf: Buffer;
    try {
      buf = await readFile(f.absolute);
    } catch (e) {
      ctx.sink.report('unreadable-file', f.absolute, `cannot read (${(e as Error).message}); file skipped`);
      continue;
    }
    done += f.size;
    ctx.progress(done, total);
    const head = buf.subarray(0, HEAD_BYTES);
    // text in a legacy encoding is not binary: it is reported below, with the encoding it fits
    if (ctx.decoding.utf8 ? looksBinary(head) && !guessEncoding(head) : head.indexOf(0) >= 0) {
      ctx.sink.report(
        'binary-file',
        f.absolute,
        'looks binary (NUL byte or invalid UTF-8 at the start); file skipped',
      );
      continue;
    }
    const body = ctx.decoding.utf8 && hasBom(buf) ? buf.subarray(3) : buf;
    const text = ctx.decoding.decode(body);
    if (text === undefined) {
      const { message, at } = ctx.decoding.describeInvalid(body, body === buf ? 0 : 3);
      ctx.sink.report(ctx.decoding.problem, f.absolute, `${message}; file skipped`, {
        line: lineAtOffset(buf, at),
        offset: at,
      });
      continue;
    }
    const slash = f.relative.indexOf('/');
    const doc: SourcedDocument = {
      id: f.relative,
      text,
      meta: { path: f.relative, dir: slash < 0 ? '' : f.relative.slice(0, slash) },
      source: f.absolute,
      verbatim: true,
    };
    if (ctx.accept(doc)) yield [doc];
  }
}

async function walk(
  absolute: string,
  relative: string,
  allowed: Set<string>,
  out: FoundFile[],
  ctx: ReaderContext,
): Promise<void> {
  let entries: Dirent[];
  try {
    entries = await readdir(absolute, { withFileTypes: true });
  } catch (e) {
    ctx.sink.report('unreadable-file', absolute, `cannot list directory (${(e as Error).message}); skipped`);
    return;
  }
  for (const entry of entries) {
    const name = entry.name;
    const abs = join(absolute, name);
    const rel = relative === '' ? name : `${relative}/${name}`;
    if (name.startsWith('.')) {
      ctx.log.ignore('hidden file or folder');
      continue;
    }
    let isDir = entry.isDirectory();
    let isFile = entry.isFile();
    if (entry.isSymbolicLink()) {
      // links to files are followed; links to folders are not, so a cycle cannot trap the walk
      const target = await stat(abs).catch(() => undefined);
      isFile = target?.isFile() ?? false;
      isDir = false;
      if (target?.isDirectory()) ctx.log.ignore('symbolic link to a folder');
      else if (!target) ctx.log.ignore('broken symbolic link');
    }
    if (isDir) {
      await walk(abs, rel, allowed, out, ctx);
    } else if (isFile) {
      const ext = extname(name).toLowerCase();
      if (!allowed.has(ext)) {
        ctx.log.ignore(ext === '' ? 'file without extension' : `extension ${ext}`);
        continue;
      }
      const size = (await stat(abs).catch(() => undefined))?.size ?? 0;
      out.push({ relative: rel, absolute: abs, size });
    }
  }
}
