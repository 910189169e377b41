import type { Command } from 'commander';
import { register as registerCollectionsAdmin } from './collections-admin.js';
import { register as registerCompact } from './compact.js';
import { register as registerIndexDocuments } from './index-documents.js';
import { register as registerSearch } from './search.js';

/** The index/store stage's commands: index, search, compact. */
export function register(program: Command): void {
  registerIndexDocuments(program);
  registerSearch(program);
  registerCompact(program);
  registerCollectionsAdmin(program);
}
