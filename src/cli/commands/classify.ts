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
import { collect, parseIntOption } from '../options.js';
import { formatTable, printJson } from '../output.js';
import { ProgressBar } from '../progress.js';
import {
  densify,
  embedderNames,
  fitEmbedder,
  loadSavedEmbedder,
  makeEmbedder,
  parseSettings,
  readLabelledData,
} from '../task-support.js';

interface DataFlags {
  data: string;
  labelColumn: string;
  textColumn: string[];
  delimiter?: string;
  header?: boolean;
}

interface ClassifierFlags {
  embedder: string;
  set: string[];
  classifier: 'logreg' | 'knn';
  k: number;
  classWeight: 'balanced' | 'none';
  epochs: number;
  seed: number;
}

type Classifier = LogisticRegression | KnnClassifier;

function addDataOptions(cmd: Command, labelRequired: boolean): Command {
  cmd
    .requiredOption('--data <file>', 'CSV or TSV file with a label column and text column(s)')
    .option(
      '--text-column <col>',
      'text column name or 1-based number (repeatable; joined)',
      collect,
      [] as string[],
    )
    .option(
      '--delimiter <char>',
      'field delimiter (default: tab for .tsv/.txt or a tabbed first line, else comma)',
    )
    .option('--header', 'the first row names the columns (default: when a column is given by name)')
    .option('--no-header', 'the file has no header row');
  if (labelRequired) cmd.requiredOption('--label-column <col>', 'label column name or 1-based number');
  else cmd.option('--label-column <col>', 'label column name or 1-based number', '1');
  return cmd;
}

function addClassifierOptions(cmd: Command): Command {
  return cmd
    .option('--embedder <name>', `embedding method (${embedderNames().join(', ')})`, 'tfidf')
    .option(
      '--set <key=value>',
      'embedder setting, e.g. weighting=sif or epochs=10 (repeatable)',
      collect,
      [],
    )
    .addOption(
      new Option('--classifier <name>', 'classifier on the vectors')
        .choices(['logreg', 'knn'])
        .default('logreg'),
    )
    .option('--k <n>', 'neighbours for knn', parseIntOption('--k', 1), 5)
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

async function readData(flags: DataFlags) {
  if (flags.textColumn.length === 0) throw new SmyslError('E_USAGE', 'give at least one --text-column');
  return readLabelledData(flags.data, {
    labelColumn: flags.labelColumn,
    textColumns: flags.textColumn,
    delimiter: flags.delimiter,
    header: flags.header,
  });
}

function newClassifier(flags: ClassifierFlags): Classifier {
  return flags.classifier === 'knn'
    ? new KnnClassifier(flags.k)
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

  addClassifierOptions(addDataOptions(classify.command('train'), true))
    .description('fit the embedder and a classifier on labelled data and save both to a directory')
    .requiredOption('--out <dir>', 'model directory to write')
    .option('--json', 'print a JSON summary', false)
    .option('--quiet', 'no progress bar', false)
    .action(async (flags: DataFlags & ClassifierFlags & { out: string; json: boolean; quiet: boolean }) => {
      const data = await readData(flags);
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
      else
        console.log(
          `trained ${flags.classifier} on ${summary.examples} examples (${summary.classes} classes, ${flags.embedder}) → ${flags.out}`,
        );
    });

  classify
    .command('predict')
    .description('print the predicted label of each text (from --data, or the arguments)')
    .argument('[texts...]', 'texts to classify')
    .requiredOption('--model <dir>', 'directory written by "smysl classify train"')
    .option('--data <file>', 'CSV/TSV file of texts to classify')
    .option('--text-column <col>', 'text column name or 1-based number (repeatable)', collect, [] as string[])
    .option('--delimiter <char>', 'field delimiter')
    .option('--header', 'the first row names the columns')
    .option('--no-header', 'the file has no header row')
    .option('--json', 'print a JSON array of labels', false)
    .action(
      async (
        texts: string[],
        flags: {
          model: string;
          data?: string;
          textColumn: string[];
          delimiter?: string;
          header?: boolean;
          json: boolean;
        },
      ) => {
        let inputs = texts;
        if (flags.data) {
          if (flags.textColumn.length === 0)
            throw new SmyslError('E_USAGE', 'give --text-column with --data');
          // The label column is not needed; reuse the first text column to satisfy the reader.
          inputs = (
            await readLabelledData(flags.data, {
              labelColumn: flags.textColumn[0],
              textColumns: flags.textColumn,
              delimiter: flags.delimiter,
              header: flags.header,
            })
          ).texts;
        }
        if (inputs.length === 0) throw new SmyslError('E_USAGE', 'nothing to classify: give texts or --data');
        const { embedder, classifier } = await loadModel(flags.model);
        const labels = predict(classifier, await embedder.embed(inputs));
        if (flags.json) printJson(labels);
        else for (const l of labels) console.log(l);
      },
    );

  addClassifierOptions(addDataOptions(classify.command('eval'), true))
    .description(
      'cross-validate (stratified k-fold) or score on a --test file; per-class report and confusion matrix',
    )
    .option('--test <file>', 'held-out file with the same columns (instead of cross-validation)')
    .option('--folds <n>', 'stratified folds for cross-validation', parseIntOption('--folds', 2), 5)
    .option('--json', 'print the report as JSON', false)
    .option('--quiet', 'no progress bar', false)
    .action(
      async (
        flags: DataFlags & ClassifierFlags & { test?: string; folds: number; json: boolean; quiet: boolean },
      ) => {
        const data = await readData(flags);
        let yTrue: string[];
        let yPred: string[];
        let how: string;
        if (flags.test) {
          const test = await readData({ ...flags, data: flags.test });
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
