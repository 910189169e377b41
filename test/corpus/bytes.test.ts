import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { IdSet } from '../../src/corpus/ids.js';
import { invalidUtf8At, readLines } from '../../src/corpus/index.js';
import { tempDir, writeFiles } from './helpers.js';

const dir = tempDir();

test('readLines: exact numbers and byte offsets, CRLF, BOM, no final newline, tiny chunks', async () => {
  const content = Buffer.concat([
    Buffer.from([0xef, 0xbb, 0xbf]),
    Buffer.from('первая\r\nsecond\n\nlast line without newline'),
  ]);
  writeFiles(dir, { 'lines.txt': content });
  for (const chunkSize of [1, 2, 3, 7, 65536]) {
    const got: [number, number, string][] = [];
    for await (const l of readLines(join(dir, 'lines.txt'), { chunkSize }))
      got.push([l.line, l.offset, l.bytes.toString('utf8')]);
    const firstLen = Buffer.byteLength('первая\r\n') + 3;
    assert.deepEqual(
      got,
      [
        [1, 0, 'первая'],
        [2, firstLen, 'second'],
        [3, firstLen + 7, ''],
        [4, firstLen + 8, 'last line without newline'],
      ],
      `chunkSize ${chunkSize}`,
    );
  }
});

test('readLines reports bytes read', async () => {
  writeFiles(dir, { 'count.txt': 'a\nb\nc\n' });
  let last = 0;
  for await (const _ of readLines(join(dir, 'count.txt'), { onBytes: (n) => (last = n), chunkSize: 2 })) {
    // consume
  }
  assert.equal(last, 6);
});

test('invalidUtf8At finds the first bad byte and accepts valid multi-byte text', () => {
  assert.equal(invalidUtf8At(Buffer.from('ёлка 🎄 tree')), -1);
  assert.equal(invalidUtf8At(Buffer.from([0x61, 0x62, 0xff, 0x63])), 2);
  // overlong encoding of "/" and a lone surrogate are invalid
  assert.equal(invalidUtf8At(Buffer.from([0xc0, 0xaf])), 0);
  assert.equal(invalidUtf8At(Buffer.from([0x61, 0xed, 0xa0, 0x80])), 1);
  // truncated sequence at the end
  assert.equal(invalidUtf8At(Buffer.from([0x61, 0xd0])), 1);
});

test('IdSet detects repeats across growth', () => {
  const ids = new IdSet();
  for (let i = 0; i < 5000; i++) assert.equal(ids.add(`doc-${i}`), true);
  assert.equal(ids.size, 5000);
  for (let i = 0; i < 5000; i += 97) assert.equal(ids.add(`doc-${i}`), false);
  assert.equal(ids.add(''), true);
  assert.equal(ids.add(''), false);
  assert.equal(ids.size, 5001);
});
