/**
 * Sentence-encoding speed: smysl's own ONNX encoder (fp32, int8) against the
 * @huggingface/transformers feature-extraction pipeline running the SAME fp32 ONNX file,
 * on the 3,000 STS Benchmark dev sentences, batch sizes 1/32/128, 2 onnxruntime threads.
 * Each configuration runs in a fresh child process so its peak memory is its own.
 *
 * The -wasm rows run the same encoders on onnxruntime-web, the fallback when the optional
 * onnxruntime-node is not installed (SMYSL_ONNXRUNTIME=wasm in the child).
 *
 *   node dist/bench/encode.js [--limit N] [--batch-sizes 1,32,128] [--threads 2] [--engines a,b]
 */
import { execFileSync } from 'node:child_process';
import { existsSync, promises as fsp, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { TransformerEmbedder } from '../src/embed/transformer/embedder.js';
import { ensureEncoderFile, resolveModel } from '../src/embed/transformer/models.js';

const ENGINES = [
  'pipeline',
  'smysl-fp32',
  'smysl-fp32-unsorted',
  'smysl-int8',
  'smysl-fp32-wasm',
  'smysl-int8-wasm',
];
const LABELS: Record<string, string> = {
  pipeline: '@huggingface/transformers pipeline, same ONNX (fp32)',
  'smysl-fp32': 'smysl fp32',
  'smysl-fp32-unsorted': 'smysl fp32, input order (no length sort)',
  'smysl-int8': 'smysl int8 (per-channel)',
  'smysl-fp32-wasm': 'smysl fp32 on onnxruntime-web (WebAssembly fallback)',
  'smysl-int8-wasm': 'smysl int8 on onnxruntime-web (WebAssembly fallback)',
};
const STS_DEV = path.resolve('../shared/data/stsbenchmark/sts-dev.csv');

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : fallback;
}

function sentences(limit: number): string[] {
  const out: string[] = [];
  const pairs: string[][] = [];
  for (const line of readFileSync(STS_DEV, 'utf8').split('\n')) {
    if (!line) continue;
    const f = line.split('\t');
    pairs.push([f[5], f[6]]);
  }
  for (const p of pairs) out.push(p[0]);
  for (const p of pairs) out.push(p[1]);
  return out.slice(0, limit);
}

interface Result {
  seconds: number;
  peakMb: number;
  rows: number;
}

/** Child mode: encode once (after a short warm-up) and print the result as JSON. */
async function child(engine: string, batchSize: number, threads: number, limit: number, pipelineDir: string) {
  const texts = sentences(limit);
  let seconds: number;
  if (engine === 'pipeline') {
    const { pipeline, env } = await import('@huggingface/transformers');
    env.allowRemoteModels = false;
    env.localModelPath = path.dirname(pipelineDir);
    const extractor = await pipeline('feature-extraction', path.basename(pipelineDir), {
      local_files_only: true,
      dtype: 'fp32',
      session_options: { intraOpNumThreads: threads, interOpNumThreads: 1 },
    });
    await extractor(texts.slice(0, 8), { pooling: 'mean', normalize: true });
    const start = performance.now();
    for (let i = 0; i < texts.length; i += batchSize)
      await extractor(texts.slice(i, i + batchSize), { pooling: 'mean', normalize: true });
    seconds = (performance.now() - start) / 1000;
  } else {
    const embedder = await TransformerEmbedder.create({
      dtype: engine.startsWith('smysl-int8') ? 'int8' : 'fp32',
      sortByLength: engine !== 'smysl-fp32-unsorted',
      batchSize,
      threads,
      log: () => {},
    });
    await embedder.embed(texts.slice(0, 8));
    const start = performance.now();
    await embedder.embed(texts);
    seconds = (performance.now() - start) / 1000;
  }
  const result: Result = { seconds, peakMb: process.resourceUsage().maxRSS / 1024, rows: texts.length };
  process.stdout.write(JSON.stringify(result));
}

/** Lays the fp32 ONNX file out as a local model directory the pipeline accepts. */
async function pipelineModelDir(): Promise<string> {
  const source = await resolveModel('minilm');
  const built = await ensureEncoderFile(source, 'fp32');
  await ensureEncoderFile(source, 'int8');
  const dir = path.join(await fsp.mkdtemp(path.join(os.tmpdir(), 'smysl-bench-')), 'minilm');
  await fsp.mkdir(path.join(dir, 'onnx'), { recursive: true });
  await fsp.symlink(built.file, path.join(dir, 'onnx', 'model.onnx'));
  await fsp.copyFile(source.configFile, path.join(dir, 'config.json'));
  await fsp.copyFile(source.tokenizerFile, path.join(dir, 'tokenizer.json'));
  await fsp.writeFile(
    path.join(dir, 'tokenizer_config.json'),
    JSON.stringify({
      tokenizer_class: 'BertTokenizer',
      do_lower_case: true,
      model_max_length: 256,
      pad_token: '[PAD]',
      unk_token: '[UNK]',
      cls_token: '[CLS]',
      sep_token: '[SEP]',
      mask_token: '[MASK]',
    }),
  );
  return dir;
}

async function main() {
  if (process.argv[2] === '--child') {
    const [, , , engine, batch, threads, limit, dir] = process.argv;
    await child(engine, Number(batch), Number(threads), Number(limit), dir);
    return;
  }
  if (!existsSync(STS_DEV)) {
    console.log(`skipped: ${STS_DEV} not found`);
    return;
  }
  const limit = Number(arg('--limit', '3000'));
  const threads = Number(arg('--threads', '2'));
  const batchSizes = arg('--batch-sizes', '1,32,128').split(',').map(Number);
  const engines = arg('--engines', ENGINES.join(',')).split(',');
  if (!engines.includes('pipeline')) engines.unshift('pipeline');
  const dir = await pipelineModelDir();
  const self = fileURLToPath(import.meta.url);
  const rows: string[][] = [];
  for (const batch of batchSizes) {
    const results: Record<string, Result> = {};
    for (const engine of engines) {
      const out = execFileSync(
        process.execPath,
        [self, '--child', engine, String(batch), String(threads), String(limit), dir],
        {
          encoding: 'utf8',
          stdio: ['ignore', 'pipe', 'inherit'],
          env: { ...process.env, SMYSL_ONNXRUNTIME: engine.endsWith('-wasm') ? 'wasm' : '' },
        },
      );
      results[engine] = JSON.parse(out) as Result;
    }
    const rate = (r: Result) => r.rows / r.seconds;
    const base = rate(results.pipeline);
    for (const engine of engines) {
      const r = results[engine];
      rows.push([
        String(batch),
        LABELS[engine],
        rate(r).toFixed(1),
        (rate(r) / base).toFixed(2),
        r.peakMb.toFixed(0),
      ]);
    }
    console.error(`batch ${batch} done`);
  }
  await fsp.rm(path.dirname(dir), { recursive: true, force: true });
  const header = ['batch', 'engine', 'sentences/s', 'x pipeline', 'peak RSS MB'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (r: string[]) => `| ${r.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
  console.log(
    `STSb dev, ${limit} sentences, ${threads} threads, ${os.cpus().length} cores, Node ${process.versions.node}, ${new Date().toISOString().slice(0, 16)} UTC, load average ${os
      .loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}`,
  );
  console.log(line(header));
  console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
  for (const r of rows) console.log(line(r));
}

await main();
