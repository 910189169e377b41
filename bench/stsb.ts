/**
 * STS Benchmark dev: Spearman x100 between the cosine of smysl's sentence vectors and the gold
 * similarity, for all-MiniLM-L6-v2 in fp32 and int8 (sentence-transformers reports 82.03 on
 * the test split for the original fp32 model; the test split is held out, dev is what we have).
 *
 *   node dist/bench/stsb.js [--threads 2]
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { TransformerEmbedder, type TransformerEmbedderOptions } from '../src/embed/transformer/index.js';

const STS_DEV = path.resolve('../shared/data/stsbenchmark/sts-dev.csv');

function ranks(values: number[]): number[] {
  const order = values.map((v, i) => [v, i]).sort((a, b) => a[0] - b[0]);
  const out = new Array<number>(values.length);
  for (let i = 0; i < order.length; ) {
    let j = i;
    while (j + 1 < order.length && order[j + 1][0] === order[i][0]) j++;
    for (let k = i; k <= j; k++) out[order[k][1]] = (i + j) / 2 + 1;
    i = j + 1;
  }
  return out;
}

function pearson(x: number[], y: number[]): number {
  const n = x.length;
  const mx = x.reduce((s, v) => s + v, 0) / n;
  const my = y.reduce((s, v) => s + v, 0) / n;
  let sxy = 0;
  let sx = 0;
  let sy = 0;
  for (let i = 0; i < n; i++) {
    sxy += (x[i] - mx) * (y[i] - my);
    sx += (x[i] - mx) ** 2;
    sy += (y[i] - my) ** 2;
  }
  return sxy / Math.sqrt(sx * sy);
}

export const spearman = (x: number[], y: number[]): number => pearson(ranks(x), ranks(y));

async function main() {
  if (!existsSync(STS_DEV)) {
    console.log(`skipped: ${STS_DEV} not found`);
    return;
  }
  const i = process.argv.indexOf('--threads');
  const threads = i >= 0 ? Number(process.argv[i + 1]) : 2;
  const gold: number[] = [];
  const a: string[] = [];
  const b: string[] = [];
  for (const line of readFileSync(STS_DEV, 'utf8').split('\n')) {
    if (!line) continue;
    const f = line.split('\t');
    gold.push(Number(f[4]));
    a.push(f[5]);
    b.push(f[6]);
  }
  const configs: [string, TransformerEmbedderOptions][] = [
    ['fp32, mean pooling (default)', { dtype: 'fp32' }],
    ['int8 (per-channel), mean pooling', { dtype: 'int8' }],
    ['fp32, CLS pooling', { dtype: 'fp32', pooling: 'cls' }],
    ['fp32, mean of last 4 layers', { dtype: 'fp32', layers: 4 }],
  ];
  let fp32: Float32Array | undefined;
  console.log(`STSb dev (${gold.length} pairs), all-MiniLM-L6-v2`);
  console.log('| configuration | Spearman x100 | min cosine to fp32 |');
  console.log('|---|---|---|');
  for (const [label, opts] of configs) {
    const embedder = await TransformerEmbedder.create({ ...opts, threads });
    const m = await embedder.embed([...a, ...b]);
    await embedder.dispose();
    const d = m.dim;
    const cos = gold.map((_, k) => {
      let s = 0;
      for (let j = 0; j < d; j++) s += m.data[k * d + j] * m.data[(k + gold.length) * d + j];
      return s;
    });
    let minToFp32 = Number.NaN;
    if (!fp32) fp32 = m.data;
    else if (!opts.pooling && !opts.layers) {
      minToFp32 = 1;
      for (let r = 0; r < m.rows; r++) {
        let s = 0;
        for (let j = 0; j < d; j++) s += m.data[r * d + j] * fp32[r * d + j];
        minToFp32 = Math.min(minToFp32, s);
      }
    }
    console.log(
      `| ${label} | ${(100 * spearman(cos, gold)).toFixed(2)} | ${Number.isNaN(minToFp32) ? '' : minToFp32.toFixed(4)} |`,
    );
  }
}

await main();
