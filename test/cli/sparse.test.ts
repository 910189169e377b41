import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { isSmyslError } from '../../src/errors.js';
import { readBeir } from '../../src/eval/beir.js';

const bin = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
const smysl = (...args: string[]) => spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8' });

function beirDir(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'smysl-beir-'));
  mkdirSync(path.join(dir, 'qrels'));
  const docs = [
    { _id: 'd1', title: 'Wings', text: 'lift of a wing in a slipstream' },
    { _id: 'd2', title: '', text: 'heat transfer in boundary layers' },
    { _id: 'd3', title: 'Boundary layers', text: 'laminar boundary layer separation and heat' },
    { _id: 'd4', title: 'Крыло', text: 'подъёмная сила крыла' },
  ];
  writeFileSync(path.join(dir, 'corpus.jsonl'), `${docs.map((d) => JSON.stringify(d)).join('\n')}\n`);
  const queries = [
    { _id: 'q1', text: 'wing lift' },
    { _id: 'q2', text: 'boundary layer heat' },
    { _id: 'q3', text: 'not judged' },
  ];
  writeFileSync(path.join(dir, 'queries.jsonl'), queries.map((q) => JSON.stringify(q)).join('\n'));
  writeFileSync(
    path.join(dir, 'qrels', 'test.tsv'),
    'query-id\tcorpus-id\tscore\nq1\td1\t2\nq2\td3\t2\nq2\td2\t1\n',
  );
  return dir;
}

test('readBeir reads corpus, queries and graded qrels; bad lines name file and line', async () => {
  const dir = beirDir();
  const c = await readBeir(dir);
  assert.equal(c.corpus.length, 4);
  assert.equal(c.queries.length, 3);
  assert.equal(c.qrels.get('q2')?.get('d2'), 1);
  assert.equal(c.qrels.size, 2);
  writeFileSync(path.join(dir, 'qrels', 'test.tsv'), 'query-id\tcorpus-id\tscore\nq1\tnope\t1\n');
  await assert.rejects(
    readBeir(dir),
    (e) => isSmyslError(e, 'E_INPUT') && /test\.tsv:2: unknown document id "nope"/.test((e as Error).message),
  );
  writeFileSync(path.join(dir, 'corpus.jsonl'), '{"_id": "x", "text": "ok"}\n{broken\n');
  await assert.rejects(
    readBeir(dir),
    (e) => isSmyslError(e, 'E_INPUT') && /corpus\.jsonl:2/.test((e as Error).message),
  );
});

test('smysl eval retrieval --json: perfect rankings on a tiny collection', () => {
  const dir = beirDir();
  for (const method of ['bm25', 'tfidf', 'bow']) {
    const r = smysl('eval', 'retrieval', dir, '--embedder', method, '--json');
    assert.equal(r.status, 0, r.stderr);
    const o = JSON.parse(r.stdout);
    assert.equal(o.queries, 2);
    for (const key of ['ndcg@10', 'map', 'mrr@10', 'recall@100']) assert.equal(typeof o[key], 'number', key);
    assert.equal(o['mrr@10'], 1, method);
    assert.equal(o['recall@100'], 1, method);
  }
  const table = smysl('eval', 'retrieval', dir);
  assert.equal(table.status, 0);
  assert.match(table.stdout, /ndcg@10\s+(1|0\.\d{4})\n/);
  const missing = smysl('eval', 'retrieval', path.join(dir, 'nope'));
  assert.equal(missing.status, 1);
  assert.match(missing.stderr, /not found/);
});

test('smysl embed --embedder bow|tfidf writes Matrix Market and a vocabulary in column order', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'smysl-vec-'));
  const corpus = path.join(dir, 'docs.txt');
  writeFileSync(corpus, 'the cat sat\nthe dog sat down\nкошка и собака\n');
  const out = path.join(dir, 'm.mtx');
  const vocab = path.join(dir, 'vocab.txt');
  const r = smysl(
    'embed',
    '--embedder',
    'bow',
    '--ngram',
    '1,2',
    '--out',
    out,
    '--out-vocab',
    vocab,
    '--json',
    corpus,
  );
  assert.equal(r.status, 0, r.stderr);
  const o = JSON.parse(r.stdout);
  assert.equal(o.documents, 3);
  const terms = readFileSync(vocab, 'utf8').trim().split('\n');
  assert.equal(terms.length, o.features);
  assert.deepEqual(terms.slice(0, 4), ['cat', 'cat sat', 'dog', 'dog sat']);
  const mtx = readFileSync(out, 'utf8').split('\n');
  assert.equal(mtx[0], '%%MatrixMarket matrix coordinate real general');
  assert.ok(mtx.includes(`1 ${terms.indexOf('the cat') + 1} 1`));
  const model = path.join(dir, 'model');
  const h = smysl(
    'embed',
    '--embedder',
    'tfidf',
    '--sublinear-tf',
    '--min-df',
    '2',
    '--out',
    out,
    '--out-model',
    model,
    '--quiet',
    corpus,
  );
  assert.equal(h.status, 0, h.stderr);
  assert.ok(existsSync(path.join(model, 'manifest.json')));
  const bad = smysl('embed', '--embedder', 'hashing', '--out-vocab', vocab, '--out', out, corpus);
  assert.equal(bad.status, 2);
});
