import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';

const bin = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
const root = mkdtempSync(path.join(os.tmpdir(), 'smysl-cli-store-'));
after(() => rmSync(root, { recursive: true, force: true }));

function smysl(...args: string[]) {
  return spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', cwd: root });
}

test('index, search (table, JSON, --where), re-index skips, compact, wrong embedder', () => {
  const corpus = path.join(root, 'docs.jsonl');
  writeFileSync(
    corpus,
    [
      { id: 'v', text: 'Lava flows from the erupting volcano.', title: 'Volcanoes', lang: 'en' },
      { id: 'w', text: 'Whales sing songs across the ocean.', title: 'Whales', lang: 'en' },
      { id: 'k', text: 'Кошка спит на тёплом подоконнике.', title: 'Кошки', lang: 'ru' },
    ]
      .map((r) => JSON.stringify(r))
      .join('\n'),
  );
  let r = smysl('index', corpus, '--collection', 'demo', '--json');
  assert.equal(r.status, 0, r.stderr);
  assert.equal(JSON.parse(r.stdout).added, 3);
  r = smysl('search', 'erupting volcano', '--collection', 'demo', '-k', '2');
  assert.equal(r.status, 0, r.stderr);
  // rank, score, the side(s) that found it, file:line, title; then the snippet
  assert.match(r.stdout.split('\n')[0], /^1 {2}\d\.\d{3} {2}dense 1.* {2}docs\.jsonl:1 {2}Volcanoes$/);
  assert.match(r.stdout.split('\n')[1], /^ {3}Lava flows from the erupting volcano\.$/);
  r = smysl('search', 'кошка', '--collection', 'demo', '--json', '--where', 'lang=ru');
  const hits = JSON.parse(r.stdout);
  assert.deepEqual(
    hits.map((h: { id: string }) => h.id),
    ['k'],
  );
  r = smysl('index', corpus, '--collection', 'demo', '--json');
  assert.equal(JSON.parse(r.stdout).unchanged, 3);
  r = smysl('compact', '--collection', 'demo', '--json');
  assert.equal(JSON.parse(r.stdout).removedRows, 0);
  r = smysl('index', corpus, '--collection', 'demo', '--embedder', 'trigram');
  assert.equal(r.status, 1);
  // a collection holding Russian is indexed through the bilingual encoder (MiniLM + minilm-ru)
  assert.match(r.stderr, /indexed with embedder routed:transformer:minilm:fp32\+student:minilm-ru:int8/);
  // every collection also answers lexically (BM25 over its chunks)
  r = smysl('search', 'volcano', '--collection', 'demo', '--json', '--method', 'sparse');
  assert.deepEqual(
    JSON.parse(r.stdout).map((h: { id: string }) => h.id),
    ['v'],
  );
  r = smysl('search', 'x', '--collection', 'missing');
  assert.equal(r.status, 1);
  assert.match(r.stderr, /no collection/);
  r = smysl('search', 'x', '--collection', 'demo', '--where', 'novalue');
  assert.equal(r.status, 2);
});

test('vectors report prints anisotropy before and after each step', () => {
  const file = path.join(root, 'v.vec');
  mkdirSync(root, { recursive: true });
  const lines = ['4 3', 'a 1 2 3', 'b 1.1 2 2.9', 'c 0.9 2.2 3', 'd 1 1.8 3.1'];
  writeFileSync(file, `${lines.join('\n')}\n`);
  const r = smysl('vectors', 'report', file, '--steps', 'center,l2', '--json', '--pairs', '200');
  assert.equal(r.status, 0, r.stderr);
  const report = JSON.parse(r.stdout);
  assert.deepEqual(
    report.map((s: { step: string }) => s.step),
    ['input', 'center', 'l2'],
  );
  assert.ok(report[0].meanCosine > 0.95);
  assert.ok(report[1].meanCosine < 0.5);
  const bad = smysl('vectors', 'report', file, '--steps', 'pca:x');
  assert.equal(bad.status, 2);
});
