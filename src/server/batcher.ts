import { AsyncLocalStorage } from 'node:async_hooks';
import type { Embedder } from '../embed/types.js';
import { SmyslError } from '../errors.js';
import type { DenseMatrix } from '../vectors/types.js';

/**
 * Too much work is queued (status 429), a request's time budget ran out (503), or a collection
 * is being written by another process (409). `retryAfter`
 * is the server's estimate, in seconds, of when the queue will have room again.
 */
export class ServerBusyError extends SmyslError {
  constructor(
    message: string,
    readonly status: 409 | 429 | 503,
    readonly retryAfter: number,
  ) {
    super('E_STATE', message);
    this.name = 'ServerBusyError';
  }
}

/** What the batcher calls; calls for models with the same `key` (default: the object) are batched together. */
export interface BatchModel {
  embed(texts: string[]): Promise<DenseMatrix>;
  /** The underlying model, when several wrappers share one (a collection's and the API's minilm). */
  readonly key?: object;
}

export interface BatcherOptions {
  /** How long a lone request waits for company before its batch starts (default 5 ms). */
  waitMs?: number;
  /** Texts per model call (default 64). */
  maxBatch?: number;
  /** Tokens per model call (default 4096): one call's duration bounds how long a new request waits. */
  maxBatchTokens?: number;
  /** Characters per model call (default 65,536): tokenizing runs on the event loop. */
  maxBatchChars?: number;
  /** Tokens waiting in the queue; beyond it a request is refused with 429 (default 65,536). */
  maxQueuedTokens?: number;
  /** Requests waiting in the queue; one more is refused with 429 (default 512). */
  maxQueuedRequests?: number;
}

export interface SubmitOptions {
  /** Tokens of each text (how batches and the queue are measured); estimated from its length when absent. */
  tokens?: ArrayLike<number>;
  /** Aborting drops the request's texts that have not run yet. */
  signal?: AbortSignal;
  /** Date.now() after which the request's unfinished work is dropped with a 503. */
  deadline?: number;
  /**
   * 'refuse' (default): 429 when the queue is full; 'always': admitted anyway, and not counted
   * against the bound (work bounded elsewhere, e.g. writes: one upsert per collection at a time).
   */
  admission?: 'refuse' | 'always';
}

interface Item {
  /** null for an exclusive job. */
  key: object | null;
  model: BatchModel | null;
  job?: () => Promise<unknown>;
  texts: string[];
  tokens: Float64Array;
  /** Next text to hand to a batch; texts before it are running or done. */
  next: number;
  done: number;
  rows: Float32Array[];
  /** Tokens still waiting in the queue. */
  queuedTokens: number;
  /** Counted against maxQueuedTokens (admission 'refuse'). */
  bounded: boolean;
  settled: boolean;
  resolve(value: unknown): void;
  reject(error: unknown): void;
  dispose(): void;
}

/** A text's tokens when the caller did not count them: about four characters a token. */
export function estimateTokens(text: string, maxLength = 512): number {
  return Math.min(maxLength, Math.ceil(text.length / 4) + 2);
}

/**
 * The one queue in front of the server's models. Texts from concurrent requests are embedded
 * together (dynamic batching: a lone request waits at most `waitMs` for company), one model call
 * at a time, since every call already uses all cores. Each call takes texts round-robin from
 * the waiting requests, oldest first, so a 2,048-input request shares the model with a one-word
 * query instead of making it wait for all of its batches. The queue is bounded in requests and
 * tokens: a request that would overflow it is refused at once (ServerBusyError, 429) instead of
 * waiting without bound, and a request whose deadline passes is dropped (503). Round-robin makes
 * a small request's wait depend on how many requests wait, not on how many tokens they hold, so
 * work admitted outside the bound (an upsert) slows others down but does not refuse them. Exclusive jobs (e.g.
 * token-level vectors for the Context view) queue in the same line and run alone.
 */
export class DynamicBatcher {
  private queue: Item[] = [];
  private queuedTokens = 0;
  /** Tokens of requests admitted under the bound (upserts are not). */
  private boundedTokens = 0;
  private queuedTexts = 0;
  private timer: NodeJS.Timeout | null = null;
  private busy = false;
  private idle: (() => void)[] = [];
  /** Tokens per millisecond of recent model calls (for Retry-After). */
  private rate = 0;
  private readonly waitMs: number;
  private readonly maxBatch: number;
  private readonly maxBatchTokens: number;
  private readonly maxBatchChars: number;
  readonly maxQueuedTokens: number;
  readonly maxQueuedRequests: number;
  /** Counters for tests, metrics and the benchmark. */
  readonly stats = { batches: 0, texts: 0, jobs: 0, refused: 0, expired: 0, peakQueuedTokens: 0 };

  constructor(options: BatcherOptions = {}) {
    this.waitMs = options.waitMs ?? 5;
    this.maxBatch = Math.max(1, options.maxBatch ?? 64);
    this.maxBatchTokens = Math.max(1, options.maxBatchTokens ?? 4096);
    this.maxBatchChars = Math.max(1, options.maxBatchChars ?? 65_536);
    this.maxQueuedTokens = Math.max(1, options.maxQueuedTokens ?? 65_536);
    this.maxQueuedRequests = Math.max(1, options.maxQueuedRequests ?? 512);
  }

  /** Tokens waiting (not yet handed to the model). */
  get queued(): number {
    return this.queuedTokens;
  }

  /** Seconds until the queue has drained `extra` more tokens than it holds now (at least 1). */
  retryAfter(extra = 0): number {
    if (this.rate <= 0) return 1;
    return Math.min(120, Math.max(1, Math.ceil((this.queuedTokens + extra) / this.rate / 1000)));
  }

  /** Resolves with one vector per text, in order. */
  submit(model: BatchModel, texts: string[], options: SubmitOptions = {}): Promise<Float32Array[]> {
    if (texts.length === 0) return Promise.resolve([]);
    const tokens = new Float64Array(texts.length);
    let total = 0;
    for (let i = 0; i < texts.length; i++) {
      tokens[i] = Math.max(1, options.tokens?.[i] ?? estimateTokens(texts[i]));
      total += tokens[i];
    }
    return this.enqueue(
      { key: model.key ?? model, model, texts, tokens, rows: new Array(texts.length) },
      total,
      options,
    ) as Promise<Float32Array[]>;
  }

  /** Runs `job` alone on the model line, in its turn; `tokens` is its share of the queue. */
  exclusive<T>(
    job: () => Promise<T>,
    options: Omit<SubmitOptions, 'tokens'> & { tokens: number },
  ): Promise<T> {
    return this.enqueue(
      { key: null, model: null, job, texts: [], tokens: new Float64Array(0), rows: [] },
      Math.max(1, options.tokens),
      options,
    ) as Promise<T>;
  }

  private enqueue(
    base: Pick<Item, 'key' | 'model' | 'job' | 'texts' | 'tokens' | 'rows'>,
    tokens: number,
    options: Omit<SubmitOptions, 'tokens'>,
  ): Promise<unknown> {
    if (options.signal?.aborted) return Promise.reject(new SmyslError('E_CANCELLED', 'cancelled'));
    const bounded = (options.admission ?? 'refuse') === 'refuse';
    if (
      bounded &&
      (this.queue.length >= this.maxQueuedRequests ||
        (this.boundedTokens > 0 && this.boundedTokens + tokens > this.maxQueuedTokens))
    ) {
      this.stats.refused++;
      const wait = this.retryAfter(tokens);
      return Promise.reject(
        new ServerBusyError(
          `the server is busy (${this.queue.length} requests, ${Math.round(this.boundedTokens)} tokens queued; room for ` +
            `${this.maxQueuedRequests} and ${this.maxQueuedTokens}); retry in ${wait} s`,
          429,
          wait,
        ),
      );
    }
    return new Promise((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const onAbort = () => this.fail(item, new SmyslError('E_CANCELLED', 'cancelled: the client went away'));
      const item: Item = {
        ...base,
        next: 0,
        done: 0,
        queuedTokens: tokens,
        bounded,
        settled: false,
        resolve,
        reject,
        dispose: () => {
          if (timer) clearTimeout(timer);
          options.signal?.removeEventListener('abort', onAbort);
        },
      };
      options.signal?.addEventListener('abort', onAbort, { once: true });
      if (options.deadline !== undefined) {
        timer = setTimeout(
          () => {
            this.stats.expired++;
            this.fail(
              item,
              new ServerBusyError(
                'the request ran out of its time budget waiting for the model; retry later or send less',
                503,
                this.retryAfter(),
              ),
            );
          },
          Math.max(0, options.deadline - Date.now()),
        );
      }
      this.queue.push(item);
      this.queuedTokens += tokens;
      if (bounded) this.boundedTokens += tokens;
      this.queuedTexts += base.job ? 1 : base.texts.length;
      this.stats.peakQueuedTokens = Math.max(this.stats.peakQueuedTokens, this.queuedTokens);
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.busy || this.queue.length === 0) return;
    const now = this.queuedTexts >= this.maxBatch || this.queuedTokens >= this.maxBatchTokens;
    if (this.timer) {
      if (!now) return;
      clearTimeout(this.timer);
    }
    this.timer = setTimeout(
      () => {
        this.timer = null;
        void this.runNext();
      },
      now ? 0 : this.waitMs,
    );
  }

  /**
   * One model call at a time. The batch is taken when the model is free, not when the wait
   * window ends: everything that queued up during the previous call is eligible.
   */
  private async runNext(): Promise<void> {
    if (this.busy) return;
    const head = this.queue[0];
    if (!head) {
      this.notifyIdle();
      return;
    }
    this.busy = true;
    try {
      if (head.key === null) await this.runJob(head);
      else await this.runBatch(head.key, head.model!);
    } finally {
      this.busy = false;
    }
    if (this.queue.length > 0) setImmediate(() => void this.runNext());
    else this.notifyIdle();
  }

  private async runJob(item: Item): Promise<void> {
    this.removeFromQueue(item);
    this.stats.jobs++;
    try {
      this.succeed(item, await item.job!());
    } catch (e) {
      this.fail(item, e);
    }
  }

  private async runBatch(key: object, model: BatchModel): Promise<void> {
    const texts: string[] = [];
    const owners: Item[] = [];
    const indexes: number[] = [];
    let tokens = 0;
    let chars = 0;
    const candidates = this.queue.filter((i) => i.key === key);
    // round-robin over the waiting requests, oldest first, one text each per round
    for (let full = false, took = true; took && !full; ) {
      took = false;
      for (const item of candidates) {
        if (item.next >= item.texts.length) continue;
        const t = item.tokens[item.next];
        const c = item.texts[item.next].length;
        if (
          texts.length > 0 &&
          (texts.length >= this.maxBatch ||
            tokens + t > this.maxBatchTokens ||
            chars + c > this.maxBatchChars)
        ) {
          full = true;
          break;
        }
        texts.push(item.texts[item.next]);
        owners.push(item);
        indexes.push(item.next);
        item.next++;
        item.queuedTokens -= t;
        this.queuedTokens -= t;
        if (item.bounded) this.boundedTokens -= t;
        this.queuedTexts--;
        tokens += t;
        chars += c;
        took = true;
      }
    }
    // requests whose every text is taken leave the queue; they still wait for their rows
    this.queue = this.queue.filter((i) => i.key !== key || i.next < i.texts.length);
    const started = performance.now();
    let m: DenseMatrix;
    try {
      m = await model.embed(texts);
    } catch (e) {
      for (const owner of new Set(owners)) this.fail(owner, e);
      return;
    }
    const ms = Math.max(1, performance.now() - started);
    this.rate = this.rate === 0 ? tokens / ms : 0.8 * this.rate + 0.2 * (tokens / ms);
    this.stats.batches++;
    this.stats.texts += texts.length;
    for (let r = 0; r < texts.length; r++) {
      const owner = owners[r];
      if (owner.settled) continue;
      owner.rows[indexes[r]] = m.data.slice(r * m.dim, (r + 1) * m.dim);
      if (++owner.done === owner.texts.length) this.succeed(owner, owner.rows);
    }
  }

  private removeFromQueue(item: Item): void {
    const at = this.queue.indexOf(item);
    if (at >= 0) this.queue.splice(at, 1);
    this.queuedTokens -= item.queuedTokens;
    if (item.bounded) this.boundedTokens -= item.queuedTokens;
    this.queuedTexts -= item.job ? (at >= 0 ? 1 : 0) : item.texts.length - item.next;
    item.queuedTokens = 0;
    item.next = item.texts.length;
  }

  private succeed(item: Item, value: unknown): void {
    if (item.settled) return;
    item.settled = true;
    item.dispose();
    item.resolve(value);
  }

  private fail(item: Item, error: unknown): void {
    if (item.settled) return;
    item.settled = true;
    item.dispose();
    this.removeFromQueue(item);
    item.reject(error);
  }

  private notifyIdle(): void {
    if (this.busy || this.queue.length > 0) return;
    for (const r of this.idle.splice(0)) r();
  }

  /** Resolves once the queue is empty and no model call is running (graceful shutdown). */
  async drain(): Promise<void> {
    if (!this.busy && this.queue.length === 0) return;
    await new Promise<void>((r) => this.idle.push(r));
  }
}

/** The request a piece of work belongs to: its abort signal, deadline and admission rule. */
export interface WorkContext {
  signal?: AbortSignal;
  deadline?: number;
  admission?: 'refuse' | 'always';
}

const work = new AsyncLocalStorage<WorkContext>();

/**
 * Runs `fn` on behalf of a request: embedders wrapped with `batchedEmbedder` inside it (e.g. a
 * collection embedding a search query) submit with this request's signal, deadline and admission.
 */
export function withWork<T>(context: WorkContext, fn: () => Promise<T>): Promise<T> {
  return work.run(context, fn);
}

/** The context `withWork` set for the current request, if any. */
export function currentWork(): WorkContext {
  return work.getStore() ?? {};
}

/** Batch keys per embedder and text role: texts of different roles get different prompts. */
const roleKeys = new WeakMap<object, Partial<Record<'query' | 'document', object>>>();

/**
 * What texts of `role` are batched under: the embedder itself when the role changes nothing
 * (minilm has no prompts: queries, documents and API inputs share model calls), else a key of
 * the role's own ("query: " and "passage: " texts cannot share an e5 call).
 */
export function roleKey(inner: object, role?: 'query' | 'document'): object {
  if (role === undefined) return inner;
  const promptFor = (inner as { promptFor?: (role?: string) => string }).promptFor;
  if (typeof promptFor === 'function' && promptFor.call(inner, role) === promptFor.call(inner)) return inner;
  let keys = roleKeys.get(inner);
  if (!keys) roleKeys.set(inner, (keys = {}));
  return (keys[role] ??= {});
}

/**
 * A dense embedder whose `embed` (and `embedQueries` / `embedDocuments`, when it has them) go
 * through `batcher`; everything else is the embedder's own. What a collection is opened with, so
 * its search queries and upserts are batched with the API's requests and share the model with them.
 */
export function batchedEmbedder<E extends Embedder>(
  inner: E,
  batcher: DynamicBatcher,
  countTokens: (text: string) => number = (text) => estimateTokens(text),
): E {
  const through = (run: (texts: string[]) => Promise<DenseMatrix>, key: object) => {
    const model: BatchModel = { key, embed: run };
    return async (texts: string[]): Promise<DenseMatrix> => {
      const rows = await batcher.submit(model, texts, { ...work.getStore(), tokens: texts.map(countTokens) });
      const dim = rows[0]?.length ?? (inner as { dim?: number }).dim ?? 0;
      const data = new Float32Array(rows.length * dim);
      rows.forEach((r, i) => data.set(r, i * dim));
      return { rows: rows.length, dim, data };
    };
  };
  const wrapped: Record<string, unknown> = {
    embed: through((texts) => inner.embed(texts) as Promise<DenseMatrix>, inner),
  };
  if (inner.embedQueries)
    wrapped.embedQueries = through(
      (texts) => inner.embedQueries!(texts) as Promise<DenseMatrix>,
      roleKey(inner, 'query'),
    );
  if (inner.embedDocuments)
    wrapped.embedDocuments = through(
      (texts) => inner.embedDocuments!(texts) as Promise<DenseMatrix>,
      roleKey(inner, 'document'),
    );
  return new Proxy(inner, {
    get(target, prop) {
      if (typeof prop === 'string' && prop in wrapped) return wrapped[prop];
      const value = Reflect.get(target, prop, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}
