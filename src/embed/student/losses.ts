/**
 * The sentence-transformers losses, on unit sentence vectors (rows of n x dim arrays). Each
 * returns the loss and writes ∂loss/∂vectors into the gradient arrays it is given (overwriting
 * them), so the student's backward pass can take it from there.
 */

/**
 * MSE distillation (Reimers & Gurevych 2020): mean over all n x dim elements of
 * (student - teacher)², as torch.nn.MSELoss computes it.
 */
export function mseLoss(
  student: Float64Array,
  teacher: ArrayLike<number>,
  n: number,
  dim: number,
  grad: Float64Array,
): number {
  const count = n * dim;
  let sum = 0;
  for (let i = 0; i < count; i++) {
    const d = student[i] - teacher[i];
    sum += d * d;
    grad[i] = (2 * d) / count;
  }
  return sum / count;
}

/** Dot product of row i of a and row j of b. */
function dot(a: Float64Array, i: number, b: Float64Array, j: number, dim: number): number {
  let s = 0;
  const x = i * dim;
  const y = j * dim;
  for (let k = 0; k < dim; k++) s += a[x + k] * b[y + k];
  return s;
}

/**
 * CoSENT (Su 2022; sentence-transformers CoSENTLoss): for pairs (a_i, b_i) with gold scores,
 * loss = log(1 + Σ_{s_i > s_j} exp(scale · (cos_j - cos_i))): every pair the gold ranks
 * higher must get a higher cosine. Default scale 20, as in sentence-transformers.
 */
export function cosentLoss(
  a: Float64Array,
  b: Float64Array,
  scores: ArrayLike<number>,
  n: number,
  dim: number,
  gradA: Float64Array,
  gradB: Float64Array,
  scale = 20,
): number {
  const cos = new Float64Array(n);
  for (let i = 0; i < n; i++) cos[i] = dot(a, i, b, i, dim);
  // log-sum-exp over {0} ∪ {scale (cos_j - cos_i) : s_i > s_j}
  let max = 0;
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++) if (scores[i] > scores[j]) max = Math.max(max, scale * (cos[j] - cos[i]));
  let sum = Math.exp(-max);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++) if (scores[i] > scores[j]) sum += Math.exp(scale * (cos[j] - cos[i]) - max);
  const loss = max + Math.log(sum);
  // ∂loss/∂cos: each term's softmax weight p pushes cos_j up-gradient and cos_i down
  const gcos = new Float64Array(n);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++)
      if (scores[i] > scores[j]) {
        const p = Math.exp(scale * (cos[j] - cos[i]) - max) / sum;
        gcos[j] += scale * p;
        gcos[i] -= scale * p;
      }
  for (let i = 0; i < n; i++)
    for (let k = 0; k < dim; k++) {
      gradA[i * dim + k] = gcos[i] * b[i * dim + k];
      gradB[i * dim + k] = gcos[i] * a[i * dim + k];
    }
  return loss;
}

/**
 * Cosine similarity loss (sentence-transformers CosineSimilarityLoss): mean of
 * (cos(a_i, b_i) - label_i)², labels in [0, 1] (e.g. STS score / 5).
 */
export function cosineLoss(
  a: Float64Array,
  b: Float64Array,
  labels: ArrayLike<number>,
  n: number,
  dim: number,
  gradA: Float64Array,
  gradB: Float64Array,
): number {
  let loss = 0;
  for (let i = 0; i < n; i++) {
    const d = dot(a, i, b, i, dim) - labels[i];
    loss += d * d;
    const g = (2 * d) / n;
    for (let k = 0; k < dim; k++) {
      gradA[i * dim + k] = g * b[i * dim + k];
      gradB[i * dim + k] = g * a[i * dim + k];
    }
  }
  return loss / n;
}

/**
 * MultipleNegativesRankingLoss (in-batch negatives; sentence-transformers default scale 20):
 * mean over anchors of cross-entropy of softmax_j(scale · cos(a_i, p_j)) against j = i.
 */
export function multipleNegativesRankingLoss(
  anchors: Float64Array,
  positives: Float64Array,
  n: number,
  dim: number,
  gradA: Float64Array,
  gradP: Float64Array,
  scale = 20,
): number {
  gradA.fill(0, 0, n * dim);
  gradP.fill(0, 0, n * dim);
  const logits = new Float64Array(n);
  let loss = 0;
  for (let i = 0; i < n; i++) {
    let max = Number.NEGATIVE_INFINITY;
    for (let j = 0; j < n; j++) {
      logits[j] = scale * dot(anchors, i, positives, j, dim);
      if (logits[j] > max) max = logits[j];
    }
    let sum = 0;
    for (let j = 0; j < n; j++) sum += Math.exp(logits[j] - max);
    loss += max + Math.log(sum) - logits[i];
    for (let j = 0; j < n; j++) {
      // ∂/∂logit_j = (softmax_j - [j = i]) / n
      const g = ((Math.exp(logits[j] - max) / sum - (j === i ? 1 : 0)) * scale) / n;
      if (g === 0) continue;
      for (let k = 0; k < dim; k++) {
        gradA[i * dim + k] += g * positives[j * dim + k];
        gradP[j * dim + k] += g * anchors[i * dim + k];
      }
    }
  }
  return loss / n;
}
