"""reference.capacity against independent facts: forward passes of the other conventions,
closed forms, finite differences, least squares, and exact piece counts."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from reference.backprop import forward, numerical_gradient
from reference.capacity import (
    activation,
    as_relu_layers,
    composition_to_layers,
    depth_sweep,
    depth_widths,
    layers_to_xw,
    mlp_with,
    pieces_upper_bound,
    random_layers,
    shallow_to_layers,
    train_deep_linear,
    with_ones,
)
from reference.composition import compose
from reference.depth import count_linear_pieces, mlp, sawtooth_layers
from reference.shallow import shallow_net

RNG = np.random.default_rng(20261202)


def test_shallow_to_layers_runs_the_same_net_unit_by_unit():
    theta, phi = RNG.normal(size=(6, 2)), RNG.normal(size=7)
    layers = shallow_to_layers(theta, phi)
    x = np.linspace(-3, 3, 101)
    brute = [phi[0] + sum(phi[d + 1] * max(0.0, theta[d, 0] + theta[d, 1] * v) for d in range(6))
             for v in x]  # fmt: skip
    np.testing.assert_allclose(mlp(x[:, None], layers)[:, 0], brute, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(
        mlp_with(x[:, None], layers, "relu")[:, 0], shallow_net(x, theta, phi)
    )


def test_composition_to_layers_is_network_2_after_network_1():
    t1, p1, t2, p2 = (
        RNG.normal(size=(4, 2)),
        RNG.normal(size=5),
        RNG.normal(size=(3, 2)),
        RNG.normal(size=4),
    )
    layers = composition_to_layers(t1, p1, t2, p2)
    assert [W.shape for W, _ in layers] == [(4, 1), (3, 4), (1, 3)]
    x = np.linspace(-2, 2, 201)
    np.testing.assert_allclose(
        mlp(x[:, None], layers)[:, 0], compose(x, t1, p1, t2, p2), atol=1e-12
    )


@pytest.mark.parametrize(("n_in", "hidden", "n_out"), [(1, 1, 1), (3, 5, 2), (2, 7, 4)])
def test_layers_to_xw_matches_backprop_forward(n_in, hidden, n_out):
    layers = [(RNG.normal(size=(hidden, n_in)), RNG.normal(size=hidden)),
              (RNG.normal(size=(n_out, hidden)), RNG.normal(size=n_out))]  # fmt: skip
    w, v = layers_to_xw(layers)
    assert w.shape == (n_in + 1, hidden + 1) and v.shape == (hidden + 1, n_out)
    x = RNG.normal(size=(40, n_in))
    xo = with_ones(x)
    assert np.all(xo[:, 0] == 1) and np.array_equal(xo[:, 1:], x)
    _, _, y = forward(xo, w, v, "relu")
    np.testing.assert_allclose(y, mlp(x, layers), rtol=1e-12, atol=1e-12)
    z = xo @ w
    np.testing.assert_allclose(activation("leaky_relu", z) @ v, mlp_with(x, layers, "leaky_relu"))
    with pytest.raises(ValueError, match="exactly 2"):
        layers_to_xw(layers[:1])


def test_random_layers_he_statistics_and_seeds():
    layers = random_layers([1, 500, 400, 1], 3, bias_std=0.3)
    assert [(W.shape, b.shape) for W, b in layers] == [((500, 1), (500,)), ((400, 500), (400,)),
                                                       ((1, 400), (1,))]  # fmt: skip
    W2, b2 = layers[1]
    assert abs(W2.var() / (2 / 500) - 1) < 0.02  # 200 000 draws: relative s.e. of a variance 0.3%
    assert abs(b2.std() / 0.3 - 1) < 0.1
    # He initialisation keeps the mean square of the pre-activations through a ReLU layer.
    x = RNG.normal(size=(2000, 500))
    pre = np.maximum(x, 0) @ W2.T
    assert abs(np.mean(pre**2) / np.mean(np.maximum(x, 0) ** 2 * 2) - 1) < 0.05
    again = random_layers([1, 500, 400, 1], 3, bias_std=0.3)
    assert all(
        np.array_equal(a, c)
        for p, q in zip(layers, again, strict=True)
        for a, c in zip(p, q, strict=True)
    )
    assert not np.array_equal(random_layers([1, 500, 400, 1], 4)[1][0], W2)
    with pytest.raises(ValueError, match="widths"):
        random_layers([1], 0)


def test_upper_bound_holds_and_is_reached_by_a_shallow_net():
    assert pieces_upper_bound([1, 24, 1]) == 25 and pieces_upper_bound([1, 2, 2, 2, 1]) == 27
    assert pieces_upper_bound([3, 2]) == 1
    for depth in (1, 2, 3, 4, 6):
        widths = depth_widths(12, depth)
        assert sum(widths[1:-1]) == 12
        for seed in range(4):
            net = random_layers(widths, seed, bias_std=1.0)
            assert count_linear_pieces(net, -3.0, 3.0) <= pieces_upper_bound(widths)
    # D units with distinct kinks inside (lo, hi) and nonzero phi: exactly D + 1 pieces.
    kinks = np.linspace(-0.9, 0.9, 9)
    theta = np.column_stack([-kinks, np.ones(9)])
    layers = shallow_to_layers(theta, np.arange(10.0) + 1)
    assert count_linear_pieces(layers, -1.0, 1.0) == pieces_upper_bound([1, 9, 1]) == 10
    # The sawtooth reaches 2**L with widths 2, under the bound 3**L.
    assert (
        count_linear_pieces(sawtooth_layers(6), -2.0, 2.0)
        == 2**6
        < pieces_upper_bound([1] + [2] * 6 + [1])
    )
    with pytest.raises(ValueError, match="divide"):
        depth_widths(10, 3)


def test_depth_sweep_statistics_and_the_hanin_rolnick_fact():
    seen = []

    def units(layers, lo, hi):
        seen.append((tuple(W.shape for W, _ in layers), lo, hi))
        return sum(W.shape[0] for W, _ in layers[:-1])

    mean, sem = depth_sweep(units, 12, [1, 3, 12], [7, 8], -1.0, 2.0)
    np.testing.assert_array_equal(mean, [12, 12, 12])
    np.testing.assert_array_equal(sem, [0, 0, 0])
    assert [s[0][0] for s in seen] == [(12, 1)] * 2 + [(4, 1)] * 2 + [(1, 1)] * 2
    assert all(s[1:] == (-1.0, 2.0) for s in seen)
    # Mean and standard error of counts known in advance (first bias of each net), by formula.
    b = np.array([random_layers([1, 2, 2, 1], s, 1.5)[0][1][0] for s in range(5)])
    m, e = depth_sweep(lambda L, lo, hi: L[0][1][0], 4, [2], range(5), 0, 1, bias_std=1.5)
    assert m[0] == pytest.approx(b.sum() / 5)
    assert e[0] == pytest.approx(np.sqrt(np.sum((b - b.mean()) ** 2) / 4 / 5))
    # Random nets: far fewer pieces than the bound, and about as many as units + 1.
    mean, _ = depth_sweep(count_linear_pieces, 24, [1, 4, 6], range(6), -1.0, 1.0)
    bounds = [pieces_upper_bound(depth_widths(24, d)) for d in (1, 4, 6)]
    assert np.all(mean <= 30) and mean[1] < bounds[1] / 50 and mean[2] < bounds[2] / 500
    with pytest.raises(ValueError, match="at least 2"):
        depth_sweep(units, 4, [1], [0], 0, 1)


def _loss(Ws: list[np.ndarray], x: np.ndarray, t: np.ndarray) -> float:
    P = Ws[0]
    for W in Ws[1:]:
        P = W @ P
    return float(np.sum((x @ P.T - t) ** 2) / len(x))


def test_train_deep_linear_steps_along_minus_the_numerical_gradient():
    x, t = RNG.normal(size=(15, 3)), RNG.normal(size=(15, 2))
    widths, lr, seed, std = [3, 4, 5, 2], 0.03, 11, 0.7
    rng = np.random.default_rng(seed)  # the initialisation as the docstring states it
    Ws = [std * rng.normal(size=(b, a)) for a, b in itertools.pairwise(widths)]
    grads = [numerical_gradient(lambda: _loss(Ws, x, t), W) for W in Ws]
    losses, P = train_deep_linear(x, t, widths, lr, 1, seed, init_std=std)
    assert losses.shape == (1,) and losses[0] == pytest.approx(_loss(Ws, x, t), rel=1e-12)
    stepped = [W - lr * g for W, g in zip(Ws, grads, strict=True)]
    P_want = stepped[2] @ stepped[1] @ stepped[0]
    np.testing.assert_allclose(P, P_want, rtol=1e-6, atol=1e-8)
    losses2, _ = train_deep_linear(x, t, widths, lr, 2, seed, init_std=std)
    assert losses2[1] == pytest.approx(_loss(stepped, x, t), rel=1e-6)


def test_train_deep_linear_reaches_least_squares():
    x = RNG.normal(size=(50, 3))
    t = x @ RNG.normal(size=(3, 2)) + 0.1 * RNG.normal(size=(50, 2))
    best = np.linalg.lstsq(x, t, rcond=None)[0].T
    for widths in ([3, 2], [3, 4, 2], [3, 3, 3, 2]):
        losses, P = train_deep_linear(x, t, widths, 0.05, 3000, 1, init_std=0.5)
        np.testing.assert_allclose(P, best, rtol=1e-6, atol=1e-8)
        assert np.all(np.diff(losses) <= 1e-12)
    empty, P0 = train_deep_linear(x, t, [3, 2], 0.1, 0, 5)
    assert empty.shape == (0,) and P0.shape == (2, 3)


def test_activation_closed_forms():
    z = np.linspace(-20, 20, 4001)
    np.testing.assert_array_equal(activation("relu", z), np.where(z > 0, z, 0))
    np.testing.assert_allclose(
        activation("leaky_relu", z) - activation("relu", z), 0.01 * np.minimum(z, 0)
    )
    np.testing.assert_allclose(activation("elu", np.log(0.25 + 0 * z[:3])), [-0.75] * 3)
    s = activation("sigmoid", z)
    np.testing.assert_allclose(s * (1 + np.exp(-z)), 1.0, rtol=1e-12)
    np.testing.assert_allclose(
        2 * activation("sigmoid", 2 * z) - 1, activation("tanh", z), atol=1e-15
    )
    assert activation("sigmoid", np.array([-800.0]))[0] == 0.0  # no overflow warning, no nan
    grid = RNG.normal(size=(3, 4, 5))
    for name in ("relu", "leaky_relu", "elu", "sigmoid", "tanh"):
        assert activation(name, grid).shape == grid.shape
    with pytest.raises(ValueError, match="one of relu"):
        activation("softplus", z)


def _leaky_forward(x: np.ndarray, layers) -> np.ndarray:
    h = x
    for W, b in layers[:-1]:
        z = h @ W.T + b
        h = np.array([[v if v > 0 else 0.01 * v for v in row] for row in z])
    W, b = layers[-1]
    return h @ W.T + b


def test_leaky_nets_as_relu_nets_and_their_pieces():
    layers = random_layers([2, 3, 4, 2], 5, bias_std=1.0)
    relu_net = as_relu_layers(layers, "leaky_relu")
    assert [W.shape for W, _ in relu_net] == [(6, 2), (8, 6), (2, 8)]
    x = RNG.normal(size=(30, 2)) * 3
    np.testing.assert_allclose(mlp(x, relu_net), _leaky_forward(x, layers), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(mlp_with(x, layers, "leaky_relu"), _leaky_forward(x, layers))
    # A leaky shallow net with D distinct kinks inside and nonzero phi has D + 1 pieces: each
    # unit's slope changes by 0.99 |theta_d1| phi_d at its kink.
    kinks, slopes = np.array([-0.5, 0.1, 0.7]), np.array([1.0, -2.0, 0.5])
    shallow = shallow_to_layers(
        np.column_stack([-kinks * slopes, slopes]), np.array([0.0, 1.0, 1.0, -3.0])
    )
    assert count_linear_pieces(as_relu_layers(shallow, "leaky_relu"), -1.0, 1.0) == 4
    copies = as_relu_layers(layers, "relu")
    assert all(
        np.array_equal(W, V) and W is not V for (W, _), (V, _) in zip(copies, layers, strict=True)
    )
    for name in ("elu", "sigmoid", "tanh"):
        with pytest.raises(ValueError, match="not piecewise linear"):
            as_relu_layers(layers, name)
    with pytest.raises(ValueError, match="one of"):
        as_relu_layers(layers, "gelu")
