import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const codeCache = pathToFileURL(path.resolve(here, '../../src/util/code-cache.js')).href;
const dir = mkdtempSync(path.join(os.tmpdir(), 'smysl-code-cache-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** Loads `file` through requireCached in a fresh process with its cache under `dir`. */
function load(file: string): string {
  const script = `import { requireCached } from ${JSON.stringify(codeCache)};
const m = requireCached(${JSON.stringify(file)}, ${JSON.stringify(pathToFileURL(file).href)});
const again = requireCached(${JSON.stringify(file)}, ${JSON.stringify(pathToFileURL(file).href)});
process.stdout.write(JSON.stringify({ value: m.twice(21), name: m.name, same: m === again }));`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
    encoding: 'utf8',
    env: { ...process.env, XDG_CACHE_HOME: dir },
  });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout;
}

test('requireCached: a CommonJS file loads the same with and without its code cache, and the cache is written once', () => {
  const file = path.join(dir, 'lib.cjs');
  writeFileSync(
    file,
    "'use strict';\nconst path = require('node:path');\nexports.twice = (x) => x * 2;\nexports.name = path.basename(__filename);\n",
  );
  const expected = JSON.stringify({ value: 42, name: 'lib.cjs', same: true });
  assert.equal(load(file), expected);
  const cacheDir = path.join(dir, 'smysl', 'code');
  const written = readdirSync(cacheDir);
  assert.equal(written.length, 1);
  assert.match(written[0], /^lib\.cjs-[0-9a-f]{24}\.bin$/);
  assert.equal(load(file), expected);
  // a damaged cache is rejected by V8: the file still loads, and the cache is made again
  writeFileSync(path.join(cacheDir, written[0]), 'not a code cache');
  assert.equal(load(file), expected);
  assert.deepEqual(readdirSync(cacheDir), written);
  assert.ok(statSync(path.join(cacheDir, written[0])).size > 'not a code cache'.length);
});
