"""Plots for the 2-D assignments (surfaces, features, backprop losses).

Every function builds a ``matplotlib.figure.Figure`` directly (no pyplot, so it works without a
display) and returns it. matplotlib is imported inside the functions so that importing
``reference`` stays fast.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from reference._validate import as_box, as_float_array, as_layers
from reference.surfaces import (
    activation_patterns,
    count_regions_grid,
    grid_points,
    neuron_surfaces,
    region_polygons,
)

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = [
    "plot_region_map",
    "plot_neuron_surfaces",
    "plot_rings",
    "plot_losses",
    "region_neighbours",
    "region_colour_indices",
    "REGION_PALETTE",
]

# 20 distinct light colours (ColorBrewer Set3 and pastel shades): dark boundaries and contour
# lines stay visible on all of them.
REGION_PALETTE = (
    "#8dd3c7", "#ffffb3", "#bebada", "#fb8072", "#80b1d3", "#fdb462", "#b3de69",
    "#fccde5", "#d9d9d9", "#bc80bd", "#ccebc5", "#ffed6f", "#fbb4ae", "#b3cde3",
    "#decbe4", "#fed9a6", "#e5d8bd", "#a6cee3", "#b2df8a", "#cab2d6",
)  # fmt: skip


def _new_figure(figsize: tuple[float, float]) -> Figure:
    from matplotlib.figure import Figure

    return Figure(figsize=figsize, layout="constrained")


def region_ids(layers: list, box: tuple[float, float, float, float], resolution: int) -> np.ndarray:
    """Integer id of each grid point's activation pattern, as an image.

    Returns an int array of shape (resolution, resolution): row i is y = ys[i], column j is
    x = xs[j] (the grid of ``count_regions_grid``); equal ids mean equal patterns, and ids are
    0 .. (number of distinct patterns - 1).
    """
    pts = grid_points(box, resolution)
    pat = activation_patterns(pts, layers)
    if pat.shape[1] == 0:
        return np.zeros((resolution, resolution), dtype=np.int64)
    packed = np.ascontiguousarray(np.packbits(pat, axis=1))
    keys = packed.view(np.dtype((np.void, packed.shape[1]))).ravel()
    _, ids = np.unique(keys, return_inverse=True)
    return ids.reshape(resolution, resolution).astype(np.int64)


def region_neighbours(polygons: list[np.ndarray], tol: float = 1e-9) -> list[set[int]]:
    """For each polygon, the polygons that share a piece of its boundary (of length > tol).

    polygons: list of R arrays of shape (k_r, 2), the convex cells of a subdivision (for
    example from ``reference.surfaces.region_polygons``). Edges lying on one line are grouped
    (line direction and offset rounded to 1e-6 of a unit), and two polygons are neighbours when
    two of their edges on one line overlap; a T-junction (one long edge against several short
    ones) is found as well. Returns a list of R sets of indices.
    """
    groups: dict[tuple[float, float, float], list[tuple[float, float, int]]] = {}
    for r, poly in enumerate(polygons):
        poly = np.asarray(poly, dtype=float)
        for p, q in zip(poly, np.roll(poly, -1, axis=0), strict=True):
            length = float(np.hypot(*(q - p)))
            if length <= tol:
                continue
            d = (q - p) / length
            if d[1] < -1e-12 or (abs(d[1]) <= 1e-12 and d[0] < 0):
                d = -d
            key = (round(d[0], 6), round(d[1], 6), round(d[0] * p[1] - d[1] * p[0], 6))
            t0, t1 = sorted((float(d @ p), float(d @ q)))
            groups.setdefault(key, []).append((t0, t1, r))
    near: list[set[int]] = [set() for _ in polygons]
    for group in groups.values():
        for i, (a0, a1, r) in enumerate(group):
            for b0, b1, s in group[i + 1 :]:
                if r != s and min(a1, b1) - max(a0, b0) > tol:
                    near[r].add(s)
                    near[s].add(r)
    return near


def region_colour_indices(polygons: list[np.ndarray], n_colours: int = 20) -> np.ndarray:
    """A colour index per polygon; polygons that share a piece of boundary get different ones.

    Greedy colouring, polygons with most neighbours first, each taking the colour used least so
    far among those its coloured neighbours lack, preferring indices below n_colours: with at
    most n_colours polygons all indices differ, and neighbours always differ (an index >=
    n_colours is used only when every smaller one is taken by a neighbour). Returns an int
    array of shape (R,).
    """
    near = region_neighbours(polygons)
    index = np.full(len(polygons), -1, dtype=np.int64)
    used = np.zeros(len(polygons) + 1, dtype=np.int64)
    for r in sorted(range(len(polygons)), key=lambda r: -len(near[r])):
        taken = {int(index[s]) for s in near[r]}
        free = [k for k in range(len(used)) if k not in taken]
        index[r] = min(free, key=lambda k: (k >= n_colours, used[k], k))
        used[index[r]] += 1
    return index


def _colours(index: np.ndarray) -> list:
    from matplotlib import colormaps

    extra = colormaps["hsv"](np.linspace(0, 1, int(index.max(initial=0)) + 2)[:-1])
    n = len(REGION_PALETTE)
    return [REGION_PALETTE[k] if k < n else tuple(extra[k]) for k in index.tolist()]


def plot_region_map(
    layers: list,
    box: tuple[float, float, float, float],
    resolution: int = 400,
    ax: Axes | None = None,
) -> Figure:
    """The exact activation regions inside the box: filled polygons with their boundaries.

    layers: list of (W, b) pairs with 2 inputs; box: (xmin, xmax, ymin, ymax). The regions come
    from ``reference.surfaces.region_polygons`` (exact), drawn as one PolyCollection (one path
    per region, in its order) with black edges; neighbouring regions get different colours
    (``region_colour_indices``). The title gives the exact count beside the number of patterns
    a resolution x resolution grid finds (``count_regions_grid``). Draws into ``ax`` if given
    (and returns its figure), else into a new Figure.
    """
    from matplotlib.collections import PolyCollection

    layers = as_layers("layers", layers, d_in=2)
    xmin, xmax, ymin, ymax = as_box(box)
    polygons, _ = region_polygons(layers, box)
    grid = count_regions_grid(layers, box, resolution)
    if ax is None:
        fig = _new_figure((5.0, 5.0))
        ax = fig.add_subplot()
    else:
        fig = ax.figure
    cells = PolyCollection(
        polygons,
        facecolors=_colours(region_colour_indices(polygons, len(REGION_PALETTE))),
        edgecolors="k",
        linewidths=0.7,
    )
    ax.add_collection(cells)
    ax.set_xlim(xmin, xmax)
    ax.set_ylim(ymin, ymax)
    ax.set_xlabel("$x_1$")
    ax.set_ylabel("$x_2$")
    ax.set_title(
        f"{len(polygons)} regions (exact); {grid} patterns on a {resolution}x{resolution} grid"
    )
    return fig


def plot_neuron_surfaces(
    layers: list,
    box: tuple[float, float, float, float],
    resolution: int = 200,
    pre_activation: bool = True,
) -> Figure:
    """Each hidden neuron over the box as heat maps, before and after its ReLU.

    layers: list of (W, b) pairs with 2 inputs. With pre_activation=True (the default) each
    hidden layer l has two rows of panels: its pre-activations (diverging colours centred on
    0) and its values after the ReLU (exact zeros in light grey); with False only the second.
    Neuron k is in column k. On every panel of a neuron its boundary (pre-activation 0) is a
    solid black line, and from layer 2 on the first layer's lines are drawn dashed in black;
    the panels are titled "layer l, neuron k: pre-activation" / "...: after ReLU".
    """
    layers = as_layers("layers", layers, d_in=2)
    xmin, xmax, ymin, ymax = as_box(box)
    pts = grid_points(box, resolution)
    posts = neuron_surfaces(pts, layers)
    pres, f = [], pts
    for (W, b), post in zip(layers[:-1], posts, strict=False):
        pres.append(f @ W.T + b)
        f = post
    views = ("pre", "post") if pre_activation else ("post",)
    rows = max(len(posts) * len(views), 1)
    cols = max([s.shape[1] for s in posts] + [1])
    fig = _new_figure((2.7 * cols, 2.4 * rows))
    if not posts:
        ax = fig.add_subplot()
        ax.set_axis_off()
        ax.text(0.5, 0.5, "no hidden layer", ha="center", va="center")
        return fig
    from matplotlib import colormaps

    floor = colormaps["viridis"].with_extremes(under="0.85")
    axes = fig.subplots(rows, cols, squeeze=False)
    xs = np.linspace(xmin, xmax, resolution)
    ys = np.linspace(ymin, ymax, resolution)
    W1, b1 = layers[0]
    for l in range(len(posts)):
        for v, view in enumerate(views):
            row = len(views) * l + v
            for k in range(cols):
                ax = axes[row, k]
                if k >= posts[l].shape[1]:
                    ax.set_axis_off()
                    continue
                z = pres[l][:, k].reshape(resolution, resolution)
                if view == "pre":
                    top = max(float(np.abs(z).max()), 1e-12)
                    mesh = ax.pcolormesh(
                        xs, ys, z, shading="auto", cmap="RdBu_r", vmin=-top, vmax=top
                    )
                    name = "pre-activation"
                else:
                    img = posts[l][:, k].reshape(resolution, resolution)
                    top = max(float(img.max()), 1e-12)
                    mesh = ax.pcolormesh(
                        xs, ys, img, shading="auto", cmap=floor, vmin=top * 1e-9, vmax=top
                    )
                    name = "after ReLU"
                if l > 0:
                    _draw_lines(ax, W1, b1, (xmin, xmax, ymin, ymax), color="k", ls="--", lw=0.7)
                if z.min() < 0 < z.max():
                    ax.contour(xs, ys, z, levels=[0.0], colors="k", linewidths=1.5)
                fig.colorbar(mesh, ax=ax, shrink=0.8)
                ax.set_title(f"layer {l + 1}, neuron {k + 1}: {name}", fontsize=8)
                ax.set_xlabel("$x_1$", fontsize=8)
                ax.set_ylabel("$x_2$", fontsize=8)
                ax.set_aspect("equal")
                ax.tick_params(labelsize=7)
    return fig


def _draw_lines(ax: Axes, W: np.ndarray, b: np.ndarray, box: tuple, **style) -> None:
    """The lines W[u] . x + b[u] = 0 across the box (units with W[u] = 0 have none)."""
    xmin, xmax, ymin, ymax = box
    xs, ys = np.array([xmin, xmax]), np.array([ymin, ymax])
    for (w1, w2), c in zip(W, b, strict=True):
        if abs(w2) >= abs(w1) and w2 != 0:
            ax.plot(xs, -(w1 * xs + c) / w2, **style)
        elif w1 != 0:
            ax.plot(-(w2 * ys + c) / w1, ys, **style)
    ax.set_xlim(xmin, xmax)
    ax.set_ylim(ymin, ymax)


def plot_rings(
    X: np.ndarray,
    y: np.ndarray,
    w: np.ndarray | None = None,
    b: float | None = None,
    lifted: bool = False,
) -> Figure:
    """The ring data, and the decision boundary of (w, b) when given.

    X: (N, 2) points; y: (N,) labels 0/1; w: (2,) for a classifier on (x1, x2) or (3,) for one
    on (x1, x2, x1**2 + x2**2); b: a number. With lifted=False one panel shows the plane and
    the boundary (a line, or a circle for a lifted classifier). With lifted=True a second panel
    shows the data with the feature x1**2 + x2**2 on the vertical axis; its horizontal axis is
    x1, or the linear part of the score w1 x1 + w2 x2 when a lifted w is given, so that the
    boundary is the straight line where the score is 0.
    """
    X = as_float_array("X", X, (None, 2))
    y = as_float_array("y", y, (X.shape[0],))
    if (w is None) != (b is None):
        raise ValueError("w and b must be given together")
    if w is not None:
        w = as_float_array("w", w, (None,))
        if w.shape[0] not in (2, 3):
            raise ValueError(f"w must have shape (2,) or (3,); got shape {w.shape}")
        b = float(as_float_array("b", b, ()))
    fig = _new_figure((9.5 if lifted else 5.0, 4.5))
    axes = fig.subplots(1, 2 if lifted else 1, squeeze=False)[0]
    inner, outer = y == 1, y == 0
    ax = axes[0]
    ax.scatter(*X[inner].T, s=12, c="tab:red", label="y = 1")
    ax.scatter(*X[outer].T, s=12, c="k", label="y = 0")
    ax.set_aspect("equal")
    ax.set_xlabel("$x_1$")
    ax.set_ylabel("$x_2$")
    ax.set_title("data")
    if w is not None:
        lo, hi = X.min(axis=0), X.max(axis=0)
        pad = 0.1 * (hi - lo) + 1e-9
        gx, gy = np.meshgrid(
            np.linspace(lo[0] - pad[0], hi[0] + pad[0], 300),
            np.linspace(lo[1] - pad[1], hi[1] + pad[1], 300),
        )
        score = w[0] * gx + w[1] * gy + b
        if w.shape[0] == 3:
            score = score + w[2] * (gx**2 + gy**2)
        if score.min() < 0 < score.max():
            ax.contour(gx, gy, score, levels=[0.0], colors="tab:blue", linewidths=1.5)
        ax.set_title("data and decision boundary")
    ax.legend(loc="upper right", fontsize=8)
    if lifted:
        ax = axes[1]
        r2 = X[:, 0] ** 2 + X[:, 1] ** 2
        use_score = w is not None and w.shape[0] == 3
        h = X @ w[:2] if use_score else X[:, 0]
        ax.scatter(h[inner], r2[inner], s=12, c="tab:red")
        ax.scatter(h[outer], r2[outer], s=12, c="k")
        ax.set_xlabel("$w_1 x_1 + w_2 x_2$" if use_score else "$x_1$")
        ax.set_ylabel("$x_1^2 + x_2^2$")
        ax.set_title("lifted by the radius feature")
        if use_score and w[2] != 0:
            hs = np.linspace(h.min(), h.max(), 2)
            ax.plot(hs, -(hs + b) / w[2], color="tab:blue", linewidth=1.5)
    return fig


def plot_losses(losses: list[float]) -> Figure:
    """Training loss against step (log scale when every loss is positive)."""
    losses = as_float_array("losses", losses, (None,))
    fig = _new_figure((5.0, 3.5))
    ax = fig.add_subplot()
    ax.plot(np.arange(losses.shape[0]), losses)
    if losses.size and np.all(losses > 0):
        ax.set_yscale("log")
    ax.set_xlabel("step")
    ax.set_ylabel("loss")
    ax.set_title("training loss")
    return fig
