import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  type BenchReport,
  rankedRows,
  renderHtmlReport,
  renderMarkdownReport,
} from '../../src/eval/report.js';

const report: BenchReport = {
  task: 'classification',
  data: 'spam.tsv',
  mainMetric: 'macro-f1',
  settings: { folds: 5, seed: 1 },
  date: '2026-11-23',
  machine: 'test',
  rows: [
    { embedder: 'bow', metrics: { 'macro-f1': 0.9, accuracy: 0.95 }, seconds: 1.2 },
    { embedder: 'minilm', metrics: { 'macro-f1': 0.93, accuracy: 0.96 }, seconds: 30 },
    { embedder: 'glove', metrics: {}, seconds: 0, error: 'needs <script>' },
  ],
};

test('reports rank by the main metric and list failures last', () => {
  assert.deepEqual(
    rankedRows(report).map((r) => r.embedder),
    ['minilm', 'bow', 'glove'],
  );
  const md = renderMarkdownReport(report);
  assert.match(md, /\| embedder \| macro-f1 \| accuracy \| seconds \|/);
  assert.match(md, /\| minilm \| 0\.9300 \| 0\.9600 \| 30\.0 \|/);
  assert.match(md, /- glove: needs <script>/);
});

test('the HTML report is self-contained, escaped, and has one bar per successful method in each chart', () => {
  const html = renderHtmlReport(report);
  assert.ok(
    !/<script/i.test(html.replace(/&lt;script&gt;/g, '')),
    'no script tags, and the error text is escaped',
  );
  assert.equal((html.match(/<svg/g) ?? []).length, 2);
  assert.equal((html.match(/<rect/g) ?? []).length, 4);
  assert.ok(!/https?:\/\//.test(html.replaceAll('http://www.w3.org/2000/svg', '')), 'no external resources');
});
