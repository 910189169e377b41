import { existsSync, promises as fsp } from 'node:fs';
import path from 'node:path';
import { type Command, Option } from 'commander';
import { readPairFile } from '../../corpus/pairs.js';
import { createEmbedder } from '../../embed/registry.js';
import { type DistillationData, distillStudent } from '../../embed/student/distill.js';
import type { StudentEmbedder } from '../../embed/student/embedder.js';
import { minilmRuRecipe } from '../../embed/student/recipe.js';
import type { TableStorage } from '../../embed/student/storage.js';
import type { DenseEmbedder } from '../../embed/types.js';
import { SmyslError } from '../../errors.js';
import { spearman } from '../../eval/correlation.js';
import { readStsPairs } from '../../eval/sts.js';
import type { Progress } from '../../util/progress.js';
import { addOutputFlags, collect, embedderOption, parseFloatOption, parseIntOption } from '../options.js';
import { printJson } from '../output.js';
import { ProgressBar } from '../progress.js';

interface EncoderFlags {
  out: string;
  embedder: string;
  name?: string;
  recipe?: string;
  dictionary: string[];
  dev?: string;
  loss: 'mse' | 'mnrl';
  seed: number;
  epochs: number;
  batchSize: number;
  lr: number;
  dim?: number;
  identity: number;
  paragraphs?: number;
  center: string[];
  centering: boolean;
  induce: string[];
  induction: boolean;
  storage: TableStorage;
  checkpoint?: string;
  teacherCache?: string;
  json: boolean;
  quiet: boolean;
}

export function registerTrainEncoder(train: Command): void {
  addOutputFlags(
    train
      .command('encoder')
      .description(
        "train a static student sentence encoder whose vectors live in a teacher encoder's space (distillation; e.g. Russian into MiniLM's English space)",
      )
      .argument(
        '[inputs...]',
        'pair files (CSV/TSV, no header): "text,translation" (first column in the teacher\'s language), "text,text,score" (scored pairs, CoSENT); .txt: sentences in the teacher\'s language. With --recipe: a directory first is the shared data directory it reads (default ../shared/data)',
      )
      .requiredOption(
        '--out <dir>',
        'model directory to write (use it with --embedder student --set model=<dir>)',
      )
      .addOption(embedderOption('the teacher: a dense embedder', 'minilm'))
      .option('--name <name>', "model name (default: the --out directory's name)")
      .addOption(
        new Option(
          '--recipe <name>',
          'train the built-in model from its sources (see docs/encoder.md)',
        ).choices(['minilm-ru']),
      )
      .option(
        '--dictionary <file>',
        'recipe: dictd dictionary (.dict.dz) for word-by-word translated sentences, repeatable (mueller7 and freedict-eng-rus are GPL-2+)',
        collect,
        [],
      )
      .option(
        '--center <file>',
        "after training, take the mean word vector of this running text (.txt, the student's language) out of every row; repeatable (the recipe uses Anna Karenina)",
        collect,
        [],
      )
      .option('--no-centering', 'recipe: keep the rows as trained (no mean word vector taken out)')
      .option(
        '--induce <file>',
        "after training (and centering), give the frequent words of this running text (.txt, the student's language) that the student has no rows for a row induced from their contexts (à la carte), and save the map with the model so collections give their own words rows the same way; repeatable (the recipe uses ru_classics)",
        collect,
        [],
      )
      .option('--no-induction', 'recipe: add no rows induced from running text')
      .option(
        '--paragraphs <n>',
        'recipe: paragraphs of 2-8 consecutive training translations, distilled like sentences (default 3000; 0 = none)',
        parseIntOption('--paragraphs', 0),
      )
      .option(
        '--dev <file>',
        'STS pairs (CSV s1,s2,score or STSb TSV) to choose the best epoch by Spearman; never trained on',
      )
      .addOption(
        new Option(
          '--loss <loss>',
          'what two-column files teach: mse (translations, distillation) or mnrl (positive pairs, in-batch negatives)',
        )
          .choices(['mse', 'mnrl'])
          .default('mse'),
      )
      .option(
        '--seed <n>',
        'random seed (same seed, data and settings = same model)',
        parseIntOption('--seed', 0),
        1,
      )
      .option('--epochs <n>', 'passes over the data', parseIntOption('--epochs', 1), 6)
      .option('--batch-size <n>', 'texts or pairs per step', parseIntOption('--batch-size', 2), 64)
      .option('--lr <x>', 'Adam learning rate', parseFloatOption('--lr'), 0.01)
      .option(
        '--dim <n>',
        "table width (default: the teacher's; a smaller one learns a projection)",
        parseIntOption('--dim', 1),
      )
      .option(
        '--identity <x>',
        'weight of the fixed identity vector of words the vocabulary lacks (0 = off)',
        parseFloatOption('--identity'),
        0,
      )
      .addOption(
        new Option(
          '--storage <type>',
          'how the table is saved (int8: a quarter of f32, the same dev Spearman to 0.01 on minilm-ru)',
        )
          .choices(['f32', 'f16', 'int8'])
          .default('int8'),
      )
      .option(
        '--checkpoint <dir>',
        'per-epoch checkpoints for resuming (default: <out>.checkpoint, removed when done)',
      )
      .option('--teacher-cache <dir>', 'teacher vector cache (default ~/.cache/smysl/teacher)'),
  ).action(async (inputs: string[], flags: EncoderFlags) => {
    if (inputs.length === 0 && !flags.recipe)
      throw new SmyslError('E_USAGE', 'give training files, or --recipe minilm-ru');
    await trainEncoder(inputs, flags);
  });
}

async function readInputs(inputs: string[], loss: 'mse' | 'mnrl'): Promise<DistillationData> {
  const data: DistillationData = {};
  for (const file of inputs) {
    const name = path.basename(file);
    if (/\.txt$/i.test(file)) {
      const texts = (await fsp.readFile(file, 'utf8')).split('\n').filter((l) => l.trim() !== '');
      (data.monolingual ??= []).push({ name, texts });
      continue;
    }
    const pairs = await readPairFile(file);
    if (pairs.scores) (data.scored ??= []).push({ name, a: pairs.a, b: pairs.b, scores: pairs.scores });
    else if (loss === 'mnrl') (data.positives ??= []).push({ name, anchors: pairs.a, positives: pairs.b });
    else (data.translations ??= []).push({ name, source: pairs.a, target: pairs.b });
  }
  return data;
}

async function trainEncoder(inputs: string[], flags: EncoderFlags): Promise<void> {
  const started = Date.now();
  const teacher = await createEmbedder(flags.embedder);
  if (teacher.kind !== 'dense')
    throw new SmyslError('E_USAGE', `the teacher ${teacher.name} is not a dense embedder`);
  let dataDir = '../shared/data';
  if (flags.recipe && inputs.length > 0 && (await fsp.stat(inputs[0]).catch(() => undefined))?.isDirectory())
    dataDir = inputs.shift() as string;
  const data = await readInputs(inputs, flags.loss);
  let dev: { a: string[]; b: string[]; scores: number[] } | undefined;
  let sources: Record<string, string | number> = {};
  let vocabulary: { minGramCount: number } | undefined;
  let center: { source: string; texts: string[] } | undefined;
  if (flags.center.length > 0) {
    const texts: string[] = [];
    for (const file of flags.center)
      texts.push(...(await fsp.readFile(file, 'utf8')).split('\n').filter((l) => l.trim() !== ''));
    center = { source: flags.center.map((f) => path.basename(f)).join(', '), texts };
  }
  let induce: { source: string; texts: string[] } | undefined;
  if (flags.induce.length > 0) {
    const texts: string[] = [];
    for (const file of flags.induce)
      texts.push(...(await fsp.readFile(file, 'utf8')).split(/\r?\n/).filter((l) => l.trim() !== ''));
    induce = { source: flags.induce.map((f) => path.basename(f)).join(', '), texts };
  }
  if (flags.recipe) {
    const recipe = await minilmRuRecipe({
      dataDir: path.resolve(dataDir),
      dictionaries: flags.dictionary,
      paragraphs: flags.paragraphs,
    });
    for (const key of ['translations', 'monolingual', 'targets', 'scored', 'positives'] as const)
      (data[key] as unknown[]) = [
        ...((data[key] as unknown[]) ?? []),
        ...((recipe.data[key] as unknown[]) ?? []),
      ];
    dev = recipe.dev;
    sources = recipe.sources;
    vocabulary = recipe.vocabulary;
    if (!center && flags.centering) center = recipe.center;
    if (!induce && flags.induction) induce = recipe.induce;
  }
  if (flags.dev) {
    const pairs = await readStsPairs(flags.dev, /\.tsv$/i.test(flags.dev) ? 'stsb' : 'csv');
    dev = { a: pairs.map((p) => p.a), b: pairs.map((p) => p.b), scores: pairs.map((p) => p.score) };
  }
  const score = dev
    ? async (candidate: StudentEmbedder) => {
        const m = await candidate.embed([...dev.a, ...dev.b]);
        const n = dev.a.length;
        const cos = dev.a.map((_, i) => {
          let s = 0;
          for (let k = 0; k < m.dim; k++) s += m.data[i * m.dim + k] * m.data[(n + i) * m.dim + k];
          return s;
        });
        return 100 * spearman(cos, dev.scores);
      }
    : undefined;
  const out = path.resolve(flags.out);
  const name = flags.name ?? path.basename(out);
  const checkpointDir = flags.checkpoint ?? `${out}.checkpoint`;
  let bar = new ProgressBar({ quiet: flags.quiet });
  let phase = '';
  const onProgress = (p: Progress) => {
    // a fresh bar per phase keeps each ETA to its own phase's rate
    const kind = p.phase.startsWith('epoch') ? 'training' : p.phase;
    if (kind !== phase) {
      bar.done();
      bar = new ProgressBar({ quiet: flags.quiet });
      phase = kind;
    }
    bar.update(p);
  };
  const controller = new AbortController();
  const onSigint = () => controller.abort();
  process.once('SIGINT', onSigint);
  const command = ['smysl', ...process.argv.slice(2)].join(' ');
  let result: Awaited<ReturnType<typeof distillStudent>>;
  try {
    result = await distillStudent(data, {
      teacher: teacher as DenseEmbedder,
      name,
      seed: flags.seed,
      epochs: flags.epochs,
      batchSize: flags.batchSize,
      learningRate: flags.lr,
      dim: flags.dim,
      storage: flags.storage,
      features: { minn: 3, maxn: 5, stems: true, identity: flags.identity || undefined },
      vocabulary,
      teacherCache: flags.teacherCache,
      checkpointDir,
      score,
      signal: controller.signal,
      onProgress,
      info: {
        command,
        sources,
        recipe: flags.recipe,
        // the recipe's student reads Russian and English (both sides of its translations)
        ...(flags.recipe ? { languages: ['en', 'ru'] } : {}),
      },
    });
  } finally {
    process.removeListener('SIGINT', onSigint);
    bar.done();
  }
  let { embedder } = result;
  let centeredScore: number | undefined;
  if (center) {
    embedder = embedder.centered(center.texts, center.source);
    if (score) centeredScore = await score(embedder);
  }
  let inducedScore: number | undefined;
  if (induce) {
    const t0 = Date.now();
    embedder = embedder.induced(induce.texts, induce.source);
    // the record (info.induced) gets the step's time, for the model card
    (embedder.info.induced as Record<string, unknown>).seconds = (Date.now() - t0) / 1000;
    if (score) inducedScore = await score(embedder);
  }
  const devSpearman = inducedScore ?? centeredScore ?? result.bestScore;
  embedder.info.training = {
    epochs: flags.epochs,
    bestEpoch: result.bestEpoch,
    devSpearman,
    ...(centeredScore === undefined ? {} : { devSpearmanBeforeCentering: result.bestScore }),
    ...(inducedScore === undefined ? {} : { devSpearmanBeforeInduction: centeredScore ?? result.bestScore }),
    history: result.history,
    teacherTexts: result.teacherTexts,
    vocabulary: result.vocabularySize,
    seconds: result.seconds,
    peakRssMB: result.peakRssMB,
  };
  // written beside, then swapped in: a failed save leaves the old model
  const staging = `${out}.${process.pid}.tmp`;
  await fsp.rm(staging, { recursive: true, force: true });
  await embedder.save(staging);
  if (existsSync(out)) {
    const old = path.join(out, 'manifest.json');
    const method = existsSync(old) ? JSON.parse(await fsp.readFile(old, 'utf8')).method : undefined;
    if (method !== 'student') {
      await fsp.rm(staging, { recursive: true, force: true });
      throw new SmyslError('E_USAGE', `${out} exists and is not a student model; choose another --out`);
    }
    await fsp.rm(out, { recursive: true, force: true });
  }
  await fsp.rename(staging, out);
  await fsp.rm(checkpointDir, { recursive: true, force: true });
  const summary = {
    out,
    name: embedder.name,
    vocabulary: embedder.shape.rows,
    bestEpoch: result.bestEpoch,
    devSpearman,
    teacherTexts: result.teacherTexts,
    seconds: (Date.now() - started) / 1000,
    peakRssMB: result.peakRssMB,
  };
  if (flags.json) printJson(summary);
  else if (!flags.quiet)
    process.stderr.write(
      `wrote ${embedder.name} (${summary.vocabulary} rows) to ${out} in ${summary.seconds.toFixed(0)} s` +
        (summary.devSpearman === undefined
          ? ''
          : `; dev Spearman ${summary.devSpearman.toFixed(2)} at epoch ${summary.bestEpoch}`) +
        `; peak memory ${summary.peakRssMB} MB\n`,
    );
}
