import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { readDocuments } from '../../src/corpus/index.js';
import { KeyedVectors } from '../../src/embed/static/keyed-vectors.js';
import type { TransformerEmbedder } from '../../src/embed/transformer/embedder.js';
import { TrigramEmbedder } from '../../src/embed/trigram.js';
import type { ServedModel } from '../../src/server/app.js';
import { LibraryExplorer, StoreCollections } from '../../src/server/backends.js';
import { CHROMIUM_ARGS } from '../../src/server/plot.js';
import { type RunningServer, startServer } from '../../src/server/serve.js';
import { mountWebUi } from '../../src/server/web.js';
import { Collection } from '../../src/store/collection.js';
import { tokenize } from '../../src/text/tokenize.js';

const CHROMIUM = '/usr/bin/chromium';
const CORPUS = fileURLToPath(new URL('../../../examples/corpus/', import.meta.url));
const root = mkdtempSync(path.join(os.tmpdir(), 'smysl-web-'));
let server: RunningServer | undefined;
let collections: StoreCollections | undefined;

/** Six words in two obvious groups, so the word map has something to show. */
function tinyVectors(): KeyedVectors {
  const words = ['cat', 'dog', 'mouse', 'red', 'green', 'blue'];
  const data = new Float32Array([1, 0.1, 0, 0.9, 0.2, 0, 0.8, 0, 0.1, 0, 1, 0.1, 0.1, 0.9, 0, 0, 0.8, 0.2]);
  return new KeyedVectors(words, data, 3);
}

const trigram = new TrigramEmbedder({ dim: 128 });
const model: ServedModel = { name: 'trigram', dim: trigram.dim, embed: (t) => trigram.embed(t) };

/** Contextual word vectors for the Context tab without a real transformer: trigram vectors of each word. */
const contextual = {
  dim: trigram.dim,
  async wordVectors(texts: string[]) {
    return Promise.all(
      texts.map(async (text) => {
        const words = tokenize(text).filter((t) => t.type !== 'punct');
        return { words, vectors: await trigram.embed(words.map((w) => `${w.text} ${text}`)) };
      }),
    );
  },
} as unknown as TransformerEmbedder;

before(async () => {
  if (!existsSync(CHROMIUM)) return;
  const c = await Collection.create(path.join(root, 'corpus'), {
    embedder: trigram,
    index: { type: 'exact' },
  });
  await c.add(readDocuments(CORPUS));
  await c.close();
  collections = new StoreCollections(root);
  server = await startServer({
    port: 0,
    models: { trigram: async () => model },
    collections,
    explorer: new LibraryExplorer({
      collections,
      vectors: { tiny: async () => tinyVectors() },
      transformer: async () => contextual,
    }),
    mount: mountWebUi,
  });
});

after(async () => {
  await server?.close();
  await collections?.close();
  rmSync(root, { recursive: true, force: true });
});

test('web UI in Chromium: search shows hits, the map draws points', async (t) => {
  if (!existsSync(CHROMIUM)) {
    const reason = `${CHROMIUM} is missing (install Debian's chromium package)`;
    console.log(`# skipped browser test: ${reason}`);
    t.skip(reason);
    return;
  }
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  try {
    const page = await browser.newPage({ viewport: { width: 1200, height: 800 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${server!.url}/`);
    await page.waitForSelector('#search-collection option[value="corpus"]', { state: 'attached' });

    await page.fill('#search-query', 'telescope exoplanets');
    await page.selectOption('#search-method', 'dense');
    await page.click('#search-form button[type="submit"]');
    await page.waitForSelector('#search-results li.hit');
    const hits = await page.$$eval('#search-results li.hit .hit-meta', (els) =>
      els.map((e) => e.textContent ?? ''),
    );
    assert.equal(hits.length, 10);
    assert.match(hits[0], /^astronomy\/exoplanets\.txt/);
    const marked = await page.$$eval('#search-results mark', (els) => els.length);
    assert.ok(marked > 0, 'query words are highlighted in the snippets');

    // the collection's analyzer marks inflected forms: «рецепт борща» marks «Борщ»
    await page.fill('#search-query', 'рецепт борща');
    await page.selectOption('#search-method', 'sparse');
    await page.click('#search-form button[type="submit"]');
    await page.waitForSelector('#search-results li.hit mark');
    const borscht = await page.$$eval('#search-results li.hit', (els) =>
      els.map((e) => ({
        id: e.querySelector('.hit-meta')?.textContent ?? '',
        marks: Array.from(
          e.querySelectorAll('mark'),
          (m) => (m as { textContent: string | null }).textContent,
        ),
      })),
    );
    assert.match(borscht[0].id, /^cooking\/borscht-ru\.md/);
    // in the first sentence (the heading is the title, not repeated in the snippet); the old
    // client-side stem of «борща» ("бор…") marked nothing
    assert.deepEqual(borscht[0].marks, ['Борщ']);
    assert.match(borscht[0].id, /^cooking\/borscht-ru\.md:\d+(-\d+)? · score \d\.\d{3} · lexical 1$/);

    // the Context tab finds every form of «замок» and says which sentence had none
    await page.click('nav button[data-tab="context"]');
    await page.fill('#context-word', 'замок');
    await page.fill(
      '#context-sentences',
      [
        'Рыцари жили в старом замке.',
        'Ключ не подходит к замку.',
        'Дверной замок сломался.',
        'Сегодня идёт дождь.',
      ].join('\n'),
    );
    await page.click('#context-form button[type="submit"]');
    await page.waitForSelector('#context-status[data-skipped]');
    const status = await page.textContent('#context-status');
    // three forms + the word on its own; sentence 4 left out and said so
    assert.match(status ?? '', /^4 vectors; 1 sentence left out \(no form of the word\): 4$/);

    await page.click('nav button[data-tab="map"]');
    await page.selectOption('#map-source', 'collection:corpus');
    await page.selectOption('#map-method', 'pca');
    await page.fill('#map-color', 'dir');
    await page.click('#map-form button[type="submit"]');
    await page.waitForSelector('#map[data-points]');
    // page code as strings: the test compiles without the DOM typings
    const drawn = await page.evaluate(
      "({ count: window.smyslMap.count, groups: window.smyslMap.groups.length, canvas: document.querySelectorAll('#map canvas').length })",
    );
    assert.deepEqual(drawn, { count: 40, groups: 8, canvas: 1 });
    // the canvas is not blank: some pixels were painted in a group colour
    const painted = await page.evaluate(`(() => {
      const canvas = document.querySelector('#map canvas');
      const d = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
      let n = 0;
      for (let i = 3; i < d.length; i += 4) if (d[i] > 0) n++;
      return n;
    })()`);
    assert.ok((painted as number) > 500, `painted pixels: ${painted}`);

    await page.selectOption('#map-source', 'vectors:tiny');
    await page.click('#map-form button[type="submit"]');
    await page.waitForSelector('#map[data-points="6"]');

    const shot = path.join(root, 'map.png');
    await page.screenshot({ path: shot });
    assert.ok(statSync(shot).size > 5000);
    assert.deepEqual(errors, []);
  } finally {
    await browser.close();
  }
});
