import { type Command, Option } from 'commander';
import type { Neighbor } from '../../embed/static/keyed-vectors.js';
import { addOutputFlags, parseIntOption, topOption } from '../options.js';
import { formatTable, printJson } from '../output.js';
import { loadVectorsForCli, type VectorSourceOptions, vectorSourceOptions } from './word-vectors-shared.js';

interface QueryOptions extends VectorSourceOptions {
  top: number;
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

/** `smysl words similar|analogy`: nearest words and analogies over word vectors. */
export function register(program: Command): void {
  const words = program
    .command('words')
    .description('query word vectors: nearest words, analogies (evaluation: smysl eval words)');
  const similar = words
    .command('similar')
    .description('words nearest to a word (cosine over word vectors)')
    .argument('<word>', 'the query word')
    .addOption(topOption('how many neighbours', 10))
    .option(
      '--restrict-vocab <n>',
      'search only the first n words of the vectors file',
      parseIntOption('--restrict-vocab', 1),
    );
  for (const o of vectorSourceOptions()) similar.addOption(o);
  addOutputFlags(similar).action(async (word: string, options: QueryOptions) => {
    const kv = await loadVectorsForCli(options);
    const neighbors = kv.mostSimilar({
      positive: [word],
      topn: options.top,
      restrictVocab: options.restrictVocab,
    });
    printNeighbors(neighbors, options.json, { word });
  });

  const analogy = words
    .command('analogy')
    .description('a is to b as c is to ? (3CosAdd, or 3CosMul with --scoring mul)')
    .argument('<a>')
    .argument('<b>')
    .argument('<c>')
    .addOption(topOption('how many answers', 10))
    .addOption(
      new Option('--scoring <how>', 'add: 3CosAdd; mul: 3CosMul (Levy & Goldberg)')
        .choices(['add', 'mul'])
        .default('add'),
    )
    .option(
      '--restrict-vocab <n>',
      'search only the first n words of the vectors file',
      parseIntOption('--restrict-vocab', 1),
    );
  for (const o of vectorSourceOptions()) analogy.addOption(o);
  addOutputFlags(analogy).action(
    async (a: string, b: string, c: string, options: QueryOptions & { scoring: 'add' | 'mul' }) => {
      const kv = await loadVectorsForCli(options);
      const query = {
        positive: [b, c],
        negative: [a],
        topn: options.top,
        restrictVocab: options.restrictVocab,
      };
      const neighbors = options.scoring === 'mul' ? kv.mostSimilarCosmul(query) : kv.mostSimilar(query);
      printNeighbors(neighbors, options.json, {
        a,
        b,
        c,
        method: options.scoring === 'mul' ? '3CosMul' : '3CosAdd',
      });
    },
  );
}
