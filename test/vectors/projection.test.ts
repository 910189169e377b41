import assert from 'node:assert/strict';
import { test } from 'node:test';
import { tsne, umap } from '../../src/vectors/projection.js';
import type { DenseMatrix } from '../../src/vectors/types.js';

/** Three tight clusters in 10-D. */
function clusters(per: number): { x: DenseMatrix; labels: number[] } {
  const dim = 10;
  const data: number[] = [];
  const labels: number[] = [];
  let s = 1;
  const r = () => ((s = (s * 16807) % 2147483647) / 2147483647 - 0.5) * 0.2;
  for (let c = 0; c < 3; c++)
    for (let i = 0; i < per; i++) {
      for (let d = 0; d < dim; d++) data.push((d === c * 3 ? 5 : 0) + r());
      labels.push(c);
    }
  return { x: { rows: labels.length, dim, data: Float32Array.from(data) }, labels };
}

/** Fraction of points whose nearest 2-D neighbour has the same label. */
function neighbourPurity(y: Float32Array, labels: number[]): number {
  let ok = 0;
  for (let i = 0; i < labels.length; i++) {
    let best = -1;
    let bd = Number.POSITIVE_INFINITY;
    for (let j = 0; j < labels.length; j++) {
      if (j === i) continue;
      const d = (y[2 * i] - y[2 * j]) ** 2 + (y[2 * i + 1] - y[2 * j + 1]) ** 2;
      if (d < bd) {
        bd = d;
        best = j;
      }
    }
    if (labels[best] === labels[i]) ok++;
  }
  return ok / labels.length;
}

test('t-SNE keeps clusters apart, is deterministic for a seed, and returns finite coordinates', () => {
  const { x, labels } = clusters(20);
  const a = tsne(x, { iterations: 300, seed: 3 });
  assert.equal(a.length, 120);
  assert.ok(a.every(Number.isFinite));
  assert.equal(neighbourPurity(a, labels), 1);
  assert.deepEqual(tsne(x, { iterations: 300, seed: 3 }), a);
});

test('UMAP keeps clusters apart and is deterministic for a seed', () => {
  const { x, labels } = clusters(20);
  const a = umap(x, { seed: 5, epochs: 200 });
  assert.equal(a.length, 120);
  assert.equal(neighbourPurity(a, labels), 1);
  assert.deepEqual(umap(x, { seed: 5, epochs: 200 }), a);
});
