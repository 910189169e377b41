import assert from 'node:assert/strict';
import { appendFile, mkdtemp, readFile, rm, truncate } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { StudentEmbedder } from '../../../src/embed/student/embedder.js';
import { FeatureVocabulary, inducedKey } from '../../../src/embed/student/features.js';
import type { InductionMap } from '../../../src/embed/student/induce.js';
import { StudentParameters } from '../../../src/embed/student/model.js';
import { FileWords, LearnedWords } from '../../../src/embed/student/words.js';
import { stem } from '../../../src/text/stem.js';
import { text, toyStudent } from './toy-induction.js';

// Two trained words on two axes; no n-grams, so a word's vector is its row alone.
function toy(map: Partial<InductionMap> = {}) {
  const vocab = new FeatureVocabulary(['w кот', 'w сидит'], { minn: 0, maxn: 0, stems: true });
  const table = Float32Array.from([1, 0, 0, 1]);
  const params = new StudentParameters({ rows: 2, dim: 2, outDim: 2, projection: false }, { table });
  const student = StudentEmbedder.fromParameters(params, vocab, { name: 'toy' }, 'f32');
  student.induction = {
    dim: 2,
    window: 1,
    weights: Float32Array.from([1, 0, 0, 1]),
    bias: new Float32Array(2),
    drift: new Float32Array(2),
    norm: 0,
    share: 1,
    ...map,
  };
  return { vocab, table, student };
}

test('LearnedWords.learn: a new word gets map(average context) − drift, scaled to the norm (hand-computed)', () => {
  const { vocab, table, student } = toy();
  const plain = new LearnedWords(vocab, table, student.induction!);
  // «пушкин» twice: contexts кот + сидит = (1, 1) and кот = (1, 0); average (1, 0.5)
  const a = plain.learn(['кот пушкин сидит', 'пушкин кот']);
  assert.deepEqual(a.stems, [stem('пушкин')]);
  assert.deepEqual([...a.rows], [1, 0.5]);
  // known words and words already learned get nothing
  assert.equal(plain.learn(['кот сидит пушкину']).stems.length, 0);
  // drift (0.5, 0) taken out, then scaled to length 1: (0.5, 0.5)/‖·‖
  const centered = new LearnedWords(vocab, table, {
    ...student.induction!,
    drift: Float32Array.from([0.5, 0]),
    norm: 1,
  });
  const b = centered.learn(['кот пушкин сидит', 'пушкин кот']);
  assert.ok(
    Math.abs(b.rows[0] - Math.SQRT1_2) < 1e-7 && Math.abs(b.rows[1] - Math.SQRT1_2) < 1e-7,
    `${b.rows}`,
  );
});

test('StudentEmbedder.withWords (FileWords): learned words embed, stay fixed, survive a reload and a torn write; readers catch up', async () => {
  const { student } = toy();
  const dir = await mkdtemp(path.join(os.tmpdir(), 'smysl-words-'));
  try {
    await student.save(dir);
    // the induction map round-trips with the model; an instance bound to no store learns nothing
    const unbound = await StudentEmbedder.load(dir);
    assert.deepEqual(unbound.induction?.weights, student.induction?.weights);
    assert.equal(unbound.wordsDim, 2);
    assert.equal(await unbound.learnWords(['кот пушкин сидит']), 0);

    const writer = await student.withWords(new FileWords(dir));
    assert.deepEqual([...(await writer.embed(['пушкин'])).data], [0, 0]);
    assert.equal(await writer.learnWords(['кот пушкин сидит', 'пушкин кот']), 1);
    const v = [...(await writer.embed(['пушкина'])).data];
    assert.ok(Math.abs(v[0] - 2 / Math.sqrt(5)) < 1e-6 && Math.abs(v[1] - 1 / Math.sqrt(5)) < 1e-6, `${v}`);
    // the row is fixed once made: other contexts later do not move it
    assert.equal(await writer.learnWords(['сидит пушкин сидит']), 0);
    assert.deepEqual([...(await writer.embed(['пушкина'])).data], v);
    // the student itself learned nothing (the view is the collection's)
    assert.deepEqual([...(await student.embed(['пушкин'])).data], [0, 0]);

    const reader = await StudentEmbedder.load(dir);
    await reader.bindWords(new FileWords(dir));
    assert.equal(reader.learnedWords, 1);
    assert.deepEqual([...(await reader.embed(['пушкин'])).data], v);
    // bound to one collection's words, it refuses another's
    await assert.rejects(reader.bindWords(new FileWords(os.tmpdir())), /already keeps the words of/);

    // a crash mid-append: half a row and a stem line without its end are ignored, then overwritten
    await appendFile(path.join(dir, 'words.f32'), Buffer.alloc(4));
    await appendFile(path.join(dir, 'words.txt'), 'обломо');
    const reopened = await student.withWords(new FileWords(dir));
    assert.equal(reopened.learnedWords, 1);
    assert.equal(await reopened.learnWords(['сидит лермонтов']), 1);
    assert.equal((await readFile(path.join(dir, 'words.txt'), 'utf8')).split('\n').length, 3);
    assert.equal((await readFile(path.join(dir, 'words.f32'))).byteLength, 2 * 2 * 4);
    assert.equal(await new FileWords(dir).count(), 2);
    // the reader bound before takes the new word in when told to
    assert.deepEqual([...(await reader.embed(['лермонтов'])).data], [0, 0]);
    await reader.refreshWords();
    assert.equal(reader.learnedWords, 2);
    assert.deepEqual([...(await reader.embed(['лермонтов'])).data], [0, 1]);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test("learned words equal the model's own induced rows for the same text (one map, float32 as stored)", async () => {
  const { vocab, table } = toyStudent();
  const params = new StudentParameters({ rows: vocab.size, dim: 4, outDim: 4, projection: false }, { table });
  const student = StudentEmbedder.fromParameters(params, vocab, { name: 'toy' }, 'f32');
  const induced = student.induced(text, 'toy', { window: 1, minCount: 1, minFitCount: 1, lambda: 0.001 });
  assert.ok(induced.induction);
  // the map on the base model, learning from the same text, makes the rows induction made
  const learner = new LearnedWords(vocab, table, induced.induction);
  const learned = learner.learn(text);
  assert.deepEqual(learned.stems.slice().sort(), [stem('зверь'), stem('хижина')].sort());
  const params2 = induced.toParameters();
  for (const [i, s] of learned.stems.entries()) {
    const r = induced.vocab.row(inducedKey(s))!;
    for (let j = 0; j < 4; j++) {
      const want = params2.table[r * 4 + j];
      assert.ok(
        Math.abs(learned.rows[i * 4 + j] - want) < 1e-4,
        `${s}[${j}]: ${learned.rows[i * 4 + j]} vs ${want}`,
      );
    }
  }
});

test('damaged learned words are reported (SMYSL_WORDS_DAMAGED): rows lost from words.f32, or words.txt gone', async () => {
  const { student } = toy();
  const dir = await mkdtemp(path.join(os.tmpdir(), 'smysl-words-damage-'));
  const warnings: string[] = [];
  const listen = (w: Error & { code?: string }) => {
    if (w.code === 'SMYSL_WORDS_DAMAGED') warnings.push(w.message);
  };
  process.on('warning', listen);
  try {
    const writer = await student.withWords(new FileWords(dir));
    assert.equal(await writer.learnWords(['кот пушкин сидит', 'сидит лермонтов']), 2);
    // one row lost: the word without it is reported, the other still loads
    await truncate(path.join(dir, 'words.f32'), 2 * 4);
    const reader = await student.withWords(new FileWords(dir));
    assert.equal(reader.learnedWords, 1);
    await new Promise((r) => setImmediate(r));
    assert.equal(warnings.length, 1, warnings.join('\n'));
    assert.match(warnings[0], /1 learned word\(s\) lost their stem or their row/);
    // words.txt gone: its rows are reported, and not used
    const other = await mkdtemp(path.join(os.tmpdir(), 'smysl-words-damage-'));
    try {
      await (await student.withWords(new FileWords(other))).learnWords(['кот пушкин']);
      await rm(path.join(other, 'words.txt'));
      assert.equal((await student.withWords(new FileWords(other))).learnedWords, 0);
      await new Promise((r) => setImmediate(r));
      assert.equal(warnings.length, 2, warnings.join('\n'));
      assert.match(warnings[1], /1 learned word\(s\) lost/);
    } finally {
      await rm(other, { recursive: true, force: true });
    }
  } finally {
    process.off('warning', listen);
    await rm(dir, { recursive: true, force: true });
  }
});
