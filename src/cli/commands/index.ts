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
import { register as registerTokenize } from './tokenize.js';
import { register as registerTokenizer } from './tokenizer.js';
import { register as registerTrain } from './train.js';
import { register as registerTransformer } from './transformer.js';
import { register as registerVectorize } from './vectorize.js';
import { register as registerWordVectors } from './word-vectors.js';
import { register as registerWsd } from './wsd.js';

/**
 * Every subcommand registers itself here, grouped by pipeline stage. Keep one import and one
 * call per command module; keep the stage groups apart (they merge cleanly that way).
 */
export function registerCommands(program: Command): void {
  // corpus
  registerCorpus(program);

  // text
  registerTokenize(program);

  // embed: sparse
  registerVectorize(program);

  // embed: static word vectors (training)
  registerTrain(program);

  // embed: static word vectors (queries, formats, evaluation)
  registerWordVectors(program);
  registerEvalWords(program);

  // text: subword tokenizers
  registerTokenizer(program);

  // embed: transformer
  registerTransformer(program);

  // vectors, index, store, search
  registerCollections(program);

  // tasks and eval
  registerLm(program);
  registerWsd(program);
  registerEvalRetrieval(program);
  registerClassify(program);
  registerCluster(program);
  registerEvalSts(program);
  registerBench(program);

  // server
  registerServe(program);
  registerPlot(program);
}
