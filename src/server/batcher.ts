import type { DenseMatrix } from '../vectors/types.js';

interface Pending {
  texts: string[];
  resolve: (rows: Float32Array[]) => void;
  reject: (e: unknown) => void;
}

/**
 * Dynamic batching: texts from concurrent requests that arrive within `waitMs` of the first
 * are embedded in one call (up to `maxBatch` texts), which is what keeps a transformer busy
 * under load; a lone request waits at most `waitMs`.
 */
export class DynamicBatcher {
  private queue: Pending[] = [];
  private queued = 0;
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> = Promise.resolve();
  /** Batches run so far and texts in them (for tests and metrics). */
  stats = { batches: 0, texts: 0 };

  constructor(
    private readonly embed: (texts: string[]) => Promise<DenseMatrix>,
    private readonly options: { maxBatch?: number; waitMs?: number } = {},
  ) {}

  /** Resolves with one vector per text, in order. */
  submit(texts: string[]): Promise<Float32Array[]> {
    return new Promise((resolve, reject) => {
      this.queue.push({ texts, resolve, reject });
      this.queued += texts.length;
      if (this.queued >= (this.options.maxBatch ?? 64)) this.flushSoon(0);
      else this.flushSoon(this.options.waitMs ?? 5);
    });
  }

  private flushSoon(ms: number): void {
    if (this.timer && ms > 0) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = null;
      this.running = this.running.then(() => this.runNext());
    }, ms);
  }

  /**
   * One model call at a time. The batch is taken when the model is free, not when the wait
   * window ends: everything that queued up during the previous call goes in together (oldest
   * first, up to maxBatch texts), which keeps batches large and waits fair under load.
   */
  private async runNext(): Promise<void> {
    const max = this.options.maxBatch ?? 64;
    const take: Pending[] = [];
    let texts = 0;
    while (this.queue.length > 0 && (take.length === 0 || texts + this.queue[0].texts.length <= max)) {
      const p = this.queue.shift()!;
      take.push(p);
      texts += p.texts.length;
    }
    this.queued -= texts;
    await this.run(take);
    if (this.queue.length > 0) this.running = this.running.then(() => this.runNext());
  }

  private async run(items: Pending[]): Promise<void> {
    if (items.length === 0) return;
    const all = items.flatMap((p) => p.texts);
    try {
      const m = await this.embed(all);
      this.stats.batches++;
      this.stats.texts += all.length;
      let row = 0;
      for (const p of items) {
        const rows: Float32Array[] = [];
        for (let i = 0; i < p.texts.length; i++, row++)
          rows.push(m.data.slice(row * m.dim, (row + 1) * m.dim));
        p.resolve(rows);
      }
    } catch (e) {
      for (const p of items) p.reject(e);
    }
  }

  /** Waits for queued and running batches (graceful shutdown). */
  async drain(): Promise<void> {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
      this.running = this.running.then(() => this.runNext());
    }
    let current: Promise<void>;
    do {
      current = this.running;
      await current;
    } while (current !== this.running);
  }
}
