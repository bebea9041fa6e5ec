"""A correct features submission: every function of the assignment, numpy only."""

import numpy as np


def add_radius_feature(X):
    """X (N, 2) -> (N, 3): x1, x2, x1**2 + x2**2."""
    return np.column_stack([X, X[:, 0] ** 2 + X[:, 1] ** 2])


def sigmoid(z):
    # 0.5 (1 + tanh(z / 2)) equals 1 / (1 + exp(-z)) and never overflows
    return 0.5 * (1.0 + np.tanh(0.5 * z))


def fit_logistic_regression(X, y, lr=0.1, steps=1000):
    """Full-batch gradient descent on the mean binary cross-entropy from w = 0, b = 0.

    X (N, d), y (N,) of 0/1 -> (w (d,), b float).
    """
    X = np.asarray(X, dtype=float)
    y = np.asarray(y, dtype=float)
    n = X.shape[0]
    w = np.zeros(X.shape[1])
    b = 0.0
    for _ in range(steps):
        err = sigmoid(X @ w + b) - y  # dL/dlogit of the mean BCE, times N
        w = w - lr * (X.T @ err) / n
        b = b - lr * float(err.sum()) / n
    return w, float(b)


def predict(X, w, b):
    """(N,) ints: 1 where X @ w + b > 0, else 0."""
    return (X @ w + b > 0).astype(int)
