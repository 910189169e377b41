import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const bin = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
const fixtures = fileURLToPath(new URL('../../../test/fixtures/wsd/', import.meta.url));
const smysl = (...args: string[]) => spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8' });

test('wsd train and eval on a tiny corpus with MiniLM: defaults, JSON report, every instance accounted for', () => {
  const out = path.join(mkdtempSync(path.join(tmpdir(), 'smysl-wsd-cli-')), 'senses.bin');
  const corpus = path.join(fixtures, 'corpus');
  const dict = path.join(fixtures, 'dict');
  const train = smysl('wsd', 'train', corpus, '--wordnet', dict, '--out', out, '--json', '--quiet');
  assert.equal(train.status, 0, train.stderr);
  const summary = JSON.parse(train.stdout);
  // sense-key vectors for the two bank senses and coast (unknownword has no WordNet sense)
  assert.equal(summary.vectors, 3);
  assert.equal(summary.level, 'sense');
  assert.equal(summary.context, 1);
  assert.equal(summary.instances, 4);

  const evaluation = smysl('wsd', 'eval', corpus, '--model', out, '--wordnet', dict, '--json', '--quiet');
  assert.equal(evaluation.status, 0, evaluation.stderr);
  const report = JSON.parse(evaluation.stdout);
  assert.equal(report.prior, 0.1);
  assert.equal(report.gloss, 0.25);
  assert.equal(report.context, 1);
  assert.equal(report.system.total, 5);
  assert.equal(report.system.attempted, 4);
  assert.equal(report.firstSense.correct, 2);
  // every candidate was seen in training, so sense vectors decide all four
  assert.deepEqual(report.decidedBy, { vector: 4, gloss: 0, 'first-sense': 0 });

  const bad = smysl('wsd', 'eval', corpus, '--model', out, '--wordnet', dict, '--gloss', 'x');
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /--gloss/);
});
