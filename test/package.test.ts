import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { createApp } from '../src/server/app.js';

// The package as users get it: metadata, the npm tarball's contents, the public entry points.

const root = fileURLToPath(new URL('../../', import.meta.url));
const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
const bin = path.join(root, pkg.bin.smysl);

test('package.json: licence file, engines, keywords, entry points by stage', () => {
  assert.equal(pkg.license, 'Apache-2.0');
  const licence = readFileSync(path.join(root, 'LICENSE'), 'utf8');
  assert.match(licence, /Apache License\s+Version 2\.0, January 2004/);
  assert.match(licence, /END OF TERMS AND CONDITIONS/);
  assert.match(pkg.engines.node, /^>=\d+/);
  assert.ok(pkg.keywords.includes('embeddings') && pkg.keywords.includes('russian'));
  for (const stage of ['corpus', 'text', 'embed', 'vectors', 'index', 'store', 'tasks', 'eval', 'server'])
    assert.ok(pkg.exports[`./${stage}`], `no smysl/${stage}`);
});

test('npm pack: LICENSE and README in, no source maps, tests or sources; every entry point shipped', () => {
  const r = spawnSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], {
    cwd: root,
    encoding: 'utf8',
  });
  assert.equal(r.status, 0, r.stderr);
  const [packed] = JSON.parse(r.stdout) as { files: { path: string }[]; size: number }[];
  const files = new Set(packed.files.map((f) => f.path));
  for (const f of ['LICENSE', 'README.md', 'package.json', 'dist/src/cli/main.js', 'examples/README.md'])
    assert.ok(files.has(f), `${f} not packed`);
  for (const f of files) {
    assert.ok(!f.endsWith('.map'), `${f}: a source map pointing at sources that are not shipped`);
    assert.ok(!/^(src|test|bench|scripts)\//.test(f) && !f.startsWith('dist/test/'), `${f} shipped`);
    assert.ok(!f.endsWith('.ts') || f.endsWith('.d.ts'), `${f}: TypeScript source shipped`);
  }
  const targets = [pkg.main, pkg.types, pkg.bin.smysl];
  for (const entry of Object.values(pkg.exports) as (string | { types: string; default: string })[])
    if (typeof entry === 'string') targets.push(entry);
    else targets.push(entry.types, entry.default);
  for (const t of targets)
    assert.ok(files.has(t.replace(/^\.\//, '')), `${t} is an entry point but not packed`);
  // the WebAssembly kernels are build output that must travel with the package
  assert.ok(
    [...files].some((f) => f.endsWith('.wasm')),
    'no .wasm in the package',
  );
  // the built-in bilingual student (models/minilm-ru, int8, ~26 MB) travels with the package:
  // new collections holding Russian use it without a training run
  assert.ok(files.has('models/minilm-ru/table.bin'), 'the built-in student is not packed');
  assert.ok(packed.size < 32_000_000, `tarball ${packed.size} bytes`);
});

test('every sub-path export resolves by package name; the root exports what the README documents', async () => {
  // a package can import itself by name through its "exports" map, exactly as users do
  for (const key of Object.keys(pkg.exports)) {
    if (key === './package.json') continue;
    const mod = await import(key === '.' ? 'smysl' : `smysl/${key.slice(2)}`);
    assert.ok(Object.keys(mod).length > 0, `smysl${key.slice(1)} exports nothing`);
  }
  const rootApi = await import('smysl');
  const readme = readFileSync(path.join(root, 'README.md'), 'utf8');
  for (const name of Object.keys(rootApi))
    assert.ok(readme.includes(name), `root export ${name} is not in the README`);
  assert.ok(Object.keys(rootApi).length <= 30, `the root exports ${Object.keys(rootApi).length} names`);
  assert.equal(rootApi.VERSION, pkg.version);
  const embed = await import('smysl/embed');
  // what `smysl train encoder` does is a library call too
  for (const name of ['distillStudent', 'StudentEmbedder', 'induceRows', 'RoutingEmbedder', 'cosentLoss'])
    assert.equal(typeof (embed as Record<string, unknown>)[name], 'function', `smysl/embed lacks ${name}`);
  for (const internal of ['Lcg', 'sigmoidTable', 'trainExample', 'gloveStep'])
    assert.ok(!(internal in rootApi) && !(internal in embed), `${internal} is public`);
});

test('the version comes from package.json: -v, --version, /healthz, /openapi.json', async () => {
  for (const flag of ['-v', '--version']) {
    const r = spawnSync(process.execPath, [bin, flag], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout.trim(), pkg.version);
  }
  const { app } = createApp({ models: {} });
  const health = (await (await app.request('/healthz')).json()) as { version: string };
  assert.equal(health.version, pkg.version);
  const openapi = (await (await app.request('/openapi.json')).json()) as { info: { version: string } };
  assert.equal(openapi.info.version, pkg.version);
});

test('serve on a busy port: a one-line usage error (exit 2), no stack trace', async () => {
  const blocker = createServer();
  await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
  const { port } = blocker.address() as { port: number };
  try {
    const dir = mkdtempSync(path.join(tmpdir(), 'smysl-busy-'));
    const r = await spawnAsync(process.execPath, [bin, 'serve', '--port', String(port), '--dir', dir]);
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, new RegExp(`port 127\\.0\\.0\\.1:${port} is already in use; pass another --port`));
    assert.doesNotMatch(r.stderr, /\n\s+at /);
  } finally {
    blocker.close();
  }
});

/** spawnSync would block the event loop that keeps the blocking server listening. */
function spawnAsync(cmd: string, args: string[]): Promise<{ status: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    child.on('close', (status) => resolve({ status, stderr }));
  });
}
