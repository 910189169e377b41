import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { TrigramEmbedder } from '../../src/embed/trigram.js';
import { Collection } from '../../src/store/collection.js';
import { IdTable } from '../../src/store/id-table.js';

const dirs: string[] = [];
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

test('IdTable.loadPacked: pages of concatenated ids (multi-byte, empty) by document number', () => {
  const ids = new IdTable();
  ids.loadPacked(
    [
      // кошка: 10 UTF-8 bytes; é: 2
      { docs: [3, 0, 2], lengths: [10, 2, 1], ids: 'кошкаéa' },
      { docs: [5, 1], lengths: [0, 4], ids: '😀' },
    ],
    6,
  );
  assert.equal(ids.get(3), 'кошка');
  assert.equal(ids.get(0), 'é');
  assert.equal(ids.get(2), 'a');
  assert.equal(ids.get(5), '');
  assert.equal(ids.get(1), '😀');
  assert.equal(ids.get(4), undefined);
  assert.equal(ids.get(6), undefined);
  assert.equal(ids.get(7), undefined);
  // lengths that do not add up to the page's bytes: refused, the table as it was
  assert.throws(() => ids.loadPacked([{ docs: [0], lengths: [3], ids: 'ab' }], 0), /do not add up/);
  assert.equal(ids.get(3), 'кошка');
});

test('a reopened collection maps every hit back to its id (ids read in pages from SQLite)', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'smysl-ids-'));
  dirs.push(dir);
  const docs = [
    { id: 'кот-1', text: 'кот спит на окне', meta: {} },
    { id: '😀 smile', text: 'a smiling face emoji', meta: {} },
    { id: 'b', text: 'bees make honey in hives', meta: {} },
    { id: 'a', text: 'ants carry leaves home', meta: {} },
    { id: 'é', text: 'an accented id is still an id', meta: {} },
  ];
  const c = await Collection.create(dir, { embedder: new TrigramEmbedder({ dim: 64 }) });
  await c.add(docs);
  await c.delete(['b']);
  await c.close();
  const reopened = await Collection.open(dir, { readonly: true });
  for (const d of docs.filter((x) => x.id !== 'b')) {
    const hits = await reopened.search(d.text, { k: 1, method: 'sparse' });
    assert.equal(hits[0]?.id, d.id, d.text);
    assert.equal((await reopened.get(d.id))?.text, d.text);
  }
  assert.equal(await reopened.get('b'), undefined);
  assert.equal(await reopened.count(), 4);
  await reopened.close();
});
