import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { createEmbedder, listEmbedders } from '../../embed/registry.js';
import { SmyslError } from '../../errors.js';
import { HNSW_DEFAULTS } from '../../index/hnsw.js';
import { CHUNK_DEFAULTS } from '../../store/chunk.js';
import { Collection } from '../../store/collection.js';
import { parseIntOption } from '../options.js';
import { printJson } from '../output.js';
import { ProgressBar } from '../progress.js';
import { collectionDir, readDocuments } from './collection-paths.js';

export function register(program: Command): void {
  program
    .command('index')
    .description('index documents into a collection (resumable: unchanged documents are skipped)')
    .argument(
      '<corpus>',
      'a directory of .txt/.md files, a .jsonl file ({"id","text",...meta}) or a text file',
    )
    .option('--collection <name>', 'collection name (.smysl/<name>) or directory', 'default')
    .option(
      '--embedder <method>',
      `embedder for a new collection (${listEmbedders()
        .map((e) => e.method)
        .join(', ')})`,
      'trigram',
    )
    .option('--dim <n>', 'output dimension for embedders that take one', parseIntOption('--dim', 1))
    .option(
      '--chunk-tokens <n>',
      'token budget per chunk',
      parseIntOption('--chunk-tokens', 1),
      CHUNK_DEFAULTS.maxTokens,
    )
    .option(
      '--chunk-overlap <n>',
      'tokens repeated between chunks',
      parseIntOption('--chunk-overlap', 0),
      CHUNK_DEFAULTS.overlapTokens,
    )
    .option('--batch-size <n>', 'documents per committed batch', parseIntOption('--batch-size', 1), 64)
    .option('--index <type>', 'hnsw or exact', 'hnsw')
    .option(
      '--connectivity <n>',
      'HNSW links per node (M)',
      parseIntOption('--connectivity', 2),
      HNSW_DEFAULTS.connectivity,
    )
    .option(
      '--ef-construction <n>',
      'HNSW build expansion',
      parseIntOption('--ef-construction', 1),
      HNSW_DEFAULTS.expansionAdd,
    )
    .option(
      '--ef-search <n>',
      'HNSW search expansion stored with the collection',
      parseIntOption('--ef-search', 1),
      HNSW_DEFAULTS.expansionSearch,
    )
    .option('--json', 'print the summary as JSON', false)
    .option('--quiet', 'no progress output', false)
    .action(async (corpus: string, o, command: Command) => {
      if (o.index !== 'hnsw' && o.index !== 'exact')
        throw new SmyslError('E_USAGE', `--index must be hnsw or exact, got "${o.index}"`);
      const started = Date.now();
      const dir = collectionDir(o.collection);
      const explicit = command.getOptionValueSource('embedder') !== 'default' || o.dim !== undefined;
      // an existing collection keeps its own embedder unless one is asked for explicitly
      const existing = !explicit && existsSync(path.join(dir, 'manifest.json'));
      const embedder = existing
        ? undefined
        : await createEmbedder(o.embedder, o.dim === undefined ? {} : { dim: o.dim });
      const collection =
        embedder === undefined
          ? await Collection.open(dir)
          : await Collection.openOrCreate(dir, {
              embedder,
              chunking: { maxTokens: o.chunkTokens, overlapTokens: o.chunkOverlap },
              index: {
                type: o.index,
                connectivity: o.connectivity,
                expansionAdd: o.efConstruction,
                expansionSearch: o.efSearch,
              },
            });
      const bar = new ProgressBar({ quiet: o.quiet });
      try {
        const summary = await collection.add(readDocuments(corpus), {
          batchSize: o.batchSize,
          onProgress: bar.update,
        });
        bar.done();
        const stats = collection.stats();
        const seconds = (Date.now() - started) / 1000;
        if (o.json)
          printJson({
            collection: dir,
            ...summary,
            documents: stats.documents,
            totalChunks: stats.chunks,
            seconds,
          });
        else
          process.stdout.write(
            `${dir}: ${summary.added} added, ${summary.replaced} replaced, ${summary.unchanged} unchanged ` +
              `(${summary.chunks} new chunks) in ${seconds.toFixed(1)} s; now ${stats.documents} documents, ` +
              `${stats.chunks} chunks, embedder ${collection.manifest.embedder.name}\n`,
          );
      } finally {
        bar.done();
        collection.close();
      }
    });
}
