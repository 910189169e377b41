import type { Command } from 'commander';

type CommandModule = { register(program: Command): void };

/**
 * The module(s) that register each top-level command, imported only when that command runs:
 * `smysl search` then loads search's modules and not those of the other thirty commands (each
 * pulls in its stage: trainers, readers, the server, …), which is most of a short command's time.
 * `smysl --help` and anything not listed here load the whole program (index.ts). Modules that add
 * subcommands to one group (eval) are listed in registration order.
 * test/cli/lazy.test.ts keeps this table equal to the full program's commands.
 */
export const COMMAND_MODULES: Readonly<Record<string, readonly (() => Promise<CommandModule>)[]>> = {
  corpus: [() => import('./corpus.js')],
  text: [() => import('./tokenize.js')],
  tokenizer: [() => import('./tokenizer.js')],
  embed: [() => import('./embed.js')],
  similarity: [() => import('./similarity.js')],
  model: [() => import('./model.js')],
  train: [() => import('./train.js')],
  words: [() => import('./word-vectors.js')],
  vectors: [() => import('./vectors.js')],
  index: [() => import('./index-documents.js')],
  search: [() => import('./search.js')],
  compact: [() => import('./compact.js')],
  collections: [() => import('./collections-admin.js')],
  classify: [() => import('./classify.js')],
  cluster: [() => import('./cluster.js')],
  lm: [() => import('./lm.js')],
  wsd: [() => import('./wsd.js')],
  eval: [() => import('./eval.js'), () => import('./eval-sts.js'), () => import('./eval-words.js')],
  bench: [() => import('./bench.js')],
  serve: [() => import('./serve.js')],
  plot: [() => import('./plot.js')],
};

/** Registers the modules of one command on `program`; false when the table does not know it. */
export async function registerCommand(program: Command, name: string): Promise<boolean> {
  const loaders = Object.hasOwn(COMMAND_MODULES, name) ? COMMAND_MODULES[name] : undefined;
  if (!loaders) return false;
  for (const m of await Promise.all(loaders.map((load) => load()))) m.register(program);
  return true;
}
