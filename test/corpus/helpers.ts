import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after } from 'node:test';
import {
  type Document,
  type InputProblem,
  ProblemLog,
  type ReadOptions,
  readDocuments,
} from '../../src/corpus/index.js';

/** A temp folder for this test file, removed when the file's tests end. */
export function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'smysl-corpus-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Writes files (string or bytes) under `root`, creating folders. */
export function writeFiles(root: string, files: Record<string, string | Uint8Array>): void {
  for (const [rel, content] of Object.entries(files)) {
    const p = join(root, rel);
    mkdirSync(dirname(p), { recursive: true });
    writeFileSync(p, content);
  }
}

export async function readAll(
  path: string,
  options: ReadOptions = {},
): Promise<{ docs: Document[]; log: ProblemLog; problems: InputProblem[] }> {
  const log = new ProblemLog(100);
  const problems: InputProblem[] = [];
  const docs: Document[] = [];
  for await (const d of readDocuments(path, {
    ...options,
    problems: log,
    onProblem: (p) => problems.push(p),
  }))
    docs.push(d);
  return { docs, log, problems };
}

export const BOM = '\ufeff';
