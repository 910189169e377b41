import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const bin = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));

function smysl(args: string[], input?: string) {
  return spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', input });
}

test('text tokenize prints one token per line', () => {
  const r = smysl(['text', 'tokenize', 'Из-за дождя, don’t 3,14!']);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, 'Из-за\nдождя\ndon’t\n3,14\n');
});

test('text tokenize --punct --lowercase', () => {
  const r = smysl(['text', 'tokenize', '--punct', '--lowercase', 'Привет, Мир!']);
  assert.equal(r.stdout, 'привет\n,\nмир\n!\n');
});

test('text tokenize --stopwords --stem (Russian, auto language)', () => {
  const r = smysl(['text', 'tokenize', '--stopwords', '--stem', 'Мы пошли в кино и смотрели фильмы']);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, 'пошл\nкин\nсмотрел\nфильм\n');
});

test('text tokenize --ngram 1,2 reads standard input with "-"', () => {
  const r = smysl(['text', 'tokenize', '--ngram', '1,2', '--lowercase', '-'], 'New York city');
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, 'new\nyork\ncity\nnew york\nyork city\n');
});

test('text sentences', () => {
  const r = smysl(['text', 'sentences', '-'], '«Привет!» — сказал он. Потом\nушёл.\n\nНовый абзац');
  assert.equal(r.stdout, '«Привет!» — сказал он.\nПотом ушёл.\nНовый абзац\n');
});

test('text tokenize --json gives offsets into the input', () => {
  const text = 'Mr. Smith: e-mail a@b.io';
  const r = smysl(['text', 'tokenize', '--json', text]);
  const out = JSON.parse(r.stdout);
  assert.equal(out.language, 'en');
  assert.deepEqual(
    out.tokens.map((t: { text: string; type: string }) => [t.text, t.type]),
    [
      ['Mr', 'word'],
      ['Smith', 'word'],
      ['e-mail', 'word'],
      ['a@b.io', 'email'],
    ],
  );
  for (const t of out.tokens) assert.equal(text.slice(t.start, t.end), t.text);
});

test('text sentences --json: sentence and token offsets', () => {
  const text = 'Он пришёл. Она ушла.';
  const out = JSON.parse(smysl(['text', 'sentences', '--json', text]).stdout);
  assert.equal(out.sentences.length, 2);
  const second = out.sentences[1];
  assert.equal(text.slice(second.start, second.end), 'Она ушла.');
  assert.equal(text.slice(second.tokens[1].start, second.tokens[1].end), 'ушла');
});

test('text tokenize: bad options are usage errors (exit 2)', () => {
  assert.equal(smysl(['text', 'tokenize', '--lang', 'de', 'x']).status, 2);
  assert.equal(smysl(['text', 'tokenize', '--ngram', '2,1', 'x']).status, 2);
  assert.equal(smysl(['text', 'tokenize']).status, 2);
});
