"""Answer key for the `depth` assignment: deep networks, the sawtooth, and why activations matter.

A deep network is a list ``layers`` of (W, b) pairs, W of shape (d_out, d_in) and b of shape
(d_out,), applied as f_0 = x, f_l = relu(W_l f_{l-1} + b_l), with NO relu after the last layer.

Exact piece counting (`count_linear_pieces`) follows every interval of [lo, hi] on which the
network is affine: on such an interval each unit's pre-activation is a * x + c, so the unit
either keeps one state or switches at its root -c / a. Layer by layer, intervals are split at
the roots that fall inside them (equal roots, as decided by `reference.shallow`'s
tolerance, split only once), each piece's affine maps are updated with its activation pattern,
and at the end neighbours whose output slopes agree are merged: the network is continuous, so
an equal slope on both sides of a breakpoint means one affine piece.
"""

from __future__ import annotations

import operator

import numpy as np

from reference._validate import as_float_array, as_layers
from reference.shallow import SLOPE_RTOL, check_interval, same_x_tolerance

__all__ = [
    "mlp",
    "sawtooth",
    "sawtooth_layers",
    "count_linear_pieces",
    "linear_piece_edges",
    "collapse_linear",
]


def mlp(x: np.ndarray, layers: list[tuple[np.ndarray, np.ndarray]]) -> np.ndarray:
    """Apply the network to a batch.

    x: shape (N, d_in); layers: [(W_1, b_1), ..., (W_L, b_L)] with W_l of shape
    (d_l, d_{l-1}) and b_l of shape (d_l,), d_0 = d_in. Returns outputs of shape (N, d_L).
    """
    x = as_float_array("x", x, ("N", "d_in"))
    layers = as_layers("layers", layers, d_in=x.shape[1])
    h = x
    for W, b in layers[:-1]:
        h = np.maximum(h @ W.T + b, 0.0)
    W, b = layers[-1]
    return h @ W.T + b


def _check_depth(depth: object) -> int:
    try:
        value = operator.index(depth)  # type: ignore[arg-type]
    except TypeError as exc:
        raise ValueError(f"depth must be an int >= 0; got {depth!r}") from exc
    if value < 0 or isinstance(depth, bool):
        raise ValueError(f"depth must be an int >= 0; got {depth!r}")
    return value


def sawtooth(x: np.ndarray, depth: int) -> np.ndarray:
    """The sawtooth f_depth(x), where f_0(x) = x and f_l = 2 |f_{l-1}| - 2.

    x: shape (N,); depth: int >= 0. Returns shape (N,). On [-2, 2] it has 2**depth pieces.
    """
    f = as_float_array("x", x, (None,)).copy()
    for _ in range(_check_depth(depth)):
        f = 2.0 * np.abs(f) - 2.0
    return f


def sawtooth_layers(depth: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """Layers of a network computing `sawtooth`: 2 ReLU units per hidden layer.

    depth: int >= 0. Returns depth hidden layers and one linear output layer (depth + 1 pairs);
    depth 0 is [([[1.]], [0.])]. The units of hidden layer l are relu(t) and relu(-t) for
    t = f_{l-1}, so |t| = relu(t) + relu(-t); the map t -> 2 |t| - 2 is folded into the next
    layer: its pre-activations are +-(2 h_1 + 2 h_2 - 2).
    """
    depth = _check_depth(depth)
    if depth == 0:
        return [(np.array([[1.0]]), np.array([0.0]))]
    layers = [(np.array([[1.0], [-1.0]]), np.zeros(2))]
    for _ in range(depth - 1):
        layers.append((np.array([[2.0, 2.0], [-2.0, -2.0]]), np.array([-2.0, 2.0])))
    layers.append((np.array([[2.0, 2.0]]), np.array([-2.0])))
    return layers


def _check_scalar_net(layers: object) -> list[tuple[np.ndarray, np.ndarray]]:
    layers = as_layers("layers", layers, d_in=1)
    W_last = layers[-1][0]
    if W_last.shape[0] != 1:
        raise ValueError(
            f"layers must end with 1 output: layers[{len(layers) - 1}] W must have shape "
            f"(1, {W_last.shape[1]}); got shape {W_last.shape}"
        )
    return layers


def linear_piece_edges(
    layers: list[tuple[np.ndarray, np.ndarray]], lo: float, hi: float
) -> np.ndarray:
    """Breakpoints of the maximal affine pieces of a 1-input, 1-output network on [lo, hi].

    layers: as for `mlp` with d_in = 1 and d_out = 1; lo < hi. Returns a sorted array of
    shape (P + 1,) starting at lo and ending at hi, where P is the number of pieces.
    """
    layers = _check_scalar_net(layers)
    lo, hi = check_interval(lo, hi)
    edges = np.array([lo, hi])
    # Per interval (rows): the current layer input is slope * x + icpt; `scale` bounds the
    # magnitude of the terms summed into each slope (for the final equality test).
    slope, icpt, scale = np.ones((1, 1)), np.zeros((1, 1)), np.ones((1, 1))
    for W, b in layers[:-1]:
        pre_slope = slope @ W.T  # (M, d)
        pre_icpt = icpt @ W.T + b
        pre_scale = scale @ np.abs(W).T
        left, right = edges[:-1, None], edges[1:, None]
        with np.errstate(divide="ignore", invalid="ignore"):
            roots = -pre_icpt / pre_slope
        inside = (
            (pre_slope != 0)
            & (roots - left > same_x_tolerance(roots, left, lo, hi))
            & (right - roots > same_x_tolerance(roots, right, lo, hi))
        )
        if np.any(inside):
            # Roots lie farther than the tolerance from every old edge, so dropping each point
            # that is within the tolerance of its predecessor removes repeated roots only.
            points = np.sort(np.concatenate([edges, roots[inside]]))
            keep = np.ones(points.size, dtype=bool)
            keep[1:] = np.diff(points) > same_x_tolerance(points[1:], points[:-1], lo, hi)
            new_edges = points[keep]
            parent = np.searchsorted(edges, new_edges[:-1], side="right") - 1
            pre_slope, pre_icpt, pre_scale = pre_slope[parent], pre_icpt[parent], pre_scale[parent]
            edges = new_edges
        mid = 0.5 * (edges[:-1] + edges[1:])
        active = pre_slope * mid[:, None] + pre_icpt > 0
        slope = np.where(active, pre_slope, 0.0)
        icpt = np.where(active, pre_icpt, 0.0)
        scale = np.where(active, pre_scale, 0.0)
    w_out = layers[-1][0][0]
    out_slope = slope @ w_out
    out_scale = scale @ np.abs(w_out)
    bends = np.abs(np.diff(out_slope)) > SLOPE_RTOL * np.maximum(out_scale[:-1], out_scale[1:])
    return np.concatenate([edges[:1], edges[1:-1][bends], edges[-1:]])


def count_linear_pieces(layers: list[tuple[np.ndarray, np.ndarray]], lo: float, hi: float) -> int:
    """Exact number of maximal intervals of [lo, hi] on which the network is affine.

    layers: as for `mlp` with one input and one output; lo < hi finite. Returns a Python int
    (the sawtooth of depth L gives 2**L on [-2, 2]).
    """
    return int(linear_piece_edges(layers, lo, hi).size - 1)


def collapse_linear(layers: list[tuple[np.ndarray, np.ndarray]]) -> tuple[np.ndarray, np.ndarray]:
    """One affine layer equal to the stack applied with no activation anywhere.

    layers: [(W_1, b_1), ..., (W_L, b_L)] chained as for `mlp`. Returns (W, b) with W of shape
    (d_L, d_0) and b of shape (d_L,) such that W x + b = W_L(...(W_1 x + b_1)...) + b_L.
    """
    layers = as_layers("layers", layers)
    W, b = layers[0][0].copy(), layers[0][1].copy()
    for W_l, b_l in layers[1:]:
        W, b = W_l @ W, W_l @ b + b_l
    return W, b
