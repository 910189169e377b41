/**
 * Load test of `smysl serve` on loopback: the server runs as its own process (real minilm, a
 * hybrid collection of examples/corpus), and a bounded fetch-based client keeps 1, 16 and 64
 * requests in flight for a fixed time per row. Prints p50/p99 latency, throughput, errors and
 * the server's resident memory at the start and end of each row.
 *
 *   node dist/bench/server.js [--seconds 10] [--concurrency 1,16,64]
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatTable } from '../src/cli/output.js';

const args = process.argv.slice(2);
const option = (name: string, fallback: string) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : fallback;
};
const SECONDS = Number(option('--seconds', '10'));
const CONCURRENCY = option('--concurrency', '1,16,64').split(',').map(Number);
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CLI = path.join(ROOT, 'dist/src/cli/main.js');

const QUERIES = [
  'how do bees communicate',
  'the first moon landing',
  'a recipe for fresh bread',
  'stars and planets beyond the solar system',
  'jazz musicians improvise',
  'как устроен замок',
  'who invented the printing press',
  'rules of a football match',
  'sorting algorithms in programming',
  'poetry and the novel',
];

function rssMegabytes(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return kb / 1024;
}

function quantile(sorted: Float64Array, q: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

async function startServer(dir: string): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, [CLI, 'serve', '--port', '0', '--dir', dir, '--no-web'], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const url = await new Promise<string>((resolve, reject) => {
    let log = '';
    child.stderr!.on('data', (d: Buffer) => {
      log += d.toString();
      const m = /listening on (http:\/\/\S+?)[ ;)]/.exec(log);
      if (m) resolve(m[1]);
    });
    child.on('exit', (code) => reject(new Error(`server exited (${code}): ${log}`)));
  });
  return { child, url };
}

interface Row {
  endpoint: string;
  clients: number;
  requests: number;
  errors: number;
  perSecond: number;
  p50: number;
  p99: number;
  rssStart: number;
  rssEnd: number;
}

async function load(
  endpoint: string,
  url: string,
  body: (i: number) => unknown,
  clients: number,
  pid: number,
): Promise<Row> {
  const rssStart = rssMegabytes(pid);
  const latencies: number[] = [];
  let errors = 0;
  let next = 0;
  const started = performance.now();
  const until = started + SECONDS * 1000;
  const worker = async () => {
    while (performance.now() < until) {
      const i = next++;
      const t0 = performance.now();
      try {
        const r = await fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(body(i)),
        });
        const json = (await r.json()) as { data?: unknown[] };
        if (!r.ok || !Array.isArray(json.data) || json.data.length === 0) errors++;
      } catch {
        errors++;
      }
      latencies.push(performance.now() - t0);
    }
  };
  await Promise.all(Array.from({ length: clients }, worker));
  const elapsed = (performance.now() - started) / 1000;
  const sorted = Float64Array.from(latencies).sort();
  return {
    endpoint,
    clients,
    requests: latencies.length,
    errors,
    perSecond: latencies.length / elapsed,
    p50: quantile(sorted, 0.5),
    p99: quantile(sorted, 0.99),
    rssStart,
    rssEnd: rssMegabytes(pid),
  };
}

async function main(): Promise<void> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'smysl-bench-server-'));
  try {
    const indexed = spawnSync(
      process.execPath,
      [
        CLI,
        'index',
        path.join(ROOT, 'examples/corpus'),
        '--collection',
        path.join(dir, 'corpus'),
        '--embedder',
        'minilm',
        '--quiet',
      ],
      { encoding: 'utf8' },
    );
    if (indexed.status !== 0) throw new Error(`indexing failed: ${indexed.stderr}`);
    const { child, url } = await startServer(dir);
    const pid = child.pid!;
    try {
      const embeddings = `${url}/v1/embeddings`;
      const search = `${url}/v1/collections/corpus/search`;
      const embedBody = (i: number) => ({ model: 'minilm', input: QUERIES[i % QUERIES.length] });
      const searchBody = (i: number) => ({ query: QUERIES[i % QUERIES.length], k: 10, method: 'hybrid' });
      // warm-up: the model loads on first use and onnxruntime settles in
      for (let i = 0; i < 20; i++) {
        await fetch(embeddings, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(embedBody(i)),
        }).then((r) => r.text());
        await fetch(search, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(searchBody(i)),
        }).then((r) => r.text());
      }
      const rows: Row[] = [];
      for (const clients of CONCURRENCY)
        rows.push(await load('/v1/embeddings', embeddings, embedBody, clients, pid));
      for (const clients of CONCURRENCY)
        rows.push(
          await load('/v1/collections/corpus/search (hybrid, k=10)', search, searchBody, clients, pid),
        );
      process.stdout.write(
        `${formatTable(
          [
            'endpoint',
            'clients',
            'requests',
            'req/s',
            'p50 ms',
            'p99 ms',
            'errors',
            'RSS start MB',
            'RSS end MB',
          ],
          rows.map((r) => [
            r.endpoint,
            r.clients,
            r.requests,
            r.perSecond.toFixed(0),
            r.p50.toFixed(1),
            r.p99.toFixed(1),
            r.errors,
            r.rssStart.toFixed(0),
            r.rssEnd.toFixed(0),
          ]),
        )}\n`,
      );
      process.stdout.write(
        `${SECONDS} s per row; model minilm (fp32, 384 dims), single short inputs; ${os.cpus().length} cores, Node ${process.versions.node}\n`,
      );
    } finally {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
