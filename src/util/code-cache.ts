import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import Module, { createRequire } from 'node:module';
import path from 'node:path';
import vm from 'node:vm';
import { cacheDir } from './fs.js';

/**
 * `require(specifier)` of a large CommonJS file through V8's code cache, kept in
 * ~/.cache/smysl/code: V8 then reads the compiled bytecode instead of parsing the source, which
 * for snowball-stemmers (870 kB of JavaScript) is most of what loading it costs — about 35 ms of a
 * 0.3 s command-line search. The cache is written when the process exits (so it holds every
 * function the process compiled, not only the top level), once per file version and V8 version;
 * a missing, stale or rejected cache is only slower, and any failure falls back to `require`.
 * Only for self-contained files (the module's own `require` is the plain one).
 */
export function requireCached(specifier: string, from: string | URL): unknown {
  const require = createRequire(from);
  const file = require.resolve(specifier);
  if (require.cache[file]) return require(specifier);
  let source: string;
  let cacheFile: string;
  try {
    source = readFileSync(file, 'utf8');
    const st = statSync(file);
    const key = createHash('sha256')
      .update(`${file}\0${st.size}\0${st.mtimeMs}\0${process.versions.v8}\0${process.arch}`)
      .digest('hex')
      .slice(0, 24);
    cacheFile = path.join(cacheDir(), 'code', `${path.basename(file)}-${key}.bin`);
  } catch {
    return require(specifier);
  }
  let cachedData: Buffer | undefined;
  try {
    cachedData = readFileSync(cacheFile);
  } catch {
    cachedData = undefined;
  }
  const script = new vm.Script(Module.wrap(source), { filename: file, cachedData });
  if (cachedData === undefined || script.cachedDataRejected)
    process.once('exit', () => {
      try {
        mkdirSync(path.dirname(cacheFile), { recursive: true });
        const tmp = `${cacheFile}.${process.pid}.tmp`;
        writeFileSync(tmp, script.createCachedData());
        renameSync(tmp, cacheFile);
      } catch {
        // a read-only home only loses the speed-up
      }
    });
  const module = new Module(file);
  module.filename = file;
  module.paths = (Module as unknown as { _nodeModulePaths(dir: string): string[] })._nodeModulePaths(
    path.dirname(file),
  );
  const moduleRequire = createRequire(file);
  // registered before it runs, as require does, so a cycle sees the partial exports
  require.cache[file] = module;
  try {
    const wrapper = script.runInThisContext() as (...args: unknown[]) => void;
    wrapper.call(module.exports, module.exports, moduleRequire, module, file, path.dirname(file));
  } catch (e) {
    delete require.cache[file];
    throw e;
  }
  module.loaded = true;
  return module.exports;
}
