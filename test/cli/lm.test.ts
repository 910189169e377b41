import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const bin = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
const smysl = (...args: string[]) => spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8' });

test('lm train, perplexity and suggest from the command line', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'smysl-lm-cli-'));
  const corpus = path.join(dir, 'train.txt');
  writeFileSync(
    corpus,
    'Кошка сидит на ковре. Собака сидит на ковре.\n\nThe cat sat on the mat. The dog sat on the mat.\n',
  );
  const model = path.join(dir, 'lm.json');
  let r = smysl('lm', 'train', corpus, '--out', model, '--order', '3', '--json');
  assert.equal(r.status, 0, r.stderr);
  const summary = JSON.parse(r.stdout);
  assert.equal(summary.sentences, 4);
  assert.equal(summary.tokens, 20);
  r = smysl('lm', 'suggest', '--model', model, 'собака сидит на ', '--json');
  assert.equal(r.status, 0, r.stderr);
  assert.equal(JSON.parse(r.stdout)[0].word, 'ковре');
  r = smysl('lm', 'suggest', '--model', model, 'the cat sat on the m', '--json');
  assert.deepEqual(
    JSON.parse(r.stdout).map((s: { word: string }) => s.word),
    ['mat'],
  );
  r = smysl('lm', 'perplexity', '--model', model, corpus, '--json');
  assert.equal(r.status, 0, r.stderr);
  const p = JSON.parse(r.stdout);
  assert.equal(p.tokens, 24); // 20 words + 4 sentence ends
  assert.ok(p.perplexity > 1 && p.perplexity < 5, `perplexity ${p.perplexity}`);
  r = smysl('lm', 'suggest', '--model', corpus, 'x');
  assert.equal(r.status, 1);
  assert.match(r.stderr, /train\.txt: not JSON/);
});
