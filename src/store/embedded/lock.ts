import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import type Database from 'better-sqlite3';
import { SmyslError } from '../../errors.js';

// required rather than imported: Node scans a CommonJS package imported as an ES module for
// its export names, time every command that opens a collection would pay
const Sqlite = createRequire(import.meta.url)('better-sqlite3') as typeof Database;

const LOCK_DATABASE = 'writer.lock.sqlite';
const HOLDER = 'writer.lock.json';
/** The lock file of smysl 0.1.0 (a PID in a text file), no longer used. */
const LEGACY_LOCK = 'writer.lock';

/**
 * One writer per collection, held as an exclusive SQLite lock on a small file beside the
 * collection. The kernel releases it when the holder exits, however it exits, so a lock is never
 * stale and no PID has to be trusted (a PID can be reused, and in a container every smysl may be
 * PID 1). Readers never take it. `writer.lock.json` only names the holder in error messages.
 */
export class WriterLock {
  private constructor(
    private readonly dir: string,
    private readonly db: Database.Database,
  ) {}

  static acquire(dir: string): WriterLock {
    removeLegacyLock(dir);
    const file = path.join(dir, LOCK_DATABASE);
    let db: Database.Database;
    try {
      db = new Sqlite(file, { timeout: 0 });
    } catch (e) {
      throw new SmyslError(
        'E_COLLECTION',
        `cannot open the writer lock ${file} (${(e as Error).message}: a read-only file system, or no permission); searching it read-only works`,
      );
    }
    try {
      db.exec('BEGIN EXCLUSIVE');
    } catch (e) {
      db.close();
      const code = (e as { code?: string }).code ?? '';
      if (!code.startsWith('SQLITE_BUSY') && code !== 'SQLITE_LOCKED') throw e;
      // the holder writes its name just after it takes the lock: give it a moment
      let holder = readHolder(dir);
      for (let i = 0; i < 20 && holder === undefined; i++) {
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10);
        holder = readHolder(dir);
      }
      const who =
        holder === undefined
          ? 'another process'
          : holder.pid === process.pid && holder.host === os.hostname()
            ? `process ${holder.pid} (this process: close it first)`
            : `process ${holder.pid}${holder.host === os.hostname() ? '' : ` on ${holder.host}`} (${holder.command}, since ${holder.since})`;
      throw new SmyslError(
        'E_COLLECTION',
        `collection ${dir} is being written by ${who}; wait for it, or open it read-only`,
      );
    }
    const info = {
      pid: process.pid,
      host: os.hostname(),
      command: process.argv
        .slice(1, 4)
        .map((a) => path.basename(a))
        .join(' '),
      since: new Date().toISOString(),
    };
    try {
      const tmp = path.join(dir, `${HOLDER}.${process.pid}.tmp`);
      writeFileSync(tmp, JSON.stringify(info));
      renameSync(tmp, path.join(dir, HOLDER));
    } catch {
      // the name of the holder is a courtesy; the lock itself is held
    }
    return new WriterLock(dir, db);
  }

  release(): void {
    if (!this.db.open) return;
    rmSync(path.join(this.dir, HOLDER), { force: true });
    this.db.exec('ROLLBACK');
    this.db.close();
  }
}

function readHolder(dir: string): { pid: number; host: string; command: string; since: string } | undefined {
  try {
    return JSON.parse(readFileSync(path.join(dir, HOLDER), 'utf8'));
  } catch {
    return undefined;
  }
}

/** smysl 0.1.0 kept a PID in `writer.lock`; that scheme raced and trusted reused PIDs. */
function removeLegacyLock(dir: string): void {
  rmSync(path.join(dir, LEGACY_LOCK), { force: true });
}
