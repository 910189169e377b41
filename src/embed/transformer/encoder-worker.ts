/**
 * One encoder session on its own thread (see EncoderPool): receives padded batches, answers with
 * the requested hidden states (their buffers transferred, not copied).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { type EncoderBatch, EncoderSession } from './encoder.js';

export interface EncoderWorkerData {
  file: string;
  hiddenSize: number;
  numLayers: number;
}

export interface EncoderJob {
  id: number;
  batch: EncoderBatch;
  lastLayers: number;
}

export type EncoderAnswer =
  | { id: number; states: Float32Array[] }
  | { id: number; error: string }
  | { ready: true }
  | { failed: string };

const port = parentPort;
if (!port) throw new Error('encoder-worker runs as a worker thread');
const data = workerData as EncoderWorkerData;
let session: EncoderSession;
try {
  // one intra-op thread: the pool gets its parallelism from several sessions, each on one core
  session = await EncoderSession.create(data.file, data.hiddenSize, data.numLayers, { threads: 1 });
  port.postMessage({ ready: true } satisfies EncoderAnswer);
} catch (e) {
  port.postMessage({ failed: (e as Error).message } satisfies EncoderAnswer);
  port.close();
}
port.on('message', async (job: EncoderJob) => {
  try {
    const states = await session.run(job.batch, job.lastLayers);
    const buffers = states.map((s) => s.buffer).filter((b, i, all) => all.indexOf(b) === i);
    port.postMessage({ id: job.id, states } satisfies EncoderAnswer, buffers as ArrayBuffer[]);
  } catch (e) {
    port.postMessage({ id: job.id, error: (e as Error).message } satisfies EncoderAnswer);
  }
});
