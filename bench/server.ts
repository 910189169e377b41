/**
 * Load test of `smysl serve` on loopback: the server runs as its own process (real minilm, a
 * hybrid collection of examples/corpus), and a bounded fetch-based client keeps 1, 16 and 64
 * requests in flight (one keep-alive connection each) for a fixed time per row. Prints req/s, p50/p99 latency (and their ratio),
 * errors (anything but a documented 429), 429s, and the server's resident memory per row; then,
 * with --soak, keeps 16 clients on a mix of embeddings and searches for that many seconds,
 * sampling the server's RSS every 10 s.
 *
 *   node dist/bench/server.js [--seconds 10] [--concurrency 1,16,64] [--dtype fp32|int8] [--soak 600]
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
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
const DTYPE = option('--dtype', 'fp32');
const SOAK = Number(option('--soak', '0'));
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

const load = () =>
  os
    .loadavg()
    .map((x) => x.toFixed(1))
    .join(' ');

async function startServer(dir: string): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(
    process.execPath,
    [CLI, 'serve', '--port', '0', '--dir', dir, '--no-web', '--dtype', DTYPE],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
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
  busy: number;
  perSecond: number;
  p50: number;
  p99: number;
  rssStart: number;
  rssEnd: number;
  load: string;
}

type Target = { label: string; url: string; body: (i: number) => unknown };

/**
 * One keep-alive connection per client, opened before a row is timed (as wrk and autocannon do):
 * a burst of new connections to a busy Node server is accepted one per event-loop turn, which
 * would measure connection set-up, not requests. fetch's pool also opens extra connections under
 * load, so the client is plain node:http.
 */
let agent = new http.Agent({ keepAlive: true, maxSockets: 1 });

function send(url: string, body: unknown): Promise<{ status: number; text: string }> {
  const u = new URL(url);
  const data = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: u.hostname,
        port: u.port,
        path: u.pathname,
        method: data === undefined ? 'GET' : 'POST',
        agent,
        headers:
          data === undefined
            ? {}
            : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(data) },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (text += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(data);
  });
}

/** A fresh pool of `clients` connections, each opened with a /healthz request. */
async function connect(url: string, clients: number): Promise<void> {
  agent.destroy();
  agent = new http.Agent({ keepAlive: true, maxSockets: clients });
  await Promise.all(Array.from({ length: clients }, () => send(`${url}/healthz`, undefined)));
}

async function request(target: Target, i: number): Promise<'ok' | 'busy' | 'error'> {
  try {
    const r = await send(target.url, target.body(i));
    if (r.status === 429) return 'busy';
    const json = JSON.parse(r.text) as { data?: unknown[] };
    return r.status === 200 && Array.isArray(json.data) && json.data.length > 0 ? 'ok' : 'error';
  } catch {
    return 'error';
  }
}

async function run(targets: Target[], clients: number, seconds: number, pid: number, onTick?: () => void) {
  const rssStart = rssMegabytes(pid);
  const latencies: number[] = [];
  let errors = 0;
  let busy = 0;
  let next = 0;
  const started = performance.now();
  const until = started + seconds * 1000;
  const ticker = onTick ? setInterval(onTick, 10_000) : undefined;
  const worker = async () => {
    while (performance.now() < until) {
      const i = next++;
      const t0 = performance.now();
      const outcome = await request(targets[i % targets.length], i);
      if (outcome === 'error') errors++;
      else if (outcome === 'busy') busy++;
      else latencies.push(performance.now() - t0);
    }
  };
  await Promise.all(Array.from({ length: clients }, worker));
  if (ticker) clearInterval(ticker);
  const elapsed = (performance.now() - started) / 1000;
  const sorted = Float64Array.from(latencies).sort();
  return {
    requests: latencies.length + errors + busy,
    errors,
    busy,
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
      const embeddings: Target = {
        label: `/v1/embeddings (minilm ${DTYPE})`,
        url: `${url}/v1/embeddings`,
        body: (i) => ({ model: 'minilm', input: QUERIES[i % QUERIES.length] }),
      };
      const search: Target = {
        label: '/v1/collections/corpus/search (hybrid, k=10)',
        url: `${url}/v1/collections/corpus/search`,
        body: (i) => ({ query: QUERIES[i % QUERIES.length], k: 10, method: 'hybrid' }),
      };
      // warm-up: the model loads on first use and onnxruntime settles in
      for (let i = 0; i < 20; i++) {
        await request(embeddings, i);
        await request(search, i);
      }
      const rows: Row[] = [];
      for (const target of [embeddings, search])
        for (const clients of CONCURRENCY) {
          await connect(url, clients);
          const r = await run([target], clients, SECONDS, pid);
          rows.push({ endpoint: target.label, clients, ...r, load: load() });
        }
      process.stdout.write(
        `${formatTable(
          [
            'endpoint',
            'clients',
            'requests',
            'req/s',
            'p50 ms',
            'p99 ms',
            'p99/p50',
            'errors',
            '429s',
            'RSS start MB',
            'RSS end MB',
            'load avg 1/5/15 min',
          ],
          rows.map((r) => [
            r.endpoint,
            r.clients,
            r.requests,
            r.perSecond.toFixed(0),
            r.p50.toFixed(1),
            r.p99.toFixed(1),
            (r.p99 / r.p50).toFixed(2),
            r.errors,
            r.busy,
            r.rssStart.toFixed(0),
            r.rssEnd.toFixed(0),
            r.load,
          ]),
        )}\n`,
      );
      process.stdout.write(
        `${SECONDS} s per row; single short inputs; ${os.cpus().length} cores (${os.cpus()[0]?.model}), Node ${process.versions.node}\n`,
      );
      if (SOAK > 0) {
        await connect(url, 16);
        const started = performance.now();
        const samples: { s: number; rss: number; load: string }[] = [
          { s: 0, rss: rssMegabytes(pid), load: load() },
        ];
        const r = await run([embeddings, search], 16, SOAK, pid, () =>
          samples.push({ s: (performance.now() - started) / 1000, rss: rssMegabytes(pid), load: load() }),
        );
        samples.push({ s: (performance.now() - started) / 1000, rss: rssMegabytes(pid), load: load() });
        const afterMinute = samples.filter((x) => x.s >= 60);
        const base = afterMinute[0]?.rss ?? Number.NaN;
        const peak = Math.max(...afterMinute.map((x) => x.rss));
        const last = afterMinute.at(-1)?.rss ?? Number.NaN;
        process.stdout.write(
          `\nsoak: ${SOAK} s, 16 clients, embeddings and hybrid searches alternating: ${r.requests} requests, ` +
            `${r.perSecond.toFixed(0)} req/s, p50 ${r.p50.toFixed(1)} ms, p99 ${r.p99.toFixed(1)} ms, ` +
            `${r.errors} errors, ${r.busy} 429s\n` +
            `RSS every 10 s (MB): ${samples.map((x) => x.rss.toFixed(0)).join(' ')}\n` +
            `after the first minute: ${base.toFixed(0)} MB at 60 s, peak ${peak.toFixed(0)} MB (+${((peak / base - 1) * 100).toFixed(1)}%), ` +
            `last ${last.toFixed(0)} MB (+${((last / base - 1) * 100).toFixed(1)}%); load average at the end ${load()}\n`,
        );
      }
    } finally {
      agent.destroy();
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
