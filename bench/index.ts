/**
 * Indexing throughput: `Collection.add` (what `smysl index` runs: chunking, the MiniLM encoder,
 * SQLite, the lexical index, the HNSW graph) against the pipeline a TypeScript user would write
 * today — the @huggingface/transformers feature-extraction pipeline (mean pooling, normalized)
 * plus usearch `add`, in batches of 32 — with the same model (the very fp32 ONNX file smysl
 * builds, laid out as a local model directory, offline), the same chunk texts, the same HNSW
 * settings (cosine, M 16, expansion 200, f16), each engine in a fresh process, in one run.
 *
 * Corpora (../shared/data): AG News test (7,600 items, "title. description"), and 100,000
 * one-chunk documents (the Brown corpus's sentences, the KJV's verses, Russian fortunes).
 * `--limit N` takes the first N documents of each (the reference needs minutes per thousand
 * under load); `--quality` also prints nDCG@10 of the fp32 and int8 encoders on Cranfield and
 * CISI through the collection (exact index, dense search), the check behind int8 as default.
 *
 *   node dist/bench/index.js [--corpora ag,100k] [--limit N] [--engines a,b] [--threads 2] [--quality]
 */
import { execFileSync } from 'node:child_process';
import { existsSync, promises as fsp, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatTable } from '../src/cli/output.js';
import type { Document } from '../src/corpus/types.js';

const args = process.argv.slice(2);
const option = (name: string, fallback: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : fallback;
};
const DATA = path.resolve('../shared/data');
const BATCH = 32;

const ENGINES = ['reference', 'smysl-fp32', 'smysl-int8'];
const LABELS: Record<string, string> = {
  reference: 'transformers.js pipeline + usearch add (fp32, same ONNX)',
  'smysl-fp32': 'smysl Collection.add, fp32 encoder',
  'smysl-int8': 'smysl Collection.add, int8 encoder (default)',
};

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

function lines(file: string): string[] {
  return readFileSync(path.join(DATA, file), 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '');
}

function corpus(name: string, limit: number): Document[] {
  const docs: Document[] = [];
  if (name === 'ag') {
    for (const [i, line] of lines('ag_news_test/test.csv').slice(1).entries()) {
      const [, title, description] = csvFields(line);
      docs.push({ id: `ag-${i}`, text: `${title}. ${description.replace(/\\/g, ' ')}`, meta: {} });
    }
  } else if (name === '100k') {
    const sources = [
      ['brown', 'brown_corpus/brown_sentences.txt'],
      ['kjv', 'kjv_bible/kjv.txt'],
      ['ru', 'ru_fortunes_corpus/fortunes_ru.txt'],
    ];
    for (const [tag, file] of sources)
      for (const [i, text] of lines(file).entries()) {
        if (docs.length >= 100_000) break;
        docs.push({ id: `${tag}-${i}`, text, meta: {} });
      }
  } else throw new Error(`unknown corpus ${name}`);
  return docs.slice(0, limit);
}

interface Result {
  seconds: number;
  docs: number;
  chunks: number;
  peakMb: number;
}

/** Child mode: index one corpus with one engine, print the result as JSON. */
async function child(engine: string, name: string, limit: number, threads: number, modelDir: string) {
  const docs = corpus(name, limit);
  const work = await fsp.mkdtemp(path.join(os.tmpdir(), 'smysl-bench-index-'));
  let result: Result;
  try {
    if (engine === 'reference') {
      const { pipeline, env } = await import('@huggingface/transformers');
      const { createRequire } = await import('node:module');
      const usearch = createRequire(import.meta.url)('usearch') as typeof import('usearch');
      env.allowRemoteModels = false;
      env.localModelPath = path.dirname(modelDir);
      const start = performance.now();
      const extractor = await pipeline('feature-extraction', path.basename(modelDir), {
        local_files_only: true,
        dtype: 'fp32',
        session_options: { intraOpNumThreads: threads, interOpNumThreads: 1 },
      });
      const index = new usearch.Index({
        metric: usearch.MetricKind.Cos,
        dimensions: 384,
        connectivity: 16,
        expansion_add: 200,
        expansion_search: 64,
        multi: false,
        quantization: 'f16' as import('usearch').ScalarKind,
      });
      const texts = docs.map((d) => d.text);
      for (let i = 0; i < texts.length; i += BATCH) {
        const out = await extractor(texts.slice(i, i + BATCH), { pooling: 'mean', normalize: true });
        const n = Math.min(BATCH, texts.length - i);
        const keys = new BigUint64Array(n);
        for (let j = 0; j < n; j++) keys[j] = BigInt(i + j);
        index.add(keys, out.data as Float32Array);
      }
      index.save(path.join(work, 'index.usearch'));
      result = {
        seconds: (performance.now() - start) / 1000,
        docs: docs.length,
        chunks: docs.length,
        peakMb: 0,
      };
    } else {
      const { createEmbedder } = await import('../src/embed/registry.js');
      const { Collection } = await import('../src/store/collection.js');
      const start = performance.now();
      const embedder = await createEmbedder('minilm', {
        dtype: engine === 'smysl-int8' ? 'int8' : 'fp32',
        threads,
      });
      const collection = await Collection.create(path.join(work, 'c'), { embedder });
      const summary = await collection.add(
        docs,
        process.env.BENCH_BATCH ? { batchSize: Number(process.env.BENCH_BATCH) } : {},
      );
      await collection.saveLexicalIndex();
      await collection.close();
      result = {
        seconds: (performance.now() - start) / 1000,
        docs: docs.length,
        chunks: summary.chunks,
        peakMb: 0,
      };
    }
  } finally {
    await fsp.rm(work, { recursive: true, force: true });
  }
  result.peakMb = process.resourceUsage().maxRSS / 1024;
  process.stdout.write(JSON.stringify(result));
}

/** Lays the fp32 ONNX file smysl builds out as a local model directory the pipeline accepts. */
async function pipelineModelDir(): Promise<string> {
  const { ensureEncoderFile, resolveModel } = await import('../src/embed/transformer/models.js');
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

async function quality(): Promise<void> {
  const { readBeir } = await import('../src/eval/beir.js');
  const { evaluateCollectionRetrieval } = await import('../src/eval/collection-retrieval.js');
  const rows: (string | number)[][] = [];
  for (const name of ['ir_cranfield', 'ir_cisi']) {
    const dir = path.join(DATA, name, 'beir');
    if (!existsSync(dir)) {
      console.log(`quality: skipped ${name} (${dir} not found)`);
      continue;
    }
    const beir = await readBeir(dir);
    const ndcg: number[] = [];
    for (const dtype of ['fp32', 'int8']) {
      const r = await evaluateCollectionRetrieval(beir, {
        embedder: 'minilm',
        embedderSettings: { dtype },
        method: 'dense',
      });
      ndcg.push(r.metrics['ndcg@10']);
    }
    rows.push([name, ndcg[0].toFixed(4), ndcg[1].toFixed(4), (ndcg[1] - ndcg[0]).toFixed(4)]);
  }
  console.log(
    `nDCG@10, dense search through a collection (exact index), ${new Date().toISOString().slice(0, 16)} UTC, load average ${os
      .loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}`,
  );
  console.log(formatTable(['collection', 'fp32', 'int8', 'int8 − fp32'], rows));
}

async function main() {
  if (args[0] === '--child') {
    const [, engine, name, limit, threads, dir] = args;
    await child(engine, name, Number(limit), Number(threads), dir);
    return;
  }
  if (!existsSync(path.join(DATA, 'ag_news_test/test.csv'))) {
    console.log(`skipped: ${DATA} not found`);
    return;
  }
  const corpora = option('corpora', 'ag,100k').split(',');
  const limit = Number(option('limit', '1000000'));
  const threads = Number(option('threads', String(Math.min(2, os.availableParallelism()))));
  const engines = option('engines', ENGINES.join(',')).split(',');
  const dir = await pipelineModelDir();
  const self = fileURLToPath(import.meta.url);
  const loadBefore = os.loadavg();
  const rows: (string | number)[][] = [];
  for (const name of corpora) {
    const results: Record<string, Result> = {};
    for (const engine of engines) {
      const out = execFileSync(
        process.execPath,
        [self, '--child', engine, name, String(limit), String(threads), dir],
        {
          encoding: 'utf8',
          stdio: ['ignore', 'pipe', 'inherit'],
          maxBuffer: 1 << 20,
        },
      );
      results[engine] = JSON.parse(out) as Result;
      console.error(`${name} ${engine}: ${results[engine].seconds.toFixed(1)} s`);
    }
    const base = results.reference;
    for (const engine of engines) {
      const r = results[engine];
      rows.push([
        `${name} (${r.docs} docs)`,
        LABELS[engine] ?? engine,
        (r.docs / r.seconds).toFixed(1),
        (r.chunks / r.seconds).toFixed(1),
        base ? (base.seconds / r.seconds).toFixed(2) : '-',
        r.peakMb.toFixed(0),
      ]);
    }
  }
  await fsp.rm(path.dirname(dir), { recursive: true, force: true });
  const fmt = (l: number[]) => l.map((x) => x.toFixed(1)).join(' ');
  console.log(
    `Indexing, ${threads} onnxruntime threads, ${os.cpus().length}× ${os.cpus()[0]?.model.trim()}, Node ${process.versions.node}, ` +
      `${new Date().toISOString().slice(0, 16)} UTC, load average ${fmt(loadBefore)} → ${fmt(os.loadavg())}`,
  );
  console.log(formatTable(['corpus', 'engine', 'docs/s', 'chunks/s', 'x reference', 'peak RSS MB'], rows));
  if (args.includes('--quality')) await quality();
}

await main();
