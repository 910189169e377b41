import { Command, CommanderError } from 'commander';
import { isSmyslError } from '../errors.js';
import { VERSION } from '../version.js';
import { rewriteDeprecated } from './aliases.js';
import { registerCommand } from './commands/lazy.js';

/** The program without its commands: name, version, global options, help settings. */
export function newProgram(): Command {
  return new Command('smysl')
    .description(
      'Text embeddings in TypeScript: corpora, tokenizers, embedders, indexes, search, evaluation.',
    )
    .version(VERSION, '-v, --version', 'print the version')
    .option('--debug', 'print stack traces on errors', false)
    .showHelpAfterError('(run with --help for usage)')
    .configureHelp({ showGlobalOptions: true, sortSubcommands: false })
    .exitOverride();
}

/** Errors become return codes everywhere (commander would otherwise call process.exit). */
export function overrideExits(program: Command): Command {
  const walk = (cmd: Command) => {
    for (const c of cmd.commands) {
      c.exitOverride();
      walk(c);
    }
  };
  walk(program);
  return program;
}

/**
 * The program a command line needs: only the named command's modules when it names one the lazy
 * table knows (most of a short command's time is loading modules), the whole program otherwise
 * (help, unknown commands, suggestions).
 */
async function programFor(argv: readonly string[]): Promise<Command> {
  const name = argv.find((a) => !a.startsWith('-'));
  if (name === undefined && argv.length > 0 && argv.every((a) => a === '-v' || a === '--version'))
    return newProgram();
  if (name !== undefined) {
    const program = newProgram();
    if (await registerCommand(program, name)) return overrideExits(program);
  }
  return (await import('./program.js')).buildProgram();
}

/** Runs the CLI and returns the exit code: 0 ok, 1 failure, 2 usage or strict-input problem. */
export async function run(input: string[]): Promise<number> {
  const { argv, notices } = rewriteDeprecated(input);
  for (const n of notices) process.stderr.write(`${n}\n`);
  const program = await programFor(argv);
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
