"""Tests for reference.surfaces against independent facts.

Facts used: an explicit per-unit forward pass; Zaslavsky's count for line arrangements
(D lines in general position cut the plane into 1 + D + C(D, 2) pieces, 3 parallel lines into
4, 3 concurrent lines into 6); the sawtooth (f_l = 2|f_{l-1}| - 2 changes sign 2**L - 1 times
on [-2, 2]); activation regions of a ReLU network are convex, so their patterns are distinct;
and a brute-force labelling of connected pieces of constant pattern on a fine grid.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reference.surfaces import (
    activation_patterns,
    count_regions_exact,
    count_regions_grid,
    grid_points,
    neuron_surfaces,
    region_polygons,
)

BOX = (-2.0, 2.0, -2.0, 2.0)


def random_net(rng: np.random.Generator, widths: tuple[int, ...]) -> list:
    layers, d = [], 2
    for w in widths:
        layers.append((rng.normal(0, 1 / np.sqrt(d), (w, d)), rng.normal(0, 1, w)))
        d = w
    layers.append((rng.normal(size=(1, d)), rng.normal(size=1)))
    return layers


def one_layer(W, b) -> list:
    W = np.asarray(W, dtype=float)
    return [(W, np.asarray(b, dtype=float)), (np.ones((1, W.shape[0])), np.zeros(1))]


def slow_forward(point, layers):
    """Per-unit loops, no matrix products: (pre-activations, post-activations) per hidden layer."""
    f = [float(v) for v in point]
    pres, posts = [], []
    for W, b in layers[:-1]:
        z = [sum(W[i, j] * f[j] for j in range(len(f))) + b[i] for i in range(W.shape[0])]
        f = [max(v, 0.0) for v in z]
        pres.append(z)
        posts.append(f)
    return pres, posts


# ---------------------------------------------------------------- surfaces and patterns


def test_neuron_surfaces_match_slow_forward():
    rng = np.random.default_rng(1)
    layers = random_net(rng, (3, 4))
    pts = rng.uniform(-2, 2, (25, 2))
    out = neuron_surfaces(pts, layers)
    assert [a.shape for a in out] == [(25, 3), (25, 4)]
    for n, p in enumerate(pts):
        _, posts = slow_forward(p, layers)
        for layer_out, expected in zip(out, posts, strict=True):
            np.testing.assert_allclose(layer_out[n], expected, rtol=1e-12, atol=1e-12)


def test_patterns_match_slow_forward_and_order():
    rng = np.random.default_rng(2)
    layers = random_net(rng, (3, 2, 4))
    pts = rng.uniform(-2, 2, (30, 2))
    pat = activation_patterns(pts, layers)
    assert pat.dtype == bool and pat.shape == (30, 9)
    for n, p in enumerate(pts):
        pres, _ = slow_forward(p, layers)
        assert list(pat[n]) == [v > 0 for z in pres for v in z]


def test_patterns_agree_with_surfaces_positive():
    # For ReLU, post-activation > 0 exactly when pre-activation > 0.
    rng = np.random.default_rng(3)
    layers = random_net(rng, (5, 5))
    pts = grid_points(BOX, 40)
    surf = np.concatenate(neuron_surfaces(pts, layers), axis=1)
    np.testing.assert_array_equal(activation_patterns(pts, layers), surf > 0)


def test_pattern_is_strict_at_zero():
    layers = one_layer([[1.0, 0.0]], [0.0])
    pat = activation_patterns(np.array([[0.0, 1.0], [1e-300, 0.0], [-1.0, 0.0]]), layers)
    assert pat[:, 0].tolist() == [False, True, False]


def test_no_hidden_layer():
    layers = [(np.ones((1, 2)), np.zeros(1))]
    assert neuron_surfaces(np.zeros((3, 2)), layers) == []
    assert activation_patterns(np.zeros((3, 2)), layers).shape == (3, 0)
    assert count_regions_grid(layers, BOX, 5) == 1
    assert count_regions_exact(layers, BOX) == 1


def test_inputs_not_modified():
    rng = np.random.default_rng(4)
    layers = random_net(rng, (3, 3))
    copies = [(W.copy(), b.copy()) for W, b in layers]
    pts = rng.uniform(-1, 1, (10, 2))
    pts_copy = pts.copy()
    neuron_surfaces(pts, layers)
    activation_patterns(pts, layers)
    count_regions_grid(layers, BOX, 20)
    count_regions_exact(layers, BOX)
    np.testing.assert_array_equal(pts, pts_copy)
    for (W, b), (W0, b0) in zip(layers, copies, strict=True):
        np.testing.assert_array_equal(W, W0)
        np.testing.assert_array_equal(b, b0)


@pytest.mark.parametrize(
    "call, needle",
    [
        (lambda: neuron_surfaces(np.zeros((5, 3)), one_layer([[1, 0]], [0])), "points"),
        (lambda: activation_patterns(np.zeros(5), one_layer([[1, 0]], [0])), "points"),
        (lambda: activation_patterns(np.zeros((5, 2)), one_layer([[1, 0, 0]], [0])), "layers"),
        (lambda: count_regions_grid([(np.ones((2, 2)), np.ones(3))], BOX, 10), "layers"),
        (lambda: count_regions_grid(one_layer([[1, 0]], [0]), (0, 1, 0), 10), "box"),
        (lambda: count_regions_grid(one_layer([[1, 0]], [0]), BOX, 0), "resolution"),
        (lambda: count_regions_exact(one_layer([[1, 0]], [0]), (1, 0, 0, 1)), "box"),
        (lambda: count_regions_exact([], BOX), "layers"),
    ],
)
def test_bad_arguments_raise(call, needle):
    with pytest.raises(ValueError, match=needle):
        call()


def test_shape_message_names_expected_and_got():
    with pytest.raises(ValueError, match=r"points must have shape \(N, 2\); got shape \(5, 3\)"):
        activation_patterns(np.zeros((5, 3)), one_layer([[1, 0]], [0]))


# ---------------------------------------------------------------- grid counting


def test_grid_box_order_is_x_then_y():
    # One unit switching at y = 5: the box's y range is (0, 10), its x range (-1, 1).
    layers = one_layer([[0.0, 1.0]], [-5.0])
    assert count_regions_grid(layers, (-1.0, 1.0, 0.0, 10.0), 11) == 2
    assert count_regions_grid(layers, (0.0, 10.0, -1.0, 1.0), 11) == 1


def test_grid_three_strips():
    # relu(x - 1) and relu(-x - 1): strips x < -1, -1 < x < 1, x > 1 with patterns 01, 00, 10.
    layers = one_layer([[1.0, 0.0], [-1.0, 0.0]], [-1.0, -1.0])
    assert count_regions_grid(layers, BOX, 41) == 3
    assert count_regions_exact(layers, BOX) == 3


def test_grid_fine_enough_equals_exact_on_simple_nets():
    layers = one_layer([[1, 0], [0, 1], [1, 1]], [0.1, -0.2, 0.5])
    assert count_regions_grid(layers, BOX, 200) == count_regions_exact(layers, BOX) == 7


# ---------------------------------------------------------------- exact counting: arrangements


def test_three_lines_general_position_seven():
    layers = one_layer([[1, 0], [0, 1], [1, 1]], [0, 0, -1])
    assert count_regions_exact(layers, (-10, 10, -10, 10)) == 7


def test_three_parallel_lines_four():
    layers = one_layer([[1, 0], [2, 0], [-3, 0]], [0, -2, 3])  # x = 0, 1, 1: only two distinct
    assert count_regions_exact(layers, (-10, 10, -10, 10)) == 3
    layers = one_layer([[1, 1], [2, 2], [-1, -1]], [0, -2, -2])  # x + y = 0, 1, -2
    assert count_regions_exact(layers, (-10, 10, -10, 10)) == 4


def test_three_concurrent_lines_six():
    layers = one_layer([[1, 0], [0, 1], [1, -1]], [-1, -1, 0])  # all through (1, 1)
    assert count_regions_exact(layers, (-10, 10, -10, 10)) == 6


@pytest.mark.parametrize("D", [1, 2, 4, 7, 12])
def test_general_position_zaslavsky(D):
    rng = np.random.default_rng(100 + D)
    W = rng.normal(size=(D, 2))
    b = rng.normal(size=D)
    pts = [np.linalg.solve(W[[i, j]], -b[[i, j]]) for i in range(D) for j in range(i + 1, D)] or [
        np.zeros(2)
    ]
    pts = np.array(pts)
    lo, hi = pts.min(axis=0) - 1.0, pts.max(axis=0) + 1.0
    box = (lo[0], hi[0], lo[1], hi[1])
    assert count_regions_exact(one_layer(W, b), box) == 1 + D + math.comb(D, 2)


def test_degenerate_units():
    box = (-1.0, 1.0, -1.0, 1.0)
    # Zero weights: constant pre-activation, never a boundary (either sign).
    assert count_regions_exact(one_layer([[0, 0], [0, 0], [0, 0]], [1, -1, 0]), box) == 1
    # The same line from two units (one scaled), plus a line missing the box.
    assert count_regions_exact(one_layer([[1, 2], [3, 6], [1, 0]], [0.5, 1.5, 5]), box) == 2
    # Lines through box corners (the diagonals) and a line along an edge.
    assert count_regions_exact(one_layer([[1, 1], [1, -1], [1, 0]], [0, 0, 1]), box) == 4
    # A line through a vertex where two others cross: concurrent inside the box.
    assert count_regions_exact(one_layer([[1, 0], [0, 1], [1, 1]], [0, 0, 0]), box) == 6


def test_zero_weight_unit_sign_decides_activity():
    polys, pats = region_polygons(one_layer([[0, 0], [0, 0]], [1e-300, 0.0]), BOX)
    assert len(polys) == 1 and pats.tolist() == [[True, False]]


# ---------------------------------------------------------------- exact counting: deep nets


def sawtooth_2d(depth: int) -> list:
    layers = [(np.array([[1.0, 0.0], [-1.0, 0.0]]), np.zeros(2))]
    for _ in range(depth - 1):
        layers.append((np.array([[2.0, 2.0], [-2.0, -2.0]]), np.array([-2.0, 2.0])))
    layers.append((np.array([[2.0, 2.0]]), np.array([-2.0])))
    return layers


@pytest.mark.parametrize("depth", [1, 2, 3, 6])
def test_sawtooth_strips(depth):
    # The hidden layer l reads the sign of f_{l-1}; f_0..f_{L-1} vanish at 2**L - 1 distinct
    # x in (-2, 2), so the box is cut into 2**L vertical strips.
    assert count_regions_exact(sawtooth_2d(depth), (-2.0, 2.0, -1.0, 1.0)) == 2**depth


@pytest.mark.parametrize("widths", [(4,), (5, 4), (6, 6, 6), (16, 16)])
def test_region_polygons_are_consistent(widths):
    rng = np.random.default_rng(sum(widths))
    layers = random_net(rng, widths)
    polys, pats = region_polygons(layers, BOX)
    assert pats.shape == (len(polys), sum(widths))
    # They tile the box.
    areas = [
        0.5 * abs(np.dot(q[:, 0], np.roll(q[:, 1], -1)) - np.dot(q[:, 1], np.roll(q[:, 0], -1)))
        for q in polys
    ]
    assert min(areas) > 0
    assert math.isclose(sum(areas), 16.0, rel_tol=1e-9)
    for q in polys:
        assert np.all(q >= -2 - 1e-12) and np.all(q <= 2 + 1e-12)
    # The recorded pattern is the network's pattern inside each polygon.
    centroids = np.array([q.mean(axis=0) for q in polys])
    np.testing.assert_array_equal(activation_patterns(centroids, layers), pats)
    # Regions are convex, hence one polygon per pattern.
    assert len({row.tobytes() for row in pats}) == len(polys)


def grid_components(layers, box, resolution, min_pixels):
    """Connected pieces (4-neighbours) of constant pattern on the grid with >= min_pixels."""
    pat = activation_patterns(grid_points(box, resolution), layers)
    _, ids = np.unique(pat, axis=0, return_inverse=True)
    ids = ids.reshape(resolution, resolution)
    label = np.arange(resolution * resolution).reshape(resolution, resolution)
    same_right = ids[:, 1:] == ids[:, :-1]
    same_down = ids[1:, :] == ids[:-1, :]
    while True:
        new = label.copy()
        np.minimum(new[:, 1:], np.where(same_right, label[:, :-1], new[:, 1:]), out=new[:, 1:])
        np.minimum(new[:, :-1], np.where(same_right, label[:, 1:], new[:, :-1]), out=new[:, :-1])
        np.minimum(new[1:, :], np.where(same_down, label[:-1, :], new[1:, :]), out=new[1:, :])
        np.minimum(new[:-1, :], np.where(same_down, label[1:, :], new[:-1, :]), out=new[:-1, :])
        flat = new.ravel()
        flat = flat[flat]  # pointer jumping: a label's label is in the same piece
        new = flat.reshape(resolution, resolution)
        if np.array_equal(new, label):
            break
        label = new
    _, sizes = np.unique(label, return_counts=True)
    return int(np.sum(sizes >= min_pixels))


def fatness(polys) -> float:
    """Smallest area / perimeter over the polygons (a lower bound on each inradius / 2)."""
    out = np.inf
    for q in polys:
        area = 0.5 * abs(
            np.dot(q[:, 0], np.roll(q[:, 1], -1)) - np.dot(q[:, 1], np.roll(q[:, 0], -1))
        )
        perim = np.sum(np.linalg.norm(np.roll(q, -1, axis=0) - q, axis=1))
        out = min(out, area / perim)
    return out


def test_exact_matches_brute_force_components():
    resolution = 400
    pixel = 4.0 / (resolution - 1)
    checked = 0
    for seed in range(12):
        layers = random_net(np.random.default_rng(seed), (4, 3))
        polys, _ = region_polygons(layers, BOX)
        comps = grid_components(layers, BOX, resolution, min_pixels=10)
        assert comps <= len(polys)
        if fatness(polys) > 2 * pixel:
            assert comps == len(polys), seed
            checked += 1
    assert checked >= 5


@pytest.mark.parametrize("seed", range(6))
def test_exact_at_least_grid(seed):
    rng = np.random.default_rng(seed)
    widths = [(8,), (6, 6), (5, 5, 5)][seed % 3]
    layers = random_net(rng, widths)
    box = tuple(np.sort(rng.uniform(-3, 3, 2))) + tuple(np.sort(rng.uniform(-3, 3, 2)))
    assert count_regions_exact(layers, box) >= count_regions_grid(layers, box, 300)


@settings(max_examples=30, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    unit=st.integers(0, 3),
    k=st.floats(1e-2, 1e2),
    deep=st.booleans(),
)
def test_exact_invariant_under_positive_scaling(seed, unit, k, deep):
    # Scaling unit u's weights and bias by k > 0 scales its output by k; dividing its outgoing
    # weights by k gives back the same function, so every region stays where it was.
    layers = random_net(np.random.default_rng(seed), (4, 3) if deep else (4,))
    W1, b1 = layers[0]
    W2, b2 = layers[1]
    W1s, b1s, W2s = W1.copy(), b1.copy(), W2.copy()
    W1s[unit] *= k
    b1s[unit] *= k
    W2s[:, unit] /= k
    scaled = [(W1s, b1s), (W2s, b2)] + layers[2:]
    assert count_regions_exact(scaled, BOX) == count_regions_exact(layers, BOX)
