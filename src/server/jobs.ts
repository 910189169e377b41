import { Worker } from 'node:worker_threads';
import { SmyslError } from '../errors.js';
import type { DenseMatrix } from '../vectors/types.js';
import { ServerBusyError } from './batcher.js';
import type { ProjectionMethod } from './projection.js';

export interface MapJobsOptions {
  /** Maps computed at once (default 1: the cores are shared with the model). */
  concurrency?: number;
  /** Maps waiting for a thread; one more is refused with 429 (default 2). */
  maxQueued?: number;
  /** Time budget of a map, waiting included (default 120 s): the thread is stopped after it. */
  timeoutMs?: number;
}

export interface MapJobResult {
  /** n x 2, row-major. */
  xy: Float32Array;
  /** k-means groups, when asked for. */
  groups?: string[];
}

interface Pending {
  start(): void;
  fail(error: unknown): void;
}

/**
 * Projections (PCA, UMAP, t-SNE) and k-means for maps, each in a worker thread: they are
 * seconds to minutes of synchronous arithmetic that would otherwise stop every other request,
 * `/healthz` included. Bounded: `concurrency` at once, `maxQueued` waiting, `timeoutMs` each.
 */
export class MapJobs {
  private running = 0;
  private readonly waiting: Pending[] = [];
  private readonly concurrency: number;
  private readonly maxQueued: number;
  private readonly timeoutMs: number;
  /** Recent job durations (ms), for Retry-After. */
  private lastMs = 5000;
  readonly stats = { started: 0, finished: 0, refused: 0, stopped: 0 };

  constructor(options: MapJobsOptions = {}) {
    this.concurrency = Math.max(1, options.concurrency ?? 1);
    this.maxQueued = Math.max(0, options.maxQueued ?? 2);
    this.timeoutMs = options.timeoutMs ?? 120_000;
  }

  /** Projects `x` (copied into the worker) and, with `cluster`, groups it by k-means. */
  run(
    x: DenseMatrix,
    options: { method: ProjectionMethod; cluster: boolean; signal?: AbortSignal; timeoutMs?: number },
  ): Promise<MapJobResult> {
    if (options.signal?.aborted) return Promise.reject(new SmyslError('E_CANCELLED', 'cancelled'));
    if (this.running >= this.concurrency && this.waiting.length >= this.maxQueued) {
      this.stats.refused++;
      const wait = Math.max(1, Math.ceil(((this.waiting.length + 1) * this.lastMs) / 1000));
      return Promise.reject(
        new ServerBusyError(
          `the server is busy drawing ${this.running + this.waiting.length} maps; retry in ${wait} s`,
          429,
          wait,
        ),
      );
    }
    const budget = options.timeoutMs ?? this.timeoutMs;
    return new Promise<MapJobResult>((resolve, reject) => {
      let worker: Worker | undefined;
      let settled = false;
      let started = 0;
      const finish = (error: unknown, value?: MapJobResult) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        options.signal?.removeEventListener('abort', onAbort);
        const at = this.waiting.indexOf(pending);
        if (at >= 0) this.waiting.splice(at, 1);
        if (worker) {
          void worker.terminate();
          this.running--;
          if (error === undefined) this.lastMs = performance.now() - started;
          this.next();
        }
        if (error === undefined) resolve(value!);
        else reject(error);
      };
      const timer = setTimeout(() => {
        this.stats.stopped++;
        finish(
          new ServerBusyError(
            `the map was stopped after its time budget of ${Math.round(budget / 1000)} s; draw fewer points or use pca`,
            503,
            Math.max(1, Math.ceil(this.lastMs / 1000)),
          ),
        );
      }, budget);
      const onAbort = () => finish(new SmyslError('E_CANCELLED', 'cancelled: the client went away'));
      options.signal?.addEventListener('abort', onAbort, { once: true });
      const pending: Pending = {
        fail: (e) => finish(e),
        start: () => {
          this.running++;
          this.stats.started++;
          started = performance.now();
          const data = x.data.slice(0, x.rows * x.dim);
          worker = new Worker(new URL('./map-worker.js', import.meta.url), {
            workerData: { data, rows: x.rows, dim: x.dim, method: options.method, cluster: options.cluster },
            transferList: [data.buffer],
          });
          worker.once('message', (m: MapJobResult) => {
            this.stats.finished++;
            finish(undefined, m);
          });
          worker.once('error', (e) =>
            finish(new SmyslError('E_STATE', `map failed: ${e.message}`, { cause: e })),
          );
          worker.once('exit', (code) =>
            finish(new SmyslError('E_STATE', `map worker exited with code ${code}`)),
          );
        },
      };
      if (this.running < this.concurrency) pending.start();
      else this.waiting.push(pending);
    });
  }

  private next(): void {
    while (this.running < this.concurrency && this.waiting.length > 0) this.waiting.shift()!.start();
  }
}
