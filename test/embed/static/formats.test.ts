import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import {
  detectWordVectorFormat,
  formatFloat32,
  readWordVectors,
  writeWordVectors,
} from '../../../src/embed/static/formats.js';
import { KeyedVectors } from '../../../src/embed/static/keyed-vectors.js';
import { isSmyslError } from '../../../src/errors.js';

const dir = mkdtempSync(path.join(tmpdir(), 'smysl-formats-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function sample(): KeyedVectors {
  const words = ['the', 'ёлка', 'naïve', 'x1', "it's", 'Москва'];
  const dim = 7;
  const v = new Float32Array(words.length * dim);
  let seed = 12345;
  for (let i = 0; i < v.length; i++) {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    v[i] = ((seed / 2 ** 31) * 2 - 1) * 10 ** ((i % 9) - 4);
  }
  v[3] = -0;
  v[4] = 1e-30;
  v[5] = 3.4e38;
  return new KeyedVectors(words, v, dim);
}

test('formatFloat32 prints the shortest float32 round trip', () => {
  assert.equal(formatFloat32(0.1), '0.1');
  assert.equal(formatFloat32(Math.fround(0.123456789)), '0.12345679');
  assert.equal(formatFloat32(-2.5), '-2.5');
  assert.equal(formatFloat32(100), '100');
  assert.equal(formatFloat32(1e-30), '1e-30');
  for (const x of [1 / 3, Math.PI, -7.0000001e-12, 6.02e23])
    assert.equal(Math.fround(Number(formatFloat32(x))), Math.fround(x));
});

for (const format of ['word2vec-text', 'word2vec-binary', 'glove-text', 'fasttext-vec'] as const) {
  test(`${format}: exact round trip and auto-detection`, async () => {
    const kv = sample();
    const file = path.join(dir, `rt-${format}`);
    await kv.save(file, format);
    assert.deepEqual(
      readdirSync(dir).filter((f) => f.endsWith('.tmp')),
      [],
    );
    const back = await KeyedVectors.load(file);
    assert.deepEqual(back.words, kv.words);
    assert.equal(back.dim, kv.dim);
    assert.deepEqual([...back.vectors].map(String), [...kv.vectors].map(String));
    const detected = await detectWordVectorFormat(file);
    assert.equal(detected, format === 'fasttext-vec' ? 'word2vec-text' : format);
    const limited = await readWordVectors(file, { limit: 2 });
    assert.deepEqual(limited.words, ['the', 'ёлка']);
    assert.deepEqual(limited.vectors, kv.vectors.slice(0, 14));
  });
}

test('binary without newlines (as gensim writes it) and with CRLF text', async () => {
  const body = [Buffer.from('2 2\n'), Buffer.from('a '), Buffer.from(new Float32Array([1, 2]).buffer)];
  body.push(Buffer.from('b '), Buffer.from(new Float32Array([3, -4]).buffer));
  writeFileSync(path.join(dir, 'gensim.bin'), Buffer.concat(body));
  const r = await readWordVectors(path.join(dir, 'gensim.bin'));
  assert.equal(r.format, 'word2vec-binary');
  assert.deepEqual(r.words, ['a', 'b']);
  assert.deepEqual([...r.vectors], [1, 2, 3, -4]);
  writeFileSync(path.join(dir, 'crlf.txt'), '2 2\r\na 1 2 \r\nb 3e0 -4.0\r\n');
  const t = await readWordVectors(path.join(dir, 'crlf.txt'));
  assert.deepEqual([...t.vectors], [1, 2, 3, -4]);
});

test('duplicates keep the first occurrence and warn', async () => {
  writeFileSync(path.join(dir, 'dup.txt'), '3 1\na 1\nb 2\na 3\n');
  const warnings: string[] = [];
  const r = await readWordVectors(path.join(dir, 'dup.txt'), { onWarning: (m) => warnings.push(m) });
  assert.deepEqual(r.words, ['a', 'b']);
  assert.deepEqual([...r.vectors], [1, 2]);
  assert.equal(r.duplicates, 1);
  assert.match(warnings[0], /line 4/);
});

async function rejects(content: string | Buffer, pattern: RegExp, format?: 'glove-text' | 'word2vec-binary') {
  const file = path.join(dir, 'bad');
  writeFileSync(file, content);
  await assert.rejects(readWordVectors(file, { format }), (e) => {
    assert.ok(isSmyslError(e, 'E_FORMAT'), String(e));
    assert.match(e.message, pattern);
    assert.ok(e.message.includes(file));
    return true;
  });
}

test('malformed text files fail with file and line', async () => {
  await rejects('2 3\na 1 2 3\nb 1 2\n', /bad:3: expected 3 values for word "b", found 2/);
  await rejects('2 3\na 1 2 3\nb 1 2 3 4\n', /bad:3: .*found more/);
  await rejects('2 2\na 1 2\nb 1 x2\n', /bad:3: non-numeric value "x2"/);
  await rejects('3 2\na 1 2\nb 1 2\n', /bad:4: header declares 3 vectors but the file ends after 2/);
  await rejects('1 2\na 1 2\nb 1 2\n', /bad:3: header declares 1 vectors but the file has more/);
  await rejects('a 1 2\nb 1 2 3\n', /bad:2: expected 2 values/, 'glove-text');
  await rejects('a b\n', /bad:1: expected a "count dim" header/, 'word2vec-binary');
});

test('truncated binary fails with byte offset', async () => {
  const body = Buffer.concat([
    Buffer.from('2 2\na '),
    Buffer.from(new Float32Array([1, 2]).buffer),
    Buffer.from('\nb '),
  ]);
  await rejects(Buffer.concat([body, Buffer.from([0, 0, 0])]), /truncated binary file.*vector 2/);
});

test('writer refuses words it cannot encode and leaves no file', async () => {
  const file = path.join(dir, 'space.txt');
  await assert.rejects(
    writeWordVectors(file, { words: ['a b'], dim: 1, vectors: new Float32Array([1]) }),
    (e) => isSmyslError(e, 'E_INPUT'),
  );
  assert.throws(() => readFileSync(file));
});
