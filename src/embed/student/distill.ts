/**
 * The whole distillation run behind `smysl train encoder`: teacher vectors (cached on disk),
 * the student's vocabulary, training, and the choice of epoch by a dev score — returning a
 * ready StudentEmbedder with a record of what it cost.
 */
import path from 'node:path';
import { SmyslError } from '../../errors.js';
import type { LongRunning } from '../../util/progress.js';
import type { DenseEmbedder } from '../types.js';
import { StudentEmbedder, type StudentInfo } from './embedder.js';
import {
  buildFeatureVocabulary,
  DEFAULT_FEATURES,
  type FeatureSettings,
  type FeatureVocabulary,
  type VocabularyBuildOptions,
} from './features.js';
import { StudentParameters } from './model.js';
import type { TableStorage } from './storage.js';
import { teacherVectors } from './teacher.js';
import { type EpochRecord, type TrainingTask, trainStudent } from './train.js';

interface Named {
  /** Shown in progress and the training history. */
  name?: string;
  /** Passes per epoch (default 1; fractions take a part). */
  repeat?: number;
  /** Multiplies the task's loss (default 1). */
  weight?: number;
  /**
   * Whether the task's texts count towards the vocabulary (default true). Texts that only
   * recombine others (paragraphs of training sentences) would otherwise lift words seen once
   * over the vocabulary's minimum count.
   */
  vocabulary?: boolean;
}

/** What to learn from. Every list is optional; at least one must be given. */
export interface DistillationData {
  /** Translations: `source` in the teacher's language; both sides learn teacher(source). */
  translations?: (Named & { source: string[]; target: string[] })[];
  /** Texts in the teacher's language: student(text) learns teacher(text). */
  monolingual?: (Named & { texts: string[] })[];
  /** Texts paired with teacher-language texts whose vectors they should take (e.g. pseudo-translations). */
  targets?: (Named & { texts: string[]; teacherTexts: string[] })[];
  /** Pairs with gold similarity scores (CoSENT). */
  scored?: (Named & { a: string[]; b: string[]; scores: number[] })[];
  /** Positive pairs; the rest of the batch are negatives (MultipleNegativesRanking). */
  positives?: (Named & { anchors: string[]; positives: string[] })[];
  /** More texts whose words and n-grams the vocabulary should know (no training signal). */
  vocabularyTexts?: string[];
}

export interface DistillOptions extends LongRunning {
  teacher: DenseEmbedder;
  /** Model name (manifest, collections, `model list`). */
  name: string;
  seed?: number;
  epochs?: number;
  batchSize?: number;
  learningRate?: number;
  /** Table width; a projection to the teacher's dimension is learned when it differs. Default: the teacher's. */
  dim?: number;
  storage?: TableStorage;
  features?: FeatureSettings;
  vocabulary?: Omit<VocabularyBuildOptions, 'settings'>;
  /** Teacher vector cache directory, or false (default: ~/.cache/smysl/teacher). */
  teacherCache?: string | false;
  /** Resumable training: per-epoch checkpoints (and the best epoch's model) go here. */
  checkpointDir?: string;
  /** Scores a candidate after each epoch, higher is better (e.g. dev Spearman); the best epoch is kept. */
  score?: (candidate: StudentEmbedder) => Promise<number> | number;
  /** More fields for the model's manifest (sources, command, scores). */
  info?: Record<string, unknown>;
}

export interface DistillResult {
  embedder: StudentEmbedder;
  history: EpochRecord[];
  /** 1-based epoch whose parameters were kept. */
  bestEpoch: number;
  bestScore?: number;
  vocabularySize: number;
  teacherTexts: number;
  seconds: { teacher: number; training: number; total: number };
  /** Peak resident memory of the process so far (includes the teacher's runtime). */
  peakRssMB: number;
}

/** Teacher vectors for many text lists at once: one deduplicated call, one cache entry. */
async function teacherRows(
  teacher: DenseEmbedder,
  lists: string[][],
  opts: DistillOptions,
): Promise<{ rows: Float32Array[]; count: number }> {
  const index = new Map<string, number>();
  const unique: string[] = [];
  for (const list of lists)
    for (const t of list)
      if (!index.has(t)) {
        index.set(t, unique.length);
        unique.push(t);
      }
  const { dim, data } = await teacherVectors(teacher, unique, {
    cache: opts.teacherCache,
    signal: opts.signal,
    onProgress: opts.onProgress,
  });
  if (dim !== teacher.dim && unique.length > 0)
    throw new SmyslError('E_MODEL', `teacher ${teacher.name} gave ${dim}-d vectors, expected ${teacher.dim}`);
  const rows = lists.map((list) => {
    const out = new Float32Array(list.length * dim);
    list.forEach((t, i) => {
      const r = index.get(t)!;
      out.set(data.subarray(r * dim, (r + 1) * dim), i * dim);
    });
    return out;
  });
  return { rows, count: unique.length };
}

export async function distillStudent(data: DistillationData, opts: DistillOptions): Promise<DistillResult> {
  const started = performance.now();
  const teacher = opts.teacher;
  const translations = data.translations ?? [];
  const monolingual = data.monolingual ?? [];
  const targeted = data.targets ?? [];
  for (const t of translations)
    if (t.source.length !== t.target.length)
      throw new SmyslError(
        'E_USAGE',
        `translations ${t.name ?? ''}: ${t.source.length} sources, ${t.target.length} targets`,
      );
  for (const t of targeted)
    if (t.texts.length !== t.teacherTexts.length)
      throw new SmyslError('E_USAGE', `targets ${t.name ?? ''}: texts and teacher texts differ in length`);
  const teacherLists = [
    ...translations.map((t) => t.source),
    ...monolingual.map((m) => m.texts),
    ...targeted.map((t) => t.teacherTexts),
  ];
  const { rows: targetRows, count: teacherTexts } = await teacherRows(teacher, teacherLists, opts);
  const teacherSeconds = (performance.now() - started) / 1000;

  const tasks: TrainingTask[] = [];
  const studentTexts: string[][] = [];
  let k = 0;
  for (const t of translations) {
    const targets = targetRows[k++];
    tasks.push({
      kind: 'distill',
      name: `${t.name ?? 'translations'}:target`,
      texts: t.target,
      targets,
      repeat: t.repeat,
      weight: t.weight,
    });
    tasks.push({
      kind: 'distill',
      name: `${t.name ?? 'translations'}:source`,
      texts: t.source,
      targets,
      repeat: t.repeat,
      weight: t.weight,
    });
    studentTexts.push(t.source, t.target);
  }
  for (const m of monolingual) {
    tasks.push({
      kind: 'distill',
      name: m.name ?? 'monolingual',
      texts: m.texts,
      targets: targetRows[k++],
      repeat: m.repeat,
      weight: m.weight,
    });
    studentTexts.push(m.texts);
  }
  for (const t of targeted) {
    tasks.push({
      kind: 'distill',
      name: t.name ?? 'targets',
      texts: t.texts,
      targets: targetRows[k++],
      repeat: t.repeat,
      weight: t.weight,
    });
    if (t.vocabulary !== false) studentTexts.push(t.texts);
  }
  for (const s of data.scored ?? []) {
    tasks.push({
      kind: 'cosent',
      name: s.name ?? 'scored',
      a: s.a,
      b: s.b,
      scores: s.scores,
      repeat: s.repeat,
      weight: s.weight,
    });
    studentTexts.push(s.a, s.b);
  }
  for (const p of data.positives ?? []) {
    tasks.push({
      kind: 'mnrl',
      name: p.name ?? 'positives',
      anchors: p.anchors,
      positives: p.positives,
      repeat: p.repeat,
      weight: p.weight,
    });
    studentTexts.push(p.anchors, p.positives);
  }
  if (tasks.length === 0)
    throw new SmyslError('E_USAGE', 'nothing to learn from: give translations, texts or pairs');

  const features = opts.features ?? DEFAULT_FEATURES;
  const vocab: FeatureVocabulary = buildFeatureVocabulary(
    (function* () {
      for (const list of studentTexts) yield* list;
      yield* data.vocabularyTexts ?? [];
    })(),
    { ...opts.vocabulary, settings: features },
  );
  const seed = opts.seed ?? 1;
  const dim = opts.dim ?? teacher.dim;
  const params = StudentParameters.random(
    { rows: vocab.size, dim, outDim: teacher.dim, projection: dim !== teacher.dim },
    seed,
  );
  const storage = opts.storage ?? 'f16';
  const info: StudentInfo = { name: opts.name, teacher: teacher.name, ...opts.info };
  let best: { epoch: number; score: number; embedder: StudentEmbedder } | undefined;
  const bestDir = opts.checkpointDir ? path.join(opts.checkpointDir, 'best') : undefined;
  const trainingStarted = performance.now();
  const history = await trainStudent(params, vocab, tasks, {
    epochs: opts.epochs ?? 6,
    batchSize: opts.batchSize ?? 64,
    learningRate: opts.learningRate ?? 0.01,
    seed,
    checkpointDir: opts.checkpointDir,
    signal: opts.signal,
    onProgress: opts.onProgress,
    onEpoch: async (epoch, p) => {
      if (!opts.score) return undefined;
      const candidate = StudentEmbedder.fromParameters(p, vocab, info, storage);
      const score = await opts.score(candidate);
      if (!best || score > best.score) {
        best = { epoch, score, embedder: candidate };
        if (bestDir) await candidate.save(bestDir);
      }
      return score;
    },
  });
  const trainingSeconds = (performance.now() - trainingStarted) / 1000;
  let embedder: StudentEmbedder;
  let bestEpoch = history.length;
  let bestScore: number | undefined;
  // a resumed run finds earlier epochs' best on disk (the history has their scores)
  const scored = history.filter((h) => h.score !== undefined);
  if (scored.length > 0) {
    const top = scored.reduce((a, b) => ((b.score as number) > (a.score as number) ? b : a));
    bestEpoch = top.epoch;
    bestScore = top.score;
    embedder =
      best && best.epoch === top.epoch
        ? best.embedder
        : bestDir
          ? await StudentEmbedder.load(bestDir)
          : StudentEmbedder.fromParameters(params, vocab, info, storage);
  } else embedder = StudentEmbedder.fromParameters(params, vocab, info, storage);
  return {
    embedder,
    history,
    bestEpoch,
    bestScore,
    vocabularySize: vocab.size,
    teacherTexts,
    seconds: {
      teacher: teacherSeconds,
      training: trainingSeconds,
      total: (performance.now() - started) / 1000,
    },
    peakRssMB: Math.round(process.resourceUsage().maxRSS / 1024),
  };
}
