/**
 * Reader throughput: smysl's readDocuments against the plain Node baseline (readline +
 * JSON.parse / readline alone) on the same files, same process. Run: node dist/bench/corpus-read.js
 */
import { createReadStream, existsSync, statSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { formatTable } from '../src/cli/output.js';
import { readDocuments } from '../src/corpus/index.js';

const data = fileURLToPath(new URL('../../../shared/data/', import.meta.url));
const ROUNDS = 5;

interface Case {
  name: string;
  path: string;
  ours: (path: string) => Promise<number>;
  reference: (path: string) => Promise<number>;
  referenceName: string;
}

async function oursDefault(path: string): Promise<number> {
  let chars = 0;
  for await (const d of readDocuments(path)) chars += d.text.length;
  return chars;
}

async function readlineJson(path: string): Promise<number> {
  let chars = 0;
  for await (const line of createInterface({ input: createReadStream(path), crlfDelay: Infinity }))
    if (line.trim() !== '') chars += (JSON.parse(line) as { text: string }).text.length;
  return chars;
}

async function readlineLines(path: string): Promise<number> {
  let chars = 0;
  for await (const line of createInterface({ input: createReadStream(path), crlfDelay: Infinity }))
    if (line.trim() !== '') chars += line.length;
  return chars;
}

const cases: Case[] = [
  {
    name: 'brown_docs.jsonl (JSONL)',
    path: `${data}brown_corpus/brown_docs.jsonl`,
    ours: oursDefault,
    reference: readlineJson,
    referenceName: 'readline + JSON.parse',
  },
  {
    name: 'kjv.txt (text, split by line)',
    path: `${data}kjv_bible/kjv.txt`,
    ours: oursDefault,
    reference: readlineLines,
    referenceName: 'readline',
  },
];

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

const rows: (string | number)[][] = [];
for (const c of cases) {
  if (!existsSync(c.path)) {
    console.log(`skipping ${c.name}: ${c.path} is absent`);
    continue;
  }
  const mb = statSync(c.path).size / 1e6;
  const ours: number[] = [];
  const ref: number[] = [];
  let same = true;
  for (let r = 0; r < ROUNDS; r++) {
    // alternate so that load from other processes hits both sides alike
    let t = performance.now();
    const a = await c.ours(c.path);
    ours.push(mb / ((performance.now() - t) / 1000));
    t = performance.now();
    const b = await c.reference(c.path);
    ref.push(mb / ((performance.now() - t) / 1000));
    same &&= a === b;
  }
  const o = median(ours);
  const f = median(ref);
  rows.push([
    c.name,
    Number(mb.toFixed(1)),
    Number(o.toFixed(0)),
    c.referenceName,
    Number(f.toFixed(0)),
    Number((o / f).toFixed(2)),
    same ? 'yes' : 'NO',
  ]);
}
console.log(`median of ${ROUNDS} rounds, MB/s`);
console.log(
  formatTable(['input', 'MB', 'smysl MB/s', 'reference', 'reference MB/s', 'ratio', 'same text'], rows),
);
