import { randomBytes } from 'node:crypto';
import { promises as fsp, writeSync } from 'node:fs';
import path from 'node:path';
import { SmyslError } from '../errors.js';

/** Error codes that mean the file system (or a size limit) has no room for what we write. */
const NO_SPACE = new Set(['ENOSPC', 'EFBIG', 'EDQUOT']);

/**
 * An E_IO error for a failed write that says what a person must know: "disk full" with the path
 * when there is no room, the system's reason otherwise.
 */
export function writeError(file: string, e: unknown): SmyslError {
  if (e instanceof SmyslError) return e;
  const code = (e as NodeJS.ErrnoException)?.code ?? '';
  // SQLite reports ENOSPC as SQLITE_FULL, and EFBIG (a file size limit) as a write I/O error
  if (code === 'SQLITE_IOERR_WRITE')
    return new SmyslError(
      'E_IO',
      `disk full or I/O error: cannot write ${file}; free some space and run the command again — what was committed before is kept`,
      { cause: e },
    );
  if (NO_SPACE.has(code) || code === 'SQLITE_FULL')
    return new SmyslError(
      'E_IO',
      `disk full: cannot write ${file} (${code === 'EFBIG' ? 'file size limit reached' : 'no space left'}); free some space and run the command again — what was committed before is kept`,
      { cause: e },
    );
  return new SmyslError('E_IO', `cannot write ${file}: ${(e as Error).message}`, { cause: e });
}

/**
 * Writes all of `bytes` at `position` (or the current offset): a short write is continued, and
 * an error becomes writeError(file).
 */
export function writeFully(fd: number, bytes: Uint8Array, file: string, position?: number): void {
  let done = 0;
  try {
    while (done < bytes.byteLength) {
      const n = writeSync(
        fd,
        bytes,
        done,
        bytes.byteLength - done,
        position === undefined ? null : position + done,
      );
      if (n <= 0) throw Object.assign(new Error('no progress writing'), { code: 'ENOSPC' });
      done += n;
    }
  } catch (e) {
    throw writeError(file, e);
  }
}

/** Writes a file atomically and durably: a temp file in the same directory, fsync, then rename. */
export async function writeFileAtomic(file: string, data: string | Uint8Array): Promise<void> {
  const dir = path.dirname(file);
  await fsp.mkdir(dir, { recursive: true });
  const tmp = path.join(dir, `.${path.basename(file)}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    const handle = await fsp.open(tmp, 'w');
    try {
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await fsp.rename(tmp, file);
  } catch (e) {
    await fsp.rm(tmp, { force: true });
    throw writeError(file, e);
  }
}

export async function readJsonFile<T = unknown>(file: string): Promise<T> {
  let text: string;
  try {
    text = await fsp.readFile(file, 'utf8');
  } catch (e) {
    throw new SmyslError('E_IO', `cannot read ${file}: ${(e as Error).message}`, { cause: e });
  }
  try {
    return JSON.parse(text) as T;
  } catch (e) {
    throw new SmyslError('E_FORMAT', `invalid JSON: ${(e as Error).message}`, { location: { source: file } });
  }
}

/** The user's cache directory for smysl: $XDG_CACHE_HOME/smysl or ~/.cache/smysl. */
export function cacheDir(): string {
  const base = process.env.XDG_CACHE_HOME || path.join(process.env.HOME || '.', '.cache');
  return path.join(base, 'smysl');
}
