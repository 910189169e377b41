import { promises as fsp } from 'node:fs';
import path from 'node:path';
import type { Document } from '../../corpus/types.js';
import { SmyslError } from '../../errors.js';

/** `--collection name` → .smysl/<name>; anything that looks like a path is used as given. */
export function collectionDir(name: string): string {
  if (name.includes('/') || name.includes(path.sep) || name.startsWith('.')) return name;
  return path.join('.smysl', name);
}
