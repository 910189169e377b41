import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const bin = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
const golden = (name: string) =>
  fileURLToPath(new URL(`../../../test/golden/wordvec/${name}`, import.meta.url));

function smysl(...args: string[]) {
  return spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8' });
}

test('words similar --json lists k neighbours without the query word', () => {
  const r = smysl('words', 'similar', '--vectors', golden('small.bin'), 'police', '-k', '4', '--json');
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  assert.equal(out.word, 'police');
  assert.equal(out.neighbors.length, 4);
  assert.ok(out.neighbors.every((n: { word: string }) => n.word !== 'police'));
  assert.ok(out.neighbors[0].score >= out.neighbors[3].score);
});

test('words analogy prints a table; --scoring mul changes the method', () => {
  const r = smysl(
    'words',
    'analogy',
    '--vectors',
    golden('small.txt'),
    'government',
    'australia',
    'police',
    '-k',
    '3',
  );
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /rank\s+word\s+cosine/);
  assert.equal(r.stdout.trim().split('\n').length, 5);
  const m = smysl(
    'words',
    'analogy',
    '--vectors',
    golden('small.txt'),
    'government',
    'australia',
    'police',
    '--scoring',
    'mul',
    '--json',
  );
  assert.equal(JSON.parse(m.stdout).method, '3CosMul');
});

test('eval words --json reports pairs and analogies', () => {
  const r = smysl(
    'eval',
    'words',
    '--vectors',
    golden('small.txt'),
    '--pairs',
    golden('pairs.tsv'),
    '--analogies',
    golden('analogies.txt'),
    '--json',
  );
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  assert.equal(out.words, 603);
  assert.equal(out.pairs[0].pairs, 62);
  assert.equal(out.pairs[0].covered, 60);
  assert.equal(out.analogies[0].questions, 82);
  assert.equal(out.analogies[0].correct, 40);
});

test('usage and input errors exit 2 with a message', () => {
  const none = smysl('eval', 'words', '--vectors', golden('small.txt'));
  assert.equal(none.status, 2);
  assert.match(none.stderr, /--pairs and\/or --analogies/);
  const oov = smysl('words', 'similar', '--vectors', golden('small.txt'), 'notaword');
  assert.equal(oov.status, 2);
  assert.match(oov.stderr, /"notaword" is not in the vocabulary/);
  const missing = smysl('words', 'similar', '--vectors', '/nonexistent/vectors.txt', 'x');
  assert.equal(missing.status, 1);
  assert.match(missing.stderr, /cannot read \/nonexistent\/vectors.txt/);
});
