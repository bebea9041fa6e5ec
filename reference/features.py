"""Answer key for the ``features`` assignment: a feature that makes rings linearly separable.

Points of two concentric rings cannot be split by a line in the (x1, x2) plane. Adding the
feature x1**2 + x2**2 (the squared radius) lifts them into three dimensions where a plane
separates them, and plain logistic regression finds that plane.
"""

from __future__ import annotations

import numpy as np

from reference._validate import as_float_array

__all__ = [
    "sigmoid",
    "add_radius_feature",
    "fit_logistic_regression",
    "predict",
    "make_rings",
]


def sigmoid(z: np.ndarray) -> np.ndarray:
    """Logistic function 1 / (1 + exp(-z)), elementwise, without overflow warnings.

    z: array of any shape. Returns a float64 array of the same shape. Only exp(-|z|) is ever
    evaluated, which lies in (0, 1], so z = +-1000 gives 1.0 and 0.0 silently.
    """
    z = np.asarray(z, dtype=np.float64)
    with np.errstate(under="ignore"):  # exp(-1000) rounding to 0 is the right answer
        e = np.exp(-np.abs(z))
        return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def add_radius_feature(X: np.ndarray) -> np.ndarray:
    """Append the squared radius as a third feature.

    X: array of shape (N, 2). Returns an array of shape (N, 3) with columns x1, x2, x1**2 + x2**2.
    """
    X = as_float_array("X", X, (None, 2))
    return np.column_stack([X, X[:, 0] ** 2 + X[:, 1] ** 2])


def _check_xy(X: object, y: object) -> tuple[np.ndarray, np.ndarray]:
    X = as_float_array("X", X, (None, "d"))
    y = as_float_array("y", y, (X.shape[0],))
    if not np.all((y == 0) | (y == 1)):
        raise ValueError("y must contain only the labels 0 and 1")
    return X, y


def fit_logistic_regression(
    X: np.ndarray, y: np.ndarray, lr: float = 0.1, steps: int = 1000
) -> tuple[np.ndarray, float]:
    """Fit logistic regression by full-batch gradient descent on the mean cross-entropy.

    X: array of shape (N, d); y: array of shape (N,) with values 0/1.
    The loss is L(w, b) = -mean(y log p + (1 - y) log(1 - p)) with p = sigmoid(X @ w + b).
    Starting from w = 0, b = 0, each of the ``steps`` updates is
    w -= lr * X^T (p - y) / N and b -= lr * mean(p - y).
    Returns (w, b): w of shape (d,) and b a Python float.
    """
    X, y = _check_xy(X, y)
    n, d = X.shape
    if n == 0:
        raise ValueError("X must have at least one row; got shape (0, d)")
    w = np.zeros(d)
    b = 0.0
    for _ in range(int(steps)):
        r = sigmoid(X @ w + b) - y
        w = w - lr * (X.T @ r) / n
        b = b - lr * float(np.mean(r))
    return w, float(b)


def predict(X: np.ndarray, w: np.ndarray, b: float) -> np.ndarray:
    """Class predictions of a linear classifier.

    X: array of shape (N, d); w: array of shape (d,); b: a number.
    Returns an int array of shape (N,): 1 where X @ w + b > 0 (strictly), else 0.
    """
    X = as_float_array("X", X, (None, "d"))
    w = as_float_array("w", w, (X.shape[1],))
    b = float(as_float_array("b", b, ()))
    return (X @ w + b > 0).astype(np.int64)


def make_rings(
    n_per_class: int = 100,
    seed: int = 0,
    radii: tuple[float, float] = (1.0, 3.0),
    noise: float = 0.2,
) -> tuple[np.ndarray, np.ndarray]:
    """Two noisy concentric rings: label 1 on the inner ring, label 0 on the outer ring.

    Angles are uniform, radii are radii[k] + noise * standard normal (clipped at 0).
    Returns (X, y): X of shape (2 * n_per_class, 2), y of shape (2 * n_per_class,) with 0/1.
    """
    rng = np.random.default_rng(seed)
    Xs, ys = [], []
    for label, radius in ((1, radii[0]), (0, radii[1])):
        angle = rng.uniform(0.0, 2.0 * np.pi, n_per_class)
        r = np.maximum(radius + noise * rng.standard_normal(n_per_class), 0.0)
        Xs.append(np.column_stack([r * np.cos(angle), r * np.sin(angle)]))
        ys.append(np.full(n_per_class, float(label)))
    return np.concatenate(Xs), np.concatenate(ys)
