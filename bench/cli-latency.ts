/**
 * Command-line latency: `smysl search` end to end on a 10,000-document collection (dense, sparse,
 * hybrid), `smysl --help` and `smysl --version`, each a fresh process as a user's shell starts it
 * (median of --runs), beside `node -e 0` (the floor: starting Node itself). Then the breakdown of
 * one search, measured inside a fresh process: process start (until the first line of our code
 * runs), module load (the CLI modules `smysl search` imports), open collection, model load,
 * embedding the query, and the search itself.
 *
 * The collection is 7,600 AG News test items plus the first 2,400 Reuters R8 training texts
 * from ../shared/data, indexed once with `--embedder hybrid --set dtype=int8` (or --dtype fp32) (so all
 * three methods run on one collection) into ~/.cache/smysl/bench-cli (rebuilt with --rebuild).
 *
 *   node dist/bench/cli-latency.js [--runs 7] [--rebuild] [--dtype int8|fp32] [--query "oil prices rise"]
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { cacheDir } from '../src/util/fs.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const CLI = path.resolve(here, '../src/cli/main.js');
const DATA = path.resolve('../shared/data');
const args = process.argv.slice(2);
const option = (name: string, fallback: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : fallback;
};
const RUNS = Number(option('runs', '7'));
const QUERY = option('query', 'oil prices rise after the storm');
const DOCS = 10_000;
/** The encoder's weights: int8 (the default for new collections) or fp32. */
const DTYPE = option('dtype', 'int8');
const work = path.join(cacheDir(), 'bench-cli');
const collectionDir = path.join(work, `news-10k-${DTYPE}`);

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
};
const load = () =>
  os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');

/** Splits one CSV line with double-quoted fields ("" escapes a quote). */
function csvFields(line: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') {
        cur += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cur += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      out.push(cur);
      cur = '';
    } else cur += c;
  }
  out.push(cur);
  return out;
}

function writeDocs(file: string): void {
  const lines: string[] = [];
  const ag = readFileSync(path.join(DATA, 'ag_news_test/test.csv'), 'utf8').split('\n').slice(1);
  for (const [i, line] of ag.entries()) {
    if (!line.trim()) continue;
    const [label, title, description] = csvFields(line);
    lines.push(JSON.stringify({ id: `ag-${i}`, title, text: description.replace(/\\/g, ' '), label }));
  }
  const r8 = readFileSync(path.join(DATA, 'reuters_r8/r8-train-all-terms.txt'), 'utf8').split('\n');
  for (const [i, line] of r8.entries()) {
    if (lines.length >= DOCS) break;
    const tab = line.indexOf('\t');
    if (tab < 0) continue;
    lines.push(JSON.stringify({ id: `r8-${i}`, text: line.slice(tab + 1), label: line.slice(0, tab) }));
  }
  writeFileSync(file, `${lines.join('\n')}\n`);
}

/**
 * CPU seconds of this process's waited-for children (Linux /proc/self/stat cutime + cstime):
 * under load a child's wall time mostly measures the other processes; its CPU time does not.
 */
function childrenCpu(): number {
  const stat = readFileSync('/proc/self/stat', 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[13]) + Number(fields[14])) / 100; // fields 16 and 17 of proc(5), in ticks
}

interface Timing {
  seconds: number;
  cpu: number;
}

function timed(command: string[]): Timing & { stdout: string; stderr: string; status: number | null } {
  const cpu0 = childrenCpu();
  const start = performance.now();
  const r = spawnSync(process.execPath, command, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  const seconds = (performance.now() - start) / 1000;
  return { seconds, cpu: childrenCpu() - cpu0, stdout: r.stdout, stderr: r.stderr, status: r.status };
}

function smysl(argv: string[], quiet = true): Timing & { stdout: string } {
  const r = timed([CLI, ...argv]);
  if (r.status !== 0) throw new Error(`smysl ${argv.join(' ')} failed (${r.status}): ${r.stderr}`);
  if (!quiet) process.stderr.write(r.stderr);
  return r;
}

function wall(argv: string[], node = false): Timing {
  const runs: Timing[] = [];
  for (let i = 0; i < RUNS; i++) runs.push(node ? timed(argv) : smysl(argv));
  return { seconds: median(runs.map((r) => r.seconds)), cpu: median(runs.map((r) => r.cpu)) };
}

/** Per stage: [wall ms, CPU ms]. */
type Stages = Record<string, [number, number]>;

/**
 * Child mode: one search in this fresh process, timing each stage. performance.now() and
 * process.cpuUsage() count from the process's start, so their first readings are what starting
 * Node took before our code ran.
 */
async function child(method: string): Promise<void> {
  const cpuMs = () => {
    const u = process.cpuUsage();
    return (u.user + u.system) / 1000;
  };
  const stages: Stages = { 'process start': [performance.now(), cpuMs()] };
  let t = performance.now();
  let c = cpuMs();
  const lap = (name: string) => {
    const now = performance.now();
    const cpu = cpuMs();
    stages[name] = [now - t, cpu - c];
    t = now;
    c = cpu;
  };
  // what `smysl search` imports: the command-line runner and the search command's modules
  await import('../src/cli/run.js');
  await import('../src/cli/commands/search.js');
  const { Collection } = await import('../src/store/collection.js');
  lap('module load');
  const collection = await Collection.open(collectionDir, { readonly: true });
  lap('open collection');
  if (method !== 'sparse') {
    // collections that load their embedder on first use have loadEmbedder(); older ones open with it
    const lazy = collection as unknown as { loadEmbedder?: () => Promise<unknown> };
    if (lazy.loadEmbedder) await lazy.loadEmbedder();
    lap('model load');
    const embedder = (collection as unknown as { embedder: { embed(t: string[]): Promise<unknown> } })
      .embedder;
    await embedder.embed([QUERY]);
    lap('embed query');
  }
  await collection.search(QUERY, { k: 10, method: method as 'dense' | 'sparse' | 'hybrid' });
  lap(method === 'hybrid' ? 'search (embeds again)' : 'search');
  await collection.close();
  lap('close');
  process.stdout.write(JSON.stringify(stages));
}

async function main(): Promise<void> {
  if (args[0] === '--child') return child(args[1]);
  if (!existsSync(path.join(DATA, 'ag_news_test/test.csv'))) {
    console.log(`skipped: ${DATA}/ag_news_test not found`);
    return;
  }
  mkdirSync(work, { recursive: true });
  if (args.includes('--rebuild')) rmSync(collectionDir, { recursive: true, force: true });
  if (!existsSync(collectionDir)) {
    const docs = path.join(work, 'news-10k.jsonl');
    writeDocs(docs);
    console.error(`indexing ${DOCS} documents into ${collectionDir} (once) …`);
    const r = smysl(
      [
        'index',
        docs,
        '--collection',
        collectionDir,
        '--embedder',
        'hybrid',
        '--set',
        `dtype=${DTYPE}`,
        '--title-field',
        'title',
        '--quiet',
      ],
      false,
    );
    console.error(`indexed in ${r.seconds.toFixed(0)} s`);
  }
  // warm the OS file cache and the ONNX build cache before timing
  smysl(['search', QUERY, '--collection', collectionDir]);
  const loadBefore = load();
  const rows: [string, Timing][] = [];
  const nodeFloor = wall(['-e', '0'], true);
  rows.push(['node -e 0 (starting Node)', nodeFloor]);
  rows.push(['smysl --version', wall(['--version'])]);
  rows.push(['smysl --help', wall(['--help'])]);
  for (const method of ['dense', 'sparse', 'hybrid'])
    rows.push([
      `smysl search --method ${method}`,
      wall(['search', QUERY, '--collection', collectionDir, '--method', method]),
    ]);

  const self = fileURLToPath(import.meta.url);
  const breakdown: Record<string, Stages> = {};
  for (const method of ['dense', 'sparse', 'hybrid']) {
    const runs: Stages[] = [];
    for (let i = 0; i < RUNS; i++) {
      const r = spawnSync(process.execPath, [self, '--child', method], { encoding: 'utf8' });
      if (r.status !== 0) throw new Error(`child ${method} failed: ${r.stderr}`);
      runs.push(JSON.parse(r.stdout) as Stages);
    }
    breakdown[method] = {};
    for (const k of Object.keys(runs[0]))
      breakdown[method][k] = [
        median(runs.map((s) => s[k]?.[0] ?? 0)),
        median(runs.map((s) => s[k]?.[1] ?? 0)),
      ];
  }
  const loadAfter = load();

  const { formatTable } = await import('../src/cli/output.js');
  console.log(
    `smysl CLI latency, ${DOCS} documents (${collectionDir}), median of ${RUNS} fresh processes, ` +
      `${os.cpus().length}× ${os.cpus()[0]?.model.trim()}, Node ${process.versions.node}, ` +
      `${new Date().toISOString().slice(0, 16)} UTC, load average ${loadBefore} → ${loadAfter}`,
  );
  console.log(
    formatTable(
      ['command (end to end)', 'wall s', 'CPU s'],
      rows.map(([name, t]) => [name, Number(t.seconds.toFixed(3)), Number(t.cpu.toFixed(2))]),
    ),
  );
  console.log('');
  const stageNames = [...new Set(Object.values(breakdown).flatMap((s) => Object.keys(s)))];
  const methods = ['dense', 'sparse', 'hybrid'];
  const cell = (m: string, k: string, i: 0 | 1) =>
    breakdown[m][k] === undefined ? '-' : Math.round(breakdown[m][k][i]);
  const total = (m: string, i: 0 | 1) =>
    Math.round(Object.values(breakdown[m]).reduce((a, b) => a + b[i], 0));
  console.log(
    formatTable(
      ['stage, in one process (ms)', ...methods.flatMap((m) => [`${m} wall`, `${m} CPU`])],
      [
        ...stageNames.map((k) => [k, ...methods.flatMap((m) => [cell(m, k, 0), cell(m, k, 1)])]),
        ['total', ...methods.flatMap((m) => [total(m, 0), total(m, 1)])],
      ],
    ),
  );
}

await main();
