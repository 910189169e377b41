/**
 * Passage search vs document search on one novel kept as one file: the first 2,000 paragraphs of
 * Anna Karenina (../shared/data/ru_classics) indexed as a single document, the way a user's folder
 * of books is. Queries are 40 seeded sentences of the text, cut to their first 6 words; a query is
 * "found" when the first result's passage covers the line its sentence is on.
 *
 *   node dist/bench/passages.js [--embedder bilingual] [--paragraphs 2000] [--queries 40]
 *
 * Prints, per search method and granularity, the median and 95th-percentile latency in process
 * (collection open and warm) and how often the first passage is the right place.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { readDocuments } from '../src/corpus/index.js';
import { createEmbedder } from '../src/embed/registry.js';
import { Collection, type SearchMethod } from '../src/store/collection.js';
import { splitSentences } from '../src/text/sentences.js';

const ROOT = path.resolve(fileURLToPath(new URL('../../', import.meta.url)));
const DATA = process.env.SMYSL_DATA ?? path.resolve(ROOT, '../shared/data');

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
}
// what `smysl index` picks for a folder holding Russian: MiniLM for English chunks, minilm-ru for Russian
const EMBEDDER = arg('embedder', 'bilingual');
const PARAGRAPHS = Number(arg('paragraphs', '2000'));
const QUERIES = Number(arg('queries', '40'));

function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

function quantile(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))];
}

async function main(): Promise<void> {
  const source = path.join(DATA, 'ru_classics', 'tolstoy_anna_karenina.txt');
  let text: string;
  try {
    text = readFileSync(source, 'utf8');
  } catch {
    console.log(`skipped: ${source} is not there`);
    return;
  }
  // the first N non-blank paragraphs, one per line as in the source, blank lines between
  const paragraphs = text
    .split(/\n\s*\n|\n/)
    .map((p) => p.trim())
    .filter((p) => p !== '')
    .slice(0, PARAGRAPHS);
  const work = mkdtempSync(path.join(os.tmpdir(), 'smysl-bench-passages-'));
  try {
    const folder = path.join(work, 'books');
    mkdirSync(folder);
    const file = path.join(folder, 'anna.txt');
    writeFileSync(file, `${paragraphs.join('\n\n')}\n`);
    // queries: seeded sentences of at least 8 words, with the line they are on
    const rnd = lcg(7);
    const queries: { text: string; line: number }[] = [];
    while (queries.length < QUERIES) {
      const p = Math.floor(rnd() * paragraphs.length);
      const sentences = splitSentences(paragraphs[p]).filter((s) => s.text.split(/\s+/).length >= 8);
      if (sentences.length === 0) continue;
      const s = sentences[Math.floor(rnd() * sentences.length)];
      queries.push({ text: s.text.split(/\s+/).slice(0, 6).join(' '), line: p * 2 + 1 });
    }
    const embedder = await createEmbedder(EMBEDDER);
    const c = await Collection.create(path.join(work, 'c'), { embedder });
    const t0 = Date.now();
    const summary = await c.add(readDocuments(folder), { root: folder });
    const indexSeconds = (Date.now() - t0) / 1000;
    await c.saveLexicalIndex();
    console.log(
      `Anna Karenina, first ${paragraphs.length} paragraphs as one file (${(Buffer.byteLength(paragraphs.join('\n\n')) / 1024).toFixed(0)} KiB): ` +
        `${summary.chunks} chunks, embedder ${embedder.name}, indexed in ${indexSeconds.toFixed(1)} s`,
    );
    console.log(
      `load average ${os
        .loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')}; ${os.cpus().length} CPUs; node ${process.version}\n`,
    );
    console.log(
      '| method | granularity | results per query | p50 ms | p95 ms | first result at the right line |',
    );
    console.log('|---|---|---:|---:|---:|---:|');
    // hybrid twice: the default, and without its lexical-confidence term (what it adds and costs)
    const variants: [string, SearchMethod, boolean][] = [
      ['dense', 'dense', true],
      ['sparse', 'sparse', true],
      ['hybrid', 'hybrid', true],
      ['hybrid, no lexical confidence', 'hybrid', false],
    ];
    for (const [label, method, lexicalConfidence] of variants) {
      for (const granularity of ['document', 'passage'] as const) {
        await c.search(queries[0].text, { method, granularity, lexicalConfidence }); // warm: lexical index, model
        const times: number[] = [];
        let right = 0;
        let results = 0;
        for (const q of queries) {
          const t = process.hrtime.bigint();
          const hits = await c.search(q.text, { method, granularity, k: 10, lexicalConfidence });
          times.push(Number(process.hrtime.bigint() - t) / 1e6);
          results += hits.length;
          const p = hits[0]?.passage;
          if (p?.line !== undefined && p.line <= q.line && q.line <= (p.endLine ?? p.line)) right++;
        }
        console.log(
          `| ${label} | ${granularity} | ${(results / queries.length).toFixed(1)} | ${quantile(times, 0.5).toFixed(1)} | ${quantile(times, 0.95).toFixed(1)} | ${right}/${queries.length} |`,
        );
      }
    }
    await c.close();
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

await main();
