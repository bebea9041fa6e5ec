"""Answer key for the ``surfaces`` assignment: neuron surfaces and linear regions over R^2.

``layers`` is a list of (W, b) pairs, W of shape (d_out, d_in) and b of shape (d_out,), with
f_0 = x, f_l = relu(W_l f_{l-1} + b_l) and no ReLU on the last layer. The input has 2 columns.
Every layer but the last is a hidden layer; its units define the activation pattern.

An activation region is a maximal connected piece of the input box on which the activation
pattern (which hidden units have pre-activation > 0) is constant. Once the pattern is fixed,
every pre-activation is one affine function of the input, so the set of points with that
pattern is an intersection of half-planes: convex, hence connected. Regions and the patterns
that occur on a set of positive area therefore correspond one to one.

``count_regions_exact`` and ``region_polygons`` are exact for the network as given, with no
tolerance: every float64 weight is the binary rational it stores; a sign is taken from floating
point only when a rigorous error bound proves it, and any polygon with an uncertain sign is
rebuilt and split in rational arithmetic (``fractions.Fraction``). No region is lost or
invented, however thin or small, at any weight scale or distance of the box from the origin.
To count the net as typed in decimals rather than its float64 rounding, pass the weights (and
the box if needed) as ``fractions.Fraction("0.1")``, ``decimal.Decimal("0.1")``, decimal strings or ints.
"""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np

from reference._exact import TINY, Net, U, gamma, to_fraction, unit_groups
from reference._validate import as_box, as_float_array, as_layers

__all__ = [
    "neuron_surfaces",
    "activation_patterns",
    "count_regions_grid",
    "count_regions_exact",
    "region_polygons",
    "grid_points",
]

# Points are pushed through the network in chunks of this many rows to bound memory.
_CHUNK = 1 << 16


def _hidden_pass(points: np.ndarray, layers: list[tuple[np.ndarray, np.ndarray]]):
    """Yield (pre-activation, post-activation) of each hidden layer, each of shape (N, d_l)."""
    f = points
    for W, b in layers[:-1]:
        z = f @ W.T + b
        f = np.maximum(z, 0.0)
        yield z, f


def neuron_surfaces(points: np.ndarray, layers: list) -> list[np.ndarray]:
    """Each hidden neuron's post-activation value at each point.

    points: (N, 2); layers: list of (W, b) pairs with 2 inputs.
    Returns a list with one array of shape (N, d_l) per hidden layer (the last layer is the
    output and is not included).
    """
    points = as_float_array("points", points, (None, 2))
    layers = as_layers("layers", layers, d_in=2)
    return [f for _, f in _hidden_pass(points, layers)]


def activation_patterns(points: np.ndarray, layers: list) -> np.ndarray:
    """Which hidden units are active (pre-activation > 0, strictly) at each point.

    points: (N, 2); layers: list of (W, b) pairs with 2 inputs.
    Returns a bool array of shape (N, total hidden units), the units of the hidden layers in
    order (layer 1 units first).
    """
    points = as_float_array("points", points, (None, 2))
    layers = as_layers("layers", layers, d_in=2)
    total = sum(W.shape[0] for W, _ in layers[:-1])
    if total == 0:
        return np.zeros((points.shape[0], 0), dtype=bool)
    return np.concatenate([z > 0 for z, _ in _hidden_pass(points, layers)], axis=1)


def grid_points(box: tuple[float, float, float, float], resolution: int) -> np.ndarray:
    """The grid np.linspace(box[0], box[1], r) x np.linspace(box[2], box[3], r) as points.

    Returns an array of shape (r * r, 2); row i * r + j is (xs[j], ys[i]), so reshaping any
    per-point value to (r, r) gives an image with y along axis 0 and x along axis 1.
    """
    xmin, xmax, ymin, ymax = as_box(box)
    r = _check_resolution(resolution)
    xs = np.linspace(xmin, xmax, r)
    ys = np.linspace(ymin, ymax, r)
    gx, gy = np.meshgrid(xs, ys)
    return np.column_stack([gx.ravel(), gy.ravel()])


def _check_resolution(resolution: object) -> int:
    if isinstance(resolution, bool) or not isinstance(resolution, (int, np.integer)):
        raise ValueError(f"resolution must be a positive integer; got {resolution!r}")
    if resolution < 1:
        raise ValueError(f"resolution must be a positive integer; got {resolution!r}")
    return int(resolution)


def count_regions_grid(
    layers: list, box: tuple[float, float, float, float], resolution: int
) -> int:
    """Number of distinct activation patterns over a resolution x resolution grid.

    layers: list of (W, b) pairs with 2 inputs; box: (xmin, xmax, ymin, ymax); the grid is
    np.linspace(box[0], box[1], resolution) x np.linspace(box[2], box[3], resolution).
    Returns a Python int. A grid can miss small regions, and it counts patterns, not
    connected pieces, so it never exceeds ``count_regions_exact`` for a generic network.
    """
    layers = as_layers("layers", layers, d_in=2)
    points = grid_points(box, resolution)
    packed = [
        np.packbits(activation_patterns(points[i : i + _CHUNK], layers), axis=1)
        for i in range(0, points.shape[0], _CHUNK)
    ]
    rows = np.ascontiguousarray(np.concatenate(packed))
    if rows.shape[1] == 0:
        return 1
    keys = rows.view(np.dtype((np.void, rows.shape[1]))).ravel()
    return int(np.unique(keys).size)


# ----------------------------------------------------------------------------------------
# Exact counting by splitting convex polygons.
#
# Layer by layer and unit by unit, each polygon is cut by the line z_u = 0 exactly when some
# vertex has z_u > 0 and some z_u < 0 (in exact arithmetic; the polygon's vertices are exact
# rationals and z_u is affine on it), and each piece records the sign of u. Why each final
# polygon is one region: the two pieces of a cut differ in unit u, so no two polygons share a
# pattern; each polygon is convex with a constant pattern in its interior, and the region of a
# pattern is convex (module docstring), so each polygon is exactly one region.
#
# The exact decisions are made with a floating-point filter (``reference._exact``). A float
# polygon stores vertices (x, y) with a bound delta on each vertex's distance to the exact
# vertex (columns x, y, delta), and the affine maps A p + c of the current layer's
# pre-activations with bounds EA, Ec on their errors. The value at a vertex is certain when
# |value| exceeds its bound; a cut is made in float only when every vertex is certain, so the
# float polygon has the same vertices, in the same order, as the exact one. If some vertex is
# uncertain, the polygon is rebuilt in exact arithmetic: it is the box cut by the closed
# half-planes of the units decided so far, with the exact affine maps of its pattern, and it
# and its pieces are processed with Fractions from then on.
#
# Units whose rows (W_u, b_u) are exactly proportional share their line (``unit_groups``):
# only the first is cut by, the others take their state from its sign on the polygon.
# ----------------------------------------------------------------------------------------


class _ExactPolygon:
    """A polygon in exact arithmetic: vertices, the current layer's maps, its pattern."""

    __slots__ = ("verts", "M", "A", "c", "patterns", "active", "sign")

    def __init__(self, verts, M, A, c, patterns, active, sign):
        self.verts: list[tuple[Fraction, Fraction]] = verts
        self.M: list[tuple[Fraction, Fraction, Fraction]] = M  # the current layer's input
        self.A: list[tuple[Fraction, Fraction]] = A  # per unit of the current layer
        self.c: list[Fraction] = c
        self.patterns: list[np.ndarray] = patterns  # one bool row per finished layer
        self.active: list[bool] = active
        self.sign: list[int] = sign  # sign of each unit on the polygon (-1, 0, 1)

    def copy_state(self, verts: list[tuple[Fraction, Fraction]]) -> _ExactPolygon:
        return _ExactPolygon(
            verts, self.M, self.A, self.c, self.patterns, list(self.active), list(self.sign)
        )


def _exact_values(verts, a, b, c) -> list[Fraction]:
    return [a * x + b * y + c for x, y in verts]


def _exact_cut(verts, s, keep_positive: bool):
    """The part of a convex polygon where s >= 0 (or s <= 0), s exact values at the vertices."""
    out = []
    k = len(verts)
    for i in range(k):
        j = (i + 1) % k
        si, sj = s[i], s[j]
        if (si >= 0) if keep_positive else (si <= 0):
            out.append(verts[i])
        if (si > 0 and sj < 0) or (si < 0 and sj > 0):
            t = si / (si - sj)
            (xi, yi), (xj, yj) = verts[i], verts[j]
            out.append((xi + t * (xj - xi), yi + t * (yj - yi)))
    return out


_IDENTITY = [(Fraction(1), Fraction(0), Fraction(0)), (Fraction(0), Fraction(1), Fraction(0))]
_ZERO3 = (Fraction(0), Fraction(0), Fraction(0))


def _compose(net: Net, layer: int, M):
    """Exact (a, b, c) of each unit of ``layer`` given its input map M (one triple per input)."""
    maps = []
    for row in net.exact_rows(layer):
        terms = [(w, mp) for w, mp in zip(row, M, strict=False) if w != 0 and mp != _ZERO3]
        a = sum((w * mp[0] for w, mp in terms), Fraction(0))
        b = sum((w * mp[1] for w, mp in terms), Fraction(0))
        c = row[-1] + sum((w * mp[2] for w, mp in terms), Fraction(0))
        maps.append((a, b, c))
    return maps


def _mask(maps, states):
    return [mp if on else _ZERO3 for mp, on in zip(maps, states, strict=True)]


def _exact_maps(net: Net, patterns: list[np.ndarray], layer: int):
    """Exact (a, b, c) of every unit of layers 0..layer under the pattern rows given.

    ``patterns`` holds at least ``layer`` rows (layers before ``layer``). Returns (maps, M):
    per-layer lists of (a, b, c) Fraction triples, and the input map of ``layer``.
    """
    M = _IDENTITY
    out = []
    for j in range(layer + 1):
        maps = _compose(net, j, M)
        out.append(maps)
        if j < layer:
            M = _mask(maps, patterns[j])
    return out, M


def _intersect(l1: list[float], l2: list[float]) -> list[float]:
    """Intersection of two float lines with error bounds, as [x, y, delta].

    Each line is (a, b, c, ea, eb, ec): the exact line a* x + b* y + c* = 0 has |a* - a| <= ea,
    and so on. delta bounds the distance (in each coordinate) from the float intersection to
    the exact one; it is inf when the lines may be parallel within their errors.
    """
    a1, b1, c1, ea1, eb1, ec1 = l1
    a2, b2, c2, ea2, eb2, ec2 = l2
    p1, p2, p3, p4, p5, p6 = a1 * b2, a2 * b1, b1 * c2, b2 * c1, c1 * a2, c2 * a1
    det = p1 - p2
    # |x* y* - x y| <= |x| ey + |y| ex + ex ey for each product, plus float rounding
    e_det = abs(a1) * eb2 + abs(b2) * ea1 + ea1 * eb2 + abs(a2) * eb1 + abs(b1) * ea2 + ea2 * eb1
    e_nx = abs(b1) * ec2 + abs(c2) * eb1 + eb1 * ec2 + abs(b2) * ec1 + abs(c1) * eb2 + eb2 * ec1
    e_ny = abs(c1) * ea2 + abs(a2) * ec1 + ec1 * ea2 + abs(c2) * ea1 + abs(a1) * ec2 + ec2 * ea1
    e_det += 4.0 * U * (abs(p1) + abs(p2))
    e_nx += 4.0 * U * (abs(p3) + abs(p4))
    e_ny += 4.0 * U * (abs(p5) + abs(p6))
    lo_det = abs(det) - e_det
    if not lo_det > 0:
        return [0.0, 0.0, math.inf]
    x, y = (p3 - p4) / det, (p5 - p6) / det
    # |n*/d* - n/d| <= (|n* - n| + |n/d| |d* - d|) / |d*|
    dx = (e_nx + abs(x) * e_det) / lo_det
    dy = (e_ny + abs(y) * e_det) / lo_det
    delta = 2.0 * (max(dx, dy) + 2.0 * U * max(abs(x), abs(y))) + TINY
    return [x, y, delta]


def _float_split(poly: np.ndarray, s: np.ndarray, cut: list[float]):
    """Cut a float polygon (k, 9) whose vertex values s (k,) are all certain and of both signs.

    Rows are (x, y, delta, a, b, c, ea, eb, ec): a vertex, a bound on its distance to the exact
    vertex, and the line (with error bounds) of the edge from this vertex to the next. ``cut``
    is the cutting line (6 floats). Returns (positive piece, negative piece) in the same
    layout, and for each its (max |x|, max |y|) and max delta; a new vertex is the
    intersection of its edge's line with the cut, computed afresh.
    """
    rows = poly.tolist()
    signs = (s > 0).tolist()
    pos_pts, neg_pts = [], []
    k = len(rows)
    for i in range(k):
        row = rows[i]
        si, sj = signs[i], signs[(i + 1) % k]
        if si:
            pos_pts.append(row)
        else:
            neg_pts.append(row)
        if si != sj:
            q = _intersect(row[3:], cut)
            on_edge = q + row[3:]
            on_cut = q + cut
            if si:  # leaving the positive side: the positive piece follows the cut
                pos_pts.append(on_cut)
                neg_pts.append(on_edge)
            else:
                pos_pts.append(on_edge)
                neg_pts.append(on_cut)
    out = []
    for pts in (pos_pts, neg_pts):
        out.append(np.array(pts))
        out.append(
            (
                max(abs(r[0]) for r in pts),
                max(abs(r[1]) for r in pts),
                max(r[2] for r in pts),
            )
        )
    return out


def _box_exact(box: object) -> tuple[tuple[float, float, float, float], list[Fraction]]:
    floats = as_box(box)
    exact = []
    for value, rounded in zip(box, floats, strict=True):  # type: ignore[call-overload]
        try:
            exact.append(to_fraction(value))
        except ValueError:
            exact.append(Fraction(rounded))
    if not (exact[0] < exact[1] and exact[2] < exact[3]):
        raise ValueError(
            f"box must be (xmin, xmax, ymin, ymax) with xmin < xmax, ymin < ymax; got {box}"
        )
    return floats, exact


def _regions(layers: object, box: object) -> tuple[list[np.ndarray], np.ndarray]:
    net = Net("layers", layers, d_in=2)
    (xmin, xmax, ymin, ymax), (exmin, exmax, eymin, eymax) = _box_exact(box)
    box_exact = [(exmin, eymin), (exmax, eymin), (exmax, eymax), (exmin, eymax)]
    corners = np.array([[xmin, ymin], [xmax, ymin], [xmax, ymax], [xmin, ymax]])
    delta = np.array(
        [
            max(_round_bound(float(fx), ex), _round_bound(float(fy), ey))
            for (fx, fy), (ex, ey) in zip(corners, box_exact, strict=True)
        ]
    )
    # the box's edges: y = ymin, x = xmax, y = ymax, x = xmin (from each corner to the next)
    box_lines = []
    for (ax, ay), value, exact_value in (
        ((0.0, 1.0), ymin, eymin),
        ((1.0, 0.0), xmax, exmax),
        ((0.0, 1.0), ymax, eymax),
        ((1.0, 0.0), xmin, exmin),
    ):
        box_lines.append([ax, ay, -value, 0.0, 0.0, _round_bound(value, exact_value)])
    polys: list[np.ndarray] = [np.column_stack([corners, delta, np.array(box_lines)])]
    exact: list[_ExactPolygon] = []
    if not net.filtered:
        exact.append(_ExactPolygon(list(box_exact), _IDENTITY, [], [], [], [], []))
        polys = []
    n_hidden = len(net) - 1
    # Affine map of the current layer's input: M (P, d, 2), m (P, d), bounds EM, Em.
    M = np.eye(2)[None, :, :].repeat(len(polys), axis=0)
    m = np.zeros((len(polys), 2))
    EM = np.zeros_like(M)
    Em = np.zeros_like(m)
    past = np.zeros((len(polys), 0), dtype=bool)  # patterns of the finished layers
    lengths = np.array([q.shape[0] for q in polys], dtype=np.intp)
    vmax = np.array([np.abs(q[:, :2]).max(axis=0) for q in polys]).reshape(len(polys), 2)
    dmax = np.array([q[:, 2].max() for q in polys])
    for li in range(n_hidden):
        W, b = net.floats[li]
        d_l, n_in = W.shape
        absW = np.abs(W)
        g = gamma(n_in)
        P0 = len(polys)
        # The maps depend only on the finished layers' pattern: every piece made in this layer
        # reads them from the row src[p] of the polygon it came from.
        A = (W @ M.transpose(1, 0, 2).reshape(n_in, 2 * P0)).reshape(d_l, P0, 2)
        A = A.transpose(1, 0, 2)
        c = m @ W.T + b
        EA = (absW @ (EM + g * np.abs(M)).transpose(1, 0, 2).reshape(n_in, 2 * P0)).reshape(
            d_l, P0, 2
        )
        EA = EA.transpose(1, 0, 2) + TINY
        Ec = (Em + g * np.abs(m)) @ absW.T + (g * np.abs(b) + TINY)
        dead = ~np.any(M, axis=(1, 2)) & ~np.any(m, axis=1) & ~np.any(EM, axis=(1, 2))
        dead &= ~np.any(Em, axis=1)
        EA[dead] = 0.0
        Ec[dead] = 0.0  # z = b exactly: every input is exactly 0
        src = np.arange(P0)
        active = np.zeros((P0, d_l), dtype=bool)
        sign = np.zeros((P0, d_l), dtype=np.int8)
        rep, ratio = unit_groups(net, li)
        for ep in exact:
            maps = _compose(net, li, ep.M)
            ep.A, ep.c = [(a, bb) for a, bb, _ in maps], [cc for _, _, cc in maps]
            ep.active, ep.sign = [False] * d_l, [0] * d_l
        for u in range(d_l):
            if rep[u] < 0:
                for ep in exact:
                    ep.sign[u] = 0
                continue
            if rep[u] != u:
                r = rep[u]
                sign[:, u] = ratio[u] * sign[:, r]
                active[:, u] = sign[:, u] > 0
                for ep in exact:
                    ep.sign[u] = int(ratio[u]) * ep.sign[r]
                    ep.active[u] = ep.sign[u] > 0
                continue
            P = len(polys)
            if P:
                starts = np.zeros(P, dtype=np.intp)
                np.cumsum(lengths[:-1], out=starts[1:])
                owner = np.repeat(np.arange(P), lengths)
                verts = np.concatenate(polys)
                Au, cu = A[src, u, :], c[src, u]
                EAu, Ecu, deadu = EA[src, u, :], Ec[src, u], dead[src]
                s = np.einsum("vk,vk->v", Au[owner], verts[:, :2]) + cu[owner]
                absA = np.abs(Au)
                err = (
                    np.einsum("pk,pk->p", EAu, vmax + dmax[:, None])
                    + Ecu
                    + absA.sum(axis=1) * dmax
                    + 4.0 * U * (np.einsum("pk,pk->p", absA, vmax) + np.abs(cu))
                    + TINY
                )
                const0 = deadu & (cu == 0)  # exactly zero on the polygon
                err_v = err[owner]
                pos = s > err_v
                neg = s < -err_v
                any_pos = np.maximum.reduceat(pos, starts)
                any_neg = np.maximum.reduceat(neg, starts)
                certain = np.minimum.reduceat(pos | neg, starts).astype(bool) | const0
                any_pos &= ~const0
                any_neg &= ~const0
                active[:, u] = any_pos & ~any_neg & certain
                sign[:, u] = np.where(any_pos, 1, np.where(any_neg, -1, 0))
                crossed = np.flatnonzero(certain & any_pos & any_neg)
                unsure = np.flatnonzero(~certain)
                if crossed.size:
                    new_polys: list[np.ndarray] = []
                    stats = []
                    cuts = np.column_stack([Au[crossed], cu[crossed], EAu[crossed], Ecu[crossed]])
                    for p, cut in zip(crossed.tolist(), cuts.tolist(), strict=True):
                        lo = starts[p]
                        pos_piece, pos_stat, neg_piece, neg_stat = _float_split(
                            polys[p], s[lo : lo + lengths[p]], cut
                        )
                        polys[p] = pos_piece
                        new_polys.append(neg_piece)
                        stats.append((pos_stat, neg_stat))
                    active[crossed, u] = True
                    sign[crossed, u] = 1
                    polys.extend(new_polys)
                    new_active = active[crossed]
                    new_active[:, u] = False
                    new_sign = sign[crossed]
                    new_sign[:, u] = -1
                    active = np.concatenate([active, new_active])
                    sign = np.concatenate([sign, new_sign])
                    src = np.concatenate([src, src[crossed]])
                    st = np.array(stats)  # (n, 2, 3)
                    vmax[crossed] = st[:, 0, :2]
                    dmax[crossed] = st[:, 0, 2]
                    vmax = np.concatenate([vmax, st[:, 1, :2]])
                    dmax = np.concatenate([dmax, st[:, 1, 2]])
                    lengths[crossed] = [polys[p].shape[0] for p in crossed.tolist()]
                    lengths = np.concatenate([lengths, [q.shape[0] for q in new_polys]])
                if unsure.size:
                    for p in unsure.tolist():
                        exact.append(
                            _to_exact(
                                net,
                                box_exact,
                                li,
                                u,
                                [*_split_rows(past[src[p]], net, li)],
                                active[p],
                                sign[p],
                            )
                        )
                        exact[-1].sign[u] = 0
                    keep = np.ones(len(polys), dtype=bool)
                    keep[unsure] = False
                    polys = [q for q, k in zip(polys, keep.tolist(), strict=True) if k]
                    active, sign, src = active[keep], sign[keep], src[keep]
                    vmax, dmax, lengths = vmax[keep], dmax[keep], lengths[keep]
                    # the converted polygons still need unit u: done with the exact ones below
            exact = _exact_unit(exact, u)
        mask = active.astype(np.float64)[:, :, None]
        M, m = A[src] * mask, c[src] * mask[:, :, 0]
        EM, Em = EA[src] * mask, Ec[src] * mask[:, :, 0]
        past = np.concatenate([past[src], active], axis=1)
        for ep in exact:
            ep.patterns = [*ep.patterns, np.array(ep.active, dtype=bool)]
            ep.M = _mask([(a, b, cc) for (a, b), cc in zip(ep.A, ep.c, strict=True)], ep.active)
    n_units = sum(W.shape[0] for W, _ in net.floats[:-1])
    out_polys = [np.ascontiguousarray(q[:, :2]) for q in polys]
    blocks = past
    out_polys += [np.array([[float(x), float(y)] for x, y in ep.verts]) for ep in exact]
    if exact:
        ex_rows = np.array(
            [np.concatenate(ep.patterns) if ep.patterns else np.zeros(0, bool) for ep in exact]
        ).reshape(len(exact), n_units)
        blocks = np.concatenate([blocks.reshape(len(polys), n_units), ex_rows])
    return out_polys, blocks.astype(bool)


def _split_rows(row: np.ndarray, net: Net, layers: int) -> list[np.ndarray]:
    """One flat pattern row cut into per-layer rows for the first ``layers`` layers."""
    out, at = [], 0
    for W, _ in net.floats[:layers]:
        out.append(row[at : at + W.shape[0]])
        at += W.shape[0]
    return out


def _round_bound(rounded: float, exact: Fraction) -> float:
    return 0.0 if Fraction(rounded) == exact else 2.0 * U * abs(rounded) + TINY


def _to_exact(net, box_exact, layer, unit, pattern_rows, active_row, sign_row) -> _ExactPolygon:
    """Rebuild a float polygon exactly: the box cut by the half-planes of its decided units.

    pattern_rows: its bool rows of the finished layers; active_row: its states in ``layer``,
    decided for the units before ``unit``.
    """
    maps, M = _exact_maps(net, pattern_rows, layer)
    verts = list(box_exact)
    for j, layer_maps in enumerate(maps):
        states = pattern_rows[j] if j < layer else active_row[:unit]
        for (a, b, c), on in zip(layer_maps, states, strict=False):
            s = _exact_values(verts, a, b, c)
            verts = _exact_cut(verts, s, keep_positive=bool(on))
    if len(verts) < 3:
        raise AssertionError("internal error: an exact polygon vanished")
    current = maps[layer]
    return _ExactPolygon(
        verts,
        M,
        [(a, b) for a, b, _ in current],
        [cc for _, _, cc in current],
        list(pattern_rows),
        [bool(v) for v in active_row],
        [int(v) for v in sign_row],
    )


def _exact_unit(exact: list[_ExactPolygon], u: int) -> list[_ExactPolygon]:
    """Process unit u (a group representative) on every exact polygon; returns the new list."""
    out = []
    for ep in exact:
        (a, b), c = ep.A[u], ep.c[u]
        s = _exact_values(ep.verts, a, b, c)
        has_pos = any(v > 0 for v in s)
        has_neg = any(v < 0 for v in s)
        if has_pos and has_neg:
            pos_piece = ep.copy_state(_exact_cut(ep.verts, s, True))
            neg_piece = ep.copy_state(_exact_cut(ep.verts, s, False))
            pos_piece.active[u], pos_piece.sign[u] = True, 1
            neg_piece.active[u], neg_piece.sign[u] = False, -1
            out += [pos_piece, neg_piece]
        else:
            ep.active[u] = has_pos
            ep.sign[u] = 1 if has_pos else (-1 if has_neg else 0)
            out.append(ep)
    return out


def region_polygons(
    layers: list, box: tuple[float, float, float, float]
) -> tuple[list[np.ndarray], np.ndarray]:
    """The activation regions of a 2-input network inside the box, as convex polygons.

    layers: list of (W, b) pairs with 2 inputs (floats, or ints / Fractions / Decimals taken
    exactly); box: (xmin, xmax, ymin, ymax). Returns (polygons, patterns): a list of R vertex
    arrays of shape (k_r, 2) (counter-clockwise; exact vertices rounded to float64) and a bool
    array of shape (R, total hidden units) with each region's exact activation pattern.
    """
    return _regions(layers, box)


def count_regions_exact(layers: list, box: tuple[float, float, float, float]) -> int:
    """Exact number of activation regions of a 2-input network inside the box.

    layers: list of (W, b) pairs with 2 inputs; box: (xmin, xmax, ymin, ymax).
    A region is a maximal connected piece of the box with constant activation pattern. The
    box is split into convex polygons at every hidden unit's boundary, layer by layer (see
    ``region_polygons``); returns the number of polygons as a Python int.

    The count is exact for the network as given, at any scale and any box: every float64
    weight is the binary rational it stores, floating point only decides signs it can prove
    (a filter with error bounds), and every uncertain case is redone with Fractions. No
    region is lost however thin or small, and none is invented.

    To count the net as typed in decimals rather than its float64 rounding, pass weights (and
    box) as ``fractions.Fraction`` (``Fraction("0.1")``), ``decimal.Decimal``, decimal strings
    ("0.1") or ints, for example ``W = np.array([[Fraction("0.3"), Fraction("0.1")]], dtype=object)``: unit values
    such as 0.3 x - 3 (0.1 x) are then exactly 0, not the small nonzero number they are in
    float64.
    """
    polys, _ = region_polygons(layers, box)
    return len(polys)
