import path from 'node:path';
import { createInterface } from 'node:readline/promises';
import type { Command } from 'commander';
import { SmyslError } from '../../errors.js';
import { Collection, type CollectionInfo } from '../../store/collection.js';
import { redact } from '../../store/postgres/location.js';
import { copyCollection } from '../../store/postgres/transfer.js';
import { addOutputFlags, collect, parseIntOption } from '../options.js';
import { formatTable, printJson, warn } from '../output.js';
import { formatBytes, ProgressBar } from '../progress.js';
import { collectionLocation, storeOf, storeOption } from './collection-paths.js';
import { WRITER_WAIT_MS } from './index-documents.js';
import { whereOf } from './search.js';

/** The collection a `collections` sub-command acts on: the positional name or `--collection` (not two different ones). */
function target(
  name: string | undefined,
  o: { collection: string; store?: string },
  command: Command,
): string {
  if (name !== undefined && command.getOptionValueSource('collection') === 'cli' && name !== o.collection)
    throw new SmyslError('E_USAGE', `two collections given: "${name}" and --collection "${o.collection}"`);
  return collectionLocation(name ?? o.collection, storeOf(o.store));
}

/** A collection's plain name: the last part of a path, or the name itself. */
function plainName(name: string): string {
  return path.basename(path.resolve(name));
}

/** `smysl collections …`: the lifecycle of collections as a whole (the library's Collection.list/info/deleteWhere/drop/repair). */
export function register(program: Command): void {
  const collections = program
    .command('collections')
    .description('list, inspect, delete from, drop and repair collections');
  const collectionOption = [
    '--collection <name>',
    'collection name (.smysl/<name>) or directory',
    'default',
  ] as const;

  collections
    .command('list')
    .description('the collections under .smysl (or --dir): documents, chunks, embedder, last update')
    .option('--dir <path>', 'where collections live', '.smysl')
    .addOption(storeOption())
    .option('--json', 'print JSON', false)
    .option('--quiet', 'no warnings', false)
    .action(async (o) => {
      const infos: CollectionInfo[] = [];
      const parent: string = storeOf(o.store) ?? o.dir;
      for (const name of await Collection.list(parent)) {
        try {
          infos.push(await infoOf(collectionLocation(name, parent)));
        } catch (e) {
          if (!o.quiet) warn(`${name}: ${(e as Error).message}`);
        }
      }
      if (o.json) printJson(infos);
      else if (infos.length === 0) process.stdout.write(`no collections in ${redact(parent)}\n`);
      else
        process.stdout.write(
          `${formatTable(
            ['name', 'documents', 'chunks', 'embedder', 'size', 'updated'],
            infos.map((i) => [
              i.name,
              i.documents,
              i.chunks,
              i.embedder.name,
              i.diskBytes === undefined ? '' : formatBytes(i.diskBytes),
              i.updated ?? i.created,
            ]),
          )}\n`,
        );
    });

  collections
    .command('info')
    .description(
      'what a collection holds and how it was made: documents, chunks, embedder, precision, languages, learned words, size, last update',
    )
    .argument('[name]', 'collection (same as --collection)')
    .option(...collectionOption)
    .addOption(storeOption())
    .option('--json', 'print JSON', false)
    .option('--quiet', 'no warnings', false)
    .action(async (name: string | undefined, o, command: Command) => {
      const i = await infoOf(target(name, o, command));
      if (o.json) {
        printJson(i);
        return;
      }
      const languages = Object.entries(i.languages)
        .sort((a, b) => b[1] - a[1])
        .map(([l, n]) => `${l} ${n}`)
        .join(', ');
      const lines: [string, string | number][] = [
        ['collection', `${i.name} (${redact(i.location)})`],
        ['documents', i.documents],
        [
          'chunks',
          `${i.chunks}${i.deadRows > 0 ? ` (+${i.deadRows} dead rows; smysl compact reclaims them)` : ''}`,
        ],
        ['embedder', `${i.embedder.name} (${i.embedder.dim} dimensions)`],
        ['index', i.index.type === 'hnsw' ? `hnsw, ${i.index.precision}` : i.index.type],
        ['lexical', `${i.lexical.method}, ${i.lexical.analyzer}`],
        ['search', `${i.defaultMethod} by default`],
        ['languages', languages || 'none'],
        ...(i.learnedWords === undefined
          ? []
          : ([['learned words', `${i.learnedWords} (rows for the collection's own Russian words)`]] as [
              string,
              string,
            ][])),
        ['size on disk', i.diskBytes === undefined ? 'unknown' : formatBytes(i.diskBytes)],
        ['created', i.created],
        ['updated', i.updated ?? i.created],
      ];
      const w = Math.max(...lines.map(([k]) => k.length));
      process.stdout.write(`${lines.map(([k, v]) => `${k.padEnd(w)}  ${v}`).join('\n')}\n`);
    });

  collections
    .command('delete')
    .description('delete documents from a collection by id or by metadata')
    .argument('[name]', 'collection (same as --collection)')
    .option(...collectionOption)
    .addOption(storeOption())
    .option('--id <id>', 'document id (repeatable)', collect, [])
    .option(
      '--where <field=value>',
      'delete documents whose metadata matches (repeatable; all must match)',
      collect,
      [],
    )
    .option('--json', 'print JSON', false)
    .option('--quiet', 'no warnings', false)
    .action(async (name: string | undefined, o, command: Command) => {
      if (o.id.length === 0 && o.where.length === 0)
        throw new SmyslError('E_USAGE', 'say what to delete: --id <id> or --where field=value');
      const dir = target(name, o, command);
      const c = await Collection.open(dir, {
        waitForWriterMs: WRITER_WAIT_MS,
        onWarning: o.quiet ? undefined : warn,
      });
      try {
        let deleted = o.id.length > 0 ? await c.delete(o.id) : 0;
        if (o.where.length > 0) deleted += await c.deleteWhere(whereOf(o.where));
        await c.saveLexicalIndex();
        const left = await c.count();
        if (o.json) printJson({ collection: redact(dir), deleted, documents: left });
        else process.stdout.write(`${redact(dir)}: ${deleted} document(s) deleted; ${left} left\n`);
      } finally {
        await c.close();
      }
    });

  collections
    .command('drop')
    .description('delete a whole collection for good (asks first unless --yes)')
    .argument('[name]', 'collection (same as --collection)')
    .option(...collectionOption)
    .addOption(storeOption())
    .option('--yes', 'do not ask', false)
    .option('--json', 'print JSON', false)
    .option('--quiet', 'no warnings', false)
    .action(async (name: string | undefined, o, command: Command) => {
      const dir = target(name, o, command);
      const i = await infoOf(dir);
      if (!o.yes) {
        if (!process.stdin.isTTY)
          throw new SmyslError(
            'E_USAGE',
            `dropping ${redact(dir)} (${i.documents} documents) needs --yes when not asked on a terminal`,
          );
        const rl = createInterface({ input: process.stdin, output: process.stderr });
        const answer = await rl.question(
          `drop ${redact(dir)} with ${i.documents} documents for good? [y/N] `,
        );
        rl.close();
        if (!/^y(es)?$/i.test(answer.trim())) {
          process.stderr.write('not dropped\n');
          return;
        }
      }
      await Collection.drop(dir);
      if (o.json) printJson({ collection: redact(dir), dropped: true, documents: i.documents });
      else process.stdout.write(`${redact(dir)}: dropped (${i.documents} documents)\n`);
    });

  collections
    .command('repair')
    .description(
      "rebuild what can be derived from the collection database: the manifest, missing or damaged vectors (re-embedded with the collection's own embedder), the search graph and the lexical index",
    )
    .option('--collection <name>', 'collection name (.smysl/<name>) or directory', 'default')
    .addOption(storeOption())
    .option('--json', 'print the report as JSON', false)
    .option('--quiet', 'no warnings', false)
    .action(async (o) => {
      const dir = collectionLocation(o.collection, storeOf(o.store));
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

async function infoOf(dir: string): Promise<CollectionInfo> {
  const c = await Collection.open(dir, { readonly: true });
  try {
    return await c.info();
  } finally {
    await c.close();
  }
}
