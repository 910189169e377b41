"""Golden values for src/eval metrics, produced ONCE with Debian's python3-sklearn and python3-nltk.

Run: /usr/bin/python3 test/golden/eval/make_golden.py > test/golden/eval/metrics.json
The test suite reads the JSON; it never runs this script.
"""
import json

import numpy as np
from nltk.translate.bleu_score import SmoothingFunction, corpus_bleu
from sklearn import metrics

rng = np.random.default_rng(7)
out = {"sklearn": __import__("sklearn").__version__, "nltk": __import__("nltk").__version__}

# classification: 3 classes, string labels, an imbalanced mix with mistakes
y_true = ["cat", "dog", "bird", "cat", "cat", "dog", "bird", "bird", "cat", "dog", "cat", "bird"]
y_pred = ["cat", "cat", "bird", "cat", "dog", "dog", "cat", "bird", "cat", "bird", "cat", "bird"]
labels = sorted(set(y_true) | set(y_pred))
p, r, f, s = metrics.precision_recall_fscore_support(y_true, y_pred, labels=labels, zero_division=0)
out["classification"] = {
    "y_true": y_true,
    "y_pred": y_pred,
    "labels": labels,
    "accuracy": metrics.accuracy_score(y_true, y_pred),
    "confusion": metrics.confusion_matrix(y_true, y_pred, labels=labels).tolist(),
    "precision": p.tolist(),
    "recall": r.tolist(),
    "f1": f.tolist(),
    "support": s.tolist(),
}
for avg in ["macro", "micro", "weighted"]:
    pa, ra, fa, _ = metrics.precision_recall_fscore_support(y_true, y_pred, average=avg, zero_division=0)
    out["classification"][avg] = {"precision": pa, "recall": ra, "f1": fa}

# probabilities for ROC-AUC and log loss (rows in `labels` order), with ties in the binary scores
probs = rng.dirichlet([1, 1, 1], size=len(y_true))
probs = np.round(probs, 2)
probs[:, 2] = 1 - probs[:, 0] - probs[:, 1]
out["classification"]["probs"] = probs.tolist()
out["classification"]["auc_ovr_macro"] = metrics.roc_auc_score(y_true, probs, multi_class="ovr", average="macro", labels=labels)
out["classification"]["auc_ovr_weighted"] = metrics.roc_auc_score(y_true, probs, multi_class="ovr", average="weighted", labels=labels)
out["classification"]["log_loss"] = metrics.log_loss(y_true, probs, labels=labels)
yb = [1, 0, 1, 1, 0, 0, 1, 0, 1, 0]
sb = [0.9, 0.1, 0.4, 0.4, 0.4, 0.2, 0.8, 0.7, 0.35, 0.05]
out["binary"] = {"y": yb, "scores": sb, "auc": metrics.roc_auc_score(yb, sb)}

# clustering
a = [0, 0, 0, 1, 1, 1, 2, 2, 2, 2, 0, 1]
b = [1, 1, 0, 0, 2, 2, 2, 2, 2, 1, 1, 0]
x = rng.normal(size=(12, 4))
out["clustering"] = {
    "a": a,
    "b": b,
    "x": x.tolist(),
    "ari": metrics.adjusted_rand_score(a, b),
    "nmi": metrics.normalized_mutual_info_score(a, b),
    "silhouette_euclidean": metrics.silhouette_score(x, b, metric="euclidean"),
    "silhouette_cosine": metrics.silhouette_score(x, b, metric="cosine"),
}

# BLEU (NLTK corpus_bleu)
refs = [
    [["the", "cat", "is", "on", "the", "mat"], ["there", "is", "a", "cat", "on", "the", "mat"]],
    [["кошка", "сидит", "на", "ковре"]],
    [["a", "quick", "brown", "fox", "jumps", "over", "the", "lazy", "dog"]],
]
hyps = [
    ["the", "cat", "the", "cat", "on", "the", "mat"],
    ["кошка", "на", "ковре"],
    ["the", "quick", "brown", "fox", "jumped", "over", "a", "lazy", "dog"],
]
sf = SmoothingFunction()
out["bleu"] = {
    "refs": refs,
    "hyps": hyps,
    "none": corpus_bleu(refs, hyps),
    "add-epsilon": corpus_bleu(refs, hyps, smoothing_function=sf.method1),
    "add-one": corpus_bleu(refs, hyps, smoothing_function=sf.method2),
    "exp-decay": corpus_bleu(refs, hyps, smoothing_function=sf.method3),
    "bigram": corpus_bleu(refs, hyps, weights=(0.5, 0.5)),
    "short_hyp": {"refs": [refs[1]], "hyps": [["кошка", "ковре"]],
                   "add-epsilon": corpus_bleu([refs[1]], [["кошка", "ковре"]], smoothing_function=sf.method1),
                   "exp-decay": corpus_bleu([refs[1]], [["кошка", "ковре"]], smoothing_function=sf.method3)},
}
print(json.dumps(out, indent=1, ensure_ascii=False))
