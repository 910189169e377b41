/**
 * WSD scoring features on cached vectors (cache.js, gloss-cache.js), for choosing how to
 * score a candidate sense. Per candidate: cosine of the target token to the sense's mean SemCor
 * token vector, to its gloss vector, the frequency prior, and sentence-level cosines (the mean
 * word vector of the target's sentence or context window against the sense's mean sentence
 * vector and against its gloss). Scores hand-set weights on the test cache, and learns weights
 * on SemCor itself: a conditional-logit ranking over each sampled instance's candidates, with
 * the sense vectors rebuilt without the instance's own fold of documents (5 folds), so the
 * learning sees what a test word sees: vectors from other texts.
 *
 *   node dist/bench/research/wsd/features.js <wordnet dict> <train cache> <test cache> <gloss cache> [every]
 *
 * The gloss cache must hold the candidates of every `every`-th training instance
 * (gloss-cache.js <dict> <out> <train corpus>@<every> <test corpus>). Layer sets come from
 * WSD_TOKEN_LAYERS (default 3,4,5,6) and WSD_SENTENCE_LAYERS (default 3,4,5,6); the learning from
 * WSD_LEARN_ITERATIONS (default 300) and WSD_LEARN_RATE (Adam step, default 0.05).
 */
import path from 'node:path';
import { type Sense, toWordNetPos, WordNet } from '../../../src/tasks/wsd/wordnet.js';
import { cosine, layerMean, readJson } from './cached.js';

const [dict, trainDir, testDir, glossDir, everyArg = '10'] = process.argv.slice(2);
if (!glossDir) {
  process.stderr.write(
    'usage: node dist/bench/research/wsd/features.js <wordnet dict> <train cache> <test cache> <gloss cache> [every]\n',
  );
  process.exit(2);
}
const every = Number(everyArg);
const tokenLayers = (process.env.WSD_TOKEN_LAYERS ?? '3,4,5,6').split(',').map(Number);
const sentenceLayers = (process.env.WSD_SENTENCE_LAYERS ?? '3,4,5,6').split(',').map(Number);
const FOLDS = 5;
const wn = await WordNet.load(dict);

interface Instance {
  id: string;
  lemma: string;
  pos: string;
  keys: string[];
}
const { dim } = readJson<{ dim: number }>(path.join(trainDir, 'instances.json'));

const KINDS = ['token', 'sentence', 'window'] as const;
type Kind = (typeof KINDS)[number];
interface Corpus {
  instances: Instance[];
  vectors: Record<Kind, Float32Array>;
}
function loadCorpus(dir: string): Corpus {
  return {
    instances: readJson<{ instances: Instance[] }>(path.join(dir, 'instances.json')).instances,
    vectors: {
      token: layerMean(dir, '', tokenLayers),
      sentence: layerMean(dir, 'sentence-', sentenceLayers),
      window: layerMean(dir, 'window-', sentenceLayers),
    },
  };
}
const documentOf = (id: string) => id.slice(0, id.indexOf('.'));

process.stderr.write('loading caches\n');
const train = loadCorpus(trainDir);
const test = loadCorpus(testDir);
const glossKeys = readJson<{ keys: string[] }>(path.join(glossDir, 'senses.json')).keys;
const glossRow = new Map(glossKeys.map((k, i) => [k, i]));
const glosses = layerMean(glossDir, 'full-sentence-', tokenLayers);
// compared with the sentence and window means, so read from the same layers
const glossesForTopic = layerMean(glossDir, 'full-sentence-', sentenceLayers);

// Sense-key rows and per-fold sums of each kind of vector.
const senseRow = new Map<string, number>();
for (const inst of train.instances)
  for (const key of inst.keys) if (wn.sense(key) && !senseRow.has(key)) senseRow.set(key, senseRow.size);
const senseCount = senseRow.size;
const docFold = new Map<string, number>();
const foldOf = (id: string) => {
  const doc = documentOf(id);
  let f = docFold.get(doc);
  if (f === undefined) docFold.set(doc, (f = docFold.size % FOLDS));
  return f;
};
const sums: Record<Kind, Float32Array[]> = { token: [], sentence: [], window: [] };
for (const kind of KINDS)
  for (let f = 0; f <= FOLDS; f++) sums[kind].push(new Float32Array(senseCount * dim));
const counts: Int32Array[] = Array.from({ length: FOLDS + 1 }, () => new Int32Array(senseCount));
train.instances.forEach((inst, i) => {
  const f = foldOf(inst.id);
  for (const key of inst.keys) {
    const r = senseRow.get(key);
    if (r === undefined) continue;
    counts[f][r]++;
    counts[FOLDS][r]++;
    for (const kind of KINDS) {
      const v = train.vectors[kind];
      for (const target of [sums[kind][f], sums[kind][FOLDS]])
        for (let d = 0; d < dim; d++) target[r * dim + d] += v[i * dim + d];
    }
  }
});
process.stderr.write(`${senseCount} sense vectors, ${docFold.size} documents\n`);

const FEATURES = [
  'token',
  'has vector',
  'gloss',
  'prior',
  'sentence',
  'window',
  'sentence-gloss',
  'window-gloss',
  'log prior',
] as const;
const F = FEATURES.length;

interface Row {
  pos: string;
  /** Features, candidate-major. */
  x: Float64Array;
  candidates: number;
  gold: boolean[];
  /** WordNet's first sense is right. */
  firstSense: boolean;
}

const centroid = new Float32Array(dim);
/** Features of one instance's candidates; `fold` leaves that fold's documents out (-1 = none). */
function features(
  corpus: Corpus,
  i: number,
  candidates: readonly Sense[],
  fold: number,
  wordnetPrior: boolean,
) {
  const x = new Float64Array(candidates.length * F);
  let total = 0;
  const tag = candidates.map((c) => {
    if (wordnetPrior) return c.tagCount + 1;
    const r = senseRow.get(c.key);
    const n = r === undefined ? 0 : counts[FOLDS][r] - (fold >= 0 ? counts[fold][r] : 0);
    return n + 1;
  });
  for (const t of tag) total += t;
  candidates.forEach((c, k) => {
    const o = k * F;
    const r = senseRow.get(c.key);
    const n = r === undefined ? 0 : counts[FOLDS][r] - (fold >= 0 ? counts[fold][r] : 0);
    if (r !== undefined && n > 0) {
      x[o + 1] = 1;
      for (const [kind, at] of [
        ['token', 0],
        ['sentence', 4],
        ['window', 5],
      ] as const) {
        const all = sums[kind][FOLDS];
        const out = fold >= 0 ? sums[kind][fold] : null;
        for (let d = 0; d < dim; d++) centroid[d] = all[r * dim + d] - (out ? out[r * dim + d] : 0);
        x[o + at] = cosine(corpus.vectors[kind], i * dim, centroid, 0, dim);
      }
    }
    const g = glossRow.get(c.key);
    if (g !== undefined) {
      x[o + 2] = cosine(corpus.vectors.token, i * dim, glosses, g * dim, dim);
      x[o + 6] = cosine(corpus.vectors.sentence, i * dim, glossesForTopic, g * dim, dim);
      x[o + 7] = cosine(corpus.vectors.window, i * dim, glossesForTopic, g * dim, dim);
    }
    x[o + 3] = tag[k] / total;
    x[o + 8] = Math.log(tag[k] / total);
  });
  return x;
}

function rowsOf(
  corpus: Corpus,
  sample: (i: number) => boolean,
  heldOut: boolean,
  wordnetPrior: boolean,
): Row[] {
  const rows: Row[] = [];
  corpus.instances.forEach((inst, i) => {
    if (!sample(i)) return;
    const pos = toWordNetPos(inst.pos);
    const candidates = pos ? wn.senses(inst.lemma, pos) : [];
    if (candidates.length === 0) return;
    rows.push({
      pos: pos ?? 'other',
      x: features(corpus, i, candidates, heldOut ? foldOf(inst.id) : -1, wordnetPrior),
      candidates: candidates.length,
      gold: candidates.map((c) => inst.keys.includes(c.key)),
      firstSense: inst.keys.includes(candidates[0].key),
    });
  });
  return rows;
}

function evaluate(rows: Row[], w: ArrayLike<number>, total: number): Record<string, number> {
  const tally: Record<string, [number, number]> = {};
  for (const row of rows) {
    let best = 0;
    let bestScore = Number.NEGATIVE_INFINITY;
    for (let k = 0; k < row.candidates; k++) {
      let s = 0;
      for (let j = 0; j < F; j++) s += w[j] * row.x[k * F + j];
      if (s > bestScore) [best, bestScore] = [k, s];
    }
    for (const p of [row.pos, 'all']) {
      tally[p] ??= [0, 0];
      tally[p][1]++;
      if (row.gold[best]) tally[p][0]++;
    }
  }
  const out: Record<string, number> = {};
  for (const [p, [c, n]] of Object.entries(tally)) out[p] = (100 * c) / (p === 'all' ? total : n);
  return out;
}

/** Conditional logit over each row's candidates: maximises log P(gold) with Adam, L2 1e-4. */
function learn(
  rows: Row[],
  use: boolean[],
  iterations = Number(process.env.WSD_LEARN_ITERATIONS ?? 300),
): Float64Array {
  const w = new Float64Array(F);
  const m = new Float64Array(F);
  const v = new Float64Array(F);
  const rate = Number(process.env.WSD_LEARN_RATE ?? 0.05);
  const usable = rows.filter((r) => r.candidates > 1 && r.gold.some(Boolean));
  for (let it = 1; it <= iterations; it++) {
    const grad = new Float64Array(F);
    let loss = 0;
    for (const row of usable) {
      const scores = new Float64Array(row.candidates);
      let max = Number.NEGATIVE_INFINITY;
      for (let k = 0; k < row.candidates; k++) {
        let s = 0;
        for (let j = 0; j < F; j++) if (use[j]) s += w[j] * row.x[k * F + j];
        scores[k] = s;
        if (s > max) max = s;
      }
      let z = 0;
      let zGold = 0;
      for (let k = 0; k < row.candidates; k++) {
        scores[k] = Math.exp(scores[k] - max);
        z += scores[k];
        if (row.gold[k]) zGold += scores[k];
      }
      loss -= Math.log(zGold / z);
      for (let k = 0; k < row.candidates; k++) {
        const coef = scores[k] / z - (row.gold[k] ? scores[k] / zGold : 0);
        for (let j = 0; j < F; j++) if (use[j]) grad[j] += coef * row.x[k * F + j];
      }
    }
    for (let j = 0; j < F; j++) {
      if (!use[j]) continue;
      const g = grad[j] / usable.length + 1e-4 * w[j];
      m[j] = 0.9 * m[j] + 0.1 * g;
      v[j] = 0.999 * v[j] + 0.001 * g * g;
      w[j] -= (rate * (m[j] / (1 - 0.9 ** it))) / (Math.sqrt(v[j] / (1 - 0.999 ** it)) + 1e-8);
    }
    if (it % 500 === 0)
      process.stderr.write(`  iteration ${it}: loss ${(loss / usable.length).toFixed(4)}\n`);
  }
  return w;
}

const testTotal = test.instances.length;
const testRows = rowsOf(test, () => true, false, true);
const testRowsSemcorPrior = rowsOf(test, () => true, false, false);
const trainRows = rowsOf(train, (i) => i % every === 0, true, false);
process.stderr.write(`${trainRows.length} training rows\n`);

const weights = (entries: Partial<Record<(typeof FEATURES)[number], number>>) =>
  FEATURES.map((f) => entries[f] ?? 0);
const table: [string, Record<string, number>][] = [];
const show = (name: string, rows: Row[], w: ArrayLike<number>) =>
  table.push([name, evaluate(rows, w, testTotal)]);
const first = weights({ 'log prior': 1 });
show('WordNet first sense (prior alone)', testRows, first);
const base = { token: 1, 'has vector': 100, gloss: 0.25, prior: 0.1 };
show('default: token + gloss 0.25 + prior 0.1', testRows, weights(base));
show('default with SemCor-count prior', testRowsSemcorPrior, weights(base));
for (const s of [0.1, 0.25, 0.5])
  show(`default + sentence ${s}`, testRows, weights({ ...base, sentence: s }));
for (const s of [0.1, 0.25, 0.5]) show(`default + window ${s}`, testRows, weights({ ...base, window: s }));
for (const s of [0.1, 0.25, 0.5])
  show(`default + sentence-gloss ${s}`, testRows, weights({ ...base, 'sentence-gloss': s }));
for (const s of [0.1, 0.25, 0.5])
  show(`default + window-gloss ${s}`, testRows, weights({ ...base, 'window-gloss': s }));
show(
  'SemCor-count prior, default + window-gloss 0.1',
  testRowsSemcorPrior,
  weights({ ...base, 'window-gloss': 0.1 }),
);

const sets: [string, (typeof FEATURES)[number][]][] = [
  ['token, has, gloss, prior', ['token', 'has vector', 'gloss', 'prior']],
  ['token, has, gloss, log prior', ['token', 'has vector', 'gloss', 'log prior']],
  ['+ sentence, window', ['token', 'has vector', 'gloss', 'prior', 'sentence', 'window']],
  [
    '+ sentence-gloss, window-gloss',
    ['token', 'has vector', 'gloss', 'prior', 'sentence-gloss', 'window-gloss'],
  ],
  ['all', [...FEATURES]],
];
for (const [name, features] of sets) {
  process.stderr.write(`learning: ${name}\n`);
  const use = FEATURES.map((f) => features.includes(f));
  const w = learn(trainRows, use);
  const described = FEATURES.filter((_, j) => use[j]).map((f) => `${f} ${w[FEATURES.indexOf(f)].toFixed(2)}`);
  show(`learned on SemCor: ${name} (${described.join(', ')})`, testRows, w);
  show('  same weights, SemCor-count prior', testRowsSemcorPrior, w);
  const onTrain = evaluate(trainRows, w, trainRows.length).all;
  process.stderr.write(`  SemCor sample (held-out folds): ${onTrain.toFixed(1)}\n`);
}

process.stdout.write(
  `token layers ${tokenLayers.join(',')}, sentence layers ${sentenceLayers.join(',')}; test ${testDir}\n`,
);
process.stdout.write('| variant | all | n | v | a | r |\n|---|---|---|---|---|---|\n');
for (const [name, r] of table)
  process.stdout.write(
    `| ${name} | ${['all', 'n', 'v', 'a', 'r'].map((p) => r[p]?.toFixed(1) ?? '-').join(' | ')} |\n`,
  );
