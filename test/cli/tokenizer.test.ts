import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const bin = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
const smysl = (...args: string[]) => spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8' });

test('tokenizer train writes a tokenizer.json that tokenizer encode uses', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'smysl-cli-tok-'));
  const corpus = path.join(dir, 'corpus.txt');
  const lines = Array.from(
    { length: 300 },
    (_, i) => `the cat sat on the mat number ${i % 17} and the dog ran`,
  );
  writeFileSync(corpus, `${lines.join('\n')}\n`);
  const out = path.join(dir, 'tokenizer.json');
  const train = smysl(
    'tokenizer',
    'train',
    '--algorithm',
    'bpe',
    '--vocab-size',
    '60',
    '--out',
    out,
    '--json',
    corpus,
  );
  assert.equal(train.status, 0, train.stderr);
  const summary = JSON.parse(train.stdout);
  assert.equal(summary.algorithm, 'bpe');
  assert.ok(summary.vocabSize <= 60);
  assert.equal(JSON.parse(readFileSync(out, 'utf8')).model.type, 'BPE');
  const enc = smysl('tokenizer', 'encode', '--model', out, '--json', 'the cat');
  assert.equal(enc.status, 0, enc.stderr);
  const result = JSON.parse(enc.stdout);
  assert.deepEqual(result.tokens, ['▁the', '▁cat']);
  assert.deepEqual(result.offsets, [
    [0, 3],
    [3, 7],
  ]);
  const bad = smysl('tokenizer', 'train', '--algorithm', 'nope', '--vocab-size', '10', '--out', out, corpus);
  assert.equal(bad.status, 2);
  const missing = smysl('tokenizer', 'encode', '--model', path.join(dir, 'none.json'), 'x');
  assert.equal(missing.status, 1);
  assert.match(missing.stderr, /cannot read tokenizer/);
});
