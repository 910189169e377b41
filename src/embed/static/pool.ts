import { Worker } from 'node:worker_threads';
import { SmyslError } from '../../errors.js';
import type { EmbeddingWorkerData, GloveWorkerData } from './worker.js';

/**
 * Runs one training worker per data item and resolves when all finish. `tick` is called about
 * four times a second while they run (for progress). On abort every worker is terminated and
 * the promise rejects with E_CANCELLED; a worker failure terminates the others too.
 */
export function runWorkers(
  items: (EmbeddingWorkerData | GloveWorkerData)[],
  tick: () => void,
  signal?: AbortSignal,
): Promise<void> {
  if (signal?.aborted) return Promise.reject(new SmyslError('E_CANCELLED', 'cancelled'));
  return new Promise<void>((resolve, reject) => {
    const workers = items.map(
      (data) => new Worker(new URL('./worker.js', import.meta.url), { workerData: data }),
    );
    let remaining = workers.length;
    let settled = false;
    const timer = setInterval(tick, 250);
    const finish = (error?: unknown) => {
      if (settled) return;
      settled = true;
      clearInterval(timer);
      signal?.removeEventListener('abort', onAbort);
      if (error) {
        Promise.all(workers.map((w) => w.terminate())).finally(() => reject(error));
      } else {
        tick();
        resolve();
      }
    };
    const onAbort = () => finish(new SmyslError('E_CANCELLED', 'cancelled'));
    signal?.addEventListener('abort', onAbort, { once: true });
    for (const w of workers) {
      w.on('message', () => {
        if (--remaining === 0) finish();
      });
      w.on('error', (e) =>
        finish(new SmyslError('E_MODEL', `training worker failed: ${e.message}`, { cause: e })),
      );
      w.on('exit', (code) => {
        if (code !== 0 && !settled)
          finish(new SmyslError('E_MODEL', `training worker exited with code ${code}`));
      });
    }
  });
}

/** A Float32Array over shared memory. */
export function sharedFloat32(length: number): Float32Array {
  return new Float32Array(new SharedArrayBuffer(Math.max(1, length) * 4));
}

export function sharedInt32(length: number): Int32Array {
  return new Int32Array(new SharedArrayBuffer(Math.max(1, length) * 4));
}

/** Copies an array into shared memory (workers receive it without a copy). */
export function toShared<T extends Float32Array | Int32Array | Uint8Array | Float64Array>(array: T): T {
  const Ctor = array.constructor as new (buffer: SharedArrayBuffer) => T;
  const shared = new Ctor(new SharedArrayBuffer(Math.max(8, array.byteLength)));
  (shared as unknown as { set(a: ArrayLike<number>): void }).set(array);
  return shared;
}
