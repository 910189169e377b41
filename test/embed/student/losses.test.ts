import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  cosentLoss,
  cosineLoss,
  mseLoss,
  multipleNegativesRankingLoss,
} from '../../../src/embed/student/losses.js';

const close = (actual: number, expected: number, tol = 1e-12, what = '') =>
  assert.ok(Math.abs(actual - expected) <= tol, `${what} ${actual} vs ${expected}`);
const closeAll = (actual: ArrayLike<number>, expected: number[], tol = 1e-12) => {
  assert.equal(actual.length, expected.length);
  for (let i = 0; i < expected.length; i++) close(actual[i], expected[i], tol, `[${i}]`);
};

test('MSE distillation: mean of squared differences over all elements, and its gradient', () => {
  const student = Float64Array.from([1, 0, 0, 1]);
  const teacher = Float32Array.from([0.5, 0.5, 0, 0]);
  const g = new Float64Array(4);
  // (0.25 + 0.25 + 0 + 1) / 4
  close(mseLoss(student, teacher, 2, 2, g), 0.375);
  // 2 (s - t) / 4
  closeAll(g, [0.25, -0.25, 0, 0.5]);
});

test('CoSENT with two pairs ranked the wrong way round (scale 1): log(1 + e)', () => {
  // cosines 1 and 0, but the second pair has the higher gold score
  const a = Float64Array.from([1, 0, 1, 0]);
  const b = Float64Array.from([1, 0, 0, 1]);
  const ga = new Float64Array(4);
  const gb = new Float64Array(4);
  close(cosentLoss(a, b, [0, 1], 2, 2, ga, gb, 1), Math.log(1 + Math.E));
  const p = Math.E / (1 + Math.E);
  // ∂/∂cos_0 = +p, ∂/∂cos_1 = -p; ∂cos_i/∂a_i = b_i, ∂cos_i/∂b_i = a_i
  closeAll(ga, [p, 0, 0, -p]);
  closeAll(gb, [p, 0, -p, 0]);
  // ranked the right way round with the default scale 20: log(1 + e^-20)
  close(cosentLoss(a, b, [1, 0], 2, 2, ga, gb), Math.log1p(Math.exp(-20)), 1e-15);
});

test('CoSENT sums over every ordered pair of gold scores; ties add no term', () => {
  const cos = [0.5, 0.8, 0.1, 0.3];
  const a = new Float64Array(8);
  const b = new Float64Array(8);
  cos.forEach((c, i) => {
    a[2 * i] = 1;
    b[2 * i] = c;
    b[2 * i + 1] = Math.sqrt(1 - c * c);
  });
  const ga = new Float64Array(8);
  const gb = new Float64Array(8);
  // gold 3 > 2 > 1 = 1: terms (0,1) (0,2) (0,3) (1,2) (1,3); (2,3) tie
  const expected = Math.log(
    1 +
      Math.exp(0.8 - 0.5) +
      Math.exp(0.1 - 0.5) +
      Math.exp(0.3 - 0.5) +
      Math.exp(0.1 - 0.8) +
      Math.exp(0.3 - 0.8),
  );
  close(cosentLoss(a, b, [3, 2, 1, 1], 4, 2, ga, gb, 1), expected);
});

test('CosineSimilarityLoss: mean squared error between cosine and label', () => {
  const a = Float64Array.from([1, 0, 0, 1]);
  const b = Float64Array.from([0.6, 0.8, 0.6, 0.8]);
  const ga = new Float64Array(4);
  const gb = new Float64Array(4);
  // (0.6 - 1)² and (0.8 - 0.5)², mean
  close(cosineLoss(a, b, [1, 0.5], 2, 2, ga, gb), (0.16 + 0.09) / 2);
  // 2 (cos - label) / n times the other vector
  closeAll(ga, [-0.4 * 0.6, -0.4 * 0.8, 0.3 * 0.6, 0.3 * 0.8]);
  closeAll(gb, [-0.4, 0, 0, 0.3]);
});

test('MultipleNegativesRanking: cross-entropy over in-batch positives', () => {
  const anchors = Float64Array.from([1, 0, 0, 1]);
  const positives = Float64Array.from([1, 0, 0, 1]);
  const ga = new Float64Array(4);
  const gp = new Float64Array(4);
  // each anchor: logits (1, 0) or (0, 1), correct one has 1 → log(1 + e) - 1
  close(multipleNegativesRankingLoss(anchors, positives, 2, 2, ga, gp, 1), Math.log(1 + Math.E) - 1);
  const q = 1 / (1 + Math.E); // softmax weight of the wrong positive
  // ∂/∂logit = (softmax - onehot) / n; ∂logit_ij/∂a_i = p_j
  closeAll(ga, [-q / 2, q / 2, q / 2, -q / 2]);
  closeAll(gp, [-q / 2, q / 2, q / 2, -q / 2]);
  // scale 20, one anchor with a positive at cos 0.6 and a negative at cos 1
  const a1 = Float64Array.from([1, 0, 1, 0]);
  const p1 = Float64Array.from([0.6, 0.8, 1, 0]);
  const loss = multipleNegativesRankingLoss(a1, p1, 2, 2, ga, gp);
  // anchor 0: -12 + log(e^12 + e^20); anchor 1: -20 + log(e^12 + e^20)
  const lse = 20 + Math.log1p(Math.exp(-8));
  close(loss, (lse - 12 + (lse - 20)) / 2, 1e-12);
});
