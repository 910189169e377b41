import { type Command, Option } from 'commander';
import { parseWhere } from '../../corpus/filter.js';
import { SmyslError } from '../../errors.js';
import { Collection, type Where } from '../../store/collection.js';
import { addOutputFlags, collect, parseIntOption, topOption } from '../options.js';
import { formatTable, printJson } from '../output.js';
import { collectionDir } from './collection-paths.js';

/** `--where` parsed by the corpus stage's filter syntax (one spelling everywhere); collections filter on equality. */
function whereOf(expressions: string[]): Where {
  const where: Where = {};
  for (const e of expressions) {
    const f = parseWhere(e);
    if (f.op !== '=')
      throw new SmyslError('E_USAGE', `--where "${e}": collections filter on field=value only`);
    where[f.field] = f.value;
  }
  return where;
}

export function register(program: Command): void {
  const search = program
    .command('search')
    .description('search a collection; results per document with the best-matching passage')
    .argument('<query>', 'query text')
    .option('--collection <name>', 'collection name (.smysl/<name>) or directory', 'default')
    .addOption(topOption('number of results', 10))
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
    );
  addOutputFlags(search).action(async (query: string, o) => {
    const collection = await Collection.open(collectionDir(o.collection), {
      readonly: true,
      expansionSearch: o.efSearch,
    });
    try {
      const results = await collection.search(query, {
        k: o.top,
        where: whereOf(o.where),
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
      await collection.close();
    }
  });
}
