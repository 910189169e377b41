import { existsSync } from 'node:fs';
import { SmyslError } from '../errors.js';
import type { MapPoint } from './types.js';
import { readWebFile } from './web.js';

/**
 * A self-contained HTML page with an interactive map of `points` (the web UI's map code and
 * styles inlined, the points as JSON): opens from disk, no server needed.
 */
export function mapHtml(points: MapPoint[], title: string): string {
  const css = readWebFile('style.css');
  // the module's exports become plain declarations in an inline module script
  const js = readWebFile('map.js').replace(/^export /gm, '');
  const data = JSON.stringify(points).replace(/</g, '\\u003c');
  const safeTitle = title.replace(
    /[&<>"]/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!,
  );
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${safeTitle}</title>
<style>${css}
body{background:#fff} .map{height:calc(100vh - 20px);margin:10px}</style></head>
<body><div id="map" class="map"></div>
<script type="module">
${js}
const points = ${data};
window.smyslMap = drawMap(document.getElementById('map'), points, { title: ${JSON.stringify(title)} });
document.body.dataset.ready = 'true';
</script></body></html>
`;
}

/** Chromium's path (Debian's package), or undefined. */
export function findChromium(): string | undefined {
  for (const p of [
    process.env.SMYSL_CHROMIUM,
    '/usr/bin/chromium',
    '/usr/bin/chromium-browser',
    '/usr/bin/google-chrome',
  ])
    if (p && existsSync(p)) return p;
  return undefined;
}

/** Flags for headless Chromium on a machine without network or GPU. */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/**
 * Checks that PNG output can work — Chromium and the optional playwright-core package — so a
 * command fails at once, naming what to install, instead of after the projection.
 */
export async function pngRenderer(): Promise<{
  executablePath: string;
  chromium: typeof import('playwright-core').chromium;
}> {
  const executablePath = findChromium();
  if (!executablePath)
    throw new SmyslError(
      'E_USAGE',
      'PNG output needs Chromium: install Debian\'s "chromium" package (or set SMYSL_CHROMIUM), or write .html instead',
    );
  try {
    const { chromium } = await import('playwright-core');
    return { executablePath, chromium };
  } catch {
    throw new SmyslError(
      'E_USAGE',
      'PNG output needs the optional package playwright-core: run "npm install playwright-core" (or write .html instead)',
    );
  }
}

/** Renders the map page to PNG in headless Chromium (Debian's `chromium` package) via playwright-core. */
export async function renderPng(html: string, width = 1200, height = 800): Promise<Buffer> {
  const { executablePath, chromium } = await pngRenderer();
  const browser = await chromium.launch({ executablePath, args: CHROMIUM_ARGS });
  try {
    const page = await browser.newPage({ viewport: { width, height } });
    await page.setContent(html, { waitUntil: 'load' });
    await page.waitForSelector('body[data-ready="true"]', { timeout: 30_000 });
    return await page.screenshot({ type: 'png' });
  } finally {
    await browser.close();
  }
}
