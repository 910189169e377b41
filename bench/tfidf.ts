/**
 * TF-IDF throughput and memory: our TfidfVectorizer.fitTransform against scikit-learn's
 * TfidfVectorizer.fit_transform on the same texts (AG News test + Reuters R8 + Brown + SMS spam),
 * unigrams and ngram_range (1,2). Each side runs in its own child process so peak memory
 * (max RSS) is its own.
 *
 *   node dist/bench/tfidf.js [--repeat 2]
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'csv-parse/sync';
import { TfidfVectorizer } from '../src/embed/sparse/vectorizers.js';

const DATA = path.resolve(fileURLToPath(new URL('../../../shared/data/', import.meta.url)));
const TEXTS = path.join(os.tmpdir(), 'smysl-bench-tfidf-texts.json');
const PYTHON = '/usr/bin/python3';

function loadTexts(): string[] {
  const out: string[] = [];
  const ag = parse(readFileSync(path.join(DATA, 'ag_news_test/test.csv'), 'utf8'), {
    columns: true,
  }) as { title: string; description: string }[];
  for (const r of ag) out.push(`${r.title} ${r.description}`);
  for (const f of ['r8-train-all-terms.txt', 'r8-test-all-terms.txt'])
    for (const line of readFileSync(path.join(DATA, 'reuters_r8', f), 'utf8').split('\n'))
      if (line) out.push(line.slice(line.indexOf('\t') + 1));
  for (const line of readFileSync(path.join(DATA, 'brown_corpus/brown_docs.jsonl'), 'utf8').split('\n'))
    if (line) out.push((JSON.parse(line) as { text: string }).text);
  for (const line of readFileSync(path.join(DATA, 'sms_spam_collection/SMSSpamCollection'), 'utf8').split(
    '\n',
  ))
    if (line) out.push(line.slice(line.indexOf('\t') + 1));
  return out;
}

interface RunResult {
  seconds: number;
  /** CPU time (user + system) of the best run: steadier than wall time on a busy machine. */
  cpuSeconds: number;
  maxRssMb: number;
  rows: number;
  cols: number;
  nnz: number;
}

function child(ngramMax: number, repeat: number): void {
  const texts = JSON.parse(readFileSync(TEXTS, 'utf8')) as string[];
  let best = Number.POSITIVE_INFINITY;
  let bestCpu = Number.POSITIVE_INFINITY;
  let shape = { rows: 0, cols: 0, nnz: 0 };
  const collect = (globalThis as { gc?: () => void }).gc;
  for (let r = 0; r < repeat; r++) {
    // Python frees the previous matrix at once (reference counting); give V8 the same chance
    collect?.();
    const t0 = process.hrtime.bigint();
    const c0 = process.cpuUsage();
    const m = new TfidfVectorizer({ ngramRange: [1, ngramMax] }).fitTransform(texts);
    const s = Number(process.hrtime.bigint() - t0) / 1e9;
    const c = process.cpuUsage(c0);
    best = Math.min(best, s);
    bestCpu = Math.min(bestCpu, (c.user + c.system) / 1e6);
    shape = { rows: m.rows, cols: m.cols, nnz: m.indptr[m.rows] };
  }
  const result: RunResult = {
    seconds: best,
    cpuSeconds: bestCpu,
    maxRssMb: process.resourceUsage().maxRSS / 1024,
    ...shape,
  };
  process.stdout.write(JSON.stringify(result));
}

const PY_SCRIPT = `
import json, resource, sys, time
from sklearn.feature_extraction.text import TfidfVectorizer
texts = json.load(open(sys.argv[1], encoding='utf-8'))
n, repeat = int(sys.argv[2]), int(sys.argv[3])
best = best_cpu = float('inf')
for _ in range(repeat):
    t0, c0 = time.perf_counter(), time.process_time()
    X = TfidfVectorizer(ngram_range=(1, n)).fit_transform(texts)
    best = min(best, time.perf_counter() - t0)
    best_cpu = min(best_cpu, time.process_time() - c0)
    shape = X.shape; nnz = X.nnz
    del X
print(json.dumps({'seconds': best, 'cpuSeconds': best_cpu, 'maxRssMb': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  'rows': shape[0], 'cols': shape[1], 'nnz': int(nnz)}))
`;

function hasSklearn(): boolean {
  if (!existsSync(PYTHON)) return false;
  const r = spawnSync(PYTHON, ['-c', 'import sklearn'], { stdio: 'ignore' });
  return r.status === 0;
}

function main(): void {
  const args = process.argv.slice(2);
  const repeat = args.includes('--repeat') ? Number(args[args.indexOf('--repeat') + 1]) : 2;
  if (args[0] === '--child') {
    child(Number(args[1]), repeat);
    return;
  }
  if (!existsSync(DATA)) {
    console.log(`data not found at ${DATA}; nothing to measure`);
    return;
  }
  const texts = loadTexts();
  writeFileSync(TEXTS, JSON.stringify(texts));
  const megabytes = texts.reduce((s, t) => s + Buffer.byteLength(t), 0) / 1e6;
  console.log(
    `${texts.length} texts, ${megabytes.toFixed(1)} MB (AG News test + Reuters R8 + Brown + SMS spam)`,
  );
  const sklearn = hasSklearn();
  if (!sklearn) console.log('scikit-learn not found under /usr/bin/python3: measuring ours only');
  const header = ['ngram', 'impl', 'seconds', 'CPU s', 'MB/s', 'peak MB', 'features', 'nnz'];
  const rows: string[][] = [];
  for (const n of [1, 2]) {
    const ours = JSON.parse(
      execFileSync(
        process.execPath,
        ['--expose-gc', fileURLToPath(import.meta.url), '--child', String(n), '--repeat', String(repeat)],
        {
          encoding: 'utf8',
          maxBuffer: 1 << 20,
        },
      ),
    ) as RunResult;
    rows.push(row(`1,${n}`, 'smysl', ours, megabytes));
    if (sklearn) {
      const theirs = JSON.parse(
        execFileSync(PYTHON, ['-c', PY_SCRIPT, TEXTS, String(n), String(repeat)], { encoding: 'utf8' }),
      ) as RunResult;
      rows.push(row(`1,${n}`, 'scikit-learn', theirs, megabytes));
      rows.push([
        `1,${n}`,
        'ratio ours/theirs',
        (ours.seconds / theirs.seconds).toFixed(2),
        (ours.cpuSeconds / theirs.cpuSeconds).toFixed(2),
        (theirs.seconds / ours.seconds).toFixed(2),
        (ours.maxRssMb / theirs.maxRssMb).toFixed(2),
        ours.cols === theirs.cols ? 'same' : 'differ',
        ours.nnz === theirs.nnz ? 'same' : 'differ',
      ]);
    }
  }
  printTable(header, rows);
}

function row(ngram: string, impl: string, r: RunResult, mb: number): string[] {
  return [
    ngram,
    impl,
    r.seconds.toFixed(2),
    r.cpuSeconds.toFixed(2),
    (mb / r.seconds).toFixed(1),
    r.maxRssMb.toFixed(0),
    String(r.cols),
    String(r.nnz),
  ];
}

function printTable(header: string[], rows: string[][]): void {
  const all = [header, ...rows];
  const widths = header.map((_, i) => Math.max(...all.map((r) => r[i].length)));
  const line = (r: string[]) => `| ${r.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
  console.log(line(header));
  console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
  for (const r of rows) console.log(line(r));
}

main();
