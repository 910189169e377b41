import { type Command, Option } from 'commander';
import { parseWhere } from '../../corpus/filter.js';
import { SmyslError } from '../../errors.js';
import { Collection, type Where } from '../../store/collection.js';
import { renderHits } from '../hits.js';
import { addOutputFlags, collect, parseIntOption, topOption } from '../options.js';
import { printJson } from '../output.js';
import { collectionDir } from './collection-paths.js';

/** `--where` parsed by the corpus stage's filter syntax (one spelling everywhere); collections filter on equality. */
export function whereOf(expressions: string[]): Where {
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
    .description(
      'search a collection: one result per document with its best passage (file:line), or every matching passage with --passages',
    )
    .argument('<query>', 'query text')
    .option('--collection <name>', 'collection name (.smysl/<name>) or directory', 'default')
    .addOption(topOption('number of results', 10))
    .option('--passages', 'one result per matching passage (several may come from one document)', false)
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
        granularity: o.passages ? 'passage' : 'document',
      });
      if (o.json) printJson(results);
      else if (results.length === 0) process.stdout.write('no results\n');
      else {
        // matched words are marked only on a terminal (and never with NO_COLOR), as ripgrep does
        const color = Boolean(process.stdout.isTTY) && !process.env.NO_COLOR;
        const highlighter = color ? collection.highlighter() : undefined;
        const terms = highlighter?.queryTerms(query);
        process.stdout.write(
          renderHits(results, {
            color,
            lexicalName: collection.manifest.lexical ?? 'bm25',
            mark: highlighter && terms ? (text) => highlighter.spans(text, terms) : undefined,
          }),
        );
      }
    } finally {
      await collection.close();
    }
  });
}
