import assert from 'node:assert/strict';
import { promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { createEmbedder, loadEmbedder } from '../../../src/embed/registry.js';
import { StudentEmbedder } from '../../../src/embed/student/embedder.js';
import { buildFeatureVocabulary } from '../../../src/embed/student/features.js';
import { StudentParameters } from '../../../src/embed/student/model.js';
import {
  documentsHoldRussian,
  type RoutingEmbedder,
  routedCounts,
  routeOf,
} from '../../../src/embed/student/routing.js';
import type { DenseEmbedder } from '../../../src/embed/types.js';
import { isSmyslError } from '../../../src/errors.js';
import { defaultFusionWeights } from '../../../src/index/fusion.js';

test('routeOf: Russian and mixed text to the student, English and letterless text to the teacher', () => {
  assert.equal(routeOf('The cat sat on the mat.'), 'english');
  assert.equal(routeOf('Кошка сидит на ковре.'), 'russian');
  assert.equal(routeOf('Кошка and the cat'), 'russian');
  assert.equal(routeOf('Команда git commit записывает снимок'), 'russian');
  assert.equal(routeOf('12345 — 678'), 'english');
});

test('a routed embedder sends each text to its side, keeps input order, counts, and saves both sides', async () => {
  const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'smysl-routing-'));
  try {
    const vocab = buildFeatureVocabulary(['кошка сидит', 'кот спит', 'cat'], {
      minWordCount: 1,
      minGramCount: 1,
    });
    const params = StudentParameters.random(
      { rows: vocab.size, dim: 16, outDim: 16, projection: false },
      3,
      1,
    );
    await StudentEmbedder.fromParameters(params, vocab, { name: 'toy' }, 'f16').save(
      path.join(dir, 'student'),
    );
    const settings = {
      english: 'trigram',
      englishSettings: { dim: 16 },
      russian: 'student',
      russianSettings: { model: path.join(dir, 'student') },
    };
    const routed = (await createEmbedder('routed', settings)) as RoutingEmbedder;
    assert.equal(routed.dim, 16);
    const texts = ['The cat sat.', 'Кошка сидит.', 'Кошка and the cat', '12345', 'кот спит'];
    const m = await routed.embed(texts);
    const english = (await createEmbedder('trigram', { dim: 16 })) as DenseEmbedder;
    const student = await StudentEmbedder.load(path.join(dir, 'student'));
    const expectSide = [english, student, student, english, student];
    for (let i = 0; i < texts.length; i++) {
      const single = await expectSide[i].embed([texts[i]]);
      assert.deepEqual(Array.from(m.data.subarray(i * 16, i * 16 + 16)), Array.from(single.data), texts[i]);
    }
    assert.deepEqual(Object.fromEntries(routed.routed), { [english.name]: 2, [student.name]: 3 });
    assert.deepEqual(routedCounts(routed), { [english.name]: 2, [student.name]: 3 });
    assert.equal(routedCounts(english), undefined);
    // both languages are read, so hybrid search lets the dense side lead for Russian queries too
    assert.deepEqual([...routed.languages].sort(), ['en', 'ru']);
    assert.deepEqual(
      defaultFusionWeights('кошка на ковре', routed.languages),
      defaultFusionWeights('a cat on the mat', routed.languages),
    );
    assert.notDeepEqual(
      defaultFusionWeights('кошка на ковре', routed.languages),
      defaultFusionWeights('кошка на ковре', ['en']),
    );
    routed.resetCounts();
    assert.equal(routed.routed.size, 0);
    await routed.save(path.join(dir, 'saved'));
    const loaded = await loadEmbedder(path.join(dir, 'saved'));
    assert.equal(loaded.name, routed.name);
    const again = await loaded.embed(texts);
    assert.deepEqual(Buffer.from((again as typeof m).data.buffer), Buffer.from(m.data.buffer));
    // the two sides must share one space
    await assert.rejects(createEmbedder('routed', { ...settings, englishSettings: { dim: 8 } }), (e) =>
      isSmyslError(e, 'E_USAGE'),
    );
  } finally {
    await fsp.rm(dir, { recursive: true, force: true });
  }
});

test('documentsHoldRussian looks at the first documents only', async () => {
  const docs = (texts: string[]) => texts.map((text) => ({ text }));
  assert.equal(await documentsHoldRussian(docs(['The cat.', 'A dog.'])), false);
  assert.equal(await documentsHoldRussian(docs(['The cat.', 'Кошка.'])), true);
  assert.equal(await documentsHoldRussian(docs(['The cat.', 'A dog.', 'Кошка.']), 2), false);
});

test('a collection reference to the built-in student records its revision; another revision is warned about', async () => {
  const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'smysl-student-ref-'));
  try {
    const e = await StudentEmbedder.create({ model: 'minilm-ru' });
    assert.match(e.revision ?? '', /^[0-9a-f]{12}$/);
    await e.save(dir);
    const ref = JSON.parse(await fsp.readFile(path.join(dir, 'manifest.json'), 'utf8'));
    assert.deepEqual([ref.model, ref.revision], ['minilm-ru', e.revision]);
    assert.ok(!('shape' in ref), 'a reference, not the weights');
    const warnings: Error[] = [];
    const listen = (w: Error) => warnings.push(w);
    process.on('warning', listen);
    try {
      await StudentEmbedder.load(dir); // same revision: silent
      await fsp.writeFile(
        path.join(dir, 'manifest.json'),
        JSON.stringify({ ...ref, revision: '000000000000' }),
      );
      const back = await StudentEmbedder.load(dir);
      assert.equal(back.revision, e.revision);
      await new Promise((r) => setImmediate(r)); // warnings are emitted on the next tick
    } finally {
      process.off('warning', listen);
    }
    assert.equal(warnings.length, 1);
    assert.match(
      warnings[0].message,
      /revision 000000000000 of the built-in model "minilm-ru".*indexed again/,
    );
  } finally {
    await fsp.rm(dir, { recursive: true, force: true });
  }
});
