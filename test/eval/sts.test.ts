import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { readStsPairs } from '../../src/eval/sts.js';

const dir = mkdtempSync(path.join(tmpdir(), 'smysl-sts-'));
const write = (name: string, text: string) => {
  const f = path.join(dir, name);
  writeFileSync(f, text);
  return f;
};

test('STSb TSV: tabs only, quotes kept as text', async () => {
  const f = write('sts.tsv', 'g\tf\t2012\t0001\t4.5\tHe said "hi.\tShe said "hello".\textra\n\n');
  assert.deepEqual(await readStsPairs(f, 'stsb'), [
    { a: 'He said "hi.', b: 'She said "hello".', score: 4.5 },
  ]);
  const bad = write('bad.tsv', 'g\tf\t2012\t0001\t4.5\tonly six\n');
  await assert.rejects(readStsPairs(bad, 'stsb'), /bad\.tsv:1: expected at least 7/);
});

test('SICK: header columns and SemEval_set filter', async () => {
  const f = write(
    'sick.txt',
    'pair_ID\tsentence_A\tsentence_B\trelatedness_score\tSemEval_set\n1\ta\tb\t4.5\tTRAIN\n2\tc\td\t1\tTEST\n',
  );
  assert.equal((await readStsPairs(f, 'sick')).length, 2);
  assert.deepEqual(await readStsPairs(f, 'sick', { split: 'test' }), [{ a: 'c', b: 'd', score: 1 }]);
});

test('CSV without header, RFC 4180 quoting, BOM; bad score names the line', async () => {
  const f = write('ru.csv', '\ufeff"Он сказал: ""да""",Ответ,3.5\nА,Б,0\n');
  assert.deepEqual(await readStsPairs(f, 'csv'), [
    { a: 'Он сказал: "да"', b: 'Ответ', score: 3.5 },
    { a: 'А', b: 'Б', score: 0 },
  ]);
  const bad = write('bad.csv', 'a,b,1\nc,d,x\n');
  await assert.rejects(readStsPairs(bad, 'csv'), /bad\.csv:2: score is not a number/);
  await assert.rejects(readStsPairs(write('empty.csv', ''), 'csv'), /no sentence pairs/);
});
