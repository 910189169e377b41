import type { Command } from 'commander';
import { registerCommands } from './commands/index.js';
import { newProgram, overrideExits } from './run.js';

export { run } from './run.js';

/** The whole program, every command registered (help, docs, tests); `run` loads only what a command line needs. */
export function buildProgram(): Command {
  const program = newProgram();
  registerCommands(program);
  return overrideExits(program);
}
