// Assembles every WebAssembly text file under src/ (src/**/*.wat) into dist/src/**/*.wasm, beside
// the compiled module that loads it. Part of `npm run build` (and so of `npm ci`'s prepare and
// `npm test`). The .wasm files are build output, like the .js files: not in git.
// `node scripts/build-wasm.mjs --print` lists each module's exports and size.
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
const features = { simd: true, threads: true };

function* watFiles(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const file = path.join(dir, entry.name);
    if (entry.isDirectory()) yield* watFiles(file);
    else if (entry.name.endsWith('.wat')) yield file;
  }
}

const { parseWat } = await wabt();
for (const file of watFiles(path.join(root, 'src'))) {
  const rel = path.relative(root, file);
  let module;
  try {
    module = parseWat(rel, readFileSync(file, 'utf8'), features);
    module.resolveNames();
    module.validate(features);
  } catch (e) {
    console.error(`build-wasm: ${rel}: ${e.message}`);
    process.exit(1);
  }
  const { buffer } = module.toBinary({ canonicalize_lebs: true, write_debug_names: true });
  module.destroy();
  const out = path.join(root, 'dist', rel.replace(/\.wat$/, '.wasm'));
  mkdirSync(path.dirname(out), { recursive: true });
  writeFileSync(out, buffer);
  if (process.argv.includes('--print')) console.log(`${path.relative(root, out)}: ${buffer.length} bytes`);
}
