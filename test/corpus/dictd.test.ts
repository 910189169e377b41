import assert from 'node:assert/strict';
import { promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { dictdNumber, englishRussianPairs, readDictd } from '../../src/corpus/dictd.js';

test('dictd base64 numbers', () => {
  assert.equal(dictdNumber('A'), 0);
  assert.equal(dictdNumber('BA'), 64);
  assert.equal(dictdNumber('vK'), 47 * 64 + 10);
});

const ENTRIES = [
  [
    'dog',
    `dog
   [dɘg]
   1. _n.
      1) собака, пёс; Greater (lesser) Dog созвездие Большого (Малого) Пса
      2) кобель; самец волка, лисы (тж. dog-wolf, dog-fox)
      5) = dogfish
   2. _v. выслеживать; lucky dog счастливец
`,
  ],
  ['playable', 'playable\n   [↗plɛɪbl] _a. годный, подходящий для игры (о площадке)\n'],
  ['zoo', 'zoo /zˈuː/\nзоопарк\n'],
  ['xyz', 'xyz\n   see abc\n'],
];

test('readDictd follows the index into a dictzip file; entries give English→Russian pairs', async () => {
  const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'smysl-dictd-'));
  try {
    const meta = '00-database-short\n   Test dictionary\n';
    const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
    const enc = (n: number) => {
      let s = '';
      do {
        s = B64[n % 64] + s;
        n = Math.floor(n / 64);
      } while (n > 0);
      return s;
    };
    let offset = 0;
    const chunks: Buffer[] = [];
    const index: string[] = [];
    for (const [head, body] of [['00-database-short', meta], ...ENTRIES]) {
      const bytes = Buffer.from(body, 'utf8');
      index.push(`${head}\t${enc(offset)}\t${enc(bytes.length)}`);
      chunks.push(bytes);
      offset += bytes.length;
    }
    await fsp.writeFile(path.join(dir, 't.dict.dz'), gzipSync(Buffer.concat(chunks)));
    await fsp.writeFile(path.join(dir, 't.index'), `${index.join('\n')}\n`);
    const entries = await readDictd(path.join(dir, 't.dict.dz'));
    assert.deepEqual(
      entries.map((e) => e.headword),
      ['dog', 'playable', 'zoo', 'xyz'],
    );
    assert.equal(entries[1].body, ENTRIES[1][1]);
    const dog = englishRussianPairs(entries[0]);
    assert.deepEqual(
      dog.filter((p) => p.kind === 'headword').map((p) => [p.target, p.rank]),
      [
        ['собака', 0],
        ['пёс', 1],
        ['кобель', 2],
        ['самец волка', 3],
        ['лисы', 4],
        ['выслеживать', 5],
      ],
    );
    assert.deepEqual(
      dog.filter((p) => p.kind === 'phrase').map((p) => [p.source, p.target]),
      [
        ['Greater Dog', 'созвездие Большого Пса'],
        ['lucky dog', 'счастливец'],
      ],
    );
    assert.deepEqual(
      englishRussianPairs(entries[1]).map((p) => p.target),
      ['годный', 'подходящий для игры'],
    );
    assert.deepEqual(
      englishRussianPairs(entries[2]).map((p) => [p.source, p.target]),
      [['zoo', 'зоопарк']],
    );
    assert.deepEqual(englishRussianPairs(entries[3]), []);
  } finally {
    await fsp.rm(dir, { recursive: true, force: true });
  }
});
