import assert from 'node:assert/strict';
import { existsSync, promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import type { Document } from '../../src/corpus/types.js';
import { createEmbedder } from '../../src/embed/registry.js';
import { Collection } from '../../src/store/collection.js';
import { stem } from '../../src/text/stem.js';

const docs: Document[] = [
  {
    id: 'island',
    text: 'Гварнелия — остров в холодном море. На Гварнелии живут рыбаки, они ловят треску и сушат сети на ветру.',
    meta: {},
  },
  { id: 'bread', text: 'Хлеб пекут из муки, воды и соли; тесто поднимается от закваски.', meta: {} },
  { id: 'chess', text: 'Шахматы — игра двух соперников на доске из шестидесяти четырёх клеток.', meta: {} },
  { id: 'english', text: 'The river floods the valley every spring.', meta: {} },
];

const dot = (a: Float32Array, b: Float32Array) => a.reduce((s, x, i) => s + x * b[i], 0);

test('a bilingual collection learns its own Russian words: rows at index time, used by queries, kept across sessions', async () => {
  const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'smysl-words-collection-'));
  try {
    const create = async (name: string, learnWords: boolean) =>
      Collection.create(path.join(dir, name), {
        embedder: await createEmbedder('bilingual'),
        index: { type: 'exact' },
        learnWords,
      });
    const learning = await create('learns', true);
    const fixed = await create('fixed', false);
    const a = await learning.add(docs);
    const b = await fixed.add(docs);
    // «гварнелия» and the other words minilm-ru has no row for; English text teaches nothing
    assert.ok(a.words >= 1, `${a.words}`);
    assert.equal(b.words, 0);
    const files = path.join(dir, 'learns');
    const stems = (await fsp.readFile(path.join(files, 'words.txt'), 'utf8')).split('\n').filter(Boolean);
    assert.equal(stems.length, a.words);
    assert.ok(stems.includes(stem('гварнелия')), stems.join(' '));
    assert.equal(existsSync(path.join(dir, 'fixed', 'words.txt')), false);
    assert.deepEqual(learning.manifest.words, { dim: 384 });
    assert.equal(fixed.manifest.words, undefined);
    // collections info counts them (absent when the collection does not learn)
    assert.equal((await learning.info()).learnedWords, a.words);
    assert.equal((await fixed.info()).learnedWords, undefined);

    // the query's unknown word now points at the document it came from
    const query = 'где находится Гварнелия';
    const island = async (c: Collection) => {
      const [q] = [(await c.embed([query], 'query')).data];
      const d = (await c.embed([docs[0].text])).data;
      return { q, score: dot(q, d) };
    };
    const learned = await island(learning);
    const plain = await island(fixed);
    assert.ok(learned.score > plain.score + 0.05, `${learned.score} vs ${plain.score}`);
    const [top] = await learning.search(query, { k: 1, method: 'dense', details: false });
    assert.equal(top.id, 'island');
    await learning.close();
    await fixed.close();

    // a later session embeds the query exactly as before, and keeps learning where it stopped
    const again = await Collection.open(path.join(dir, 'learns'));
    assert.deepEqual((await island(again)).q, learned.q);
    const more = await again.add([
      { id: 'new', text: 'Квирталь — столица Гварнелии, там стоит маяк.', meta: {} },
    ]);
    assert.ok(more.words >= 1, `${more.words}`);
    await again.close();
    const after = (await fsp.readFile(path.join(files, 'words.txt'), 'utf8')).split('\n').filter(Boolean);
    assert.deepEqual(after.slice(0, stems.length), stems);
    assert.ok(after.includes(stem('квирталь')));
  } finally {
    await fsp.rm(dir, { recursive: true, force: true });
  }
});
