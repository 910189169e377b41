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
 *
 * plus the word2vec sentence kernel (`configure`, `sentence`, `examples`; see below), which runs
 * the whole negative-sampling loop of a sentence in WebAssembly.
 */
import { MAX_EXP, SIGMOID_TABLE_SIZE } from './kernels.js';

const SIMD = 0xfd;
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
const I32_EQZ = [0x45];
const BR_IF_0 = [0x0d, 0x00];
const END = [0x0b];

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
function sleb(n: number): number[] {
  const out: number[] = [];
  let value = n | 0;
  for (;;) {
    const byte = value & 0x7f;
    value >>= 7;
    if ((value === 0 && (byte & 0x40) === 0) || (value === -1 && (byte & 0x40) !== 0)) {
      out.push(byte);
      return out;
    }
    out.push(byte | 0x80);
  }
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

/** v128.load at pointer + offset; v128.store of `value` at pointer + offset. */
const loadAt = (pointer: number, offset: number) => [...get(pointer), SIMD, 0x00, 0x00, ...leb(offset)];
const storeAt = (pointer: number, offset: number, value: number[]) => [
  ...get(pointer),
  ...value,
  SIMD,
  0x0b,
  0x00,
  ...leb(offset),
];
const addConst = (pointer: number, bytes: number) => [
  ...get(pointer),
  0x41,
  ...sleb(bytes),
  ...I32_ADD,
  ...set(pointer),
];

/**
 * A loop over n floats (n a multiple of 4) at the given pointers: `step(offset, lane)` four times
 * per turn over 16 floats (offsets in the memory instructions instead of a pointer update and a
 * branch per 4 floats: about half the instructions), then once per 4 floats for the n % 16 rest.
 */
function unrolled(pointers: number[], n: number, step: (offset: number, lane: number) => number[]): number[] {
  return [
    ...[0x02, 0x40],
    ...get(n),
    ...I32_CONST_16,
    0x48, // i32.lt_s
    ...BR_IF_0,
    ...LOOP,
    ...step(0, 0),
    ...step(16, 1),
    ...step(32, 2),
    ...step(48, 3),
    ...pointers.flatMap((p) => addConst(p, 64)),
    ...get(n),
    ...I32_CONST_16,
    ...I32_SUB,
    ...tee(n),
    ...I32_CONST_16,
    0x4e, // i32.ge_s
    ...BR_IF_0,
    ...END,
    ...END,
    ...[0x02, 0x40],
    ...get(n),
    ...I32_EQZ,
    ...BR_IF_0,
    ...LOOP,
    ...step(0, 0),
    ...pointers.flatMap((p) => addConst(p, 16)),
    ...countDown(n),
    ...END,
    ...END,
  ];
}

// dot(a: 0, b: 1, n: 2) with accumulators 3-6: four independent chains (one chain would wait on
// the add latency every step), summed at the end; the rest goes into the first.
const dotCode = [
  ...unrolled([0, 1], 2, (offset, lane) => [
    ...get(3 + lane),
    ...loadAt(0, offset),
    ...loadAt(1, offset),
    ...F32X4_MUL,
    ...F32X4_ADD,
    ...set(3 + lane),
  ]),
  ...get(3),
  ...get(4),
  ...F32X4_ADD,
  ...get(5),
  ...get(6),
  ...F32X4_ADD,
  ...F32X4_ADD,
  ...set(3),
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
  ...unrolled([1, 2], 3, (offset) =>
    storeAt(2, offset, [...loadAt(2, offset), ...get(4), ...loadAt(1, offset), ...F32X4_MUL, ...F32X4_ADD]),
  ),
];
// update(g: 0, h: 1, grad: 2, out: 3, n: 4) with splat 5, v 6
const updateCode = [
  ...get(0),
  ...F32X4_SPLAT,
  ...set(5),
  ...unrolled([1, 2, 3], 4, (offset) => [
    ...loadAt(3, offset),
    ...set(6),
    ...storeAt(2, offset, [...loadAt(2, offset), ...get(5), ...get(6), ...F32X4_MUL, ...F32X4_ADD]),
    ...storeAt(3, offset, [...get(6), ...get(5), ...loadAt(1, offset), ...F32X4_MUL, ...F32X4_ADD]),
  ]),
];

// zero(p: 0, n: 1)
const zeroCode = [
  ...unrolled([0], 1, (offset) => storeAt(0, offset, [0x43, 0x00, 0x00, 0x00, 0x00, ...F32X4_SPLAT])),
];

// ---- the word2vec sentence kernel -------------------------------------------------------------
// The whole per-sentence loop of word2vec with negative sampling (dynamic window, negative draws
// from the alias table, sigmoid table, dot/update/axpy) runs here, so JavaScript only hands over
// a subsampled sentence: per example it saved ~14 calls across the JS/WebAssembly boundary and the
// JS bookkeeping between them. It performs exactly the operations of `trainExample`'s SIMD path
// in the same order (same f64 arithmetic for indices and gradients, same f32 rounding), and draws
// from the same random state (`Lcg` over a shared word), so it gives bit-identical vectors.

const F64 = 0x7c;
const BLOCK = [0x02, 0x40];
const IF = [0x04, 0x40];
const ELSE = [0x05];
const call = (f: number) => [0x10, f];
const gget = (g: number) => [0x23, g];
const gset = (g: number) => [0x24, g];
const I32_LOAD = [0x28, 0x02, 0x00];
const F32_LOAD = [0x2a, 0x02, 0x00];
const I32_STORE = [0x36, 0x02, 0x00];
const F32_STORE = [0x38, 0x02, 0x00];
const I32_EQ = [0x46];
const I32_NE = [0x47];
const I32_LT_S = [0x48];
const I32_LT_U = [0x49];
const I32_LE_S = [0x4c];
const I32_MUL = [0x6c];
const I32_REM_U = [0x70];
const I32_XOR = [0x73];
const I32_SHL = [0x74];
const I32_SHR_U = [0x76];
const F64_GT = [0x64];
const F64_LT = [0x63];
const F64_GE = [0x66];
const F64_ADD = [0xa0];
const F64_SUB = [0xa1];
const F64_MUL = [0xa2];
const F64_DIV = [0xa3];
const I32_TRUNC_F64_S = [0xaa];
const F64_CONVERT_I32_S = [0xb7];
const F64_CONVERT_I32_U = [0xb8];
const F32_DEMOTE_F64 = [0xb6];
const F64_PROMOTE_F32 = [0xbb];

const i32 = (n: number) => [0x41, ...sleb(n)];
const f64 = (x: number) => [0x44, ...new Uint8Array(new Float64Array([x]).buffer)];
const f32 = (x: number) => [0x43, ...new Uint8Array(new Float32Array([x]).buffer)];
const block = (...code: number[][]) => [...BLOCK, ...code.flat(), ...END];
const loop = (...code: number[][]) => [...LOOP, ...code.flat(), ...END];
const when = (condition: number[], then: number[][], otherwise?: number[][]) => [
  ...condition,
  ...IF,
  ...then.flat(),
  ...(otherwise ? [...ELSE, ...otherwise.flat()] : []),
  ...END,
];
/** address + index * 4 */
const element = (address: number[], index: number[]) => [
  ...address,
  ...index,
  ...i32(2),
  ...I32_SHL,
  ...I32_ADD,
];

// globals (set once per worker by `configure`)
const G = {
  input: 0,
  output: 1,
  dim: 2,
  rowBytes: 3,
  aliasProbability: 4,
  alias: 5,
  vocabSize: 6,
  sigmoid: 7,
  negLogSigmoid: 8,
  hidden: 9,
  gradient: 10,
  rows: 11,
  rngState: 12,
  window: 13,
  negative: 14,
  cbow: 15,
  alpha: 16,
  examples: 17,
  drawn: 18,
  sink: 19,
  shareNegatives: 20,
};
const CONFIGURED = [
  G.input,
  G.output,
  G.dim,
  G.aliasProbability,
  G.alias,
  G.vocabSize,
  G.sigmoid,
  G.negLogSigmoid,
  G.hidden,
  G.gradient,
  G.rows,
  G.drawn,
  G.rngState,
  G.window,
  G.negative,
  G.cbow,
  G.shareNegatives,
];
// function indices
const F = {
  dot: 0,
  axpy: 1,
  update: 2,
  zero: 3,
  next: 4,
  configure: 5,
  example: 6,
  sentence: 7,
  examples: 8,
  draw: 9,
};

// next() -> i32: Lcg.next (random.ts): state = state * 1664525 + 1013904223, murmur3 finalizer
// local 0: state, 1: x
const nextCode = [
  ...gget(G.rngState),
  ...gget(G.rngState),
  ...I32_LOAD,
  ...i32(1664525),
  ...I32_MUL,
  ...i32(1013904223),
  ...I32_ADD,
  ...tee(0),
  ...I32_STORE,
  ...get(0),
  ...get(0),
  ...i32(16),
  ...I32_SHR_U,
  ...I32_XOR,
  ...i32(0x85ebca6b),
  ...I32_MUL,
  ...set(1),
  ...get(1),
  ...get(1),
  ...i32(13),
  ...I32_SHR_U,
  ...I32_XOR,
  ...i32(0xc2b2ae35),
  ...I32_MUL,
  ...set(1),
  ...get(1),
  ...get(1),
  ...i32(16),
  ...I32_SHR_U,
  ...I32_XOR,
];

// configure(15 x i32): the globals in CONFIGURED order; rowBytes = dim * 4
const configureCode = [
  ...CONFIGURED.flatMap((g, i) => [...get(i), ...gset(g)]),
  ...gget(G.dim),
  ...i32(2),
  ...I32_SHL,
  ...gset(G.rowBytes),
];

// example(rows: 0, count: 1, target: 2) -> f64 loss
// locals: hiddenAt 3, r 4, k 5, d 6, word 7, label 8, rowAt 9, idx 10 (i32); inv 11, f 12, g 13, loss 14 (f64)
const E = {
  rows: 0,
  count: 1,
  target: 2,
  hiddenAt: 3,
  r: 4,
  k: 5,
  d: 6,
  word: 7,
  label: 8,
  rowAt: 9,
  idx: 10,
};
const EF = { inv: 11, f: 12, g: 13, loss: 14 };
const inputRow = (rowIndexAddress: number[]) => [
  ...gget(G.input),
  ...rowIndexAddress,
  ...I32_LOAD,
  ...gget(G.rowBytes),
  ...I32_MUL,
  ...I32_ADD,
];
const rowOfR = element(get(E.rows), get(E.r));
// draw(_, _, target): fills `drawn` with the target and the negatives (same locals as example)
const drawCode = [
  // Draw all negatives first (the same random draws in the same order as drawing each in turn;
  // a negative equal to the target is -1, skipped) and touch their output rows every 128 bytes
  // (the adjacent-line prefetcher brings the other 64-byte line of each pair; touching every line
  // measured the same): the rows are scattered over the matrix and each is a cache miss; touched
  // together the misses overlap instead of each stalling its own dot product.
  ...element(gget(G.drawn), i32(0)),
  ...get(E.target),
  ...I32_STORE,
  ...i32(1),
  ...set(E.d),
  ...block([
    ...gget(G.negative),
    ...I32_EQZ,
    ...BR_IF_0,
    ...loop([
      ...call(F.next),
      ...gget(G.vocabSize),
      ...I32_REM_U,
      ...set(E.word),
      ...when(
        [
          ...call(F.next),
          ...F64_CONVERT_I32_U,
          ...f64(2.3283064365386963e-10),
          ...F64_MUL,
          ...element(gget(G.aliasProbability), get(E.word)),
          ...F32_LOAD,
          ...F64_PROMOTE_F32,
          ...F64_GE,
        ],
        [[...element(gget(G.alias), get(E.word)), ...I32_LOAD, ...set(E.word)]],
      ),
      ...element(gget(G.drawn), get(E.d)),
      ...i32(-1),
      ...get(E.word),
      ...get(E.word),
      ...get(E.target),
      ...I32_EQ,
      0x1b, // select
      ...I32_STORE,
      ...get(E.d),
      ...i32(1),
      ...I32_ADD,
      ...tee(E.d),
      ...gget(G.negative),
      ...I32_LE_S,
      ...BR_IF_0,
    ]),
  ]),
  ...f64(0),
  ...set(EF.f),
  ...i32(0),
  ...set(E.d),
  ...loop([
    ...element(gget(G.drawn), get(E.d)),
    ...I32_LOAD,
    ...set(E.word),
    ...when(
      [...get(E.word), ...i32(0), 0x4e], // i32.ge_s
      [
        [...gget(G.output), ...get(E.word), ...gget(G.rowBytes), ...I32_MUL, ...I32_ADD, ...set(E.rowAt)],
        [...i32(0), ...set(E.k)],
        loop([
          ...get(EF.f),
          ...get(E.rowAt),
          ...get(E.k),
          ...I32_ADD,
          ...F32_LOAD,
          ...F64_PROMOTE_F32,
          ...F64_ADD,
          ...set(EF.f),
          ...get(E.k),
          ...i32(128),
          ...I32_ADD,
          ...tee(E.k),
          ...gget(G.rowBytes),
          ...I32_LT_S,
          ...BR_IF_0,
        ]),
      ],
    ),
    ...get(E.d),
    ...i32(1),
    ...I32_ADD,
    ...tee(E.d),
    ...gget(G.negative),
    ...I32_LE_S,
    ...BR_IF_0,
  ]),
  // kept in a global so the engine cannot drop the touching loads as dead code
  ...get(EF.f),
  ...gset(G.sink),
];

const exampleCode = [
  ...when(
    [...get(E.count), ...i32(1), ...I32_EQ],
    [[...inputRow(get(E.rows)), ...set(E.hiddenAt)]],
    [
      [...gget(G.hidden), ...set(E.hiddenAt)],
      [...gget(G.hidden), ...gget(G.dim), ...call(F.zero)],
      [...i32(0), ...set(E.r)],
      loop([
        ...f32(1),
        ...inputRow(rowOfR),
        ...gget(G.hidden),
        ...gget(G.dim),
        ...call(F.axpy),
        ...get(E.r),
        ...i32(1),
        ...I32_ADD,
        ...tee(E.r),
        ...get(E.count),
        ...I32_LT_S,
        ...BR_IF_0,
      ]),
      // hidden[k] *= 1 / count, in f64 then rounded to f32 as the JavaScript loop does
      [...f64(1), ...get(E.count), ...F64_CONVERT_I32_S, ...F64_DIV, ...set(EF.inv)],
      [...i32(0), ...set(E.k)],
      loop([
        ...element(gget(G.hidden), get(E.k)),
        ...element(gget(G.hidden), get(E.k)),
        ...F32_LOAD,
        ...F64_PROMOTE_F32,
        ...get(EF.inv),
        ...F64_MUL,
        ...F32_DEMOTE_F64,
        ...F32_STORE,
        ...get(E.k),
        ...i32(1),
        ...I32_ADD,
        ...tee(E.k),
        ...gget(G.dim),
        ...I32_LT_S,
        ...BR_IF_0,
      ]),
    ],
  ),
  ...gget(G.gradient),
  ...gget(G.dim),
  ...call(F.zero),
  ...when(
    [...gget(G.shareNegatives), ...I32_EQZ],
    [[...get(E.rows), ...get(E.count), ...get(E.target), ...call(F.draw)]],
  ),
  ...i32(0),
  ...set(E.d),
  ...loop([
    ...block([
      ...element(gget(G.drawn), get(E.d)),
      ...I32_LOAD,
      ...tee(E.word),
      ...i32(0),
      ...I32_LT_S,
      ...BR_IF_0,
      ...get(E.d),
      ...I32_EQZ,
      ...set(E.label),
      ...gget(G.output),
      ...get(E.word),
      ...gget(G.rowBytes),
      ...I32_MUL,
      ...I32_ADD,
      ...set(E.rowAt),
      ...get(E.hiddenAt),
      ...get(E.rowAt),
      ...gget(G.dim),
      ...call(F.dot),
      ...F64_PROMOTE_F32,
      ...set(EF.f),
      ...when(
        [...get(EF.f), ...f64(MAX_EXP), ...F64_GT],
        [
          [
            ...get(E.label),
            ...i32(1),
            ...I32_SUB,
            ...F64_CONVERT_I32_S,
            ...gget(G.alpha),
            ...F64_MUL,
            ...set(EF.g),
          ],
          when(
            [...get(E.label), ...I32_EQZ],
            [
              [
                ...get(EF.loss),
                ...gget(G.negLogSigmoid),
                ...F32_LOAD,
                ...F64_PROMOTE_F32,
                ...F64_ADD,
                ...set(EF.loss),
              ],
            ],
          ),
        ],
        [
          when(
            [...get(EF.f), ...f64(-MAX_EXP), ...F64_LT],
            [
              [...get(E.label), ...F64_CONVERT_I32_S, ...gget(G.alpha), ...F64_MUL, ...set(EF.g)],
              when(
                [...get(E.label)],
                [
                  [
                    ...get(EF.loss),
                    ...gget(G.negLogSigmoid),
                    ...F32_LOAD,
                    ...F64_PROMOTE_F32,
                    ...F64_ADD,
                    ...set(EF.loss),
                  ],
                ],
              ),
            ],
            [
              // idx = ((f + MAX_EXP) * (TABLE_SIZE / (2 * MAX_EXP)) + 0.5) | 0
              [
                ...get(EF.f),
                ...f64(MAX_EXP),
                ...F64_ADD,
                ...f64(SIGMOID_TABLE_SIZE / (2 * MAX_EXP)),
                ...F64_MUL,
                ...f64(0.5),
                ...F64_ADD,
                ...I32_TRUNC_F64_S,
                ...set(E.idx),
              ],
              [
                ...get(E.label),
                ...F64_CONVERT_I32_S,
                ...element(gget(G.sigmoid), get(E.idx)),
                ...F32_LOAD,
                ...F64_PROMOTE_F32,
                ...F64_SUB,
                ...gget(G.alpha),
                ...F64_MUL,
                ...set(EF.g),
              ],
              [...get(EF.loss)],
              // negLogSigmoid[label ? idx : TABLE_SIZE - idx]
              element(gget(G.negLogSigmoid), [
                ...get(E.idx),
                ...i32(SIGMOID_TABLE_SIZE),
                ...get(E.idx),
                ...I32_SUB,
                ...get(E.label),
                0x1b,
              ]),
              F32_LOAD,
              [...F64_PROMOTE_F32, ...F64_ADD, ...set(EF.loss)],
            ],
          ),
        ],
      ),
      ...get(EF.g),
      ...F32_DEMOTE_F64,
      ...get(E.hiddenAt),
      ...gget(G.gradient),
      ...get(E.rowAt),
      ...gget(G.dim),
      ...call(F.update),
    ]),
    ...get(E.d),
    ...i32(1),
    ...I32_ADD,
    ...tee(E.d),
    ...gget(G.negative),
    ...I32_LE_S,
    ...BR_IF_0,
  ]),
  ...i32(0),
  ...set(E.r),
  ...loop([
    ...f32(1),
    ...gget(G.gradient),
    ...inputRow(rowOfR),
    ...gget(G.dim),
    ...call(F.axpy),
    ...get(E.r),
    ...i32(1),
    ...I32_ADD,
    ...tee(E.r),
    ...get(E.count),
    ...I32_LT_S,
    ...BR_IF_0,
  ]),
  ...get(EF.loss),
];

// sentence(words: 0, length: 1, alpha: 2 f64) -> f64 loss
// locals: i 3, word 4, reduced 5, c 6, to 7, count 8 (i32); loss 9 (f64)
const S = { words: 0, length: 1, alpha: 2, i: 3, word: 4, reduced: 5, c: 6, to: 7, count: 8, loss: 9 };
const contextOk = [
  // c != i && c in [0, length) (unsigned compare covers c < 0)
  ...get(S.c),
  ...get(S.i),
  ...I32_NE,
  ...get(S.c),
  ...get(S.length),
  ...I32_LT_U,
  0x71, // i32.and
];
const countExample = [...gget(G.examples), ...i32(1), ...I32_ADD, ...gset(G.examples)];
const sentenceCode = [
  ...get(S.alpha),
  ...gset(G.alpha),
  ...loop([
    ...element(get(S.words), get(S.i)),
    ...I32_LOAD,
    ...set(S.word),
    ...call(F.next),
    ...gget(G.window),
    ...I32_REM_U,
    ...set(S.reduced),
    // c = i - window + reduced; to = i + window - reduced
    ...get(S.i),
    ...gget(G.window),
    ...I32_SUB,
    ...get(S.reduced),
    ...I32_ADD,
    ...set(S.c),
    ...get(S.i),
    ...gget(G.window),
    ...I32_ADD,
    ...get(S.reduced),
    ...I32_SUB,
    ...set(S.to),
    ...when(
      gget(G.cbow),
      [
        [...i32(0), ...set(S.count)],
        loop([
          ...when(contextOk, [
            [
              ...element(gget(G.rows), get(S.count)),
              ...element(get(S.words), get(S.c)),
              ...I32_LOAD,
              ...I32_STORE,
              ...get(S.count),
              ...i32(1),
              ...I32_ADD,
              ...set(S.count),
            ],
          ]),
          ...get(S.c),
          ...i32(1),
          ...I32_ADD,
          ...tee(S.c),
          ...get(S.to),
          ...I32_LE_S,
          ...BR_IF_0,
        ]),
        when(
          [...get(S.count), ...I32_EQZ, ...I32_EQZ],
          [
            [
              ...get(S.loss),
              ...gget(G.rows),
              ...get(S.count),
              ...get(S.word),
              ...call(F.example),
              ...F64_ADD,
              ...set(S.loss),
              ...countExample,
            ],
          ],
        ),
      ],
      [
        when(gget(G.shareNegatives), [[...i32(0), ...i32(0), ...get(S.word), ...call(F.draw)]]),
        loop([
          ...when(contextOk, [
            [
              ...gget(G.rows),
              ...element(get(S.words), get(S.c)),
              ...I32_LOAD,
              ...I32_STORE,
              ...get(S.loss),
              ...gget(G.rows),
              ...i32(1),
              ...get(S.word),
              ...call(F.example),
              ...F64_ADD,
              ...set(S.loss),
              ...countExample,
            ],
          ]),
          ...get(S.c),
          ...i32(1),
          ...I32_ADD,
          ...tee(S.c),
          ...get(S.to),
          ...I32_LE_S,
          ...BR_IF_0,
        ]),
      ],
    ),
    ...get(S.i),
    ...i32(1),
    ...I32_ADD,
    ...tee(S.i),
    ...get(S.length),
    ...I32_LT_S,
    ...BR_IF_0,
  ]),
  ...get(S.loss),
];

// examples() -> i32: examples trained since the last call
const examplesCode = [...gget(G.examples), ...i32(0), ...gset(G.examples)];

interface WasmFunction {
  name?: string;
  params: number[];
  results: number[];
  locals: number[][];
  code: number[];
}
const functions: WasmFunction[] = [
  { name: 'dot', params: [I32, I32, I32], results: [F32], locals: [[4, V128]], code: dotCode },
  { name: 'axpy', params: [F32, I32, I32, I32], results: [], locals: [[1, V128]], code: axpyCode },
  { name: 'update', params: [F32, I32, I32, I32, I32], results: [], locals: [[2, V128]], code: updateCode },
  { name: 'zero', params: [I32, I32], results: [], locals: [], code: zeroCode },
  { params: [], results: [I32], locals: [[2, I32]], code: nextCode },
  { name: 'configure', params: CONFIGURED.map(() => I32), results: [], locals: [], code: configureCode },
  {
    name: 'example',
    params: [I32, I32, I32],
    results: [F64],
    locals: [
      [8, I32],
      [4, F64],
    ],
    code: exampleCode,
  },
  {
    name: 'sentence',
    params: [I32, I32, F64],
    results: [F64],
    locals: [
      [6, I32],
      [1, F64],
    ],
    code: sentenceCode,
  },
  { name: 'examples', params: [], results: [I32], locals: [], code: examplesCode },
  {
    params: [I32, I32, I32],
    results: [],
    locals: [
      [8, I32],
      [4, F64],
    ],
    code: drawCode,
  },
];
const globals = Object.keys(G).map((k) =>
  k === 'alpha' || k === 'sink' ? [F64, 0x01, ...f64(0), ...END] : [I32, 0x01, ...i32(0), ...END],
);

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
    vec(functions.map((f) => [0x60, ...vec(f.params.map((t) => [t])), ...vec(f.results.map((t) => [t]))])),
  ),
  // import env.memory: shared, min 1 page, max 65536 pages
  ...section(2, vec([[...name('env'), ...name('memory'), 0x02, 0x03, ...leb(1), ...leb(65536)]])),
  ...section(3, vec(functions.map((_, i) => leb(i)))),
  ...section(6, vec(globals)),
  ...section(7, vec(functions.flatMap((f, i) => (f.name ? [[...name(f.name), 0x00, ...leb(i)]] : [])))),
  ...section(10, vec(functions.map((f) => body(f.locals, f.code)))),
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
  try {
    if (!wasm) throw new Error('no WebAssembly');
    compiled = new wasm.Module(moduleBytes);
  } catch (e) {
    compiled = null;
    // a silent fallback made training ~4x slower with no sign of why: say it once
    if (typeof process !== 'undefined' && typeof process.emitWarning === 'function')
      process.emitWarning(
        `WebAssembly SIMD kernels unavailable (${(e as Error).message}); word vectors train with plain JavaScript loops, about 4x slower`,
      );
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

  int32(length: number): Int32Array {
    if (!this.memory) return new Int32Array(new SharedArrayBuffer(Math.max(4, length * 4)));
    return new Int32Array(this.memory.buffer, this.take(length * 4), length);
  }

  /** Bytes a float32 array of `length` takes in the arena (for sizing it). */
  static bytes(length: number): number {
    return Math.ceil(Math.max(length * 4, 16) / 16) * 16;
  }
}
