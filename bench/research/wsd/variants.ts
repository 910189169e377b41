/**
 * Scores WSD variants on cached token vectors (from cache.js and gloss-cache.js) in
 * seconds: synset vs sense-key vectors, the frequency prior, gloss vectors. Prints F1 (all and by
 * POS) beside WordNet's first sense.
 *
 *   node dist/bench/research/wsd/variants.js <wordnet dict> <train cache> <test cache> <gloss cache> [layers, e.g. 3,4,5,6]
 */
import path from 'node:path';
import { type Sense, toWordNetPos, WordNet } from '../../../src/tasks/wsd/wordnet.js';
import { cosine, layerMean, readJson } from './cached.js';

const [dict, trainDir, testDir, glossDir, layerArg = '3,4,5,6'] = process.argv.slice(2);
if (!glossDir) {
  process.stderr.write(
    'usage: node dist/bench/research/wsd/variants.js <wordnet dict> <train cache> <test cache> <gloss cache> [layers]\n',
  );
  process.exit(2);
}
const layers = layerArg.split(',').map(Number);
const wn = await WordNet.load(dict);

interface Instance {
  lemma: string;
  pos: string;
  keys: string[];
}
const { dim } = readJson<{ dim: number }>(path.join(trainDir, 'instances.json'));

/** Sums of the training tokens' vectors per sense key and per synset. */
function centroids(level: 'sense' | 'synset'): Map<string, Float64Array> {
  const instances = readJson<{ instances: Instance[] }>(path.join(trainDir, 'instances.json')).instances;
  const train = layerMean(trainDir, '', layers);
  const sums = new Map<string, Float64Array>();
  instances.forEach((inst, i) => {
    for (const key of inst.keys) {
      const sense = wn.sense(key);
      if (!sense) continue;
      const id = level === 'synset' ? sense.synset : key;
      let sum = sums.get(id);
      if (!sum) sums.set(id, (sum = new Float64Array(dim)));
      for (let d = 0; d < dim; d++) sum[d] += train[i * dim + d];
    }
  });
  return sums;
}

const test = layerMean(testDir, '', layers);
const testInstances = readJson<{ instances: Instance[] }>(path.join(testDir, 'instances.json')).instances;
const glossKeys = readJson<{ keys: string[] }>(path.join(glossDir, 'senses.json')).keys;
const glossRow = new Map(glossKeys.map((k, i) => [k, i]));
const glosses = layerMean(glossDir, 'full-sentence-', layers);

interface Variant {
  name: string;
  level: 'sense' | 'synset';
  prior: number;
  gloss: number;
}
const variants: Variant[] = [
  { name: 'synset vectors, cosine', level: 'synset', prior: 0, gloss: 0 },
  { name: 'synset vectors + prior 0.1', level: 'synset', prior: 0.1, gloss: 0 },
  { name: 'sense-key vectors, cosine', level: 'sense', prior: 0, gloss: 0 },
  { name: 'sense-key vectors + prior 0.1', level: 'sense', prior: 0.1, gloss: 0 },
  { name: 'sense-key + prior 0.1 + gloss 0.25', level: 'sense', prior: 0.1, gloss: 0.25 },
  { name: 'sense-key + prior 0.1 + gloss 0.5', level: 'sense', prior: 0.1, gloss: 0.5 },
];
const cache = new Map<string, Map<string, Float64Array>>();
const rows: string[][] = [];
const firstSense = new Map<string, { correct: number; total: number }>();
for (const v of variants) {
  let sums = cache.get(v.level);
  if (!sums) cache.set(v.level, (sums = centroids(v.level)));
  const tally = new Map<string, { correct: number; total: number }>();
  const bump = (map: typeof tally, pos: string, ok: boolean) => {
    for (const p of [pos, 'all']) {
      const e = map.get(p) ?? { correct: 0, total: 0 };
      e.total++;
      if (ok) e.correct++;
      map.set(p, e);
    }
  };
  testInstances.forEach((inst, i) => {
    const pos = toWordNetPos(inst.pos);
    const candidates = pos ? wn.senses(inst.lemma, pos) : [];
    const label = pos ?? 'other';
    if (candidates.length === 0) {
      bump(tally, label, false);
      if (v === variants[0]) bump(firstSense, label, false);
      return;
    }
    let total = 0;
    for (const c of candidates) total += c.tagCount + 1;
    const extra = (c: Sense) => {
      let s = (v.prior * (c.tagCount + 1)) / total;
      const g = glossRow.get(c.key);
      if (v.gloss !== 0 && g !== undefined) s += v.gloss * cosine(test, i * dim, glosses, g * dim, dim);
      return s;
    };
    let best: Sense | null = null;
    let bestScore = Number.NEGATIVE_INFINITY;
    for (const c of candidates) {
      const sum = sums.get(v.level === 'synset' ? c.synset : c.key);
      if (!sum) continue;
      const score = cosine(test, i * dim, sum, 0, dim) + extra(c);
      if (score > bestScore) [best, bestScore] = [c, score];
    }
    if (!best && v.gloss !== 0)
      for (const c of candidates) {
        const score = extra(c);
        if (score > bestScore) [best, bestScore] = [c, score];
      }
    bump(tally, label, inst.keys.includes((best ?? candidates[0]).key));
    if (v === variants[0]) bump(firstSense, label, inst.keys.includes(candidates[0].key));
  });
  const f1 = (map: typeof tally, p: string) => {
    const e = map.get(p);
    return e ? ((100 * e.correct) / e.total).toFixed(1) : '-';
  };
  if (v === variants[0])
    rows.push(['WordNet first sense', ...['all', 'n', 'v', 'a', 'r'].map((p) => f1(firstSense, p))]);
  rows.push([v.name, ...['all', 'n', 'v', 'a', 'r'].map((p) => f1(tally, p))]);
}
process.stdout.write(`layers ${layers.join(',')}, train ${trainDir}, test ${testDir}\n`);
process.stdout.write(`| variant | all | n | v | a | r |\n|---|---|---|---|---|---|\n`);
for (const r of rows) process.stdout.write(`| ${r.join(' | ')} |\n`);
