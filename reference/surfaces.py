"""Answer key for the ``surfaces`` assignment: neuron surfaces and linear regions over R^2.

``layers`` is a list of (W, b) pairs, W of shape (d_out, d_in) and b of shape (d_out,), with
f_0 = x, f_l = relu(W_l f_{l-1} + b_l) and no ReLU on the last layer. The input has 2 columns.
Every layer but the last is a hidden layer; its units define the activation pattern.

An activation region is a maximal connected piece of the input box on which the activation
pattern (which hidden units have pre-activation > 0) is constant. Once the pattern is fixed,
every pre-activation is one affine function of the input, so the set of points with that
pattern is an intersection of half-planes: convex, hence connected. Regions and the patterns
that occur on a set of positive area therefore correspond one to one.
"""

from __future__ import annotations

import numpy as np

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
# Each polygon P carries, for the layer being processed, the affine map of every unit's
# pre-activation as a function of the input p = (x, y): z_u(p) = A[P, u] . p + c[P, u].
# Unit by unit, a polygon is cut by the line z_u = 0 only when that line crosses its interior
# (some vertex clearly positive and some clearly negative); each piece records the sign of
# u. After the layer, the pattern zeroes the inactive units and composes with the next layer.
#
# Robustness: vertices with |z_u| <= tol are treated as lying on the line (lines through
# vertices, repeated lines, lines along an edge never cut); tol is 1e-9 times the largest
# size z_u can have on the box, so it scales with the weights. A cut that would leave a
# piece of area below 1e-13 times the box area is not made (the polygon keeps the sign of its
# larger side). A unit whose pre-activation does not change sign on a polygon, including a
# unit with all-zero weights, is active there when its value is > 0 (strictly) at the
# polygon's vertex mean, as in ``activation_patterns``.
#
# Why each final polygon is one region: a polygon is cut only where the line really crosses
# its interior, and the two pieces differ in unit u, so no two polygons share a pattern; each
# polygon is convex with constant pattern, and the region of a pattern is convex (see the
# module docstring), so each polygon is exactly one region.
# ----------------------------------------------------------------------------------------

_VERTEX_TOL = 1e-9
_AREA_TOL = 1e-13


def _area(poly: np.ndarray) -> float:
    x, y = poly[:, 0], poly[:, 1]
    return 0.5 * abs(float(np.dot(x, np.roll(y, -1)) - np.dot(y, np.roll(x, -1))))


def _split(poly: np.ndarray, s: np.ndarray, tol: float) -> tuple[np.ndarray, np.ndarray]:
    """Cut a convex polygon (k, 2) by the line where the affine values s (k,) vanish.

    Returns (positive piece, negative piece), both convex, vertices in the original order.
    Vertices with |s| <= tol belong to both pieces; new vertices are made only on edges whose
    ends are strictly on opposite sides.
    """
    pos_pts, neg_pts = [], []
    k = poly.shape[0]
    for i in range(k):
        j = (i + 1) % k
        si, sj = s[i], s[j]
        if si >= -tol:
            pos_pts.append(poly[i])
        if si <= tol:
            neg_pts.append(poly[i])
        if (si > tol and sj < -tol) or (si < -tol and sj > tol):
            t = si / (si - sj)
            q = poly[i] + t * (poly[j] - poly[i])
            pos_pts.append(q)
            neg_pts.append(q)
    return np.array(pos_pts), np.array(neg_pts)


def region_polygons(
    layers: list, box: tuple[float, float, float, float]
) -> tuple[list[np.ndarray], np.ndarray]:
    """The activation regions of a 2-input network inside the box, as convex polygons.

    layers: list of (W, b) pairs with 2 inputs; box: (xmin, xmax, ymin, ymax).
    Returns (polygons, patterns): a list of R vertex arrays of shape (k_r, 2) (counter-clockwise)
    and a bool array of shape (R, total hidden units) with each region's activation pattern.
    """
    layers = as_layers("layers", layers, d_in=2)
    xmin, xmax, ymin, ymax = as_box(box)
    scale_xy = np.array([max(abs(xmin), abs(xmax)), max(abs(ymin), abs(ymax))])
    min_area = _AREA_TOL * (xmax - xmin) * (ymax - ymin)

    polys: list[np.ndarray] = [np.array([[xmin, ymin], [xmax, ymin], [xmax, ymax], [xmin, ymax]])]
    # Affine map of the current layer's input as a function of p: M (P, d, 2), m (P, d).
    M = np.eye(2)[None, :, :]
    m = np.zeros((1, 2))
    patterns: list[np.ndarray] = []  # one (P, d_l) block per processed layer
    for W, b in layers[:-1]:
        A = np.einsum("ij,pjk->pik", W, M)  # (P, d_l, 2)
        c = m @ W.T + b  # (P, d_l)
        d_l = W.shape[0]
        active = np.zeros((len(polys), d_l), dtype=bool)
        for u in range(d_l):
            lengths = np.fromiter((q.shape[0] for q in polys), dtype=np.intp, count=len(polys))
            starts = np.concatenate([[0], np.cumsum(lengths)[:-1]])
            owner = np.repeat(np.arange(len(polys)), lengths)
            verts = np.concatenate(polys)
            s = np.einsum("vk,vk->v", A[owner, u, :], verts) + c[owner, u]
            s_max = np.maximum.reduceat(s, starts)
            s_min = np.minimum.reduceat(s, starts)
            tol = _VERTEX_TOL * (np.abs(A[:, u, :]) @ scale_xy + np.abs(c[:, u]))
            # Sign on polygons that the line does not cross.
            mean_val = np.add.reduceat(s, starts) / lengths
            active[:, u] = np.where(s_max > tol, True, np.where(s_min < -tol, False, mean_val > 0))
            crossed = np.flatnonzero((s_max > tol) & (s_min < -tol))
            new_polys: list[np.ndarray] = []
            new_from: list[int] = []
            for p in crossed:
                lo, hi = starts[p], starts[p] + lengths[p]
                pos, neg = _split(polys[p], s[lo:hi], tol[p])
                a_pos, a_neg = _area(pos), _area(neg)
                if a_pos < min_area or a_neg < min_area:
                    active[p, u] = a_pos >= a_neg
                    continue
                polys[p] = pos
                active[p, u] = True
                new_polys.append(neg)
                new_from.append(p)
            if new_polys:
                idx = np.array(new_from, dtype=np.intp)
                polys.extend(new_polys)
                new_active = active[idx].copy()
                new_active[:, u] = False
                active = np.concatenate([active, new_active])
                A = np.concatenate([A, A[idx]])
                c = np.concatenate([c, c[idx]])
                patterns = [np.concatenate([blk, blk[idx]]) for blk in patterns]
        patterns.append(active)
        mask = active.astype(np.float64)
        M = A * mask[:, :, None]
        m = c * mask
    n_units = sum(W.shape[0] for W, _ in layers[:-1])
    pattern_arr = (
        np.concatenate(patterns, axis=1) if patterns else np.zeros((len(polys), n_units), bool)
    )
    return polys, pattern_arr


def count_regions_exact(layers: list, box: tuple[float, float, float, float]) -> int:
    """Exact number of activation regions of a 2-input network inside the box.

    layers: list of (W, b) pairs with 2 inputs; box: (xmin, xmax, ymin, ymax).
    A region is a maximal connected piece of the box with constant activation pattern. The
    box is split into convex polygons at every hidden unit's boundary, layer by layer (see
    ``region_polygons``); returns the number of polygons as a Python int. Pieces thinner than
    the numerical tolerance (area below 1e-13 of the box) are not separated.
    """
    polys, _ = region_polygons(layers, box)
    return len(polys)
