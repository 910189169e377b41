import type { Command } from 'commander';
import { Collection } from '../../store/collection.js';
import { addOutputFlags } from '../options.js';
import { printJson } from '../output.js';
import { ProgressBar } from '../progress.js';
import { collectionDir } from './collection-paths.js';

export function register(program: Command): void {
  addOutputFlags(
    program
      .command('compact')
      .description('reclaim the space of deleted and replaced documents in a collection')
      .option('--collection <name>', 'collection name (.smysl/<name>) or directory', 'default'),
  ).action(async (o) => {
    const dir = collectionDir(o.collection);
    const collection = await Collection.open(dir);
    const bar = new ProgressBar({ quiet: o.quiet });
    try {
      const result = await collection.compact({ onProgress: bar.update });
      bar.done();
      await collection.saveLexicalIndex();
      const stats = await collection.stats();
      if (o.json) printJson({ collection: dir, ...result, documents: stats.documents, chunks: stats.chunks });
      else
        process.stdout.write(
          `${dir}: removed ${result.removedRows} dead vector rows; ${stats.chunks} chunks remain\n`,
        );
    } finally {
      await collection.close();
    }
  });
}
