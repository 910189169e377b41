import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

// `npm i smysl` as a user runs it: the packed tarball installed into an empty project with
// default npm settings. These machines reach only the npm registry, so every install script
// that wants another host (onnxruntime-node's GPU libraries, better-sqlite3's prebuilt binary)
// meets the offline case. The npm cache is the user's, so packages are not downloaded again.

const root = fileURLToPath(new URL('../../', import.meta.url));

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
  seconds: number;
}

function run(cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv): Promise<Run> {
  const started = performance.now();
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    child.on('close', (status) =>
      resolve({ status, stdout, stderr, seconds: (performance.now() - started) / 1000 }),
    );
  });
}

async function du(dir: string): Promise<number> {
  let bytes = 0;
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) bytes += await du(p);
    else if (e.isFile()) bytes += statSync(p).size;
  }
  return bytes;
}

test('npm i smysl from the tarball, offline, default settings; then npx smysl index + search', {
  timeout: 20 * 60_000,
}, async () => {
  const work = mkdtempSync(path.join(tmpdir(), 'smysl-install-'));
  try {
    // the environment of a user's shell: none of the npm_config_* this test inherits from
    // `npm test` (this repository's .npmrc skips onnxruntime-node's download; a user's does not)
    const env: NodeJS.ProcessEnv = {
      HOME: process.env.HOME,
      PATH: process.env.PATH,
      TMPDIR: process.env.TMPDIR,
      XDG_CACHE_HOME: path.join(work, 'cache'),
    };
    // packs today's build (npm test built it); --ignore-scripts keeps prepack from cleaning it
    const pack = await run('npm', ['pack', '--ignore-scripts', '--pack-destination', work], root, env);
    assert.equal(pack.status, 0, pack.stderr);
    const tarball = path.join(work, pack.stdout.trim().split('\n').pop() as string);
    assert.ok(existsSync(tarball), tarball);

    const project = path.join(work, 'project');
    mkdirSync(project);
    writeFileSync(path.join(project, 'package.json'), '{ "name": "try-smysl", "private": true }\n');
    // at low priority: compiling better-sqlite3 must not starve the suite's timing-sensitive tests
    const install = await run('nice', ['-n', '15', 'npm', 'install', tarball], project, env);
    assert.equal(install.status, 0, install.stderr.slice(-4000));
    const modules = path.join(project, 'node_modules');
    const native = existsSync(path.join(modules, 'onnxruntime-node', 'package.json'));
    console.log(
      `npm install: ${install.seconds.toFixed(0)} s, node_modules ${((await du(modules)) / 2 ** 20).toFixed(0)} MB, onnxruntime-node ${native ? 'installed' : 'dropped (encoders run on onnxruntime-web)'}, load average ${loadavg()[0].toFixed(1)}`,
    );

    const docs = path.join(project, 'docs');
    mkdirSync(docs);
    writeFileSync(
      path.join(docs, 'birds.md'),
      '# Migration\n\nBirds fly south in autumn to find food and warmth.\n',
    );
    writeFileSync(path.join(docs, 'bread.txt'), 'Sourdough bread rises slowly with wild yeast and flour.\n');
    writeFileSync(
      path.join(docs, 'vulkan.md'),
      '# Вулкан\n\nМагма поднимается, и вулкан извергается лавой.\n',
    );
    const version = await run('npx', ['smysl', '-v'], project, env);
    assert.equal(version.status, 0, version.stderr);
    assert.match(version.stdout, /^\d+\.\d+\.\d+/);
    const index = await run('npx', ['smysl', 'index', 'docs', '--json'], project, env);
    assert.equal(index.status, 0, index.stderr);
    assert.equal(JSON.parse(index.stdout).documents, 3);
    const search = await run(
      'npx',
      ['smysl', 'search', 'why do birds migrate', '-k', '2', '--json'],
      project,
      env,
    );
    assert.equal(search.status, 0, search.stderr);
    const hits = JSON.parse(search.stdout) as { id: string }[];
    assert.equal(hits[0].id, 'birds.md');
    const russian = await run(
      'npx',
      ['smysl', 'search', 'вулкан', '--method', 'sparse', '--json'],
      project,
      env,
    );
    assert.equal(russian.status, 0, russian.stderr);
    assert.equal((JSON.parse(russian.stdout) as { id: string }[])[0].id, 'vulkan.md');
    console.log(`npx smysl index (3 documents, built-in encoder): ${index.seconds.toFixed(1)} s`);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
});
