import assert from 'node:assert/strict';
import { promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { run } from '../../../src/cli/program.js';
import { ProblemLog } from '../../../src/corpus/index.js';
import { documentSentences, readSentences, trainWord2Vec } from '../../../src/embed/static/index.js';
import { isSmyslError } from '../../../src/errors.js';

/** 240 sentences over 3 planted topics of 6 words each (every word appears many times). */
function topicSentences(): string[][] {
  let s = 11;
  const rand = () => {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    return s / 4294967296;
  };
  const out: string[][] = [];
  for (let i = 0; i < 240; i++) {
    const sentence: string[] = [];
    for (let k = 0; k < 10; k++) sentence.push(`t${i % 3}w${Math.floor(rand() * 6)}`);
    out.push(sentence);
  }
  return out;
}

async function withDir<T>(body: (dir: string) => Promise<T>): Promise<T> {
  const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'smysl-train-corpus-'));
  try {
    return await body(dir);
  } finally {
    await fsp.rm(dir, { recursive: true, force: true });
  }
}

const sentences = topicSentences();
const cliFlags = ['--dim', '8', '--min-count', '1', '--epochs', '1', '--threads', '1', '--quiet'];

test('documents become lower-cased word sentences, one per document, read lazily', async () => {
  let pulled = 0;
  function* docs() {
    for (let i = 0; ; i++) {
      pulled++;
      yield { id: String(i), text: `Hello, World number ${i}!`, meta: {} };
    }
  }
  const it = documentSentences(docs());
  const first = await it.next();
  assert.deepEqual(first.value, ['hello', 'world', 'number', '0']);
  // an endless source trains as a stream: only what was asked for is read
  assert.equal(pulled, 1);
});

test('smysl train reads JSONL, CSV and directory corpora (format from the path)', async () => {
  await withDir(async (dir) => {
    const jsonl = path.join(dir, 'corpus.jsonl');
    await fsp.writeFile(
      jsonl,
      sentences.map((s, i) => JSON.stringify({ id: `d${i}`, text: s.join(' ').toUpperCase() })).join('\n'),
    );
    const csv = path.join(dir, 'corpus.csv');
    await fsp.writeFile(csv, `id,body\n${sentences.map((s, i) => `d${i},"${s.join(' ')}"`).join('\n')}\n`);
    // a directory: every .txt file is one document (one sentence, cut into 1000-word pieces)
    const books = path.join(dir, 'books');
    await fsp.mkdir(books);
    await fsp.writeFile(
      path.join(books, 'a.txt'),
      sentences
        .slice(0, 120)
        .map((s) => s.join(' '))
        .join('\n'),
    );
    await fsp.writeFile(
      path.join(books, 'b.txt'),
      sentences
        .slice(120)
        .map((s) => s.join(' '))
        .join('\n'),
    );
    await fsp.writeFile(path.join(books, 'notes.csv'), 'not,read\n');
    for (const [file, extra] of [
      [jsonl, []],
      [csv, ['--text-column', 'body']],
      [books, ['--ext', '.txt']],
    ] as const) {
      const out = path.join(dir, `${path.basename(file)}.vec`);
      const code = await run(['train', 'word2vec', file, '--out', out, ...extra, ...cliFlags]);
      assert.equal(code, 0, file);
      const lines = (await fsp.readFile(out, 'utf8')).trimEnd().split('\n');
      // 18 distinct words, lower-cased from the upper-case JSONL text
      assert.equal(lines[0], '18 8', file);
      assert.match(lines[1], /^t\dw\d( \S+){8}$/);
    }
  });
});

test('the same sentences give the same vectors from JSONL, CSV and a pre-tokenized file', async () => {
  await withDir(async (dir) => {
    const jsonl = path.join(dir, 'c.jsonl');
    await fsp.writeFile(jsonl, sentences.map((s) => JSON.stringify({ text: s.join(' ') })).join('\n'));
    const tsv = path.join(dir, 'c.tsv');
    await fsp.writeFile(tsv, `text\n${sentences.map((s) => s.join(' ')).join('\n')}\n`);
    const pre = path.join(dir, 'c.tok');
    await fsp.writeFile(pre, `${sentences.map((s) => s.join(' ')).join('\n')}\n`);
    const opts = { dim: 8, minCount: 1, epochs: 1, threads: 1, seed: 5 };
    const a = await trainWord2Vec(jsonl, opts);
    const b = await trainWord2Vec(tsv, opts);
    const c = await trainWord2Vec(pre, { ...opts, pretokenized: true });
    assert.deepEqual(a.words, c.words);
    assert.deepEqual(a.vectors, c.vectors);
    assert.deepEqual(b.vectors, c.vectors);
  });
});

test('bad corpus lines are reported with file:line; --strict stops with exit code 2', async () => {
  await withDir(async (dir) => {
    const jsonl = path.join(dir, 'bad.jsonl');
    const lines = sentences.map((s) => JSON.stringify({ text: s.join(' ') }));
    lines.splice(2, 0, '{"text": "broken');
    await fsp.writeFile(jsonl, lines.join('\n'));
    // lenient: the line is skipped and logged, training goes on
    const problems = new ProblemLog();
    const r = await trainWord2Vec(jsonl, { dim: 8, minCount: 1, epochs: 1, threads: 1, read: { problems } });
    assert.equal(r.words.length, 18);
    assert.equal(problems.total, 1);
    assert.equal(problems.examples[0].line, 3);
    assert.equal(problems.examples[0].source, jsonl);
    // strict: the error names the file and line
    await assert.rejects(
      trainWord2Vec(jsonl, { dim: 8, minCount: 1, epochs: 1, threads: 1, read: { strict: true } }),
      (e) => isSmyslError(e, 'E_INPUT') && e.message.startsWith(`${jsonl}:3: `),
    );
    const out = path.join(dir, 'v.vec');
    assert.equal(await run(['train', 'glove', jsonl, '--out', out, '--strict', ...cliFlags]), 2);
    // a pre-tokenized file with a line that is not UTF-8
    const pre = path.join(dir, 'bad.txt');
    await fsp.writeFile(pre, Buffer.concat([Buffer.from('a b c\nd e\n'), Buffer.from([0x66, 0xff, 0x0a])]));
    await assert.rejects(
      async () => {
        for await (const _ of readSentences(pre, { pretokenized: true, read: { strict: true } })) {
        }
      },
      (e) => isSmyslError(e, 'E_INPUT') && e.message.startsWith(`${pre}:3: `),
    );
    assert.equal(await run(['train', 'word2vec', pre, '--pretokenized', '--format', 'csv', '--out', out]), 2);
  });
});

test('GloVe spills sorted runs past maxPairs and merges them to the exact in-memory totals', async (t) => {
  const { cooccurrenceList, trainGlove } = await import('../../../src/embed/static/index.js');
  let s = 3;
  const ids: Int32Array[] = [];
  for (let i = 0; i < 300; i++) {
    const sentence = new Int32Array(15);
    for (let k = 0; k < sentence.length; k++) {
      s = (Math.imul(s, 1103515245) + 12345) >>> 0;
      sentence[k] = s % 40;
    }
    ids.push(sentence);
  }
  let dirs = 0;
  const tempDir = () => {
    dirs++;
    return spillDir;
  };
  const spillDir = await fsp.mkdtemp(path.join(os.tmpdir(), 'smysl-spill-test-'));
  try {
    const inMemory = cooccurrenceList(ids, { window: 7, vocabSize: 40, maxPairs: 1 << 20, tempDir });
    assert.equal(inMemory.stats.spilledRuns, 0);
    const spilled = cooccurrenceList(ids, { window: 7, vocabSize: 40, maxPairs: 50, tempDir });
    assert.ok(spilled.stats.spilledRuns > 20, `${spilled.stats.spilledRuns} runs`);
    assert.ok(dirs > 0);
    assert.equal(spilled.count, inMemory.count);
    assert.deepEqual(spilled.rows, inMemory.rows);
    assert.deepEqual(spilled.cols, inMemory.cols);
    assert.deepEqual(spilled.values, inMemory.values);
    assert.equal(spilled.stats.totalWeight, inMemory.stats.totalWeight);
    // 300 sentences of 15 ids, window 7: every pair at distance d adds 2/d in total
    let expected = 0;
    for (let d = 1; d <= 7; d++) expected += (2 * (15 - d) * 300) / d;
    assert.ok(Math.abs(inMemory.stats.totalWeight - expected) < 1e-6);
    // the merged runs were removed; the caller removes the directory
    assert.deepEqual(await fsp.readdir(spillDir), ['merged.f64']);
  } finally {
    await fsp.rm(spillDir, { recursive: true, force: true });
  }
  const corpus = sentences.slice(0, 120);
  const opts = { dim: 6, minCount: 1, epochs: 3, threads: 1, seed: 9, window: 4 };
  // a private temporary directory: other test runs on the machine spill into the shared one
  const sharedTmp = process.env.TMPDIR;
  process.env.TMPDIR = await fsp.mkdtemp(path.join(os.tmpdir(), 'smysl-glove-test-'));
  t.after(async () => {
    const mine = process.env.TMPDIR as string;
    if (sharedTmp === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = sharedTmp;
    await fsp.rm(mine, { recursive: true, force: true });
  });
  const before = (await fsp.readdir(os.tmpdir())).filter((f) => f.startsWith('smysl-glove-')).length;
  const a = await trainGlove(corpus, opts);
  const b = await trainGlove(corpus, { ...opts, maxPairs: 20 });
  assert.deepEqual(a.vectors, b.vectors);
  const after = (await fsp.readdir(os.tmpdir())).filter((f) => f.startsWith('smysl-glove-')).length;
  assert.equal(after, before, 'spill directories are removed');
  // cancelled while counting: the spill directory goes too
  const controller = new AbortController();
  await assert.rejects(
    trainGlove(
      (function* () {
        for (let i = 0; i < 20000; i++) yield sentences[i % sentences.length];
      })(),
      {
        ...opts,
        maxPairs: 20,
        signal: controller.signal,
        onProgress: (p) => {
          if (p.phase === 'counting co-occurrences' && p.done > 0) controller.abort();
        },
      },
    ),
    (e) => isSmyslError(e, 'E_CANCELLED'),
  );
  const afterCancel = (await fsp.readdir(os.tmpdir())).filter((f) => f.startsWith('smysl-glove-')).length;
  assert.equal(afterCancel, before, 'spill directories are removed on cancel');
});

test('the WebAssembly sentence kernel gives the same vectors as the per-example path', async () => {
  const { simdModule } = await import('../../../src/embed/static/simd.js');
  if (!simdModule()) {
    console.log('WebAssembly SIMD unavailable: nothing to compare');
    return;
  }
  for (const [architecture, shareNegatives] of [
    ['skipgram', true],
    ['skipgram', false],
    ['cbow', true],
  ] as const) {
    const opts = {
      architecture,
      shareNegatives,
      dim: 16,
      minCount: 1,
      epochs: 2,
      threads: 1,
      seed: 4,
      sample: 1e-2,
    };
    const perExample = await trainWord2Vec(sentences, { ...opts, sentenceKernel: false });
    const kernel = await trainWord2Vec(sentences, opts);
    assert.deepEqual(kernel.vectors, perExample.vectors, `${architecture} shared ${shareNegatives}`);
    // the per-example path without SIMD is another computation (rounding differs), same model
    const plain = await trainWord2Vec(sentences, { ...opts, simd: false });
    let maxDiff = 0;
    for (let i = 0; i < plain.vectors.length; i++)
      maxDiff = Math.max(maxDiff, Math.abs(plain.vectors[i] - kernel.vectors[i]));
    assert.ok(maxDiff < 1e-3, `${architecture} shared ${shareNegatives}: ${maxDiff}`);
  }
});

test('skip-gram with negatives shared per centre word is deterministic and learns the topics', async () => {
  const opts = {
    architecture: 'skipgram' as const,
    dim: 16,
    minCount: 1,
    epochs: 5,
    threads: 1,
    seed: 2,
    sample: 0,
    shareNegatives: true,
  };
  const a = await trainWord2Vec(sentences, opts);
  const b = await trainWord2Vec(sentences, opts);
  assert.deepEqual(a.vectors, b.vectors);
  const unshared = await trainWord2Vec(sentences, { ...opts, shareNegatives: false });
  assert.notDeepEqual(a.vectors, unshared.vectors);
  // nearest neighbour of every word is in its own topic
  let hits = 0;
  const dim = a.dim;
  const cos = (i: number, j: number) => {
    let dot = 0;
    let ni = 0;
    let nj = 0;
    for (let k = 0; k < dim; k++) {
      dot += a.vectors[i * dim + k] * a.vectors[j * dim + k];
      ni += a.vectors[i * dim + k] ** 2;
      nj += a.vectors[j * dim + k] ** 2;
    }
    return dot / Math.sqrt(ni * nj);
  };
  for (let i = 0; i < a.words.length; i++) {
    let best = -1;
    for (let j = 0; j < a.words.length; j++) if (j !== i && (best < 0 || cos(i, j) > cos(i, best))) best = j;
    if (a.words[best].slice(0, 2) === a.words[i].slice(0, 2)) hits++;
  }
  assert.ok(hits / a.words.length >= 0.95, `${hits} of ${a.words.length}`);
});
