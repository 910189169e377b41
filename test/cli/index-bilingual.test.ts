import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const bin = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));

function smysl(cwd: string, ...args: string[]) {
  return spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', cwd });
}

test('index: a new collection holding Russian goes through the bilingual encoder and says who took which chunks; English-only stays MiniLM', async () => {
  const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'smysl-index-bilingual-'));
  try {
    const mixed = path.join(dir, 'mixed');
    await fsp.mkdir(mixed);
    await fsp.writeFile(path.join(mixed, 'birds.md'), 'Birds fly south in autumn to find food.\n');
    await fsp.writeFile(path.join(mixed, 'bread.txt'), 'Sourdough bread rises slowly with wild yeast.\n');
    await fsp.writeFile(path.join(mixed, 'vulkan.md'), 'Магма поднимается, и вулкан извергается лавой.\n');
    const r = smysl(dir, 'index', 'mixed', '--collection', 'm', '--json');
    assert.equal(r.status, 0, r.stderr);
    const out = JSON.parse(r.stdout);
    assert.deepEqual(out.encoders, { 'transformer:minilm:fp32': 2, 'student:minilm-ru:int8': 1 });
    // an English query finds the Russian document (one space for both encoders)
    const s = smysl(
      dir,
      'search',
      'volcano eruption and lava',
      '--collection',
      'm',
      '--method',
      'dense',
      '--json',
    );
    assert.equal(s.status, 0, s.stderr);
    assert.equal(JSON.parse(s.stdout)[0].id, 'vulkan.md');
    // re-indexing unchanged documents loads no encoder and counts nothing
    const again = smysl(dir, 'index', 'mixed', '--collection', 'm', '--json');
    assert.equal(again.status, 0, again.stderr);
    assert.equal(JSON.parse(again.stdout).unchanged, 3);
    const text = smysl(dir, 'index', 'mixed', '--collection', 'm2');
    assert.equal(text.status, 0, text.stderr);
    assert.match(
      text.stdout,
      /chunks embedded by encoder: transformer:minilm:fp32 2, student:minilm-ru:int8 1/,
    );

    const english = path.join(dir, 'english');
    await fsp.mkdir(english);
    await fsp.writeFile(path.join(english, 'birds.md'), 'Birds fly south in autumn to find food.\n');
    const e = smysl(dir, 'index', 'english', '--collection', 'e', '--json');
    assert.equal(e.status, 0, e.stderr);
    assert.equal(JSON.parse(e.stdout).encoders, undefined);
  } finally {
    await fsp.rm(dir, { recursive: true, force: true });
  }
});
