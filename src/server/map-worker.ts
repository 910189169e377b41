// A map computed in its own thread (see MapJobs): the HTTP thread stays free, and a map that
// runs past its time budget is stopped by terminating the thread.
import { parentPort, workerData } from 'node:worker_threads';
import { clusterGroups, type ProjectionMethod, project } from './projection.js';

const job = workerData as {
  data: Float32Array;
  rows: number;
  dim: number;
  method: ProjectionMethod;
  cluster: boolean;
};
const x = { rows: job.rows, dim: job.dim, data: job.data };
const xy = project(x, job.method);
const groups = job.cluster ? clusterGroups(x) : undefined;
parentPort!.postMessage({ xy, groups }, [xy.buffer as ArrayBuffer]);
