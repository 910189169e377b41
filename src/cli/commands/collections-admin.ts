import type { Command } from 'commander';
import { Collection } from '../../store/collection.js';
import { printJson, warn } from '../output.js';
import { collectionDir } from './collection-paths.js';

/** `smysl collections …`: looking after collections as a whole. */
export function register(program: Command): void {
  const collections = program.command('collections').description('look after collections (repair)');
  collections
    .command('repair')
    .description(
      "rebuild what can be derived from the collection database: the manifest, missing or damaged vectors (re-embedded with the collection's own embedder), the search graph and the lexical index",
    )
    .option('--collection <name>', 'collection name (.smysl/<name>) or directory', 'default')
    .option('--json', 'print the report as JSON', false)
    .option('--quiet', 'no warnings', false)
    .action(async (o) => {
      const dir = collectionDir(o.collection);
      const report = await Collection.repair(dir, { onWarning: o.quiet ? undefined : warn });
      if (o.json) printJson({ collection: dir, ...report });
      else
        process.stdout.write(
          `${dir}: ${report.manifestRestored ? 'manifest restored; ' : ''}${report.vectorsReembedded} vector(s) re-embedded; ` +
            `${report.graphRebuilt ? 'search graph rebuilt; ' : ''}lexical index rebuilt; database ${report.integrity}\n`,
        );
    });
}
