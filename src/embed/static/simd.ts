/**
 * Vector kernels in WebAssembly SIMD (f32x4), hand-assembled: JavaScript has no SIMD and these
 * three loops are nearly all of word2vec's and fastText's time. They work on a shared
 * WebAssembly.Memory that holds the model, so every worker runs them on the same matrices.
 * Addresses are byte offsets into that memory; lengths must be multiples of 4.
 *
 *   dot(a, b, n) -> f32          sum a[i] * b[i]
 *   axpy(g, x, y, n)             y[i] += g * x[i]
 *   update(g, h, grad, out, n)   v = out[i]; grad[i] += g * v; out[i] = v + g * h[i]
 *   zero(p, n)                   p[i] = 0
 */

const SIMD = 0xfd;
const V128_LOAD = [SIMD, 0x00, 0x00, 0x00];
const V128_STORE = [SIMD, 0x0b, 0x00, 0x00];
const F32X4_SPLAT = [SIMD, 0x13];
const F32X4_ADD = [SIMD, 0xe4, 0x01];
const F32X4_MUL = [SIMD, 0xe6, 0x01];
const extractLane = (lane: number) => [SIMD, 0x1f, lane];
const get = (i: number) => [0x20, i];
const set = (i: number) => [0x21, i];
const tee = (i: number) => [0x22, i];
const I32_CONST_16 = [0x41, 0x10];
const I32_CONST_4 = [0x41, 0x04];
const I32_CONST_0 = [0x41, 0x00];
const I32_ADD = [0x6a];
const I32_SUB = [0x6b];
const I32_GT_S = [0x4a];
const F32_ADD = [0x92];
const LOOP = [0x03, 0x40];
const BR_IF_0 = [0x0d, 0x00];
const END = [0x0b];

const advance = (...pointers: number[]) =>
  pointers.flatMap((p) => [...get(p), ...I32_CONST_16, ...I32_ADD, ...set(p)]);
const countDown = (n: number) => [
  ...get(n),
  ...I32_CONST_4,
  ...I32_SUB,
  ...tee(n),
  ...I32_CONST_0,
  ...I32_GT_S,
  ...BR_IF_0,
];

function leb(n: number): number[] {
  const out: number[] = [];
  do {
    let byte = n & 0x7f;
    n >>>= 7;
    if (n !== 0) byte |= 0x80;
    out.push(byte);
  } while (n !== 0);
  return out;
}
const vec = (items: number[][]) => [...leb(items.length), ...items.flat()];
const section = (id: number, body: number[]) => [id, ...leb(body.length), ...body];
const name = (s: string) => [...leb(s.length), ...Array.from(s, (c) => c.charCodeAt(0))];
const body = (locals: number[][], code: number[]) => {
  const b = [...vec(locals), ...code, ...END];
  return [...leb(b.length), ...b];
};

const I32 = 0x7f;
const F32 = 0x7d;
const V128 = 0x7b;

// dot(a: 0, b: 1, n: 2) with accumulator 3
const dotCode = [
  ...LOOP,
  ...get(3),
  ...get(0),
  ...V128_LOAD,
  ...get(1),
  ...V128_LOAD,
  ...F32X4_MUL,
  ...F32X4_ADD,
  ...set(3),
  ...advance(0, 1),
  ...countDown(2),
  ...END,
  ...get(3),
  ...extractLane(0),
  ...get(3),
  ...extractLane(1),
  ...F32_ADD,
  ...get(3),
  ...extractLane(2),
  ...F32_ADD,
  ...get(3),
  ...extractLane(3),
  ...F32_ADD,
];
// axpy(g: 0, x: 1, y: 2, n: 3) with splat 4
const axpyCode = [
  ...get(0),
  ...F32X4_SPLAT,
  ...set(4),
  ...LOOP,
  ...get(2),
  ...get(2),
  ...V128_LOAD,
  ...get(4),
  ...get(1),
  ...V128_LOAD,
  ...F32X4_MUL,
  ...F32X4_ADD,
  ...V128_STORE,
  ...advance(1, 2),
  ...countDown(3),
  ...END,
];
// update(g: 0, h: 1, grad: 2, out: 3, n: 4) with splat 5, v 6
const updateCode = [
  ...get(0),
  ...F32X4_SPLAT,
  ...set(5),
  ...LOOP,
  ...get(3),
  ...V128_LOAD,
  ...set(6),
  ...get(2),
  ...get(2),
  ...V128_LOAD,
  ...get(5),
  ...get(6),
  ...F32X4_MUL,
  ...F32X4_ADD,
  ...V128_STORE,
  ...get(3),
  ...get(6),
  ...get(5),
  ...get(1),
  ...V128_LOAD,
  ...F32X4_MUL,
  ...F32X4_ADD,
  ...V128_STORE,
  ...advance(1, 2, 3),
  ...countDown(4),
  ...END,
];

// zero(p: 0, n: 1)
const zeroCode = [
  ...LOOP,
  ...get(0),
  0x43,
  0x00,
  0x00,
  0x00,
  0x00,
  ...F32X4_SPLAT,
  ...V128_STORE,
  ...advance(0),
  ...countDown(1),
  ...END,
];

const moduleBytes = new Uint8Array([
  0x00,
  0x61,
  0x73,
  0x6d,
  0x01,
  0x00,
  0x00,
  0x00,
  ...section(
    1,
    vec([
      [0x60, ...vec([[I32], [I32], [I32]]), ...vec([[F32]])],
      [0x60, ...vec([[F32], [I32], [I32], [I32]]), 0x00],
      [0x60, ...vec([[F32], [I32], [I32], [I32], [I32]]), 0x00],
      [0x60, ...vec([[I32], [I32]]), 0x00],
    ]),
  ),
  // import env.memory: shared, min 1 page, max 65536 pages
  ...section(2, vec([[...name('env'), ...name('memory'), 0x02, 0x03, ...leb(1), ...leb(65536)]])),
  ...section(3, vec([[0], [1], [2], [3]])),
  ...section(
    7,
    vec([
      [...name('dot'), 0x00, 0],
      [...name('axpy'), 0x00, 1],
      [...name('update'), 0x00, 2],
      [...name('zero'), 0x00, 3],
    ]),
  ),
  ...section(
    10,
    vec([
      body([[1, V128]], dotCode),
      body([[1, V128]], axpyCode),
      body([[2, V128]], updateCode),
      body([], zeroCode),
    ]),
  ),
]);

/** The few WebAssembly types used here (the project's TypeScript lib has no DOM/WebAssembly types). */
interface WasmMemory {
  readonly buffer: ArrayBuffer | SharedArrayBuffer;
}
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: unknown };
  Memory: new (descriptor: { initial: number; maximum: number; shared: boolean }) => WasmMemory;
}
const wasm = (globalThis as unknown as { WebAssembly?: WasmApi }).WebAssembly;
export type SharedWasmMemory = WasmMemory;

export interface SimdKernels {
  dot(a: number, b: number, n: number): number;
  axpy(g: number, x: number, y: number, n: number): void;
  update(g: number, h: number, grad: number, out: number, n: number): void;
  zero(p: number, n: number): void;
}

let compiled: object | undefined | null;

/** The compiled module, or null where WebAssembly SIMD or shared memory is unavailable. */
export function simdModule(): object | null {
  if (compiled !== undefined) return compiled;
  try {
    if (!wasm) throw new Error('no WebAssembly');
    compiled = new wasm.Module(moduleBytes);
  } catch {
    compiled = null;
  }
  return compiled;
}

/** Instantiates the kernels over a shared memory (synchronously; the module is tiny). */
export function simdKernels(memory: WasmMemory): SimdKernels | null {
  const mod = simdModule();
  if (!mod || !wasm) return null;
  const instance = new wasm.Instance(mod, { env: { memory } });
  return instance.exports as unknown as SimdKernels;
}

/** Bytes per WebAssembly page. */
export const WASM_PAGE = 65536;

/**
 * Lays out typed arrays in one shared WebAssembly memory (16-byte aligned) so workers and the
 * SIMD kernels see the same matrices. Falls back to plain SharedArrayBuffers when disabled.
 */
export class SharedArena {
  readonly memory: WasmMemory | null;
  private offset = 0;

  constructor(totalBytes: number, useWasm: boolean) {
    const pages = Math.ceil((totalBytes + 16 * 64) / WASM_PAGE) + 1;
    this.memory =
      useWasm && wasm && simdModule() && pages <= 65536
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

  /** Bytes a float32 array of `length` takes in the arena (for sizing it). */
  static bytes(length: number): number {
    return Math.ceil(Math.max(length * 4, 16) / 16) * 16;
  }
}
