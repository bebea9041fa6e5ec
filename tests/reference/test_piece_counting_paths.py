"""The 1-D exact piece counter through both of its float passes, against the exact oracle.

``reference.depth`` has a lean float pass for layers whose units are all proportional (one
representative: the sawtooth, width-1 layers) and a general one for every layer. Each test
here runs twice: with the lean pass allowed (and checked to have run) and with it turned off.
Inputs are the classes where a float decision is close: kinks on the interval's ends, roots
next to an edge, dead units and zero rows, exact zeros, weights from 1e-6 to 1e6, intervals
far from 0 or tiny, cancelling and nearly equal output slopes, several chunks of intervals,
and values near the float range. Counts are checked against ``exact_oracle`` (rational
arithmetic only) and, for the sawtooth on [-2, 2], the breakpoints against -2 + 4 k / 2**L.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
from exact_oracle import oracle_pieces
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import reference.depth as depth
from reference.depth import count_linear_pieces, linear_piece_edges, sawtooth_layers


@pytest.fixture(params=["lean", "general"])
def path(request, monkeypatch):
    """Run the test with the lean pass allowed (and count its layers) or turned off."""
    runs = []
    if request.param == "general":
        monkeypatch.setattr(depth, "_LEAN", False)
    else:
        lean = depth._Pieces._lean_layer

        def counted(self, *args):
            runs.append(args[0])
            return lean(self, *args)

        monkeypatch.setattr(depth._Pieces, "_lean_layer", counted)
    return request.param, runs


def check(path, layers, lo, hi) -> int:
    """The count, checked against the oracle and the edges; no lean layer if it is off."""
    kind, runs = path
    runs.clear()
    got = count_linear_pieces(layers, lo, hi)
    assert got == oracle_pieces(layers, lo, hi)
    edges = linear_piece_edges(layers, lo, hi)
    assert edges.size == got + 1 and np.all(np.diff(edges) >= 0)
    if kind == "general":
        assert not runs
    return got


def proportional(rng, d_out, row, bias, ratios=(1.0, -1.0, 2.0, -0.5)):
    """A layer of d_out units all proportional to (row, bias): power-of-2 ratios are exact."""
    lam = rng.choice(ratios, size=d_out)
    W = lam[:, None] * np.asarray(row, dtype=float)[None, :]
    return W, lam * bias


# ----------------------------------------------------------------- the sawtooth, exactly


@pytest.mark.parametrize("L", [0, 1, 2, 5, 9])
def test_sawtooth_breakpoints_are_the_dyadic_grid(path, L):
    edges = linear_piece_edges(sawtooth_layers(L), -2.0, 2.0)
    np.testing.assert_array_equal(edges, -2.0 + 4.0 * np.arange(2**L + 1) / 2**L)
    assert path[0] == "general" or len(path[1]) == L


@pytest.mark.parametrize(
    "lo, hi", [(-1.0, 1.0), (0.0, 2.0), (-2.0, 0.5), (-0.5, 0.75), (1.5, 2.0), (-1.3, 0.7)]
)
def test_sawtooth_on_intervals_ending_on_kinks(path, lo, hi):
    check(path, sawtooth_layers(7), lo, hi)
    assert path[0] == "general" or path[1]


def test_sawtooth_in_several_chunks(path, monkeypatch):
    monkeypatch.setattr(depth, "_CHUNK", 3)
    edges = linear_piece_edges(sawtooth_layers(8), -2.0, 2.0)
    np.testing.assert_array_equal(edges, -2.0 + 4.0 * np.arange(257) / 256)
    # the ends are kinks: exact intervals at both ends of the chunk list
    assert check(path, sawtooth_layers(7), -1.0, 1.0) == 64
    assert check(path, sawtooth_layers(6), Fraction(-1, 3), Fraction(5, 7)) > 1


# ----------------------------------------------------------- close decisions, by hand


def test_a_root_next_to_an_edge(path):
    # second layer root 2**-60 to the right of the first layer's kink at 0.5: no float
    # bound separates them, the interval is split in exact arithmetic
    for eps in (2.0**-60, 1e-17, 1e-13):
        layers = [
            (np.array([[1.0]]), np.array([-0.5])),
            (np.array([[1.0], [-2.0]]), np.array([-eps, 2.0 * eps])),
            (np.array([[1.0, 3.0]]), np.array([0.0])),
        ]
        assert check(path, layers, 0.0, 1.0) == 3


def test_kinks_close_together_far_from_the_origin(path):
    # folds of |x - 1e6| at 1e-7 and 5e-8: 8 pieces, kinks 5e-8 apart near 1e6
    fold = np.array([[1.0, 1.0], [-1.0, -1.0]])
    layers = [
        (np.array([[1.0], [-1.0]]), np.array([-1e6, 1e6])),
        (fold, np.array([-1e-7, 1e-7])),
        (fold, np.array([-5e-8, 5e-8])),
        (np.array([[1.0, 1.0]]), np.array([0.0])),
    ]
    assert check(path, layers, 1e6 - 1.0, 1e6 + 1.0) == 8


def test_dead_units_and_zero_rows(path):
    layers = [
        (np.array([[1.0], [0.0], [-1.0]]), np.array([0.0, 0.0, 0.0])),  # a zero row
        (np.array([[1.0, 5.0, 1.0], [0.0, 0.0, 0.0]]), np.array([-9.0, 0.0])),  # never crosses
        (np.array([[2.0, 7.0], [-4.0, -14.0]]), np.array([1.0, -2.0])),
        (np.array([[1.0, 1.0]]), np.array([0.0])),
    ]
    assert check(path, layers, -2.0, 2.0) == 1
    layers[1] = (np.array([[1.0, 5.0, 1.0], [0.0, 0.0, 0.0]]), np.array([-1.0, 0.0]))
    assert check(path, layers, -2.0, 2.0) == 3


def test_exact_zeros_at_edges(path):
    # the first layer's roots are edges where the next layer (bias 0) is exactly 0
    layers = [
        (np.array([[1.0], [-1.0]]), np.array([0.0, 0.0])),
        (np.array([[1.0, 1.0], [-2.0, -2.0]]), np.array([0.0, 0.0])),
        (np.array([[1.0, -1.0]]), np.array([-0.25])),
        (np.array([[1.0]]), np.array([0.0])),
    ]
    for lo, hi in ((-1.0, 1.0), (0.0, 1.0), (-0.25, 0.25)):
        check(path, layers, lo, hi)


def test_cancelling_and_nearly_equal_slopes(path):
    hidden = [(np.array([[1.0], [2.0]]), np.array([-0.5, -1.0]))]
    cancel = [*hidden, (np.array([[2.0, -1.0]]), np.array([0.0]))]  # the kink cancels
    assert check(path, cancel, 0.0, 1.0) == 1
    near = [*hidden, (np.array([[1e6, -5e5 + 1e-4]]), np.array([0.0]))]
    assert check(path, near, 0.0, 1.0) == 2


def test_weights_from_1e_minus_6_to_1e6(path):
    # the sawtooth with its hidden values scaled by 2**k (alternating), the same function
    for k in (6, 20):
        scales = [2.0 ** (k if i % 2 else -k) for i in range(7)]
        layers, prev = [], 1.0
        for (W, b), c in zip(sawtooth_layers(6), [*scales[:6], 1.0], strict=True):
            layers.append((W * (c / prev), b * c))
            prev = c
        assert check(path, layers, -2.0, 2.0) == 64


def test_values_near_the_float_range(path):
    # no float pass may overflow: an interval near 1e300 and layers that grow to 1e300
    layers = sawtooth_layers(3)
    check(path, [(layers[0][0], layers[0][1]), *layers[1:]], -1e300, 1e300)
    big = [(np.array([[1e150], [-1e150]]), np.zeros(2)), (np.array([[1e150, 1e150]]), np.zeros(1))]
    big.insert(1, (np.array([[1.0, 1.0], [-1.0, -1.0]]), np.array([-1e150, 1e150])))
    check(path, big, -3.0, 2.0)


# ------------------------------------------------------------------ hypothesis nets


@st.composite
def proportional_nets(draw, mixed=False):
    """Nets whose hidden layers are proportional (or, if mixed, some general), many scales."""
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    depth_ = int(rng.integers(1, 7))
    kind = draw(st.sampled_from(["gauss", "scales", "quarters", "integers"]))
    layers, d = [], 1
    for _ in range(depth_):
        w = int(rng.integers(1, 5))
        if kind == "integers":
            row, bias = rng.integers(-2, 3, d) * 1.0, float(rng.integers(-2, 3))
        elif kind == "quarters":
            row, bias = rng.integers(-4, 5, d) / 4.0, float(rng.integers(-4, 5)) / 4.0
        else:
            row, bias = rng.normal(size=d), float(rng.normal())
            if kind == "scales":
                k = 2.0 ** float(rng.integers(-20, 21))
                row, bias = row * k, bias * k
        if mixed and rng.random() < 0.4:
            W, b = rng.normal(size=(w, d)), rng.normal(size=w)
        else:
            W, b = proportional(rng, w, row, bias)
            if rng.random() < 0.2:  # a zero row
                j = rng.integers(w)
                W[j], b[j] = 0.0, 0.0
        layers.append((W, b))
        d = w
    layers.append((rng.normal(size=(1, d)), rng.normal(size=1)))
    at = draw(st.sampled_from([0.0, 1e3, 1e6, -1e5]))
    size = draw(st.sampled_from([6.0, 1.0, 1e-4]))
    if at:
        (W, b), *rest = layers
        layers = [(W, b - W[:, 0] * at), *rest]
    return layers, at - size / 2, at + size / 2


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(proportional_nets())
def test_proportional_nets_match_the_oracle(path, net):
    check(path, *net)
    if path[0] == "lean" and any(np.any(W) or np.any(b) for W, b in net[0][:-1]):
        assert path[1]  # some layer took the lean pass


@settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(proportional_nets(mixed=True))
def test_mixed_nets_match_the_oracle(path, net):
    check(path, *net)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(proportional_nets(mixed=True), st.sampled_from([1, 2, 5]))
def test_nets_in_several_chunks_match_the_oracle(path, net, chunk):
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(depth, "_CHUNK", chunk)
        check(path, *net)
