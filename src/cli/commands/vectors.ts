import type { Command } from 'commander';
import { anisotropyReport } from '../../vectors/anisotropy.js';
import { readVectorsFile } from '../../vectors/io.js';
import { parsePipeline, STEP_SYNTAX } from '../../vectors/steps.js';
import { addOutputFlags, parseIntOption } from '../options.js';
import { formatTable, printJson } from '../output.js';

export function register(program: Command): void {
  const vectors = program
    .command('vectors')
    .description('dense vector tools: post-processing and diagnostics');
  const report = vectors
    .command('report')
    .description(
      'anisotropy before and after each post-processing step (mean cosine of random pairs, top-PC share)',
    )
    .argument('<input>', 'vectors: .npy (float32/float64), .f32 (with --dim) or a text word-vector file')
    .option('--steps <list>', `comma-separated steps: ${STEP_SYNTAX}`, '')
    .option('--dim <n>', 'dimension of a raw .f32 file', parseIntOption('--dim', 1))
    .option(
      '--limit <n>',
      'read at most this many word vectors from a text file',
      parseIntOption('--limit', 1),
    )
    .option(
      '--fit-rows <n>',
      'fit PCA-type steps on at most this many sampled rows',
      parseIntOption('--fit-rows', 2),
      50000,
    )
    .option('--pairs <n>', 'random pairs for the mean cosine', parseIntOption('--pairs', 1), 5000)
    .option('--seed <n>', 'sampling seed', parseIntOption('--seed', 0), 7);
  addOutputFlags(report).action(async (input: string, o) => {
    const matrix = await readVectorsFile(input, { dim: o.dim, limit: o.limit });
    const pipeline = parsePipeline(o.steps, { maxFitRows: o.fitRows, seed: o.seed });
    const report = anisotropyReport(matrix, pipeline.steps, { pairs: o.pairs, seed: o.seed });
    if (o.json) printJson(report);
    else
      process.stdout.write(
        `${formatTable(
          ['step', 'rows', 'dim', 'mean cosine', 'cosine std', 'top-PC share', 'mean norm'],
          report.map((r) => [
            r.step,
            r.rows,
            r.dim,
            r.meanCosine,
            r.cosineStd,
            r.topComponentShare,
            r.meanNorm,
          ]),
        )}\n`,
      );
  });
}
