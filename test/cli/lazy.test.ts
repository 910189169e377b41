import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { COMMAND_MODULES, registerCommand } from '../../src/cli/commands/lazy.js';
import { buildProgram } from '../../src/cli/program.js';
import { newProgram } from '../../src/cli/run.js';

// `smysl <command>` registers only that command's modules (src/cli/commands/lazy.ts): the table
// must give every command of the whole program exactly as the whole program has it.

/** Everything --help shows of a command and of its subcommands, recursively. */
function describe(cmd: Command): string {
  return [cmd.helpInformation(), ...cmd.commands.map(describe)].join('\n');
}

test('the lazy command table registers every command exactly as the whole program does', async () => {
  const full = buildProgram();
  const names = full.commands.map((c) => c.name()).filter((n) => n !== 'help');
  assert.deepEqual([...names].sort(), Object.keys(COMMAND_MODULES).sort());
  for (const name of names) {
    const alone = newProgram();
    assert.equal(await registerCommand(alone, name), true);
    const mine = alone.commands.find((c) => c.name() === name);
    assert.ok(mine, `${name}: its modules do not register it`);
    assert.equal(describe(mine), describe(full.commands.find((c) => c.name() === name)!), name);
  }
  assert.equal(await registerCommand(newProgram(), 'no-such-command'), false);
  assert.equal(await registerCommand(newProgram(), 'toString'), false);
});

test('a command line loads only its command; help, version and unknown commands still work', () => {
  const bin = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
  const smysl = (args: string[]) => spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8' });
  const help = smysl(['--help']);
  assert.equal(help.status, 0);
  for (const name of Object.keys(COMMAND_MODULES)) assert.match(help.stdout, new RegExp(`\\n  ${name}\\b`));
  assert.match(smysl(['--version']).stdout, /^\d+\.\d+\.\d+/);
  const search = smysl(['search', '--help']);
  assert.equal(search.status, 0);
  assert.match(search.stdout, /Usage: smysl search/);
  assert.match(search.stdout, /--debug/); // global options are there too
  const unknown = smysl(['serach', 'x']);
  assert.equal(unknown.status, 2);
  assert.match(unknown.stderr, /unknown command 'serach'[\s\S]*search/); // the suggestion needs every command
  const bad = smysl(['search']);
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /missing required argument/);
});
