import { randomBytes } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { SmyslError } from '../errors.js';

/** Writes a file atomically: a temp file in the same directory, then rename. */
export async function writeFileAtomic(file: string, data: string | Uint8Array): Promise<void> {
  const dir = path.dirname(file);
  await fsp.mkdir(dir, { recursive: true });
  const tmp = path.join(dir, `.${path.basename(file)}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    await fsp.writeFile(tmp, data);
    await fsp.rename(tmp, file);
  } catch (e) {
    await fsp.rm(tmp, { force: true });
    throw new SmyslError('E_IO', `cannot write ${file}: ${(e as Error).message}`, { cause: e });
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
