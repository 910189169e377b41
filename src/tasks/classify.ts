import { SmyslError } from '../errors.js';
import { selectRows } from '../vectors/dense.js';
import { seededRandom } from '../vectors/random.js';
import type { DenseMatrix, SparseMatrix } from '../vectors/types.js';

/** Class labels: any mix of strings and numbers, compared with ===. */
export type Label = string | number;

/** Features for a classifier: dense rows or CSR rows (e.g. TF-IDF). */
export type Features = DenseMatrix | SparseMatrix;

function isSparse(x: Features): x is SparseMatrix {
  return (x as SparseMatrix).indptr !== undefined;
}

function featureCount(x: Features): number {
  return isSparse(x) ? x.cols : x.dim;
}

/** scores[c] = W[c]·x_i + b[c] for one row, into `out`. */
function rowScores(
  x: Features,
  i: number,
  w: Float64Array,
  b: Float64Array,
  k: number,
  out: Float64Array,
): void {
  const d = featureCount(x);
  for (let c = 0; c < k; c++) out[c] = b[c];
  if (isSparse(x)) {
    for (let p = x.indptr[i]; p < x.indptr[i + 1]; p++) {
      const j = x.indices[p];
      const v = x.data[p];
      for (let c = 0; c < k; c++) out[c] += w[c * d + j] * v;
    }
  } else {
    const off = i * d;
    for (let c = 0; c < k; c++) {
      let s = 0;
      const wo = c * d;
      for (let j = 0; j < d; j++) s += w[wo + j] * x.data[off + j];
      out[c] += s;
    }
  }
}

function softmaxInPlace(v: Float64Array, k: number): void {
  let max = Number.NEGATIVE_INFINITY;
  for (let c = 0; c < k; c++) if (v[c] > max) max = v[c];
  let z = 0;
  for (let c = 0; c < k; c++) z += v[c] = Math.exp(v[c] - max);
  for (let c = 0; c < k; c++) v[c] /= z;
}

function shuffle(a: Int32Array, rand: () => number): void {
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    const t = a[i];
    a[i] = a[j];
    a[j] = t;
  }
}

export interface LogisticRegressionOptions {
  /** L2 penalty strength (on weights, not biases); default 1e-4. */
  l2?: number;
  /** 'balanced' weighs each class by n / (k * n_c), as scikit-learn does. */
  classWeight?: 'balanced' | 'none';
  epochs?: number;
  learningRate?: number;
  batchSize?: number;
  /** Fraction held out to stop early when its loss stops improving (0 disables). */
  validationFraction?: number;
  /** Epochs without improvement before stopping. */
  patience?: number;
  seed?: number;
}

/**
 * Multinomial logistic regression (softmax) with L2, trained by mini-batch Adam, with optional
 * balanced class weights and early stopping on a held-out split.
 */
export class LogisticRegression {
  classes: Label[] = [];
  private w: Float64Array = new Float64Array(0);
  private b: Float64Array = new Float64Array(0);
  private dim = 0;
  /** Epochs actually run (early stopping may end sooner). */
  epochsRun = 0;
  readonly options: Required<LogisticRegressionOptions>;

  constructor(options: LogisticRegressionOptions = {}) {
    this.options = {
      l2: 1e-4,
      classWeight: 'none',
      epochs: 100,
      learningRate: 0.05,
      batchSize: 64,
      validationFraction: 0.1,
      patience: 5,
      seed: 1,
      ...options,
    };
  }

  fit(x: Features, y: readonly Label[]): this {
    if (x.rows !== y.length) throw new SmyslError('E_USAGE', `fit: ${x.rows} rows but ${y.length} labels`);
    if (x.rows === 0) throw new SmyslError('E_USAGE', 'fit: no training samples');
    const o = this.options;
    this.classes = [...new Set(y)].sort((a, b) =>
      String(a) < String(b) ? -1 : String(a) > String(b) ? 1 : 0,
    );
    const k = this.classes.length;
    if (k < 2) throw new SmyslError('E_USAGE', 'fit: need at least two classes');
    const index = new Map(this.classes.map((c, i) => [c, i]));
    const yi = Int32Array.from(y, (l) => index.get(l)!);
    const d = featureCount(x);
    this.dim = d;
    const n = x.rows;
    const counts = new Float64Array(k);
    for (const c of yi) counts[c]++;
    const cw = new Float64Array(k).fill(1);
    if (o.classWeight === 'balanced') for (let c = 0; c < k; c++) cw[c] = n / (k * Math.max(1, counts[c]));

    const rand = seededRandom(o.seed);
    const order = Int32Array.from({ length: n }, (_, i) => i);
    shuffle(order, rand);
    const nVal = o.validationFraction > 0 && n >= 20 ? Math.max(1, Math.floor(n * o.validationFraction)) : 0;
    const val = order.subarray(0, nVal);
    const train = order.slice(nVal);

    const w = new Float64Array(k * d);
    const b = new Float64Array(k);
    const m1 = new Float64Array(k * d);
    const m2 = new Float64Array(k * d);
    const bm1 = new Float64Array(k);
    const bm2 = new Float64Array(k);
    const gw = new Float64Array(k * d);
    const gb = new Float64Array(k);
    const p = new Float64Array(k);
    const beta1 = 0.9;
    const beta2 = 0.999;
    let step = 0;
    let best = Number.POSITIVE_INFINITY;
    let bestW = w.slice();
    let bestB = b.slice();
    let stale = 0;
    this.epochsRun = 0;
    const touched = new Uint8Array(isSparse(x) ? d : 0);

    for (let epoch = 0; epoch < o.epochs; epoch++) {
      shuffle(train, rand);
      for (let start = 0; start < train.length; start += o.batchSize) {
        const end = Math.min(train.length, start + o.batchSize);
        gw.fill(0);
        gb.fill(0);
        let wsum = 0;
        for (let t = start; t < end; t++) {
          const i = train[t];
          rowScores(x, i, w, b, k, p);
          softmaxInPlace(p, k);
          const sw = cw[yi[i]];
          wsum += sw;
          p[yi[i]] -= 1;
          for (let c = 0; c < k; c++) {
            const g = p[c] * sw;
            gb[c] += g;
            if (isSparse(x)) {
              for (let q = x.indptr[i]; q < x.indptr[i + 1]; q++) {
                gw[c * d + x.indices[q]] += g * x.data[q];
                touched[x.indices[q]] = 1;
              }
            } else {
              const off = i * d;
              for (let j = 0; j < d; j++) gw[c * d + j] += g * x.data[off + j];
            }
          }
        }
        step++;
        const lr = (o.learningRate * Math.sqrt(1 - beta2 ** step)) / (1 - beta1 ** step);
        const inv = 1 / wsum;
        for (let c = 0; c < k; c++) {
          const g = gb[c] * inv;
          bm1[c] = beta1 * bm1[c] + (1 - beta1) * g;
          bm2[c] = beta2 * bm2[c] + (1 - beta2) * g * g;
          b[c] -= (lr * bm1[c]) / (Math.sqrt(bm2[c]) + 1e-8);
        }
        // dense Adam over all weights; for sparse input only the features seen in the batch
        // (lazy updates keep a TF-IDF vocabulary of 100k columns cheap)
        for (let j = 0; j < d; j++) {
          if (isSparse(x)) {
            if (!touched[j]) continue;
            touched[j] = 0;
          }
          for (let c = 0; c < k; c++) {
            const idx = c * d + j;
            const g = gw[idx] * inv + o.l2 * w[idx];
            m1[idx] = beta1 * m1[idx] + (1 - beta1) * g;
            m2[idx] = beta2 * m2[idx] + (1 - beta2) * g * g;
            w[idx] -= (lr * m1[idx]) / (Math.sqrt(m2[idx]) + 1e-8);
          }
        }
      }
      this.epochsRun = epoch + 1;
      if (nVal > 0) {
        let loss = 0;
        for (const i of val) {
          rowScores(x, i, w, b, k, p);
          softmaxInPlace(p, k);
          loss -= cw[yi[i]] * Math.log(Math.max(p[yi[i]], 1e-300));
        }
        if (loss < best - 1e-9) {
          best = loss;
          bestW = w.slice();
          bestB = b.slice();
          stale = 0;
        } else if (++stale >= o.patience) break;
      }
    }
    this.w = nVal > 0 ? bestW : w;
    this.b = nVal > 0 ? bestB : b;
    return this;
  }

  /** Class probabilities, one row per sample, columns in `classes` order. */
  predictProba(x: Features): Float64Array[] {
    if (this.classes.length === 0)
      throw new SmyslError('E_STATE', 'classifier is not trained: call fit first');
    if (featureCount(x) !== this.dim)
      throw new SmyslError('E_USAGE', `expected ${this.dim} features, got ${featureCount(x)}`);
    const k = this.classes.length;
    const out: Float64Array[] = [];
    for (let i = 0; i < x.rows; i++) {
      const p = new Float64Array(k);
      rowScores(x, i, this.w, this.b, k, p);
      softmaxInPlace(p, k);
      out.push(p);
    }
    return out;
  }

  predict(x: Features): Label[] {
    return this.predictProba(x).map((p) => this.classes[argmax(p)]);
  }

  toJSON(): object {
    return {
      kind: 'logistic-regression',
      format: 1,
      classes: this.classes,
      dim: this.dim,
      w: [...this.w],
      b: [...this.b],
    };
  }

  static fromJSON(j: {
    kind?: string;
    classes: Label[];
    dim: number;
    w: number[];
    b: number[];
  }): LogisticRegression {
    if (j?.kind !== 'logistic-regression')
      throw new SmyslError('E_FORMAT', 'not a smysl logistic regression model');
    const m = new LogisticRegression();
    m.classes = j.classes;
    m.dim = j.dim;
    m.w = Float64Array.from(j.w);
    m.b = Float64Array.from(j.b);
    return m;
  }
}

function argmax(p: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < p.length; i++) if (p[i] > p[best]) best = i;
  return best;
}

/** k-nearest-neighbour classifier by cosine similarity over dense vectors (majority vote, ties by total similarity). */
export class KnnClassifier {
  private x: DenseMatrix | null = null;
  private y: Label[] = [];
  private norms: Float64Array = new Float64Array(0);
  constructor(readonly k = 5) {}

  /** The rows and labels it was fitted on (kNN keeps them to vote), or null before `fit`. */
  get trainingData(): { x: DenseMatrix; y: readonly Label[] } | null {
    return this.x ? { x: this.x, y: this.y } : null;
  }

  fit(x: DenseMatrix, y: readonly Label[]): this {
    if (x.rows !== y.length) throw new SmyslError('E_USAGE', `fit: ${x.rows} rows but ${y.length} labels`);
    this.x = x;
    this.y = [...y];
    this.norms = rowNorms(x);
    return this;
  }

  predict(q: DenseMatrix): Label[] {
    const x = this.x;
    if (!x) throw new SmyslError('E_STATE', 'classifier is not trained: call fit first');
    if (q.dim !== x.dim) throw new SmyslError('E_USAGE', `expected ${x.dim} dimensions, got ${q.dim}`);
    const qn = rowNorms(q);
    const k = Math.min(this.k, x.rows);
    const out: Label[] = [];
    const topI = new Int32Array(k);
    const topS = new Float64Array(k);
    for (let i = 0; i < q.rows; i++) {
      topS.fill(Number.NEGATIVE_INFINITY);
      const qo = i * q.dim;
      for (let r = 0; r < x.rows; r++) {
        let dot = 0;
        const ro = r * x.dim;
        for (let j = 0; j < x.dim; j++) dot += q.data[qo + j] * x.data[ro + j];
        const den = qn[i] * this.norms[r];
        const s = den === 0 ? 0 : dot / den;
        if (s <= topS[k - 1]) continue;
        let p = k - 1;
        while (p > 0 && topS[p - 1] < s) {
          topS[p] = topS[p - 1];
          topI[p] = topI[p - 1];
          p--;
        }
        topS[p] = s;
        topI[p] = r;
      }
      const votes = new Map<Label, [number, number]>();
      for (let t = 0; t < k; t++) {
        const l = this.y[topI[t]];
        const v = votes.get(l) ?? [0, 0];
        v[0]++;
        v[1] += topS[t];
        votes.set(l, v);
      }
      let best: Label = this.y[topI[0]];
      let bv: [number, number] = [-1, 0];
      for (const [l, v] of votes) if (v[0] > bv[0] || (v[0] === bv[0] && v[1] > bv[1])) [best, bv] = [l, v];
      out.push(best);
    }
    return out;
  }
}

function rowNorms(x: DenseMatrix): Float64Array {
  const n = new Float64Array(x.rows);
  for (let i = 0; i < x.rows; i++) {
    let s = 0;
    for (let j = 0; j < x.dim; j++) s += x.data[i * x.dim + j] ** 2;
    n[i] = Math.sqrt(s);
  }
  return n;
}

/**
 * Stratified k-fold split: returns, for each fold, the test indices; classes are spread evenly
 * across folds after a seeded shuffle.
 */
export function stratifiedKFold(y: readonly Label[], folds: number, seed = 1): number[][] {
  if (!Number.isInteger(folds) || folds < 2) throw new SmyslError('E_USAGE', 'folds must be an integer >= 2');
  if (folds > y.length)
    throw new SmyslError('E_USAGE', `cannot make ${folds} folds from ${y.length} samples`);
  const rand = seededRandom(seed);
  const byClass = new Map<Label, number[]>();
  y.forEach((l, i) => {
    const list = byClass.get(l);
    if (list) list.push(i);
    else byClass.set(l, [i]);
  });
  const out: number[][] = Array.from({ length: folds }, () => []);
  let next = 0;
  for (const idx of byClass.values()) {
    const a = Int32Array.from(idx);
    shuffle(a, rand);
    for (const i of a) {
      out[next].push(i);
      next = (next + 1) % folds;
    }
  }
  return out.map((f) => f.sort((a, b) => a - b));
}

/** Rows of a feature matrix, in the given order (for train/test splits). */
export function selectFeatureRows(x: Features, rows: readonly number[]): Features {
  if (isSparse(x)) {
    let nnz = 0;
    for (const r of rows) nnz += x.indptr[r + 1] - x.indptr[r];
    const indptr = new Int32Array(rows.length + 1);
    const indices = new Int32Array(nnz);
    const data = new Float32Array(nnz);
    let p = 0;
    rows.forEach((r, i) => {
      for (let q = x.indptr[r]; q < x.indptr[r + 1]; q++, p++) {
        indices[p] = x.indices[q];
        data[p] = x.data[q];
      }
      indptr[i + 1] = p;
    });
    return { rows: rows.length, cols: x.cols, indptr, indices, data };
  }
  return selectRows(x, rows);
}
