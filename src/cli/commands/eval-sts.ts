import { type Command, Option } from 'commander';
import { readTextLines } from '../../corpus/plaintext.js';
import { embedderByName, fitOnTexts } from '../../embed/by-name.js';
import { pearson, spearman } from '../../eval/correlation.js';
import { readStsPairs, type StsFormat, stsCosines } from '../../eval/sts.js';
import { addOutputFlags, embedderOption, setOption } from '../options.js';
import { printJson } from '../output.js';
import { ProgressBar } from '../progress.js';
import { embedderNames, parseSettings } from '../task-support.js';
import { evalCommand } from './eval.js';

interface StsFlags {
  data: string;
  format: StsFormat;
  subset?: string;
  embedder: string;
  set: string[];
  fitData?: string;
  json: boolean;
  quiet: boolean;
}

export function register(program: Command): void {
  const cmd = evalCommand(program)
    .command('sts')
    .description('sentence similarity: Spearman (x100) and Pearson of cosine against gold scores')
    .argument('<input>', 'sentence pairs with gold scores')
    .addOption(
      new Option('--format <format>', 'stsb TSV, SICK TSV, or headerless CSV s1,s2,score')
        .choices(['stsb', 'sick', 'csv'])
        .default('stsb'),
    )
    .option('--subset <name>', 'SICK: keep one SemEval_set (TRAIN, TRIAL, TEST)')
    .addOption(
      embedderOption(`embedding method (${embedderNames().join(', ')}) or a transformer model`, 'minilm'),
    )
    .addOption(setOption())
    .option(
      '--fit-data <file>',
      "plain text, one sentence a line, to fit/train the embedder on (default: the pairs' own sentences)",
    );
  addOutputFlags(cmd).action(async (data: string, flags: StsFlags) => {
    flags.data = data;
    const pairs = await readStsPairs(flags.data, flags.format, { split: flags.subset });
    const started = Date.now();
    const embedder = await embedderByName(flags.embedder, parseSettings(flags.set));
    const fitTexts = flags.fitData ? await readTextLines(flags.fitData) : pairs.flatMap((p) => [p.a, p.b]);
    const bar = new ProgressBar({ quiet: flags.quiet });
    await fitOnTexts(embedder, fitTexts, { onProgress: bar.update });
    bar.done();
    const cos = await stsCosines(embedder, pairs);
    const gold = pairs.map((p) => p.score);
    const result = {
      data: flags.data,
      format: flags.format,
      subset: flags.subset ?? null,
      embedder: flags.embedder,
      pairs: pairs.length,
      spearman: spearman(cos, gold) * 100,
      pearson: pearson(cos, gold) * 100,
      seconds: (Date.now() - started) / 1000,
    };
    if (flags.json) printJson(result);
    else
      console.log(
        `${flags.embedder}: Spearman ${result.spearman.toFixed(2)}  Pearson ${result.pearson.toFixed(2)}  (${pairs.length} pairs, ${result.seconds.toFixed(1)} s)`,
      );
  });
}
