import { Command, CommanderError } from 'commander';
import { isSmyslError } from '../errors.js';
import { VERSION } from '../version.js';
import { rewriteDeprecated } from './aliases.js';
import { registerCommands } from './commands/index.js';

export function buildProgram(): Command {
  const program = new Command('smysl')
    .description(
      'Text embeddings in TypeScript: corpora, tokenizers, embedders, indexes, search, evaluation.',
    )
    .version(VERSION, '-v, --version', 'print the version')
    .option('--debug', 'print stack traces on errors', false)
    .showHelpAfterError('(run with --help for usage)')
    .configureHelp({ showGlobalOptions: true, sortSubcommands: false })
    .exitOverride();
  registerCommands(program);
  for (const cmd of allCommands(program)) cmd.exitOverride();
  return program;
}

function* allCommands(cmd: Command): Generator<Command> {
  for (const c of cmd.commands) {
    yield c;
    yield* allCommands(c);
  }
}

/** Runs the CLI and returns the exit code: 0 ok, 1 failure, 2 usage or strict-input problem. */
export async function run(input: string[]): Promise<number> {
  const program = buildProgram();
  const { argv, notices } = rewriteDeprecated(input);
  for (const n of notices) process.stderr.write(`${n}\n`);
  try {
    await program.parseAsync(argv, { from: 'user' });
    return 0;
  } catch (e) {
    if (e instanceof CommanderError) {
      // help and version "errors" are normal exits
      if (
        e.code === 'commander.helpDisplayed' ||
        e.code === 'commander.version' ||
        e.code === 'commander.help'
      )
        return 0;
      return 2;
    }
    const debug = program.opts().debug || argv.includes('--debug');
    if (isSmyslError(e)) {
      process.stderr.write(`smysl: ${e.message}\n`);
      if (debug && e.stack) process.stderr.write(`${e.stack}\n`);
      // 130: interrupted by Ctrl-C, as shells report it
      return e.code === 'E_USAGE' || e.code === 'E_INPUT' ? 2 : e.code === 'E_CANCELLED' ? 130 : 1;
    }
    const err = e as Error;
    process.stderr.write(`smysl: internal error: ${err?.message ?? String(e)}\n`);
    if (debug && err?.stack) process.stderr.write(`${err.stack}\n`);
    else process.stderr.write('(run with --debug for a stack trace)\n');
    return 1;
  }
}
