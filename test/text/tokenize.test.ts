import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { chars, charTokens, tokenize, words } from '../../src/text/tokenize.js';
import * as oracle from './scanner-oracle.js';

/** [input, expected words()] — Russian. */
const russian: [string, string[]][] = [
  ['Мама мыла раму.', ['Мама', 'мыла', 'раму']],
  ['Из-за дождя мы остались дома.', ['Из-за', 'дождя', 'мы', 'остались', 'дома']],
  ['Кое-что он всё-таки понял.', ['Кое-что', 'он', 'всё-таки', 'понял']],
  ['Где-нибудь, когда-нибудь, как-нибудь', ['Где-нибудь', 'когда-нибудь', 'как-нибудь']],
  ['Санкт-Петербург и Ростов-на-Дону', ['Санкт-Петербург', 'и', 'Ростов-на-Дону']],
  ['Ёлка, йод, объём, подъезд', ['Ёлка', 'йод', 'объём', 'подъезд']],
  ['заме́тка с ударе́нием', ['заме́тка', 'с', 'ударе́нием']],
  ['Число π равно 3,14, а e — 2.718.', ['Число', 'π', 'равно', '3,14', 'а', 'e', '2.718']],
  ['В 1990-х годах', ['В', '1990-х', 'годах']],
  ['2-й этап, 5-го числа', ['2-й', 'этап', '5-го', 'числа']],
  ['1990-2000 гг.', ['1990', '2000', 'гг']],
  ['Цена: 1 000 руб.', ['Цена', '1', '000', 'руб']],
  ['т.е. и т.д. и т. п.', ['т', 'е', 'и', 'т', 'д', 'и', 'т', 'п']],
  ['«Привет!» — сказал он.', ['Привет', 'сказал', 'он']],
  ['— Куда? — спросила она…', ['Куда', 'спросила', 'она']],
  ['Пишите: ivan.petrov@mail.ru!', ['Пишите', 'ivan.petrov@mail.ru']],
  ['почта@пример.рф работает', ['почта@пример.рф', 'работает']],
  [
    'Сайт https://ru.wikipedia.org/wiki/Москва, смотрите.',
    ['Сайт', 'https://ru.wikipedia.org/wiki/Москва', 'смотрите'],
  ],
  ['#ПутинВсё и @durov_1 в чате', ['#ПутинВсё', 'и', '@durov_1', 'в', 'чате']],
  ['COVID-19 и SARS-CoV-2', ['COVID-19', 'и', 'SARS-CoV-2']],
  ['по-русски, по-моему', ['по-русски', 'по-моему']],
  ['слово -тире- слово', ['слово', 'тире', 'слово']],
  ['Он сказал:"нет".', ['Он', 'сказал', 'нет']],
  ['23.11.2026 в 12:30', ['23.11.2026', 'в', '12', '30']],
  ['Ну... ладно!!!', ['Ну', 'ладно']],
  ['д’Артаньян и О’Генри', ['д’Артаньян', 'и', 'О’Генри']],
  ['мягкий\u00ADперенос', ['мягкий\u00ADперенос']],
  ['ХХ век — (19-й?) нет', ['ХХ', 'век', '19-й', 'нет']],
];

/** [input, expected words()] — English. */
const english: [string, string[]][] = [
  ["Don't stop, won't stop.", ["Don't", 'stop', "won't", 'stop']],
  ["O'Neil met O’Brien at rock'n'roll night", ["O'Neil", 'met', 'O’Brien', 'at', "rock'n'roll", 'night']],
  ['A state-of-the-art, well-known system.', ['A', 'state-of-the-art', 'well-known', 'system']],
  ['Pi is 3.14159; 1,000,000 people.', ['Pi', 'is', '3.14159', '1,000,000', 'people']],
  ['It costs $5.99 (or 5,99 €).', ['It', 'costs', '5.99', 'or', '5,99']],
  ['Email john.smith+tag@example.co.uk now', ['Email', 'john.smith+tag@example.co.uk', 'now']],
  ['Visit http://example.com/path?q=1&x=2.', ['Visit', 'http://example.com/path?q=1&x=2']],
  ['(see https://en.wikipedia.org/wiki/Foo_(bar))', ['see', 'https://en.wikipedia.org/wiki/Foo_(bar)']],
  ['(https://example.com)', ['https://example.com']],
  [
    'Go to www.example.org, then HTTPS://EXAMPLE.COM!',
    ['Go', 'to', 'www.example.org', 'then', 'HTTPS://EXAMPLE.COM'],
  ],
  [
    'Love #NLP and #deep_learning with @karpathy',
    ['Love', '#NLP', 'and', '#deep_learning', 'with', '@karpathy'],
  ],
  ['Issue #42 is open', ['Issue', '42', 'is', 'open']],
  ['foo@bar is not an email', ['foo', 'bar', 'is', 'not', 'an', 'email']],
  ['C#4 and a#b', ['C', '4', 'and', 'a', 'b']],
  ['e.g. i.e. U.S.A.', ['e', 'g', 'i', 'e', 'U', 'S', 'A']],
  ["the students' books", ['the', 'students', 'books']],
  ["'quoted' words", ['quoted', 'words']],
  ['well--known and em—dash', ['well', 'known', 'and', 'em', 'dash']],
  ['snake_case_name __init__', ['snake_case_name', 'init']],
  ['mp3 and 3D and 5th', ['mp3', 'and', '3D', 'and', '5th']],
  ['pages 10-20', ['pages', '10', '20']],
  ['naïve café résumé', ['naïve', 'café', 'résumé']],
  ['Ünïcödé 𝐁old 𝔉raktur', ['Ünïcödé', '𝐁old', '𝔉raktur']],
  ['emoji 😀 between', ['emoji', 'between']],
  ['tabs\tand\nnewlines\r\nhere', ['tabs', 'and', 'newlines', 'here']],
  ['', []],
  ['   ...   ', []],
  ['x', ['x']],
];

for (const [lang, table] of [
  ['ru', russian],
  ['en', english],
] as const) {
  for (const [input, expected] of table) {
    test(`words (${lang}): ${JSON.stringify(input)}`, () => {
      assert.deepEqual(words(input), expected);
      // tokenize without punctuation yields the same strings
      assert.deepEqual(
        tokenize(input).map((t) => t.text),
        expected,
      );
    });
  }
}

test('token types', () => {
  const types = (s: string) => tokenize(s, { punctuation: true }).map((t) => [t.text, t.type]);
  assert.deepEqual(types('Call 3.14 at a@b.io, see http://x.org #tag @me!'), [
    ['Call', 'word'],
    ['3.14', 'number'],
    ['at', 'word'],
    ['a@b.io', 'email'],
    [',', 'punct'],
    ['see', 'word'],
    ['http://x.org', 'url'],
    ['#tag', 'hashtag'],
    ['@me', 'mention'],
    ['!', 'punct'],
  ]);
  assert.deepEqual(types('123@mail.ru http://u@host.org 4real'), [
    ['123@mail.ru', 'email'],
    ['http://u@host.org', 'url'],
    ['4real', 'word'],
  ]);
  assert.deepEqual(types('1,000,000 1990-х'), [
    ['1,000,000', 'number'],
    ['1990-х', 'word'],
  ]);
});

test('punctuation tokens: runs of one character, # and @ single', () => {
  assert.deepEqual(
    tokenize('Ну... ладно?! -- «да» ##x', { punctuation: true }).map((t) => t.text),
    ['Ну', '...', 'ладно', '?', '!', '--', '«', 'да', '»', '#', '#x'],
  );
});

test('offsets point into the original string', () => {
  const text = 'Он сказал: «Из-за дождя — нет», don’t 😀 𝐁old 3,14.';
  const tokens = tokenize(text, { punctuation: true });
  for (const t of tokens) assert.equal(text.slice(t.start, t.end), t.text);
  const bold = tokens.find((t) => t.text === '𝐁old');
  assert.deepEqual([bold?.start, bold?.end], [text.indexOf('𝐁old'), text.indexOf('𝐁old') + 5]);
  assert.equal(tokens.at(-1)?.text, '.');
  assert.equal(tokens.at(-1)?.end, text.length);
});

test('words equals the non-punctuation tokens', () => {
  const text = 'A #b c@d.ef @g, h-i 1-2 3.4 ... ё';
  assert.deepEqual(
    words(text),
    tokenize(text, { punctuation: true })
      .filter((t) => t.type !== 'punct')
      .map((t) => t.text),
  );
});

test('character tokens are code points with offsets', () => {
  const text = 'ёж 😀a';
  assert.deepEqual(chars(text), ['ё', 'ж', ' ', '😀', 'a']);
  assert.deepEqual(chars(text, { skipWhitespace: true }), ['ё', 'ж', '😀', 'a']);
  const c = charTokens(text, { skipWhitespace: true });
  assert.deepEqual(
    c.map((t) => [t.text, t.start, t.end]),
    [
      ['ё', 0, 1],
      ['ж', 1, 2],
      ['😀', 3, 5],
      ['a', 5, 6],
    ],
  );
});

// An independent hand-written scanner implements the same grammar; both must agree token for
// token (type and offsets) on real text. URLs and e-mails are covered by the tables above.
const data = fileURLToPath(new URL('../../../../shared/data/', import.meta.url));
const samples = [
  'kjv_bible/kjv.txt',
  'ru_classics/tolstoy_anna_karenina.txt',
  'brown_corpus/brown_docs.jsonl',
];

test('agrees with the independent scanner on the tables', () => {
  for (const [input] of [...russian, ...english]) {
    if (/https?:|www\.|@/.test(input)) continue;
    assert.deepEqual(
      tokenize(input, { punctuation: true }),
      oracle.tokenize(input, { punctuation: true }),
      input,
    );
  }
});

for (const sample of samples) {
  test(`agrees with the independent scanner on ${sample}`, (t) => {
    const file = data + sample;
    if (!existsSync(file)) {
      t.skip(`${file} not found (../shared/data is absent)`);
      return;
    }
    const text = readFileSync(file, 'utf8').slice(0, 400_000);
    const ours = tokenize(text, { punctuation: true });
    const theirs = oracle.tokenize(text, { punctuation: true });
    assert.equal(ours.length, theirs.length);
    for (let i = 0; i < ours.length; i++) {
      if (
        ours[i].start !== theirs[i].start ||
        ours[i].end !== theirs[i].end ||
        ours[i].type !== theirs[i].type
      )
        assert.fail(`token ${i} differs: ${JSON.stringify(ours[i])} vs ${JSON.stringify(theirs[i])}`);
    }
  });
}

test('random strings: grammar and scanner agree, words() equals tokenize() without punctuation', () => {
  // Deterministic generator over characters that meet at every joiner rule ("@" and URL
  // schemes excluded: the oracle's e-mail and URL rules are simpler).
  const alphabet = [
    'a',
    'Я',
    'ё',
    '1',
    '9',
    '-',
    '_',
    "'",
    '’',
    '.',
    ',',
    ' ',
    '#',
    '\u0301',
    '😀',
    '𝐁',
    '\n',
    '«',
    '!',
    '‐',
  ];
  let seed = 12345;
  const next = () => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed;
  };
  for (let n = 0; n < 3000; n++) {
    let s = '';
    const len = 1 + (next() % 14);
    for (let i = 0; i < len; i++) s += alphabet[next() % alphabet.length];
    const ours = tokenize(s, { punctuation: true });
    assert.deepEqual(ours, oracle.tokenize(s, { punctuation: true }), JSON.stringify(s));
    assert.deepEqual(
      words(s),
      ours.filter((t) => t.type !== 'punct').map((t) => t.text),
      JSON.stringify(s),
    );
    for (const t of ours) assert.equal(s.slice(t.start, t.end), t.text);
  }
});
