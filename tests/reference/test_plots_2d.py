"""Tests for reference.plots2d: figures are built headless, show the right things, and render."""

from __future__ import annotations

import io
import subprocess
import sys

import numpy as np
import pytest
from exact_oracle import oracle_regions
from matplotlib.collections import PolyCollection
from matplotlib.figure import Figure

from reference.features import add_radius_feature, fit_logistic_regression, make_rings
from reference.plots2d import (
    plot_losses,
    plot_neuron_surfaces,
    plot_region_map,
    plot_rings,
    region_colour_indices,
    region_ids,
)
from reference.surfaces import activation_patterns, count_regions_grid


def renders(fig: Figure) -> bool:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=40)
    return buf.getvalue()[:8] == b"\x89PNG\r\n\x1a\n"


def net(seed=0, widths=(3, 2)):
    rng = np.random.default_rng(seed)
    layers, d = [], 2
    for w in widths:
        layers.append((rng.normal(size=(w, d)), rng.normal(size=w)))
        d = w
    layers.append((rng.normal(size=(1, d)), np.zeros(1)))
    return layers


def test_import_does_not_load_matplotlib():
    code = "import sys, reference.plots2d; print('matplotlib' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def drawn_polygons(ax) -> tuple[list[np.ndarray], np.ndarray]:
    """The polygons of the Axes' one PolyCollection (closing vertex dropped), and their colours."""
    (cells,) = [c for c in ax.collections if isinstance(c, PolyCollection)]
    polys = []
    for path in cells.get_paths():
        v = np.asarray(path.vertices)
        polys.append(v[:-1] if len(v) > 1 and np.allclose(v[0], v[-1]) else v)
    return polys, cells.get_facecolors()


def inside(poly: np.ndarray, p: np.ndarray) -> bool:
    """p strictly inside a convex polygon (either orientation)."""
    d = np.roll(poly, -1, axis=0) - poly
    r = p - poly
    cross = d[:, 0] * r[:, 1] - d[:, 1] * r[:, 0]
    return bool(np.all(cross > 0) or np.all(cross < 0))


def area(poly: np.ndarray) -> float:
    x, y = poly[:, 0], poly[:, 1]
    return 0.5 * abs(float(np.dot(x, np.roll(y, -1)) - np.dot(y, np.roll(x, -1))))


def probed_neighbours(polys, box) -> set[tuple[int, int]]:
    """Pairs of polygons found just across the midpoint of some edge (no shared code)."""
    pairs = set()
    for r, poly in enumerate(polys):
        centre = poly.mean(axis=0)
        for p, q in zip(poly, np.roll(poly, -1, axis=0), strict=True):
            length = np.hypot(*(q - p))
            if length < 1e-6:
                continue
            m = (p + q) / 2
            n = np.array([q[1] - p[1], p[0] - q[0]]) / length
            if n @ (m - centre) < 0:
                n = -n  # point away from the polygon
            probe = m + 1e-7 * n
            if not (box[0] < probe[0] < box[1] and box[2] < probe[1] < box[3]):
                continue
            pairs.update((min(r, s), max(r, s)) for s, o in enumerate(polys) if inside(o, probe))
    return pairs


@pytest.mark.parametrize("seed, widths", [(1, (4, 3)), (3, (9,)), (5, (5, 5))])
def test_region_map_draws_the_exact_regions_with_distinct_neighbours(seed, widths):
    layers = net(seed, widths)
    box = (-2.0, 2.0, -2.0, 2.0)
    fig = plot_region_map(layers, box, resolution=120)
    assert isinstance(fig, Figure) and renders(fig)
    ax = fig.axes[0]
    assert not ax.images, "regions are polygons, not a staircased image"
    polys, colours = drawn_polygons(ax)
    exact = oracle_regions(layers, box)
    assert len(polys) == exact
    assert sum(area(p) for p in polys) == pytest.approx(16.0, rel=1e-9)
    # one region per pattern: the patterns at the polygons' centroids are all different
    centres = np.array([p.mean(axis=0) for p in polys])
    assert len(np.unique(activation_patterns(centres, layers), axis=0)) == exact
    assert ax.get_title() == (
        f"{exact} regions (exact); {count_regions_grid(layers, box, 120)} patterns on a "
        "120x120 grid"
    )
    pairs = probed_neighbours(polys, box)
    assert len(pairs) >= exact - 1  # the regions tile the box: it is connected
    for r, s in pairs:
        assert not np.allclose(colours[r], colours[s]), (r, s)
    if exact <= 20:
        assert len(np.unique(colours, axis=0)) == exact, "few regions: every colour differs"


def test_region_colours_many_lines_and_more_regions_than_colours():
    # 12 lines through a small box: up to 79 regions, far more than 20 colours
    rng = np.random.default_rng(4)
    W = rng.normal(size=(12, 2))
    layers = [
        (W, -(W * rng.uniform(-0.5, 0.5, size=(12, 2))).sum(axis=1)),
        (np.ones((1, 12)), [0.0]),
    ]
    box = (-1.0, 1.0, -1.0, 1.0)
    fig = plot_region_map(layers, box, resolution=50)
    polys, colours = drawn_polygons(fig.axes[0])
    assert len(polys) == oracle_regions(layers, box) > 40
    for r, s in probed_neighbours(polys, box):
        assert not np.allclose(colours[r], colours[s]), (r, s)
    index = region_colour_indices(polys)
    assert index.max() < 20, "a line arrangement needs only a few colours"
    assert len(set(index.tolist())) == 20, "all 20 colours are used before any repeats"


def test_region_map_orientation_rows_are_y():
    # One unit switching at y = 5 on the box x in (-1, 1), y in (0, 10).
    layers = [(np.array([[0.0, 1.0]]), np.array([-5.0])), (np.ones((1, 1)), np.zeros(1))]
    ids = region_ids(layers, (-1.0, 1.0, 0.0, 10.0), 21)
    assert np.all(ids[:10] == ids[0, 0]) and np.all(ids[11:] == ids[-1, 0])
    assert ids[0, 0] != ids[-1, 0]


def test_region_map_into_given_axes():
    fig = Figure()
    ax = fig.add_subplot(1, 2, 2)
    assert plot_region_map(net(), (-1, 1, -1, 1), resolution=30, ax=ax) is fig
    assert len(drawn_polygons(ax)[0]) == oracle_regions(net(), (-1, 1, -1, 1))


def test_neuron_surfaces_pre_and_post_panels():
    layers = net(2, (3, 2))
    box = (-2.0, 2.0, -2.0, 2.0)
    fig = plot_neuron_surfaces(layers, box, resolution=40)
    titled = [ax for ax in fig.axes if ax.get_title().startswith("layer")]
    names = [
        f"layer {l}, neuron {k}: {v}"
        for l, n in ((1, 3), (2, 2))
        for v in ("pre-activation", "after ReLU")
        for k in range(1, n + 1)
    ]
    assert [ax.get_title() for ax in titled] == names
    assert all(ax.get_xlabel() == "$x_1$" and ax.get_ylabel() == "$x_2$" for ax in titled)
    # the pre-activation of layer 1, neuron 2 is W[1] . x + b[1] on the grid
    W, b = layers[0]
    g = np.linspace(-2.0, 2.0, 40)
    x1, x2 = np.meshgrid(g, g)
    mesh = titled[1].collections[0]
    z = W[1, 0] * x1 + W[1, 1] * x2 + b[1]
    np.testing.assert_allclose(np.asarray(mesh.get_array()).reshape(40, 40), z, atol=1e-12)
    post = titled[4].collections[0]
    np.testing.assert_allclose(np.asarray(post.get_array()).reshape(40, 40), np.maximum(z, 0))
    # the neuron's boundary is drawn in solid black, on both of its panels
    for ax in (titled[1], titled[4]):
        (contour,) = [c for c in ax.collections if hasattr(c, "levels")]
        assert list(contour.levels) == [0.0]
    # from layer 2 on, the first layer's three lines are drawn dashed
    assert len([ln for ln in titled[6].lines if ln.get_linestyle() == "--"]) == 3
    assert renders(fig)
    only_post = plot_neuron_surfaces(layers, box, resolution=20, pre_activation=False)
    assert len([ax for ax in only_post.axes if ax.get_title().startswith("layer")]) == 5


def test_rings_plain_and_lifted():
    X, y = make_rings(40, seed=0)
    fig = plot_rings(X, y)
    assert len(fig.axes) == 1 and renders(fig)
    w, b = fit_logistic_regression(add_radius_feature(X), y, 0.1, 500)
    fig = plot_rings(X, y, w, b, lifted=True)
    assert len(fig.axes) == 2 and renders(fig)
    # The lifted panel's boundary is the line where w1 x1 + w2 x2 + w3 r2 + b = 0.
    (line,) = fig.axes[1].get_lines()
    hx, r2 = line.get_data()
    np.testing.assert_allclose(np.asarray(hx) + w[2] * np.asarray(r2) + b, 0.0, atol=1e-9)
    fig = plot_rings(X, y, np.array([1.0, 0.0]), 0.0)
    assert len(fig.axes) == 1 and renders(fig)


@pytest.mark.parametrize(
    "kwargs, needle",
    [({"w": np.zeros(4), "b": 0.0}, "w must"), ({"w": np.zeros(2)}, "together")],
)
def test_rings_bad_arguments(kwargs, needle):
    X, y = make_rings(5, seed=0)
    with pytest.raises(ValueError, match=needle):
        plot_rings(X, y, **kwargs)


def test_losses():
    fig = plot_losses([4.0, 2.0, 1.0, 0.5])
    ax = fig.axes[0]
    assert ax.get_yscale() == "log"
    np.testing.assert_array_equal(ax.get_lines()[0].get_ydata(), [4.0, 2.0, 1.0, 0.5])
    assert renders(fig)
    assert plot_losses([1.0, 0.0]).axes[0].get_yscale() == "linear"
