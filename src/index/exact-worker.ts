import { parentPort } from 'node:worker_threads';
import { TopK } from '../util/topk.js';
import { scanRows } from './exact.js';
import type { IndexMetric } from './types.js';

interface Task {
  data: Float32Array;
  removed: Uint8Array;
  dim: number;
  start: number;
  end: number;
  queries: Float32Array;
  queryCount: number;
  metric: IndexMetric;
  k: number;
}

parentPort?.on('message', (task: Task) => {
  const tops = Array.from({ length: task.queryCount }, () => new TopK(task.k));
  scanRows(
    task.data,
    task.dim,
    task.start,
    task.end,
    task.queries,
    task.queryCount,
    task.metric,
    tops,
    task.removed,
  );
  parentPort!.postMessage({
    items: tops.map((t) => t.heapIds.slice(0, t.size)),
    scores: tops.map((t) => t.heapScores.slice(0, t.size)),
  });
});
