/**
 * Russian and cross-language queries over examples/corpus (test/fixtures/encoder/corpus-queries.json):
 * how often the expected document comes first with dense search (each text routed to MiniLM or
 * the student), with BM25, and with hybrid fusion — per embedder. Then what a map of the collection
 * shows: among each document's 4 nearest documents (cosine of their first chunks' stored vectors),
 * how many share its topic (folder) and how many its language — a map that groups by language
 * rather than by topic is what an English-only encoder gives a bilingual folder.
 *
 *   node dist/bench/encoder-corpus.js [--student <built-in name or dir>] [--embedders bilingual,bilingual:fixed,minilm]
 *
 * `bilingual:fixed`: the collection keeps the model's vocabulary (learnWords: false).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readDocuments } from '../src/corpus/index.js';
import { createEmbedder } from '../src/embed/registry.js';
import { Collection, type SearchMethod } from '../src/store/collection.js';

interface Query {
  lang: string;
  query: string;
  expected: string;
}

const arg = (name: string, def: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : def;
};

/** Among each document's k nearest documents: % with its topic, % with its language, % both its topic and the other language. */
export interface Neighbours {
  topic: number;
  language: number;
  topicAcrossLanguages: number;
}

export async function corpusHits(
  embedderName: string,
  settings: Record<string, unknown>,
  queries: Query[],
  learnWords = true,
): Promise<
  Record<string, Record<SearchMethod, number>> & { misses: Record<string, string[]>; neighbours: Neighbours }
> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'smysl-encoder-corpus-'));
  const embedder = await createEmbedder(embedderName, settings);
  const collection = await Collection.create(path.join(dir, 'c'), {
    embedder,
    index: { type: 'exact' },
    lexical: 'bm25',
    learnWords,
  });
  let neighbours: Neighbours = { topic: 0, language: 0, topicAcrossLanguages: 0 };
  const out: Record<string, Record<SearchMethod, number>> = {};
  const misses: Record<string, string[]> = {};
  try {
    await collection.add(readDocuments('examples/corpus'), { batchSize: 64 });
    for (const q of queries) {
      out[q.lang] ??= { dense: 0, sparse: 0, hybrid: 0 };
      for (const method of ['dense', 'sparse', 'hybrid'] as const) {
        const [top] = await collection.search(q.query, { k: 1, method, details: false });
        if (top?.id === q.expected) out[q.lang][method]++;
        else if (method === 'dense') (misses[q.lang] ??= []).push(`${q.query} → ${top?.id}`);
      }
    }
    neighbours = await mapNeighbours(collection, 4);
  } finally {
    await collection.close();
    rmSync(dir, { recursive: true, force: true });
  }
  return Object.assign(out, { misses, neighbours });
}

async function mapNeighbours(collection: Collection, k: number): Promise<Neighbours> {
  const ids: string[] = [];
  for await (const d of readDocuments('examples/corpus')) ids.push(d.id);
  const vectors: Float32Array[] = [];
  for (const id of ids) {
    const [first] = await collection.store.chunksOf((await collection.store.docNumber(id))!);
    vectors.push((await collection.store.vectors([first.row])).data);
  }
  const topic = ids.map((id) => path.dirname(id));
  const russian = ids.map((id) => /-ru\.\w+$/.test(id));
  const n = { topic: 0, language: 0, topicAcrossLanguages: 0, all: 0 };
  for (let i = 0; i < ids.length; i++) {
    const score = vectors.map((v, j) =>
      j === i ? -Infinity : v.reduce((a, x, t) => a + x * vectors[i][t], 0),
    );
    const nearest = [...score.keys()].sort((a, b) => score[b] - score[a]).slice(0, k);
    for (const j of nearest) {
      n.all++;
      if (topic[j] === topic[i]) n.topic++;
      if (russian[j] === russian[i]) n.language++;
      if (topic[j] === topic[i] && russian[j] !== russian[i]) n.topicAcrossLanguages++;
    }
  }
  const pct = (x: number) => (100 * x) / n.all;
  return {
    topic: pct(n.topic),
    language: pct(n.language),
    topicAcrossLanguages: pct(n.topicAcrossLanguages),
  };
}

async function main() {
  const fixture = JSON.parse(readFileSync('test/fixtures/encoder/corpus-queries.json', 'utf8')) as {
    queries: Query[];
  };
  const student = arg('student', 'minilm-ru');
  const names = arg('embedders', 'bilingual,bilingual:fixed,minilm').split(',');
  const counts = new Map<string, number>();
  for (const q of fixture.queries) counts.set(q.lang, (counts.get(q.lang) ?? 0) + 1);
  console.log(
    `examples/corpus, ${fixture.queries.length} queries; top-1 hits (load ${os
      .loadavg()
      .map((x) => x.toFixed(2))
      .join(' ')})`,
  );
  console.log('| embedder | queries | dense | BM25 | hybrid |');
  console.log('|---|---|---|---|---|');
  const maps: [string, Neighbours][] = [];
  for (const name of names) {
    const [base, variant] = name.split(':');
    const settings: Record<string, unknown> = {};
    const embedderName = base === 'bilingual' && student !== 'minilm-ru' ? 'routed' : base;
    if (embedderName === 'routed') settings.russianSettings = { model: student };
    const hits = await corpusHits(embedderName, settings, fixture.queries, variant !== 'fixed');
    maps.push([name, hits.neighbours]);
    for (const [lang, n] of counts) {
      const h = hits[lang];
      console.log(`| ${name} | ${lang} (${n}) | ${h.dense} | ${h.sparse} | ${h.hybrid} |`);
    }
    for (const [lang, m] of Object.entries(hits.misses))
      console.log(`  dense misses ${name} ${lang}: ${m.join('; ')}`);
  }
  console.log(
    "\nThe collection as a map: among each document's 4 nearest documents (40 documents, 8 topics, 17 in Russian)",
  );
  console.log('| embedder | same topic % | same language % | same topic, other language % |');
  console.log('|---|---:|---:|---:|');
  for (const [name, m] of maps)
    console.log(
      `| ${name} | ${m.topic.toFixed(1)} | ${m.language.toFixed(1)} | ${m.topicAcrossLanguages.toFixed(1)} |`,
    );
}

if (process.argv[1]?.endsWith('encoder-corpus.js')) await main();
