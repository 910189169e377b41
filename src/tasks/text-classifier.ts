import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { fitOnTexts } from '../embed/by-name.js';
import { loadEmbedder } from '../embed/registry.js';
import type { Embedder } from '../embed/types.js';
import { SmyslError } from '../errors.js';
import { writeFileAtomic } from '../util/fs.js';
import type { LongRunning } from '../util/progress.js';
import { densify } from '../vectors/rows.js';
import type { DenseMatrix } from '../vectors/types.js';
import {
  type Features,
  KnnClassifier,
  LogisticRegression,
  selectFeatureRows,
  stratifiedKFold,
} from './classify.js';

/** Which classifier sits on the vectors, and its settings. */
export interface ClassifierSettings {
  /** `logreg` (default): multinomial logistic regression; `knn`: cosine k-nearest neighbours. */
  classifier?: 'logreg' | 'knn';
  /** knn: neighbours that vote (default 5). */
  neighbors?: number;
  /** logreg: `balanced` weighs classes by n / (k * n_c). */
  classWeight?: 'balanced' | 'none';
  /** logreg: maximum epochs (default 100; early stopping may end sooner). */
  epochs?: number;
  seed?: number;
}

/** A classifier over vectors. */
export type VectorClassifier = LogisticRegression | KnnClassifier;

/** A fresh, untrained classifier. */
export function createClassifier(s: ClassifierSettings = {}): VectorClassifier {
  return s.classifier === 'knn'
    ? new KnnClassifier(s.neighbors ?? 5)
    : new LogisticRegression({
        classWeight: s.classWeight ?? 'none',
        epochs: s.epochs ?? 100,
        seed: s.seed ?? 1,
      });
}

/** Trains on rows and labels; kNN needs dense rows, so sparse ones are made dense for it. */
export function fitClassifier(c: VectorClassifier, x: Features, y: readonly string[]): VectorClassifier {
  if (c instanceof KnnClassifier) c.fit(densify(x), y);
  else c.fit(x, y);
  return c;
}

/** The predicted label of every row, as strings. */
export function predictLabels(c: VectorClassifier, x: Features): string[] {
  return (c instanceof KnnClassifier ? c.predict(densify(x)) : c.predict(x)).map(String);
}

interface SavedClassifier {
  kind?: string;
  format?: number;
  k: number;
  rows: number;
  dim: number;
  labels: string[];
}

/**
 * An embedder and a classifier on its vectors: fit on labelled texts, predict labels for new
 * texts, save to a directory and load it back (the layout `smysl classify train` writes:
 * `embedder/`, `classifier.json`, and for kNN its training vectors in `knn-vectors.f32`).
 *
 * ```ts
 * const clf = new TextClassifier(await embedderByName('tfidf'), createClassifier());
 * await clf.fit(texts, labels);
 * await clf.save('model');
 * const labels = await (await TextClassifier.load('model')).predict(['новый текст']);
 * ```
 */
export class TextClassifier {
  constructor(
    readonly embedder: Embedder,
    readonly classifier: VectorClassifier,
  ) {}

  /** Fits the embedder on the texts when it has a fit step, then the classifier on their vectors. */
  async fit(texts: readonly string[], labels: readonly string[], opts: LongRunning = {}): Promise<this> {
    await fitOnTexts(this.embedder, texts, opts);
    fitClassifier(this.classifier, await this.embedder.embed([...texts]), labels);
    return this;
  }

  async predict(texts: readonly string[]): Promise<string[]> {
    return predictLabels(this.classifier, await this.embedder.embed([...texts]));
  }

  /** Writes the embedder and the classifier to `dir` (created if missing; files written atomically). */
  async save(dir: string): Promise<void> {
    const c = this.classifier;
    if (c instanceof KnnClassifier && !c.trainingData)
      throw new SmyslError('E_STATE', 'classifier is not trained: call fit first');
    await fsp.mkdir(dir, { recursive: true });
    await this.embedder.save(path.join(dir, 'embedder'));
    if (c instanceof LogisticRegression) {
      await writeFileAtomic(path.join(dir, 'classifier.json'), JSON.stringify(c.toJSON()));
      return;
    }
    // kNN keeps its training vectors: store them beside the labels.
    const { x, y } = c.trainingData!;
    await writeFileAtomic(
      path.join(dir, 'knn-vectors.f32'),
      Buffer.from(x.data.buffer, x.data.byteOffset, x.data.byteLength),
    );
    const saved: SavedClassifier = {
      kind: 'knn',
      format: 1,
      k: c.k,
      rows: x.rows,
      dim: x.dim,
      labels: y.map(String),
    };
    await writeFileAtomic(path.join(dir, 'classifier.json'), JSON.stringify(saved));
  }

  /** Loads a directory written by `save` (or by `smysl classify train`). */
  static async load(dir: string): Promise<TextClassifier> {
    let json: SavedClassifier;
    try {
      json = JSON.parse(await fsp.readFile(path.join(dir, 'classifier.json'), 'utf8'));
    } catch (e) {
      throw new SmyslError(
        'E_IO',
        `${dir} is not a text classifier written by "smysl classify train" or TextClassifier.save: ${(e as Error).message}`,
      );
    }
    const embedder = await loadEmbedder(path.join(dir, 'embedder'));
    if (json.kind === 'knn') {
      const buf = await fsp.readFile(path.join(dir, 'knn-vectors.f32'));
      const data = new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
      if (data.length !== json.rows * json.dim)
        throw new SmyslError('E_FORMAT', `${dir}/knn-vectors.f32 has the wrong size`);
      const m: DenseMatrix = { rows: json.rows, dim: json.dim, data };
      return new TextClassifier(embedder, new KnnClassifier(json.k).fit(m, json.labels));
    }
    return new TextClassifier(embedder, LogisticRegression.fromJSON(json as never));
  }
}

export interface CrossValidationOptions extends ClassifierSettings, LongRunning {
  /** Stratified folds (default 5). */
  folds?: number;
}

/**
 * Stratified k-fold cross-validation of an embedder + classifier on labelled texts; returns the
 * pooled true and predicted labels (feed them to `classificationReport`). `makeEmbedder` gives a
 * fresh embedder: one with a fit step is fitted on each fold's training texts only; one without
 * (a pretrained encoder) embeds every text once.
 */
export async function crossValidateTexts(
  makeEmbedder: () => Promise<Embedder>,
  texts: readonly string[],
  labels: readonly string[],
  opts: CrossValidationOptions = {},
): Promise<{ yTrue: string[]; yPred: string[] }> {
  const folds = stratifiedKFold(labels, opts.folds ?? 5, opts.seed ?? 1);
  const yTrue: string[] = [];
  const yPred: string[] = [];
  const first = await makeEmbedder();
  const all = first.fit ? undefined : await first.embed([...texts]);
  for (let f = 0; f < folds.length; f++) {
    opts.signal?.throwIfAborted();
    const testRows = folds[f];
    const trainRows = folds.filter((_, g) => g !== f).flat();
    const trainLabels = trainRows.map((i) => labels[i]);
    let predicted: string[];
    if (all) {
      const c = fitClassifier(createClassifier(opts), selectFeatureRows(all, trainRows), trainLabels);
      predicted = predictLabels(c, selectFeatureRows(all, testRows));
    } else {
      const clf = new TextClassifier(f === 0 ? first : await makeEmbedder(), createClassifier(opts));
      await clf.fit(
        trainRows.map((i) => texts[i]),
        trainLabels,
        opts,
      );
      predicted = await clf.predict(testRows.map((i) => texts[i]));
    }
    testRows.forEach((row, i) => {
      yTrue.push(labels[row]);
      yPred.push(predicted[i]);
    });
  }
  return { yTrue, yPred };
}
