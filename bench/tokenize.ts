/**
 * Tokenizer throughput (MB/s of UTF-8 input) on the KJV Bible and on Anna Karenina: our
 * `words` (strings only) and `tokenize` (typed tokens with offsets) beside natural's
 * WordTokenizer on the same text. Rounds are interleaved (ours, theirs, ours, …) so that load
 * from other processes hits every tokenizer alike; the best round of each is reported.
 *
 * Run: node dist/bench/tokenize.js [rounds]
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { formatTable } from '../src/cli/output.js';
import { tokenize, words } from '../src/text/index.js';

const require = createRequire(import.meta.url);
const data = fileURLToPath(new URL('../../../shared/data/', import.meta.url));
const files = [
  ['KJV Bible', 'kjv_bible/kjv.txt'],
  ['Anna Karenina', 'ru_classics/tolstoy_anna_karenina.txt'],
] as const;
const rounds = Number(process.argv[2] ?? 15);

// natural prints dotenv notices on import; keep stdout to the table.
const quietLog = console.log;
console.log = () => {};
const natural = require('natural') as { WordTokenizer: new () => { tokenize(text: string): string[] } };
console.log = quietLog;
const naturalTokenizer = new natural.WordTokenizer();

const contenders: [string, (text: string) => number][] = [
  ['smysl words()', (t) => words(t).length],
  ['smysl tokenize()', (t) => tokenize(t).length],
  ['natural WordTokenizer', (t) => naturalTokenizer.tokenize(t).length],
];

/** The best round: on a shared machine, the one least disturbed by other processes. */
function best(xs: number[]): number {
  return Math.min(...xs);
}

const rows: (string | number)[][] = [];
for (const [name, rel] of files) {
  const file = data + rel;
  if (!existsSync(file)) {
    console.error(`skipping ${name}: ${file} not found`);
    continue;
  }
  const text = readFileSync(file, 'utf8');
  const megabytes = Buffer.byteLength(text, 'utf8') / 1e6;
  const times = contenders.map(() => [] as number[]);
  const counts = contenders.map(([, run]) => run(text)); // warm-up
  for (let r = 0; r < rounds; r++) {
    contenders.forEach(([, run], i) => {
      const t0 = performance.now();
      run(text);
      times[i].push(performance.now() - t0);
    });
  }
  const reference = megabytes / (best(times[2]) / 1000);
  contenders.forEach(([label], i) => {
    const mbps = megabytes / (best(times[i]) / 1000);
    rows.push([
      name,
      label,
      megabytes.toFixed(2),
      counts[i],
      mbps.toFixed(1),
      `${(mbps / reference).toFixed(2)}x`,
    ]);
  });
}
console.log(formatTable(['text', 'tokenizer', 'MB', 'tokens', 'MB/s', 'vs natural'], rows));
console.log(`\n${rounds} interleaved rounds, best of each; Node ${process.version}, ${process.arch}`);
