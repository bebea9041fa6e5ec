"""Tests for reference.depth against independent facts.

Piece counts are checked against an exact integer brute force, the sawtooth against its
recursive formula and its known 2**L pieces, and mlp against a published udlbook value.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reference.depth import (
    collapse_linear,
    count_linear_pieces,
    linear_piece_edges,
    mlp,
    sawtooth,
    sawtooth_layers,
)


def brute_force_pieces(layers: list, lo: int, hi: int) -> int:
    """Exact piece count of a network with INTEGER weights and biases on [lo, hi] (integers).

    On every affine piece each unit's pre-activation is a x + c with integers a, c and
    |a| <= s (s from the products of absolute weight matrices), so every possible breakpoint is
    a rational with denominator at most s_max, and two different ones are at least 1 / s_max**2
    apart. On the grid x = k / N with N > 3 s_max**2, N * f(k / N) is an exact int64 (relu is
    positively homogeneous: scale the biases by N and feed k). A breakpoint where the slope
    changes makes the second differences nonzero at one grid point (breakpoint on the grid) or
    two adjacent ones (between grid points), and different breakpoints are at least 3 grid
    steps apart, so runs of nonzero second differences count the slope changes.
    """
    s = np.ones(1, dtype=np.int64)
    s_max = 1
    for W, _ in layers[:-1]:
        s = np.abs(W).astype(np.int64) @ s
        s_max = max(s_max, int(s.max(initial=0)))
    n = 3 * s_max**2 + 1
    h = np.arange(lo * n, hi * n + 1, dtype=np.int64)[:, None]
    for W, b in layers[:-1]:
        h = np.maximum(h @ W.astype(np.int64).T + n * b.astype(np.int64), 0)
    W, b = layers[-1]
    y = (h @ W.astype(np.int64).T + n * b.astype(np.int64))[:, 0]
    bent = np.concatenate([[False], y[2:] - 2 * y[1:-1] + y[:-2] != 0])
    return 1 + int(np.count_nonzero(bent[1:] & ~bent[:-1]))


@st.composite
def integer_networks(draw):
    """Small integer networks drawn uniformly from a seed (few dead or zero units)."""
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    widths = [1, *rng.integers(1, 5, size=rng.integers(1, 4)), 1]
    layers = [
        (rng.integers(-2, 3, size=(d_out, d_in)) * 1.0, rng.integers(-2, 3, size=d_out) * 1.0)
        for d_in, d_out in zip(widths[:-1], widths[1:], strict=True)
    ]
    lo = int(rng.integers(-3, 0))
    hi = int(rng.integers(1, 4))
    return layers, lo, hi


@settings(max_examples=300, deadline=None)
@given(integer_networks())
def test_count_linear_pieces_matches_exact_brute_force(net):
    layers, lo, hi = net
    got = count_linear_pieces(layers, lo, hi)
    assert type(got) is int
    assert got == brute_force_pieces(layers, lo, hi)


def test_brute_force_sees_the_sawtooth():
    for depth in range(5):
        assert brute_force_pieces(sawtooth_layers(depth), -2, 2) == 2**depth


def random_layers(rng, widths):
    return [
        (rng.normal(size=(d_out, d_in)), rng.normal(size=d_out))
        for d_in, d_out in zip(widths[:-1], widths[1:], strict=True)
    ]


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 2**31 - 1), st.lists(st.integers(1, 8), min_size=1, max_size=4))
def test_pieces_of_random_float_networks_are_affine_and_maximal(seed, hidden):
    rng = np.random.default_rng(seed)
    layers = random_layers(rng, [1, *hidden, 1])
    edges = linear_piece_edges(layers, -3.0, 3.0)
    assert edges[0] == -3.0 and edges[-1] == 3.0 and np.all(np.diff(edges) > 0)
    f = lambda x: mlp(np.asarray(x, dtype=float)[:, None], layers)[:, 0]  # noqa: E731
    left, right = edges[:-1], edges[1:]
    width = right - left
    # affine on each piece: the value at a random inner point lies on the chord
    t = rng.uniform(0.1, 0.9, size=left.size)
    chord = (1 - t) * f(left) + t * f(right)
    size = 1 + np.abs(f(left)) + np.abs(f(right))
    assert np.all(np.abs(f(left + t * width) - chord) <= 1e-9 * size)
    # maximal: the slopes of neighbouring pieces differ
    slopes = (f(right) - f(left)) / width
    assert np.all(np.abs(np.diff(slopes)) > 1e-9 * (1 + np.abs(slopes[1:])))


@pytest.mark.parametrize("depth", range(21))
def test_sawtooth_piece_counts(depth):
    layers = sawtooth_layers(depth)
    assert count_linear_pieces(layers, -2, 2) == 2**depth
    # on [-1, 1]: f_1 = 2|x| - 2 has its two pieces there, each mapped onto [-2, 0], where
    # f_{L-1} has half of its 2**(L-1) pieces: 2**(L-1) for L >= 2
    expected = {0: 1, 1: 2}.get(depth, 2 ** (depth - 1))
    assert count_linear_pieces(layers, -1, 1) == expected


@pytest.mark.parametrize("depth", range(8))
def test_sawtooth_layers_follow_the_recursion(depth):
    x = np.linspace(-2.5, 2.5, 2001)
    f = x.copy()
    for _ in range(depth):
        f = 2 * np.abs(f) - 2
    np.testing.assert_allclose(sawtooth(x, depth), f, rtol=0, atol=1e-12)
    layers = sawtooth_layers(depth)
    assert len(layers) == depth + 1
    assert all(W.shape[0] == 2 for W, _ in layers[:-1])
    np.testing.assert_allclose(mlp(x[:, None], layers)[:, 0], f, rtol=0, atol=1e-9)


def test_sawtooth_depth_zero_layers():
    ((W, b),) = sawtooth_layers(0)
    np.testing.assert_array_equal(W, [[1.0]])
    np.testing.assert_array_equal(b, [0.0])


def test_udlbook_notebook_7_2_network_output():
    # Notebook 7.2 of Understanding Deep Learning draws its network in this order with
    # np.random.seed(0): W_0 (6, 1), W_5 (1, 6), b_0, b_5, then W_k, b_k for k = 1..4; it
    # applies ReLU after layers 0..4 and reports 1.907 for the input 1.2. A RandomState seeded
    # with 0 gives the same stream as np.random.seed(0) without touching the global state.
    normal = np.random.RandomState(0).normal
    K, D = 5, 6
    weights, biases = [None] * (K + 1), [None] * (K + 1)
    weights[0] = normal(size=(D, 1))
    weights[-1] = normal(size=(1, D))
    biases[0] = normal(size=(D, 1))
    biases[-1] = normal(size=(1, 1))
    for k in range(1, K):
        weights[k] = normal(size=(D, D))
        biases[k] = normal(size=(D, 1))
    layers = [(W, b[:, 0]) for W, b in zip(weights, biases, strict=True)]
    out = mlp(np.array([[1.2]]), layers)
    assert out.shape == (1, 1)
    assert round(float(out[0, 0]), 3) == 1.907


@settings(max_examples=50, deadline=None)
@given(st.integers(0, 2**31 - 1), st.lists(st.integers(1, 5), min_size=2, max_size=6))
def test_collapse_linear_equals_the_stack_without_activation(seed, widths):
    rng = np.random.default_rng(seed)
    layers = random_layers(rng, widths)
    x = rng.normal(size=(7, widths[0]))
    h = x
    for W, b in layers:
        h = h @ W.T + b
    W, b = collapse_linear(layers)
    assert W.shape == (widths[-1], widths[0]) and b.shape == (widths[-1],)
    np.testing.assert_allclose(x @ W.T + b, h, rtol=1e-10, atol=1e-10)


def test_mlp_by_hand():
    layers = [
        (np.array([[1.0, -1.0], [2.0, 0.5]]), np.array([0.0, -3.0])),
        (np.array([[1.0, 2.0]]), np.array([0.5])),
    ]
    x = np.array([[1.0, 2.0], [3.0, 1.0]])
    # hidden: relu([-1, -1]) = [0, 0]; relu([2, 3.5]) = [2, 3.5]
    np.testing.assert_allclose(mlp(x, layers), [[0.5], [9.5]])


def test_inputs_are_not_modified():
    rng = np.random.default_rng(3)
    layers = random_layers(rng, [1, 4, 3, 1])
    copies = [(W.copy(), b.copy()) for W, b in layers]
    x = rng.normal(size=(5, 1))
    x_copy = x.copy()
    mlp(x, layers)
    count_linear_pieces(layers, -1, 1)
    collapse_linear(layers)
    np.testing.assert_array_equal(x, x_copy)
    for (W, b), (W0, b0) in zip(layers, copies, strict=True):
        np.testing.assert_array_equal(W, W0)
        np.testing.assert_array_equal(b, b0)


def test_bad_arguments_raise_value_error():
    good = [(np.ones((2, 1)), np.zeros(2)), (np.ones((1, 2)), np.zeros(1))]
    with pytest.raises(ValueError, match=r"layers\[1\] W"):
        mlp(np.zeros((3, 1)), [good[0], (np.ones((1, 3)), np.zeros(1))])
    with pytest.raises(ValueError, match=r"layers\[0\] b"):
        mlp(np.zeros((3, 1)), [(np.ones((2, 1)), np.zeros(3))])
    with pytest.raises(ValueError, match="x"):
        mlp(np.zeros(3), good)
    with pytest.raises(ValueError, match=r"layers\[0\] W"):
        count_linear_pieces([(np.ones((2, 2)), np.zeros(2)), good[1]], 0, 1)
    with pytest.raises(ValueError, match="1 output"):
        count_linear_pieces([good[0], (np.ones((2, 2)), np.zeros(2))], 0, 1)
    with pytest.raises(ValueError, match="lo"):
        count_linear_pieces(good, 1, 1)
    with pytest.raises(ValueError, match="depth"):
        sawtooth_layers(-1)
    with pytest.raises(ValueError, match="depth"):
        sawtooth(np.zeros(2), 1.5)
    with pytest.raises(ValueError, match="layers"):
        collapse_linear([])
