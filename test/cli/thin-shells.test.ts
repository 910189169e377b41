import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';

// The CLI is a shell: it parses flags, calls the library and formats. These checks catch the
// two ways library logic creeps back in: numeric work written in src/cli, and library code
// reaching into src/cli for a helper that lives there.
const src = path.resolve(new URL('../../../src', import.meta.url).pathname);

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const file = path.join(dir, e.name);
    if (e.isDirectory()) return sources(file);
    return file.endsWith('.ts') && !file.endsWith('.d.ts') ? [file] : [];
  });
}

/** Relative module specifiers a file imports or re-exports (static and dynamic). */
function imports(text: string): string[] {
  return [...text.matchAll(/(?:from\s+|import\s*\(\s*|^\s*import\s+)['"](\.[^'"]+)['"]/gm)].map((m) => m[1]);
}

test('no module outside src/cli imports from src/cli', () => {
  const cli = path.join(src, 'cli') + path.sep;
  const offenders: string[] = [];
  let read = 0;
  for (const file of sources(src)) {
    if (file.startsWith(cli)) continue;
    read++;
    for (const spec of imports(readFileSync(file, 'utf8')))
      if (path.resolve(path.dirname(file), spec).startsWith(cli))
        offenders.push(`${path.relative(src, file)} imports ${spec}`);
  }
  assert.ok(read > 100, `read ${read} modules`);
  assert.deepEqual(offenders, []);
});

test('src/cli holds no numeric kernels (typed arrays, square roots, logs: those belong to a stage)', () => {
  const numeric =
    /\bnew (?:Float32|Float64|Int8|Int16|Int32|Uint8|Uint16|Uint32)Array\b|\bMath\.(?:sqrt|exp|log|log2|log1p|pow|hypot)\b/;
  assert.ok(numeric.test('const d = new Float32Array(n); s += Math.sqrt(x);'));
  const offenders: string[] = [];
  for (const file of sources(path.join(src, 'cli'))) {
    readFileSync(file, 'utf8')
      .split('\n')
      .forEach((line, i) => {
        if (numeric.test(line)) offenders.push(`${path.relative(src, file)}:${i + 1}: ${line.trim()}`);
      });
  }
  assert.deepEqual(offenders, []);
});
