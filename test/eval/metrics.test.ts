import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import {
  accuracy,
  classificationReport,
  confusionMatrix,
  logLoss,
  rocAuc,
  rocAucBinary,
} from '../../src/eval/classification.js';
import {
  adjustedRandIndex,
  normalizedMutualInformation,
  silhouetteScore,
} from '../../src/eval/clustering.js';
import { corpusBleu, distinctN, exactMatch, rougeL, rougeN } from '../../src/eval/text-overlap.js';

// Golden values from scikit-learn 1.2.1 and NLTK 3.8: test/golden/eval/make_golden.py
const golden = JSON.parse(
  readFileSync(new URL('../../../test/golden/eval/metrics.json', import.meta.url), 'utf8'),
);
const close = (a: number, b: number, tol = 1e-9, what = '') =>
  assert.ok(Math.abs(a - b) <= tol, `${what}: ${a} vs ${b} (tol ${tol})`);

test('classification metrics match scikit-learn', () => {
  const g = golden.classification;
  close(accuracy(g.y_true, g.y_pred), g.accuracy, 1e-12, 'accuracy');
  assert.deepEqual(confusionMatrix(g.y_true, g.y_pred, g.labels), g.confusion);
  const r = classificationReport(g.y_true, g.y_pred);
  assert.deepEqual(
    r.perClass.map((c) => c.label),
    g.labels,
  );
  r.perClass.forEach((c, i) => {
    close(c.precision, g.precision[i], 1e-12, `precision ${c.label}`);
    close(c.recall, g.recall[i], 1e-12, `recall ${c.label}`);
    close(c.f1, g.f1[i], 1e-12, `f1 ${c.label}`);
    assert.equal(c.support, g.support[i]);
  });
  for (const avg of ['macro', 'micro', 'weighted'] as const) {
    close(r[avg].precision, g[avg].precision, 1e-12, `${avg} precision`);
    close(r[avg].recall, g[avg].recall, 1e-12, `${avg} recall`);
    close(r[avg].f1, g[avg].f1, 1e-12, `${avg} f1`);
  }
});

test('ROC-AUC (binary with ties, one-vs-rest) and log loss match scikit-learn', () => {
  const b = golden.binary;
  close(
    rocAucBinary(
      b.y.map((y: number) => y === 1),
      b.scores,
    ),
    b.auc,
    1e-12,
    'binary auc',
  );
  close(rocAuc(b.y, b.scores), b.auc, 1e-12, 'binary auc via rocAuc');
  const g = golden.classification;
  close(rocAuc(g.y_true, g.probs, { labels: g.labels }), g.auc_ovr_macro, 1e-12, 'ovr macro');
  close(
    rocAuc(g.y_true, g.probs, { labels: g.labels, average: 'weighted' }),
    g.auc_ovr_weighted,
    1e-12,
    'ovr weighted',
  );
  close(logLoss(g.y_true, g.probs, g.labels), g.log_loss, 1e-12, 'log loss');
});

test('ROC-AUC hand-computed: perfect, inverted and all-tied rankings', () => {
  assert.equal(rocAucBinary([false, false, true, true], [0.1, 0.2, 0.3, 0.4]), 1);
  assert.equal(rocAucBinary([true, true, false, false], [0.1, 0.2, 0.3, 0.4]), 0);
  assert.equal(rocAucBinary([true, false, true, false], [0.5, 0.5, 0.5, 0.5]), 0.5);
  assert.throws(() => rocAucBinary([true, true], [0.1, 0.2]), /only one class/);
});

test('clustering metrics match scikit-learn', () => {
  const g = golden.clustering;
  close(adjustedRandIndex(g.a, g.b), g.ari, 1e-12, 'ARI');
  close(normalizedMutualInformation(g.a, g.b), g.nmi, 1e-12, 'NMI');
  const x = { rows: g.x.length, dim: g.x[0].length, data: new Float32Array(g.x.flat()) };
  close(silhouetteScore(x, g.b), g.silhouette_euclidean, 1e-6, 'silhouette euclidean');
  close(silhouetteScore(x, g.b, 'cosine'), g.silhouette_cosine, 1e-6, 'silhouette cosine');
});

test('clustering metrics: identical and permuted labelings score 1', () => {
  assert.equal(adjustedRandIndex([0, 0, 1, 1, 2], ['b', 'b', 'a', 'a', 'c']), 1);
  close(normalizedMutualInformation([0, 0, 1, 1, 2], ['b', 'b', 'a', 'a', 'c']), 1, 1e-12);
  // hand-computed silhouette: two tight pairs far apart on a line
  const x = { rows: 4, dim: 1, data: new Float32Array([0, 1, 10, 11]) };
  // a(0)=1, b(0)=10.5 -> 0.904762; a(1)=1, b(1)=9.5 -> 0.894737; symmetric for the others
  close(silhouetteScore(x, [0, 0, 1, 1]), (1 - 1 / 10.5 + 1 - 1 / 9.5) / 2, 1e-9);
});

test('corpus BLEU matches NLTK for every smoothing option', () => {
  const g = golden.bleu;
  for (const s of ['none', 'add-epsilon', 'add-one', 'exp-decay'] as const)
    close(corpusBleu(g.refs, g.hyps, { smoothing: s }), g[s], 1e-12, `bleu ${s}`);
  close(corpusBleu(g.refs, g.hyps, { weights: [0.5, 0.5] }), g.bigram, 1e-12, 'bleu bigram');
  const sh = g.short_hyp;
  close(corpusBleu(sh.refs, sh.hyps, { smoothing: 'add-epsilon' }), sh['add-epsilon'], 1e-12, 'short eps');
  close(corpusBleu(sh.refs, sh.hyps, { smoothing: 'exp-decay' }), sh['exp-decay'], 1e-12, 'short exp');
  assert.equal(corpusBleu(sh.refs, sh.hyps), 0);
});

test('ROUGE, Distinct-N and exact match on hand-computed cases', () => {
  const ref = 'the cat sat on the mat'.split(' ');
  const cand = 'the cat lay on the mat today'.split(' ');
  // unigram overlap: the x2, cat, on, mat = 5; cand 7, ref 6
  const r1 = rougeN(ref, cand, 1);
  close(r1.precision, 5 / 7);
  close(r1.recall, 5 / 6);
  close(r1.f, (2 * (5 / 7) * (5 / 6)) / (5 / 7 + 5 / 6));
  // bigrams: "the cat", "on the", "the mat" = 3; cand 6, ref 5
  const r2 = rougeN(ref, cand, 2);
  close(r2.precision, 3 / 6);
  close(r2.recall, 3 / 5);
  // LCS: the cat on the mat = 5
  const rl = rougeL(ref, cand);
  close(rl.precision, 5 / 7);
  close(rl.recall, 5 / 6);
  close(
    distinctN(
      [
        ['a', 'b', 'a'],
        ['a', 'b'],
      ],
      1,
    ),
    2 / 5,
  );
  close(
    distinctN(
      [
        ['a', 'b', 'a'],
        ['a', 'b'],
      ],
      2,
    ),
    2 / 3,
  );
  close(exactMatch(['Да', 'нет ', 'x'], ['Да', 'нет', 'y']), 2 / 3);
});
