/**
 * The static student: a sentence is the weighted sum of its rows of one table (words, stems,
 * character n-grams), optionally projected to the teacher's dimension, then L2-normalized:
 *
 *   s = Σ_i c_i · exp(b[r_i]) · E[r_i]      (c_i = 1/k for the k rows of one word)
 *   y = Pᵀ s                                 (or y = s without a projection)
 *   out = y / ‖y‖
 *
 * Everything here is linear up to the final normalization, so encoding is a gather-and-add
 * (the ~100x speed of Model2Vec/StaticEmbedding) and the gradients below are exact and cheap.
 * The per-row weight logits b let training turn rows down (function words, common n-grams)
 * without shrinking their direction.
 */
import { seededRandom } from '../../vectors/random.js';
import { type FeaturizedTexts, IDENTITY_BUCKETS } from './features.js';

export interface StudentShape {
  rows: number;
  /** Width of the table. */
  dim: number;
  /** Width of the output (the teacher's dimension); equals dim when there is no projection. */
  outDim: number;
  projection: boolean;
}

const identityCache = new Map<string, Map<number, Float32Array>>();

/**
 * The fixed random unit vector of an identity bucket (see FeatureSettings.identity): uniform
 * components from a generator seeded by the bucket, scaled to unit length. Computed on first
 * use and cached; never trained or stored.
 */
export function identityRow(bucket: number, dim: number): Float32Array {
  let cache = identityCache.get(String(dim));
  if (!cache) {
    cache = new Map();
    identityCache.set(String(dim), cache);
  }
  let v = cache.get(bucket);
  if (v) return v;
  const random = seededRandom((bucket * 2654435761) ^ 0x5bd1e995);
  v = new Float32Array(dim);
  let n2 = 0;
  for (let j = 0; j < dim; j++) {
    v[j] = 2 * random() - 1;
    n2 += v[j] * v[j];
  }
  const inv = 1 / Math.sqrt(n2);
  for (let j = 0; j < dim; j++) v[j] *= inv;
  if (cache.size < 1_000_000) cache.set(bucket, v);
  return v;
}

/** The learned parameters, as plain typed arrays (saved and checkpointed as they are). */
export class StudentParameters {
  readonly table: Float32Array;
  readonly logits: Float32Array;
  readonly projection: Float32Array | null;

  constructor(
    readonly shape: StudentShape,
    init?: { table?: Float32Array; logits?: Float32Array; projection?: Float32Array | null },
  ) {
    const { rows, dim, outDim, projection } = shape;
    if (!projection && dim !== outDim) throw new Error('without a projection, dim must equal outDim');
    this.table = init?.table ?? new Float32Array(rows * dim);
    this.logits = init?.logits ?? new Float32Array(rows);
    this.projection = projection ? (init?.projection ?? new Float32Array(dim * outDim)) : null;
    if (this.table.length !== rows * dim) throw new Error('table size does not match the shape');
    if (this.logits.length !== rows) throw new Error('logits size does not match the shape');
    if (this.projection && this.projection.length !== dim * outDim)
      throw new Error('projection size does not match the shape');
  }

  /** Small random table (uniform ±scale/√dim) and, with a projection, a random orthogonal-ish P. */
  static random(shape: StudentShape, seed: number, scale = 0.1): StudentParameters {
    const p = new StudentParameters(shape);
    const random = seededRandom(seed);
    const a = scale / Math.sqrt(shape.dim);
    for (let i = 0; i < p.table.length; i++) p.table[i] = (2 * random() - 1) * a;
    if (p.projection) {
      const b = Math.sqrt(3 / shape.dim);
      for (let i = 0; i < p.projection.length; i++) p.projection[i] = (2 * random() - 1) * b;
    }
    return p;
  }

  clone(): StudentParameters {
    return new StudentParameters(this.shape, {
      table: this.table.slice(),
      logits: this.logits.slice(),
      projection: this.projection ? this.projection.slice() : null,
    });
  }
}

/** Gradients of the parameters; table and logit rows are sparse (only touched rows are non-zero). */
export class StudentGradients {
  readonly table: Float32Array;
  readonly logits: Float32Array;
  readonly projection: Float32Array | null;
  /** Rows touched since the last `clear`, without repeats. */
  touched: Int32Array;
  touchedCount = 0;
  private readonly mark: Uint8Array;

  constructor(readonly shape: StudentShape) {
    this.table = new Float32Array(shape.rows * shape.dim);
    this.logits = new Float32Array(shape.rows);
    this.projection = shape.projection ? new Float32Array(shape.dim * shape.outDim) : null;
    this.touched = new Int32Array(1024);
    this.mark = new Uint8Array(shape.rows);
  }

  touch(row: number): void {
    if (this.mark[row]) return;
    this.mark[row] = 1;
    if (this.touchedCount === this.touched.length) {
      const bigger = new Int32Array(this.touched.length * 2);
      bigger.set(this.touched);
      this.touched = bigger;
    }
    this.touched[this.touchedCount++] = row;
  }

  clear(): void {
    const d = this.shape.dim;
    for (let t = 0; t < this.touchedCount; t++) {
      const r = this.touched[t];
      this.table.fill(0, r * d, r * d + d);
      this.logits[r] = 0;
      this.mark[r] = 0;
    }
    this.touchedCount = 0;
    this.projection?.fill(0);
  }
}

/** What the backward pass needs from the forward pass of one batch of texts. */
export interface ForwardState {
  /** Texts in the batch (indices into the featurized texts). */
  texts: Int32Array;
  /** Pooled table rows s, texts x dim. */
  pooled: Float64Array;
  /** L2 norms of y. */
  norms: Float64Array;
  /** Unit outputs, texts x outDim (all zeros for a text with no known rows). */
  out: Float64Array;
}

/** Forward pass over some of the featurized texts. */
export function studentForward(
  params: StudentParameters,
  feats: FeaturizedTexts,
  texts: Int32Array,
): ForwardState {
  const { dim, outDim, rows } = params.shape;
  const B = texts.length;
  const pooled = new Float64Array(B * dim);
  const out = new Float64Array(B * outDim);
  const norms = new Float64Array(B);
  const E = params.table;
  const b = params.logits;
  const P = params.projection;
  const y = new Float64Array(outDim);
  for (let t = 0; t < B; t++) {
    const text = texts[t];
    const s = t * dim;
    for (let i = feats.offsets[text]; i < feats.offsets[text + 1]; i++) {
      const r = feats.rows[i];
      if (r >= rows) {
        const v = identityRow(r - rows, dim);
        const c = feats.coefs[i];
        for (let j = 0; j < dim; j++) pooled[s + j] += c * v[j];
        continue;
      }
      const w = feats.coefs[i] * Math.exp(b[r]);
      const e = r * dim;
      for (let j = 0; j < dim; j++) pooled[s + j] += w * E[e + j];
    }
    if (P) {
      y.fill(0);
      for (let j = 0; j < dim; j++) {
        const sj = pooled[s + j];
        if (sj === 0) continue;
        const pj = j * outDim;
        for (let k = 0; k < outDim; k++) y[k] += sj * P[pj + k];
      }
    } else {
      for (let k = 0; k < outDim; k++) y[k] = pooled[s + k];
    }
    let n2 = 0;
    for (let k = 0; k < outDim; k++) n2 += y[k] * y[k];
    const norm = Math.sqrt(n2);
    norms[t] = norm;
    if (norm > 0) for (let k = 0; k < outDim; k++) out[t * outDim + k] = y[k] / norm;
  }
  return { texts, pooled, norms, out };
}

/**
 * Backward pass: adds ∂loss/∂parameters to `grads`, given ∂loss/∂out (texts x outDim) for the
 * batch whose forward state is `state`.
 */
export function studentBackward(
  params: StudentParameters,
  feats: FeaturizedTexts,
  state: ForwardState,
  gradOut: Float64Array,
  grads: StudentGradients,
): void {
  const { dim, outDim, rows } = params.shape;
  const E = params.table;
  const b = params.logits;
  const P = params.projection;
  const gP = grads.projection;
  const gE = grads.table;
  const gb = grads.logits;
  const gy = new Float64Array(outDim);
  const gs = new Float64Array(dim);
  for (let t = 0; t < state.texts.length; t++) {
    const norm = state.norms[t];
    if (norm === 0) continue;
    const o = t * outDim;
    // through the normalization: ∂out/∂y = (I - out outᵀ) / ‖y‖
    let dot = 0;
    for (let k = 0; k < outDim; k++) dot += state.out[o + k] * gradOut[o + k];
    for (let k = 0; k < outDim; k++) gy[k] = (gradOut[o + k] - state.out[o + k] * dot) / norm;
    const s = t * dim;
    if (P && gP) {
      for (let j = 0; j < dim; j++) {
        const sj = state.pooled[s + j];
        const pj = j * outDim;
        let acc = 0;
        for (let k = 0; k < outDim; k++) {
          acc += P[pj + k] * gy[k];
          gP[pj + k] += sj * gy[k];
        }
        gs[j] = acc;
      }
    } else {
      for (let j = 0; j < dim; j++) gs[j] = gy[j];
    }
    const text = state.texts[t];
    for (let i = feats.offsets[text]; i < feats.offsets[text + 1]; i++) {
      const r = feats.rows[i];
      if (r >= rows) continue; // identity rows are fixed
      const w = feats.coefs[i] * Math.exp(b[r]);
      const e = r * dim;
      let ge = 0;
      for (let j = 0; j < dim; j++) {
        ge += gs[j] * E[e + j];
        gE[e + j] += w * gs[j];
      }
      gb[r] += w * ge;
      grads.touch(r);
    }
  }
}

/**
 * Unit sentence vectors for featurized texts, fast path for inference: `weighted` is the
 * table with each row already scaled by exp(b) (and projected, when the model has a
 * projection and it was folded in), so a text is a sum of rows.
 */
export function encodeFeaturized(
  weighted: Float32Array,
  dim: number,
  feats: FeaturizedTexts,
  projection: Float32Array | null,
  outDim: number,
  /** A collection's learned rows (featurized as ids from rows + IDENTITY_BUCKETS). */
  local: Float32Array | null = null,
): Float32Array {
  const rows = weighted.length / dim;
  const localFrom = rows + IDENTITY_BUCKETS;
  const out = new Float32Array(feats.count * outDim);
  const s = new Float64Array(dim);
  const y = new Float64Array(outDim);
  for (let t = 0; t < feats.count; t++) {
    s.fill(0);
    for (let i = feats.offsets[t]; i < feats.offsets[t + 1]; i++) {
      const c = feats.coefs[i];
      const r = feats.rows[i];
      if (r >= localFrom && local) {
        const e = (r - localFrom) * dim;
        for (let j = 0; j < dim; j++) s[j] += c * local[e + j];
        continue;
      }
      if (r >= rows) {
        const v = identityRow(r - rows, dim);
        for (let j = 0; j < dim; j++) s[j] += c * v[j];
        continue;
      }
      const e = r * dim;
      for (let j = 0; j < dim; j++) s[j] += c * weighted[e + j];
    }
    if (projection) {
      y.fill(0);
      for (let j = 0; j < dim; j++) {
        const sj = s[j];
        if (sj === 0) continue;
        const pj = j * outDim;
        for (let k = 0; k < outDim; k++) y[k] += sj * projection[pj + k];
      }
    } else y.set(s);
    let n2 = 0;
    for (let k = 0; k < outDim; k++) n2 += y[k] * y[k];
    if (n2 === 0) continue;
    const inv = 1 / Math.sqrt(n2);
    for (let k = 0; k < outDim; k++) out[t * outDim + k] = y[k] * inv;
  }
  return out;
}

/** The table with each row scaled by exp(its logit): what inference sums. */
export function weightedTable(params: StudentParameters): Float32Array {
  const { rows, dim } = params.shape;
  const out = new Float32Array(rows * dim);
  for (let r = 0; r < rows; r++) {
    const w = Math.exp(params.logits[r]);
    for (let j = 0; j < dim; j++) out[r * dim + j] = w * params.table[r * dim + j];
  }
  return out;
}
