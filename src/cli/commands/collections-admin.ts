import path from 'node:path';
import type { Command } from 'commander';
import { SmyslError } from '../../errors.js';
import { Collection } from '../../store/collection.js';
import { redact } from '../../store/postgres/location.js';
import { copyCollection } from '../../store/postgres/transfer.js';
import { addOutputFlags, parseIntOption } from '../options.js';
import { printJson, warn } from '../output.js';
import { ProgressBar } from '../progress.js';
import { collectionLocation, storeOf, storeOption } from './collection-paths.js';

/** A collection's plain name: the last part of a path, or the name itself. */
function plainName(name: string): string {
  return path.basename(path.resolve(name));
}

/** `smysl collections …`: looking after collections as a whole. */
export function register(program: Command): void {
  const collections = program
    .command('collections')
    .description('look after collections as a whole: repair, export and import between stores');
  collections
    .command('repair')
    .description(
      "rebuild what can be derived from the collection database: the manifest, missing or damaged vectors (re-embedded with the collection's own embedder), the search graph and the lexical index",
    )
    .argument('<collection>', 'collection name (.smysl/<name>) or directory')
    .addOption(storeOption())
    .option('--json', 'print the report as JSON', false)
    .option('--quiet', 'no warnings', false)
    .action(async (name: string, o) => {
      const dir = collectionLocation(name, storeOf(o.store));
      const report = await Collection.repair(dir, { onWarning: o.quiet ? undefined : warn });
      if (o.json) printJson({ collection: redact(dir), ...report });
      else
        process.stdout.write(
          `${redact(dir)}: ${report.manifestRestored ? 'manifest restored; ' : ''}${report.vectorsReembedded} vector(s) re-embedded; ` +
            `${report.graphRebuilt ? 'search graph rebuilt; ' : ''}lexical index rebuilt; database ${report.integrity}\n`,
        );
    });

  const copy = async (
    source: string,
    target: string,
    o: { quiet?: boolean; json?: boolean; batchSize: number },
  ) => {
    if (source === target) throw new SmyslError('E_USAGE', 'the collection would be copied onto itself');
    const bar = new ProgressBar({ quiet: o.quiet });
    try {
      const summary = await copyCollection(source, target, {
        batchSize: o.batchSize,
        onProgress: bar.update,
        onWarning: o.quiet ? undefined : warn,
      });
      bar.done();
      // the lexical index of the copy is built once here, not by its first search
      const c = await Collection.open(target, { onWarning: o.quiet ? undefined : warn });
      try {
        await c.saveLexicalIndex();
      } finally {
        await c.close();
      }
      if (o.json) printJson(summary);
      else
        process.stdout.write(
          `${summary.target}: ${summary.documents} documents (${summary.chunks} chunks) copied with their vectors` +
            `${summary.unchanged > 0 ? `, ${summary.unchanged} already there` : ''}\n`,
        );
    } finally {
      bar.done();
    }
  };

  addOutputFlags(
    collections
      .command('export')
      .description(
        'copy a collection into another store (PostgreSQL) with its vectors as they are: nothing is embedded again; an interrupted copy resumes',
      )
      .argument('<collection>', 'collection name (.smysl/<name>) or directory')
      .requiredOption(
        '--to <url>',
        'the store to copy into: postgres://user@host:port/database, or a directory',
      )
      .addOption(storeOption())
      .option('--batch-size <n>', 'documents per committed batch', parseIntOption('--batch-size', 1), 256),
  ).action(async (name: string, o) => {
    await copy(collectionLocation(name, storeOf(o.store)), collectionLocation(plainName(name), o.to), o);
  });

  addOutputFlags(
    collections
      .command('import')
      .description(
        'copy a collection from another store (PostgreSQL) into this one (--store, else .smysl) with its vectors as they are; an interrupted copy resumes',
      )
      .argument('<collection>', 'the collection’s name in the other store')
      .requiredOption(
        '--from <url>',
        'the store to copy from: postgres://user@host:port/database, or a directory',
      )
      .addOption(storeOption())
      .option('--batch-size <n>', 'documents per committed batch', parseIntOption('--batch-size', 1), 256),
  ).action(async (name: string, o) => {
    await copy(collectionLocation(plainName(name), o.from), collectionLocation(name, storeOf(o.store)), o);
  });
}
