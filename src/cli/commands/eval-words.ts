import { type Command, Option } from 'commander';
import { SmyslError } from '../../errors.js';
import { type AnalogyResult, evaluateAnalogies, readAnalogies } from '../../eval/analogies.js';
import { evaluateWordPairs, readWordPairs, type WordPairResult } from '../../eval/word-pairs.js';
import { addOutputFlags, parseIntOption } from '../options.js';
import { formatTable, printJson } from '../output.js';
import { ProgressBar } from '../progress.js';
import { loadVectorsForCli, type VectorSourceOptions, vectorSourceOptions } from './word-vectors-shared.js';

interface EvalWordsOptions extends VectorSourceOptions {
  pairs?: string;
  analogies?: string;
  scoring: 'add' | 'mul' | 'both';
  restrictVocab: number;
  caseSensitive: boolean;
  json: boolean;
}

/**
 * `smysl eval words`: word-pair similarity (Spearman, Pearson, coverage) and analogy accuracy.
 * Adds itself to the `eval` group, creating the group when no other module has.
 */
export function register(program: Command): void {
  let group = program.commands.find((c) => c.name() === 'eval');
  if (!group) group = program.command('eval').description('evaluate embeddings on benchmarks');
  const cmd = group
    .command('words')
    .description('evaluate word vectors: word-pair similarity benchmarks and analogy questions')
    .option(
      '--pairs <files>',
      'comma-separated word-pair files (WordSim-353, SimLex-999, MEN, RG-65, RUSSE, ...)',
    )
    .option('--analogies <file>', 'analogy questions in questions-words.txt format')
    .addOption(
      new Option('--scoring <how>', 'analogy scoring: add (3CosAdd), mul (3CosMul) or both')
        .choices(['add', 'mul', 'both'])
        .default('add'),
    )
    .option(
      '--restrict-vocab <n>',
      'only the first n words take part (as gensim restrict_vocab)',
      parseIntOption('--restrict-vocab', 1),
      300000,
    )
    .option('--case-sensitive', 'compare words without case folding', false);
  for (const o of vectorSourceOptions()) cmd.addOption(o);
  addOutputFlags(cmd).action(async (options: EvalWordsOptions) => {
    if (!options.pairs && !options.analogies)
      throw new SmyslError('E_USAGE', 'give --pairs and/or --analogies to evaluate on');
    const kv = await loadVectorsForCli(options);
    const vocabulary = { restrictVocab: options.restrictVocab, caseInsensitive: !options.caseSensitive };
    const pairResults: WordPairResult[] = [];
    for (const file of (options.pairs ?? '').split(',').filter((f) => f.trim() !== '')) {
      pairResults.push(evaluateWordPairs(kv, await readWordPairs(file.trim()), vocabulary));
    }
    const analogyResults: AnalogyResult[] = [];
    if (options.analogies) {
      const set = await readAnalogies(options.analogies);
      const methods: ('add' | 'mul')[] = options.scoring === 'both' ? ['add', 'mul'] : [options.scoring];
      for (const method of methods) {
        const bar = new ProgressBar({ quiet: options.quiet });
        try {
          analogyResults.push(evaluateAnalogies(kv, set, { ...vocabulary, method, onProgress: bar.update }));
        } finally {
          bar.done();
        }
      }
    }
    const summary = {
      vectors: options.vectors,
      words: kv.size,
      dim: kv.dim,
      pairs: pairResults,
      analogies: analogyResults,
    };
    if (options.json) {
      printJson(summary);
      return;
    }
    const out: string[] = [`${options.vectors}: ${kv.size} words x ${kv.dim}`];
    if (pairResults.length > 0)
      out.push(
        '',
        formatTable(
          ['benchmark', 'pairs', 'covered', 'spearman', 'pearson'],
          pairResults.map((r) => [
            r.name,
            r.pairs,
            `${(100 * r.coverage).toFixed(1)}%`,
            r.spearman,
            r.pearson,
          ]),
        ),
      );
    for (const r of analogyResults) {
      out.push(
        '',
        `analogies ${r.source} (3Cos${r.method === 'add' ? 'Add' : 'Mul'}, restrict-vocab ${r.restrictVocab}): accuracy ${r.accuracy.toFixed(4)} on ${r.correct + r.incorrect} questions; ${r.oov} of ${r.questions} skipped as out of vocabulary`,
        formatTable(
          ['section', 'correct', 'answered', 'oov', 'accuracy'],
          r.sections.map((s) => [
            s.section,
            s.correct,
            s.correct + s.incorrect,
            s.oov,
            Number.isNaN(s.accuracy) ? '-' : s.accuracy,
          ]),
        ),
      );
    }
    process.stdout.write(`${out.join('\n')}\n`);
  });
}
