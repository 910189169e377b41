/**
 * Lexical analyzers and hybrid fusion on every retrieval set at hand: BM25 with Snowball stems vs
 * BM25 with OpenCorpora lemmas vs the dense embedder, then every fusion of dense + BM25 by
 * nDCG@10. One table per set, one summary of the fusions across sets.
 *
 * Sets: Cranfield and CISI (../shared/data, BEIR), STSb-ru and STSb-en (../shared/data dev pairs
 * scored >= 4 as query -> relevant; corpus: every second sentence of dev and train), the judged
 * Russian fixture (test/fixtures/retrieval-ru) and the Russian queries over examples/corpus.
 *
 *   node dist/bench/fusion.js [--embedder minilm] [--sets cranfield,cisi,...] [--depth 50] [--dump]
 *
 * Dense vectors are cached under the OS temp dir (keyed by embedder and texts): a re-run only
 * embeds what changed. The fusion of the product (src/index/fusion.ts, `DEFAULT_FUSION`) is the
 * row marked "default".
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'csv-parse/sync';
import { createEmbedder } from '../src/embed/registry.js';
import { Bm25Vectorizer } from '../src/embed/sparse/vectorizers.js';
import type { Embedder } from '../src/embed/types.js';
import { type BeirCollection, type Qrels, readBeir } from '../src/eval/beir.js';
import { ndcgAtK } from '../src/eval/ranking.js';
import { DEFAULT_FUSION, defaultFusionWeights, type FusionOptions, fuse } from '../src/index/fusion.js';
import { SparseSearch } from '../src/index/inverted.js';
import type { Hit } from '../src/index/types.js';
import { dotBatch, normalizeRowsInPlace } from '../src/vectors/dense.js';
import type { DenseMatrix } from '../src/vectors/types.js';

const ROOT = path.resolve(fileURLToPath(new URL('../../', import.meta.url)));
/** ../shared/data beside the project (SMYSL_DATA overrides, e.g. in a worktree). */
const DATA = process.env.SMYSL_DATA ?? path.resolve(ROOT, '../shared/data');
const CACHE = path.join(os.tmpdir(), 'smysl-bench-fusion');

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
}
const EMBEDDER = arg('embedder', 'minilm');
const DEPTH = Number(arg('depth', '50'));
const SETS = arg('sets', 'cranfield,cisi,stsb-ru,stsb-en,fixture-ru,examples-ru').split(',');

interface RetrievalSet extends BeirCollection {
  name: string;
  russian: boolean;
}

/** STSb dev pairs scored >= 4: first sentence -> second; corpus = second sentences of dev + train. */
function stsbSet(lang: 'ru' | 'en'): RetrievalSet | null {
  const dir = path.join(DATA, 'stsb_multi_mt_ru');
  if (!existsSync(dir)) return null;
  const read = (split: string) =>
    parse(readFileSync(path.join(dir, `stsb-${lang}-${split}.csv`), 'utf8'), {
      relax_quotes: true,
    }) as string[][];
  const docId = new Map<string, string>();
  const corpus: BeirCollection['corpus'] = [];
  const doc = (text: string) => {
    let id = docId.get(text);
    if (id === undefined) {
      id = `d${corpus.length}`;
      docId.set(text, id);
      corpus.push({ id, title: '', text });
    }
    return id;
  };
  const queryId = new Map<string, string>();
  const queries: BeirCollection['queries'] = [];
  const qrels: Qrels = new Map();
  for (const [s1, s2, score] of read('dev')) {
    const d = doc(s2);
    if (Number(score) < 4 || s1 === s2) continue;
    let q = queryId.get(s1);
    if (q === undefined) {
      q = `q${queries.length}`;
      queryId.set(s1, q);
      queries.push({ id: q, text: s1 });
      qrels.set(q, new Map());
    }
    qrels.get(q)!.set(d, 1);
  }
  for (const [, s2] of read('train')) doc(s2);
  return { name: `STSb-${lang}`, russian: lang === 'ru', corpus, queries, qrels };
}

/** examples/corpus (one document per file, id = path) with the judged Russian queries of the fixture. */
async function examplesSet(): Promise<RetrievalSet> {
  const dir = path.join(ROOT, 'examples/corpus');
  const corpus: BeirCollection['corpus'] = [];
  for (const topic of readdirSync(dir).sort())
    for (const f of readdirSync(path.join(dir, topic)).sort())
      corpus.push({ id: `${topic}/${f}`, title: '', text: readFileSync(path.join(dir, topic, f), 'utf8') });
  const fixture = path.join(ROOT, 'test/fixtures/retrieval-ru/examples');
  const queries = readFileSync(path.join(fixture, 'queries.tsv'), 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '' && !l.startsWith('#'))
    .map((l, i) => {
      const [text, relevant] = l.split('\t');
      return { id: `q${i}`, text, relevant: relevant.split(',') };
    });
  const qrels: Qrels = new Map(queries.map((q) => [q.id, new Map(q.relevant.map((r) => [r, 1]))]));
  for (const q of queries)
    for (const r of q.relevant)
      if (!corpus.some((d) => d.id === r)) throw new Error(`examples query "${q.text}": no document ${r}`);
  return { name: 'examples-ru', russian: true, corpus, queries, qrels };
}

async function loadSet(name: string): Promise<RetrievalSet | null> {
  if (name === 'cranfield' || name === 'cisi') {
    const dir = path.join(DATA, `ir_${name}/beir`);
    if (!existsSync(dir)) return null;
    return { name: name === 'cisi' ? 'CISI' : 'Cranfield', russian: false, ...(await readBeir(dir)) };
  }
  if (name === 'stsb-ru') return stsbSet('ru');
  if (name === 'stsb-en') return stsbSet('en');
  if (name === 'fixture-ru')
    return {
      name: 'fixture-ru',
      russian: true,
      ...(await readBeir(path.join(ROOT, 'test/fixtures/retrieval-ru'))),
    };
  if (name === 'examples-ru') return examplesSet();
  throw new Error(`unknown set ${name}`);
}

const docText = (d: { title: string; text: string }) => (d.title ? `${d.title} ${d.text}` : d.text);

async function embedCached(embedder: Embedder, texts: string[]): Promise<DenseMatrix> {
  mkdirSync(CACHE, { recursive: true });
  const key = createHash('sha256')
    .update(embedder.name)
    .update(JSON.stringify(texts))
    .digest('hex')
    .slice(0, 24);
  const file = path.join(CACHE, `${key}.f32`);
  if (existsSync(file)) {
    const b = readFileSync(file);
    const data = new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
    return { rows: texts.length, dim: data.length / texts.length, data };
  }
  const m = (await embedder.embed(texts)) as DenseMatrix;
  normalizeRowsInPlace(m);
  writeFileSync(file, new Uint8Array(m.data.buffer, m.data.byteOffset, m.data.byteLength));
  return m;
}

function denseRuns(docs: DenseMatrix, queries: DenseMatrix, ids: string[], depth: number): Hit[][] {
  const out: Hit[][] = [];
  const block = 64;
  for (let q0 = 0; q0 < queries.rows; q0 += block) {
    const rows = Math.min(block, queries.rows - q0);
    const part = {
      rows,
      dim: queries.dim,
      data: queries.data.subarray(q0 * queries.dim, (q0 + rows) * queries.dim),
    };
    const scores = dotBatch(part, docs);
    for (let r = 0; r < rows; r++) {
      const s = scores.subarray(r * docs.rows, (r + 1) * docs.rows);
      const order = Array.from(s.keys())
        .sort((a, b) => s[b] - s[a])
        .slice(0, depth);
      out.push(order.map((i) => ({ id: ids[i], score: s[i] })));
    }
  }
  return out;
}

function sparseRuns(set: RetrievalSet, lemma: false | 'best' | 'all', depth: number): Hit[][] {
  const v = new Bm25Vectorizer({ tokenizer: 'smysl', stopWords: 'auto', stem: 'auto', lemma });
  const search = new SparseSearch(
    v,
    v.fitTransform(set.corpus.map(docText)),
    set.corpus.map((d) => d.id),
  );
  return search.search(
    set.queries.map((q) => q.text),
    depth,
  );
}

function ndcg(set: RetrievalSet, runs: (string[] | Hit[])[]): number {
  let sum = 0;
  let n = 0;
  set.queries.forEach((q, i) => {
    const judged = set.qrels.get(q.id);
    if (!judged || ![...judged.values()].some((g) => g > 0)) return;
    const ranked = runs[i].map((h) => (typeof h === 'string' ? h : h.id));
    sum += ndcgAtK(ranked, judged, 10);
    n++;
  });
  return n > 0 ? sum / n : 0;
}

/** Fusions compared (label → options); each fuses dense (first) with BM25 (second). */
type Weights = [number, number] | ((query: string) => [number, number]);
let languages: readonly string[] | undefined;
const FUSIONS: [string, FusionOptions & { weights?: Weights }][] = [
  [
    'default (dbsf, weights by query language)',
    {
      method: DEFAULT_FUSION.method,
      weights: (q) => {
        const w = defaultFusionWeights(q, languages);
        return [w.dense, w.lexical];
      },
    },
  ],
  ['rrf 1:1 (the old default)', { method: 'rrf' }],
  ['dbsf 1:1', { method: 'dbsf' }],
  ['dbsf 1:0.15 (dense leads)', { method: 'dbsf', weights: [1, 0.15] }],
  ['dbsf 0.5:1 (BM25 leads)', { method: 'dbsf', weights: [0.5, 1] }],
  ['minmax 1:1', { method: 'minmax' }],
  ['zscore 1:1', { method: 'zscore' }],
];

async function main(): Promise<void> {
  const load = os.loadavg();
  console.log(
    `# bench/fusion — ${new Date().toISOString().slice(0, 10)}, ${os.cpus().length} cores, load ${load.map((x) => x.toFixed(2)).join(' ')}, embedder ${EMBEDDER}, depth ${DEPTH}\n`,
  );
  const embedder = await createEmbedder(EMBEDDER);
  languages = embedder.languages;
  console.log(`dense encoder languages: ${languages?.join(', ') ?? 'none declared'}\n`);
  const summary: Record<string, Record<string, number>> = {};
  for (const name of SETS) {
    const set = await loadSet(name);
    if (!set) {
      console.log(`${name}: skipped (data not found under ${DATA})\n`);
      continue;
    }
    const judged = set.queries.filter((q) => set.qrels.has(q.id));
    set.queries = judged;
    const t0 = performance.now();
    const stems = sparseRuns(set, false, DEPTH);
    const lemmas = sparseRuns(set, 'best', DEPTH);
    const allReadings = set.russian ? sparseRuns(set, 'all', DEPTH) : lemmas;
    const tSparse = performance.now();
    const docs = await embedCached(embedder, set.corpus.map(docText));
    const queries = await embedCached(
      embedder,
      set.queries.map((q) => q.text),
    );
    const dense = denseRuns(
      docs,
      queries,
      set.corpus.map((d) => d.id),
      DEPTH,
    );
    const tDense = performance.now();
    // the per-query lists, for trying other fusions without embedding again
    if (process.argv.includes('--dump'))
      writeFileSync(
        path.join(CACHE, `lists-${set.name}.json`),
        JSON.stringify({
          queries: set.queries.map((q) => ({
            id: q.id,
            text: q.text,
            relevant: Object.fromEntries(set.qrels.get(q.id) ?? []),
          })),
          dense,
          stems,
          lemmas,
        }),
      );
    const rows: [string, number][] = [
      ['BM25 (Snowball)', ndcg(set, stems)],
      ['BM25 (lemmas)', ndcg(set, lemmas)],
      ['BM25 (lemmas, every reading)', ndcg(set, allReadings)],
      [`dense (${EMBEDDER})`, ndcg(set, dense)],
    ];
    for (const [sparseName, sparse] of [
      ['Snowball', stems],
      ['lemmas', lemmas],
    ] as const)
      for (const [label, options] of FUSIONS) {
        const runs = set.queries.map((q, i) => {
          const w =
            typeof options.weights === 'function' ? options.weights(q.text) : (options.weights ?? [1, 1]);
          return fuse(
            [
              { hits: dense[i], weight: w[0] },
              { hits: sparse[i], weight: w[1] },
            ],
            { ...options, k: 10 },
          );
        });
        rows.push([`hybrid ${label} (${sparseName})`, ndcg(set, runs)]);
      }
    summary[set.name] = Object.fromEntries(rows);
    console.log(
      `## ${set.name}: ${set.corpus.length} docs, ${set.queries.length} judged queries (BM25 ${((tSparse - t0) / 1000).toFixed(1)} s, dense ${((tDense - tSparse) / 1000).toFixed(1)} s)\n`,
    );
    console.log('| method | nDCG@10 |\n|---|---:|');
    for (const [label, v] of rows) console.log(`| ${label} | ${v.toFixed(4)} |`);
    console.log('');
  }
  // the fusion target: hybrid >= max(dense, sparse) - 0.005 on every set
  const sets = Object.keys(summary);
  console.log('## hybrid − max(dense, BM25 of the same analyzer), nDCG@10\n');
  console.log(`| fusion | ${sets.join(' | ')} | worst |\n|---|${sets.map(() => '---:|').join('')}---:|`);
  for (const sparseName of ['Snowball', 'lemmas'])
    for (const [label] of FUSIONS) {
      const key = `hybrid ${label} (${sparseName})`;
      const diffs = sets.map((s) => {
        const r = summary[s];
        return r[key] - Math.max(r[`dense (${EMBEDDER})`], r[`BM25 (${sparseName})`]);
      });
      console.log(
        `| ${label} (${sparseName}) | ${diffs.map((d) => (d >= 0 ? '+' : '') + d.toFixed(4)).join(' | ')} | ${Math.min(...diffs).toFixed(4)} |`,
      );
    }
  console.log(
    `\nload average at the end: ${os
      .loadavg()
      .map((x) => x.toFixed(2))
      .join(' ')}`,
  );
}

await main();
