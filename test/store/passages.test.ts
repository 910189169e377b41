import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { readDocuments } from '../../src/corpus/index.js';
import { TrigramEmbedder } from '../../src/embed/trigram.js';
import { isSmyslError } from '../../src/errors.js';
import { Collection } from '../../src/store/collection.js';

const root = mkdtempSync(path.join(os.tmpdir(), 'smysl-passages-'));
after(() => rmSync(root, { recursive: true, force: true }));
let counter = 0;
const fresh = () => path.join(root, `c${counter++}`);

// A Markdown story long enough for several chunks, with the phrase to find deep inside.
const story = [
  '# Ночь перед Рождеством',
  '',
  'Последний день перед Рождеством прошёл. Зимняя, ясная ночь поступила. Глянули звёзды.',
  '',
  'Месяц величаво поднялся на небо посветить добрым людям и всему миру. Было морозно.',
  '',
  'Вдруг с другой стороны показалось маленькое пятнышко. Это был **чёрт**, который крался к месяцу.',
  '',
  'Чёрт подкрался к месяцу, схватил его и спрятал в карман. Стало темно.',
  '',
  'Кузнец Вакула был силач и детина хоть куда. Он любил Оксану, первую красавицу села.',
  '',
  'Оксана смеялась над кузнецом и просила достать черевички, какие носит царица.',
].join('\n');

function corpus(): string {
  const dir = path.join(root, `corpus${counter++}`);
  mkdirSync(path.join(dir, 'tales'), { recursive: true });
  writeFileSync(path.join(dir, 'tales', 'christmas-eve.md'), story);
  writeFileSync(
    path.join(dir, 'cats.txt'),
    'Cats sleep most of the day on warm windowsills.\nThey hunt at night.\n',
  );
  writeFileSync(
    path.join(dir, 'bees.txt'),
    'A honeybee colony makes honey from nectar. Bees dance to show the way.\n',
  );
  return dir;
}

async function collectionOf(dir: string, maxTokens = 14): Promise<Collection> {
  const c = await Collection.create(fresh(), {
    embedder: new TrigramEmbedder({ dim: 128 }),
    chunking: { maxTokens, overlapTokens: 0 },
  });
  await c.add(readDocuments(dir), { root: dir, prune: true });
  return c;
}

test('passages: every matching chunk with its file, lines and characters, and the query words marked', async () => {
  const dir = corpus();
  const c = await collectionOf(dir);
  const file = path.join(dir, 'tales', 'christmas-eve.md');
  const text = readFileSync(file, 'utf8');
  const lines = text.split('\n');
  const hits = await c.search('чёрт украл месяц', { method: 'sparse', granularity: 'passage', k: 5 });
  assert.ok(hits.length >= 2, 'several passages of one document');
  assert.ok(hits.every((h) => h.id === 'tales/christmas-eve.md'));
  for (const h of hits) {
    const p = h.passage!;
    assert.equal(p.path, file);
    // a verbatim source: the characters and the lines are the file's own
    const chunk = text.slice(p.start, p.end);
    assert.ok(p.line! >= 1 && p.endLine! >= p.line!);
    assert.equal(
      lines
        .slice(p.line! - 1, p.endLine!)
        .join('\n')
        .includes(chunk.split('\n')[0]),
      true,
    );
    assert.equal(text.slice(0, p.start).split('\n').length, p.line);
    const best = p.sentences[p.best];
    assert.ok(best.highlights.length > 0, 'the best sentence has marked words');
    for (const s of best.highlights)
      assert.match(best.text.slice(s.start, s.end), /^(чёрт|Чёрт|месяц\p{L}*|Месяц)$/u);
    assert.ok(h.sparse && h.sparse.rank === hits.indexOf(h) + 1);
  }
  // Markdown is stripped from what is shown
  assert.ok(!hits.some((h) => /\*\*|^#/.test(h.snippet!)));
  await c.close();
});

test('results per document carry the file:line of their best passage; snippets centre on the best sentence', async () => {
  const dir = corpus();
  const c = await collectionOf(dir, 60);
  const [hit] = await c.search('Оксана черевички царица', { method: 'sparse', k: 1 });
  assert.equal(hit.id, 'tales/christmas-eve.md');
  assert.equal(hit.title, 'Ночь перед Рождеством', 'the title is the first heading, without its marks');
  assert.match(hit.snippet!, /черевички/);
  const p = hit.passage!;
  assert.equal(p.path, path.join(dir, 'tales', 'christmas-eve.md'));
  assert.equal(story.split('\n')[p.line! - 1].trim() !== '' || p.line === p.endLine, true);
  assert.match(p.sentences[p.best].text, /черевички/);
  // plain text titles: the first line when short, cut at a word
  const [cats] = await c.search('windowsills', { method: 'sparse', k: 1 });
  assert.equal(cats.title, 'Cats sleep most of the day on warm windowsills.');
  assert.equal(cats.passage!.line, 1);
  await c.close();
});

test('hybrid results show which side found them: ranks and raw scores per side, fused score in [0, 1]', async () => {
  const dir = corpus();
  const c = await collectionOf(dir, 60);
  const hits = await c.search('honeybee colony nectar', { method: 'hybrid', k: 3 });
  assert.equal(hits[0].id, 'bees.txt');
  for (const h of hits) {
    assert.ok(h.score >= 0 && h.score <= 1, `fused ${h.score}`);
    assert.ok(h.dense || h.sparse);
  }
  assert.equal(hits[0].sparse?.rank, 1);
  assert.ok(hits[0].dense !== undefined && hits[0].dense.score > 0);
  // a dense search shows only its side
  const dense = await c.search('honeybee colony nectar', { method: 'dense', k: 2 });
  assert.ok(dense.every((h) => h.dense && !h.sparse));
  await c.close();
});

test('folder sync: files removed from the folder leave the collection, changed ones are replaced, the rest stay', async () => {
  const dir = corpus();
  const c = await collectionOf(dir, 60);
  rmSync(path.join(dir, 'cats.txt'));
  writeFileSync(path.join(dir, 'bees.txt'), 'Bumblebees are larger and fluffier than honeybees.\n');
  const again = await c.add(readDocuments(dir), { root: dir, prune: true });
  assert.deepEqual(
    { added: again.added, replaced: again.replaced, unchanged: again.unchanged, removed: again.removed },
    { added: 0, replaced: 1, unchanged: 1, removed: 1 },
  );
  assert.equal(await c.has('cats.txt'), false);
  assert.equal((await c.search('windowsills', { method: 'sparse' })).length, 0);
  // documents from another input are not pruned by this one
  const other = path.join(root, `other${counter++}`);
  mkdirSync(other);
  writeFileSync(path.join(other, 'owls.txt'), 'Owls hunt at night.\n');
  await c.add(readDocuments(other), { root: other, prune: true });
  await c.add(readDocuments(dir), { root: dir, prune: true });
  assert.equal(await c.has('owls.txt'), true);
  await c.close();
});

test('a reader sees what a writer commits, deletes and compacts, without reopening', async () => {
  const dir = corpus();
  const writer = await collectionOf(dir, 60);
  const location = writer.dir;
  const reader = await Collection.open(location, { readonly: true });
  assert.equal((await reader.search('owls', { method: 'sparse' })).length, 0);
  await writer.add([{ id: 'owls', text: 'Owls hunt mice at night in silence.', meta: {} }]);
  assert.equal((await reader.search('owls hunt', { method: 'sparse' }))[0]?.id, 'owls');
  assert.equal((await reader.search('owls hunt mice', { method: 'dense' }))[0]?.id, 'owls');
  await writer.delete(['owls']);
  assert.ok(!(await reader.search('owls hunt mice', { method: 'dense', k: 5 })).some((h) => h.id === 'owls'));
  await writer.add([{ id: 'owls2', text: 'Barn owls nest in old barns.', meta: {} }]);
  await writer.compact();
  assert.equal((await reader.search('barn owls nest', { method: 'hybrid' }))[0]?.id, 'owls2');
  assert.equal(await reader.count(), await writer.count());
  await reader.close();
  await writer.close();
});

test('a keyword search never loads the embedder; a query of only spaces is a usage error', async () => {
  const dir = corpus();
  const c = await collectionOf(dir, 60);
  const location = c.dir;
  await c.close();
  // break the saved embedder: loading it would fail
  writeFileSync(path.join(location, 'embedder', 'manifest.json'), '{"method":"no-such-method"}');
  const reader = await Collection.open(location, { readonly: true });
  assert.equal((await reader.search('windowsills', { method: 'sparse' }))[0].id, 'cats.txt');
  await assert.rejects(reader.search('windowsills', { method: 'dense' }), /no-such-method/);
  for (const q of ['', '   ', '\t\n'])
    await assert.rejects(reader.search(q), (e) => isSmyslError(e, 'E_USAGE') && /empty/.test(e.message));
  await reader.close();
});

test('lifecycle: list, info, delete by metadata, drop', async () => {
  const parent = path.join(root, `parent${counter++}`);
  const dir = corpus();
  const c = await Collection.create(path.join(parent, 'notes'), {
    embedder: new TrigramEmbedder({ dim: 64 }),
  });
  await c.add(readDocuments(dir), { root: dir });
  await c.add([{ id: 'x', text: 'Кошка спит на окне.', meta: { lang: 'ru' } }]);
  assert.deepEqual(await Collection.list(parent), ['notes']);
  const info = await c.info();
  assert.equal(info.documents, 4);
  assert.equal(info.embedder.name, 'trigram-64');
  assert.equal(info.index.precision, 'f16');
  assert.ok(info.languages.ru >= 2 && info.languages.en >= 2, JSON.stringify(info.languages));
  assert.ok((info.diskBytes ?? 0) > 0);
  assert.ok(info.updated && Date.parse(info.updated) > 0);
  assert.equal(await c.deleteWhere({ lang: 'ru' }), 1);
  assert.equal(await c.count(), 3);
  // a collection being written cannot be dropped
  await assert.rejects(Collection.drop(path.join(parent, 'notes')), /being written/);
  await c.close();
  await Collection.drop(path.join(parent, 'notes'));
  assert.deepEqual(await Collection.list(parent), []);
});
