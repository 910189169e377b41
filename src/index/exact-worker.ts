/**
 * An exact-search worker: scans its share of an exact index's rows in the shared WebAssembly
 * memory whenever the index bumps its control word, keeps a top k per query and writes them to
 * its result buffer (see ExactPool in exact.ts). It blocks in Atomics.wait between searches.
 */
import { type MessagePort, receiveMessageOnPort, workerData } from 'node:worker_threads';
import { TopK } from '../util/topk.js';
import type { WasmMemory } from '../util/wasm.js';
import { CONTROL, GROUP, scanRange, type WorkerBuffers, wasmKernels } from './exact-kernels.js';

const { memory, module, control, port } = workerData as {
  memory: WasmMemory;
  module: object;
  control: Int32Array;
  port: MessagePort;
};
const kernels = wasmKernels(memory, module);
let buffers: WorkerBuffers | undefined;
let version = 0;
let seen = 0;

for (;;) {
  Atomics.wait(control, CONTROL.seq, seen);
  const seq = Atomics.load(control, CONTROL.seq);
  if (seq < 0) break;
  if (seq === seen) continue;
  seen = seq;
  try {
    if (control[CONTROL.version] !== version) {
      for (let m = receiveMessageOnPort(port); m; m = receiveMessageOnPort(port))
        buffers = m.message as WorkerBuffers;
      version = control[CONTROL.version];
    }
    const nq = control[CONTROL.nq];
    const k = control[CONTROL.k];
    const tops = Array.from({ length: nq }, () => new TopK(k));
    control[CONTROL.survivors] = scanRange(
      kernels,
      memory,
      {
        dims: control[CONTROL.dims],
        kind: control[CONTROL.kind],
        l2: control[CONTROL.l2],
        blockBytes: control[CONTROL.blockBytes],
        rowsAt: control[CONTROL.rowsAt],
        queryAt: control[CONTROL.queryAt],
        codesAt: control[CONTROL.codesAt],
        queryCodesAt: control[CONTROL.queryCodesAt],
        prefilterMinRows: control[CONTROL.prefilterMinRows],
      },
      control[CONTROL.slotAt],
      control[CONTROL.start],
      control[CONTROL.end],
      nq,
      tops,
      buffers!.removed,
    );
    const { results, k: stride } = buffers!;
    const counts = new Int32Array(results, 0, GROUP);
    const ids = new Int32Array(results, GROUP * 4, GROUP * stride);
    const scores = new Float64Array(results, GROUP * 4 + GROUP * stride * 4, GROUP * stride);
    for (let i = 0; i < nq; i++) {
      counts[i] = tops[i].size;
      ids.set(tops[i].heapIds.subarray(0, tops[i].size), i * stride);
      scores.set(tops[i].heapScores.subarray(0, tops[i].size), i * stride);
    }
    control[CONTROL.status] = 0;
  } catch {
    control[CONTROL.status] = 1;
  }
  Atomics.store(control, CONTROL.done, seq);
  Atomics.notify(control, CONTROL.done);
}
port.close();
