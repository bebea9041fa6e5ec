"""Tests for reference.backprop against independent facts.

Facts used: the forward formulas written with explicit loops; the mean squared error by hand;
central differences computed in this file (not with the function under test); known gradients
of simple functions (sum(A * p**2) has gradient 2 A p); and the gradient-descent update rule.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from reference.backprop import backward, forward, mse, numerical_gradient, train

F = {
    "relu": lambda z: max(z, 0.0),
    "sigmoid": lambda z: 1.0 / (1.0 + math.exp(-z)),
    "tanh": math.tanh,
}


def random_problem(seed, n=7, n_in=3, n_hidden=5, n_out=2):
    rng = np.random.default_rng(seed)
    return (
        rng.normal(size=(n, n_in)),
        rng.normal(size=(n_in, n_hidden)),
        rng.normal(size=(n_hidden, n_out)),
        rng.normal(size=(n, n_out)),
    )


def loss_of(x, w, v, t, activation):
    """Mean squared error of the network, written independently with explicit loops."""
    f = F[activation]
    total = 0.0
    for r in range(x.shape[0]):
        h = [f(sum(x[r, i] * w[i, j] for i in range(x.shape[1]))) for j in range(w.shape[1])]
        for k in range(v.shape[1]):
            y = sum(h[j] * v[j, k] for j in range(w.shape[1]))
            total += (y - t[r, k]) ** 2
    return total / x.shape[0]


def central_differences(fun, p, eps=1e-6):
    """Gradient of fun(p) by central differences on a private copy of p."""
    g = np.zeros_like(p)
    for idx in np.ndindex(p.shape):
        plus, minus = p.copy(), p.copy()
        plus[idx] += eps
        minus[idx] -= eps
        g[idx] = (fun(plus) - fun(minus)) / (2 * eps)
    return g


@pytest.mark.parametrize("activation", ["relu", "sigmoid", "tanh"])
def test_forward_matches_loops(activation):
    x, w, v, _ = random_problem(1)
    z, h, y = forward(x, w, v, activation)
    assert z.shape == h.shape == (7, 5) and y.shape == (7, 2)
    f = F[activation]
    for r in range(7):
        for j in range(5):
            zj = sum(x[r, i] * w[i, j] for i in range(3))
            assert z[r, j] == pytest.approx(zj, abs=1e-12)
            assert h[r, j] == pytest.approx(f(zj), abs=1e-12)
        for k in range(2):
            assert y[r, k] == pytest.approx(sum(h[r, j] * v[j, k] for j in range(5)), abs=1e-12)


def test_mse_by_hand():
    L, g = mse(np.array([[1.0], [2.0]]), np.array([[0.0], [0.0]]))
    assert isinstance(L, float) and L == 2.5
    np.testing.assert_array_equal(g, [[1.0], [2.0]])
    L, g = mse(np.array([[1.0, 3.0]]), np.array([[2.0, 1.0]]))  # N = 1 row, 2 outputs
    assert L == 5.0
    np.testing.assert_array_equal(g, [[-2.0, 4.0]])


@pytest.mark.parametrize("activation", ["relu", "sigmoid", "tanh"])
@pytest.mark.parametrize("seed", [0, 1])
def test_backward_matches_central_differences(activation, seed):
    x, w, v, t = random_problem(seed)
    x0, w0, v0 = x.copy(), w.copy(), v.copy()
    z, h, y = forward(x, w, v, activation)
    _, dL_dy = mse(y, t)
    dL_dw, dL_dv = backward(x, w, v, z, h, dL_dy, activation)
    assert dL_dw.shape == w.shape and dL_dv.shape == v.shape
    gw = central_differences(lambda p: loss_of(x, p, v, t, activation), w)
    gv = central_differences(lambda p: loss_of(x, w, p, t, activation), v)
    np.testing.assert_allclose(dL_dw, gw, rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(dL_dv, gv, rtol=1e-5, atol=1e-7)
    for a, a0 in ((x, x0), (w, w0), (v, v0)):
        np.testing.assert_array_equal(a, a0)


def test_relu_derivative_at_zero_is_zero():
    # Row 0 gives z = 0 exactly for hidden unit 0 (x . w[:, 0] = 1 - 1); row 1 gives z > 0.
    x = np.array([[1.0, 1.0], [2.0, 0.0]])
    w = np.array([[1.0, 0.5], [-1.0, 0.5]])
    v = np.array([[2.0], [3.0]])
    t = np.array([[0.5], [-1.0]])
    z, h, y = forward(x, w, v, "relu")
    assert z[0, 0] == 0.0 and z[1, 0] > 0
    _, dL_dy = mse(y, t)
    dL_dw, dL_dv = backward(x, w, v, z, h, dL_dy, "relu")
    # relu'(0) = 0: only row 1 reaches w[:, 0], so dL/dw[:, 0] = x[1] * dL_dy[1] * v[0].
    np.testing.assert_allclose(dL_dw[:, 0], x[1] * dL_dy[1, 0] * v[0, 0])
    # Only row 0's contribution: dL/dw[:, 0] vanishes when row 1 is dropped.
    z0, h0, y0 = forward(x[:1], w, v, "relu")
    _, g0 = mse(y0, t[:1])
    assert np.all(backward(x[:1], w, v, z0, h0, g0, "relu")[0][:, 0] == 0.0)
    # Away from the kink, the other unit still matches central differences.
    gw = central_differences(lambda p: loss_of(x, p, v, t, "relu"), w)
    np.testing.assert_allclose(dL_dw[:, 1], gw[:, 1], rtol=1e-6)
    np.testing.assert_allclose(dL_dv, central_differences(lambda p: loss_of(x, w, p, t, "relu"), v))


def test_numerical_gradient_known_function_and_restores():
    rng = np.random.default_rng(3)
    A = rng.normal(size=(3, 4))
    p = rng.normal(size=(3, 4))
    before = p.copy()
    ident = id(p)
    g = numerical_gradient(lambda: float(np.sum(A * p**2)), p)
    np.testing.assert_allclose(g, 2 * A * p, rtol=1e-6, atol=1e-8)
    assert g.shape == p.shape and g.dtype == np.float64
    assert id(p) == ident
    assert p.tobytes() == before.tobytes()  # bit-identical


def test_numerical_gradient_restores_values_that_do_not_round_trip():
    # For many floats (p + eps) - eps != p: restoring by arithmetic would drift.
    p = np.random.default_rng(4).uniform(0, 1, 50)
    before = p.copy()
    assert np.any((before + 0.3) - 0.3 != before)
    numerical_gradient(lambda: float(np.sum(np.sin(p))), p, eps=0.3)
    assert p.tobytes() == before.tobytes()


def test_numerical_gradient_any_shape():
    p0 = np.array(0.7)
    np.testing.assert_allclose(numerical_gradient(lambda: float(np.exp(p0)), p0), np.exp(0.7))
    p3 = np.arange(24, dtype=float).reshape(2, 3, 4) / 10
    g = numerical_gradient(lambda: float(np.sum(np.cos(p3))), p3)
    np.testing.assert_allclose(g, -np.sin(p3), rtol=1e-6, atol=1e-9)


def test_numerical_gradient_restores_when_f_raises():
    p = np.array([1.0, 2.0])

    def f():
        if p[0] != 1.0:
            raise RuntimeError("boom")
        return 0.0

    with pytest.raises(RuntimeError):
        numerical_gradient(f, p)
    assert p.tolist() == [1.0, 2.0]


def test_numerical_gradient_agrees_with_backward():
    x, w, v, t = random_problem(5)
    z, h, y = forward(x, w, v, "tanh")
    dL_dw, dL_dv = backward(x, w, v, z, h, mse(y, t)[1], "tanh")
    np.testing.assert_allclose(
        numerical_gradient(lambda: mse(forward(x, w, v, "tanh")[2], t)[0], w), dL_dw, rtol=1e-5
    )
    np.testing.assert_allclose(
        numerical_gradient(lambda: mse(forward(x, w, v, "tanh")[2], t)[0], v), dL_dv, rtol=1e-5
    )


def test_train_losses_are_before_each_update():
    x, _, _, t = random_problem(7, n=12, n_in=2, n_out=1)
    w3, v3, losses3 = train(x, t, n_hidden=4, lr=0.05, steps=3, seed=11)
    _, _, losses4 = train(x, t, n_hidden=4, lr=0.05, steps=4, seed=11)
    assert len(losses3) == 3 and all(isinstance(a, float) for a in losses3)
    assert losses4[:3] == losses3
    assert losses4[3] == pytest.approx(loss_of(x, w3, v3, t, "relu"), rel=1e-12)
    # The documented initialisation gives losses[0].
    rng = np.random.default_rng(11)
    w0 = rng.normal(0, 1 / np.sqrt(2), (2, 4))
    v0 = rng.normal(0, 1 / np.sqrt(4), (4, 1))
    assert losses3[0] == pytest.approx(loss_of(x, w0, v0, t, "relu"), rel=1e-12)
    assert w3.shape == (2, 4) and v3.shape == (4, 1)


def test_train_reduces_loss_and_is_seeded():
    rng = np.random.default_rng(8)
    x = rng.uniform(-1, 1, (40, 2))
    t = np.abs(x[:, :1]) + 0.5 * x[:, 1:]
    w, v, losses = train(x, t, n_hidden=16, lr=0.1, steps=300, seed=0)
    assert losses[-1] < 0.2 * losses[0]
    w2, v2, losses2 = train(x, t, n_hidden=16, lr=0.1, steps=300, seed=0)
    assert losses2 == losses and np.array_equal(w, w2) and np.array_equal(v, v2)


X, W, V = np.zeros((4, 3)), np.zeros((3, 5)), np.zeros((5, 1))
Z, T = np.zeros((4, 5)), np.zeros((4, 1))


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: forward(X, Z[:2], V), r"w must have shape \(3, n_hidden\); got shape \(2, 5\)"),
        (lambda: forward(X, W, np.zeros((4, 1))), r"v must have shape \(5, n_out\)"),
        (lambda: forward(np.zeros(4), W, V), "x must have shape"),
        (lambda: forward(X, W, V, "softplus"), "relu, sigmoid, tanh"),
        (lambda: mse(T, np.zeros((4,))), r"t must have shape \(4, 1\)"),
        (lambda: backward(X, W, V, Z, Z, np.zeros((4, 2))), r"dL_dy must have shape \(4, 1\)"),
        (lambda: backward(X, W, V, np.zeros((4, 4)), Z, T), r"z must have shape \(4, 5\)"),
        (lambda: numerical_gradient(lambda: 0.0, [1.0, 2.0]), "param"),
        (lambda: train(Z[:, :2], Z[:, 0], 3, 0.1, 2, 0), r"t must have shape \(4, n_out\)"),
    ],
)  # fmt: skip
def test_bad_arguments(call, message):
    with pytest.raises(ValueError, match=message):
        call()
