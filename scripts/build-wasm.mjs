// Assembles every WebAssembly text file under src/ (src/**/*.wat) into dist/src/**/*.wasm, beside
// the compiled module that loads it. Part of `npm run build` (and so of `npm ci`'s prepare and
// `npm test`). The .wasm files are build output, like the .js files: not in git.
//
// A file containing the line `;; @variant fused` is also assembled as `<name>-fused.wasm` with
// every `(f32x4.add ACC (f32x4.mul A B))` rewritten to `(f32x4.relaxed_madd A B ACC)`: the same
// kernels with fused multiply-adds (relaxed SIMD), which the loader uses where the engine has it.
// Lines from `;; @fused only {` to `;; }` (other relaxed-SIMD functions) are left out of the plain
// build and kept in the fused one.
//
// `node scripts/build-wasm.mjs --print` lists each module and its size.
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

let wabt;
try {
  wabt = (await import('wabt')).default;
} catch {
  console.error(
    'build-wasm: the devDependency `wabt` is not installed; run `npm install` (or `npm ci`) to assemble the WebAssembly kernels',
  );
  process.exit(1);
}

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

function* watFiles(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const file = path.join(dir, entry.name);
    if (entry.isDirectory()) yield* watFiles(file);
    else if (entry.name.endsWith('.wat')) yield file;
  }
}

/** The end (exclusive) of the S-expression starting at text[start] === '(' (comments stripped). */
function expressionEnd(text, start) {
  let depth = 0;
  for (let i = start; i < text.length; i++) {
    if (text[i] === '(') depth++;
    else if (text[i] === ')' && --depth === 0) return i + 1;
  }
  throw new Error('unbalanced parentheses');
}

/** The top-level S-expressions inside "(head ...)" starting at `start`, after the head word. */
function operands(text, start) {
  const out = [];
  const end = expressionEnd(text, start) - 1;
  let i = text.indexOf(' ', start);
  while (i < end) {
    if (text[i] === '(') {
      const e = expressionEnd(text, i);
      out.push(text.slice(i, e));
      i = e;
    } else i++;
  }
  return out;
}

/** (f32x4.add ACC (f32x4.mul A B)) -> (f32x4.relaxed_madd A B ACC), everywhere (no comments in text). */
function fused(text) {
  let out = '';
  let i = 0;
  for (;;) {
    const at = text.indexOf('(f32x4.add ', i);
    if (at < 0) return out + text.slice(i);
    const [acc, product] = operands(text, at);
    if (product?.startsWith('(f32x4.mul ')) {
      const [a, b] = operands(product, 0);
      out += `${text.slice(i, at)}(f32x4.relaxed_madd ${fused(a)} ${fused(b)} ${fused(acc)})`;
      i = expressionEnd(text, at);
    } else {
      out += text.slice(i, at + 1);
      i = at + 1;
    }
  }
}

function assemble(wabtApi, name, text, features) {
  const module = wabtApi.parseWat(name, text, features);
  try {
    module.resolveNames();
    module.validate(features);
    return module.toBinary({ canonicalize_lebs: true, write_debug_names: true }).buffer;
  } finally {
    module.destroy();
  }
}

const wabtApi = await wabt();
for (const file of watFiles(path.join(root, 'src'))) {
  const rel = path.relative(root, file);
  const text = readFileSync(file, 'utf8');
  const plain = text.replace(/^[ \t]*;; @fused only \{$[\s\S]*?^[ \t]*;; \}$/gm, '');
  const builds = [[rel.replace(/\.wat$/, '.wasm'), plain, { simd: true, threads: true }]];
  if (/^;; @variant fused$/m.test(text))
    builds.push([
      rel.replace(/\.wat$/, '-fused.wasm'),
      fused(text.replace(/;;.*$/gm, '')),
      { simd: true, threads: true, relaxed_simd: true },
    ]);
  for (const [name, source, features] of builds) {
    let buffer;
    try {
      buffer = assemble(wabtApi, rel, source, features);
    } catch (e) {
      console.error(`build-wasm: ${name}: ${e.message}`);
      process.exit(1);
    }
    const out = path.join(root, 'dist', name);
    mkdirSync(path.dirname(out), { recursive: true });
    writeFileSync(out, buffer);
    if (process.argv.includes('--print')) console.log(`${path.relative(root, out)}: ${buffer.length} bytes`);
  }
}
