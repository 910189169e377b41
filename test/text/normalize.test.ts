import assert from 'node:assert/strict';
import { test } from 'node:test';
import { normalize } from '../../src/text/normalize.js';

/** [input, options, expected] */
const cases: [string, Parameters<typeof normalize>[1], string][] = [
  // defaults: NFKC, invisible characters out, lowercase, whitespace folded
  ['Привет, Мир', {}, 'привет, мир'],
  ['ЁЛКА ЙОД ЪЕЛ', {}, 'ёлка йод ъел'],
  ['  много   пробелов\t\nи\u00A0строк  ', {}, 'много пробелов и строк'],
  ['a \t b\u00A0c\u3000d\n', {}, 'a b c d'],
  ['one two', { lowercase: false }, 'one two'],
  ['ﬁne ＦＵＬＬ ①', {}, 'fine full 1'],
  ['Многоточие…', {}, 'многоточие...'],
  ['пере\u00ADнос и нуле\u200Bвой', {}, 'перенос и нулевой'],
  ['\uFEFFтекст', {}, 'текст'],
  // й and ё are single code points after NFKC and stay as they are by default
  ['и\u0306од е\u0308ж', {}, 'йод ёж'],
  ['заме́тка', {}, 'заме́тка'],
  // accent stripping: stress marks and Latin accents go, й and ё stay
  ['заме́тка, мо́локо́', { stripAccents: true }, 'заметка, молоко'],
  ['Йогурт, ёжик, ЁЖ, йод', { stripAccents: true }, 'йогурт, ёжик, ёж, йод'],
  ['café naïve Ångström', { stripAccents: true }, 'cafe naive angstrom'],
  ['ё́лка', { stripAccents: true }, 'ёлка'],
  ['Ўсё і ї', { stripAccents: true }, 'ўсё і ї'],
  // ё → е only when asked
  ['Ёлка и ёж', { yoToYe: true }, 'елка и еж'],
  ['Ёлка и ёж', { yoToYe: true, lowercase: false }, 'Елка и еж'],
  ['Ёлка, йод, ударе́ние', { yoToYe: true, stripAccents: true }, 'елка, йод, ударение'],
  // each step can be switched off
  ['Привет  Мир', { lowercase: false }, 'Привет Мир'],
  ['a  b', { foldWhitespace: false }, 'a  b'],
  ['ﬁ', { nfkc: false }, 'ﬁ'],
  ['a\u00ADb', { removeInvisible: false }, 'a\u00ADb'],
  // ASCII fast path
  ['already normal text', {}, 'already normal text'],
  ['Capital Letters', {}, 'capital letters'],
  [' padded', {}, 'padded'],
  ['', {}, ''],
];

for (const [input, opts, expected] of cases) {
  test(`normalize(${JSON.stringify(input)}, ${JSON.stringify(opts)})`, () => {
    assert.equal(normalize(input, opts), expected);
  });
}

test('stripAccents never turns й into и nor ё into е', () => {
  const out = normalize('ЙЁйё', { stripAccents: true, lowercase: false });
  assert.equal(out, 'ЙЁйё');
  assert.equal(out.normalize('NFC'), out);
});

test('the fast path returns the same string', () => {
  const s = 'plain ascii words';
  assert.equal(normalize(s), s);
});
