/**
 * The word2vec and fastText training kernels: WebAssembly SIMD (f32x4) written as text in
 * word2vec.wat (read it for what each does), assembled at build time into word2vec.wasm. JavaScript
 * has no SIMD and these loops are nearly all of word2vec's and fastText's time. They work on a
 * shared WebAssembly.Memory that holds the model, so every worker runs them on the same matrices.
 * Addresses are byte offsets into that memory; lengths must be multiples of 4.
 *
 * Where the module cannot load (no WebAssembly, no SIMD or shared memory, or an unbuilt checkout)
 * `simdModule()` is null, `SharedArena` hands out plain SharedArrayBuffers, and training runs the
 * JavaScript loops in kernels.ts instead.
 */
import { compileWasm, instantiate, WASM_PAGE, type WasmMemory, wasm } from '../../util/wasm.js';

export { WASM_PAGE };
export type SharedWasmMemory = WasmMemory;

export interface SimdKernels {
  dot(a: number, b: number, n: number): number;
  axpy(g: number, x: number, y: number, n: number): void;
  update(g: number, h: number, grad: number, out: number, n: number): void;
  zero(p: number, n: number): void;
  /**
   * Sets the addresses and sizes the sentence kernel works on (once per worker): input and
   * output matrices, dim, alias table (probability f32, alias i32, vocabulary size), sigmoid and
   * -log sigmoid tables (SIGMOID_TABLE_SIZE + 1 f32 each), hidden and gradient (dim f32), a
   * scratch of 2 * window i32 for context rows, one of negative + 1 i32 for the drawn words, the random state (one u32 shared with `Lcg`),
   * window, negatives, CBOW (1) or skip-gram (0), and whether skip-gram draws one set of
   * negatives per centre word for all its context words (1) or one per pair (0, the C tool).
   */
  configure(
    input: number,
    output: number,
    dim: number,
    aliasProbability: number,
    alias: number,
    vocabSize: number,
    sigmoid: number,
    negLogSigmoid: number,
    hidden: number,
    gradient: number,
    rows: number,
    drawn: number,
    randomState: number,
    window: number,
    negative: number,
    cbow: number,
    shareNegatives: number,
  ): void;
  /** Trains one sentence of `length` word ids at address `words` (word2vec, negative sampling); returns its loss. */
  sentence(words: number, length: number, alpha: number): number;
  /** One example (hidden = mean of the `count` input rows listed at `rows`) towards `target`; returns its loss. */
  example(rows: number, count: number, target: number): number;
  /** Examples trained by `sentence` since the last call. */
  examples(): number;
}

let compiled: object | undefined | null;

/** The compiled module, or null where WebAssembly SIMD or shared memory is unavailable. */
export function simdModule(): object | null {
  if (compiled !== undefined) return compiled;
  const result = compileWasm(new URL('./word2vec.wasm', import.meta.url));
  if (result instanceof Error) {
    compiled = null;
    // a silent fallback made training ~4x slower with no sign of why: say it once
    if (typeof process !== 'undefined' && typeof process.emitWarning === 'function')
      process.emitWarning(
        `WebAssembly SIMD kernels unavailable (${result.message}); word vectors train with plain JavaScript loops, about 4x slower`,
      );
  } else compiled = result;
  return compiled;
}

/** Instantiates the kernels over a shared memory (synchronously; the module is tiny). */
export function simdKernels(memory: WasmMemory): SimdKernels | null {
  const mod = simdModule();
  if (!mod) return null;
  return instantiate<SimdKernels>(mod, { env: { memory } });
}

/**
 * Lays out typed arrays in one shared WebAssembly memory (16-byte aligned) so workers and the
 * SIMD kernels see the same matrices. Falls back to plain SharedArrayBuffers when disabled.
 */
export class SharedArena {
  readonly memory: WasmMemory | null;
  private offset = 0;

  constructor(totalBytes: number, useWasm: boolean) {
    const pages = Math.ceil((totalBytes + 16 * 64) / WASM_PAGE) + 1;
    // simdModule() first: where it is null it has said why (once)
    this.memory =
      useWasm && simdModule() && wasm && pages <= 65536
        ? new wasm.Memory({ initial: pages, maximum: pages, shared: true })
        : null;
  }

  private take(bytes: number): number {
    const at = this.offset;
    this.offset += Math.ceil(Math.max(bytes, 16) / 16) * 16;
    return at;
  }

  float32(length: number): Float32Array {
    if (!this.memory) return new Float32Array(new SharedArrayBuffer(Math.max(4, length * 4)));
    return new Float32Array(this.memory.buffer, this.take(length * 4), length);
  }

  int32(length: number): Int32Array {
    if (!this.memory) return new Int32Array(new SharedArrayBuffer(Math.max(4, length * 4)));
    return new Int32Array(this.memory.buffer, this.take(length * 4), length);
  }

  /** Bytes a float32 array of `length` takes in the arena (for sizing it). */
  static bytes(length: number): number {
    return Math.ceil(Math.max(length * 4, 16) / 16) * 16;
  }
}
