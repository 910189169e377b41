import { randomBytes } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { type Command, InvalidArgumentError, Option } from 'commander';
import { TransformerEmbedder, type TransformerEmbedderOptions } from '../../embed/transformer/index.js';
import { SmyslError } from '../../errors.js';
import { npyHeader } from '../../util/npy.js';
import { parseIntOption } from '../options.js';
import { printJson } from '../output.js';
import { ProgressBar } from '../progress.js';

/** Options shared by `embed` and `similarity`. */
export function addEncoderOptions(cmd: Command): Command {
  return cmd
    .option('--model <name>', 'model: "minilm", an imported name, or a checkpoint directory', 'minilm')
    .addOption(
      new Option('--pooling <kind>', "sentence pooling (default: the model's, mean for minilm)").choices([
        'mean',
        'cls',
        'max',
      ]),
    )
    .addOption(
      new Option('--layers <which>', 'hidden states to average before pooling: last, last4, or lastN')
        .argParser(parseLayers)
        .default(1, 'last'),
    )
    .addOption(new Option('--dtype <dtype>', 'encoder weights').choices(['fp32', 'int8']).default('fp32'))
    .option('--normalize', "L2-normalize vectors (default: the model's, on for minilm)")
    .option('--no-normalize', 'do not L2-normalize vectors')
    .option('--batch-size <n>', 'sequences per onnxruntime call', parseIntOption('--batch-size', 1), 32)
    .option(
      '--threads <n>',
      'onnxruntime intra-op threads (default: all cores)',
      parseIntOption('--threads', 1),
    )
    .option(
      '--max-length <n>',
      "tokens per sequence incl. [CLS]/[SEP] (default: the model's, 256 for minilm)",
      parseIntOption('--max-length', 3),
    )
    .addOption(
      new Option('--long <strategy>', 'texts longer than --max-length')
        .choices(['truncate', 'window'])
        .default('truncate'),
    )
    .option(
      '--stride <n>',
      'pieces shared by consecutive windows with --long window (default: max length / 4)',
      parseIntOption('--stride', 0),
    )
    .option('--json', 'machine-readable output (one JSON value)', false)
    .option('--quiet', 'no progress on stderr', false);
}

function parseLayers(value: string): number {
  if (value === 'last') return 1;
  const m = /^last(\d+)$/.exec(value);
  if (!m || Number(m[1]) < 1) throw new InvalidArgumentError('--layers must be last, last4 or lastN');
  return Number(m[1]);
}

export interface EncoderCliOptions {
  model: string;
  pooling?: 'mean' | 'cls' | 'max';
  layers: number;
  dtype: 'fp32' | 'int8';
  normalize?: boolean;
  batchSize: number;
  threads?: number;
  maxLength?: number;
  long: 'truncate' | 'window';
  stride?: number;
  json: boolean;
  quiet: boolean;
}

export function embedderOptions(o: EncoderCliOptions): TransformerEmbedderOptions {
  return {
    model: o.model,
    pooling: o.pooling,
    layers: o.layers,
    dtype: o.dtype,
    normalize: o.normalize,
    batchSize: o.batchSize,
    threads: o.threads,
    maxLength: o.maxLength,
    long: o.long,
    stride: o.stride,
    log: o.quiet ? () => {} : undefined,
  };
}

/** Reads texts: .jsonl (a "text" field per line) or plain text, one text per line; "-" is stdin. */
async function readTexts(file: string): Promise<{ texts: string[]; ids?: string[] }> {
  let content: string;
  try {
    content = file === '-' ? await readStdin() : await fsp.readFile(file, 'utf8');
  } catch (e) {
    throw new SmyslError('E_IO', `cannot read ${file}: ${(e as Error).message}`, { cause: e });
  }
  const lines = content.split(/\r?\n/);
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  if (!/\.jsonl$/i.test(file)) return { texts: lines };
  const texts: string[] = [];
  const ids: string[] = [];
  lines.forEach((line, i) => {
    if (!line.trim()) return;
    let value: { text?: unknown; id?: unknown };
    try {
      value = JSON.parse(line);
    } catch (e) {
      throw new SmyslError('E_INPUT', `invalid JSON: ${(e as Error).message}`, {
        location: { source: file, line: i + 1 },
      });
    }
    if (typeof value?.text !== 'string')
      throw new SmyslError('E_INPUT', 'no string "text" field', { location: { source: file, line: i + 1 } });
    texts.push(value.text);
    ids.push(value.id === undefined ? String(texts.length - 1) : String(value.id));
  });
  return { texts, ids };
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export function register(program: Command): void {
  const cmd = program
    .command('embed')
    .description('sentence/document vectors from a transformer encoder (default all-MiniLM-L6-v2)')
    .argument('[text...]', 'texts to embed (or use --in)')
    .option('--in <file>', 'input: one text per line, or .jsonl with a "text" field; "-" for stdin')
    .option(
      '--out <file>',
      'output: .jsonl (id, vector), .npy (float32 rows) or .f32 (raw little-endian float32)',
    );
  addEncoderOptions(cmd).action(
    async (args: string[], o: EncoderCliOptions & { in?: string; out?: string }) => {
      let texts = args;
      let ids: string[] | undefined;
      if (o.in) {
        if (args.length > 0) throw new SmyslError('E_USAGE', 'give texts as arguments or --in, not both');
        ({ texts, ids } = await readTexts(o.in));
      }
      if (texts.length === 0) throw new SmyslError('E_USAGE', 'nothing to embed: give texts or --in <file>');
      const format = o.out ? path.extname(o.out).toLowerCase() : '';
      if (o.out && !['.jsonl', '.npy', '.f32'].includes(format))
        throw new SmyslError('E_USAGE', `--out must end in .jsonl, .npy or .f32 (got "${o.out}")`);
      const embedder = await TransformerEmbedder.create(embedderOptions(o));
      const bar = new ProgressBar({ quiet: o.quiet });
      try {
        if (!o.out) {
          const m = await embedder.embed(texts, { onProgress: bar.update });
          bar.done();
          const rows = texts.map((text, i) => ({
            text,
            vector: Array.from(m.data.subarray(i * m.dim, (i + 1) * m.dim)),
          }));
          if (o.json) printJson({ model: embedder.name, dim: m.dim, rows });
          else for (const r of rows) process.stdout.write(`${JSON.stringify(r)}\n`);
          return;
        }
        const dir = path.dirname(path.resolve(o.out));
        await fsp.mkdir(dir, { recursive: true });
        const tmp = path.join(dir, `.${path.basename(o.out)}.${randomBytes(6).toString('hex')}.tmp`);
        const handle = await fsp.open(tmp, 'w');
        try {
          if (format === '.npy') await handle.write(npyHeader([texts.length, embedder.dim]));
          let row = 0;
          for await (const chunk of embedder.embedStream(texts, { onProgress: bar.update })) {
            if (format === '.jsonl') {
              const lines: string[] = [];
              for (let r = 0; r < chunk.rows; r++, row++) {
                const vector = Array.from(chunk.data.subarray(r * chunk.dim, (r + 1) * chunk.dim));
                lines.push(JSON.stringify({ id: ids ? ids[row] : String(row), vector }));
              }
              await handle.write(`${lines.join('\n')}\n`);
            } else {
              await handle.write(
                new Uint8Array(chunk.data.buffer, chunk.data.byteOffset, chunk.data.byteLength),
              );
              row += chunk.rows;
            }
          }
          await handle.close();
          await fsp.rename(tmp, o.out);
        } catch (e) {
          await handle.close().catch(() => {});
          await fsp.rm(tmp, { force: true });
          throw e;
        }
        bar.done();
        const summary = { model: embedder.name, rows: texts.length, dim: embedder.dim, out: o.out };
        if (o.json) printJson(summary);
        else if (!o.quiet)
          process.stderr.write(`wrote ${texts.length} x ${embedder.dim} vectors to ${o.out}\n`);
      } finally {
        await embedder.dispose();
      }
    },
  );
}
