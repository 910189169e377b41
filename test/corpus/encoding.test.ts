import assert from 'node:assert/strict';
import { copyFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { guessEncoding, textDecoding } from '../../src/corpus/encoding.js';
import { readAll, tempDir, writeFiles } from './helpers.js';

// Small excerpts made with Python's codecs from the UTF-8 texts beside them: the opening of War and
// Peace (Russian with a French quotation) and a French paragraph with cp1252's typographic signs.
const FIXTURES = fileURLToPath(new URL('../../../test/fixtures/encodings/', import.meta.url));
const fixture = (name: string) => join(FIXTURES, name);
const utf8Lines = (name: string) => readFileSync(fixture(name), 'utf8').trimEnd().split('\n');
const dir = tempDir();

test('a cp1251 War and Peace excerpt reads with --encoding cp1251 as the UTF-8 original does', async () => {
  const expected = utf8Lines('war-and-peace.utf8.txt');
  for (const encoding of ['cp1251', 'windows-1251', 'CP1251']) {
    const { docs, problems } = await readAll(fixture('war-and-peace.cp1251.txt'), { encoding });
    assert.deepEqual(problems, []);
    assert.deepEqual(
      docs.map((d) => d.text),
      expected,
    );
  }
  const koi = await readAll(fixture('war-and-peace.koi8-r.txt'), { encoding: 'koi8-r' });
  assert.deepEqual(
    koi.docs.map((d) => d.text),
    expected,
  );
});

test('read as UTF-8, a legacy file is skipped line by line and the message names the encoding it fits', async () => {
  const cp1251 = await readAll(fixture('war-and-peace.cp1251.txt'));
  assert.equal(cp1251.docs.length, 0);
  assert.equal(cp1251.log.count('invalid-utf8'), 4);
  // every line, the one mixing French and Russian included, points at windows-1251
  for (const p of cp1251.problems) {
    assert.match(
      p.reason,
      /^invalid UTF-8 at byte \d+; the bytes read as windows-1251 \(".+"\): try --encoding windows-1251; line skipped$/,
    );
  }
  assert.match(cp1251.problems[0].reason, /"Анна Павловна Шерер/);
  const koi = await readAll(fixture('war-and-peace.koi8-r.txt'));
  assert.match(koi.problems[0].reason, /try --encoding koi8-r/);
  const french = await readAll(fixture('french.cp1252.txt'));
  assert.match(french.problems[0].reason, /the bytes read as windows-1252 \("Le café était/);
});

test('a cp1252 file with typographic quotes and dashes decodes by the WHATWG table', async () => {
  const { docs } = await readAll(fixture('french.cp1252.txt'), { encoding: 'cp1252' });
  assert.deepEqual(
    docs.map((d) => d.text),
    utf8Lines('french.utf8.txt'),
  );
  // Node's own TextDecoder gives U+0097 for 0x97; the table gives the em dash
  assert.equal(textDecoding('windows-1252').decode(Uint8Array.from([0x97, 0x80, 0x93, 0xe9])), '—€“é');
});

test('every reader takes the encoding: directory, JSONL, JSON, CSV', async () => {
  const cp = (s: string) => Buffer.from(new TextEncoderCp1251().encode(s));
  writeFiles(dir, {
    'tree/a.txt': cp('Война и мир'),
    'docs.jsonl': cp('{"id": "1", "text": "Анна Павловна"}\n'),
    'docs.json': cp('[{"id": "1", "text": "князь Василий"}]'),
    'docs.csv': cp('id,text\n1,"грипп был тогда новое слово"\n'),
  });
  const texts = async (name: string) =>
    (await readAll(join(dir, name), { encoding: 'cp1251' })).docs.map((d) => d.text);
  assert.deepEqual(await texts('tree'), ['Война и мир']);
  assert.deepEqual(await texts('docs.jsonl'), ['Анна Павловна']);
  assert.deepEqual(await texts('docs.json'), ['князь Василий']);
  assert.deepEqual(await texts('docs.csv'), ['грипп был тогда новое слово']);
  // without the encoding, a cp1251 file in a folder is invalid UTF-8 with a hint, not "binary"
  const tree = await readAll(join(dir, 'tree'));
  assert.equal(tree.log.count('binary-file'), 0);
  assert.match(tree.problems[0].reason, /try --encoding windows-1251; file skipped/);
  const csv = await readAll(join(dir, 'docs.csv'));
  assert.match(csv.problems[0].reason, /windows-1251.* in column "text"; row skipped/);
});

test('unknown and UTF-16 encodings are usage errors; guesses stay silent on UTF-8 and binary bytes', async () => {
  copyFileSync(fixture('french.utf8.txt'), join(dir, 'f.txt'));
  await assert.rejects(readAll(join(dir, 'f.txt'), { encoding: 'cp9999' }), /unknown encoding "cp9999"/);
  await assert.rejects(readAll(join(dir, 'f.txt'), { encoding: 'utf-16le' }), /utf-16le is not supported/);
  assert.equal(guessEncoding(readFileSync(fixture('war-and-peace.utf8.txt'))), undefined);
  assert.equal(
    guessEncoding(Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0xff, 0x11])),
    undefined,
  );
  assert.equal(guessEncoding(Buffer.from('plain ASCII')), undefined);
});

/** cp1251 for the Russian letters these tests use (А-я, Ё, ё map by fixed offsets). */
class TextEncoderCp1251 {
  encode(s: string): Uint8Array {
    return Uint8Array.from(Array.from(s), (ch) => {
      const c = ch.codePointAt(0)!;
      if (c < 0x80) return c;
      if (c >= 0x410 && c <= 0x44f) return c - 0x410 + 0xc0;
      if (c === 0x401) return 0xa8;
      if (c === 0x451) return 0xb8;
      throw new Error(`no cp1251 byte for ${ch}`);
    });
  }
}
