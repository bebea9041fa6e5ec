"""Broken in two ways, one function still right.

- add_radius_feature is correct.
- fit_logistic_regression takes the log of the probabilities to "stabilise" the gradient; the
  logs of 0 turn into NaN and the weights come back as NaN.
- predict returns a column of shape (N, 1) instead of a flat (N,) array.
"""

import numpy as np


def add_radius_feature(X):
    return np.c_[X, X[:, 0] ** 2 + X[:, 1] ** 2]


def fit_logistic_regression(X, y, lr=0.1, steps=1000):
    w = np.zeros(X.shape[1])
    b = 0.0
    for _ in range(steps):
        p = 1 / (1 + np.exp(-(X @ w + b)))
        g = np.log(p) - np.log(y)  # wrong: not the gradient, and log(0) = -inf
        w = w - lr * X.T @ g / len(y)
        b = b - lr * g.mean()
    return w, b


def predict(X, w, b):
    return (X @ w + b > 0).astype(int).reshape(-1, 1)
