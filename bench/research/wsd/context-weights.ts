/**
 * Scores weightings of the WSD terms on a test cache (cache.js, which keeps each instance's
 * sentence and window mean vectors) against a sense-vector file with topic vectors (`smysl wsd
 * train --topic-vectors`) and a gloss cache (gloss-cache.js): the token cosine, the gloss cosine,
 * the prior, and the context cosines (window or sentence mean against the sense's mean context
 * vector and against its gloss). Every weighting takes milliseconds once the cosines are in.
 *
 *   node dist/bench/research/wsd/context-weights.js <wordnet dict> <senses.bin> <test cache> <gloss cache> [layers]
 */
import path from 'node:path';
import { toWordNetPos, WordNet } from '../../../src/tasks/wsd/wordnet.js';
import { SenseVectors } from '../../../src/tasks/wsd/wsd.js';
import { cosine, layerMean, readJson } from './cached.js';

const [dict, sensesFile, testDir, glossDir, layerArg = '3,4,5,6'] = process.argv.slice(2);
if (!glossDir) {
  process.stderr.write(
    'usage: node dist/bench/research/wsd/context-weights.js <wordnet dict> <senses.bin> <test cache> <gloss cache> [layers]\n',
  );
  process.exit(2);
}
const layers = layerArg.split(',').map(Number);
// Layers of the passage means compared with glosses (the sense topic vectors are fixed by training).
const topicLayers = (process.env.WSD_TOPIC_LAYERS ?? layerArg).split(',').map(Number);
const wn = await WordNet.load(dict);
const senses = await SenseVectors.load(sensesFile);
if (!senses.topicData)
  throw new Error(`${sensesFile} has no topic vectors: train it with wsd train --topic-vectors`);
const topicData = senses.topicData;
const dim = senses.dim;

const instances = readJson<{ instances: { lemma: string; pos: string; keys: string[] }[] }>(
  path.join(testDir, 'instances.json'),
).instances;
const token = layerMean(testDir, '', layers);
const sentence = layerMean(testDir, 'sentence-', layers);
const window = layerMean(testDir, 'window-', layers);
const glossKeys = readJson<{ keys: string[] }>(path.join(glossDir, 'senses.json')).keys;
const glossRow = new Map(glossKeys.map((k, i) => [k, i]));
const glosses = layerMean(glossDir, 'full-sentence-', layers);
const windowForGloss = layerMean(testDir, 'window-', topicLayers);
const sentenceForGloss = layerMean(testDir, 'sentence-', topicLayers);
const glossesForTopic = layerMean(glossDir, 'full-sentence-', topicLayers);

const FEATURES = [
  'token',
  'has vector',
  'gloss',
  'prior',
  'window',
  'sentence',
  'window-gloss',
  'sentence-gloss',
] as const;
type Feature = (typeof FEATURES)[number];
const F = FEATURES.length;
interface Row {
  pos: string;
  x: Float64Array;
  gold: boolean[];
}
const rows: Row[] = instances.map((inst, i) => {
  const pos = toWordNetPos(inst.pos);
  const candidates = pos ? wn.senses(inst.lemma, pos) : [];
  let total = 0;
  for (const c of candidates) total += c.tagCount + 1;
  const x = new Float64Array(candidates.length * F);
  candidates.forEach((c, k) => {
    const o = k * F;
    const r = senses.row(c);
    if (r >= 0) {
      x[o] = cosine(token, i * dim, senses.data, r * dim, dim);
      x[o + 1] = 1;
      x[o + 4] = cosine(window, i * dim, topicData, r * dim, dim);
      x[o + 5] = cosine(sentence, i * dim, topicData, r * dim, dim);
    }
    const g = glossRow.get(c.key);
    if (g !== undefined) {
      x[o + 2] = cosine(token, i * dim, glosses, g * dim, dim);
      x[o + 6] = cosine(windowForGloss, i * dim, glossesForTopic, g * dim, dim);
      x[o + 7] = cosine(sentenceForGloss, i * dim, glossesForTopic, g * dim, dim);
    }
    x[o + 3] = (c.tagCount + 1) / total;
  });
  return { pos: pos ?? 'other', x, gold: candidates.map((c) => inst.keys.includes(c.key)) };
});

function evaluate(w: Partial<Record<Feature, number>>): Record<string, number> {
  const weights = FEATURES.map((f) => w[f] ?? 0);
  const tally: Record<string, [number, number]> = {};
  for (const row of rows) {
    let best = -1;
    let bestScore = Number.NEGATIVE_INFINITY;
    for (let k = 0; k < row.gold.length; k++) {
      let s = 0;
      for (let j = 0; j < F; j++) s += weights[j] * row.x[k * F + j];
      if (s > bestScore) [best, bestScore] = [k, s];
    }
    for (const p of [row.pos, 'all']) {
      tally[p] ??= [0, 0];
      tally[p][1]++;
      if (best >= 0 && row.gold[best]) tally[p][0]++;
    }
  }
  const out: Record<string, number> = {};
  for (const [p, [c, n]] of Object.entries(tally)) out[p] = (100 * c) / n;
  return out;
}

// "has vector" 100: candidates with a sense vector always beat those without, as in chooseSense.
const base = { token: 1, 'has vector': 100, gloss: 0.25, prior: 0.1 };
const table: [string, Record<string, number>][] = [['default', evaluate(base)]];
for (const f of ['window', 'sentence', 'window-gloss', 'sentence-gloss'] as const)
  for (const w of [0.1, 0.25, 0.5, 1]) table.push([`default + ${f} ${w}`, evaluate({ ...base, [f]: w })]);
for (const w of [0.25, 0.5, 1])
  for (const g of [0.05, 0.1, 0.25])
    table.push([
      `default + window ${w} + window-gloss ${g}`,
      evaluate({ ...base, window: w, 'window-gloss': g }),
    ]);
for (const w of [0.25, 0.5, 1])
  for (const g of [0.05, 0.1, 0.25])
    table.push([
      `default + sentence ${w} + sentence-gloss ${g}`,
      evaluate({ ...base, sentence: w, 'sentence-gloss': g }),
    ]);
process.stdout.write(
  `token layers ${layers.join(',')}, topic-gloss layers ${topicLayers.join(',')}; ${sensesFile}; ${testDir}\n`,
);
process.stdout.write('| variant | all | n | v | a | r |\n|---|---|---|---|---|---|\n');
for (const [name, r] of table)
  process.stdout.write(
    `| ${name} | ${['all', 'n', 'v', 'a', 'r'].map((p) => r[p]?.toFixed(1) ?? '-').join(' | ')} |\n`,
  );
