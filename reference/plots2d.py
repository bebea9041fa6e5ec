"""Plots for the 2-D assignments (surfaces, features, backprop losses).

Every function builds a ``matplotlib.figure.Figure`` directly (no pyplot, so it works without a
display) and returns it. matplotlib is imported inside the functions so that importing
``reference`` stays fast.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from reference._validate import as_box, as_float_array, as_layers
from reference.surfaces import activation_patterns, grid_points, neuron_surfaces

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = ["plot_region_map", "plot_neuron_surfaces", "plot_rings", "plot_losses"]


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


def plot_region_map(
    layers: list,
    box: tuple[float, float, float, float],
    resolution: int = 400,
    ax: Axes | None = None,
) -> Figure:
    """Colour the box by activation pattern: one colour per pattern seen on the grid.

    layers: list of (W, b) pairs with 2 inputs; box: (xmin, xmax, ymin, ymax); the grid is
    resolution x resolution as in ``count_regions_grid``. Draws into ``ax`` if given (and
    returns its figure), else into a new Figure.
    """
    from matplotlib.colors import ListedColormap

    layers = as_layers("layers", layers, d_in=2)
    xmin, xmax, ymin, ymax = as_box(box)
    ids = region_ids(layers, box, resolution)
    n = int(ids.max()) + 1
    # Shuffled hues so that neighbouring pattern ids do not get similar colours.
    rng = np.random.default_rng(0)
    colours = np.column_stack([rng.uniform(0.15, 0.95, (n, 3)), np.ones(n)])
    if ax is None:
        fig = _new_figure((5.0, 5.0))
        ax = fig.add_subplot()
    else:
        fig = ax.figure
    ax.imshow(
        ids,
        origin="lower",
        extent=(xmin, xmax, ymin, ymax),
        cmap=ListedColormap(colours),
        vmin=-0.5,
        vmax=n - 0.5,
        interpolation="nearest",
        aspect="auto",
    )
    ax.set_xlabel("$x_1$")
    ax.set_ylabel("$x_2$")
    ax.set_title(f"{n} activation patterns on a {resolution}x{resolution} grid")
    return fig


def plot_neuron_surfaces(
    layers: list, box: tuple[float, float, float, float], resolution: int = 200
) -> Figure:
    """Each hidden neuron's post-activation surface over the box, as a heatmap with contours.

    One row of panels per hidden layer, one panel per neuron (layer l, neuron k at row l,
    column k). The dashed white contour is where the neuron switches on.
    """
    layers = as_layers("layers", layers, d_in=2)
    xmin, xmax, ymin, ymax = as_box(box)
    pts = grid_points(box, resolution)
    surfaces = neuron_surfaces(pts, layers)
    rows = max(len(surfaces), 1)
    cols = max([s.shape[1] for s in surfaces] + [1])
    fig = _new_figure((2.4 * cols, 2.3 * rows))
    if not surfaces:
        ax = fig.add_subplot()
        ax.set_axis_off()
        ax.text(0.5, 0.5, "no hidden layer", ha="center", va="center")
        return fig
    axes = fig.subplots(rows, cols, squeeze=False)
    xs = np.linspace(xmin, xmax, resolution)
    ys = np.linspace(ymin, ymax, resolution)
    for l, surf in enumerate(surfaces):
        for k in range(cols):
            ax = axes[l, k]
            if k >= surf.shape[1]:
                ax.set_axis_off()
                continue
            img = surf[:, k].reshape(resolution, resolution)
            mesh = ax.pcolormesh(xs, ys, img, shading="auto", cmap="viridis")
            top = float(img.max())
            if top > 0:
                levels = np.linspace(0, top, 7)[1:-1]
                ax.contour(xs, ys, img, levels=levels, colors="k", linewidths=0.5)
                ax.contour(
                    xs, ys, img, levels=[top * 1e-9], colors="w", linewidths=1.0, linestyles="--"
                )
            fig.colorbar(mesh, ax=ax, shrink=0.8)
            ax.set_title(f"layer {l + 1}, neuron {k + 1}", fontsize=9)
            ax.set_aspect("equal")
            ax.tick_params(labelsize=7)
    return fig


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
