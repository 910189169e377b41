import type { Command } from 'commander';
import { register as registerTrain } from './train.js';

/**
 * Every subcommand registers itself here, grouped by pipeline stage. Keep one import and one
 * call per command module; keep the stage groups apart (they merge cleanly that way).
 */
export function registerCommands(program: Command): void {
  // corpus
  void program;

  // text

  // embed: sparse

  // embed: static word vectors (training)
  registerTrain(program);

  // embed: static word vectors (queries, formats, evaluation)

  // text: subword tokenizers

  // embed: transformer

  // vectors, index, store, search

  // tasks and eval

  // server
}
