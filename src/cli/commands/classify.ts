import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { type Command, Option } from 'commander';
import type { Embedder } from '../../embed/types.js';
import { SmyslError } from '../../errors.js';
import {
  type ClassificationReport,
  classificationReport,
  confusionMatrix,
  uniqueLabels,
} from '../../eval/classification.js';
import {
  type Features,
  KnnClassifier,
  LogisticRegression,
  selectFeatureRows,
  stratifiedKFold,
} from '../../tasks/classify.js';
import { writeFileAtomic } from '../../util/fs.js';
import type { DenseMatrix } from '../../vectors/types.js';
import {
  addCorpusOptions,
  CORPUS_INPUT,
  type CorpusFlags,
  readCorpus,
  textsGivenAsInputs,
} from '../corpus-input.js';
import { addOutputFlags, collect, embedderOption, parseIntOption, setOption } from '../options.js';
import { formatTable, printJson } from '../output.js';
import { ProgressBar } from '../progress.js';
import {
  densify,
  embedderNames,
  fitEmbedder,
  type LabelledFlags,
  loadSavedEmbedder,
  makeEmbedder,
  parseSettings,
  readLabelledCorpus,
} from '../task-support.js';

type DataFlags = LabelledFlags;

interface ClassifierFlags {
  embedder: string;
  set: string[];
  classifier: 'logreg' | 'knn';
  neighbors: number;
  classWeight: 'balanced' | 'none';
  epochs: number;
  seed: number;
}

type Classifier = LogisticRegression | KnnClassifier;

const LABEL_FIELD = 'metadata field holding the label (CSV/TSV: a column; JSON/JSONL: a field)';

function addDataOptions(cmd: Command): Command {
  return addCorpusOptions(cmd.argument('<input>', `labelled documents: ${CORPUS_INPUT}`)).option(
    '--label-field <name>',
    LABEL_FIELD,
    'label',
  );
}

function addClassifierOptions(cmd: Command): Command {
  return cmd
    .addOption(
      embedderOption(`embedding method (${embedderNames().join(', ')}) or a transformer model`, 'tfidf'),
    )
    .addOption(setOption())
    .addOption(
      new Option('--classifier <name>', 'classifier on the vectors')
        .choices(['logreg', 'knn'])
        .default('logreg'),
    )
    .option('--neighbors <n>', 'neighbours for knn', parseIntOption('--neighbors', 1), 5)
    .addOption(
      new Option('--class-weight <mode>', 'logreg class weights')
        .choices(['none', 'balanced'])
        .default('none'),
    )
    .option(
      '--epochs <n>',
      'logreg maximum epochs (early stopping may end sooner)',
      parseIntOption('--epochs', 1),
      100,
    )
    .option('--seed <n>', 'random seed', parseIntOption('--seed'), 1);
}

function newClassifier(flags: ClassifierFlags): Classifier {
  return flags.classifier === 'knn'
    ? new KnnClassifier(flags.neighbors)
    : new LogisticRegression({ classWeight: flags.classWeight, epochs: flags.epochs, seed: flags.seed });
}

function train(c: Classifier, x: Features, y: string[]): void {
  if (c instanceof KnnClassifier) c.fit(densify(x), y);
  else c.fit(x, y);
}

function predict(c: Classifier, x: Features): string[] {
  return (c instanceof KnnClassifier ? c.predict(densify(x)) : c.predict(x)).map(String);
}

/** Fits a fresh embedder on the training texts, embeds train and test, trains, predicts. */
export async function trainAndPredict(
  flags: ClassifierFlags,
  trainTexts: string[],
  trainLabels: string[],
  testTexts: string[],
  quiet = true,
): Promise<string[]> {
  const embedder = await makeEmbedder(flags.embedder, parseSettings(flags.set));
  const bar = new ProgressBar({ quiet });
  await fitEmbedder(embedder, trainTexts, { onProgress: bar.update });
  bar.done();
  const x = await embedder.embed(trainTexts);
  const classifier = newClassifier(flags);
  train(classifier, x, trainLabels);
  return predict(classifier, await embedder.embed(testTexts));
}

function report(yTrue: string[], yPred: string[]) {
  const labels = uniqueLabels(yTrue, yPred).map(String).sort();
  return {
    labels,
    report: classificationReport(yTrue, yPred, labels),
    confusion: confusionMatrix(yTrue, yPred, labels),
  };
}

function printReport(
  r: { labels: string[]; report: ClassificationReport; confusion: number[][] },
  header: string,
) {
  const f = (v: number) => v.toFixed(4);
  console.log(header);
  console.log(
    `accuracy ${f(r.report.accuracy)}   macro F1 ${f(r.report.macro.f1)}   weighted F1 ${f(r.report.weighted.f1)}`,
  );
  console.log('');
  console.log(
    formatTable(
      ['class', 'precision', 'recall', 'f1', 'support'],
      r.report.perClass.map((c) => [String(c.label), f(c.precision), f(c.recall), f(c.f1), c.support]),
    ),
  );
  console.log('');
  console.log('confusion matrix (rows: true, columns: predicted)');
  console.log(
    formatTable(
      ['', ...r.labels],
      r.confusion.map((row, i) => [r.labels[i], ...row]),
    ),
  );
}

async function saveModel(dir: string, embedder: Embedder, classifier: Classifier, x: Features, y: string[]) {
  await fsp.mkdir(dir, { recursive: true });
  await embedder.save(path.join(dir, 'embedder'));
  if (classifier instanceof LogisticRegression) {
    await writeFileAtomic(path.join(dir, 'classifier.json'), JSON.stringify(classifier.toJSON()));
    return;
  }
  // kNN keeps its training vectors: store them beside the labels.
  const dense = densify(x);
  await writeFileAtomic(
    path.join(dir, 'knn-vectors.f32'),
    Buffer.from(dense.data.buffer, dense.data.byteOffset, dense.data.byteLength),
  );
  await writeFileAtomic(
    path.join(dir, 'classifier.json'),
    JSON.stringify({ kind: 'knn', format: 1, k: classifier.k, rows: dense.rows, dim: dense.dim, labels: y }),
  );
}

async function loadModel(dir: string): Promise<{ embedder: Embedder; classifier: Classifier }> {
  let json: { kind?: string; k: number; rows: number; dim: number; labels: string[] };
  try {
    json = JSON.parse(await fsp.readFile(path.join(dir, 'classifier.json'), 'utf8'));
  } catch (e) {
    throw new SmyslError(
      'E_IO',
      `${dir} is not a model written by "smysl classify train": ${(e as Error).message}`,
    );
  }
  const embedder = await loadSavedEmbedder(path.join(dir, 'embedder'));
  if (json.kind === 'knn') {
    const buf = await fsp.readFile(path.join(dir, 'knn-vectors.f32'));
    const data = new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
    if (data.length !== json.rows * json.dim)
      throw new SmyslError('E_FORMAT', `${dir}/knn-vectors.f32 has the wrong size`);
    const m: DenseMatrix = { rows: json.rows, dim: json.dim, data };
    return { embedder, classifier: new KnnClassifier(json.k).fit(m, json.labels) };
  }
  return { embedder, classifier: LogisticRegression.fromJSON(json as never) };
}

export function register(program: Command): void {
  const classify = program
    .command('classify')
    .description('text classification on any embedder: logistic regression or kNN');

  const trainCmd = addClassifierOptions(addDataOptions(classify.command('train')))
    .description('fit the embedder and a classifier on labelled data and save both to a directory')
    .requiredOption('--out <dir>', 'model directory to write');
  addOutputFlags(trainCmd).action(
    async (input: string, flags: DataFlags & ClassifierFlags & { out: string; json: boolean }) => {
      const data = await readLabelledCorpus(input, flags);
      const embedder = await makeEmbedder(flags.embedder, parseSettings(flags.set));
      const bar = new ProgressBar({ quiet: flags.quiet });
      await fitEmbedder(embedder, data.texts, { onProgress: bar.update });
      bar.done();
      const x = await embedder.embed(data.texts);
      const classifier = newClassifier(flags);
      train(classifier, x, data.labels);
      await saveModel(flags.out, embedder, classifier, x, data.labels);
      const summary = {
        out: flags.out,
        embedder: flags.embedder,
        classifier: flags.classifier,
        examples: data.texts.length,
        classes: uniqueLabels(data.labels).length,
      };
      if (flags.json) printJson(summary);
      else if (!flags.quiet)
        console.log(
          `trained ${flags.classifier} on ${summary.examples} examples (${summary.classes} classes, ${flags.embedder}) → ${flags.out}`,
        );
    },
  );

  const predictCmd = addCorpusOptions(
    classify
      .command('predict')
      .description('print the predicted label of each document (of the inputs, then of --text)')
      .argument('[input...]', CORPUS_INPUT)
      .option('--text <text>', 'a text to classify (repeatable)', collect)
      .requiredOption('--model <dir>', 'directory written by "smysl classify train"'),
  );
  addOutputFlags(predictCmd, 'print a JSON array of labels').action(
    async (inputs: string[], flags: CorpusFlags & { model: string; text?: string[]; json: boolean }) => {
      const texts: string[] = [];
      if (textsGivenAsInputs(inputs)) {
        flags.text = [...inputs, ...(flags.text ?? [])];
        inputs = [];
      }
      for (const input of inputs)
        for (const d of (await readCorpus(input, flags)).documents) texts.push(d.text);
      texts.push(...(flags.text ?? []));
      if (texts.length === 0)
        throw new SmyslError(
          'E_USAGE',
          'nothing to classify: give an input (a file, a folder or "-") or --text',
        );
      const { embedder, classifier } = await loadModel(flags.model);
      const labels = predict(classifier, await embedder.embed(texts));
      if (flags.json) printJson(labels);
      else for (const l of labels) console.log(l);
    },
  );

  const evalCmd = addClassifierOptions(addDataOptions(classify.command('eval')))
    .description(
      'cross-validate (stratified k-fold) or score on a --test file; per-class report and confusion matrix',
    )
    .option('--test <file>', 'held-out documents read like the input (instead of cross-validation)')
    .option('--folds <n>', 'stratified folds for cross-validation', parseIntOption('--folds', 2), 5);
  addOutputFlags(evalCmd).action(
    async (
      input: string,
      flags: DataFlags & ClassifierFlags & { test?: string; folds: number; json: boolean },
    ) => {
      const data = await readLabelledCorpus(input, flags);
      let yTrue: string[];
      let yPred: string[];
      let how: string;
      if (flags.test) {
        const test = await readLabelledCorpus(flags.test, flags);
        yTrue = test.labels;
        yPred = await trainAndPredict(flags, data.texts, data.labels, test.texts, flags.quiet);
        how = `train ${data.texts.length}, test ${test.texts.length} (${flags.test})`;
      } else {
        const folds = stratifiedKFold(data.labels, flags.folds, flags.seed);
        yTrue = [];
        yPred = [];
        // A method with nothing to fit (a pretrained encoder) embeds every text once, not per fold.
        const fixed = await makeEmbedder(flags.embedder, parseSettings(flags.set));
        const all = fixed.fit ? undefined : await fixed.embed(data.texts);
        for (let f = 0; f < folds.length; f++) {
          const testRows = folds[f];
          const trainRows = folds.filter((_, g) => g !== f).flat();
          if (all) {
            const classifier = newClassifier(flags);
            train(
              classifier,
              selectFeatureRows(all, trainRows),
              trainRows.map((i) => data.labels[i]),
            );
            const predicted = predict(classifier, selectFeatureRows(all, testRows));
            testRows.forEach((row, i) => {
              yTrue.push(data.labels[row]);
              yPred.push(predicted[i]);
            });
            continue;
          }
          const pred = await trainAndPredict(
            flags,
            trainRows.map((i) => data.texts[i]),
            trainRows.map((i) => data.labels[i]),
            testRows.map((i) => data.texts[i]),
            flags.quiet,
          );
          for (let i = 0; i < testRows.length; i++) {
            yTrue.push(data.labels[testRows[i]]);
            yPred.push(pred[i]);
          }
        }
        how = `${flags.folds}-fold stratified cross-validation over ${data.texts.length} examples (pooled predictions)`;
      }
      const r = report(yTrue, yPred);
      if (flags.json)
        printJson({
          embedder: flags.embedder,
          classifier: flags.classifier,
          evaluation: how,
          accuracy: r.report.accuracy,
          macroF1: r.report.macro.f1,
          weightedF1: r.report.weighted.f1,
          report: r.report,
          labels: r.labels,
          confusion: r.confusion,
        });
      else printReport(r, `${flags.embedder} + ${flags.classifier}: ${how}`);
    },
  );
}
