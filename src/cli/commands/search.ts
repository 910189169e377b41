import { type Command, InvalidArgumentError, Option } from 'commander';
import { Collection, type Where } from '../../store/collection.js';
import { collect, parseIntOption } from '../options.js';
import { formatTable, printJson } from '../output.js';
import { collectionDir } from './collection-paths.js';

function parseWhere(pairs: string[]): Where {
  const where: Where = {};
  for (const p of pairs) {
    const at = p.indexOf('=');
    if (at <= 0) throw new InvalidArgumentError(`--where expects field=value, got "${p}"`);
    where[p.slice(0, at)] = p.slice(at + 1);
  }
  return where;
}

export function register(program: Command): void {
  program
    .command('search')
    .description('search a collection; results per document with the best-matching passage')
    .argument('<query>', 'query text')
    .option('--collection <name>', 'collection name (.smysl/<name>) or directory', 'default')
    .option('-k, --top <n>', 'number of results', parseIntOption('-k', 1), 10)
    .option('--where <field=value>', 'metadata filter (repeatable; all must match)', collect, [])
    .option(
      '--ef-search <n>',
      'HNSW search expansion for this query (default: the collection’s)',
      parseIntOption('--ef-search', 1),
    )
    .addOption(
      new Option(
        '--method <method>',
        "dense, sparse (BM25/TF-IDF) or hybrid (default: the collection's)",
      ).choices(['dense', 'sparse', 'hybrid']),
    )
    .option('--json', 'print results as JSON', false)
    .option('--quiet', 'no progress output', false)
    .action(async (query: string, o) => {
      const collection = await Collection.open(collectionDir(o.collection), {
        readonly: true,
        expansionSearch: o.efSearch,
      });
      try {
        const results = await collection.search(query, {
          k: o.top,
          where: parseWhere(o.where),
          method: o.method,
        });
        if (o.json) printJson(results);
        else if (results.length === 0) process.stdout.write('no results\n');
        else
          process.stdout.write(
            `${formatTable(
              ['rank', 'score', 'id', 'title', 'snippet'],
              results.map((r) => [
                r.rank,
                Number(r.score.toFixed(4)),
                r.id,
                (r.title ?? '').slice(0, 40),
                (r.snippet ?? '').slice(0, 100),
              ]),
            )}\n`,
          );
      } finally {
        collection.close();
      }
    });
}
