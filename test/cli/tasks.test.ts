import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const bin = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
const fixtures = fileURLToPath(new URL('../../../test/fixtures/tasks/', import.meta.url));
const smysl = (...args: string[]) => spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8' });
const fixture = (name: string) => path.join(fixtures, name);

test('classify eval: stratified cross-validation on a headerless TSV, JSON report', () => {
  const r = smysl(
    'classify',
    'eval',
    fixture('labelled.tsv'),
    '--columns',
    'label,text',
    '--embedder',
    'tfidf',
    '--folds',
    '4',
    '--json',
  );
  assert.equal(r.status, 0, r.stderr);
  const j = JSON.parse(r.stdout);
  assert.equal(j.accuracy, 1);
  assert.equal(j.macroF1, 1);
  assert.deepEqual(j.labels, ['money', 'sport']);
  assert.deepEqual(j.confusion, [
    [20, 0],
    [0, 20],
  ]);
});

test('classify eval with a --test file prints the per-class table and confusion matrix', () => {
  const r = smysl(
    'classify',
    'eval',
    fixture('labelled.csv'),
    '--label-field',
    'topic',
    '--text-column',
    'title',
    '--text-column',
    'body',
    '--test',
    fixture('labelled.csv'),
    '--classifier',
    'knn',
    '--neighbors',
    '1',
  );
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /accuracy 1\.0000 {3}macro F1 1\.0000/);
  assert.match(r.stdout, /confusion matrix/);
  assert.match(r.stdout, /sport\s+1\.0000\s+1\.0000\s+1\.0000\s+20/);
});

test('classify train then predict (logreg and knn models round-trip through a directory)', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'smysl-classify-'));
  for (const classifier of ['logreg', 'knn']) {
    const model = path.join(dir, classifier);
    let r = smysl(
      'classify',
      'train',
      fixture('labelled.tsv'),
      '--columns',
      'label,text',
      '--embedder',
      'tfidf',
      '--classifier',
      classifier,
      '--out',
      model,
      '--json',
    );
    assert.equal(r.status, 0, r.stderr);
    assert.equal(JSON.parse(r.stdout).classes, 2);
    r = smysl(
      'classify',
      'predict',
      '--model',
      model,
      '--text',
      'the coach and the team win the cup',
      '--text',
      'bank shares and stock price',
      '--json',
    );
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), ['sport', 'money']);
  }
});

test('classify reports a missing label field with the fields it found', () => {
  const r = smysl('classify', 'eval', fixture('labelled.csv'), '--text-column', 'title');
  assert.equal(r.status, 2);
  assert.match(r.stderr, /labelled\.csv:2 has no label field "label" \(its fields: topic, body\)/);
});

test('cluster: two clear topics give ARI = NMI = 1 and distinctive terms', () => {
  const r = smysl(
    'cluster',
    fixture('docs.jsonl'),
    '--embedder',
    'tfidf',
    '--clusters',
    '2',
    '--label-field',
    'topic',
    '--json',
  );
  assert.equal(r.status, 0, r.stderr);
  const j = JSON.parse(r.stdout);
  assert.equal(j.agreement.ari, 1);
  assert.equal(j.agreement.nmi, 1);
  assert.deepEqual(
    j.clusters.map((c: { size: number }) => c.size),
    [20, 20],
  );
  const vocab = new Set([
    'bank',
    'stock',
    'market',
    'price',
    'profit',
    'shares',
    'trade',
    'dollar',
    'investor',
    'rate',
  ]);
  const moneyCluster = j.clusters.find((c: { terms: string[] }) => vocab.has(c.terms[0]));
  assert.ok(moneyCluster, JSON.stringify(j.clusters.map((c: { terms: string[] }) => c.terms)));
  assert.ok(moneyCluster.terms.slice(0, 5).every((t: string) => vocab.has(t)));
  assert.equal(moneyCluster.examples.length, 3);
});

test('cluster --clusters-range picks k by silhouette and prints it', () => {
  const r = smysl(
    'cluster',
    fixture('docs.jsonl'),
    '--embedder',
    'tfidf',
    '--clusters-range',
    '2,4',
    '--quiet',
  );
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /k = 2 \(best silhouette\)/);
  assert.match(r.stdout, /silhouette by k: 2:/);
});

test('eval sts: Spearman x100 of cosine vs gold', () => {
  const r = smysl('eval', 'sts', fixture('sts.tsv'), '--format', 'stsb', '--embedder', 'tfidf', '--json');
  assert.equal(r.status, 0, r.stderr);
  const j = JSON.parse(r.stdout);
  assert.equal(j.pairs, 8);
  assert.ok(j.spearman > 50 && j.spearman <= 100, String(j.spearman));
  assert.ok(Math.abs(j.pearson) <= 100);
});

test('bench writes Markdown and HTML reports, with an error row for a method that cannot run', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'smysl-bench-'));
  const out = path.join(dir, 'report');
  const r = smysl(
    'bench',
    fixture('labelled.tsv'),
    '--task',
    'classification',
    '--columns',
    'label,text',
    '--embedder',
    'tfidf,bow,word2vec,nosuchmethod',
    '--set',
    'dim=8',
    '--set',
    'minCount=1',
    '--threads',
    '1',
    '--epochs',
    '1',
    '--out',
    out,
    '--json',
    '--quiet',
  );
  assert.equal(r.status, 0, r.stderr);
  const j = JSON.parse(r.stdout);
  assert.equal(j.mainMetric, 'macroF1');
  assert.equal(j.rows.length, 4);
  assert.equal(j.rows[0].metrics.macroF1, 1);
  assert.match(j.rows[3].error, /unknown embedder "nosuchmethod"/);
  assert.ok(existsSync(`${out}.md`) && existsSync(`${out}.html`));
  assert.match(readFileSync(`${out}.md`, 'utf8'), /tfidf/);
  assert.match(readFileSync(`${out}.html`, 'utf8'), /<html/i);
});

test('bench --task sts ranks methods on one file', () => {
  const r = smysl(
    'bench',
    '--task',
    'sts',
    fixture('sts.tsv'),
    '--embedder',
    'bow,tfidf',
    '--json',
    '--quiet',
  );
  assert.equal(r.status, 0, r.stderr);
  const j = JSON.parse(r.stdout);
  assert.equal(j.mainMetric, 'spearman');
  assert.ok(j.rows.every((row: { metrics: { spearman: number } }) => Number.isFinite(row.metrics.spearman)));
});

test('bench --task words leaves out pairs with an unknown word and reports the coverage', () => {
  const r = smysl(
    'bench',
    fixture('word-pairs.tsv'),
    '--task',
    'words',
    '--fit-data',
    fixture('word-fit.txt'),
    '--embedder',
    'word2vec',
    '--set',
    'dim=8',
    '--set',
    'minCount=1',
    '--threads',
    '1',
    '--epochs',
    '1',
    '--json',
    '--quiet',
  );
  assert.equal(r.status, 0, r.stderr);
  const row = JSON.parse(r.stdout).rows[0];
  // "zebra" never occurs in the fit data: 4 of the 5 pairs are scored
  assert.equal(row.metrics.coverage, 0.8);
  assert.ok(Number.isFinite(row.metrics.spearman) && Math.abs(row.metrics.spearman) <= 100);
});
