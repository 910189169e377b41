import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { tempDir, writeFiles } from './helpers.js';

const bin = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
const projectRoot = fileURLToPath(new URL('../../../', import.meta.url));
const sharedData = join(projectRoot, '..', 'shared', 'data');
const dir = tempDir();

function smysl(...args: string[]) {
  return spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', cwd: projectRoot });
}

const lines = [
  '{"id": "n1", "category": "news", "text": "Stocks rose on Monday."}',
  '{"id": "n2", "category": "news", "text": "Rain is expected tomorrow."}',
  '{"id": "s1", "category": "sport", "text": "The final ended in a draw."',
  '{"id": "s2", "category": "sport", "text": "Футбол и хоккей."}',
];
writeFiles(dir, { 'mixed.jsonl': `${lines.join('\n')}\n` });
const mixed = join(dir, 'mixed.jsonl');

test('corpus stats --json: a broken JSONL line is reported by number and the rest is processed', () => {
  const r = smysl('corpus', 'stats', mixed, '--json');
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  assert.equal(out.documents, 3);
  assert.equal(out.format, 'jsonl');
  assert.deepEqual(out.skipped, { 'malformed-json': 1 });
  assert.equal(out.examples[0].line, 3);
  assert.equal(out.tokens, 4 + 4 + 3);
  assert.match(r.stderr, /skipped 1 item\(s\) with problems: malformed-json 1/);
  assert.match(r.stderr, /mixed\.jsonl:3: malformed JSON/);
});

test('corpus stats --strict exits with code 2 and names the line', () => {
  const r = smysl('corpus', 'stats', mixed, '--strict');
  assert.equal(r.status, 2);
  assert.match(r.stderr, /mixed\.jsonl:3: malformed JSON/);
  assert.doesNotMatch(r.stderr, /at .*\.js:\d+/);
  assert.equal(r.stdout, '');
});

test('corpus stats: --where filters, --quiet silences the summary, human output has the table', () => {
  const r = smysl('corpus', 'stats', mixed, '--where', 'category=news', '--quiet', '--json');
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  assert.equal(out.documents, 2);
  assert.equal(out.filtered, 1);
  assert.equal(r.stderr, '');
  const human = smysl('corpus', 'stats', mixed, '--top', '3');
  assert.equal(human.status, 0);
  assert.match(human.stdout, /^documents\s+3$/m);
  assert.match(human.stdout, /^skipped\s+1 \(malformed-json 1\)$/m);
  assert.match(human.stdout, /top words/);
});

test('corpus stats: bad usage exits 2 with a message', () => {
  writeFiles(dir, { 'table.csv': 'a,b\n1,2\n' });
  const r = smysl('corpus', 'stats', join(dir, 'table.csv'));
  assert.equal(r.status, 2);
  assert.match(r.stderr, /--text-column/);
  const missing = smysl('corpus', 'stats', join(dir, 'nope.jsonl'));
  assert.equal(missing.status, 1);
  assert.match(missing.stderr, /cannot read/);
  const badFormat = smysl('corpus', 'stats', mixed, '--format', 'xml');
  assert.equal(badFormat.status, 2);
});

test('corpus stats --help lists every option with its default', () => {
  const r = smysl('corpus', 'stats', '--help');
  assert.equal(r.status, 0);
  for (const flag of [
    '--format',
    '--split',
    '--text-field',
    '--id-field',
    '--title-field',
    '--json-path',
    '--text-column',
    '--id-column',
    '--where',
    '--strict',
    '--json',
    '--quiet',
  ])
    assert.ok(r.stdout.includes(flag), flag);
  assert.match(r.stdout, /default: "auto"/);
  assert.match(r.stdout, /default: "line"/);
});

test('the shipped example corpus reads cleanly', () => {
  const r = smysl('corpus', 'stats', 'examples/corpus', '--json');
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  assert.ok(out.documents >= 35, `documents ${out.documents}`);
  assert.equal(out.skippedTotal, 0);
  assert.equal(out.language, 'mixed');
});

/** An independent count: whitespace-separated chunks holding a letter or digit. */
function roughTokenCount(text: string): number {
  let n = 0;
  for (const chunk of text.split(/\s+/)) if (/[\p{L}\p{N}]/u.test(chunk)) n++;
  return n;
}

test('shared data: brown_docs.jsonl has 500 documents and a plausible token count', (t) => {
  const path = join(sharedData, 'brown_corpus', 'brown_docs.jsonl');
  if (!existsSync(path)) return t.skip(`${path} is absent`);
  const r = smysl('corpus', 'stats', path, '--json', '--quiet');
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  assert.equal(out.documents, 500);
  assert.equal(out.skippedTotal, 0);
  assert.equal(out.language, 'en');
  let rough = 0;
  for (const line of readFileSync(path, 'utf8').split('\n'))
    if (line.trim() !== '') rough += roughTokenCount(JSON.parse(line).text);
  const ratio = out.tokens / rough;
  assert.ok(ratio > 0.9 && ratio < 1.15, `tokens ${out.tokens} vs independent ${rough}`);
});

test('shared data: ru_classics has 3 Russian documents and a plausible token count', (t) => {
  const path = join(sharedData, 'ru_classics');
  if (!existsSync(path)) return t.skip(`${path} is absent`);
  const r = smysl('corpus', 'stats', path, '--json', '--quiet');
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  assert.equal(out.documents, 3);
  assert.equal(out.language, 'ru');
  let rough = 0;
  for (const f of [
    'gogol_noch_pered_rozhdestvom.txt',
    'tolstoy_anna_karenina.txt',
    'tolstoy_war_and_peace.txt',
  ])
    rough += roughTokenCount(readFileSync(join(path, f), 'utf8'));
  const ratio = out.tokens / rough;
  assert.ok(ratio > 0.9 && ratio < 1.15, `tokens ${out.tokens} vs independent ${rough}`);
});

test('corpus stats --encoding cp1251 reads a cp1251 file; without it the problem names the encoding', () => {
  const file = join(projectRoot, 'test/fixtures/encodings/war-and-peace.cp1251.txt');
  const ok = smysl('corpus', 'stats', file, '--encoding', 'cp1251', '--json');
  assert.equal(ok.status, 0, ok.stderr);
  const out = JSON.parse(ok.stdout);
  assert.equal(out.documents, 4);
  // Russian with a French quotation: the Cyrillic letters decoded as Cyrillic
  assert.equal(out.scripts.cyrillic, 313);
  assert.ok(out.topWords.some((w: { word: string }) => w.word === 'грипп'));
  const bad = smysl('corpus', 'stats', file, '--json');
  assert.equal(JSON.parse(bad.stdout).documents, 0);
  assert.match(bad.stderr, /try --encoding windows-1251/);
  const unknown = smysl('corpus', 'stats', file, '--encoding', 'cp9999');
  assert.equal(unknown.status, 2);
  assert.match(unknown.stderr, /unknown encoding "cp9999"/);
});
