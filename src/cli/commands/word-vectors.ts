import type { Command } from 'commander';
import type { Neighbor } from '../../embed/static/keyed-vectors.js';
import { parseIntOption } from '../options.js';
import { formatTable, printJson } from '../output.js';
import { loadVectorsForCli, type VectorSourceOptions, vectorSourceOptions } from './word-vectors-shared.js';

interface QueryOptions extends VectorSourceOptions {
  k: number;
  restrictVocab?: number;
  json?: boolean;
}

function printNeighbors(
  neighbors: Neighbor[],
  json: boolean | undefined,
  query: Record<string, unknown>,
): void {
  if (json) printJson({ ...query, neighbors });
  else
    process.stdout.write(
      `${formatTable(
        ['rank', 'word', 'cosine'],
        neighbors.map((n, i) => [i + 1, n.word, n.score]),
      )}\n`,
    );
}

/** `smysl similar` and `smysl analogy`: nearest words and analogies over word vectors. */
export function register(program: Command): void {
  const similar = program
    .command('similar')
    .description('words nearest to a word (cosine over word vectors)')
    .argument('<word>', 'the query word')
    .option('-k, --k <n>', 'how many neighbours', parseIntOption('-k', 1), 10)
    .option(
      '--restrict-vocab <n>',
      'search only the first n words of the vectors file',
      parseIntOption('--restrict-vocab', 1),
    )
    .option('--json', 'print JSON', false)
    .option('--quiet', 'no progress or warnings', false);
  for (const o of vectorSourceOptions()) similar.addOption(o);
  similar.action(async (word: string, options: QueryOptions) => {
    const kv = await loadVectorsForCli(options);
    const neighbors = kv.mostSimilar({
      positive: [word],
      topn: options.k,
      restrictVocab: options.restrictVocab,
    });
    printNeighbors(neighbors, options.json, { word });
  });

  const analogy = program
    .command('analogy')
    .description('a is to b as c is to ? (3CosAdd, or 3CosMul with --cosmul)')
    .argument('<a>')
    .argument('<b>')
    .argument('<c>')
    .option('-k, --k <n>', 'how many answers', parseIntOption('-k', 1), 10)
    .option('--cosmul', 'use 3CosMul (Levy & Goldberg) instead of 3CosAdd', false)
    .option(
      '--restrict-vocab <n>',
      'search only the first n words of the vectors file',
      parseIntOption('--restrict-vocab', 1),
    )
    .option('--json', 'print JSON', false)
    .option('--quiet', 'no progress or warnings', false);
  for (const o of vectorSourceOptions()) analogy.addOption(o);
  analogy.action(async (a: string, b: string, c: string, options: QueryOptions & { cosmul: boolean }) => {
    const kv = await loadVectorsForCli(options);
    const query = { positive: [b, c], negative: [a], topn: options.k, restrictVocab: options.restrictVocab };
    const neighbors = options.cosmul ? kv.mostSimilarCosmul(query) : kv.mostSimilar(query);
    printNeighbors(neighbors, options.json, { a, b, c, method: options.cosmul ? '3CosMul' : '3CosAdd' });
  });
}
