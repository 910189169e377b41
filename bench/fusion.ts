/**
 * Lexical analyzers and hybrid fusion on every retrieval set at hand: BM25 with Snowball stems vs
 * BM25 with OpenCorpora lemmas vs the dense embedder, then every fusion of dense + BM25 by
 * nDCG@10. One table per set, one summary of the fusions across sets.
 *
 * Sets: Cranfield and CISI (../shared/data, BEIR), STSb-ru and STSb-en (../shared/data dev pairs
 * scored >= 4 as query -> relevant; corpus: every second sentence of dev and train), the judged
 * Russian fixture (test/fixtures/retrieval-ru) and the Russian queries over examples/corpus.
 *
 *   node dist/bench/fusion.js [--embedder minilm] [--sets cranfield,cisi,...] [--depth 50] [--dump] [--learn-words]
 *
 * `--learn-words`: the dense side embeds each set as a collection would with an embedder that
 * learns words (WordLearner: the student, bilingual): a fresh view per set learns the corpus's
 * words batch by batch (DEFAULT_ADD_BATCH documents; `--learn-batch <n>` for others) before
 * embedding it; queries use its rows.
 *
 * Dense vectors are cached under the OS temp dir (keyed by embedder and texts): a re-run only
 * embeds what changed. The fusion of the product (src/index/fusion.ts, `DEFAULT_FUSION`) is the
 * row marked "default".
 */
import { createHash } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'csv-parse/sync';
import { createEmbedder } from '../src/embed/registry.js';
import { Bm25Vectorizer } from '../src/embed/sparse/vectorizers.js';
import { FileWords } from '../src/embed/student/words.js';
import { type DenseEmbedder, type Embedder, wordLearnerOf } from '../src/embed/types.js';
import { type BeirCollection, type Qrels, readBeir } from '../src/eval/beir.js';
import { ndcgAtK } from '../src/eval/ranking.js';
import {
  DEFAULT_FUSION,
  defaultFusionWeights,
  type FusionOptions,
  fuse,
  lexicalTier,
} from '../src/index/fusion.js';
import { SparseSearch } from '../src/index/inverted.js';
import type { Hit } from '../src/index/types.js';
import { DEFAULT_ADD_BATCH } from '../src/store/collection.js';
import { splitSentences } from '../src/text/sentences.js';
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
/** Test sets first, then the development sets the default fusion was chosen on. */
const SETS = arg(
  'sets',
  'cranfield,cisi,stsb-en,stsb-ru,fixture-ru,examples-ru,stsb-en-train,stsb-ru-train,phrases-en,phrases-ru',
).split(',');
const LEARN_WORDS = process.argv.includes('--learn-words');
const DEV_SETS = new Set(['STSb-en-train', 'STSb-ru-train', 'phrases-en', 'phrases-ru']);

interface RetrievalSet extends BeirCollection {
  name: string;
  russian: boolean;
}

/**
 * STSb pairs scored >= 4: first sentence -> second; corpus = second sentences of dev + train.
 * The queries are the dev pairs, or with `split` 'train' 300 seeded train pairs (a development
 * set for choosing the fusion: same corpus, other queries).
 */
function stsbSet(lang: 'ru' | 'en', split: 'dev' | 'train' = 'dev'): RetrievalSet | null {
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
  const dev = read('dev');
  const train = read('train');
  const pairs: string[][] = [];
  for (const [s1, s2, score] of dev) {
    doc(s2);
    if (split === 'dev') pairs.push([s1, s2, score]);
  }
  for (const [, s2] of train) doc(s2);
  if (split === 'train') {
    const rnd = lcg(13);
    const good = train.filter(([s1, s2, score]) => Number(score) >= 4 && s1 !== s2);
    for (let i = 0; i < 300 && good.length > 0; i++)
      pairs.push(good.splice(Math.floor(rnd() * good.length), 1)[0]);
  }
  for (const [s1, s2, score] of pairs) {
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
  return {
    name: split === 'train' ? `STSb-${lang}-train` : `STSb-${lang}`,
    russian: lang === 'ru',
    corpus,
    queries,
    qrels,
  };
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

function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/**
 * Phrase queries, the kind bench/passages.ts asks (its test text: Anna Karenina's first 2,000
 * paragraphs): documents are runs of whole sentences of at most 256 words (what a collection
 * chunks text into), queries the first six words of a seeded sentence of at least eight, the
 * relevant document the one holding that sentence. A development set, on other text than the
 * passages bench: Russian = Anna Karenina paragraphs 4,000-6,000; English = the first 150 Brown
 * corpus documents (one tokenized sentence a line).
 */
function phraseSet(lang: 'ru' | 'en'): RetrievalSet | null {
  const file =
    lang === 'ru'
      ? path.join(DATA, 'ru_classics', 'tolstoy_anna_karenina.txt')
      : path.join(DATA, 'brown_corpus', 'brown_docs.jsonl');
  if (!existsSync(file)) return null;
  // sources: lists of sentences that a chunk does not cross (a Brown document; Anna: the whole run)
  const sources: string[][] =
    lang === 'ru'
      ? [
          readFileSync(file, 'utf8')
            .split('\n')
            .map((p) => p.trim())
            .filter((p) => p !== '')
            .slice(4000, 6000)
            .flatMap((p) => splitSentences(p).map((x) => x.text)),
        ]
      : readFileSync(file, 'utf8')
          .split('\n')
          .filter((l) => l.trim() !== '')
          .slice(0, 150)
          .map((l) => (JSON.parse(l) as { text: string }).text.split('\n').filter((x) => x.trim() !== ''));
  const corpus: BeirCollection['corpus'] = [];
  const sentences: { text: string; doc: string }[] = [];
  for (const source of sources) {
    let words = 0;
    let parts: string[] = [];
    const flush = () => {
      if (parts.length === 0) return;
      corpus.push({ id: `c${corpus.length}`, title: '', text: parts.join(' ') });
      parts = [];
      words = 0;
    };
    for (const sentence of source) {
      const n = sentence.split(/\s+/).length;
      if (words + n > 256) flush();
      parts.push(sentence);
      words += n;
      sentences.push({ text: sentence, doc: `c${corpus.length}` });
    }
    flush();
  }
  const rnd = lcg(lang === 'ru' ? 11 : 12);
  const queries: BeirCollection['queries'] = [];
  const qrels: Qrels = new Map();
  const seen = new Set<string>();
  while (queries.length < 60) {
    const s = sentences[Math.floor(rnd() * sentences.length)];
    const words = s.text.split(/\s+/).filter((w) => /[\p{L}\p{N}]/u.test(w));
    if (words.length < 8) continue;
    const text = words.slice(0, 6).join(' ');
    if (seen.has(text)) continue;
    seen.add(text);
    const id = `q${queries.length}`;
    queries.push({ id, text });
    qrels.set(id, new Map([[s.doc, 1]]));
  }
  return { name: `phrases-${lang}`, russian: lang === 'ru', corpus, queries, qrels };
}

async function loadSet(name: string): Promise<RetrievalSet | null> {
  if (name === 'phrases-ru') return phraseSet('ru');
  if (name === 'phrases-en') return phraseSet('en');
  if (name === 'cranfield' || name === 'cisi') {
    const dir = path.join(DATA, `ir_${name}/beir`);
    if (!existsSync(dir)) return null;
    return { name: name === 'cisi' ? 'CISI' : 'Cranfield', russian: false, ...(await readBeir(dir)) };
  }
  if (name === 'stsb-ru-train') return stsbSet('ru', 'train');
  if (name === 'stsb-en-train') return stsbSet('en', 'train');
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

/** What the embedder makes of two probe texts: a retrained model under the same name gets new cache keys. */
let fingerprint: string | undefined;
async function embedCached(embedder: Embedder, texts: string[]): Promise<DenseMatrix> {
  mkdirSync(CACHE, { recursive: true });
  if (fingerprint === undefined) {
    const probe = (await embedder.embed(['Кошка спит на диване.', 'A dog runs in the park.'])) as DenseMatrix;
    fingerprint = createHash('sha256')
      .update(new Uint8Array(probe.data.buffer, probe.data.byteOffset, probe.data.byteLength))
      .digest('hex');
  }
  const key = createHash('sha256')
    .update(embedder.name)
    .update(fingerprint)
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

/** The set embedded through a view that learns the corpus's words first, batch by batch (no cache). */
async function embedLearning(
  embedder: Embedder,
  set: RetrievalSet,
): Promise<{ docs: DenseMatrix; queries: DenseMatrix }> {
  const learner = wordLearnerOf(embedder);
  if (!learner) throw new Error(`--learn-words: ${embedder.name} does not learn words`);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'smysl-bench-words-'));
  try {
    const view = (await learner.withWords(new FileWords(dir))) as DenseEmbedder;
    const texts = set.corpus.map(docText);
    const data = new Float32Array(texts.length * view.dim);
    const step = Number(arg('learn-batch', String(DEFAULT_ADD_BATCH)));
    for (let at = 0; at < texts.length; at += step) {
      const batch = texts.slice(at, at + step);
      await wordLearnerOf(view)!.learnWords(batch);
      data.set((await view.embed(batch)).data, at * view.dim);
    }
    console.log(`${set.name}: learned ${wordLearnerOf(view)!.learnedWords} words of the corpus`);
    const docs = normalizeRowsInPlace({ rows: texts.length, dim: view.dim, data });
    const queries = normalizeRowsInPlace(await view.embed(set.queries.map((q) => q.text)));
    return { docs, queries };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
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

/**
 * Per query, the lexical-confidence tiers (`lexicalTier`, as collections compute them) of the
 * first `DEFAULT_FUSION.lexicalConfidence.depth` lexical hits, under that list's analyzer.
 */
function tiersFor(set: RetrievalSet, hits: Hit[][], lemma: false | 'best'): Map<string, number>[] {
  const v = new Bm25Vectorizer({ tokenizer: 'smysl', stopWords: 'auto', stem: 'auto', lemma });
  const byId = new Map(set.corpus.map((d) => [d.id, d]));
  const analyzed = new Map<string, string[]>();
  return set.queries.map((q, i) => {
    const terms = v.analyzeText(q.text);
    const tiers = new Map<string, number>();
    for (const h of hits[i].slice(0, DEFAULT_FUSION.lexicalConfidence.depth)) {
      let passage = analyzed.get(h.id);
      if (!passage) analyzed.set(h.id, (passage = v.analyzeText(docText(byId.get(h.id)!))));
      const tier = lexicalTier(passage, terms);
      if (tier > 0) tiers.set(h.id, tier);
    }
    return tiers;
  });
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
const byLanguage: Weights = (q) => {
  const w = defaultFusionWeights(q, languages);
  return [w.dense, w.lexical];
};
const FUSIONS: [string, FusionOptions & { weights?: Weights; confident?: boolean }][] = [
  [
    'default (dbsf, weights by query language, lexical confidence)',
    { method: DEFAULT_FUSION.method, weights: byLanguage, confident: true },
  ],
  ['dbsf, weights by query language (the previous default)', { method: 'dbsf', weights: byLanguage }],
  ['rrf 1:1 (the first default)', { method: 'rrf' }],
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
    const { docs, queries } = LEARN_WORDS
      ? await embedLearning(embedder, set)
      : {
          docs: await embedCached(embedder, set.corpus.map(docText)),
          queries: await embedCached(
            embedder,
            set.queries.map((q) => q.text),
          ),
        };
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
        const tiers = options.confident
          ? tiersFor(set, sparse, sparseName === 'lemmas' && 'best')
          : undefined;
        const runs = set.queries.map((q, i) => {
          const w =
            typeof options.weights === 'function' ? options.weights(q.text) : (options.weights ?? [1, 1]);
          return fuse(
            [
              { hits: dense[i], weight: w[0] },
              { hits: sparse[i], weight: w[1] },
            ],
            { ...options, k: 10, tiers: tiers?.[i] },
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
  const heads = sets.map((s) => (DEV_SETS.has(s) ? `${s} (dev)` : s));
  const worst = (diffs: number[], dev: boolean) => {
    const xs = diffs.filter((_, i) => DEV_SETS.has(sets[i]) === dev);
    return xs.length > 0 ? Math.min(...xs).toFixed(4) : '–';
  };
  console.log(
    `| fusion | ${heads.join(' | ')} | worst (test) | worst (dev) |\n|---|${sets.map(() => '---:|').join('')}---:|---:|`,
  );
  for (const sparseName of ['Snowball', 'lemmas'])
    for (const [label] of FUSIONS) {
      const key = `hybrid ${label} (${sparseName})`;
      const diffs = sets.map((s) => {
        const r = summary[s];
        return r[key] - Math.max(r[`dense (${EMBEDDER})`], r[`BM25 (${sparseName})`]);
      });
      console.log(
        `| ${label} (${sparseName}) | ${diffs.map((d) => (d >= 0 ? '+' : '') + d.toFixed(4)).join(' | ')} | ${worst(diffs, false)} | ${worst(diffs, true)} |`,
      );
    }
  // the short table of docs/collections.md
  console.log(
    `\n## nDCG@10 (lemmas)\n\n| method | ${heads.join(' | ')} |\n|---|${sets.map(() => '---:|').join('')}`,
  );
  for (const [label, key] of [
    ['BM25 (Snowball)', 'BM25 (Snowball)'],
    ['BM25 (lemmas)', 'BM25 (lemmas)'],
    [`dense (${EMBEDDER})`, `dense (${EMBEDDER})`],
    ['hybrid, default', `hybrid ${FUSIONS[0][0]} (lemmas)`],
    ['hybrid, previous default', `hybrid ${FUSIONS[1][0]} (lemmas)`],
    ['hybrid, RRF 1:1', `hybrid ${FUSIONS[2][0]} (lemmas)`],
  ])
    console.log(`| ${label} | ${sets.map((s) => summary[s][key].toFixed(4)).join(' | ')} |`);
  console.log(
    `\nload average at the end: ${os
      .loadavg()
      .map((x) => x.toFixed(2))
      .join(' ')}`,
  );
}

await main();
