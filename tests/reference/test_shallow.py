"""Tests for reference.shallow against independent facts (exact integer brute force, np.interp)."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reference.depth import count_linear_pieces, mlp
from reference.shallow import (
    count_linear_regions,
    interpolant_net,
    kink_locations,
    relu,
    shallow_net,
    shallow_to_layers,
)

# Integer nets with |theta_d1| <= 4 kink at rationals p/q with q <= 4, so every kink lies on
# the grid x = k / GRID (GRID = lcm(1, 2, 3, 4)).
GRID = 12


def brute_force_regions(theta: np.ndarray, phi: np.ndarray, lo_k: int, hi_k: int) -> int:
    """Regions of an integer shallow net on [lo_k / GRID, hi_k / GRID], exactly.

    relu is positively homogeneous, so GRID * y(k / GRID) is an integer computed exactly in
    int64. Every kink sits on a grid point; the slope changes there iff the second difference
    at that point is nonzero, and kinks at the end points have no centred second difference.
    """
    k = np.arange(lo_k, hi_k + 1, dtype=np.int64)
    t, p = theta.astype(np.int64), phi.astype(np.int64)
    y = GRID * p[0] + np.maximum(GRID * t[:, 0] + np.outer(k, t[:, 1]), 0) @ p[1:]
    return 1 + int(np.count_nonzero(y[2:] - 2 * y[1:-1] + y[:-2]))


@st.composite
def integer_nets(draw):
    D = draw(st.integers(0, 6))
    theta = np.array(
        [[draw(st.integers(-4, 4)), draw(st.integers(-4, 4))] for _ in range(D)], dtype=float
    ).reshape(D, 2)
    phi = np.array([draw(st.integers(-3, 3)) for _ in range(D + 1)], dtype=float)
    lo_k = draw(st.integers(-5 * GRID, 4 * GRID))
    hi_k = draw(st.integers(lo_k + 1, 5 * GRID))
    return theta, phi, lo_k, hi_k


@settings(max_examples=300, deadline=None)
@given(integer_nets())
def test_count_linear_regions_matches_exact_brute_force(net):
    theta, phi, lo_k, hi_k = net
    expected = brute_force_regions(theta, phi, lo_k, hi_k)
    got = count_linear_regions(theta, phi, lo_k / GRID, hi_k / GRID)
    assert type(got) is int
    assert got == expected
    # the same network written as layers, counted by the deep-network algorithm on the interval
    # as the brute force takes it: exactly [lo_k / GRID, hi_k / GRID] (the exact counter would
    # otherwise count the float64 rounding of -8/12, which leaves a 4e-17 piece past the kink)
    exact = count_linear_pieces(
        shallow_to_layers(theta, phi), Fraction(lo_k, GRID), Fraction(hi_k, GRID)
    )
    assert exact == expected


def test_a_kink_on_a_rational_end_point_counts_as_typed_or_as_stored():
    # 2 + 3x kinks at exactly -2/3; the float64 -8/12 lies 4e-17 past it.
    theta, phi = np.array([[2.0, 3.0]]), np.array([0.0, 1.0])
    layers = shallow_to_layers(theta, phi)
    assert count_linear_pieces(layers, Fraction(-9, 12), Fraction(-8, 12)) == 1  # as typed
    assert count_linear_pieces(layers, -9 / 12, -8 / 12) == 2  # as stored: a sliver past it
    assert count_linear_regions(theta, phi, -9 / 12, -8 / 12) == 1  # the float kink is the end


def test_relu():
    z = np.array([[-2.0, 0.0], [3.5, -0.0]])
    out = relu(z)
    assert out.shape == z.shape and out.dtype == np.float64
    np.testing.assert_array_equal(out, [[0.0, 0.0], [3.5, 0.0]])
    assert z[0, 0] == -2.0


def test_shallow_net_by_hand():
    theta = np.array([[1.0, -1.0], [-0.5, 2.0]])
    phi = np.array([0.5, 3.0, -1.0])
    x = np.array([-2.0, 0.0, 0.25, 1.0])
    by_hand = [0.5 + 3 * 3, 0.5 + 3 * 1, 0.5 + 3 * 0.75, 0.5 - 1 * 1.5]
    np.testing.assert_allclose(shallow_net(x, theta, phi), by_hand, rtol=0, atol=1e-15)


def test_shallow_net_empty_network_is_constant():
    y = shallow_net(np.array([1.0, 2.0]), np.zeros((0, 2)), np.array([4.0]))
    np.testing.assert_array_equal(y, [4.0, 4.0])


def test_kink_locations_sorted_with_duplicates_and_flat_units_dropped():
    theta = np.array([[2.0, -1.0], [1.0, 1.0], [5.0, 0.0], [-2.0, 1.0], [1.0, 1.0]])
    np.testing.assert_array_equal(kink_locations(theta), [-1.0, -1.0, 2.0, 2.0])
    assert kink_locations(np.zeros((0, 2))).shape == (0,)


@pytest.mark.parametrize(
    ("theta", "phi", "lo", "hi", "expected"),
    [
        # two units kinking at the same x with slope changes that add up: one kink
        ([[1.0, 1.0], [2.0, 2.0]], [0.0, 1.0, 1.0], -3, 3, 2),
        # relu(1 + x) - relu(-1 - x) = 1 + x: the slope changes cancel
        ([[1.0, 1.0], [-1.0, -1.0]], [0.0, 1.0, -1.0], -3, 3, 1),
        # cancellation with rounding: kinks -0.1/0.3 and -1/3, changes 0.3 and -0.1 * 3
        ([[0.1, 0.3], [1.0, 3.0]], [0.0, 1.0, -0.1], -3, 3, 1),
        # phi_d = 0 and theta_d1 = 0 add nothing
        ([[1.0, 1.0], [5.0, 0.0], [-1.0, 1.0]], [0.0, 0.0, 7.0, 1.0], -3, 3, 2),
        # kinks exactly at lo and hi are not inside
        ([[1.0, 1.0], [-2.0, 1.0]], [0.0, 1.0, 1.0], -1, 2, 1),
        # kink at lo computed with rounding (-0.1/0.3 vs lo = -1/3)
        ([[0.1, 0.3], [0.0, 1.0]], [0.0, 1.0, 1.0], -1 / 3, 1, 2),
        # units that never switch inside [lo, hi]
        ([[10.0, 1.0], [-10.0, 1.0]], [1.0, 2.0, 3.0], -1, 1, 1),
    ],
)
def test_count_linear_regions_edge_cases(theta, phi, lo, hi, expected):
    assert count_linear_regions(np.array(theta), np.array(phi), lo, hi) == expected


def test_cancelling_units_really_are_affine():
    theta, phi = np.array([[0.1, 0.3], [1.0, 3.0]]), np.array([0.0, 1.0, -0.1])
    x = np.linspace(-3, 3, 101)
    y = shallow_net(x, theta, phi)
    np.testing.assert_allclose(np.diff(y, 2), 0.0, atol=1e-12)


@settings(max_examples=50, deadline=None)
@given(st.integers(2, 12), st.integers(0, 2**31 - 1))
def test_interpolant_net_reproduces_np_interp(K, seed):
    rng = np.random.default_rng(seed)
    knots = np.sort(rng.uniform(-3, 3, K))
    if np.min(np.diff(knots)) < 1e-3:
        knots = np.linspace(-3, 3, K)
    calls = []

    def f(x):
        calls.append(x.shape)
        return np.sin(3 * x) + x**2

    knots_before = knots.copy()
    theta, phi = interpolant_net(f, knots)
    assert calls == [(K,)]
    np.testing.assert_array_equal(knots, knots_before)
    assert theta.shape[0] <= K - 1 and theta.shape[1] == 2 and phi.shape == (theta.shape[0] + 1,)
    x = np.concatenate([rng.uniform(knots[0], knots[-1], 200), knots])
    np.testing.assert_allclose(
        shallow_net(x, theta, phi), np.interp(x, knots, f(knots)), rtol=1e-9, atol=1e-9
    )


def test_interpolant_net_rejects_bad_knots():
    with pytest.raises(ValueError, match="knots"):
        interpolant_net(np.sin, np.array([0.0]))
    with pytest.raises(ValueError, match="knots"):
        interpolant_net(np.sin, np.array([0.0, 1.0, 1.0]))
    with pytest.raises(ValueError, match="knots"):
        interpolant_net(np.sin, np.zeros((2, 2)))
    with pytest.raises(ValueError, match=r"f\(knots\)"):
        interpolant_net(lambda x: x[:1], np.array([0.0, 1.0]))


def test_bad_shapes_name_the_argument():
    theta, phi, x = np.zeros((3, 2)), np.zeros(4), np.zeros(5)
    with pytest.raises(ValueError, match=r"theta.*\(D, 2\).*\(3, 3\)"):
        shallow_net(x, np.zeros((3, 3)), phi)
    with pytest.raises(ValueError, match=r"phi.*\(4,\).*\(3,\)"):
        shallow_net(x, theta, np.zeros(3))
    with pytest.raises(ValueError, match="x"):
        shallow_net(np.zeros((5, 1)), theta, phi)
    with pytest.raises(ValueError, match="phi"):
        count_linear_regions(theta, np.zeros(5), 0, 1)
    with pytest.raises(ValueError, match="lo"):
        count_linear_regions(theta, phi, 1, 0)
    with pytest.raises(ValueError, match="theta"):
        kink_locations(np.zeros(4))


def test_inputs_are_not_modified():
    rng = np.random.default_rng(1)
    theta, phi, x = rng.normal(size=(5, 2)), rng.normal(size=6), rng.normal(size=7)
    copies = [a.copy() for a in (theta, phi, x)]
    shallow_net(x, theta, phi)
    kink_locations(theta)
    count_linear_regions(theta, phi, -1, 1)
    shallow_to_layers(theta, phi)
    for a, c in zip((theta, phi, x), copies, strict=True):
        np.testing.assert_array_equal(a, c)


def test_layers_view_matches_mlp():
    rng = np.random.default_rng(2)
    theta, phi, x = rng.normal(size=(5, 2)), rng.normal(size=6), rng.normal(size=40)
    np.testing.assert_allclose(
        mlp(x[:, None], shallow_to_layers(theta, phi))[:, 0], shallow_net(x, theta, phi)
    )
