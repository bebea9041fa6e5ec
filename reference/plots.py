"""Plotting helpers for notebooks and grading feedback (headless-safe).

Every function returns a ``matplotlib.figure.Figure``; none calls ``plt.show`` or imports
pyplot, and matplotlib itself is imported lazily inside the functions so that importing
``reference`` stays fast. A figure can be saved with ``fig.savefig(path)`` or shown in a
notebook by making it the cell's value. Functions that draw one panel accept ``ax`` to draw
into an existing Axes (then ``ax.figure`` is returned).

Curves are sampled on a uniform grid plus their exact breakpoints, so corners are drawn sharp.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from reference._validate import as_float_array
from reference.composition import compose, composition_to_deep, deep_to_layers
from reference.depth import linear_piece_edges, mlp, sawtooth_layers
from reference.shallow import (
    check_interval,
    count_linear_regions,
    interpolant_net,
    kink_locations,
    relu,
    shallow_net,
    shallow_to_layers,
)

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = [
    "new_figure",
    "shade_regions",
    "plot_function_1d",
    "plot_network_1d",
    "plot_shallow_panels",
    "plot_composition",
    "plot_sawtooth",
    "plot_interpolants",
    "plot_approximation_error",
    "PIECE_COLORS",
]

REGION_COLORS = ("#dbe9f6", "#fde2c8")
MAX_KINK_LINES = 100  # more kinks than this are marked by dots only
KINK_STYLE = {"color": "0.6", "linestyle": ":", "linewidth": 0.8}


# ---------------------------------------------------------------------------- shared helpers


def new_figure(
    nrows: int = 1, ncols: int = 1, panel_size: tuple[float, float] = (4.0, 3.2)
) -> tuple[Figure, np.ndarray]:
    """A new Figure (no pyplot) and its Axes as an object array of shape (nrows, ncols)."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(panel_size[0] * ncols, panel_size[1] * nrows), layout="constrained")
    axes = fig.subplots(nrows, ncols, squeeze=False)
    return fig, axes


def _axes_or_new(ax: Axes | None) -> Axes:
    return new_figure()[1][0, 0] if ax is None else ax


def _samples(lo: float, hi: float, breakpoints: np.ndarray | None = None, n: int = 401):
    """Sorted x of shape (M,): n uniform points of [lo, hi] plus the breakpoints inside it."""
    x = np.linspace(lo, hi, n)
    if breakpoints is not None and breakpoints.size:
        x = np.concatenate([x, breakpoints[(breakpoints > lo) & (breakpoints < hi)]])
    return np.unique(x)


def shade_regions(ax: Axes, edges: np.ndarray, colors: Sequence[str] = REGION_COLORS) -> None:
    """Shade the intervals [edges[i], edges[i + 1]] of an Axes in alternating colours.

    edges: sorted array of shape (P + 1,) (for example from `reference.depth.linear_piece_edges`).
    The P strips form one PolyCollection spanning the full height of the Axes.
    """
    from matplotlib.collections import PolyCollection

    edges = as_float_array("edges", edges, (None,))
    a, b = edges[:-1], edges[1:]
    zeros, ones = np.zeros_like(a), np.ones_like(a)
    verts = np.stack(
        [np.column_stack(p) for p in ((a, zeros), (b, zeros), (b, ones), (a, ones))], 1
    )
    strips = PolyCollection(
        verts,
        facecolors=[colors[i % len(colors)] for i in range(a.size)],
        edgecolors="none",
        alpha=0.6,
        transform=ax.get_xaxis_transform(),
        zorder=0,
    )
    ax.add_collection(strips, autolim=False)


# ---------------------------------------------------------------------------- 1-D plots


def plot_function_1d(
    x: np.ndarray,
    y: np.ndarray,
    kinks: np.ndarray | None = None,
    ax: Axes | None = None,
    label: str | None = None,
    title: str | None = None,
    **line_kwargs: Any,
) -> Figure:
    """Plot y against x, with kinks marked by dotted verticals and dots on the curve.

    x, y: shape (N,) (x need not be sorted); kinks: shape (K,) or None, those outside the
    range of x are skipped (beyond MAX_KINK_LINES kinks only the dots are drawn). Extra keyword arguments go to ``Axes.plot``.
    """
    x = as_float_array("x", x, ("N",))
    y = as_float_array("y", y, (x.shape[0],))
    order = np.argsort(x, kind="stable")
    x, y = x[order], y[order]
    ax = _axes_or_new(ax)
    (line,) = ax.plot(x, y, label=label, **line_kwargs)
    if kinks is not None and x.size:
        kinks = as_float_array("kinks", kinks, ("K",))
        kinks = kinks[(kinks >= x[0]) & (kinks <= x[-1])]
        if kinks.size <= MAX_KINK_LINES:
            for k in kinks:
                ax.axvline(k, **KINK_STYLE)
        ax.plot(kinks, np.interp(kinks, x, y), "o", ms=4, color=line.get_color())
    if label is not None:
        ax.legend(loc="best", fontsize="small")
    if title is not None:
        ax.set_title(title)
    ax.set_xlabel("x")
    return ax.figure


def plot_network_1d(
    layers: list[tuple[np.ndarray, np.ndarray]],
    lo: float,
    hi: float,
    ax: Axes | None = None,
    label: str | None = None,
    shade: bool = False,
    **line_kwargs: Any,
) -> Figure:
    """Plot a 1-input, 1-output network (`reference.depth` layers) on [lo, hi].

    Its exact breakpoints are marked; with ``shade=True`` the linear pieces are shaded. The
    title states the number of pieces unless the Axes already has one.
    """
    ax = _axes_or_new(ax)
    pieces = _draw_network(ax, layers, lo, hi, shade, label, **line_kwargs)
    if not ax.get_title():
        ax.set_title(f"{pieces} linear pieces")
    return ax.figure


def _draw_network(
    ax: Axes,
    layers: list[tuple[np.ndarray, np.ndarray]],
    lo: float,
    hi: float,
    shade: bool,
    label: str | None = None,
    **line_kwargs: Any,
) -> int:
    """Draw the network on [lo, hi] with its breakpoints marked; return its number of pieces."""
    lo, hi = check_interval(lo, hi)
    edges = linear_piece_edges(layers, lo, hi)
    x = _samples(lo, hi, edges)
    if shade:
        shade_regions(ax, edges)
    plot_function_1d(x, mlp(x[:, None], layers)[:, 0], edges[1:-1], ax, label, **line_kwargs)
    ax.set_xlim(lo, hi)
    return edges.size - 1


def plot_shallow_panels(
    theta: np.ndarray, phi: np.ndarray, lo: float, hi: float, n: int = 401
) -> Figure:
    """Three panels of a shallow network on [lo, hi]: hidden units, weighted units, output.

    theta: (D, 2); phi: (D + 1,). Panel 1 shows h_d = relu(theta_d0 + theta_d1 x), panel 2
    phi_d h_d, panel 3 the output y with each unit's kink marked in that unit's colour; the
    title counts the linear regions.
    """
    lo, hi = check_interval(lo, hi)
    theta = as_float_array("theta", theta, ("D", 2))
    phi = as_float_array("phi", phi, (theta.shape[0] + 1,))
    x = _samples(lo, hi, kink_locations(theta), n)
    h = relu(theta[:, 0] + np.outer(x, theta[:, 1]))  # (M, D)
    y = shallow_net(x, theta, phi)
    fig, axes = new_figure(1, 3)
    ax_h, ax_w, ax_y = axes[0]
    for d in range(theta.shape[0]):
        color = f"C{d % 10}"
        ax_h.plot(x, h[:, d], color=color, label=f"$h_{{{d + 1}}}$")
        ax_w.plot(x, phi[d + 1] * h[:, d], color=color, label=rf"$\phi_{{{d + 1}}} h_{{{d + 1}}}$")
        if theta[d, 1] != 0:
            k = -theta[d, 0] / theta[d, 1]
            if lo < k < hi:
                ax_y.plot([k], shallow_net(np.array([k]), theta, phi), "o", ms=5, color=color)
    ax_y.plot(x, y, color="k")
    regions = count_linear_regions(theta, phi, lo, hi)
    ax_h.set_title("hidden units $h_d$")
    ax_w.set_title(r"weighted units $\phi_d h_d$")
    ax_y.set_title(f"output $y$: {regions} linear regions")
    for ax in axes[0]:
        ax.set_xlabel("x")
        ax.set_xlim(lo, hi)
    if 0 < theta.shape[0] <= 8:
        ax_h.legend(loc="best", fontsize="small")
        ax_w.legend(loc="best", fontsize="small")
    return fig


PIECE_COLORS = (
    "#a6cee3", "#fdbf6f", "#b2df8a", "#fb9a99", "#cab2d6", "#ffff99", "#8dd3c7", "#d9d9d9",
    "#bc80bd", "#80b1d3", "#fccde5", "#ccebc5",
)  # fmt: skip


def plot_composition(
    theta1: np.ndarray,
    phi1: np.ndarray,
    theta2: np.ndarray,
    phi2: np.ndarray,
    lo: float,
    hi: float,
) -> Figure:
    """Network 1 (x -> y), network 2 (y -> y') and their composition (x -> y').

    theta1: (D1, 2); phi1: (D1 + 1,); theta2: (D2, 2); phi2: (D2 + 1,). Network 1 is drawn on
    [lo, hi], network 2 on the range of y that network 1 reaches there, the composition on
    [lo, hi]; each title counts the linear regions. Network 2's pieces are shaded in
    PIECE_COLORS (piece i in colour i, cycling after 12), network 1's panel shows the same
    colours as horizontal bands of y, and each region of the composition is shaded in the
    colour of the piece of network 2 it reuses (the piece its y falls in).
    """
    lo, hi = check_interval(lo, hi)
    net1 = shallow_to_layers(theta1, phi1)
    edges1 = linear_piece_edges(net1, lo, hi)
    y_at_edges = mlp(edges1[:, None], net1)[:, 0]  # extremes of a piecewise-linear function
    y_lo, y_hi = float(y_at_edges.min()), float(y_at_edges.max())
    if y_hi - y_lo <= 1e-12 * max(1.0, abs(y_lo)):
        y_lo, y_hi = y_lo - 1.0, y_hi + 1.0
    net2 = shallow_to_layers(theta2, phi2)
    deep = deep_to_layers(*composition_to_deep(theta1, phi1, theta2, phi2))
    edges2 = linear_piece_edges(net2, y_lo, y_hi)
    edges3 = linear_piece_edges(deep, lo, hi)
    colours2 = [PIECE_COLORS[i % len(PIECE_COLORS)] for i in range(edges2.size - 1)]
    y_mid = mlp(((edges3[:-1] + edges3[1:]) / 2)[:, None], net1)[:, 0]
    reused = np.clip(np.searchsorted(edges2, y_mid, side="right") - 1, 0, edges2.size - 2)
    fig, axes = new_figure(1, 3)
    ax1, ax2, ax3 = axes[0]
    for i, colour in enumerate(colours2):
        ax1.axhspan(edges2[i], edges2[i + 1], color=colour, alpha=0.6, lw=0, zorder=0)
    shade_regions(ax2, edges2, colours2)
    shade_regions(ax3, edges3, [colours2[i] for i in reused])
    for ax, layers, a, b, name in (
        (ax1, net1, lo, hi, "network 1"),
        (ax2, net2, y_lo, y_hi, "network 2"),
        (ax3, deep, lo, hi, "composition"),
    ):
        pieces = _draw_network(ax, layers, a, b, shade=False, color="k")
        ax.set_title(f"{name}: {pieces} regions")
    ax1.set_ylabel("y")
    ax2.set_xlabel("y")
    ax2.set_ylabel("y'")
    ax3.set_ylabel("y'")
    # the composition drawn from the shallow nets directly, on top: it must coincide
    x = _samples(lo, hi, edges3)
    ax3.plot(x, compose(x, theta1, phi1, theta2, phi2), color="C1", lw=0.8, ls="--")
    return fig


def plot_sawtooth(depths: Sequence[int], lo: float = -2.0, hi: float = 2.0) -> Figure:
    """One panel per depth L: the sawtooth f_L on [lo, hi], its piece count in the title.

    depths: sequence of ints >= 0. Drawn from `sawtooth_layers`; up to 20,000 pieces are drawn
    through their exact breakpoints, deeper sawtooths on a 4,001-point grid.
    """
    depths = [int(d) for d in depths]
    if not depths:
        raise ValueError("depths must be a non-empty sequence of ints >= 0")
    lo, hi = check_interval(lo, hi)
    ncols = min(len(depths), 3)
    nrows = -(-len(depths) // ncols)
    fig, axes = new_figure(nrows, ncols, panel_size=(3.6, 2.8))
    flat = axes.ravel()
    for ax, depth in zip(flat, depths, strict=False):
        layers = sawtooth_layers(depth)
        edges = linear_piece_edges(layers, lo, hi)
        x = _samples(lo, hi, edges if edges.size <= 20_001 else None, 4001)
        ax.plot(x, mlp(x[:, None], layers)[:, 0], color="k", lw=1)
        ax.set_title(f"depth {depth}: {edges.size - 1} pieces")
        ax.set_xlim(lo, hi)
        ax.set_xlabel("x")
    for ax in flat[len(depths) :]:
        ax.set_visible(False)
    return fig


def plot_interpolants(
    f: Callable[[np.ndarray], np.ndarray] = np.sin,
    lo: float = -np.pi,
    hi: float = np.pi,
    knot_counts: Sequence[int] = (4, 7, 13),
) -> Figure:
    """One panel per knot count K: f on [lo, hi] and the shallow network through K equally
    spaced knots (`reference.shallow.interpolant_net`, K - 1 units), knots marked.

    f: vectorised callable, (N,) -> (N,). The default counts start at 4: for sin on [-pi, pi]
    three knots (-pi, 0, pi) all sit on zeros and give the flat network y = 0.
    """
    lo, hi = check_interval(lo, hi)
    counts = _ints("knot_counts", knot_counts, 2)
    fig, axes = new_figure(1, len(counts), panel_size=(3.8, 3.0))
    for ax, k in zip(axes[0], counts, strict=True):
        knots = np.linspace(lo, hi, k)
        theta, phi = interpolant_net(f, knots)
        x = _samples(lo, hi, knots)
        ax.plot(x, f(x), color="0.6", lw=3, alpha=0.6, label="f")
        ax.plot(x, shallow_net(x, theta, phi), "C3", label="network")
        ax.plot(knots, f(knots), "k.", ms=8, label="knots")
        ax.set_title(f"{k} knots, {theta.shape[0]} hidden units")
        ax.set_xlabel("x")
        ax.set_xlim(lo, hi)
    axes[0, 0].legend(loc="best", fontsize="small")
    return fig


def plot_approximation_error(
    functions: dict[str, Callable[[np.ndarray], np.ndarray]] | None = None,
    lo: float = -np.pi,
    hi: float = np.pi,
    widths: Sequence[int] = (1, 2, 4, 8, 16, 32, 64, 128),
    n: int = 20001,
) -> Figure:
    """Universal approximation as a picture: max |network - f| against the width D, log-log.

    For each named f (default: sin x and exp(x / 2)) and each D in widths, the network is
    the interpolant at D + 1 equally spaced knots of [lo, hi]; its error is measured on n
    uniform points. A dotted guide of slope -2 (the h**2 rate of linear interpolation of a
    smooth function) is drawn through the first curve's last point.
    """
    lo, hi = check_interval(lo, hi)
    if functions is None:
        functions = {"sin x": np.sin, "exp(x / 2)": lambda t: np.exp(t / 2)}
    D = np.array(_ints("widths", widths, 1))
    x = np.linspace(lo, hi, n)
    fig, axes = new_figure(panel_size=(5.0, 3.6))
    ax = axes[0, 0]
    last = None
    for name, f in functions.items():
        errors = []
        for d in D:
            theta, phi = interpolant_net(f, np.linspace(lo, hi, d + 1))
            errors.append(float(np.max(np.abs(shallow_net(x, theta, phi) - f(x)))))
        ax.loglog(D, errors, "o-", label=name)
        last = errors[-1] if last is None else last
    ax.loglog(D, last * (D[-1] / D) ** 2, "k:", label="slope -2 ($1/D^2$)")
    ax.set_xlabel("hidden units D")
    ax.set_ylabel("max |network - f|")
    ax.set_title("error against width")
    ax.legend(loc="best", fontsize="small")
    return fig


def _ints(name: str, values: object, least: int) -> list[int]:
    """values as a non-empty list of ints >= least, or a one-line ValueError naming it."""
    message = f"{name} must be a non-empty sequence of ints >= {least}; got {values!r}"
    try:
        given = list(values)  # type: ignore[call-overload]
        out = [int(v) for v in given]
    except (TypeError, ValueError):
        raise ValueError(message) from None
    if not out or min(out) < least or any(o != v for o, v in zip(out, given, strict=True)):
        raise ValueError(message)
    return out
