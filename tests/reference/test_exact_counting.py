"""The exact counters against an exact rational oracle and against counting facts.

``exact_oracle`` (in this folder) counts in integer / rational arithmetic only, with its own
splitting code. Inputs are the classes where a tolerance loses or invents regions: tiny and
thin regions, weights at mixed scales, boxes and intervals far from the origin, kinks very
close together, slopes that differ by a relative 1e-10, nets typed in decimals, and the
degenerate cases (lines through vertices, concurrent, parallel and coincident lines, dead
units), plus hypothesis-generated nets at many scales.
"""

from __future__ import annotations

import math
from decimal import Decimal
from fractions import Fraction

import numpy as np
import pytest
from exact_oracle import oracle_pieces, oracle_regions
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reference.depth import count_linear_pieces, linear_piece_edges, sawtooth_layers
from reference.surfaces import count_regions_exact, region_polygons

BOX = (-2.0, 2.0, -2.0, 2.0)


def one_layer(W, b, out=None) -> list:
    W = np.asarray(W, dtype=float)
    out = np.ones((1, W.shape[0])) if out is None else np.asarray(out, dtype=float)[None, :]
    return [(W, np.asarray(b, dtype=float)), (out, np.zeros(1))]


def random_net(rng, widths, d_in=2, scale=1.0):
    layers, d = [], d_in
    for w in widths:
        layers.append((rng.normal(0, 1 / np.sqrt(d), (w, d)) * scale, rng.normal(0, 1, w) * scale))
        d = w
    layers.append((rng.normal(size=(1, d)), rng.normal(size=1)))
    return layers


def translated(layers, dx, dy=0.0):
    """The same net read in coordinates shifted by (dx, dy) (first layer bias, in float64)."""
    (W, b), *rest = layers
    return [(W, b - W[:, 0] * dx - W[:, 1] * dy), *rest]


# ------------------------------------------------------------------------ 2-D: the issue


@pytest.mark.slow
def test_seeded_4x32_net_has_4823_regions():
    rng = np.random.default_rng(11)
    layers = [(rng.normal(size=(32, 2)), rng.normal(size=32))]
    for _ in range(3):
        layers.append((rng.normal(size=(32, 32)) * np.sqrt(2 / 32), rng.normal(size=32) * 0.1))
    layers.append((rng.normal(size=(1, 32)), rng.normal(size=1)))
    assert count_regions_exact(layers, BOX) == oracle_regions(layers, BOX) == 4823


def test_a_tiny_triangle_is_a_region():
    # x = 0, y = 0 and x + y = 1e-7 in general position: 7 regions (Zaslavsky), one of them
    # a triangle of area 5e-15 (3e-16 of the box)
    layers = one_layer([[1, 0], [0, 1], [1, 1]], [0, 0, -1e-7])
    assert count_regions_exact(layers, BOX) == oracle_regions(layers, BOX) == 7


def test_a_strip_of_width_two_to_the_minus_33():
    layers = one_layer([[1, 0], [1, 0]], [0.0, -(2.0**-33)])
    assert count_regions_exact(layers, BOX) == oracle_regions(layers, BOX) == 3
    polys, _ = region_polygons(layers, BOX)
    widths = sorted(q[:, 0].max() - q[:, 0].min() for q in polys)
    assert widths[0] == 2.0**-33


def test_first_layer_units_scaled_1e6_and_1e_minus_6():
    rng = np.random.default_rng(5)
    layers = random_net(rng, (8, 8))
    (W1, b1), (W2, b2), out = layers
    k = np.where(np.arange(8) % 2 == 0, 1e6, 1e-6)
    mixed = [(W1 * k[:, None], b1 * k), (W2, b2), out]  # a tolerance saw 106 here
    assert count_regions_exact(mixed, BOX) == oracle_regions(mixed, BOX) == 126
    scaled = [(W1 * k[:, None], b1 * k), (W2 / k[None, :], b2), out]
    assert count_regions_exact(scaled, BOX) == oracle_regions(scaled, BOX)
    # with powers of two the rescaling is exact, so the function and its regions are the same
    k2 = np.where(np.arange(8) % 2 == 0, 2.0**20, 2.0**-20)
    exact_scaled = [(W1 * k2[:, None], b1 * k2), (W2 / k2[None, :], b2), out]
    assert count_regions_exact(exact_scaled, BOX) == count_regions_exact(layers, BOX)


@pytest.mark.parametrize("at", [1e4, 1e6])
def test_thin_strips_in_a_box_far_from_the_origin(at):
    box = (at, at + 1.0, 0.0, 1.0)
    cuts = [at + 0.25, at + 0.25 + 1e-3, at + 0.5, at + 0.5 + 1e-6, at + 0.75]
    layers = one_layer([[1.0, 0.0]] * 5, [-v for v in cuts])
    # five distinct vertical lines inside the box: six strips
    assert count_regions_exact(layers, box) == oracle_regions(layers, box) == 6


@pytest.mark.parametrize("at", [1e4, 1e6])
def test_random_net_translated_far_from_the_origin(at):
    layers = translated(random_net(np.random.default_rng(0), (8, 8)), at)
    box = (at - 2.0, at + 2.0, -2.0, 2.0)
    assert count_regions_exact(layers, box) == oracle_regions(layers, box)


def test_a_net_typed_in_decimals():
    # h1 = relu(0.3 x + 1), h2 = relu(0.1 x + 1) (both on over the box), z = h1 - 3 h2 + 2:
    # as typed, z = 0 everywhere (1 region); in float64, z = (0.3 - 3 * 0.1) x switches at x = 0
    W1 = [[0.3, 0.0], [0.1, 0.0]]
    floats = [(np.array(W1), np.array([1.0, 1.0])), (np.array([[1.0, -3.0]]), np.array([2.0]))]
    floats.append((np.ones((1, 1)), np.zeros(1)))
    assert count_regions_exact(floats, BOX) == oracle_regions(floats, BOX) == 2
    typed = [
        (np.array([[Fraction("0.3"), 0], [Fraction("0.1"), 0]], dtype=object), [1, 1]),
        ([[1, -3]], [2]),
        ([[1]], [0]),
    ]
    assert count_regions_exact(typed, BOX) == oracle_regions(typed, BOX) == 1
    as_decimals = [
        ([[Decimal("0.3"), 0], [Decimal("0.1"), 0]], [1, 1]),
        ([[1, -3]], [2]),
        ([[1]], [0]),
    ]
    assert count_regions_exact(as_decimals, BOX) == 1
    as_strings = [([["0.3", 0], ["0.1", 0]], [1, 1]), ([[1, -3]], [2]), ([[1]], [0])]
    assert count_regions_exact(as_strings, BOX) == 1


# ------------------------------------------------------------------------ 2-D: degenerate


@pytest.mark.parametrize("k", range(3, 9))
def test_k_concurrent_lines_make_2k_regions(k):
    # k distinct lines through (0.5, 0.25) with integer directions: 2k sectors
    p = (0.5, 0.25)
    dirs = [(1, 0), (0, 1), (1, 1), (1, -1), (2, 1), (1, 2), (3, -1), (1, -3)][:k]
    W = [[a, b] for a, b in dirs]
    b = [-(a * p[0] + bb * p[1]) for a, bb in dirs]
    layers = one_layer(W, b)
    assert count_regions_exact(layers, BOX) == oracle_regions(layers, BOX) == 2 * k


def test_lines_through_corners_and_vertices():
    box = (-1.0, 1.0, -1.0, 1.0)
    cases = [
        one_layer([[1, 1], [1, -1], [1, 0]], [0, 0, 1]),  # diagonals and an edge: 4
        one_layer([[1, 0], [0, 1], [1, 1]], [0, 0, 0]),  # concurrent: 6
        one_layer([[1, 2], [3, 6], [1, 0]], [0.5, 1.5, 5]),  # coincident and outside: 2
        one_layer([[0, 0], [0, 0], [0, 0]], [1, -1, 0]),  # constant units: 1
        one_layer([[1, 0], [-2, 0], [1, 0]], [0, 0, -1]),  # the line x = 1 is an edge: 2
    ]
    for layers, want in zip(cases, [4, 6, 2, 1, 2], strict=True):
        assert count_regions_exact(layers, box) == oracle_regions(layers, box) == want


def test_lines_repeated_across_layers():
    # layer 2 unit 0 is again x = 0 (h1 - h2 = x); unit 1 is parallel to it; unit 2 is dead
    layers = [
        (np.array([[1.0, 0.0], [-1.0, 0.0], [0.0, 1.0]]), np.zeros(3)),
        (np.array([[1.0, -1.0, 0.0], [1.0, -1.0, 0.0], [0.0, 0.0, 0.0]]), np.array([0, -1, 0.0])),
        (np.ones((1, 3)), np.zeros(1)),
    ]
    assert count_regions_exact(layers, BOX) == oracle_regions(layers, BOX) == 6


def test_2d_sawtooth_and_dead_layers():
    layers = [(np.array([[1.0, 0.0], [-1.0, 0.0]]), np.zeros(2))]
    for _ in range(5):
        layers.append((np.array([[2.0, 2.0], [-2.0, -2.0]]), np.array([-2.0, 2.0])))
    layers.append((np.array([[2.0, 2.0]]), np.array([-2.0])))
    box = (-2.0, 2.0, -1.0, 1.0)
    assert count_regions_exact(layers, box) == oracle_regions(layers, box) == 64
    dead = [(np.array([[1.0, 0.0]]), np.array([-5.0])), (np.array([[1.0]]), np.array([0.0]))]
    dead.append((np.ones((1, 1)), np.zeros(1)))
    assert count_regions_exact(dead, box) == 1


# ------------------------------------------------------------------------ 2-D: hypothesis


@st.composite
def nets_2d(draw):
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    widths = [int(w) for w in rng.integers(1, 5, size=rng.integers(1, 4))]
    kind = draw(st.sampled_from(["gauss", "scales", "quarters", "integers"]))
    layers, d = [], 2
    for w in [*widths, 1]:
        if kind == "integers":
            W, b = rng.integers(-2, 3, (w, d)) * 1.0, rng.integers(-2, 3, w) * 1.0
        elif kind == "quarters":
            W, b = rng.integers(-4, 5, (w, d)) / 4.0, rng.integers(-4, 5, w) / 4.0
        else:
            W, b = rng.normal(size=(w, d)), rng.normal(size=w)
            if kind == "scales":  # every unit at its own scale, 1e-6 .. 1e6
                k = 10.0 ** rng.integers(-6, 7, size=w)
                W, b = W * k[:, None], b * k
        layers.append((W, b))
        d = w
    at = draw(st.sampled_from([0.0, 1e3, 1e6, -1e4]))
    size = draw(st.sampled_from([4.0, 1.0, 1e-3]))
    if at:
        layers = translated(layers, at, at / 2)
    box = (at - size / 2, at + size / 2, at / 2 - size / 2, at / 2 + size / 2)
    return layers, box


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(nets_2d())
def test_regions_match_the_oracle(net):
    layers, box = net
    assert count_regions_exact(layers, box) == oracle_regions(layers, box)


# ------------------------------------------------------------------------ 1-D: the issue


def test_kinks_1e_minus_13_apart():
    layers = one_layer([[1.0], [1.0]], [-0.1, -0.1 - 1e-13])
    assert count_linear_pieces(layers, -1, 1) == oracle_pieces(layers, -1, 1) == 3


def test_kinks_1e_minus_7_apart_near_1e6():
    layers = one_layer([[1.0], [1.0]], [-1e6, -1e6 - 1e-7])
    assert count_linear_pieces(layers, 1e6 - 1, 1e6 + 1) == 3
    assert oracle_pieces(layers, 1e6 - 1, 1e6 + 1) == 3


def test_slope_1e6_changing_by_1e_minus_4():
    layers = one_layer([[1.0], [1.0]], [0.0, -0.5], out=[1e6, 1e-4])
    assert count_linear_pieces(layers, 0, 1) == oracle_pieces(layers, 0, 1) == 2
    edges = linear_piece_edges(layers, 0, 1)
    np.testing.assert_array_equal(edges, [0.0, 0.5, 1.0])


def test_units_scaled_1e6_and_1e_minus_6():
    (W, b), out = random_net(np.random.default_rng(1), (7,), d_in=1)
    k = np.where(np.arange(7) % 2 == 0, 1e6, 1e-6)
    mixed = [(W * k[:, None], b * k), out]  # a tolerance saw 5 here
    assert count_linear_pieces(mixed, -3, 3) == oracle_pieces(mixed, -3, 3) == 8
    kinks = np.array([-0.75, -0.5, -0.25, 0.0, 0.25, 0.5, 0.75])
    k = np.where(np.arange(7) % 2 == 0, 1e6, 1e-6)
    layers = one_layer(k[:, None], -kinks * k, out=(1.0 + np.arange(7)) / k)
    assert count_linear_pieces(layers, -1, 1) == oracle_pieces(layers, -1, 1) == 8


def test_1d_net_typed_in_decimals():
    floats = [(np.array([[0.3], [0.1]]), np.zeros(2)), (np.array([[1.0, -3.0]]), np.zeros(1))]
    assert count_linear_pieces(floats, -1, 1) == oracle_pieces(floats, -1, 1) == 2
    typed = [
        (np.array([[Fraction("0.3")], [Fraction("0.1")]], dtype=object), [0, 0]),
        ([[1, -3]], [0]),
    ]
    assert count_linear_pieces(typed, -1, 1) == oracle_pieces(typed, -1, 1) == 1
    assert count_linear_pieces(typed, Fraction(-1, 3), Decimal("0.7")) == 1


def test_1d_degenerate_cases():
    cases = [
        (sawtooth_layers(6), -2.0, 2.0, 64),
        (sawtooth_layers(5), -1.0, 1.0, 16),
        (one_layer([[1.0], [1.0]], [0.0, 0.0], out=[1.0, -1.0]), -1.0, 1.0, 1),  # cancelling
        (one_layer([[1.0]], [-1.0]), -1.0, 1.0, 1),  # kink at the end
        (one_layer([[1.0], [-1.0]], [-5.0, -5.0]), -2.0, 2.0, 1),  # dead
        (
            [  # a second-layer root equal to a first-layer kink
                (np.array([[1.0], [1.0]]), np.array([-0.5, 0.5])),
                (np.array([[1.0, 0.0], [0.0, 1.0]]), np.array([0.0, -1.0])),
                (np.array([[1.0, 2.0]]), np.array([0.0])),
            ],
            -2.0,
            2.0,
            2,
        ),
    ]
    for layers, lo, hi, want in cases:
        assert count_linear_pieces(layers, lo, hi) == oracle_pieces(layers, lo, hi) == want


def test_sawtooth_depth_12_against_the_oracle():
    layers = sawtooth_layers(12)
    assert count_linear_pieces(layers, -2, 2) == 4096
    assert count_linear_pieces(layers, -1.3, 0.7) == oracle_pieces(layers, -1.3, 0.7)


# ------------------------------------------------------------------------ 1-D: hypothesis


@st.composite
def nets_1d(draw):
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    widths = [int(w) for w in rng.integers(1, 6, size=rng.integers(1, 4))]
    kind = draw(st.sampled_from(["gauss", "scales", "quarters", "integers"]))
    layers, d = [], 1
    for w in [*widths, 1]:
        if kind == "integers":
            W, b = rng.integers(-2, 3, (w, d)) * 1.0, rng.integers(-2, 3, w) * 1.0
        elif kind == "quarters":
            W, b = rng.integers(-4, 5, (w, d)) / 4.0, rng.integers(-4, 5, w) / 4.0
        else:
            W, b = rng.normal(size=(w, d)), rng.normal(size=w)
            if kind == "scales":
                k = 10.0 ** rng.integers(-6, 7, size=w)
                W, b = W * k[:, None], b * k
        layers.append((W, b))
        d = w
    at = draw(st.sampled_from([0.0, 1e3, 1e6, -1e5]))
    size = draw(st.sampled_from([6.0, 1.0, 1e-4]))
    if at:
        (W, b), *rest = layers
        layers = [(W, b - W[:, 0] * at), *rest]
    return layers, at - size / 2, at + size / 2


@settings(max_examples=300, deadline=None)
@given(nets_1d())
def test_pieces_match_the_oracle(net):
    layers, lo, hi = net
    got = count_linear_pieces(layers, lo, hi)
    assert got == oracle_pieces(layers, lo, hi)
    assert linear_piece_edges(layers, lo, hi).size == got + 1


# ------------------------------------------------------------------------ inputs


def test_bad_weights_raise_a_clear_error():
    with pytest.raises(ValueError, match=r"layers\[0\] W must be finite"):
        count_regions_exact(one_layer([[np.nan, 0.0]], [0.0]), BOX)
    with pytest.raises(ValueError, match=r"layers\[0\] b must be finite"):
        count_linear_pieces(one_layer([[1.0]], [np.inf]), -1, 1)
    with pytest.raises(ValueError, match="lo and hi"):
        count_linear_pieces(one_layer([[1.0]], [0.0]), Fraction(1), Fraction(1, 2))


def test_tiny_and_huge_weights_are_counted_exactly():
    # magnitudes outside the float filter's range are counted in exact arithmetic only
    layers = one_layer([[1e-250, 0.0], [1e250, 0.0]], [0.0, -1e249])
    assert count_regions_exact(layers, BOX) == oracle_regions(layers, BOX) == 3
    one_d = one_layer([[1e-250], [1e250]], [-1e-251, -1e249], out=[1.0, 1e-250])
    assert count_linear_pieces(one_d, -1, 1) == oracle_pieces(one_d, -1, 1) == 3
    assert math.isfinite(float(linear_piece_edges(one_d, -1, 1)[1]))


@pytest.mark.parametrize("seed", range(3))
def test_depth_8_nets_match_the_oracle(seed):
    rng = np.random.default_rng(40 + seed)
    layers = random_net(rng, (4,) * 8)
    assert count_regions_exact(layers, BOX) == oracle_regions(layers, BOX)
    one_d = random_net(rng, (4,) * 8, d_in=1)
    assert count_linear_pieces(one_d, -3, 3) == oracle_pieces(one_d, -3, 3)
