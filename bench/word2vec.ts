/**
 * Static word embeddings, side by side: smysl's word2vec and fastText against gensim 4's
 * Word2Vec (/usr/bin/python3) and Facebook's `fasttext` binary, on the same pre-tokenized
 * lower-cased corpus with identical settings (dim 100, window 5, negative 5, min count 5,
 * sample 1e-3, 5 epochs, 2 threads, skip-gram). Every run is a separate process measured with
 * /usr/bin/time (wall seconds including reading the corpus and writing vectors; peak RSS), and
 * every model is scored by the same evaluator (smysl's, gensim-exact).
 *
 * `smysl word2vec (per-pair negatives)` is ours with `--no-shared-negatives` (the C tool's
 * negatives: one set per (context, centre) pair; the default shares one set per
 * centre word), compared with the same gensim runs.
 *
 *   node dist/bench/word2vec.js [--lang en,ru] [--seeds 1,2] [--methods word2vec,word2vec-per-pair,fasttext]
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { formatTable } from '../src/cli/output.js';
import { KeyedVectors } from '../src/embed/static/keyed-vectors.js';
import { evaluateAnalogies, readAnalogies } from '../src/eval/analogies.js';
import { evaluateWordPairs, readWordPairs } from '../src/eval/word-pairs.js';
import { words } from '../src/text/index.js';

const root = new URL('../../', import.meta.url).pathname;
const data = path.resolve(root, '../shared/data');
const cli = path.join(root, 'dist/src/cli/main.js');

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
}
const langs = arg('lang', 'en,ru').split(',');
const seeds = arg('seeds', '1,2').split(',').map(Number);
const methods = arg('methods', 'word2vec,word2vec-per-pair,fasttext').split(',');
const epochs = 5;
const threads = 2;

const corpora: Record<string, { files: string[]; pairs: string[]; analogies?: string }> = {
  en: {
    files: ['brown_corpus/brown_sentences.txt', 'kjv_bible/kjv.txt', 'lee_corpus/lee_background.cor'],
    pairs: ['wordsim353/wordsim353.tsv', 'simlex999/simlex999.txt', 'men/men_lemma.tsv'],
    analogies: 'google_analogy/questions-words.txt',
  },
  ru: {
    files: [
      'ru_classics/tolstoy_anna_karenina.txt',
      'ru_classics/gogol_noch_pered_rozhdestvom.txt',
      'ru_fortunes_corpus/fortunes_ru.txt',
    ],
    pairs: ['russe2015/hj.csv', 'simlex965_ru/simlex965.csv'],
  },
};

const work = path.join(os.tmpdir(), 'smysl-bench-word2vec');
mkdirSync(work, { recursive: true });

/** One sentence (line) per line, tokens lower-cased and joined by single spaces. */
function buildCorpus(lang: string): { file: string; tokens: number } {
  const file = path.join(work, `${lang}.txt`);
  const out: string[] = [];
  let tokens = 0;
  for (const f of corpora[lang].files) {
    for (const line of readFileSync(path.join(data, f), 'utf8').split('\n')) {
      const t = words(line.toLowerCase());
      if (t.length === 0) continue;
      tokens += t.length;
      out.push(t.join(' '));
    }
  }
  writeFileSync(file, `${out.join('\n')}\n`);
  return { file, tokens };
}

const gensimScript = path.join(work, 'gensim_w2v.py');
writeFileSync(
  gensimScript,
  `import sys
from gensim.models import Word2Vec
from gensim.models.word2vec import LineSentence
corpus, out, seed = sys.argv[1], sys.argv[2], int(sys.argv[3])
m = Word2Vec(LineSentence(corpus), vector_size=100, window=5, negative=5, hs=0, sg=1, min_count=5,
             sample=1e-3, epochs=${epochs}, workers=${threads}, seed=seed)
m.wv.save_word2vec_format(out)
`,
);

interface Run {
  seconds: number;
  /** user + system CPU seconds: steadier than wall time on a shared machine. */
  cpuSeconds: number;
  peakMB: number;
}

function timed(cmd: string, args: string[]): Run {
  const r = spawnSync('/usr/bin/time', ['-f', '%e %M %U %S', cmd, ...args], {
    encoding: 'utf8',
    maxBuffer: 1 << 26,
  });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed:\n${r.stderr.slice(-2000)}`);
  const last = r.stderr.trim().split('\n').pop() ?? '';
  const [seconds, kb, user, system] = last.split(' ').map(Number);
  return { seconds, cpuSeconds: user + system, peakMB: kb / 1024 };
}

const common = ['--dim', '100', '--window', '5', '--negative', '5', '--min-count', '5', '--sample', '1e-3'];
function train(tool: string, corpus: string, out: string, seed: number): Run {
  const s = String(seed);
  switch (tool) {
    case 'smysl word2vec':
    case 'smysl word2vec (per-pair negatives)':
      return timed('node', [
        cli,
        'train',
        'word2vec',
        corpus,
        '--out',
        out,
        '--pretokenized',
        '--skipgram',
        ...(tool.includes('per-pair') ? ['--no-shared-negatives'] : []),
        ...common,
        '--epochs',
        String(epochs),
        '--threads',
        String(threads),
        '--seed',
        s,
        '--quiet',
      ]);
    case 'gensim Word2Vec':
      return timed('/usr/bin/python3', [gensimScript, corpus, out, s]);
    case 'smysl fastText':
      return timed('node', [
        cli,
        'train',
        'fasttext',
        corpus,
        '--out',
        out,
        '--pretokenized',
        '--skipgram',
        ...common,
        '--epochs',
        String(epochs),
        '--threads',
        String(threads),
        '--seed',
        s,
        '--minn',
        '3',
        '--maxn',
        '6',
        '--bucket',
        '2000000',
        '--quiet',
      ]);
    case 'fasttext binary': {
      const r = timed('fasttext', [
        'skipgram',
        '-input',
        corpus,
        '-output',
        out.replace(/\.vec$/, ''),
        '-dim',
        '100',
        '-ws',
        '5',
        '-neg',
        '5',
        '-minCount',
        '5',
        '-t',
        '1e-3',
        '-epoch',
        String(epochs),
        '-thread',
        String(threads),
        '-minn',
        '3',
        '-maxn',
        '6',
        '-bucket',
        '2000000',
        '-seed',
        s,
        '-verbose',
        '0',
      ]);
      rmSync(out.replace(/\.vec$/, '.bin'), { force: true });
      return r;
    }
    default:
      throw new Error(tool);
  }
}

async function evaluate(lang: string, file: string): Promise<Record<string, number>> {
  const kv = await KeyedVectors.load(file);
  const scores: Record<string, number> = {};
  for (const p of corpora[lang].pairs) {
    const set = await readWordPairs(path.join(data, p));
    const r = evaluateWordPairs(kv, set);
    scores[path.basename(p).replace(/\.[^.]+$/, '')] = r.spearman;
  }
  const analogies = corpora[lang].analogies;
  if (analogies)
    scores.analogy = evaluateAnalogies(kv, await readAnalogies(path.join(data, analogies))).accuracy;
  return scores;
}

/** Groups of tools run side by side: ours first, the reference last. */
const tools: string[][] = [];
const word2vecTools = [
  ...(methods.includes('word2vec') ? ['smysl word2vec'] : []),
  ...(methods.includes('word2vec-per-pair') ? ['smysl word2vec (per-pair negatives)'] : []),
];
if (word2vecTools.length > 0) tools.push([...word2vecTools, 'gensim Word2Vec']);
if (methods.includes('fasttext')) tools.push(['smysl fastText', 'fasttext binary']);

const date = new Date().toISOString().slice(0, 10);
console.log(
  `# static word embeddings: ${os.cpus().length}-core ${os.arch()}, Node ${process.versions.node}, ${date}, load average ${os
    .loadavg()
    .map((l) => l.toFixed(1))
    .join(' ')}`,
);
const summary: (string | number)[][] = [];
for (const lang of langs) {
  const { file: corpus, tokens } = buildCorpus(lang);
  console.log(
    `\n## ${lang}: ${tokens} tokens; skip-gram, dim 100, window 5, negative 5, min count 5, sample 1e-3, ${epochs} epochs, ${threads} threads`,
  );
  const rows: (string | number)[][] = [];
  let header: string[] = [];
  for (const pair of tools) {
    const rate: Record<string, number[]> = {};
    const cpu: Record<string, number[]> = {};
    const quality: Record<string, Record<string, number[]>> = {};
    // interleave tools so both see the same load
    for (const seed of seeds) {
      for (const tool of pair) {
        const out = path.join(work, `${lang}-${tool.replace(/\W+/g, '_')}-${seed}.vec`);
        const r = train(tool, corpus, out, seed);
        const q = await evaluate(lang, out);
        rmSync(out, { force: true });
        const wordsPerSecond = (tokens * epochs) / r.seconds;
        header = ['tool', 'seed', 'seconds', 'cpu s', 'words/s', 'peak MB', ...Object.keys(q)];
        rows.push([
          tool,
          seed,
          r.seconds,
          Number(r.cpuSeconds.toFixed(1)),
          Math.round(wordsPerSecond),
          Math.round(r.peakMB),
          ...Object.values(q).map((v) => Number(v.toFixed(4))),
        ]);
        console.log(formatTable(header, [rows[rows.length - 1]]).split('\n')[2]);
        (rate[tool] ??= []).push(wordsPerSecond);
        (cpu[tool] ??= []).push(r.cpuSeconds);
        quality[tool] ??= {};
        for (const [k, v] of Object.entries(q)) (quality[tool][k] ??= []).push(v);
      }
    }
    const mean = (a: number[]) => a.reduce((s, x) => s + x, 0) / a.length;
    const median = (a: number[]) => {
      const b = [...a].sort((x, y) => x - y);
      return b.length % 2 ? b[b.length >> 1] : (b[b.length / 2 - 1] + b[b.length / 2]) / 2;
    };
    const ref = pair[pair.length - 1];
    for (const ours of pair.slice(0, -1))
      summary.push([
        lang,
        `${ours} / ${ref}`,
        `median ${(median(rate[ours]) / median(rate[ref])).toFixed(2)}`,
        `mean ${(mean(rate[ours]) / mean(rate[ref])).toFixed(2)}`,
        `cpu median ${(median(cpu[ref]) / median(cpu[ours])).toFixed(2)}`,
        ...Object.keys(quality[ours]).map(
          (k) => `${mean(quality[ours][k]).toFixed(3)} vs ${mean(quality[ref][k]).toFixed(3)}`,
        ),
      ]);
  }
  console.log(`\n${formatTable(header, rows)}`);
}
console.log(
  '\n## ours vs reference (speed = ours/reference words/s by wall time, median and mean over seeds, then by CPU time; quality: mean over seeds)',
);
for (const row of summary) console.log(row.join(' | '));
if (existsSync(work)) execFileSync('rm', ['-rf', work]);
