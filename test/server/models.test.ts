import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { TrigramEmbedder } from '../../src/embed/trigram.js';
import { StoreCollections } from '../../src/server/backends.js';
import { DynamicBatcher } from '../../src/server/batcher.js';
import { ModelPool, tokenCounter } from '../../src/server/models.js';
import { Collection } from '../../src/store/collection.js';

const root = mkdtempSync(path.join(os.tmpdir(), 'smysl-models-'));
const pool = new ModelPool();
after(async () => {
  await pool.dispose();
  rmSync(root, { recursive: true, force: true });
});

test('one minilm for the API and every collection indexed with the same settings; other settings load their own', async () => {
  const api = await pool.transformer({ model: 'minilm' });
  assert.equal(await pool.transformer({ model: 'minilm' }), api);
  // a collection's saved embedder manifest, as `smysl index --embedder minilm` writes it
  await api.save(path.join(root, 'same', 'embedder'));
  assert.equal(await pool.collectionEmbedder(path.join(root, 'same')), api);
  // the same model with another truncation length gives other vectors: not shared
  const manifest = JSON.parse(readFileSync(path.join(root, 'same', 'embedder', 'manifest.json'), 'utf8'));
  manifest.options.maxLength = 128;
  await api.save(path.join(root, 'other', 'embedder'));
  writeFileSync(path.join(root, 'other', 'embedder', 'manifest.json'), JSON.stringify(manifest));
  const other = await pool.collectionEmbedder(path.join(root, 'other'));
  assert.notEqual(other, api);
  assert.equal((other as typeof api).maxLength, 128);
  // token counts come from the model's tokenizer, with [CLS]/[SEP], capped at the truncation length
  const count = tokenCounter(api);
  assert.equal(count('hello world'), 4);
  assert.equal(count('word '.repeat(1000)), 256);
  assert.equal(tokenCounter(other)('word '.repeat(1000)), 128);
});

test('a collection served with a batcher embeds its queries through it', async () => {
  const dir = path.join(root, 'served');
  const c = await Collection.create(path.join(dir, 'notes'), {
    embedder: new TrigramEmbedder({ dim: 32 }),
    index: { type: 'exact' },
  });
  await c.add([
    { id: 'cat', text: 'кошка спит на диване', meta: {} },
    { id: 'car', text: 'машина едет по дороге', meta: {} },
  ]);
  await c.close();
  const batcher = new DynamicBatcher({ waitMs: 1 });
  const collections = new StoreCollections(dir, undefined, { batcher });
  try {
    const hits = await collections.search('notes', { query: 'кошка спит', k: 1, method: 'dense' });
    assert.equal(hits[0].id, 'cat');
    assert.deepEqual([batcher.stats.batches, batcher.stats.texts], [1, 1]);
    await collections.upsert('notes', [{ id: 'bus', text: 'автобус едет по дороге' }]);
    assert.deepEqual([batcher.stats.batches, batcher.stats.texts], [2, 2]);
    // a sparse search embeds nothing
    await collections.search('notes', { query: 'автобус', k: 1, method: 'sparse' });
    assert.equal(batcher.stats.texts, 2);
  } finally {
    await collections.close();
  }
});
