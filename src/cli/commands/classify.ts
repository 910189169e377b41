import { type Command, Option } from 'commander';
import { embedderByName } from '../../embed/by-name.js';
import { SmyslError } from '../../errors.js';
import {
  type ClassificationReport,
  classificationReport,
  confusionMatrix,
  uniqueLabels,
} from '../../eval/classification.js';
import { createClassifier, crossValidateTexts, TextClassifier } from '../../tasks/text-classifier.js';
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
import { embedderNames, type LabelledFlags, parseSettings, readLabelledCorpus } from '../task-support.js';

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
      const embedder = await embedderByName(flags.embedder, parseSettings(flags.set));
      const bar = new ProgressBar({ quiet: flags.quiet });
      const model = await new TextClassifier(embedder, createClassifier(flags)).fit(data.texts, data.labels, {
        onProgress: bar.update,
      });
      bar.done();
      await model.save(flags.out);
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
      const labels = await (await TextClassifier.load(flags.model)).predict(texts);
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
      const makeEmbedder = () => embedderByName(flags.embedder, parseSettings(flags.set));
      const bar = new ProgressBar({ quiet: flags.quiet });
      let yTrue: string[];
      let yPred: string[];
      let how: string;
      if (flags.test) {
        const test = await readLabelledCorpus(flags.test, flags);
        const model = await new TextClassifier(await makeEmbedder(), createClassifier(flags)).fit(
          data.texts,
          data.labels,
          { onProgress: bar.update },
        );
        yTrue = test.labels;
        yPred = await model.predict(test.texts);
        how = `train ${data.texts.length}, test ${test.texts.length} (${flags.test})`;
      } else {
        ({ yTrue, yPred } = await crossValidateTexts(makeEmbedder, data.texts, data.labels, {
          ...flags,
          onProgress: bar.update,
        }));
        how = `${flags.folds}-fold stratified cross-validation over ${data.texts.length} examples (pooled predictions)`;
      }
      bar.done();
      const labels = uniqueLabels(yTrue, yPred).map(String).sort();
      const r = {
        labels,
        report: classificationReport(yTrue, yPred, labels),
        confusion: confusionMatrix(yTrue, yPred, labels),
      };
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
