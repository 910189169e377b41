import type { Command } from 'commander';
import { register as registerCorpus } from './corpus.js';
import { register as registerEvalRetrieval } from './eval.js';
import { register as registerVectorize } from './vectorize.js';

/**
 * Every subcommand registers itself here, grouped by pipeline stage. Keep one import and one
 * call per command module; keep the stage groups apart (they merge cleanly that way).
 */
export function registerCommands(program: Command): void {
  // corpus
  registerCorpus(program);

  // text

  // embed: sparse
  registerVectorize(program);

  // embed: static word vectors (training)

  // embed: static word vectors (queries, formats, evaluation)

  // text: subword tokenizers

  // embed: transformer

  // vectors, index, store, search

  // tasks and eval
  registerEvalRetrieval(program);

  // server
}
