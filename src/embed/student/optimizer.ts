/**
 * Adam (Kingma & Ba 2015) for the student. Table rows and their logits are updated lazily —
 * only rows that received a gradient this step, with the global step count for bias
 * correction, as TensorFlow's LazyAdam and torch's SparseAdam do — so a step costs what the
 * batch touched, not the size of the vocabulary. The projection is dense.
 */
import type { StudentGradients, StudentParameters } from './model.js';

export interface AdamSettings {
  learningRate: number;
  /** Learning rate of the per-row weight logits (default: learningRate). */
  logitLearningRate?: number;
  /** Learning rate of the projection (default: learningRate). */
  projectionLearningRate?: number;
  beta1?: number;
  beta2?: number;
  epsilon?: number;
}

export class StudentAdam {
  /** First and second moments, laid out like the parameters. */
  readonly m: { table: Float32Array; logits: Float32Array; projection: Float32Array | null };
  readonly v: { table: Float32Array; logits: Float32Array; projection: Float32Array | null };
  step = 0;

  constructor(
    readonly params: StudentParameters,
    readonly settings: AdamSettings,
  ) {
    const make = () => ({
      table: new Float32Array(params.table.length),
      logits: new Float32Array(params.logits.length),
      projection: params.projection ? new Float32Array(params.projection.length) : null,
    });
    this.m = make();
    this.v = make();
  }

  /** One update from `grads` with learning-rate multiplier `lrScale` (for schedules). */
  update(grads: StudentGradients, lrScale = 1): void {
    const { beta1 = 0.9, beta2 = 0.999, epsilon = 1e-8 } = this.settings;
    this.step++;
    const c1 = 1 - beta1 ** this.step;
    const c2 = 1 - beta2 ** this.step;
    const lr = this.settings.learningRate * lrScale;
    const lrLogit = (this.settings.logitLearningRate ?? this.settings.learningRate) * lrScale;
    const lrProj = (this.settings.projectionLearningRate ?? this.settings.learningRate) * lrScale;
    const apply = (
      p: Float32Array,
      g: Float32Array,
      m: Float32Array,
      v: Float32Array,
      from: number,
      to: number,
      rate: number,
    ) => {
      const a = (rate * Math.sqrt(c2)) / c1;
      const e = epsilon * Math.sqrt(c2);
      for (let i = from; i < to; i++) {
        const gi = g[i];
        const mi = beta1 * m[i] + (1 - beta1) * gi;
        const vi = beta2 * v[i] + (1 - beta2) * gi * gi;
        m[i] = mi;
        v[i] = vi;
        p[i] -= (a * mi) / (Math.sqrt(vi) + e);
      }
    };
    const d = this.params.shape.dim;
    for (let t = 0; t < grads.touchedCount; t++) {
      const r = grads.touched[t];
      apply(this.params.table, grads.table, this.m.table, this.v.table, r * d, r * d + d, lr);
      if (lrLogit > 0)
        apply(this.params.logits, grads.logits, this.m.logits, this.v.logits, r, r + 1, lrLogit);
    }
    if (this.params.projection && grads.projection && this.m.projection && this.v.projection && lrProj > 0)
      apply(
        this.params.projection,
        grads.projection,
        this.m.projection,
        this.v.projection,
        0,
        this.params.projection.length,
        lrProj,
      );
  }
}
