import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildFeatureVocabulary } from '../../../src/embed/student/features.js';
import { StudentGradients, StudentParameters, studentForward } from '../../../src/embed/student/model.js';
import { batchStep, type TrainingTask } from '../../../src/embed/student/train.js';
import { seededRandom } from '../../../src/vectors/random.js';

const texts = [
  'Кошка сидит на ковре.',
  'A cat sits on the mat',
  'кошки спят',
  'the mat is red',
  'красный ковёр',
];

function setup(projection: boolean) {
  const vocab = buildFeatureVocabulary(texts, {
    minWordCount: 1,
    minStemCount: 1,
    minGramCount: 2,
    settings: { minn: 3, maxn: 4, stems: true },
  });
  const dim = projection ? 4 : 3;
  const params = StudentParameters.random({ rows: vocab.size, dim, outDim: 3, projection }, 7, 1);
  const random = seededRandom(3);
  for (let i = 0; i < params.logits.length; i++) params.logits[i] = random() - 0.5;
  return { vocab, params };
}

function tasks(outDim: number): TrainingTask[] {
  const random = seededRandom(11);
  const targets = new Float32Array(texts.length * outDim);
  for (let i = 0; i < targets.length; i++) targets[i] = random() - 0.5;
  return [
    { kind: 'distill', texts, targets, weight: 3 },
    { kind: 'cosent', a: texts.slice(0, 4), b: texts.slice(1, 5), scores: [1, 4, 2, 3] },
    { kind: 'cosine', a: texts.slice(0, 4), b: texts.slice(1, 5), scores: [0.2, 0.9, 0.4, 0.1] },
    { kind: 'mnrl', anchors: texts.slice(0, 4), positives: texts.slice(1, 5) },
  ];
}

/**
 * Central differences for every parameter; the step actually taken is read back from the
 * float32 array (x ± h rounds), so the quotient divides by the true change.
 */
function checkTask(projection: boolean, task: TrainingTask) {
  const { vocab, params } = setup(projection);
  const feats =
    task.kind === 'distill'
      ? vocab.featurize(task.texts)
      : task.kind === 'mnrl'
        ? vocab.featurize([...task.anchors, ...task.positives])
        : vocab.featurize([...task.a, ...task.b]);
  const size =
    task.kind === 'distill' ? task.texts.length : task.kind === 'mnrl' ? task.anchors.length : task.a.length;
  const prepared = { task, feats, size };
  const items = Int32Array.from({ length: size }, (_, i) => i);
  // scale 5 keeps the soft-max losses away from saturation, where differences say little
  const loss = () => batchStep(params, prepared, items, new StudentGradients(params.shape), 5);
  const grads = new StudentGradients(params.shape);
  batchStep(params, prepared, items, grads, 5);
  let checked = 0;
  let worst = 0;
  for (const [name, array, grad] of [
    ['table', params.table, grads.table],
    ['logits', params.logits, grads.logits],
    ['projection', params.projection, grads.projection],
  ] as const) {
    if (!array || !grad) continue;
    for (let i = 0; i < array.length; i++) {
      const x = array[i];
      array[i] = x + 1e-3;
      const up = array[i];
      const lossUp = loss();
      array[i] = x - 1e-3;
      const down = array[i];
      const lossDown = loss();
      array[i] = x;
      const numeric = (lossUp - lossDown) / (up - down);
      const error = Math.abs(numeric - grad[i]);
      const scale = Math.max(1e-3, Math.abs(numeric), Math.abs(grad[i]));
      worst = Math.max(worst, error / scale);
      assert.ok(
        error <= 2e-3 * scale + 1e-7,
        `${task.kind} ${name}[${i}]: analytic ${grad[i]}, numeric ${numeric}`,
      );
      checked++;
    }
  }
  assert.ok(checked > 50, `checked ${checked} parameters`);
  return worst;
}

for (const projection of [false, true]) {
  for (const task of tasks(3)) {
    test(`gradients match finite differences: ${task.kind}${projection ? ', with projection' : ''}`, () => {
      checkTask(projection, task);
    });
  }
}

test('texts with no known row give a zero vector and no gradient', () => {
  const { vocab, params } = setup(false);
  const feats = vocab.featurize(['', '12345 ☃']);
  const state = studentForward(params, feats, Int32Array.from([0, 1]));
  assert.ok(state.out.every((v) => v === 0));
  const grads = new StudentGradients(params.shape);
  const prepared = {
    task: { kind: 'distill', texts: ['', '12345 ☃'], targets: new Float32Array(6).fill(0.5) } as TrainingTask,
    feats,
    size: 2,
  };
  const loss = batchStep(params, prepared, Int32Array.from([0, 1]), grads);
  assert.equal(loss, 0.25);
  assert.equal(grads.touchedCount, 0);
});
