/**
 * Russian and cross-language queries over examples/corpus (test/fixtures/encoder/corpus-queries.json):
 * how often the expected document comes first with dense search (each text routed to MiniLM or
 * the student), with BM25, and with hybrid fusion — per embedder.
 *
 *   node dist/bench/encoder-corpus.js [--student <built-in name or dir>] [--embedders bilingual,minilm]
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

export async function corpusHits(
  embedderName: string,
  settings: Record<string, unknown>,
  queries: Query[],
): Promise<Record<string, Record<SearchMethod, number>> & { misses: Record<string, string[]> }> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'smysl-encoder-corpus-'));
  const embedder = await createEmbedder(embedderName, settings);
  const collection = await Collection.create(path.join(dir, 'c'), {
    embedder,
    index: { type: 'exact' },
    lexical: 'bm25',
  });
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
  } finally {
    await collection.close();
    rmSync(dir, { recursive: true, force: true });
  }
  return Object.assign(out, { misses });
}

async function main() {
  const fixture = JSON.parse(readFileSync('test/fixtures/encoder/corpus-queries.json', 'utf8')) as {
    queries: Query[];
  };
  const student = arg('student', 'minilm-ru');
  const names = arg('embedders', 'bilingual,minilm').split(',');
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
  for (const name of names) {
    const settings: Record<string, unknown> =
      name === 'bilingual' ? {} : name === 'routed' ? { russianSettings: { model: student } } : {};
    const embedderName = name === 'bilingual' && student !== 'minilm-ru' ? 'routed' : name;
    if (embedderName === 'routed') settings.russianSettings = { model: student };
    const hits = await corpusHits(embedderName, settings, fixture.queries);
    for (const [lang, n] of counts) {
      const h = hits[lang];
      console.log(`| ${name} | ${lang} (${n}) | ${h.dense} | ${h.sparse} | ${h.hybrid} |`);
    }
    for (const [lang, m] of Object.entries(hits.misses))
      console.log(`  dense misses ${name} ${lang}: ${m.join('; ')}`);
  }
}

if (process.argv[1]?.endsWith('encoder-corpus.js')) await main();
