"""Golden values for test/vectors/postprocess.test.ts, made once with numpy (not run by the suite).

Run: /usr/bin/python3 test/golden/vectors_postprocess.py > test/golden/vectors_postprocess.json
"""
import json

import numpy as np

rng = np.random.default_rng(20261123)
# Anisotropic data: a common offset plus correlated dimensions.
X = rng.normal(size=(40, 6)) @ rng.normal(size=(6, 6)) + np.array([3.0, -1.0, 0.5, 2.0, 0.0, 1.0])
X = X.astype(np.float32)
Xd = X.astype(np.float64)

mean = Xd.mean(axis=0)
std = Xd.std(axis=0)  # population std, like sklearn StandardScaler
C = np.cov(Xd, rowvar=False)  # denominator n - 1
values, vectors = np.linalg.eigh(C)
order = np.argsort(values)[::-1]
values = values[order]
vectors = vectors[:, order].T  # rows are components
for i in range(vectors.shape[0]):  # sign convention: largest-|x| entry positive
    if vectors[i, np.argmax(np.abs(vectors[i]))] < 0:
        vectors[i] = -vectors[i]
k = 3
projected = (Xd - mean) @ vectors[:k].T
whitened = projected / np.sqrt(values[:k] + 1e-12)
D = 2
centered = Xd - mean
abtt = centered - (centered @ vectors[:D].T) @ vectors[:D]

Q = X[:3].astype(np.float64)
dots = Q @ Xd.T
cos = dots / np.outer(np.linalg.norm(Q, axis=1), np.linalg.norm(Xd, axis=1))
euc = np.sqrt(((Q[:, None, :] - Xd[None, :, :]) ** 2).sum(-1))

print(json.dumps({
    "rows": 40, "dim": 6,
    "X": X.ravel().tolist(),
    "mean": mean.tolist(),
    "std": std.tolist(),
    "eigenvalues": values.tolist(),
    "components": vectors[:k].ravel().tolist(),
    "explained_variance_ratio": (values[:k] / values.sum()).tolist(),
    "pca3": projected.ravel().tolist(),
    "whiten3": whitened.ravel().tolist(),
    "abtt2": abtt.ravel().tolist(),
    "dot_q3": dots.ravel().tolist(),
    "cos_q3": cos.ravel().tolist(),
    "euclid_q3": euc.ravel().tolist(),
}))
