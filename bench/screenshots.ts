/**
 * Screenshots of the web UI for the README: search (hybrid, minilm) over examples/corpus, the
 * map of that collection, the map of the wink word vectors and the contextual view of "bank".
 * Drives Debian's chromium through playwright-core against an in-process server.
 *
 *   node dist/bench/screenshots.js [--out docs]
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { loadWordVectors } from '../src/embed/static/pretrained.js';
import { TransformerEmbedder } from '../src/embed/transformer/index.js';
import { LibraryExplorer, StoreCollections, transformerModel } from '../src/server/backends.js';
import { CHROMIUM_ARGS, findChromium } from '../src/server/plot.js';
import { startServer } from '../src/server/serve.js';
import { mountWebUi } from '../src/server/web.js';

const args = process.argv.slice(2);
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const OUT = path.resolve(args.includes('--out') ? args[args.indexOf('--out') + 1] : path.join(ROOT, 'docs'));
mkdirSync(OUT, { recursive: true });

const executablePath = findChromium();
if (!executablePath) throw new Error('needs Chromium (Debian package "chromium")');
const dir = mkdtempSync(path.join(os.tmpdir(), 'smysl-screenshots-'));
const indexed = spawnSync(
  process.execPath,
  [
    path.join(ROOT, 'dist/src/cli/main.js'),
    'index',
    path.join(ROOT, 'examples/corpus'),
    '--collection',
    path.join(dir, 'corpus'),
    '--embedder',
    'minilm',
    '--quiet',
  ],
  { encoding: 'utf8' },
);
if (indexed.status !== 0) throw new Error(`indexing failed: ${indexed.stderr}`);

const transformer = TransformerEmbedder.create({ model: 'minilm' });
const collections = new StoreCollections(dir);
const server = await startServer({
  port: 0,
  models: { minilm: async () => transformerModel('minilm', await transformer) },
  collections,
  explorer: new LibraryExplorer({
    collections,
    transformer: () => transformer,
    vectors: { wink: () => loadWordVectors('wink') },
  }),
  mount: mountWebUi,
});
const browser = await chromium.launch({ executablePath, args: CHROMIUM_ARGS });
try {
  const page = await browser.newPage({ viewport: { width: 1200, height: 820 } });
  await page.goto(`${server.url}/`);
  await page.waitForSelector('#search-collection option[value="corpus"]', { state: 'attached' });

  await page.fill('#search-query', 'how do bees talk to each other');
  await page.selectOption('#search-method', 'hybrid');
  await page.click('#search-form button[type="submit"]');
  await page.waitForSelector('#search-results li.hit');
  await page.screenshot({ path: path.join(OUT, 'search.png') });

  await page.click('nav button[data-tab="map"]');
  await page.selectOption('#map-source', 'collection:corpus');
  await page.selectOption('#map-method', 'umap');
  await page.fill('#map-color', 'dir');
  await page.click('#map-form button[type="submit"]');
  await page.waitForSelector('#map[data-points]');
  await page.screenshot({ path: path.join(OUT, 'map-collection.png') });

  await page.selectOption('#map-source', 'vectors:wink');
  await page.fill('#map-color', 'cluster');
  await page.click('#map-form button[type="submit"]');
  await page.waitForSelector('#map[data-points="2000"]', { timeout: 300_000 });
  await page.screenshot({ path: path.join(OUT, 'map-words.png') });

  await page.click('nav button[data-tab="context"]');
  await page.fill('#context-word', 'bank');
  await page.fill(
    '#context-sentences',
    [
      'We had a picnic on the bank of the river.',
      'The river bank was muddy after the flood.',
      'She opened an account at the bank downtown.',
      'The bank raised its interest rates again.',
      'Fish gathered near the grassy bank of the stream.',
      'He asked the bank for a mortgage.',
    ].join('\n'),
  );
  await page.click('#context-form button[type="submit"]');
  await page.waitForFunction('document.querySelector("#context-status").textContent.includes("vectors")');
  await page.screenshot({ path: path.join(OUT, 'context.png'), fullPage: true });
  process.stdout.write(`wrote search.png, map-collection.png, map-words.png, context.png to ${OUT}\n`);
} finally {
  await browser.close();
  await server.close();
  await collections.close();
  await (await transformer).dispose();
  rmSync(dir, { recursive: true, force: true });
}
