import assert from 'node:assert/strict';
import { test } from 'node:test';
import { splitSentences } from '../../src/text/sentences.js';

/** [input, expected sentences] — Russian. */
const russian: [string, string[]][] = [
  ['Мама мыла раму. Папа читал газету.', ['Мама мыла раму.', 'Папа читал газету.']],
  ['Ты пришёл? Да! Хорошо.', ['Ты пришёл?', 'Да!', 'Хорошо.']],
  ['Это т. е. пример. Дальше.', ['Это т. е. пример.', 'Дальше.']],
  ['Купил яблоки, груши и т.д. Потом ушёл.', ['Купил яблоки, груши и т.д.', 'Потом ушёл.']],
  ['Купил яблоки и т. д. и т. п. на рынке.', ['Купил яблоки и т. д. и т. п. на рынке.']],
  ['Я опоздал, т.к. проспал. Извините.', ['Я опоздал, т.к. проспал.', 'Извините.']],
  ['Он не пришёл, т. к. Иван заболел.', ['Он не пришёл, т. к. Иван заболел.']],
  ['Стихи написал А. С. Пушкин. Все их знают.', ['Стихи написал А. С. Пушкин.', 'Все их знают.']],
  ['Л.Н. Толстой жил в Ясной Поляне.', ['Л.Н. Толстой жил в Ясной Поляне.']],
  ['Число π ≈ 3.14. Это известно.', ['Число π ≈ 3.14.', 'Это известно.']],
  ['Курс 92,5 руб. Вчера было меньше.', ['Курс 92,5 руб.', 'Вчера было меньше.']],
  ['«Привет!» — сказал он.', ['«Привет!» — сказал он.']],
  ['«Куда ты?» — спросила она. Он промолчал.', ['«Куда ты?» — спросила она.', 'Он промолчал.']],
  ['— Куда? — спросила она.', ['— Куда? — спросила она.']],
  ['Он ушёл. — Куда? — спросила она.', ['Он ушёл.', '— Куда? — спросила она.']],
  ['«Домой», — ответил я. Было поздно.', ['«Домой», — ответил я.', 'Было поздно.']],
  ['Он сказал: «Я приду». Но не пришёл.', ['Он сказал: «Я приду».', 'Но не пришёл.']],
  ['Он сказал: «Я приду.» Но не пришёл.', ['Он сказал: «Я приду.»', 'Но не пришёл.']],
  ['Ну... не знаю. Может быть.', ['Ну... не знаю.', 'Может быть.']],
  ['Он задумался… Потом ушёл.', ['Он задумался…', 'Потом ушёл.']],
  ['Неужели?! Не может быть!!! Правда.', ['Неужели?!', 'Не может быть!!!', 'Правда.']],
  ['Это был я. Потом он.', ['Это был я.', 'Потом он.']],
  ['В XIX в. жил Пушкин. Он писал.', ['В XIX в. жил Пушкин.', 'Он писал.']],
  ['См. рис. 5 на с. 10. Там всё видно.', ['См. рис. 5 на с. 10.', 'Там всё видно.']],
  ['Пр-т Мира, ул. Ленина, д. 5. Вход со двора.', ['Пр-т Мира, ул. Ленина, д. 5.', 'Вход со двора.']],
  ['Первый абзац без точки\n\nВторой абзац.', ['Первый абзац без точки', 'Второй абзац.']],
  ['Строка раз\nи два. Конец.', ['Строка раз\nи два.', 'Конец.']],
  ['Сайт ya.ru работает. Проверьте.', ['Сайт ya.ru работает.', 'Проверьте.']],
  ['Глава 1. Начало', ['Глава 1.', 'Начало']],
  ['1. Введение. 2. Методы.', ['1. Введение.', '2. Методы.']],
  ['IV. Итоги года', ['IV. Итоги года']],
  ['Он сказал: «Нет!» И ушёл.', ['Он сказал: «Нет!»', 'И ушёл.']],
  ['«Ну…» — протянул он.', ['«Ну…» — протянул он.']],
  ['Это было в 1999 г. Потом всё изменилось.', ['Это было в 1999 г.', 'Потом всё изменилось.']],
  ['Он живёт в г. Москве.', ['Он живёт в г. Москве.']],
  ['Под ред. Иванова. М., 2001.', ['Под ред. Иванова.', 'М., 2001.']],
];

/** [input, expected sentences] — English. */
const english: [string, string[]][] = [
  ['Hello world. How are you?', ['Hello world.', 'How are you?']],
  ['Mr. Smith went to Washington. He liked it.', ['Mr. Smith went to Washington.', 'He liked it.']],
  [
    'Dr. Who and Mrs. Hudson met Prof. Xavier. They talked.',
    ['Dr. Who and Mrs. Hudson met Prof. Xavier.', 'They talked.'],
  ],
  ['Use a tool, e.g. a hammer. Then rest.', ['Use a tool, e.g. a hammer.', 'Then rest.']],
  ['Some fruits, i.e. Apples and Pears, are sweet.', ['Some fruits, i.e. Apples and Pears, are sweet.']],
  ['J. R. R. Tolkien wrote it. It is long.', ['J. R. R. Tolkien wrote it.', 'It is long.']],
  ['The value is 3.14 exactly. Next.', ['The value is 3.14 exactly.', 'Next.']],
  ['It costs $1,000.50 today. Buy it.', ['It costs $1,000.50 today.', 'Buy it.']],
  ['Wait... what? Yes!', ['Wait... what?', 'Yes!']],
  ['I waited… Nothing happened.', ['I waited…', 'Nothing happened.']],
  ['"Stop!" he said. "Why?" she asked.', ['"Stop!" he said.', '"Why?" she asked.']],
  ['“Hi!” he said. Then he left.', ['“Hi!” he said.', 'Then he left.']],
  ['He said "Go." Then he left.', ['He said "Go."', 'Then he left.']],
  ['He shouted (loudly!) and left.', ['He shouted (loudly!) and left.']],
  ['It ended (finally.) Then silence.', ['It ended (finally.)', 'Then silence.']],
  ['We met at 5 p.m. It rained.', ['We met at 5 p.m.', 'It rained.']],
  ['Apples, pears, etc. Also plums.', ['Apples, pears, etc.', 'Also plums.']],
  ['See Fig. 3 and Vol. 2 for details.', ['See Fig. 3 and Vol. 2 for details.']],
  ['St. Petersburg is cold. Moscow too.', ['St. Petersburg is cold.', 'Moscow too.']],
  ['Really?! No way!!! Fine.', ['Really?!', 'No way!!!', 'Fine.']],
  ['It is 5. 6 people came.', ['It is 5.', '6 people came.']],
  ['Visit example.com today. Or not.', ['Visit example.com today.', 'Or not.']],
  ['First paragraph\n\nSecond paragraph', ['First paragraph', 'Second paragraph']],
  ['Line one\r\n\r\nLine two.', ['Line one', 'Line two.']],
  ['No terminator at the end', ['No terminator at the end']],
  ['  Leading and trailing spaces.  ', ['Leading and trailing spaces.']],
  ['', []],
  ['The U.S. economy grew. Prices rose.', ['The U.S. economy grew.', 'Prices rose.']],
  ['Who said "I am." and left? Me.', ['Who said "I am." and left?', 'Me.']],
  ['vs. them. Vs. us.', ['vs. them.', 'Vs. us.']],
  ['1. Introduction\n2. Methods', ['1. Introduction\n2. Methods']],
  ['"Well," she said, "maybe." He nodded.', ['"Well," she said, "maybe."', 'He nodded.']],
  ['I met Mr. and Mrs. Jones. They waved.', ['I met Mr. and Mrs. Jones.', 'They waved.']],
];

for (const [lang, table] of [
  ['ru', russian],
  ['en', english],
] as const) {
  for (const [input, expected] of table) {
    test(`splitSentences (${lang}): ${JSON.stringify(input)}`, () => {
      const got = splitSentences(input);
      assert.deepEqual(
        got.map((s) => s.text),
        expected,
      );
      for (const s of got) assert.equal(input.slice(s.start, s.end), s.text);
    });
  }
}

test('offsets into the original string', () => {
  const text = '  Он пришёл.   Она ушла!\n\nКонец';
  assert.deepEqual(splitSentences(text), [
    { text: 'Он пришёл.', start: 2, end: 12 },
    { text: 'Она ушла!', start: 15, end: 24 },
    { text: 'Конец', start: 26, end: 31 },
  ]);
});

test('lineBreaks: a single newline also ends a sentence', () => {
  assert.deepEqual(
    splitSentences('one line\nanother line', { lineBreaks: true }).map((s) => s.text),
    ['one line', 'another line'],
  );
  assert.deepEqual(
    splitSentences('one line\nanother line').map((s) => s.text),
    ['one line\nanother line'],
  );
});
