import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type Embedder, embedFor } from '../../src/embed/types.js';
import { isSmyslError } from '../../src/errors.js';
import {
  type BatchModel,
  batchedEmbedder,
  DynamicBatcher,
  estimateTokens,
  ServerBusyError,
  withWork,
} from '../../src/server/batcher.js';
import type { DenseMatrix } from '../../src/vectors/types.js';

/** A model that records each call's texts and can be held until `open()`; vector = [text length]. */
function recordingModel() {
  const calls: string[][] = [];
  let gate: Promise<void> | null = null;
  let release = () => {};
  const model: BatchModel & { calls: string[][]; hold(): void; open(): void } = {
    calls,
    hold() {
      gate = new Promise((r) => (release = r));
    },
    open() {
      gate = null;
      release();
    },
    async embed(texts: string[]): Promise<DenseMatrix> {
      calls.push([...texts]);
      if (gate) await gate;
      return { rows: texts.length, dim: 1, data: Float32Array.from(texts, (t) => t.length) };
    },
  };
  return model;
}

const tick = (ms = 0) => new Promise((r) => setTimeout(r, ms));

test('concurrent submissions share model calls and get their own rows in order', async () => {
  const model = recordingModel();
  const b = new DynamicBatcher({ waitMs: 5, maxBatch: 64 });
  const results = await Promise.all([
    b.submit(model, ['a', 'bb']),
    b.submit(model, ['ccc']),
    b.submit(model, ['dddd']),
  ]);
  assert.deepEqual(
    results.map((rows) => rows.map((r) => r[0])),
    [[1, 2], [3], [4]],
  );
  assert.equal(model.calls.length, 1);
  assert.deepEqual(b.stats, {
    batches: 1,
    texts: 4,
    jobs: 0,
    refused: 0,
    expired: 0,
    peakQueuedTokens: b.stats.peakQueuedTokens,
  });
});

test('a big request shares the model round-robin: a one-word request behind it finishes first', async () => {
  const model = recordingModel();
  const b = new DynamicBatcher({ waitMs: 1, maxBatch: 8 });
  const order: string[] = [];
  model.hold();
  const big = b
    .submit(
      model,
      Array.from({ length: 100 }, (_, i) => `big ${i}`),
    )
    .then(() => order.push('big'));
  while (model.calls.length === 0) await tick(1); // the big request's first call is running
  const small = b.submit(model, ['word']).then(() => order.push('small'));
  model.open();
  await Promise.all([big, small]);
  assert.deepEqual(order, ['small', 'big']);
  // the one-word request rode in the very next model call, not after all 13
  assert.ok(model.calls[1].includes('word'), JSON.stringify(model.calls[1]));
  assert.ok(model.calls.every((c) => c.length <= 8));
  assert.equal(model.calls.flat().length, 101);
});

test('batches are capped in tokens, so one call of long texts stays short', async () => {
  const model = recordingModel();
  const b = new DynamicBatcher({ waitMs: 1, maxBatch: 64, maxBatchTokens: 100 });
  await b.submit(model, ['x', 'y', 'z', 'w'], { tokens: [60, 60, 30, 10] });
  assert.deepEqual(model.calls, [['x'], ['y', 'z', 'w']]);
});

test('a full queue refuses at once with 429 and a Retry-After; the queue never grows past its bound', async () => {
  const model = recordingModel();
  const b = new DynamicBatcher({ waitMs: 1, maxBatch: 4, maxQueuedTokens: 10 });
  model.hold();
  const running = b.submit(model, ['r'], { tokens: [5] });
  await tick(10); // 'r' is in the model now, not in the queue
  assert.equal(b.queued, 0);
  const queued = b.submit(model, ['q1', 'q2'], { tokens: [4, 4] });
  assert.equal(b.queued, 8);
  await assert.rejects(b.submit(model, ['q3'], { tokens: [4] }), (e: unknown) => {
    assert.ok(e instanceof ServerBusyError);
    assert.equal(e.status, 429);
    assert.ok(e.retryAfter >= 1);
    assert.match(e.message, /busy/);
    return true;
  });
  // writes bounded elsewhere are admitted anyway
  const write = b.submit(model, ['w'], { tokens: [4], admission: 'always' });
  model.open();
  await Promise.all([running, queued, write]);
  assert.equal(b.stats.refused, 1);
  assert.equal(b.queued, 0);
  assert.ok(!model.calls.flat().includes('q3'));
});

test('a request past its deadline is dropped with 503 and its texts never reach the model', async () => {
  const model = recordingModel();
  const b = new DynamicBatcher({ waitMs: 1 });
  model.hold();
  const running = b.submit(model, ['first']);
  await tick(10);
  const late = b.submit(model, ['late'], { deadline: Date.now() + 20 });
  await assert.rejects(late, (e: unknown) => e instanceof ServerBusyError && e.status === 503);
  assert.equal(b.queued, 0);
  model.open();
  await running;
  await b.drain();
  assert.ok(!model.calls.flat().includes('late'));
});

test('an aborted request (client gone) leaves the queue', async () => {
  const model = recordingModel();
  const b = new DynamicBatcher({ waitMs: 1 });
  model.hold();
  const running = b.submit(model, ['first']);
  await tick(10);
  const controller = new AbortController();
  const gone = b.submit(model, ['gone', 'gone too'], { signal: controller.signal });
  controller.abort();
  await assert.rejects(gone, (e: unknown) => isSmyslError(e, 'E_CANCELLED'));
  model.open();
  await running;
  await b.drain();
  assert.deepEqual(model.calls, [['first']]);
});

test('exclusive jobs wait their turn and run alone', async () => {
  const model = recordingModel();
  const b = new DynamicBatcher({ waitMs: 1 });
  const events: string[] = [];
  model.hold();
  const first = b.submit(model, ['a']).then(() => events.push('a'));
  await tick(10);
  const job = b.exclusive(
    async () => {
      events.push(`job while ${model.calls.length} calls`);
      return 42;
    },
    { tokens: 10 },
  );
  const after = b.submit(model, ['b']).then(() => events.push('b'));
  model.open();
  assert.equal(await job, 42);
  await Promise.all([first, after]);
  assert.deepEqual(events, ['a', 'job while 1 calls', 'b']);
});

test('batchedEmbedder: embed goes through the batcher under the caller’s work context; the rest is the embedder’s own', async () => {
  const calls: number[] = [];
  const inner = {
    name: 'toy',
    kind: 'dense' as const,
    dim: 2,
    extra: 7,
    describe() {
      return `${this.name}/${this.dim}`;
    },
    async embed(texts: string[]): Promise<DenseMatrix> {
      calls.push(texts.length);
      return { rows: texts.length, dim: 2, data: Float32Array.from(texts.flatMap((t) => [t.length, 1])) };
    },
    async save() {},
  } satisfies Embedder & { dim: number; extra: number; describe(): string };
  const b = new DynamicBatcher({ waitMs: 5 });
  const wrapped = batchedEmbedder(inner, b);
  assert.equal(wrapped.name, 'toy');
  assert.equal(wrapped.extra, 7);
  assert.equal(wrapped.describe(), 'toy/2');
  const [x, y] = await Promise.all([wrapped.embed(['ab', 'c']), wrapped.embed(['defg'])]);
  assert.deepEqual(Array.from(x.data), [2, 1, 1, 1]);
  assert.deepEqual(Array.from(y.data), [4, 1]);
  assert.deepEqual(calls, [3]); // one model call for both
  const controller = new AbortController();
  controller.abort();
  await assert.rejects(
    withWork({ signal: controller.signal }, () => wrapped.embed(['x'])),
    (e: unknown) => isSmyslError(e, 'E_CANCELLED'),
  );
});

test('the queue is bounded in requests too; writes admitted outside the bound do not refuse others', async () => {
  const model = recordingModel();
  const b = new DynamicBatcher({ waitMs: 1, maxQueuedRequests: 3, maxQueuedTokens: 100 });
  model.hold();
  const running = b.submit(model, ['r']);
  await tick(10);
  // a big write: far past the token bound, yet a query is admitted behind it
  const write = b.submit(model, Array(50).fill('w'), { tokens: Array(50).fill(10), admission: 'always' });
  const queries = [b.submit(model, ['q1']), b.submit(model, ['q2'])];
  assert.equal(b.queued, 500 + 2 * estimateTokens('q1'));
  await assert.rejects(
    b.submit(model, ['q3']),
    (e: unknown) => e instanceof ServerBusyError && e.status === 429,
  );
  model.open();
  await Promise.all([running, write, ...queries]);
  // round-robin: both queries rode in the first call after the held one, beside the write
  assert.ok(model.calls[1].includes('q1') && model.calls[1].includes('q2'));
});

test('batchedEmbedder routes query and document roles through the batcher; roles share calls only when their prompts match', async () => {
  const make = (prompts: { query?: string; document?: string }) => {
    const calls: string[][] = [];
    const prompt = (role?: 'query' | 'document') => (role ? prompts[role] : undefined) ?? '';
    const run = async (texts: string[], role?: 'query' | 'document'): Promise<DenseMatrix> => {
      const withPrompt = texts.map((t) => prompt(role) + t);
      calls.push(withPrompt);
      return { rows: texts.length, dim: 1, data: Float32Array.from(withPrompt, (t) => t.length) };
    };
    const inner = {
      name: 'toy',
      kind: 'dense' as const,
      dim: 1,
      promptFor: prompt,
      embed: (texts: string[]) => run(texts),
      embedQueries: (texts: string[]) => run(texts, 'query'),
      embedDocuments: (texts: string[]) => run(texts, 'document'),
      async save() {},
    } satisfies Embedder & { dim: number; promptFor(role?: 'query' | 'document'): string };
    return { inner, calls };
  };
  // e5-style prompts: a query and a document cannot share a model call
  const e5 = make({ query: 'query: ', document: 'passage: ' });
  const b = new DynamicBatcher({ waitMs: 5 });
  const wrapped = batchedEmbedder(e5.inner, b);
  const [q, d] = await Promise.all([
    embedFor(wrapped, ['ab'], 'query'),
    embedFor(wrapped, ['ab'], 'document'),
  ]);
  assert.deepEqual([q.data[0], d.data[0]], ['query: ab'.length, 'passage: ab'.length]);
  assert.deepEqual(e5.calls.sort(), [['passage: ab'], ['query: ab']]);
  assert.equal(b.stats.texts, 2);
  // no prompts (minilm): queries, documents and plain texts ride together
  const plain = make({});
  const b2 = new DynamicBatcher({ waitMs: 5 });
  const w2 = batchedEmbedder(plain.inner, b2);
  await Promise.all([embedFor(w2, ['a'], 'query'), embedFor(w2, ['b'], 'document'), w2.embed(['c'])]);
  assert.equal(plain.calls.length, 1);
  assert.deepEqual(plain.calls[0].sort(), ['a', 'b', 'c']);
});
