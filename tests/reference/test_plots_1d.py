"""Tests for the 1-D plotting helpers of reference.plots (headless, no pyplot)."""

from __future__ import annotations

import io
import subprocess
import sys

import numpy as np
import pytest
from matplotlib.collections import PolyCollection
from matplotlib.figure import Figure

from reference.composition import compose
from reference.depth import sawtooth
from reference.plots import (
    new_figure,
    plot_approximation_error,
    plot_composition,
    plot_function_1d,
    plot_interpolants,
    plot_network_1d,
    plot_sawtooth,
    plot_shallow_panels,
    shade_regions,
)
from reference.shallow import shallow_net


def renders(fig: Figure) -> bool:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=40)
    return buf.getvalue().startswith(b"\x89PNG")


def strips(ax) -> int:
    return sum(len(c.get_paths()) for c in ax.collections if isinstance(c, PolyCollection))


def strip_colours(ax) -> np.ndarray:
    (cells,) = [c for c in ax.collections if isinstance(c, PolyCollection)]
    return cells.get_facecolors()


def test_importing_plots_loads_neither_matplotlib_nor_pyplot():
    code = (
        "import sys, numpy as np, reference.plots as p\n"
        "assert 'matplotlib' not in sys.modules\n"
        "p.plot_sawtooth([1, 2]); p.plot_shallow_panels(np.ones((2, 2)), np.ones(3), -1, 1)\n"
        "assert 'matplotlib.pyplot' not in sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_plot_function_1d_marks_kinks_on_the_curve():
    x = np.array([1.0, -1.0, 0.0, 2.0])  # unsorted on purpose
    y = np.abs(x)
    fig = plot_function_1d(x, y, kinks=np.array([0.0, 5.0]), label="|x|", title="abs")
    ax = fig.axes[0]
    curve, dots = ax.lines[0], ax.lines[-1]
    np.testing.assert_array_equal(curve.get_xdata(), [-1, 0, 1, 2])
    np.testing.assert_array_equal(curve.get_ydata(), [1, 0, 1, 2])
    # the kink outside the range of x is skipped; the one inside sits on the curve
    np.testing.assert_array_equal(dots.get_xdata(), [0.0])
    np.testing.assert_array_equal(dots.get_ydata(), [0.0])
    assert ax.get_title() == "abs"
    assert renders(fig)


def test_plot_function_1d_draws_into_a_given_axes():
    fig, axes = new_figure(1, 2)
    out = plot_function_1d(np.arange(3.0), np.arange(3.0), ax=axes[0, 1])
    assert out is fig and len(axes[0, 1].lines) == 1 and len(axes[0, 0].lines) == 0


def test_plot_function_1d_rejects_mismatched_shapes():
    with pytest.raises(ValueError, match="y"):
        plot_function_1d(np.zeros(3), np.zeros(4))


def test_plot_shallow_panels():
    theta = np.array([[0.5, 1.0], [-0.2, -1.0], [1.0, 0.0]])
    phi = np.array([0.1, 2.0, -1.0, 0.5])
    fig = plot_shallow_panels(theta, phi, -2, 2)
    ax_h, ax_w, ax_y = fig.axes
    output = ax_y.lines[-1]
    x = np.asarray(output.get_xdata())
    assert x[0] == -2 and x[-1] == 2
    np.testing.assert_allclose(output.get_ydata(), shallow_net(x, theta, phi))
    # both kinks (-0.5 and -0.2) are among the samples, so the drawn corners are exact
    assert {-0.5, -0.2} <= set(x.tolist())
    np.testing.assert_allclose(ax_w.lines[0].get_ydata(), 2.0 * np.maximum(0.5 + x, 0))
    assert len(ax_h.lines) == 3
    assert "3 linear regions" in ax_y.get_title()
    assert renders(fig)


def test_plot_composition_three_by_three():
    # network 1 zigzags over [-1, 1] three times, network 2 has three regions on [-1, 1];
    # network 1's knots are binary fractions, so the range it reaches is exactly [-1, 1] (with
    # knots at +-1/3 rounded to float64 it reaches 2e-16 below -1, past network 2's kink)
    theta1 = np.array([[1.0, 1.0], [0.5, 1.0], [-0.5, 1.0]])
    phi1 = np.array([-1.0, 4.0, -6.0, 6.0])
    theta2 = np.array([[1.0, 1.0], [0.2, 1.0], [-0.5, 1.0]])
    phi2 = np.array([0.0, 1.25, -(1.25 + 1.0), 1.0 + 1.0])
    fig = plot_composition(theta1, phi1, theta2, phi2, -1, 1)
    ax1, ax2, ax3 = fig.axes
    assert ax1.get_title() == "network 1: 3 regions"
    assert ax2.get_title() == "network 2: 3 regions"
    assert ax3.get_title() == "composition: 9 regions"
    assert (strips(ax2), strips(ax3)) == (3, 9)
    assert len(ax1.patches) == 3  # network 2's pieces as bands of y
    # each region of the composition is shaded like the piece of network 2 that it reuses:
    # network 2's kinks are at y = -1, -0.2, 0.5 (theta2), so its pieces on [-1, 1] are
    # (-1, -0.2), (-0.2, 0.5), (0.5, 1)
    piece_colours = [tuple(c) for c in strip_colours(ax2)]
    assert len(set(piece_colours)) == 3
    bands = [tuple(p.get_facecolor()) for p in ax1.patches]
    assert [b[:3] for b in bands] == [c[:3] for c in piece_colours]
    composition = strip_colours(ax3)
    (cells,) = [c for c in ax3.collections if isinstance(c, PolyCollection)]
    for colour, path in zip(composition, cells.get_paths(), strict=True):
        x_mid = np.mean(path.vertices[:, 0])
        y = shallow_net(np.array([x_mid]), theta1, phi1)[0]
        piece = int(np.searchsorted([-0.2, 0.5], y))
        assert tuple(colour) == piece_colours[piece], (x_mid, y)
    # network 1 zig-zags three times, visiting pieces 1, 2, 3 then 3, 2, 1 then 1, 2, 3
    order = [piece_colours.index(tuple(c)) for c in composition]
    assert order == [0, 1, 2, 2, 1, 0, 0, 1, 2]
    # network 2 is drawn over the range of y that network 1 reaches: [-1, 1]
    np.testing.assert_allclose(ax2.get_xlim(), (-1, 1))
    dashed = ax3.lines[-1]
    np.testing.assert_allclose(
        dashed.get_ydata(), compose(np.asarray(dashed.get_xdata()), theta1, phi1, theta2, phi2)
    )
    assert renders(fig)


def test_plot_sawtooth_titles_and_curves():
    fig = plot_sawtooth([0, 1, 3, 4])
    visible = [ax for ax in fig.axes if ax.get_visible()]
    assert [ax.get_title() for ax in visible] == [
        "depth 0: 1 pieces",
        "depth 1: 2 pieces",
        "depth 3: 8 pieces",
        "depth 4: 16 pieces",
    ]
    assert len(fig.axes) == 6 and len(visible) == 4
    line = visible[2].lines[0]
    np.testing.assert_allclose(line.get_ydata(), sawtooth(np.asarray(line.get_xdata()), 3))
    assert renders(fig)


def test_plot_sawtooth_on_minus_one_one():
    fig = plot_sawtooth([3], lo=-1, hi=1)
    assert fig.axes[0].get_title() == "depth 3: 4 pieces"


def test_plot_network_1d_and_shade_regions():
    layers = [(np.array([[1.0], [-1.0]]), np.array([0.0, 0.5])), (np.ones((1, 2)), np.zeros(1))]
    fig = plot_network_1d(layers, -1, 1, shade=True)
    ax = fig.axes[0]
    assert ax.get_title() == "3 linear pieces" and strips(ax) == 3
    fig2, axes = new_figure()
    shade_regions(axes[0, 0], np.array([0.0, 1.0, 3.0]))
    assert strips(axes[0, 0]) == 2


def test_plot_interpolants_follow_sin_and_are_never_flat():
    fig = plot_interpolants()
    for ax, k in zip(fig.axes, (4, 7, 13), strict=True):
        curve, network, knots = ax.lines
        xk, yk = (np.asarray(a) for a in knots.get_data())
        np.testing.assert_allclose(xk, np.linspace(-np.pi, np.pi, k))
        # not every knot on a zero of sin: the network is not the flat line y = 0
        assert np.max(np.abs(np.sin(xk))) > 0.8
        x, y = (np.asarray(a) for a in network.get_data())
        np.testing.assert_allclose(y, np.interp(x, xk, np.sin(xk)), atol=1e-12)
        assert ax.get_title() == f"{k} knots, {k - 1} hidden units"
    assert renders(fig)


def test_plot_approximation_error_falls_like_one_over_width_squared():
    widths = (2, 4, 8, 16, 32, 64)
    fig = plot_approximation_error({"sin": np.sin}, widths=widths, n=4001)
    ax = fig.axes[0]
    D, err = (np.asarray(a) for a in ax.lines[0].get_data())
    np.testing.assert_array_equal(D, widths)
    x = np.linspace(-np.pi, np.pi, 4001)
    for d, e in zip(widths, err, strict=True):
        knots = np.linspace(-np.pi, np.pi, d + 1)
        assert e == pytest.approx(np.max(np.abs(np.interp(x, knots, np.sin(knots)) - np.sin(x))))
    # linear interpolation of a smooth function: error ~ h^2 max|f''| / 8, so ratio ~ 4
    ratios = err[2:-1] / err[3:]
    assert np.all((3.5 < ratios) & (ratios < 4.5)), ratios
    assert ax.get_xscale() == "log" and ax.get_yscale() == "log"
    assert renders(fig)
