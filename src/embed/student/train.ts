/**
 * Training loop for the static student: several tasks (distillation, scored pairs, positive
 * pairs) interleaved batch by batch in a seeded order, Adam with linear warm-up and decay,
 * a checkpoint after every epoch so an interrupted run resumes where it stopped — and,
 * because each epoch's order depends only on (seed, epoch), a resumed run ends bit-identical
 * to an uninterrupted one.
 */
import { createHash } from 'node:crypto';
import { existsSync, promises as fsp } from 'node:fs';
import path from 'node:path';
import { SmyslError, throwIfAborted } from '../../errors.js';
import { readJsonFile, writeFileAtomic } from '../../util/fs.js';
import type { LongRunning } from '../../util/progress.js';
import { seededRandom } from '../../vectors/random.js';
import type { FeatureVocabulary, FeaturizedTexts } from './features.js';
import { cosentLoss, cosineLoss, mseLoss, multipleNegativesRankingLoss } from './losses.js';
import {
  type ForwardState,
  StudentGradients,
  type StudentParameters,
  studentBackward,
  studentForward,
} from './model.js';
import { type AdamSettings, StudentAdam } from './optimizer.js';

/** Student(text) should equal the teacher's vector (Reimers & Gurevych's MSE distillation). */
export interface DistillTask {
  kind: 'distill';
  texts: readonly string[];
  /** texts.length x outDim teacher vectors. */
  targets: Float32Array;
}

/** Pairs with gold similarity scores (CoSENT, or CosineSimilarityLoss on score/maxScore). */
export interface ScoredPairsTask {
  kind: 'cosent' | 'cosine';
  a: readonly string[];
  b: readonly string[];
  scores: readonly number[];
}

/** Positive pairs; the other pairs' positives in the batch are the negatives. */
export interface PositivePairsTask {
  kind: 'mnrl';
  anchors: readonly string[];
  positives: readonly string[];
}

export type TrainingTask = (DistillTask | ScoredPairsTask | PositivePairsTask) & {
  /** Label shown in progress and logs. */
  name?: string;
  /** Passes over this task per epoch (default 1; fractions sample a part of it). */
  repeat?: number;
  /** Multiplies this task's loss (default 1). */
  weight?: number;
  /** Batch size for this task (default: the run's). */
  batchSize?: number;
};

export interface StudentTrainOptions extends LongRunning {
  epochs: number;
  batchSize: number;
  learningRate: number;
  logitLearningRate?: number;
  projectionLearningRate?: number;
  /** Fraction of all steps spent warming the learning rate up from 0 (default 0.05). */
  warmup?: number;
  seed: number;
  /** Scale of CoSENT and MNRL (default 20). */
  scale?: number;
  /** Directory for a per-epoch checkpoint; an existing compatible checkpoint is resumed. */
  checkpointDir?: string;
  /** Called after each epoch (e.g. to score a dev set); its result is kept in the history. */
  onEpoch?: (epoch: number, params: StudentParameters) => Promise<number | undefined> | number | undefined;
}

export interface EpochRecord {
  epoch: number;
  /** Mean loss per task over the epoch. */
  losses: Record<string, number>;
  seconds: number;
  /** What onEpoch returned (e.g. dev Spearman). */
  score?: number;
}

interface PreparedTask {
  task: TrainingTask;
  name: string;
  feats: FeaturizedTexts;
  /** Number of training examples (texts or pairs). */
  size: number;
  batchSize: number;
}

function prepare(
  task: TrainingTask,
  index: number,
  vocab: FeatureVocabulary,
  batchSize: number,
): PreparedTask {
  const name = task.name ?? `${task.kind}${index}`;
  const bs = task.batchSize ?? batchSize;
  if (task.kind === 'distill') {
    if (task.targets.length % Math.max(1, task.texts.length) !== 0 && task.texts.length > 0)
      throw new SmyslError('E_USAGE', `task ${name}: targets do not divide into one row per text`);
    return { task, name, feats: vocab.featurize(task.texts), size: task.texts.length, batchSize: bs };
  }
  if (task.kind === 'mnrl') {
    if (task.anchors.length !== task.positives.length)
      throw new SmyslError('E_USAGE', `task ${name}: anchors and positives differ in length`);
    return {
      task,
      name,
      feats: vocab.featurize([...task.anchors, ...task.positives]),
      size: task.anchors.length,
      batchSize: bs,
    };
  }
  if (task.a.length !== task.b.length || task.a.length !== task.scores.length)
    throw new SmyslError('E_USAGE', `task ${name}: a, b and scores differ in length`);
  return { task, name, feats: vocab.featurize([...task.a, ...task.b]), size: task.a.length, batchSize: bs };
}

/** Seeded Fisher-Yates. */
function shuffle(values: Int32Array, random: () => number): void {
  for (let i = values.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    const t = values[i];
    values[i] = values[j];
    values[j] = t;
  }
}

interface Batch {
  task: number;
  items: Int32Array;
}

/** The epoch's batches: every task's examples shuffled and cut, then all batches shuffled. */
function epochBatches(tasks: PreparedTask[], seed: number, epoch: number): Batch[] {
  const random = seededRandom((seed * 1_000_003 + epoch * 7919) >>> 0);
  const batches: Batch[] = [];
  tasks.forEach((p, t) => {
    const repeat = p.task.repeat ?? 1;
    const passes = Math.ceil(repeat);
    const items: number[] = [];
    for (let k = 0; k < passes; k++) {
      const order = Int32Array.from({ length: p.size }, (_, i) => i);
      shuffle(order, random);
      const take = k < passes - 1 || repeat === passes ? p.size : Math.round((repeat - k) * p.size);
      for (let i = 0; i < take; i++) items.push(order[i]);
    }
    // batches of at least two pairs: in-batch negatives and pair ranking need company
    for (let i = 0; i + (p.task.kind === 'distill' ? 1 : 2) <= items.length; i += p.batchSize)
      batches.push({ task: t, items: Int32Array.from(items.slice(i, i + p.batchSize)) });
  });
  for (let i = batches.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [batches[i], batches[j]] = [batches[j], batches[i]];
  }
  return batches;
}

/** Forward, loss and backward of one batch; returns the loss times the task's weight (gradients accumulate in grads). */
export function batchStep(
  params: StudentParameters,
  prepared: { task: TrainingTask; feats: FeaturizedTexts; size: number },
  items: Int32Array,
  grads: StudentGradients,
  scale = 20,
): number {
  const { task, feats, size } = prepared;
  const D = params.shape.outDim;
  const weight = task.weight ?? 1;
  const n = items.length;
  if (task.kind === 'distill') {
    const state = studentForward(params, feats, items);
    const target = new Float32Array(n * D);
    for (let i = 0; i < n; i++) target.set(task.targets.subarray(items[i] * D, items[i] * D + D), i * D);
    const g = new Float64Array(n * D);
    const loss = mseLoss(state.out, target, n, D, g);
    if (weight !== 1) for (let i = 0; i < g.length; i++) g[i] *= weight;
    studentBackward(params, feats, state, g, grads);
    return loss * weight;
  }
  // pairs: the second member of pair i is text size + i
  const both = new Int32Array(2 * n);
  for (let i = 0; i < n; i++) {
    both[i] = items[i];
    both[n + i] = size + items[i];
  }
  const state: ForwardState = studentForward(params, feats, both);
  const a = state.out.subarray(0, n * D);
  const b = state.out.subarray(n * D);
  const g = new Float64Array(2 * n * D);
  const ga = g.subarray(0, n * D);
  const gb = g.subarray(n * D);
  let loss: number;
  if (task.kind === 'mnrl') loss = multipleNegativesRankingLoss(a, b, n, D, ga, gb, scale);
  else {
    const scores = Float64Array.from(items, (i) => task.scores[i]);
    loss =
      task.kind === 'cosent'
        ? cosentLoss(a, b, scores, n, D, ga, gb, scale)
        : cosineLoss(a, b, scores, n, D, ga, gb);
  }
  if (weight !== 1) for (let i = 0; i < g.length; i++) g[i] *= weight;
  studentBackward(params, feats, state, g, grads);
  return loss * weight;
}

interface CheckpointManifest {
  format: 1;
  epoch: number;
  step: number;
  fingerprint: string;
  history: EpochRecord[];
}

const CHECKPOINT_ARRAYS = ['table', 'logits', 'projection'] as const;

/** A digest of a task's texts, scores and targets: a checkpoint resumes only the same data. */
function taskDigest(task: TrainingTask): string {
  const hash = createHash('sha256');
  const texts =
    task.kind === 'distill'
      ? task.texts
      : task.kind === 'mnrl'
        ? [...task.anchors, ...task.positives]
        : [...task.a, ...task.b];
  for (const t of texts) hash.update(`${t}\u0000`);
  if (task.kind === 'cosent' || task.kind === 'cosine') hash.update(Float64Array.from(task.scores));
  if (task.kind === 'distill')
    hash.update(new Uint8Array(task.targets.buffer, task.targets.byteOffset, task.targets.byteLength));
  return hash.digest('hex').slice(0, 16);
}

function fingerprint(params: StudentParameters, tasks: PreparedTask[], opts: StudentTrainOptions): string {
  return JSON.stringify({
    shape: params.shape,
    tasks: tasks.map((t) => [
      t.name,
      t.task.kind,
      t.size,
      t.task.repeat ?? 1,
      t.task.weight ?? 1,
      t.batchSize,
      taskDigest(t.task),
    ]),
    epochs: opts.epochs,
    batchSize: opts.batchSize,
    learningRate: opts.learningRate,
    logitLearningRate: opts.logitLearningRate,
    projectionLearningRate: opts.projectionLearningRate,
    warmup: opts.warmup,
    seed: opts.seed,
    scale: opts.scale,
  });
}

async function writeArray(file: string, a: Float32Array): Promise<void> {
  await writeFileAtomic(file, new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
}

async function readArrayInto(file: string, into: Float32Array): Promise<void> {
  const buf = await fsp.readFile(file);
  if (buf.byteLength !== into.byteLength)
    throw new SmyslError(
      'E_FORMAT',
      `checkpoint array has ${buf.byteLength} bytes, expected ${into.byteLength}`,
      {
        location: { source: file },
      },
    );
  new Uint8Array(into.buffer, into.byteOffset, into.byteLength).set(buf);
}

async function saveCheckpoint(
  dir: string,
  params: StudentParameters,
  adam: StudentAdam,
  manifest: CheckpointManifest,
): Promise<void> {
  await fsp.mkdir(dir, { recursive: true });
  for (const name of CHECKPOINT_ARRAYS) {
    const p = params[name];
    if (!p) continue;
    await writeArray(path.join(dir, `${name}.f32`), p);
    await writeArray(path.join(dir, `${name}.m.f32`), adam.m[name] as Float32Array);
    await writeArray(path.join(dir, `${name}.v.f32`), adam.v[name] as Float32Array);
  }
  // the manifest goes last: a checkpoint counts only once its arrays are all written
  await writeFileAtomic(path.join(dir, 'checkpoint.json'), JSON.stringify(manifest, null, 2));
}

async function loadCheckpoint(
  dir: string,
  params: StudentParameters,
  adam: StudentAdam,
  expected: string,
): Promise<CheckpointManifest | undefined> {
  const file = path.join(dir, 'checkpoint.json');
  if (!existsSync(file)) return undefined;
  const manifest = await readJsonFile<CheckpointManifest>(file);
  if (manifest.format !== 1 || manifest.fingerprint !== expected)
    throw new SmyslError(
      'E_STATE',
      `checkpoint ${dir} belongs to a different training run (other data or settings); remove it or choose another checkpoint directory`,
    );
  for (const name of CHECKPOINT_ARRAYS) {
    const p = params[name];
    if (!p) continue;
    await readArrayInto(path.join(dir, `${name}.f32`), p);
    await readArrayInto(path.join(dir, `${name}.m.f32`), adam.m[name] as Float32Array);
    await readArrayInto(path.join(dir, `${name}.v.f32`), adam.v[name] as Float32Array);
  }
  adam.step = manifest.step;
  return manifest;
}

/**
 * Trains `params` in place on the tasks. Returns the per-epoch history (losses, seconds and
 * whatever `onEpoch` scored).
 */
export async function trainStudent(
  params: StudentParameters,
  vocab: FeatureVocabulary,
  tasks: TrainingTask[],
  opts: StudentTrainOptions,
): Promise<EpochRecord[]> {
  if (tasks.length === 0) throw new SmyslError('E_USAGE', 'nothing to train on (no tasks)');
  if (!(opts.epochs >= 1) || !(opts.batchSize >= 2) || !(opts.learningRate > 0))
    throw new SmyslError('E_USAGE', 'epochs >= 1, batch size >= 2 and a positive learning rate are required');
  if (vocab.size !== params.shape.rows)
    throw new SmyslError(
      'E_USAGE',
      `the vocabulary has ${vocab.size} rows but the table ${params.shape.rows}`,
    );
  const prepared = tasks.map((t, i) => prepare(t, i, vocab, opts.batchSize));
  const settings: AdamSettings = {
    learningRate: opts.learningRate,
    logitLearningRate: opts.logitLearningRate,
    projectionLearningRate: opts.projectionLearningRate,
  };
  const adam = new StudentAdam(params, settings);
  const grads = new StudentGradients(params.shape);
  const print = fingerprint(params, prepared, opts);
  let history: EpochRecord[] = [];
  let firstEpoch = 0;
  if (opts.checkpointDir) {
    const resumed = await loadCheckpoint(opts.checkpointDir, params, adam, print);
    if (resumed) {
      firstEpoch = resumed.epoch;
      history = resumed.history;
    }
  }
  const perEpoch = epochBatches(prepared, opts.seed, 0).length;
  const totalSteps = perEpoch * opts.epochs;
  const warmupSteps = Math.round((opts.warmup ?? 0.05) * totalSteps);
  for (let epoch = firstEpoch; epoch < opts.epochs; epoch++) {
    const epochStarted = Date.now();
    const batches = epochBatches(prepared, opts.seed, epoch);
    const sums = new Float64Array(prepared.length);
    const counts = new Float64Array(prepared.length);
    for (let k = 0; k < batches.length; k++) {
      throwIfAborted(opts.signal);
      const { task, items } = batches[k];
      const loss = batchStep(params, prepared[task], items, grads, opts.scale ?? 20);
      sums[task] += loss;
      counts[task]++;
      const step = adam.step;
      const rate =
        step < warmupSteps
          ? (step + 1) / (warmupSteps + 1)
          : Math.max(0, (totalSteps - step) / Math.max(1, totalSteps - warmupSteps));
      adam.update(grads, rate);
      grads.clear();
      if (opts.onProgress && (k % 50 === 0 || k === batches.length - 1)) {
        const extra: Record<string, number | string> = {};
        prepared.forEach((p, t) => {
          if (counts[t] > 0) extra[p.name] = Number((sums[t] / counts[t]).toPrecision(4));
        });
        opts.onProgress({
          phase: `epoch ${epoch + 1}/${opts.epochs}`,
          done: adam.step,
          total: totalSteps,
          unit: 'steps',
          extra,
        });
      }
      // let an abort or a progress redraw through now and then
      if (k % 200 === 199) await new Promise((resolve) => setImmediate(resolve));
    }
    const losses: Record<string, number> = {};
    prepared.forEach((p, t) => {
      losses[p.name] = counts[t] > 0 ? sums[t] / counts[t] : Number.NaN;
    });
    const record: EpochRecord = { epoch: epoch + 1, losses, seconds: (Date.now() - epochStarted) / 1000 };
    const score = await opts.onEpoch?.(epoch + 1, params);
    if (score !== undefined) record.score = score;
    history.push(record);
    if (opts.checkpointDir)
      await saveCheckpoint(opts.checkpointDir, params, adam, {
        format: 1,
        epoch: epoch + 1,
        step: adam.step,
        fingerprint: print,
        history,
      });
  }
  return history;
}
