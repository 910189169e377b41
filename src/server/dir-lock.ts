import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { SmyslError } from '../errors.js';
import { writeFileAtomic } from '../util/fs.js';

const LOCK = '.serve.lock';
const OWNER = '.serve.json';

/** The lock one server holds on its collections directory; `release` is idempotent. */
export interface DirectoryLock {
  readonly dir: string;
  /** Records where the holder listens, for the message a second server prints. */
  describe(url: string): Promise<void>;
  release(): void;
}

/**
 * Takes the "one server per directory" lock: an exclusive SQLite lock on `<dir>/.serve.lock`,
 * held for the server's lifetime. The operating system drops it when the process ends however
 * it ends (kill -9 included), so there is no stale lock to clean up and no PID to trust; it
 * works between processes and between two servers in one process.
 */
export function lockDirectory(dir: string): DirectoryLock {
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, LOCK);
  const db = new Database(file, { timeout: 0 });
  try {
    db.pragma('locking_mode = EXCLUSIVE');
    db.exec('BEGIN EXCLUSIVE');
  } catch (e) {
    db.close();
    if ((e as { code?: string }).code !== 'SQLITE_BUSY') throw e;
    let holder = '';
    try {
      const owner = JSON.parse(readFileSync(path.join(dir, OWNER), 'utf8')) as { pid: number; url?: string };
      holder = ` (process ${owner.pid}${owner.url ? `, ${owner.url}` : ''})`;
    } catch {
      // no owner file yet: the holder is still starting
    }
    throw new SmyslError(
      'E_STATE',
      `another smysl server${holder} is already serving ${path.resolve(dir)}; stop it first, or serve another --dir`,
    );
  }
  let released = false;
  return {
    dir,
    describe: (url) =>
      writeFileAtomic(
        path.join(dir, OWNER),
        JSON.stringify({ pid: process.pid, url, started: new Date().toISOString() }),
      ),
    release() {
      if (released) return;
      released = true;
      rmSync(path.join(dir, OWNER), { force: true });
      db.exec('ROLLBACK');
      db.close();
    },
  };
}
