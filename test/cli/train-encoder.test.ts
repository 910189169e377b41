import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, promises as fsp, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const bin = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));

function smysl(...args: string[]) {
  return spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8' });
}

const translations = [
  ['the cat sleeps', 'кошка спит'],
  ['the dog sleeps', 'собака спит'],
  ['the cat eats fish', 'кошка ест рыбу'],
  ['the dog eats meat', 'собака ест мясо'],
  ['a big red house', 'большой красный дом'],
  ['a small house', 'маленький дом'],
  ['the river is cold', 'река холодная'],
  ['the sun is hot', 'солнце горячее'],
];

test('train encoder: translation and scored-pair files → a student that embed and similarity accept', async () => {
  const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'smysl-train-encoder-'));
  try {
    const pairs = path.join(dir, 'pairs.tsv');
    await fsp.writeFile(pairs, translations.map((p) => p.join('\t')).join('\n'));
    const scored = path.join(dir, 'scored.csv');
    await fsp.writeFile(
      scored,
      'кошка спит,собака спит,2.5\nкошка спит,кошка спит,5\nрека холодная,солнце горячее,0.5\n',
    );
    const out = path.join(dir, 'model');
    const base = ['train', 'encoder', pairs, scored, '--embedder', 'trigram'];
    const common = ['--dev', scored, '--teacher-cache', path.join(dir, 'cache'), '--json', '--quiet'];
    const r = smysl(...base, '--out', out, '--epochs', '3', ...common);
    assert.equal(r.status, 0, r.stderr);
    const summary = JSON.parse(r.stdout);
    assert.equal(summary.out, out);
    assert.ok(summary.bestEpoch >= 1 && summary.bestEpoch <= 3);
    assert.equal(typeof summary.devSpearman, 'number');
    assert.ok(!existsSync(`${out}.checkpoint`), 'the checkpoint is removed after a finished run');
    const manifest = JSON.parse(readFileSync(path.join(out, 'manifest.json'), 'utf8'));
    assert.equal(manifest.method, 'student');
    assert.equal(manifest.dim, 256);
    assert.equal(manifest.info.teacher, 'trigram-256');
    assert.equal(manifest.info.training.bestEpoch, summary.bestEpoch);
    assert.match(manifest.info.command, /train encoder/);
    // the same seed and data give the same model
    const again = path.join(dir, 'again');
    assert.equal(smysl(...base, '--out', again, '--epochs', '3', ...common).status, 0);
    assert.deepEqual(readFileSync(path.join(again, 'table.bin')), readFileSync(path.join(out, 'table.bin')));
    const sim = smysl(
      'similarity',
      'кошка спит',
      'кошка спит',
      '--embedder',
      'student',
      '--set',
      `model=${out}`,
      '--json',
    );
    assert.equal(sim.status, 0, sim.stderr);
    assert.ok(Math.abs(JSON.parse(sim.stdout).cosine - 1) < 1e-6);
    const emb = smysl(
      'embed',
      '--text',
      'собака ест',
      '--embedder',
      'student',
      '--set',
      `model=${out}`,
      '--json',
    );
    assert.equal(emb.status, 0, emb.stderr);
    // --center: the mean word vector of a text is taken out of the rows and recorded
    const text = path.join(dir, 'running.txt');
    await fsp.writeFile(text, 'кошка спит\nсобака спит\n');
    const centered = path.join(dir, 'centered');
    const c = smysl(...base, '--out', centered, '--epochs', '3', '--center', text, ...common);
    assert.equal(c.status, 0, c.stderr);
    const cm = JSON.parse(readFileSync(path.join(centered, 'manifest.json'), 'utf8'));
    assert.equal(cm.info.centered.source, 'running.txt');
    assert.equal(cm.info.centered.words, 4);
    assert.ok(cm.info.centered.norm > 0);
    assert.equal(cm.info.training.devSpearmanBeforeCentering, summary.devSpearman);
    assert.notDeepEqual(
      readFileSync(path.join(centered, 'table.bin')),
      readFileSync(path.join(out, 'table.bin')),
    );
    // refuses to replace a directory that is not a student model
    await fsp.mkdir(path.join(dir, 'other'));
    await fsp.writeFile(path.join(dir, 'other', 'keep.txt'), 'x');
    const refused = smysl(...base, '--out', path.join(dir, 'other'), '--epochs', '1', ...common);
    assert.equal(refused.status, 2, refused.stderr);
    assert.ok(existsSync(path.join(dir, 'other', 'keep.txt')));
  } finally {
    await fsp.rm(dir, { recursive: true, force: true });
  }
});

test('train encoder without inputs or a recipe is a usage error', () => {
  const r = smysl('train', 'encoder', '--out', path.join(os.tmpdir(), 'never-written'));
  assert.equal(r.status, 2);
  assert.match(r.stderr, /training files|--recipe/);
});
