import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const bin = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8'));

function smysl(...args: string[]) {
  return spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8' });
}

test('--version prints the package version', () => {
  const r = smysl('--version');
  assert.equal(r.status, 0);
  assert.equal(r.stdout.trim(), pkg.version);
});

test('--help lists the program and exits 0', () => {
  const r = smysl('--help');
  assert.equal(r.status, 0);
  assert.match(r.stdout, /Usage: smysl/);
});

test('an unknown command is a usage error (exit 2)', () => {
  const r = smysl('no-such-command');
  assert.equal(r.status, 2);
  assert.match(r.stderr, /unknown command|too many arguments/);
});
