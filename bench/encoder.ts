/**
 * The bilingual encoder's acceptance tables (issue #14), one run, one machine:
 * 1. STSb dev Spearman x100: Russian (stsb_multi_mt_ru dev) and English (STSb dev), for MiniLM,
 *    the student alone and the bilingual path (English → MiniLM, Russian → student);
 * 2. cross-lingual retrieval among the STSb-mt dev sentences: the English sentence (MiniLM)
 *    finds its Russian translation (student) first, and back;
 * 3. Russian paraphrase retrieval: dev pairs scored >= 4, s1 finds its s2 among all s2;
 * 3b. a mixed-language pool (hubness): paragraphs of STSb-mt dev sentences, half English through
 *    MiniLM, half Russian through the student; how often a query's top-1 is a paragraph in the
 *    other language, against the same pool all in the query's language;
 * 4. examples/corpus: Russian and cross-language queries, top-1 with dense, BM25 and hybrid;
 * 5. encode throughput: the student vs MiniLM int8 (and fp32), same texts;
 * 6. the student's training run: time and peak memory, as its manifest recorded them;
 * 7. Russian word similarity (`words`): RUSSE 2015 hj and RuSimLex-965, Spearman x100 of the
 *    cosine of single words — does the student know the Russian words a person uses.
 *
 *   node dist/bench/encoder.js [--student minilm-ru|<dir>] [--data ../shared/data] [--only sts,cross,para,hub,corpus,speed,train,words]
 */
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createEmbedder } from '../src/embed/registry.js';
import type { DenseEmbedder } from '../src/embed/types.js';
import { spearman } from '../src/eval/correlation.js';
import { readStsPairs } from '../src/eval/sts.js';
import type { DenseMatrix } from '../src/vectors/types.js';

const arg = (name: string, def: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : def;
};
const DATA = path.resolve(arg('data', process.env.SMYSL_DATA ?? '../shared/data'));
const STUDENT = arg('student', 'minilm-ru');
const ONLY = new Set(arg('only', 'sts,cross,para,hub,corpus,speed,train,words').split(','));
const load = () =>
  os
    .loadavg()
    .map((x) => x.toFixed(2))
    .join(' ');

function rowCos(a: DenseMatrix, i: number, b: DenseMatrix, j: number): number {
  let s = 0;
  for (let k = 0; k < a.dim; k++) s += a.data[i * a.dim + k] * b.data[j * b.dim + k];
  return s;
}

function stsScore(m: DenseMatrix, gold: number[]): number {
  const n = gold.length;
  return (
    100 *
    spearman(
      gold.map((_, i) => rowCos(m, i, m, n + i)),
      gold,
    )
  );
}

/** Share of rows of `q` whose most similar row of `d` is its own index (or a row with the same text). */
function top1(q: DenseMatrix, d: DenseMatrix, same: (i: number, j: number) => boolean): number {
  let hits = 0;
  for (let i = 0; i < q.rows; i++) {
    let best = -1;
    let bestScore = Number.NEGATIVE_INFINITY;
    for (let j = 0; j < d.rows; j++) {
      const s = rowCos(q, i, d, j);
      if (s > bestScore) {
        bestScore = s;
        best = j;
      }
    }
    if (best === i || same(i, best)) hits++;
  }
  return (100 * hits) / q.rows;
}

interface PoolSide {
  queries: number;
  top1: number;
  otherLanguage: number;
  baseline: number;
}

/**
 * Hubness across the two encoders. The dev pairs' second sentences are grouped G at a time into
 * paragraphs; even paragraphs go in English (MiniLM), odd ones in Russian (student). Each first
 * sentence of a pair scored >= 4 is a query in its paragraph's language, and its paragraph is
 * the answer. If the two encoders' cosines were on one scale, a query's top-1 would land in the
 * other half about as often as it does when the whole pool is in the query's language (the
 * baseline column); more means the other encoder's vectors sit closer to every query.
 */
async function mixedPool(
  ruDev: { a: string; b: string; score: number }[],
  enMt: { a: string; b: string }[],
  ruStudent: DenseMatrix,
  enMinilm: DenseMatrix,
  g: number,
  student: DenseEmbedder,
  minilm: DenseEmbedder,
): Promise<Record<'English' | 'Russian', PoolSide>> {
  const n = ruDev.length;
  const groups = Math.floor(n / g);
  const join = (texts: string[]) => texts.join(' ');
  const ruPara: string[] = [];
  const enPara: string[] = [];
  for (let k = 0; k < groups; k++) {
    ruPara.push(join(ruDev.slice(k * g, (k + 1) * g).map((p) => p.b)));
    enPara.push(join(enMt.slice(k * g, (k + 1) * g).map((p) => p.b)));
  }
  const ruP = await student.embed(ruPara);
  const enP = await minilm.embed(enPara);
  const out = {} as Record<'English' | 'Russian', PoolSide>;
  for (const side of ['English', 'Russian'] as const) {
    const english = side === 'English';
    const q = english ? enMinilm : ruStudent;
    const own = english ? enP : ruP;
    const other = english ? ruP : enP;
    let queries = 0;
    let hits = 0;
    let otherTop = 0;
    let baseTop = 0;
    for (let k = 0; k < groups; k++) {
      if ((k % 2 === 0) !== english) continue;
      for (let i = k * g; i < (k + 1) * g; i++) {
        if (ruDev[i].score < 4) continue;
        queries++;
        let best = -1;
        let bestScore = Number.NEGATIVE_INFINITY;
        let base = -1;
        let baseScore = Number.NEGATIVE_INFINITY;
        for (let h = 0; h < groups; h++) {
          const ownHalf = h % 2 === k % 2;
          const s = rowCos(q, i, ownHalf ? own : other, h);
          if (s > bestScore) {
            bestScore = s;
            best = h;
          }
          const b = rowCos(q, i, own, h);
          if (b > baseScore) {
            baseScore = b;
            base = h;
          }
        }
        if (best === k) hits++;
        if (best % 2 !== k % 2) otherTop++;
        if (base % 2 !== k % 2) baseTop++;
      }
    }
    out[side] = {
      queries,
      top1: (100 * hits) / queries,
      otherLanguage: (100 * otherTop) / queries,
      baseline: (100 * baseTop) / queries,
    };
  }
  return out;
}

async function main() {
  const mt = path.join(DATA, 'stsb_multi_mt_ru');
  if (!existsSync(mt)) {
    console.log(`skipped: ${mt} not found (pass --data)`);
    return;
  }
  console.log(
    `# bilingual encoder, student ${STUDENT}; ${new Date().toISOString().slice(0, 10)}, ${os.cpus().length} x ${os.cpus()[0]?.model}`,
  );
  const minilm = (await createEmbedder('minilm', { threads: 2 })) as DenseEmbedder;
  const student = (await createEmbedder('student', { model: STUDENT })) as DenseEmbedder;
  const ruDev = await readStsPairs(path.join(mt, 'stsb-ru-dev.csv'), 'csv');
  const enDev = await readStsPairs(path.join(DATA, 'stsbenchmark', 'sts-dev.csv'), 'stsb');
  const enMt = await readStsPairs(path.join(mt, 'stsb-en-dev.csv'), 'csv');
  const both = (p: { a: string; b: string }[]) => [...p.map((x) => x.a), ...p.map((x) => x.b)];
  let ruStudent: DenseMatrix | undefined;
  let enMinilmMt: DenseMatrix | undefined;
  if (ONLY.has('sts') || ONLY.has('cross') || ONLY.has('para') || ONLY.has('hub')) {
    ruStudent = await student.embed(both(ruDev));
  }
  if (ONLY.has('sts')) {
    const gold = ruDev.map((p) => p.score);
    const goldEn = enDev.map((p) => p.score);
    const ruMinilm = await minilm.embed(both(ruDev));
    const enMinilm = await minilm.embed(both(enDev));
    const enStudent = await student.embed(both(enDev));
    console.log(`\n## STSb dev, Spearman x100 (load ${load()})`);
    console.log('| encoder | Russian (stsb_multi_mt ru dev) | English (STSb dev) |');
    console.log('|---|---|---|');
    console.log(
      `| MiniLM (fp32) | ${stsScore(ruMinilm, gold).toFixed(2)} | ${stsScore(enMinilm, goldEn).toFixed(2)} |`,
    );
    console.log(
      `| student alone (${student.name}) | ${stsScore(ruStudent!, gold).toFixed(2)} | ${stsScore(enStudent, goldEn).toFixed(2)} |`,
    );
    // the bilingual path routes each sentence by its language
    const routed = (await createEmbedder('routed', {
      russianSettings: { model: STUDENT },
      englishSettings: { threads: 2 },
    })) as DenseEmbedder;
    const ruRouted = await routed.embed(both(ruDev));
    const enRouted = await routed.embed(both(enDev));
    console.log(
      `| bilingual (routed: English → MiniLM, Russian → student) | ${stsScore(ruRouted, gold).toFixed(2)} | ${stsScore(enRouted, goldEn).toFixed(2)} |`,
    );
  }
  if (ONLY.has('words')) {
    const { readFileSync } = await import('node:fs');
    // CSV with a header; the word columns and the score column differ per file
    const read = (file: string, a: number, b: number, score: number) =>
      readFileSync(path.join(DATA, file), 'utf8')
        .trim()
        .split('\n')
        .slice(1)
        .map((l) => l.split(','))
        .map((f) => ({ a: f[a], b: f[b], score: Number(f[score]) }));
    const sets = [
      { name: 'RUSSE 2015 hj', pairs: read('russe2015/hj.csv', 0, 1, 2) },
      { name: 'RuSimLex-965', pairs: read('simlex965_ru/simlex965.csv', 1, 2, 3) },
    ];
    console.log(`\n## Russian word similarity, Spearman x100 of single-word cosines (load ${load()})`);
    console.log(`| encoder | ${sets.map((x) => `${x.name} (${x.pairs.length} pairs)`).join(' | ')} |`);
    console.log(`|---|${sets.map(() => '---:|').join('')}`);
    for (const [name, e] of [
      ['MiniLM (fp32)', minilm],
      [`student alone (${student.name})`, student],
    ] as const) {
      const scores: string[] = [];
      for (const set of sets) {
        const m = await e.embed(set.pairs.flatMap((p) => [p.a, p.b]));
        const cos = set.pairs.map((_, i) => rowCos(m, 2 * i, m, 2 * i + 1));
        scores.push(
          (
            100 *
            spearman(
              cos,
              set.pairs.map((p) => p.score),
            )
          ).toFixed(2),
        );
      }
      console.log(`| ${name} | ${scores.join(' | ')} |`);
    }
  }
  if (ONLY.has('cross')) {
    enMinilmMt = await minilm.embed(both(enMt));
    const n = ruDev.length;
    const s1 = (m: DenseMatrix) => ({ rows: n, dim: m.dim, data: m.data.subarray(0, n * m.dim) });
    const ru1 = s1(ruStudent!);
    const en1 = s1(enMinilmMt);
    const sameRu = (i: number, j: number) => ruDev[i].a === ruDev[j].a;
    const sameEn = (i: number, j: number) => enMt[i].a === enMt[j].a;
    // all distinct sentences (s1 and s2 of every pair), deduplicated by the English text
    const seen = new Map<string, number>();
    const rows: number[] = [];
    both(enMt).forEach((t, i) => {
      if (!seen.has(t)) {
        seen.set(t, i);
        rows.push(i);
      }
    });
    const pick = (m: DenseMatrix) => {
      const data = new Float32Array(rows.length * m.dim);
      rows.forEach((r, k) => {
        data.set(m.data.subarray(r * m.dim, (r + 1) * m.dim), k * m.dim);
      });
      return { rows: rows.length, dim: m.dim, data };
    };
    const ruAll = pick(ruStudent!);
    const enAll = pick(enMinilmMt);
    const ruText = both(ruDev);
    const sameRuAll = (i: number, j: number) => ruText[rows[i]] === ruText[rows[j]];
    const enText = both(enMt);
    const sameEnAll = (i: number, j: number) => enText[rows[i]] === enText[rows[j]];
    console.log(`\n## Cross-lingual retrieval, STSb-mt dev: top-1 accuracy % (load ${load()})`);
    console.log(
      '| candidates | English (MiniLM) → Russian (student) | Russian (student) → English (MiniLM) |',
    );
    console.log('|---|---|---|');
    console.log(
      `| ${n} pairs (first sentences) | ${top1(en1, ru1, sameRu).toFixed(1)} | ${top1(ru1, en1, sameEn).toFixed(1)} |`,
    );
    console.log(
      `| ${rows.length} distinct sentences (both columns) | ${top1(enAll, ruAll, sameRuAll).toFixed(1)} | ${top1(ruAll, enAll, sameEnAll).toFixed(1)} |`,
    );
  }
  if (ONLY.has('para')) {
    const n = ruDev.length;
    const keep = ruDev.map((p, i) => [p, i] as const).filter(([p]) => p.score >= 4);
    const sub = (m: DenseMatrix, offset: number, idx: number[]) => {
      const data = new Float32Array(idx.length * m.dim);
      idx.forEach((r, k) => {
        data.set(m.data.subarray((offset + r) * m.dim, (offset + r + 1) * m.dim), k * m.dim);
      });
      return { rows: idx.length, dim: m.dim, data };
    };
    const queries = keep.map(([, i]) => i);
    const allB = ruDev.map((_, i) => i);
    // query i's answer is its own s2, at position queries[i] among all s2
    const score = (m: DenseMatrix) => {
      const q = sub(m, 0, queries);
      const d = sub(m, n, allB);
      let hits = 0;
      for (let i = 0; i < q.rows; i++) {
        let best = -1;
        let bestScore = Number.NEGATIVE_INFINITY;
        for (let j = 0; j < d.rows; j++) {
          const s = rowCos(q, i, d, j);
          if (s > bestScore) {
            bestScore = s;
            best = j;
          }
        }
        if (ruDev[best].b === ruDev[queries[i]].b) hits++;
      }
      return (100 * hits) / q.rows;
    };
    const ruMinilm = await minilm.embed(both(ruDev));
    console.log(
      `\n## Russian paraphrase retrieval, STSb-mt dev pairs scored >= 4 (${queries.length} queries, ${n} candidates): top-1 % (load ${load()})`,
    );
    console.log('| encoder | top-1 % |');
    console.log('|---|---|');
    console.log(`| MiniLM | ${score(ruMinilm).toFixed(1)} |`);
    console.log(`| student | ${score(ruStudent!).toFixed(1)} |`);
  }
  if (ONLY.has('hub')) {
    enMinilmMt ??= await minilm.embed(both(enMt));
    console.log(
      `\n## Mixed-language pool, STSb-mt dev: paragraphs of G consecutive second sentences, even ones in English (MiniLM), odd ones in Russian (student); queries: first sentences of pairs scored >= 4, in their paragraph's language (load ${load()})`,
    );
    console.log(
      "| G | queries | top-1 % | top-1 in the other language % | same pool, all in the query's language: other half % |",
    );
    console.log('|---|---|---|---|---|');
    for (const g of [1, 8]) {
      const r = await mixedPool(ruDev, enMt, ruStudent!, enMinilmMt, g, student, minilm);
      for (const side of ['English', 'Russian'] as const)
        console.log(
          `| ${g} | ${r[side].queries} ${side} | ${r[side].top1.toFixed(1)} | ${r[side].otherLanguage.toFixed(1)} | ${r[side].baseline.toFixed(1)} |`,
        );
    }
  }
  if (ONLY.has('corpus')) {
    const { corpusHits } = await import('./encoder-corpus.js');
    const { readFileSync } = await import('node:fs');
    const fixture = JSON.parse(readFileSync('test/fixtures/encoder/corpus-queries.json', 'utf8')) as {
      queries: { lang: string; query: string; expected: string }[];
    };
    console.log(`\n## examples/corpus: expected document first (top-1 hits) (load ${load()})`);
    console.log('| embedder | queries | dense | BM25 | hybrid |');
    console.log('|---|---|---|---|---|');
    for (const [label, name, settings] of [
      ['MiniLM', 'minilm', {}],
      ['bilingual', 'routed', { russianSettings: { model: STUDENT } }],
    ] as const) {
      const hits = await corpusHits(name, settings, fixture.queries);
      for (const lang of ['ru', 'en-ru', 'ru-en']) {
        const total = fixture.queries.filter((q) => q.lang === lang).length;
        const h = hits[lang];
        console.log(`| ${label} | ${lang} (${total}) | ${h.dense} | ${h.sparse} | ${h.hybrid} |`);
      }
    }
  }
  if (ONLY.has('train')) {
    // what the model's own training run recorded (smysl train encoder writes it to the manifest)
    const { builtinModelsDir } = await import('../src/embed/student/embedder.js');
    const { readFileSync } = await import('node:fs');
    const dir = existsSync(path.join(STUDENT, 'manifest.json'))
      ? STUDENT
      : path.join(builtinModelsDir(), STUDENT);
    const m = JSON.parse(readFileSync(path.join(dir, 'manifest.json'), 'utf8'));
    const t = m.info?.training;
    console.log(`\n## Training run of ${m.name} (as recorded in its manifest)`);
    console.log(
      '| command | teacher texts | rows | best epoch / epochs | dev Spearman | seconds (teacher / training / total) | peak RSS MB |',
    );
    console.log('|---|---|---|---|---|---|---|');
    console.log(
      `| \`${m.info?.command}\` | ${t?.teacherTexts} | ${m.shape?.rows ?? t?.vocabulary} | ${t?.bestEpoch} / ${t?.epochs} | ${t?.devSpearman?.toFixed(2)} | ${t?.seconds?.teacher?.toFixed(0)} / ${t?.seconds?.training?.toFixed(0)} / ${t?.seconds?.total?.toFixed(0)} | ${t?.peakRssMB} |`,
    );
    const ind = m.info?.induced;
    if (ind)
      console.log(
        `\nInduced rows: ${ind.rows} from ${ind.tokens} words of ${ind.source} (map fitted on ${ind.examples} words; held-out cosine ${ind.heldOutCosine?.toFixed(3)}) in ${ind.seconds?.toFixed(0)} s`,
      );
  }
  if (ONLY.has('speed')) {
    const texts = both(ruDev).concat(both(enDev));
    const int8 = (await createEmbedder('minilm', { dtype: 'int8', threads: 2 })) as DenseEmbedder;
    // the median of `passes` passes after a short warm-up; the student's take ~1 s each and vary
    // with the machine more than MiniLM's long ones, so it gets five (the first fills its word cache)
    const time = async (e: DenseEmbedder, t: string[], passes = 1) => {
      await e.embed(t.slice(0, 64));
      const rates: number[] = [];
      for (let p = 0; p < passes; p++) {
        const t0 = performance.now();
        await e.embed(t);
        rates.push(t.length / ((performance.now() - t0) / 1000));
      }
      return rates.sort((a, b) => a - b)[Math.floor(passes / 2)];
    };
    const ruTexts = both(ruDev);
    const sStudent = await time(student, texts, 5);
    const sStudentRu = await time(student, ruTexts, 5);
    const sInt8 = await time(int8, texts);
    const sFp32 = await time(minilm, texts);
    console.log(
      `\n## Encode throughput, ${texts.length} STSb dev sentences (Russian + English), one process (load ${load()})`,
    );
    console.log('| encoder | sentences/s | x MiniLM int8 |');
    console.log('|---|---|---|');
    console.log(
      `| student (one thread, median of 5 passes) | ${sStudent.toFixed(0)} | ${(sStudent / sInt8).toFixed(1)} |`,
    );
    console.log(
      `| student, Russian half only | ${sStudentRu.toFixed(0)} | ${(sStudentRu / sInt8).toFixed(1)} |`,
    );
    console.log(`| MiniLM int8 (2 threads) | ${sInt8.toFixed(0)} | 1.0 |`);
    console.log(`| MiniLM fp32 (2 threads) | ${sFp32.toFixed(0)} | ${(sFp32 / sInt8).toFixed(2)} |`);
  }
}

await main();
