"""Tests for reference.features against independent facts.

Facts used: the logistic formula; the mean cross-entropy written out in the test and
differentiated by central differences; the gradient-descent update rule (one step from zero
moves by -lr times the gradient); and a brute-force search over all lines for the best linear
accuracy on the raw rings.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from reference.features import (
    add_radius_feature,
    fit_logistic_regression,
    make_rings,
    predict,
    sigmoid,
)


def mean_bce(X, y, w, b):
    p = 1.0 / (1.0 + np.exp(-(X @ w + b)))
    return -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))


def best_linear_accuracy(X, y, n_angles=721):
    """Best accuracy of any rule 'w . x > t' over a fine set of directions and all thresholds."""
    best, n = 0.0, len(y)
    for a in np.linspace(0, np.pi, n_angles):
        ys = y[np.argsort(X @ np.array([np.cos(a), np.sin(a)]))]
        c = np.concatenate([[0.0], np.cumsum(ys)])  # label-1 count among the first k points
        k = np.arange(n + 1)
        acc = ((k - c) + (ys.sum() - c)) / n  # first k predicted 0, the rest 1
        best = max(best, acc.max(), (1 - acc).max())
    return best


def test_sigmoid_formula_and_no_warnings():
    z = np.linspace(-30, 30, 603).reshape(3, 201)
    np.testing.assert_allclose(sigmoid(z), 1 / (1 + np.exp(-z)), rtol=1e-14, atol=0)
    assert sigmoid(z).shape == (3, 201)
    with warnings.catch_warnings(), np.errstate(all="raise"):
        warnings.simplefilter("error")
        out = sigmoid(np.array([-1000.0, 1000.0, 0.0]))
    assert out.tolist() == [0.0, 1.0, 0.5]


def test_add_radius_feature():
    X = np.array([[3.0, 4.0], [-1.0, 2.0], [0.0, 0.0]])
    X0 = X.copy()
    Z = add_radius_feature(X)
    assert Z.shape == (3, 3) and Z.dtype == np.float64
    np.testing.assert_array_equal(Z, [[3, 4, 25], [-1, 2, 5], [0, 0, 0]])
    np.testing.assert_array_equal(X, X0)


def test_one_and_two_steps_follow_the_finite_difference_gradient():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(20, 3))
    y = (rng.uniform(size=20) < 0.4).astype(float)
    lr, eps = 0.3, 1e-6

    def fd_grad(w, b):
        g = np.zeros(3)
        for i in range(3):
            e = np.zeros(3)
            e[i] = eps
            g[i] = (mean_bce(X, y, w + e, b) - mean_bce(X, y, w - e, b)) / (2 * eps)
        gb = (mean_bce(X, y, w, b + eps) - mean_bce(X, y, w, b - eps)) / (2 * eps)
        return g, gb

    w1, b1 = fit_logistic_regression(X, y, lr=lr, steps=1)
    g, gb = fd_grad(np.zeros(3), 0.0)
    np.testing.assert_allclose(w1, -lr * g, rtol=1e-6, atol=1e-9)
    assert b1 == pytest.approx(-lr * gb, rel=1e-6, abs=1e-9)
    w2, b2 = fit_logistic_regression(X, y, lr=lr, steps=2)
    g, gb = fd_grad(w1, b1)
    np.testing.assert_allclose(w2, w1 - lr * g, rtol=1e-6, atol=1e-9)
    assert b2 == pytest.approx(b1 - lr * gb, rel=1e-6, abs=1e-9)


def test_fit_return_types_and_zero_steps():
    X, y = make_rings(10, seed=1)
    w, b = fit_logistic_regression(X, y, lr=0.1, steps=0)
    assert isinstance(b, float) and b == 0.0
    assert w.shape == (2,) and w.dtype == np.float64 and not np.any(w)
    w, b = fit_logistic_regression(X, y)
    assert isinstance(b, float) and w.shape == (2,)


def test_loss_decreases_with_training():
    X, y = make_rings(50, seed=2)
    Z = add_radius_feature(X)
    losses = [mean_bce(Z, y, *fit_logistic_regression(Z, y, 0.05, s)) for s in (0, 10, 100, 1000)]
    assert losses[0] == pytest.approx(np.log(2))
    assert all(a > b for a, b in zip(losses, losses[1:], strict=False))


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_lifted_rings_separable_raw_rings_not(seed):
    X, y = make_rings(100, seed=seed)
    X0, y0 = X.copy(), y.copy()
    Z = add_radius_feature(X)
    w, b = fit_logistic_regression(Z, y, lr=0.1, steps=1000)
    assert np.mean(predict(Z, w, b) == y) == 1.0
    assert best_linear_accuracy(X, y) < 0.85
    w_raw, b_raw = fit_logistic_regression(X, y, lr=0.1, steps=1000)
    assert np.mean(predict(X, w_raw, b_raw) == y) < 0.85
    np.testing.assert_array_equal(X, X0)
    np.testing.assert_array_equal(y, y0)


def test_predict_strict_and_int():
    X = np.array([[1.0, 0.0], [2.0, 0.0], [0.0, 0.0]])
    out = predict(X, np.array([1.0, 0.0]), -1.0)  # scores 0, 1, -1
    assert out.tolist() == [0, 1, 0]
    assert out.dtype.kind == "i" and out.shape == (3,)


def test_make_rings():
    X, y = make_rings(30, seed=5, radii=(1.0, 3.0), noise=0.0)
    assert X.shape == (60, 2) and y.shape == (60,)
    r = np.hypot(X[:, 0], X[:, 1])
    np.testing.assert_allclose(r[y == 1], 1.0)
    np.testing.assert_allclose(r[y == 0], 3.0)


@pytest.mark.parametrize(
    "call, message",
    [
        (
            lambda: add_radius_feature(np.zeros((5, 3))),
            r"X must have shape \(N, 2\); got shape \(5, 3\)",
        ),
        (
            lambda: fit_logistic_regression(np.zeros((5, 2)), np.zeros(4)),
            r"y must have shape \(5,\)",
        ),
        (lambda: fit_logistic_regression(np.zeros((2, 2)), np.array([0.0, 2.0])), "y must"),
        (lambda: fit_logistic_regression(np.zeros(5), np.zeros(5)), "X must have shape"),
        (lambda: predict(np.zeros((5, 3)), np.zeros(2), 0.0), r"w must have shape \(3,\)"),
        (lambda: predict(np.zeros((5, 3)), np.zeros(3), np.zeros(2)), "b must"),
    ],
)
def test_bad_arguments(call, message):
    with pytest.raises(ValueError, match=message):
        call()
