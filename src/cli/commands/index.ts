import type { Command } from 'commander';
import { register as registerBench } from './bench.js';
import { register as registerClassify } from './classify.js';
import { register as registerCluster } from './cluster.js';
import { register as registerCollections } from './collections.js';
import { register as registerCorpus } from './corpus.js';
import { register as registerEvalRetrieval } from './eval.js';
import { register as registerEvalSts } from './eval-sts.js';
import { register as registerEvalWords } from './eval-words.js';
import { register as registerLm } from './lm.js';
import { register as registerPlot } from './plot.js';
import { register as registerServe } from './serve.js';
import { register as registerText } from './tokenize.js';
import { register as registerTokenizer } from './tokenizer.js';
import { register as registerTrain } from './train.js';
import { register as registerTransformer } from './transformer.js';
import { register as registerVectors } from './vectors.js';
import { register as registerWordVectors } from './word-vectors.js';
import { register as registerWsd } from './wsd.js';

/**
 * Every subcommand registers itself here, grouped by pipeline stage (the groups are the
 * headings of `smysl --help`). Keep one import and one call per command module; keep the stage
 * groups apart (they merge cleanly that way). New flags follow docs/cli.md.
 */
export function registerCommands(program: Command): void {
  program.commandsGroup('Corpus and text:');
  registerCorpus(program);
  registerText(program);
  registerTokenizer(program);

  program.commandsGroup('Embeddings:');
  // embed, similarity, model import|list
  registerTransformer(program);
  // static word vectors: training, then queries
  registerTrain(program);
  registerWordVectors(program);
  registerVectors(program);

  program.commandsGroup('Collections and search:');
  // index, search, compact
  registerCollections(program);

  program.commandsGroup('Tasks and evaluation:');
  registerClassify(program);
  registerCluster(program);
  registerLm(program);
  registerWsd(program);
  registerEvalRetrieval(program);
  registerEvalSts(program);
  registerEvalWords(program);
  registerBench(program);

  program.commandsGroup('Service and maps:');
  registerServe(program);
  registerPlot(program);
}
