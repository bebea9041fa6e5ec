"""Tests for reference.composition: the composition equals its two-hidden-layer rewrite."""

from __future__ import annotations

import numpy as np
import pytest
from exact_oracle import oracle_pieces
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from reference.composition import compose, composition_to_deep, deep_net, deep_to_layers
from reference.depth import count_linear_pieces, linear_piece_edges, mlp
from reference.shallow import interpolant_net

finite = st.floats(-5, 5, allow_nan=False, allow_infinity=False)


@st.composite
def two_nets(draw):
    d1, d2 = draw(st.integers(0, 5)), draw(st.integers(0, 5))
    theta1 = draw(arrays(np.float64, (d1, 2), elements=finite))
    phi1 = draw(arrays(np.float64, (d1 + 1,), elements=finite))
    theta2 = draw(arrays(np.float64, (d2, 2), elements=finite))
    phi2 = draw(arrays(np.float64, (d2 + 1,), elements=finite))
    x = draw(arrays(np.float64, (draw(st.integers(1, 20)),), elements=finite))
    return x, theta1, phi1, theta2, phi2


def by_hand(x, theta, phi):
    """Shallow net with Python floats, one point and one unit at a time."""
    return [
        phi[0] + sum(p * max(t0 + t1 * xi, 0.0) for (t0, t1), p in zip(theta, phi[1:], strict=True))
        for xi in x
    ]


@settings(max_examples=200, deadline=None)
@given(two_nets())
def test_deep_rewrite_equals_composition(nets):
    x, theta1, phi1, theta2, phi2 = nets
    copies = [a.copy() for a in nets]
    expected = compose(x, theta1, phi1, theta2, phi2)
    theta, psi, phi = composition_to_deep(theta1, phi1, theta2, phi2)
    assert theta.shape == theta1.shape
    assert psi.shape == (theta2.shape[0], theta1.shape[0] + 1)
    assert phi.shape == phi2.shape
    # with |x| and all weights made nonnegative every relu is the identity, which bounds the
    # magnitudes summed anywhere in either evaluation, so it scales the rounding error
    bound = compose(np.abs(x), *(np.abs(a) for a in (theta1, phi1, theta2, phi2)))
    for got in (
        deep_net(x, theta, psi, phi),
        mlp(x[:, None], deep_to_layers(theta, psi, phi))[:, 0],
    ):
        assert np.all(np.abs(got - expected) <= 1e-13 * (1 + bound))
    for a, c in zip(nets, copies, strict=True):
        np.testing.assert_array_equal(a, c)


@settings(max_examples=50, deadline=None)
@given(two_nets())
def test_compose_is_network_2_after_network_1(nets):
    x, theta1, phi1, theta2, phi2 = nets
    y = by_hand(x, theta1, phi1)
    bound = compose(np.abs(x), *(np.abs(a) for a in (theta1, phi1, theta2, phi2)))
    got = compose(x, theta1, phi1, theta2, phi2)
    assert np.all(np.abs(got - by_hand(y, theta2, phi2)) <= 1e-13 * (1 + bound))


def test_psi_entries_from_the_notes():
    theta1 = np.array([[0.1, 1.0], [0.2, -1.0], [0.3, 2.0]])
    phi1 = np.array([0.5, 1.0, 2.0, 3.0])
    theta2 = np.array([[1.0, 2.0], [-1.0, 0.5]])
    phi2 = np.array([0.0, 1.0, 1.0])
    _, psi, _ = composition_to_deep(theta1, phi1, theta2, phi2)
    # psi_10 = theta'_10 + theta'_11 phi_0, psi_1j = theta'_11 phi_j, and so on
    np.testing.assert_allclose(psi, [[2.0, 2.0, 4.0, 6.0], [-0.75, 0.5, 1.0, 1.5]])


def test_three_by_three_regions_make_nine():
    # network 1 zigzags over [-1, 1] three times; network 2 has three regions on [-1, 1]
    theta1, phi1 = interpolant_net(
        lambda x: np.array([-1.0, 1.0, -1.0, 1.0]), np.array([-1.0, -1 / 3, 1 / 3, 1.0])
    )
    theta2, phi2 = interpolant_net(
        lambda y: np.array([0.0, 1.0, 0.3, 0.8]), np.array([-1.0, -0.2, 0.5, 1.0])
    )
    layers = deep_to_layers(*composition_to_deep(theta1, phi1, theta2, phi2))
    # In exact arithmetic 9 pieces; in float64 the knot 1/3 is rounded two different ways, so
    # the float net has one more piece, 3e-16 wide (checked against the rational oracle).
    assert count_linear_pieces(layers, -1, 1) == oracle_pieces(layers, -1, 1) == 10
    edges = linear_piece_edges(layers, -1, 1)
    assert np.sum(np.diff(edges) > 1e-12) == 9


def test_bad_shapes_name_the_argument():
    t, p = np.zeros((2, 2)), np.zeros(3)
    with pytest.raises(ValueError, match="phi1"):
        compose(np.zeros(3), t, np.zeros(2), t, p)
    with pytest.raises(ValueError, match="theta2"):
        composition_to_deep(t, p, np.zeros((2, 1)), p)
    with pytest.raises(ValueError, match=r"psi.*\(D2, 3\).*\(2, 2\)"):
        deep_net(np.zeros(3), t, np.zeros((2, 2)), p)
    with pytest.raises(ValueError, match="phi"):
        deep_net(np.zeros(3), t, np.zeros((2, 3)), np.zeros(2))
    with pytest.raises(ValueError, match="x"):
        deep_net(np.zeros((3, 1)), t, np.zeros((2, 3)), p)
