import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Collection } from '../../src/store/collection.js';

// Collections written by smysl 0.1.0 (see the fixture's make.sh): they must open, search and
// compact unchanged — the on-disk format is a promise.
const fixtures = fileURLToPath(new URL('../../../test/fixtures/store/legacy-0.1.0', import.meta.url));
const expected = JSON.parse(readFileSync(path.join(fixtures, 'expected.json'), 'utf8')) as {
  stats: { documents: number; chunks: number };
  queries: Record<string, { dense: [string, number][]; sparse: [string, number][]; hybridTop: string }>;
};
const root = mkdtempSync(path.join(os.tmpdir(), 'smysl-legacy-'));
after(() => rmSync(root, { recursive: true, force: true }));

for (const precision of ['f16', 'f32']) {
  test(`a ${precision} collection made by smysl 0.1.0 opens, searches and compacts`, async () => {
    const dir = path.join(root, precision);
    cpSync(path.join(fixtures, precision), dir, { recursive: true });
    const check = async (c: Collection) => {
      const stats = await c.stats();
      assert.equal(stats.documents, expected.stats.documents);
      assert.equal(stats.chunks, expected.stats.chunks);
      for (const [query, want] of Object.entries(expected.queries)) {
        const dense = await c.search(query, { method: 'dense', k: 3 });
        assert.deepEqual(
          dense.map((r) => r.id),
          want.dense.map(([id]) => id),
        );
        dense.forEach((r, i) =>
          assert.ok(Math.abs(r.score - want.dense[i][1]) < 1e-3, `${query}: ${r.score}`),
        );
        const sparse = await c.search(query, { method: 'sparse', k: 3 });
        assert.deepEqual(
          sparse.map((r) => [r.id, Number(r.score.toFixed(5))]),
          want.sparse,
        );
        assert.equal((await c.search(query, { k: 3 }))[0].id, want.hybridTop);
      }
    };
    const reader = await Collection.open(dir, { readonly: true });
    await check(reader);
    await reader.close();
    const writer = await Collection.open(dir);
    await check(writer);
    assert.ok((await writer.compact()).removedRows > 0, 'the fixture holds replaced documents');
    assert.equal((await writer.stats()).deadRows, 0);
    await check(writer);
    await writer.close();
    assert.ok(!existsSync(path.join(dir, 'hnsw.0.bin')), "the old generation's files are gone");
    const again = await Collection.open(dir, { readonly: true });
    await check(again);
    await again.close();
  });
}
