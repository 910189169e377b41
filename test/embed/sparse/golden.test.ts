import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { SKLEARN_TOKEN_PATTERN } from '../../../src/embed/sparse/analyzer.js';
import { HashingVectorizer } from '../../../src/embed/sparse/hashing.js';
import { murmurhash3 } from '../../../src/embed/sparse/murmurhash.js';
import { CountVectorizer, TfidfVectorizer } from '../../../src/embed/sparse/vectorizers.js';
import type { SparseMatrix } from '../../../src/vectors/types.js';

// Golden values written once by test/golden/sparse/make_golden.py with scikit-learn.
const goldenDir = new URL('../../../../test/golden/sparse/', import.meta.url);

interface GoldenCsr {
  shape: [number, number];
  indptr: number[];
  indices: number[];
  data: number[];
}
interface GoldenCase {
  kind: 'count' | 'tfidf' | 'hashing';
  name: string;
  corpus: string;
  options: Record<string, unknown>;
  fit: GoldenCsr;
  transform?: GoldenCsr;
  vocabulary?: string[];
  idf?: number[];
}
const golden = JSON.parse(readFileSync(new URL('vectorizers.json', goldenDir), 'utf8')) as {
  docs: Record<string, { train: string[]; test: string[] }>;
  cases: GoldenCase[];
  murmurhash3_32: Record<string, number>;
};

function assertSameMatrix(ours: SparseMatrix, theirs: GoldenCsr, what: string): void {
  assert.equal(ours.rows, theirs.shape[0], `${what}: rows`);
  assert.equal(ours.cols, theirs.shape[1], `${what}: cols`);
  for (let i = 0; i < ours.rows; i++) {
    const expected = new Map<number, number>();
    for (let k = theirs.indptr[i]; k < theirs.indptr[i + 1]; k++)
      expected.set(theirs.indices[k], theirs.data[k]);
    const got = new Map<number, number>();
    for (let k = ours.indptr[i]; k < ours.indptr[i + 1]; k++) {
      assert.ok(k === ours.indptr[i] || ours.indices[k] > ours.indices[k - 1], `${what}: row ${i} sorted`);
      got.set(ours.indices[k], ours.data[k]);
    }
    for (const j of new Set([...expected.keys(), ...got.keys()])) {
      const e = expected.get(j) ?? 0;
      const g = got.get(j) ?? 0;
      assert.ok(Math.abs(e - g) <= 1e-6, `${what}: [${i},${j}] expected ${e}, got ${g}`);
    }
  }
}

/**
 * scikit-learn picks `max_features` with numpy's unstable argsort, so which of several terms
 * tied at the cut-off count survive depends on numpy's sort internals (with numpy 1.24.2 on an
 * AVX-512 CPU, a SIMD sort whose tie order is not even numpy's portable quicksort's). Ours keeps the earlier
 * term in sorted order. Everything above the cut-off must agree, and both sides must cut at the
 * same count.
 */
function assertSameTopTerms(
  ours: readonly string[],
  theirs: string[],
  options: Record<string, unknown>,
  train: string[],
  label: string,
): void {
  assert.equal(ours.length, theirs.length, `${label}: vocabulary size`);
  const { maxFeatures: _, ...rest } = options;
  const all = new CountVectorizer(rest);
  const counts = all.fitTransform(train);
  const total = new Map<string, number>();
  for (let k = 0; k < counts.indices.length; k++) {
    const term = all.vocabulary[counts.indices[k]];
    total.set(term, (total.get(term) ?? 0) + counts.data[k]);
  }
  const cut = Math.min(...theirs.map((t) => total.get(t)!));
  assert.equal(Math.min(...ours.map((t) => total.get(t)!)), cut, `${label}: cut-off count`);
  for (const [term, n] of total) if (n > cut) assert.ok(ours.includes(term), `${label}: keeps "${term}"`);
}

for (const c of golden.cases) {
  test(`sklearn golden: ${c.kind} ${c.corpus} ${c.name}`, () => {
    const docs = golden.docs[c.corpus];
    const label = `${c.kind} ${c.corpus} ${c.name}`;
    if (c.kind === 'hashing') {
      const v = new HashingVectorizer(c.options as ConstructorParameters<typeof HashingVectorizer>[0]);
      assertSameMatrix(v.transform(docs.train), c.fit, label);
      return;
    }
    const v =
      c.kind === 'count'
        ? new CountVectorizer(c.options as ConstructorParameters<typeof CountVectorizer>[0])
        : new TfidfVectorizer(c.options as ConstructorParameters<typeof TfidfVectorizer>[0]);
    const fitted = v.fitTransform(docs.train);
    if (c.options.maxFeatures !== undefined) {
      assertSameTopTerms(v.vocabulary, c.vocabulary!, c.options, docs.train, label);
      return;
    }
    assert.deepEqual(v.vocabulary, c.vocabulary, `${label}: vocabulary`);
    assertSameMatrix(fitted, c.fit, `${label} fit`);
    if (c.idf && v instanceof TfidfVectorizer) {
      assert.ok(v.idf);
      for (let j = 0; j < c.idf.length; j++)
        assert.ok(Math.abs(v.idf[j] - c.idf[j]) < 1e-12, `${label}: idf[${j}]`);
    }
    if (c.transform) assertSameMatrix(v.transform(docs.test), c.transform, `${label} transform`);
  });
}

test('murmurhash3 equals sklearn murmurhash3_32(positive=False)', () => {
  for (const [text, h] of Object.entries(golden.murmurhash3_32)) assert.equal(murmurhash3(text), h, text);
});

test("token pattern's word characters equal Python's Unicode \\w on every assigned code point", () => {
  const u = JSON.parse(readFileSync(new URL('python_word_chars.json', goldenDir), 'utf8')) as {
    word_ranges: [number, number][];
    assigned_ranges: [number, number][];
  };
  const python = new Set<number>();
  for (const [a, b] of u.word_ranges) for (let c = a; c <= b; c++) python.add(c);
  const single = new RegExp(`^${SKLEARN_TOKEN_PATTERN.source.replace('{2,}', '')}$`, 'u');
  let checked = 0;
  const mismatches: string[] = [];
  for (const [a, b] of u.assigned_ranges) {
    for (let c = a; c <= b; c++) {
      checked++;
      if (single.test(String.fromCodePoint(c)) !== python.has(c)) mismatches.push(c.toString(16));
    }
  }
  assert.ok(checked > 100_000);
  assert.deepEqual(mismatches.slice(0, 20), []);
});
