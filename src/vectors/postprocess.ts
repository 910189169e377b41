import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { SmyslError } from '../errors.js';
import { readJsonFile, writeFileAtomic } from '../util/fs.js';
import { columnMeans, createMatrix, normalizeRowsInPlace, selectRows } from './dense.js';
import { covariance, symmetricEigen } from './eigen.js';
import { sampleRows } from './random.js';
import type { DenseMatrix } from './types.js';

/** Everything a step needs to be rebuilt: small JSON settings plus raw float32 arrays. */
export interface StepState {
  kind: StepKind;
  settings: Record<string, number | string | boolean>;
  arrays: Record<string, Float32Array>;
}

export type StepKind =
  | 'l2'
  | 'center'
  | 'standardize'
  | 'pca'
  | 'whiten'
  | 'abtt'
  | 'truncate'
  | 'int8'
  | 'binary';

/** A post-processing step: fit on a sample of vectors, then transform any vectors the same way. */
export interface VectorStep {
  readonly kind: StepKind;
  /** Short label for reports, e.g. "pca:128". */
  readonly label: string;
  readonly needsFit: boolean;
  readonly fitted: boolean;
  fit(m: DenseMatrix): void;
  /** Returns a new matrix; the input is not changed. */
  transform(m: DenseMatrix): DenseMatrix;
  state(): StepState;
}

function requireFitted(step: VectorStep): void {
  if (!step.fitted) throw new SmyslError('E_STATE', `post-processing step ${step.label} is not fitted`);
}

function requireDim(m: DenseMatrix, dim: number, label: string): void {
  if (m.dim !== dim)
    throw new SmyslError(
      'E_INPUT',
      `${label} was fitted on dimension ${dim}, got vectors of dimension ${m.dim}`,
    );
}

/** Scales rows to unit length (cosine similarity becomes a dot product). */
export class L2Normalize implements VectorStep {
  readonly kind = 'l2';
  readonly label = 'l2';
  readonly needsFit = false;
  readonly fitted = true;
  fit(): void {}
  transform(m: DenseMatrix): DenseMatrix {
    return normalizeRowsInPlace({ rows: m.rows, dim: m.dim, data: m.data.slice(0, m.rows * m.dim) });
  }
  state(): StepState {
    return { kind: 'l2', settings: {}, arrays: {} };
  }
}

/** Subtracts the per-dimension mean (removes the common direction behind anisotropy). */
export class Center implements VectorStep {
  readonly kind: StepKind = 'center';
  readonly label: string = 'center';
  readonly needsFit = true;
  mean?: Float32Array;
  get fitted(): boolean {
    return this.mean !== undefined;
  }
  fit(m: DenseMatrix): void {
    this.mean = Float32Array.from(columnMeans(m));
  }
  transform(m: DenseMatrix): DenseMatrix {
    requireFitted(this);
    const mean = this.mean!;
    requireDim(m, mean.length, this.label);
    const out = createMatrix(m.rows, m.dim);
    for (let r = 0; r < m.rows; r++) {
      const o = r * m.dim;
      for (let j = 0; j < m.dim; j++) out.data[o + j] = m.data[o + j] - mean[j];
    }
    return out;
  }
  state(): StepState {
    requireFitted(this);
    return { kind: this.kind, settings: {}, arrays: { mean: this.mean! } };
  }
}

/** Per-dimension z-score: (x − mean) / std (population std; constant dimensions are left at 0). */
export class Standardize implements VectorStep {
  readonly kind = 'standardize';
  readonly label = 'standardize';
  readonly needsFit = true;
  mean?: Float32Array;
  scale?: Float32Array;
  get fitted(): boolean {
    return this.mean !== undefined;
  }
  fit(m: DenseMatrix): void {
    const mean = columnMeans(m);
    const variance = new Float64Array(m.dim);
    for (let r = 0; r < m.rows; r++) {
      const o = r * m.dim;
      for (let j = 0; j < m.dim; j++) {
        const d = m.data[o + j] - mean[j];
        variance[j] += d * d;
      }
    }
    this.mean = Float32Array.from(mean);
    this.scale = Float32Array.from(variance, (v) => {
      const std = Math.sqrt(v / Math.max(1, m.rows));
      return std > 0 ? std : 1;
    });
  }
  transform(m: DenseMatrix): DenseMatrix {
    requireFitted(this);
    const mean = this.mean!;
    const scale = this.scale!;
    requireDim(m, mean.length, this.label);
    const out = createMatrix(m.rows, m.dim);
    for (let r = 0; r < m.rows; r++) {
      const o = r * m.dim;
      for (let j = 0; j < m.dim; j++) out.data[o + j] = (m.data[o + j] - mean[j]) / scale[j];
    }
    return out;
  }
  state(): StepState {
    requireFitted(this);
    return { kind: 'standardize', settings: {}, arrays: { mean: this.mean!, scale: this.scale! } };
  }
}

export interface PcaOptions {
  /** Output dimensions (default: all). */
  components?: number;
  /** Divide each output dimension by the square root of its variance. */
  whiten?: boolean;
  /** Fit on at most this many rows, sampled with `seed` (default: all rows). */
  maxFitRows?: number;
  seed?: number;
}

/**
 * Principal component analysis: covariance of the centered data, Jacobi eigendecomposition,
 * projection onto the top components. Component signs are fixed (largest-|x| entry positive).
 */
export class Pca implements VectorStep {
  readonly kind: StepKind;
  readonly needsFit = true;
  components?: number;
  readonly whiten: boolean;
  readonly maxFitRows?: number;
  readonly seed: number;
  mean?: Float32Array;
  /** components x dim, row-major. */
  basis?: Float32Array;
  explainedVariance?: Float32Array;
  explainedVarianceRatio?: Float32Array;
  inputDim = 0;

  constructor(opts: PcaOptions = {}, kind: 'pca' | 'whiten' = 'pca') {
    this.kind = kind;
    this.components = opts.components;
    this.whiten = opts.whiten ?? kind === 'whiten';
    this.maxFitRows = opts.maxFitRows;
    this.seed = opts.seed ?? 1;
  }
  get label(): string {
    const k = this.components === undefined ? '' : `:${this.components}`;
    return this.kind === 'whiten' ? `whiten${k}` : `pca${k}${this.whiten ? ':whiten' : ''}`;
  }
  get fitted(): boolean {
    return this.basis !== undefined;
  }
  fit(m: DenseMatrix): void {
    const sample =
      this.maxFitRows !== undefined && m.rows > this.maxFitRows
        ? selectRows(m, sampleRows(m.rows, this.maxFitRows, this.seed))
        : m;
    if (sample.rows < 2) throw new SmyslError('E_INPUT', 'PCA needs at least 2 vectors to fit');
    const dim = m.dim;
    const k = Math.min(this.components ?? dim, dim);
    const mean = columnMeans(sample);
    const eigen = symmetricEigen(covariance(sample.data, sample.rows, dim, mean), dim);
    let total = 0;
    for (let i = 0; i < dim; i++) total += Math.max(0, eigen.values[i]);
    this.inputDim = dim;
    this.components = k;
    this.mean = Float32Array.from(mean);
    this.basis = Float32Array.from(eigen.vectors.subarray(0, k * dim));
    this.explainedVariance = Float32Array.from(eigen.values.subarray(0, k), (v) => Math.max(0, v));
    this.explainedVarianceRatio = Float32Array.from(this.explainedVariance, (v) =>
      total > 0 ? v / total : 0,
    );
  }
  transform(m: DenseMatrix): DenseMatrix {
    requireFitted(this);
    const dim = this.inputDim;
    requireDim(m, dim, this.label);
    const k = this.components!;
    const mean = this.mean!;
    const basis = this.basis!;
    const variance = this.explainedVariance!;
    const out = createMatrix(m.rows, k);
    const centered = new Float64Array(dim);
    for (let r = 0; r < m.rows; r++) {
      const o = r * dim;
      for (let j = 0; j < dim; j++) centered[j] = m.data[o + j] - mean[j];
      for (let c = 0; c < k; c++) {
        const bo = c * dim;
        let s = 0;
        for (let j = 0; j < dim; j++) s += centered[j] * basis[bo + j];
        out.data[r * k + c] = this.whiten ? s / Math.sqrt(variance[c] + 1e-12) : s;
      }
    }
    return out;
  }
  state(): StepState {
    requireFitted(this);
    return {
      kind: this.kind,
      settings: {
        components: this.components!,
        whiten: this.whiten,
        inputDim: this.inputDim,
        seed: this.seed,
      },
      arrays: {
        mean: this.mean!,
        basis: this.basis!,
        explainedVariance: this.explainedVariance!,
        explainedVarianceRatio: this.explainedVarianceRatio!,
      },
    };
  }
}

/**
 * "All-but-the-top" (Mu & Viswanath, 2018): subtract the mean, then remove the projections on the
 * top D principal components. Keeps the dimension.
 */
export class AllButTheTop implements VectorStep {
  readonly kind = 'abtt';
  readonly needsFit = true;
  readonly remove: number;
  private readonly pca: Pca;
  constructor(remove = 1, opts: { maxFitRows?: number; seed?: number } = {}) {
    this.remove = remove;
    this.pca = new Pca({ components: remove, maxFitRows: opts.maxFitRows, seed: opts.seed });
  }
  get label(): string {
    return `abtt:${this.remove}`;
  }
  get fitted(): boolean {
    return this.pca.fitted;
  }
  fit(m: DenseMatrix): void {
    this.pca.fit(m);
  }
  /** Internal: restore from saved arrays. */
  restore(mean: Float32Array, basis: Float32Array, inputDim: number): void {
    this.pca.mean = mean;
    this.pca.basis = basis;
    this.pca.inputDim = inputDim;
    this.pca.components = this.remove;
    this.pca.explainedVariance = new Float32Array(this.remove);
  }
  transform(m: DenseMatrix): DenseMatrix {
    requireFitted(this);
    const dim = this.pca.inputDim;
    requireDim(m, dim, this.label);
    const mean = this.pca.mean!;
    const basis = this.pca.basis!;
    const d = this.remove;
    const out = createMatrix(m.rows, dim);
    const centered = new Float64Array(dim);
    for (let r = 0; r < m.rows; r++) {
      const o = r * dim;
      for (let j = 0; j < dim; j++) centered[j] = m.data[o + j] - mean[j];
      for (let c = 0; c < d; c++) {
        const bo = c * dim;
        let s = 0;
        for (let j = 0; j < dim; j++) s += centered[j] * basis[bo + j];
        for (let j = 0; j < dim; j++) centered[j] -= s * basis[bo + j];
      }
      for (let j = 0; j < dim; j++) out.data[o + j] = centered[j];
    }
    return out;
  }
  state(): StepState {
    requireFitted(this);
    return {
      kind: 'abtt',
      settings: { remove: this.remove, inputDim: this.pca.inputDim },
      arrays: { mean: this.pca.mean!, basis: this.pca.basis! },
    };
  }
}

/** Keeps the first k dimensions (for Matryoshka-style embeddings, or after PCA). */
export class Truncate implements VectorStep {
  readonly kind = 'truncate';
  readonly needsFit = false;
  readonly fitted = true;
  readonly dims: number;
  constructor(dims: number) {
    if (!Number.isInteger(dims) || dims < 1)
      throw new SmyslError('E_USAGE', 'truncate needs a positive dimension');
    this.dims = dims;
  }
  get label(): string {
    return `truncate:${this.dims}`;
  }
  fit(): void {}
  transform(m: DenseMatrix): DenseMatrix {
    const k = Math.min(this.dims, m.dim);
    const out = createMatrix(m.rows, k);
    for (let r = 0; r < m.rows; r++) out.data.set(m.data.subarray(r * m.dim, r * m.dim + k), r * k);
    return out;
  }
  state(): StepState {
    return { kind: 'truncate', settings: { dims: this.dims }, arrays: {} };
  }
}

// Quantization steps live in quantize.ts; they register their restorers here to avoid a cycle.
const restorers = new Map<StepKind, (s: StepState) => VectorStep>();
export function registerStepRestorer(kind: StepKind, restore: (s: StepState) => VectorStep): void {
  restorers.set(kind, restore);
}

export function restoreStep(s: StepState): VectorStep {
  const n = (key: string) => Number(s.settings[key]);
  switch (s.kind) {
    case 'l2':
      return new L2Normalize();
    case 'center': {
      const c = new Center();
      c.mean = s.arrays.mean;
      return c;
    }
    case 'standardize': {
      const z = new Standardize();
      z.mean = s.arrays.mean;
      z.scale = s.arrays.scale;
      return z;
    }
    case 'pca':
    case 'whiten': {
      const p = new Pca(
        { components: n('components'), whiten: Boolean(s.settings.whiten), seed: n('seed') },
        s.kind,
      );
      p.inputDim = n('inputDim');
      p.mean = s.arrays.mean;
      p.basis = s.arrays.basis;
      p.explainedVariance = s.arrays.explainedVariance;
      p.explainedVarianceRatio = s.arrays.explainedVarianceRatio;
      return p;
    }
    case 'abtt': {
      const a = new AllButTheTop(n('remove'));
      a.restore(s.arrays.mean, s.arrays.basis, n('inputDim'));
      return a;
    }
    case 'truncate':
      return new Truncate(n('dims'));
    default: {
      const restore = restorers.get(s.kind);
      if (!restore) throw new SmyslError('E_FORMAT', `unknown post-processing step "${s.kind}"`);
      return restore(s);
    }
  }
}

/** Steps applied in order; fit fits each step on the output of the previous ones. */
export class Pipeline {
  readonly steps: VectorStep[];
  constructor(steps: VectorStep[] = []) {
    this.steps = steps;
  }
  get fitted(): boolean {
    return this.steps.every((s) => s.fitted);
  }
  get label(): string {
    return this.steps.map((s) => s.label).join(',') || '(none)';
  }
  fit(m: DenseMatrix): this {
    let current = m;
    for (const step of this.steps) {
      step.fit(current);
      current = step.transform(current);
    }
    return this;
  }
  transform(m: DenseMatrix): DenseMatrix {
    let current = m;
    for (const step of this.steps) current = step.transform(current);
    return current;
  }
  fitTransform(m: DenseMatrix): DenseMatrix {
    return this.fit(m).transform(m);
  }

  /** Writes pipeline.json plus one little-endian float32 file per array. */
  async save(dir: string): Promise<void> {
    await fsp.mkdir(dir, { recursive: true });
    const steps = [];
    for (let i = 0; i < this.steps.length; i++) {
      const st = this.steps[i].state();
      const arrays: Record<string, { file: string; length: number }> = {};
      for (const [name, values] of Object.entries(st.arrays)) {
        const file = `step${i}.${name}.f32`;
        await writeFileAtomic(path.join(dir, file), float32Bytes(values));
        arrays[name] = { file, length: values.length };
      }
      steps.push({ kind: st.kind, settings: st.settings, arrays });
    }
    await writeFileAtomic(
      path.join(dir, 'pipeline.json'),
      `${JSON.stringify({ format: 1, steps }, null, 2)}\n`,
    );
  }

  static async load(dir: string): Promise<Pipeline> {
    const file = path.join(dir, 'pipeline.json');
    const json = await readJsonFile<{
      format: number;
      steps: {
        kind: StepKind;
        settings: StepState['settings'];
        arrays: Record<string, { file: string; length: number }>;
      }[];
    }>(file);
    if (json.format !== 1)
      throw new SmyslError('E_FORMAT', `unsupported pipeline format ${json.format}`, {
        location: { source: file },
      });
    const steps: VectorStep[] = [];
    for (const st of json.steps) {
      const arrays: Record<string, Float32Array> = {};
      for (const [name, ref] of Object.entries(st.arrays)) {
        const source = path.join(dir, ref.file);
        const bytes = await fsp.readFile(source).catch((e) => {
          throw new SmyslError('E_IO', `cannot read ${source}: ${(e as Error).message}`);
        });
        if (bytes.byteLength !== ref.length * 4)
          throw new SmyslError('E_FORMAT', `expected ${ref.length} float32 values`, { location: { source } });
        arrays[name] = bytesToFloat32(bytes);
      }
      steps.push(restoreStep({ kind: st.kind, settings: st.settings, arrays }));
    }
    return new Pipeline(steps);
  }

  /** Manifest-friendly description (no arrays). */
  describe(): { kind: StepKind; settings: StepState['settings'] }[] {
    return this.steps.map((s) => {
      const { kind, settings } = s.fitted ? s.state() : { kind: s.kind, settings: {} };
      return { kind, settings };
    });
  }
}

export function float32Bytes(values: Float32Array): Uint8Array {
  return new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
}

export function bytesToFloat32(bytes: Uint8Array): Float32Array {
  const copy = new Uint8Array(bytes.byteLength);
  copy.set(bytes);
  return new Float32Array(copy.buffer);
}
