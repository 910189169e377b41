/**
 * Ablations of the static student (issue #14) outside the CLI's recipe: dictionary word pairs,
 * word-by-word pseudo-translations, English monolingual sentences, CoSENT/MNRL on STSb-mt train,
 * table width, n-gram range; prints Russian/English STSb dev Spearman and cross-lingual top-1
 * after every epoch. Dictionaries are read from Debian's mueller7-dict and dict-freedict-eng-rus.
 *   node dist/bench/research/encoder/lab.js [--epochs 10] [--dim 384] [--no-dict] ...
 */
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { englishRussianPairs, readDictd } from '../../../src/corpus/dictd.js';
import { createEmbedder } from '../../../src/embed/registry.js';
import { buildFeatureVocabulary, type FeatureVocabulary } from '../../../src/embed/student/features.js';
import { encodeFeaturized, StudentParameters, weightedTable } from '../../../src/embed/student/model.js';
import { teacherVectors } from '../../../src/embed/student/teacher.js';
import { type TrainingTask, trainStudent } from '../../../src/embed/student/train.js';
import { spearman } from '../../../src/eval/correlation.js';
import { readStsPairs } from '../../../src/eval/sts.js';

const DATA = process.env.SMYSL_DATA ?? '../shared/data';
const arg = (name: string, def: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : def;
};
const flag = (name: string) => process.argv.includes(`--${name}`);

const enTrain = await readStsPairs(`${DATA}/stsb_multi_mt_ru/stsb-en-train.csv`, 'csv');
const ruTrain = await readStsPairs(`${DATA}/stsb_multi_mt_ru/stsb-ru-train.csv`, 'csv');
const enDev = await readStsPairs(`${DATA}/stsb_multi_mt_ru/stsb-en-dev.csv`, 'csv');
const ruDev = await readStsPairs(`${DATA}/stsb_multi_mt_ru/stsb-ru-dev.csv`, 'csv');

const teacher = await createEmbedder('minilm', { threads: 2 });
const log = (s: string) => console.log(`[${(process.uptime()).toFixed(0)}s] ${s}`);

// parallel sentences (en, ru) from train
const parEn: string[] = [];
const parRu: string[] = [];
const seen = new Set<string>();
for (let i = 0; i < enTrain.length; i++)
  for (const [e, r] of [
    [enTrain[i].a, ruTrain[i].a],
    [enTrain[i].b, ruTrain[i].b],
  ]) {
    if (seen.has(e)) continue;
    seen.add(e);
    parEn.push(e);
    parRu.push(r);
  }
log(`parallel train sentences ${parEn.length}`);
const tEn = await teacherVectors(teacher, parEn, { onProgress: () => {} });
log(`teacher train done (computed ${tEn.computed})`);

// dictionary
const useDict = !flag('no-dict');
const dictEn: string[] = [];
const dictRu: string[] = [];
const enToRu = new Map<string, { t: string; rank: number }[]>();
if (useDict || Number(arg('pseudo', '0')) > 0) {
  for (const f of ['/usr/share/dictd/mueller7.dict.dz', '/usr/share/dictd/freedict-eng-rus.dict.dz']) {
    const entries = await readDictd(f);
    for (const e of entries)
      for (const p of englishRussianPairs(e)) {
        if (p.kind === 'headword' && p.rank <= 2 && p.target.split(' ').length <= 2) {
          const k = p.source.toLowerCase();
          if (!enToRu.has(k)) enToRu.set(k, []);
          enToRu.get(k)!.push({ t: p.target, rank: p.rank });
        }
        if (!useDict) continue;
        if (p.kind === 'phrase' && !flag('phrases')) continue;
        if (p.rank > Number(arg('max-rank', '3'))) continue;
        dictEn.push(p.source);
        dictRu.push(p.target);
      }
  }
  log(`dictionary pairs ${dictEn.length}`);
}
const dictHeads = [...new Set(dictEn)];
const tDict = useDict ? await teacherVectors(teacher, dictHeads) : { dim: 384, data: new Float32Array(0) };
const headIndex = new Map(dictHeads.map((h, i) => [h, i]));
const dictTargets = new Float32Array(dictRu.length * 384);
dictRu.forEach((_, i) => {
  const h = headIndex.get(dictEn[i])!;
  dictTargets.set(tDict.data.subarray(h * 384, h * 384 + 384), i * 384);
});
log('teacher dict done');

// pseudo-Russian: English corpus sentences translated word by word with the dictionary
const pseudoN = Number(arg('pseudo', '0'));
let pseudoEn: string[] = [];
let pseudoRu: string[] = [];
let tPseudo = { data: new Float32Array(0) };
if (pseudoN > 0) {
  const { Lexicon, parseExceptions, pseudoTranslate } = await import('../../../src/embed/student/pseudo.js');
  const { seededRandom } = await import('../../../src/vectors/random.js');
  const allPairs = [];
  for (const f of ['/usr/share/dictd/mueller7.dict.dz', '/usr/share/dictd/freedict-eng-rus.dict.dz'])
    for (const e of await readDictd(f)) allPairs.push(...englishRussianPairs(e));
  const exc = parseExceptions(
    ['noun', 'verb', 'adj', 'adv'].map((k) => readFileSync(`${DATA}/wordnet30/dict/${k}.exc`, 'utf8')),
  );
  const lexicon = new Lexicon(allPairs, flag('no-exc') ? new Map() : exc, {
    maxRank: Number(arg('lex-rank', '2')),
  });
  const brown = readFileSync(`${DATA}/brown_corpus/brown_sentences.txt`, 'utf8')
    .split('\n')
    .filter((l) => l.split(' ').length >= 5 && l.split(' ').length <= 30)
    .map((l) => l.replace(/ ([.,;:!?'])/g, '$1').replace(/`` | ''/g, '"'));
  const news = readFileSync(`${DATA}/ag_news_test/test.csv`, 'utf8')
    .split('\n')
    .slice(1)
    .map((l) => l.replace(/^\d,/, '').replace(/"/g, '').replace(/\\/g, ' '))
    .filter((l) => l.length > 20)
    .flatMap((l) => l.split(/(?<=[.!?])\s+/))
    .filter((l) => l.split(' ').length >= 5 && l.split(' ').length <= 30);
  const pool = [...news, ...brown];
  const step = pool.length / pseudoN;
  const chosen: string[] = [];
  for (let k = 0; k < pseudoN; k++) chosen.push(pool[Math.floor(k * step)]);
  const tChosen = await teacherVectors(teacher, chosen);
  const random = seededRandom(9);
  const keep: number[] = [];
  chosen.forEach((en, k) => {
    const ru = pseudoTranslate(en, lexicon, random, { firstSense: Number(arg('first-sense', '0.7')) });
    if (ru === undefined) return;
    keep.push(k);
    pseudoEn.push(en);
    pseudoRu.push(ru);
  });
  const data = new Float32Array(keep.length * 384);
  keep.forEach((k, i) => data.set(tChosen.data.subarray(k * 384, k * 384 + 384), i * 384));
  tPseudo = { data };
  log(
    `lexicon ${lexicon.size}; pseudo pairs ${pseudoEn.length}/${chosen.length}; e.g. ${pseudoEn[3]} => ${pseudoRu[3]} || ${pseudoEn[500]} => ${pseudoRu[500]}`,
  );
}
pseudoEn = pseudoEn.slice();
pseudoRu = pseudoRu.slice();
log('teacher pseudo done');

// English monolingual sentences
const monoN = Number(arg('mono', '0'));
let mono: string[] = [];
if (monoN > 0) {
  mono = readFileSync(`${DATA}/brown_corpus/brown_sentences.txt`, 'utf8')
    .split('\n')
    .filter((l) => l.split(' ').length >= 4 && l.split(' ').length <= 40)
    .slice(0, monoN);
}
const tMono = monoN > 0 ? await teacherVectors(teacher, mono) : { data: new Float32Array(0) };
log('teacher mono done');

const vocabTexts = [...parRu, ...parEn, ...dictRu, ...dictHeads, ...mono, ...pseudoRu];
const vocab: FeatureVocabulary = buildFeatureVocabulary(vocabTexts, {
  minWordCount: Number(arg('min-word', '1')),
  minStemCount: 1,
  minGramCount: Number(arg('min-gram', '3')),
  settings: {
    minn: Number(arg('minn', '3')),
    maxn: Number(arg('maxn', '5')),
    stems: !flag('no-stems'),
    identity: Number(arg('identity', '0')),
  },
});
log(`vocabulary ${vocab.size} rows`);

const dim = Number(arg('dim', '384'));
const params = StudentParameters.random(
  { rows: vocab.size, dim, outDim: 384, projection: dim !== 384 },
  1,
  Number(arg('init-scale', '0.1')),
);

const devA = vocab.featurize(ruDev.map((p) => p.a));
const devB = vocab.featurize(ruDev.map((p) => p.b));
const enA = vocab.featurize(enDev.map((p) => p.a));
const enB = vocab.featurize(enDev.map((p) => p.b));
const gold = ruDev.map((p) => p.score);
const tDevEn = await teacherVectors(
  teacher,
  enDev.map((p) => p.a),
);
const score = (p: StudentParameters) => {
  const w = weightedTable(p);
  const enc = (f: typeof devA) => encodeFeaturized(w, dim, f, p.projection, 384);
  const sts = (x: Float32Array, y: Float32Array) => {
    const cos = gold.map((_, i) => {
      let s = 0;
      for (let k = 0; k < 384; k++) s += x[i * 384 + k] * y[i * 384 + k];
      return s;
    });
    return 100 * spearman(cos, gold);
  };
  const ra = enc(devA);
  const ruS = sts(ra, enc(devB));
  const enS = sts(enc(enA), enc(enB));
  // cross-lingual: teacher(en s1) vs student(ru s1), 1500 candidates
  let hit1 = 0;
  let hit2 = 0;
  const n = gold.length;
  const sim = new Float32Array(n * n);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let k = 0; k < 384; k++) s += tDevEn.data[i * 384 + k] * ra[j * 384 + k];
      sim[i * n + j] = s;
    }
  for (let i = 0; i < n; i++) {
    let best = 0;
    let bestC = 0;
    for (let j = 1; j < n; j++) {
      if (sim[i * n + j] > sim[i * n + best]) best = j;
      if (sim[j * n + i] > sim[bestC * n + i]) bestC = j;
    }
    // duplicates among s1 count as hits when the texts are equal
    if (best === i || ruDev[best].a === ruDev[i].a) hit1++;
    if (bestC === i || enDev[bestC].a === enDev[i].a) hit2++;
  }
  log(
    `ru ${ruS.toFixed(2)} en ${enS.toFixed(2)} en→ru ${((100 * hit1) / n).toFixed(1)} ru→en ${((100 * hit2) / n).toFixed(1)}`,
  );
  return ruS;
};

const tasks: TrainingTask[] = [
  { kind: 'distill', name: 'ru', texts: parRu, targets: tEn.data },
  { kind: 'distill', name: 'en', texts: parEn, targets: tEn.data },
];
if (useDict)
  tasks.push({
    kind: 'distill',
    name: 'dict',
    texts: dictRu,
    targets: dictTargets,
    repeat: Number(arg('dict-repeat', '1')),
  });
if (pseudoN > 0) {
  tasks.push({
    kind: 'distill',
    name: 'pseudo',
    texts: pseudoRu,
    targets: tPseudo.data,
    repeat: Number(arg('pseudo-repeat', '1')),
  });
  if (flag('pseudo-en'))
    tasks.push({
      kind: 'distill',
      name: 'pseudo-en',
      texts: pseudoEn,
      targets: tPseudo.data,
      repeat: Number(arg('pseudo-repeat', '1')),
    });
}
if (monoN > 0) tasks.push({ kind: 'distill', name: 'mono', texts: mono, targets: tMono.data });
if (flag('cosent'))
  tasks.push({
    kind: 'cosent',
    name: 'cosent',
    a: ruTrain.map((p) => p.a),
    b: ruTrain.map((p) => p.b),
    scores: ruTrain.map((p) => p.score),
    weight: Number(arg('cosent-weight', '1')),
  });
if (flag('mnrl'))
  tasks.push({
    kind: 'mnrl',
    name: 'mnrl',
    anchors: parRu,
    positives: parEn,
    weight: Number(arg('mnrl-weight', '1')),
  });

const started = Date.now();
const history = await trainStudent(params, vocab, tasks, {
  epochs: Number(arg('epochs', '10')),
  batchSize: Number(arg('batch', '64')),
  learningRate: Number(arg('lr', '0.01')),
  logitLearningRate: Number(arg('logit-lr', arg('lr', '0.01'))),
  seed: 1,
  onEpoch: (e, p) => {
    log(`epoch ${e}`);
    return score(p);
  },
});
console.log(JSON.stringify(history.map((h) => [h.epoch, h.losses, h.seconds.toFixed(1)])));
log(
  `train ${((Date.now() - started) / 1000).toFixed(0)} s, load ${os
    .loadavg()
    .map((x) => x.toFixed(2))
    .join(' ')}`,
);
const saveDir = arg('save', '');
if (saveDir) {
  const { StudentEmbedder } = await import('../../../src/embed/student/embedder.js');
  await StudentEmbedder.fromParameters(params, vocab, { name: 'lab', teacher: teacher.name }, 'f16').save(
    saveDir,
  );
  log(`saved ${saveDir}`);
}
