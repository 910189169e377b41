import { Worker } from 'node:worker_threads';
import { SmyslError } from '../../errors.js';
import type { EncoderBatch } from './encoder.js';
import type { EncoderAnswer, EncoderJob, EncoderWorkerData } from './encoder-worker.js';

interface Pending {
  resolve: (states: Float32Array[]) => void;
  reject: (e: Error) => void;
}

interface Lane {
  worker: Worker;
  busy: boolean;
}

/**
 * Several encoder sessions, each on its own worker thread with one onnxruntime thread, taking
 * batches from one queue. On 2 cores, two one-thread sessions working on two batches indexed
 * faster than one session splitting each batch over two threads (bench/index.ts): a batch of
 * short texts is too little work per operator to split without the threads waiting on each
 * other, and the main thread stays free for tokenizing and writing meanwhile.
 */
export class EncoderPool {
  private readonly queue: { job: EncoderJob; pending: Pending }[] = [];
  private readonly pending = new Map<number, Pending>();
  private nextId = 0;
  private failure?: Error;

  private constructor(private readonly lanes: Lane[]) {
    for (const lane of lanes) {
      lane.worker.on('message', (m: EncoderAnswer) => this.answer(lane, m));
      lane.worker.on('error', (e) =>
        this.fail(new SmyslError('E_MODEL', `encoder worker failed: ${e.message}`, { cause: e })),
      );
      lane.worker.on('exit', (code) => {
        if (code !== 0) this.fail(new SmyslError('E_MODEL', `encoder worker exited with code ${code}`));
      });
      // idle workers must not keep the process alive; running ones are ref'd in dispatch
      lane.worker.unref();
    }
  }

  /** Starts `size` workers on the encoder file; resolves once every session is loaded. */
  static async create(data: EncoderWorkerData, size: number): Promise<EncoderPool> {
    const workers = Array.from(
      { length: size },
      () => new Worker(new URL('./encoder-worker.js', import.meta.url), { workerData: data }),
    );
    const detach: (() => void)[] = [];
    try {
      await Promise.all(
        workers.map(
          (w) =>
            new Promise<void>((resolve, reject) => {
              const onMessage = (m: EncoderAnswer) =>
                'ready' in m ? resolve() : reject(new Error('failed' in m ? m.failed : 'unexpected message'));
              const onExit = (code: number) => reject(new Error(`exited with code ${code}`));
              w.once('message', onMessage).once('error', reject).once('exit', onExit);
              // only these listeners: Worker keeps its message port running through listeners of its own
              detach.push(() => w.off('message', onMessage).off('error', reject).off('exit', onExit));
            }),
        ),
      );
    } catch (e) {
      await Promise.all(workers.map((w) => w.terminate()));
      throw new SmyslError('E_MODEL', `encoder workers cannot start: ${(e as Error).message}`, { cause: e });
    }
    for (const off of detach) off();
    return new EncoderPool(workers.map((worker) => ({ worker, busy: false })));
  }

  get size(): number {
    return this.lanes.length;
  }

  run(batch: EncoderBatch, lastLayers: number): Promise<Float32Array[]> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.queue.push({ job: { id: this.nextId++, batch, lastLayers }, pending: { resolve, reject } });
      this.dispatch();
    });
  }

  private dispatch(): void {
    for (const lane of this.lanes) {
      if (lane.busy) continue;
      const next = this.queue.shift();
      if (!next) return;
      lane.busy = true;
      lane.worker.ref();
      this.pending.set(next.job.id, next.pending);
      // the batch's arrays are built for this call only: hand them over without a copy
      lane.worker.postMessage(next.job, [
        next.job.batch.ids.buffer,
        next.job.batch.mask.buffer,
      ] as ArrayBuffer[]);
    }
  }

  private answer(lane: Lane, m: EncoderAnswer): void {
    if (!('id' in m)) return;
    const p = this.pending.get(m.id);
    this.pending.delete(m.id);
    lane.busy = false;
    lane.worker.unref();
    if (p) {
      if ('error' in m) p.reject(new SmyslError('E_MODEL', `encoder failed: ${m.error}`));
      else p.resolve(m.states);
    }
    this.dispatch();
  }

  private fail(e: Error): void {
    this.failure ??= e;
    for (const p of this.pending.values()) p.reject(e);
    this.pending.clear();
    for (const q of this.queue.splice(0)) q.pending.reject(e);
  }

  async release(): Promise<void> {
    this.failure ??= new SmyslError('E_STATE', 'the encoder was disposed');
    await Promise.all(this.lanes.map((l) => l.worker.terminate()));
  }
}
