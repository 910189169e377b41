import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Embedder } from '../../src/embed/types.js';
import { isSmyslError } from '../../src/errors.js';
import {
  type BatchModel,
  batchedEmbedder,
  DynamicBatcher,
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
  const big = b
    .submit(
      model,
      Array.from({ length: 100 }, (_, i) => `big ${i}`),
    )
    .then(() => order.push('big'));
  await tick(); // the big request is queued first
  const small = b.submit(model, ['word']).then(() => order.push('small'));
  await Promise.all([big, small]);
  assert.deepEqual(order, ['small', 'big']);
  // the one-word request rode in the first or second model call, not after all 13
  const at = model.calls.findIndex((c) => c.includes('word'));
  assert.ok(at >= 0 && at <= 1, `one word ran in call ${at + 1} of ${model.calls.length}`);
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
