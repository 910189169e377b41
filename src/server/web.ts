import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Hono } from 'hono';

/** The web UI's files (web/ at the package root), served from a fixed list: no path from a request reaches the disk. */
export const WEB_DIR = fileURLToPath(new URL('../../../web/', import.meta.url));
const FILES: Record<string, string> = {
  'index.html': 'text/html; charset=utf-8',
  'app.js': 'text/javascript; charset=utf-8',
  'map.js': 'text/javascript; charset=utf-8',
  'style.css': 'text/css; charset=utf-8',
};

export function readWebFile(name: string): string {
  return readFileSync(`${WEB_DIR}${name}`, 'utf8');
}

export function mountWebUi(app: Hono): void {
  const cache = new Map<string, string>();
  const send = (name: string) => {
    let body = cache.get(name);
    if (body === undefined) cache.set(name, (body = readWebFile(name)));
    return new Response(body, { headers: { 'content-type': FILES[name], 'cache-control': 'no-cache' } });
  };
  app.get('/', () => send('index.html'));
  for (const name of Object.keys(FILES)) app.get(`/${name}`, () => send(name));
}
