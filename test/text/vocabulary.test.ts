import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { isSmyslError } from '../../src/errors.js';
import { Vocabulary } from '../../src/text/vocabulary.js';

const docs = [
  ['кот', 'и', 'пёс', 'и', 'кот'],
  ['кот', 'и', 'мышь'],
  ['пёс', 'и', 'ёж'],
  ['и', 'и'],
];

test('counts, document frequencies and insertion ids', () => {
  const v = Vocabulary.fromDocuments(docs);
  assert.equal(v.documents, 4);
  assert.equal(v.size, 5);
  assert.deepEqual(v.tokenList(), ['кот', 'и', 'пёс', 'мышь', 'ёж']);
  assert.equal(v.count('и'), 6);
  assert.equal(v.documentFrequency('и'), 4);
  assert.equal(v.count('кот'), 3);
  assert.equal(v.documentFrequency('кот'), 2);
  assert.equal(v.count('нет'), 0);
  assert.equal(v.id('пёс'), 2);
  assert.equal(v.id('нет'), -1);
  assert.equal(v.token(3), 'мышь');
  assert.equal(v.totalCount(), 13);
  assert.throws(
    () => v.token(5),
    (e) => isSmyslError(e, 'E_USAGE'),
  );
});

test('prune orders by count desc then token, independent of input order', () => {
  const a = Vocabulary.fromDocuments(docs).prune();
  const b = Vocabulary.fromDocuments([...docs].reverse()).prune();
  // ties by UTF-16 code units: "м" (U+043C) before "ё" (U+0451)
  assert.deepEqual(a.tokenList(), ['и', 'кот', 'пёс', 'мышь', 'ёж']);
  assert.deepEqual(b.tokenList(), a.tokenList());
  assert.deepEqual(a.countList(), [6, 3, 2, 1, 1]);
  assert.deepEqual(a.documentFrequencyList(), [4, 2, 2, 1, 1]);
  assert.equal(a.documents, 4);
});

test('prune: minCount, minDf, maxDf, maxSize', () => {
  const v = Vocabulary.fromDocuments(docs);
  assert.deepEqual(v.prune({ minCount: 2 }).tokenList(), ['и', 'кот', 'пёс']);
  assert.deepEqual(v.prune({ minDf: 2 }).tokenList(), ['и', 'кот', 'пёс']);
  // "и" is in 4 of 4 documents: more than 0.75 of them
  assert.deepEqual(v.prune({ maxDf: 0.75 }).tokenList(), ['кот', 'пёс', 'мышь', 'ёж']);
  assert.deepEqual(v.prune({ maxDf: 0.5 }).tokenList(), ['кот', 'пёс', 'мышь', 'ёж']);
  assert.deepEqual(v.prune({ maxDf: 0.25 }).tokenList(), ['мышь', 'ёж']);
  assert.deepEqual(v.prune({ maxSize: 2 }).tokenList(), ['и', 'кот']);
  // the last place goes to the tie winner by token order
  assert.deepEqual(v.prune({ maxSize: 4 }).tokenList(), ['и', 'кот', 'пёс', 'мышь']);
  assert.deepEqual(v.prune({ maxSize: 0 }).tokenList(), []);
  assert.throws(
    () => v.prune({ maxDf: 2 }),
    (e) => isSmyslError(e, 'E_USAGE'),
  );
  assert.throws(
    () => v.prune({ maxSize: -1 }),
    (e) => isSmyslError(e, 'E_USAGE'),
  );
});

test('prune orders: alphabetical and insertion', () => {
  const v = Vocabulary.fromDocuments(docs);
  assert.deepEqual(v.prune({ order: 'alphabetical' }).tokenList(), ['и', 'кот', 'мышь', 'пёс', 'ёж']);
  assert.deepEqual(v.prune({ order: 'insertion' }).tokenList(), ['кот', 'и', 'пёс', 'мышь', 'ёж']);
  assert.deepEqual(v.prune({ order: 'insertion', maxSize: 3 }).tokenList(), ['кот', 'и', 'пёс']);
});

test('save and load round trip, ids kept', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'smysl-vocab-'));
  try {
    const v = Vocabulary.fromDocuments(docs).prune({ minCount: 1 });
    const file = path.join(dir, 'sub', 'vocab.json');
    await v.save(file);
    const json = JSON.parse(readFileSync(file, 'utf8'));
    assert.equal(json.format, 1);
    assert.equal(json.kind, 'vocabulary');
    const w = await Vocabulary.load(file);
    assert.deepEqual(w.tokenList(), v.tokenList());
    assert.deepEqual(w.countList(), v.countList());
    assert.deepEqual(w.documentFrequencyList(), v.documentFrequencyList());
    assert.equal(w.documents, 4);
    for (const t of v.tokenList()) assert.equal(w.id(t), v.id(t));
    // a loaded vocabulary keeps counting
    w.addDocument(['кот', 'новый']);
    assert.equal(w.count('кот'), 4);
    assert.equal(w.documentFrequency('новый'), 1);
    assert.equal(w.documents, 5);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('load reports malformed files with E_FORMAT and the path', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'smysl-vocab-'));
  try {
    const bad = async (content: unknown, pattern: RegExp) => {
      const file = path.join(dir, 'bad.json');
      writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content));
      await assert.rejects(
        Vocabulary.load(file),
        (e) => isSmyslError(e, 'E_FORMAT') && pattern.test(e.message),
      );
    };
    await bad('{not json', /invalid JSON/);
    await bad({ format: 1, kind: 'model' }, /not a vocabulary/);
    await bad(
      { format: 99, kind: 'vocabulary', tokens: [], counts: [], documentFrequencies: [] },
      /format 99/,
    );
    await bad(
      { format: 1, kind: 'vocabulary', tokens: ['a'], counts: [], documentFrequencies: [] },
      /lengths differ/,
    );
    await bad(
      {
        format: 1,
        kind: 'vocabulary',
        documents: 1,
        tokens: ['a', 'a'],
        counts: [1, 1],
        documentFrequencies: [1, 1],
      },
      /duplicate token "a"/,
    );
    await bad(
      { format: 1, kind: 'vocabulary', documents: -1, tokens: [], counts: [], documentFrequencies: [] },
      /bad\.json: documents/,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
