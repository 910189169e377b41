/**
 * Loading the project's WebAssembly kernels. Each kernel module is WebAssembly text (a `.wat`
 * file under src/) assembled by scripts/build-wasm.mjs into a `.wasm` beside the compiled
 * JavaScript that loads it; this reads and compiles it once, synchronously (the modules are a
 * few kilobytes), and says why when it cannot, so callers can fall back to plain JavaScript.
 */
import { readFileSync } from 'node:fs';
import v8 from 'node:v8';

/** The few WebAssembly types used here (the project's TypeScript lib has no DOM/WebAssembly types). */
export interface WasmMemory {
  readonly buffer: ArrayBuffer | SharedArrayBuffer;
  grow(pages: number): number;
}
export interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: unknown };
  Memory: new (descriptor: { initial: number; maximum?: number; shared?: boolean }) => WasmMemory;
}

/** The engine's WebAssembly, or undefined where there is none (e.g. `node --jitless`). */
export const wasm = (globalThis as unknown as { WebAssembly?: WasmApi }).WebAssembly;

/** Bytes per WebAssembly page. */
export const WASM_PAGE = 65536;

/**
 * Compiles the `.wasm` at `url` (a URL relative to the caller's `import.meta.url`). Returns the
 * module, or an Error saying why not: no WebAssembly, a missing file (the build step did not run),
 * or an engine without the features the module uses (SIMD, shared memory).
 */
export function compileWasm(url: URL): object | Error {
  if (!wasm) return new Error('this JavaScript engine has no WebAssembly');
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(url);
  } catch (e) {
    return new Error(`${url.pathname} is missing (run \`npm run build\`): ${(e as Error).message}`);
  }
  try {
    return new wasm.Module(bytes);
  } catch (e) {
    return e as Error;
  }
}

/** Instantiates a compiled module; `exports` typed by the caller. */
export function instantiate<T>(module: object, imports: object): T {
  if (!wasm) throw new Error('no WebAssembly');
  return new wasm.Instance(module, imports).exports as T;
}

/**
 * Node 20's V8 (11.3) implements relaxed SIMD (fused multiply-add, standard in Node 22+) behind a
 * flag that only lets modules use those instructions; set it so a module using them can compile.
 * Returns whether the flag was set here.
 */
export function enableRelaxedSimd(): boolean {
  if (!/^11\./.test(process.versions.v8 ?? '')) return false;
  try {
    v8.setFlagsFromString('--experimental-wasm-relaxed-simd');
    return true;
  } catch {
    return false;
  }
}
