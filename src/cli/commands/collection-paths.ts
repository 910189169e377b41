import path from 'node:path';

/** `--collection name` → .smysl/<name>; anything that looks like a path is used as given. */
export function collectionDir(name: string): string {
  if (name.includes('/') || name.includes(path.sep) || name.startsWith('.')) return name;
  return path.join('.smysl', name);
}
