import type { Command } from 'commander';
import { detectFormat, ProblemLog, readDocuments } from '../../corpus/index.js';
import { embedderByName } from '../../embed/by-name.js';
import { listEmbedders } from '../../embed/registry.js';
import { documentsHoldRussian, routedCounts } from '../../embed/student/routing.js';
import { SmyslError } from '../../errors.js';
import { HNSW_DEFAULTS } from '../../index/usearch.js';
import { storeBackend } from '../../store/backends.js';
import { CHUNK_DEFAULTS } from '../../store/chunk.js';
import type { SearchMethod } from '../../store/collection.js';
import {
  Collection,
  type CollectionLexical,
  DEFAULT_ADD_BATCH,
  DEFAULT_PRECISION,
} from '../../store/collection.js';
import { NEW_COLLECTION_EMBEDDER_SETTINGS } from '../../store/defaults.js';
import {
  addCorpusOptions,
  CORPUS_INPUT,
  type CorpusFlags,
  corpusReadOptions,
  printProblemSummary,
  withInput,
} from '../corpus-input.js';
import { addOutputFlags, embedderOption, parseIntOption, setOption } from '../options.js';
import { printJson, warn } from '../output.js';
import { ProgressBar } from '../progress.js';
import { parseSettings } from '../task-support.js';
import { collectionLocation, storeOf, storeOption } from './collection-paths.js';

/** How long `index` waits for another writer (e.g. a server's upsert) before giving up. */
export const WRITER_WAIT_MS = 10_000;

export function register(program: Command): void {
  const cmd = addCorpusOptions(
    program
      .command('index')
      .description(
        'index documents into a collection: unchanged documents are skipped, changed ones re-embedded, and (folders, text files) documents whose files are gone removed; resumable',
      )
      .argument('<input>', CORPUS_INPUT),
    { split: 'paragraph' },
  )
    .option('--collection <name>', 'collection name (.smysl/<name>) or directory', 'default')
    .addOption(storeOption())
    .addOption(
      embedderOption(
        `embedder for a new collection: ${listEmbedders()
          .map((e) => e.method)
          .join(
            ', ',
          )}; or hybrid (minilm + BM25, searched by fusion), bm25 or tfidf (lexical search; cheap trigram vectors keep dense search possible)`,
        'minilm',
      ),
    )
    .addOption(setOption())
    .option(
      '--lexical <method>',
      "lexical search: bm25 or tfidf (smysl's own), or fts (PostgreSQL's full-text search; PostgreSQL stores)",
      'bm25',
    )
    .option(
      '--no-lemmas',
      'lexical search matches Russian words by Snowball stems instead of OpenCorpora lemmas (new collections)',
    )
    .option(
      '--no-learn-words',
      "new collections: the Russian encoder (minilm-ru) keeps its own vocabulary instead of learning rows for the collection's words from their contexts",
    )
    .option('--dim <n>', 'output dimension for embedders that take one', parseIntOption('--dim', 1))
    .option(
      '--chunk-tokens <n>',
      "token budget per chunk, in the encoder's own pieces when it counts them (transformers; capped at what it reads), else words",
      parseIntOption('--chunk-tokens', 1),
      CHUNK_DEFAULTS.maxTokens,
    )
    .option(
      '--chunk-overlap <n>',
      'tokens repeated between chunks',
      parseIntOption('--chunk-overlap', 0),
      CHUNK_DEFAULTS.overlapTokens,
    )
    .option('--prune', 'remove documents whose source is gone (default for folders and text files)')
    .option('--no-prune', 'keep documents whose files are gone')
    .option(
      '--batch-size <n>',
      'documents per committed batch',
      parseIntOption('--batch-size', 1),
      DEFAULT_ADD_BATCH,
    )
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
    .option(
      '--precision <p>',
      'how the HNSW graph stores vectors: f16 (half the memory, same recall), i8, or f32',
      DEFAULT_PRECISION,
    );
  addOutputFlags(cmd).action(async (input: string, o, command: Command) =>
    withInput(input, o, async (corpus, given) => {
      const format = given === 'auto' ? await detectFormat(corpus) : given;
      o.format = format;
      // one Markdown file is cut at its headings, other text at blank lines (not per line)
      if (format === 'text' && command.getOptionValueSource('split') === 'default')
        o.split = /\.(md|markdown)$/i.test(corpus) ? 'section' : 'paragraph';
      if (o.index !== 'hnsw' && o.index !== 'exact')
        throw new SmyslError('E_USAGE', `--index must be hnsw or exact, got "${o.index}"`);
      if (!['f32', 'f16', 'i8'].includes(o.precision))
        throw new SmyslError('E_USAGE', `--precision must be f32, f16 or i8, got "${o.precision}"`);
      const started = Date.now();
      const dir = collectionLocation(o.collection, storeOf(o.store));
      const explicit =
        command.getOptionValueSource('embedder') !== 'default' || o.dim !== undefined || o.set.length > 0;
      const exists = await storeBackend(dir).exists(dir);
      // an existing collection keeps its own embedder unless one is asked for explicitly
      const existing = !explicit && exists;
      const choice = embedderChoice(o.embedder, o.lexical);
      const { lexical, defaultMethod } = choice;
      let method = choice.method;
      // a new collection holding Russian text goes through the bilingual routing embedder by
      // default: English chunks to MiniLM, Russian and mixed ones to the minilm-ru student
      if (
        !explicit &&
        !exists &&
        (await documentsHoldRussian(readDocuments(corpus, corpusReadOptions(o as CorpusFlags))))
      )
        method = 'bilingual';
      const embedder = existing
        ? undefined
        : await embedderByName(method, {
            ...NEW_COLLECTION_EMBEDDER_SETTINGS[method],
            ...parseSettings(o.set),
            ...(o.dim === undefined ? {} : { dim: o.dim }),
          });
      // a new collection's embedder that learns (word2vec, fastText, GloVe, weights) learns on this corpus first
      if (embedder?.fit && !exists) {
        const fitBar = new ProgressBar({ quiet: o.quiet });
        try {
          await embedder.fit(readDocuments(corpus, corpusReadOptions(o as CorpusFlags)), {
            onProgress: fitBar.update,
          });
        } finally {
          fitBar.done();
        }
      }
      // a server's brief write may hold the lock: wait for it rather than fail
      const openOptions = { waitForWriterMs: WRITER_WAIT_MS, onWarning: o.quiet ? undefined : warn };
      const collection =
        embedder === undefined
          ? await Collection.open(dir, openOptions)
          : await Collection.openOrCreate(
              dir,
              {
                embedder,
                chunking: { maxTokens: o.chunkTokens, overlapTokens: o.chunkOverlap },
                lexical,
                lexicalAnalyzer: o.lemmas === false ? 'snowball' : 'lemmas',
                learnWords: o.learnWords !== false,
                defaultMethod,
                index: {
                  type: o.index,
                  connectivity: o.connectivity,
                  expansionAdd: o.efConstruction,
                  expansionSearch: o.efSearch,
                  precision: o.precision,
                },
              },
              openOptions,
            );
      // a folder (and a plain text file, whose ids are its line numbers) is the truth about what
      // the collection holds from it: documents of files that are gone leave; JSONL/CSV only if asked
      const isFolderOrText = format === 'dir' || format === 'text';
      const prune: boolean = o.prune ?? (isFolderOrText && input !== '-');
      const bar = new ProgressBar({ quiet: o.quiet });
      // the embedder once loaded (an unchanged re-index never loads it); counts from here on,
      // since creating a collection embeds a probe
      const loadedEmbedder = (): object | undefined => {
        try {
          return collection.embedder;
        } catch {
          return undefined;
        }
      };
      (loadedEmbedder() as { resetCounts?: () => void } | undefined)?.resetCounts?.();
      const controller = new AbortController();
      let committed = 0;
      const onSigint = () => {
        if (controller.signal.aborted) process.exit(130);
        controller.abort();
        bar.done();
        if (!o.quiet)
          process.stderr.write('stopping after the current batch (Ctrl-C again to quit at once)…\n');
      };
      process.on('SIGINT', onSigint);
      // the reader's byte count gives the percentage and ETA while documents are counted
      const read = { done: 0, total: 0 };
      try {
        const problems = new ProblemLog();
        const summary = await collection
          .add(
            readDocuments(corpus, {
              ...corpusReadOptions(o as CorpusFlags, problems),
              signal: controller.signal,
              onProgress: (p) => {
                read.done = p.done;
                read.total = p.total ?? 0;
              },
            }),
            {
              batchSize: o.batchSize,
              root: input === '-' ? undefined : input,
              prune,
              signal: controller.signal,
              onCommit: (c) => {
                committed += c.documents;
              },
              onProgress: (p) =>
                bar.update(
                  read.total > 0 && p.total === undefined ? { ...p, fraction: read.done / read.total } : p,
                ),
            },
          )
          .catch((e) => {
            if ((e as SmyslError).code !== 'E_CANCELLED') throw e;
            throw new SmyslError(
              'E_CANCELLED',
              `interrupted: ${committed} document(s) of this run were committed and stay in ${collection.dir}; run the same command again to resume (committed documents are skipped)`,
            );
          });
        bar.done();
        // searches load the lexical (BM25/TF-IDF) index from disk instead of analyzing every chunk
        if (!o.quiet) process.stderr.write('saving the lexical index…\n');
        await collection.saveLexicalIndex();
        const skipped = problems.summary();
        printProblemSummary(skipped, o.quiet);
        const stats = await collection.stats();
        const seconds = (Date.now() - started) / 1000;
        const embedderNow = loadedEmbedder();
        const encoders = embedderNow ? routedCounts(embedderNow) : undefined;
        if (o.json)
          printJson({
            collection: collection.dir,
            ...summary,
            documents: stats.documents,
            totalChunks: stats.chunks,
            ...(encoders ? { encoders } : {}),
            skipped: { total: skipped.skippedTotal, byKind: skipped.skipped },
            seconds,
          });
        else
          process.stdout.write(
            `${collection.dir}: ${summary.added} added, ${summary.replaced} changed, ${summary.removed} removed, ${summary.unchanged} unchanged ` +
              `(${summary.chunks} chunks embedded) in ${seconds.toFixed(1)} s; now ${stats.documents} documents, ` +
              `${stats.chunks} chunks, embedder ${collection.manifest.embedder.name}` +
              (encoders
                ? ` (chunks embedded by encoder: ${
                    Object.entries(encoders)
                      .map(([name, n]) => `${name} ${n}`)
                      .join(', ') || 'none'
                  })`
                : '') +
              (summary.words > 0 ? `; learned ${summary.words} new word(s) of the collection` : '') +
              '\n',
          );
      } finally {
        process.off('SIGINT', onSigint);
        bar.done();
        await collection.close();
      }
    }),
  );
}

/** `--embedder` names: registry methods, plus hybrid / bm25 / tfidf which also choose the default search. */
function embedderChoice(
  name: string,
  lexicalFlag: string,
): { method: string; lexical: CollectionLexical; defaultMethod: SearchMethod } {
  if (lexicalFlag !== 'bm25' && lexicalFlag !== 'tfidf' && lexicalFlag !== 'fts')
    throw new SmyslError('E_USAGE', `--lexical must be bm25, tfidf or fts, got "${lexicalFlag}"`);
  if (name === 'hybrid') return { method: 'minilm', lexical: lexicalFlag, defaultMethod: 'hybrid' };
  if (name === 'bm25' || name === 'tfidf')
    return { method: 'trigram', lexical: name, defaultMethod: 'sparse' };
  return { method: name, lexical: lexicalFlag, defaultMethod: 'hybrid' };
}
