import { type Command, Option } from 'commander';
import { TransformerEmbedder } from '../../embed/transformer/index.js';
import { transformerTokenEmbedder } from '../../tasks/wsd/contextual.js';
import { findRaganatoFiles, readGoldKeys, readRaganatoXml } from '../../tasks/wsd/raganato.js';
import { findWordNet, WordNet } from '../../tasks/wsd/wordnet.js';
import { evaluateWsd, SenseVectors, type WsdScores } from '../../tasks/wsd/wsd.js';
import { addOutputFlags, embedderOption, parseFloatOption, parseIntOption } from '../options.js';
import { formatTable, printJson, warn } from '../output.js';
import { ProgressBar } from '../progress.js';

interface TrainFlags {
  out: string;
  wordnet?: string;
  embedder: string;
  dtype: 'fp32' | 'int8';
  layers: number;
  level: 'synset' | 'sense';
  context: number;
  batchSize: number;
  topicVectors: boolean;
  json: boolean;
  quiet: boolean;
}

interface EvalFlags {
  prior: number;
  gloss: number;
  topic: number;
  topicGloss: number;
  topicLayers: number;
  model: string;
  wordnet?: string;
  batchSize: number;
  json: boolean;
  quiet: boolean;
}

const pct = (s: WsdScores) => (s.f1 * 100).toFixed(1);

// Weights of the topic terms, chosen on Senseval-2 (see the README's WSD results).
const TOPIC_WEIGHT = 0;
const TOPIC_GLOSS_WEIGHT = 0.1;

export function register(program: Command): void {
  const wsd = program
    .command('wsd')
    .description('word-sense disambiguation by nearest sense embedding (WordNet 3.0 senses)');

  const train = wsd
    .command('train')
    .description(
      'average contextual embeddings of every sense-tagged token (read with its neighbouring sentences) into sense vectors',
    )
    .argument('<input>', 'sense-annotated corpus in the Raganato unified format (e.g. SemCor)')
    .requiredOption('--out <file>', 'sense-vector file to write')
    .option('--wordnet <dir>', 'WordNet 3.0 dict/ directory (default: $WNSEARCHDIR or /usr/share/wordnet)')
    .addOption(
      embedderOption('transformer model (minilm, an imported name, a checkpoint directory)', 'minilm'),
    )
    .addOption(new Option('--dtype <dtype>', 'encoder precision').choices(['fp32', 'int8']).default('fp32'))
    .option('--layers <n>', 'average the last n layers', parseIntOption('--layers', 1), 4)
    .addOption(
      new Option('--level <level>', 'one vector per WordNet synset or per sense key')
        .choices(['synset', 'sense'])
        .default('sense'),
    )
    .option(
      '--context <n>',
      'also read n sentences of the same document on each side of each sentence',
      parseIntOption('--context', 0),
      1,
    )
    .option('--batch-size <n>', 'sentences per encoder call', parseIntOption('--batch-size', 1), 64)
    .option(
      '--topic-vectors',
      "also store each sense's mean passage vector, for `wsd eval --topic` (doubles the file)",
      false,
    );
  addOutputFlags(train).action(async (data: string, flags: TrainFlags) => {
    const wn = await WordNet.load(findWordNet(flags.wordnet));
    const { xml, keys } = await findRaganatoFiles(data);
    const gold = await readGoldKeys(keys);
    // with neighbouring sentences a text can pass the model's length: read it in windows
    const embedder = await TransformerEmbedder.create({
      model: flags.embedder,
      dtype: flags.dtype,
      batchSize: 32,
      long: 'window',
    });
    const bar = new ProgressBar({ quiet: flags.quiet });
    let senses: SenseVectors;
    try {
      senses = await SenseVectors.train(
        readRaganatoXml(xml),
        gold,
        wn,
        transformerTokenEmbedder(embedder, flags.layers),
        {
          level: flags.level,
          context: flags.context,
          batchSize: flags.batchSize,
          topicVectors: flags.topicVectors,
          onProgress: bar.update,
          meta: { model: flags.embedder, dtype: flags.dtype, layers: flags.layers, data },
        },
      );
    } finally {
      bar.done();
      await embedder.dispose();
    }
    await senses.save(flags.out);
    const summary = {
      out: flags.out,
      vectors: senses.size,
      level: senses.level,
      dim: senses.dim,
      ...senses.meta,
    };
    if (flags.json) printJson(summary);
    else
      process.stdout.write(
        `${senses.size} ${senses.level} vectors (${senses.dim}-d) from ${senses.meta.instances} tagged tokens -> ${flags.out}\n`,
      );
  });

  const evaluate = wsd
    .command('eval')
    .description(
      'disambiguate an evaluation set and print F1 overall and by POS beside the first-sense baseline',
    )
    .argument('<input>', 'evaluation set in the Raganato unified format (e.g. Senseval-2)')
    .requiredOption('--model <file>', 'sense vectors written by `smysl wsd train`')
    .option('--wordnet <dir>', 'WordNet 3.0 dict/ directory (default: $WNSEARCHDIR or /usr/share/wordnet)')
    .option('--batch-size <n>', 'sentences per encoder call', parseIntOption('--batch-size', 1), 64)
    .option(
      '--prior <weight>',
      'add weight x (tag count + 1) / sum over candidates to each cosine (a first-sense prior; 0 = off)',
      parseFloatOption('--prior'),
      0.1,
    )
    .option(
      '--gloss <weight>',
      "add weight x cosine to the candidate's gloss vector (lemmas + WordNet gloss, embedded on the fly; 0 = off)",
      parseFloatOption('--gloss'),
      0.25,
    )
    .option(
      '--topic <weight>',
      "add weight x cosine between the mean word vector of the passage read and the sense's mean of those from training (0 = off; needs wsd train --topic-vectors)",
      parseFloatOption('--topic'),
      TOPIC_WEIGHT,
    )
    .option(
      '--topic-gloss <weight>',
      "add weight x cosine between the mean word vector of the passage read and the candidate's gloss vector (0 = off)",
      parseFloatOption('--topic-gloss'),
      TOPIC_GLOSS_WEIGHT,
    )
    .option(
      '--topic-layers <n>',
      "mean of the last n layers for --topic-gloss (1: the layer a sentence model's sentence embeddings come from)",
      parseIntOption('--topic-layers', 1),
      1,
    );
  addOutputFlags(evaluate).action(async (data: string, flags: EvalFlags) => {
    const senses = await SenseVectors.load(flags.model);
    if (flags.topic !== 0 && !senses.topicData && !flags.quiet)
      warn(`${flags.model} has no topic vectors: --topic is ignored; train with --topic-vectors to use it`);
    const wn = await WordNet.load(findWordNet(flags.wordnet));
    const { xml, keys } = await findRaganatoFiles(data);
    const gold = await readGoldKeys(keys);
    const model = String(senses.meta.model ?? 'minilm');
    const layers = Number(senses.meta.layers ?? 4);
    const dtype = (senses.meta.dtype as 'fp32' | 'int8') ?? 'fp32';
    const context = Number(senses.meta.context ?? 0);
    const embedder = await TransformerEmbedder.create({ model, dtype, batchSize: 32, long: 'window' });
    const bar = new ProgressBar({ quiet: flags.quiet });
    let report: Awaited<ReturnType<typeof evaluateWsd>>['report'];
    try {
      ({ report } = await evaluateWsd(
        readRaganatoXml(xml),
        gold,
        wn,
        senses,
        transformerTokenEmbedder(embedder, layers),
        {
          batchSize: flags.batchSize,
          context,
          priorWeight: flags.prior,
          glossWeight: flags.gloss,
          // vectors trained before topic vectors existed still evaluate, without that term
          topicWeight: senses.topicData ? flags.topic : 0,
          topicGlossWeight: flags.topicGloss,
          topicEmbed:
            flags.topicLayers === layers ? undefined : transformerTokenEmbedder(embedder, flags.topicLayers),
          onProgress: bar.update,
        },
      ));
    } finally {
      bar.done();
      await embedder.dispose();
    }
    if (flags.json) {
      printJson({
        data,
        senses: flags.model,
        model,
        layers,
        context,
        prior: flags.prior,
        gloss: flags.gloss,
        topic: senses.topicData ? flags.topic : 0,
        topicGloss: flags.topicGloss,
        topicLayers: flags.topicLayers,
        ...report,
      });
      return;
    }
    const rows: (string | number)[][] = [
      ['all', report.system.total, pct(report.system), pct(report.firstSense)],
    ];
    for (const pos of Object.keys(report.byPos).sort())
      rows.push([pos, report.byPos[pos].total, pct(report.byPos[pos]), pct(report.firstSenseByPos[pos])]);
    process.stdout.write(
      `${formatTable(['POS', 'instances', 'F1', 'first-sense F1'], rows)}\n\nof ${report.system.attempted} attempted instances: ${report.decidedBy.vector} decided by sense vectors, ${report.decidedBy.gloss} by glosses alone, ${report.decidedBy['first-sense']} by the first sense\n`,
    );
  });
}
