"""The surfaces notebook's explorer: drive its sliders and check what it draws.

The solution notebook's code cells run in this process (headless, Agg), all but the plot cells
before the explorer. Then the sliders' values are set as a student would set them, and the
picture the callback draws is checked against independent facts: the neuron's formula, the
reference's exact region counter (a different implementation from the notebook's helper), the
area of the box, and neighbouring regions' colours found by probing points on both sides of
every drawn edge.
"""

from __future__ import annotations

import sys
from pathlib import Path

import matplotlib
import numpy as np
import pytest
from matplotlib.collections import PolyCollection

from reference.surfaces import activation_patterns, count_regions_exact, count_regions_grid

nbformat = pytest.importorskip("nbformat")

matplotlib.use("Agg")

ROOT = Path(__file__).resolve().parents[2]
BOX = (-2.0, 2.0, -2.0, 2.0)


def notebook_namespace(with_widgets: bool = True) -> dict:
    """Run the solution notebook's given, answer and check cells and its explorer cell."""
    import matplotlib.pyplot as plt

    nb = nbformat.read(ROOT / "solutions" / "surfaces.ipynb", as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    explorer = next(c for c in code if "def surfaces_explorer" in c.source)
    namespace: dict = {"__name__": "surfaces_notebook"}
    saved = sys.modules.get("ipywidgets", ...)
    if not with_widgets:
        sys.modules["ipywidgets"] = None  # makes "import ipywidgets" raise ImportError
    try:
        for cell in code:
            if cell.metadata["relulab"]["role"] == "plot" and cell is not explorer:
                continue
            exec(compile(cell.source, "surfaces.ipynb", "exec"), namespace)
    finally:
        if saved is ...:
            sys.modules.pop("ipywidgets", None)
        else:
            sys.modules["ipywidgets"] = saved
        plt.close("all")
    return namespace


def inside(poly: np.ndarray, p: np.ndarray) -> bool:
    """p strictly inside the convex counter-clockwise polygon."""
    d = np.roll(poly, -1, axis=0) - poly
    r = p - poly
    return bool(np.all(d[:, 0] * r[:, 1] - d[:, 1] * r[:, 0] > 0))


def area(poly: np.ndarray) -> float:
    x, y = poly[:, 0], poly[:, 1]
    return 0.5 * float(np.dot(x, np.roll(y, -1)) - np.dot(y, np.roll(x, -1)))


def neighbour_pairs(polys: list[np.ndarray]) -> set[tuple[int, int]]:
    """Pairs of polygons found on the two sides of some edge's midpoint."""
    pairs = set()
    for r, poly in enumerate(polys):
        for p, q in zip(poly, np.roll(poly, -1, axis=0), strict=True):
            length = np.hypot(*(q - p))
            if length < 1e-6:
                continue
            m, n = (p + q) / 2, np.array([q[1] - p[1], p[0] - q[0]]) / length  # outward
            out = m + 1e-7 * n
            if not (BOX[0] < out[0] < BOX[1] and BOX[2] < out[1] < BOX[3]):
                continue
            hits = [s for s, other in enumerate(polys) if s != r and inside(other, out)]
            pairs.update((min(r, s), max(r, s)) for s in hits)
    return pairs


def check_picture(state: dict, w: tuple[float, float, float]) -> None:
    fig = state["figure"]
    ax_pre, ax_post, ax_map = fig.axes[:3]
    n = ax_pre.images[0].get_array().shape[0]
    g = np.linspace(BOX[0], BOX[1], n)
    x1, x2 = np.meshgrid(g, g)
    z = w[0] * x1 + w[1] * x2 + w[2]
    np.testing.assert_allclose(ax_pre.images[0].get_array(), z, atol=1e-12)
    np.testing.assert_allclose(ax_post.images[0].get_array(), np.maximum(z, 0), atol=1e-12)
    for ax in (ax_pre, ax_post):
        if w[0] == 0 and w[1] == 0:
            assert not ax.lines
        for line in ax.lines:  # the neuron's line is where its pre-activation is zero
            xs, ys = line.get_data()
            np.testing.assert_allclose(
                w[0] * np.asarray(xs) + w[1] * np.asarray(ys) + w[2], 0, atol=1e-9
            )
    net = state["net"]
    np.testing.assert_array_equal(net[0][0][0], w[:2])
    exact = count_regions_exact(net, BOX)
    (regions,) = [c for c in ax_map.collections if isinstance(c, PolyCollection)]
    polys = [
        np.asarray(p.vertices)[:-1]
        if np.allclose(p.vertices[0], p.vertices[-1])
        else np.asarray(p.vertices)
        for p in regions.get_paths()
    ]
    assert len(polys) == exact == state["regions"]
    assert sum(area(p) for p in polys) == pytest.approx(16.0, rel=1e-12)
    assert f"{exact} regions (exact)" in ax_map.get_title()
    assert f"{count_regions_grid(net, BOX, 200)} on a 200² grid" in ax_map.get_title()
    colours = regions.get_facecolors()
    pairs = neighbour_pairs(polys)
    assert pairs, "a network with lines through the box has neighbouring regions"
    for r, s in pairs:
        assert not np.allclose(colours[r], colours[s]), (r, s)


@pytest.fixture(scope="module")
def namespace():
    return notebook_namespace()


@pytest.fixture(scope="module")
def explorer(namespace):
    pytest.importorskip("ipywidgets")
    return namespace["explorer"], namespace["explorer_state"]


def line_net(W, b):
    return [
        (np.array(W, dtype=float), np.array(b, dtype=float)),
        (np.ones((1, len(b))), np.zeros(1)),
    ]


NETS = {
    "random 2-4-3-1": [
        (
            np.array([[0.9, -0.4], [0.3, 1.1], [-1.2, 0.5], [0.7, 0.7]]),
            np.array([0.1, -0.3, 0.2, 0.0]),
        ),
        (
            np.array([[1.0, -0.5, 0.8, -1.1], [-0.7, 1.2, 0.4, 0.6], [0.5, 0.5, -1.0, 0.9]]),
            np.array([0.2, -0.1, 0.05]),
        ),
        (np.ones((1, 3)), np.zeros(1)),
    ],
    # three lines through one point: 6 regions, not the 7 of general position
    "concurrent": line_net([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]], [0.0, 0.0, 0.0]),
    # a unit repeated, and one scaled by 3: one line, 2 regions
    "repeated": line_net([[1.0, -2.0], [1.0, -2.0], [3.0, -6.0]], [0.5, 0.5, 1.5]),
    # a unit that is never on, and one whose line misses the box
    "dead and outside": line_net([[0.0, 0.0], [1.0, 0.0], [0.0, 1.0]], [-1.0, 5.0, 0.25]),
    # thin sliver: two nearly parallel lines meeting inside the box
    "sliver": line_net([[1.0, 1e-9], [1.0, -1e-9]], [0.0, 0.0]),
}


@pytest.mark.parametrize("name", sorted(NETS))
def test_the_notebooks_region_polygons_are_exact(namespace, name):
    layers = NETS[name]
    polygons, patterns = namespace["region_polygons"](layers, BOX)
    assert len(polygons) == count_regions_exact(layers, BOX)
    assert len(polygons) == {"concurrent": 6, "repeated": 2, "dead and outside": 2}.get(
        name, len(polygons)
    )
    assert sum(area(p) for p in polygons) == pytest.approx(16.0, rel=1e-12)
    assert all(area(p) > 0 for p in polygons)
    units = sum(W.shape[0] for W, _ in layers[:-1])
    assert patterns.shape == (len(polygons), units)
    # each polygon's pattern is the pattern at its centroid
    centres = np.array([p.mean(axis=0) for p in polygons])
    if name != "sliver":  # the sliver's centroids sit within float rounding of its lines
        np.testing.assert_array_equal(activation_patterns(centres, layers), patterns)


def sliders(widget) -> dict:
    return {s.description: s for s in widget.children[0].children}


def test_the_first_picture_is_the_notebook_network(explorer):
    widget, state = explorer
    s = sliders(widget)
    assert sorted(s) == ["b", "w1", "w2"]
    check_picture(state, (s["w1"].value, s["w2"].value, s["b"].value))
    assert state["regions"] == 20  # layers_demo of the notebook, drawn earlier in it


@pytest.mark.parametrize(
    "w", [(0.5, -1.0, 0.3), (-1.5, 0.25, -0.75), (2.0, 0.8, 0.4), (0.0, 1.0, 1.95)]
)
def test_moving_the_sliders_redraws_the_neuron_and_the_regions(explorer, w):
    widget, state = explorer
    s = sliders(widget)
    for name, value in zip(("w1", "w2", "b"), w, strict=True):
        s[name].value = value
    check_picture(state, w)


def test_a_dead_neuron_draws_no_line_and_loses_its_regions(explorer):
    widget, state = explorer
    s = sliders(widget)
    s["w1"].value, s["w2"].value, s["b"].value = 0.0, 0.0, -1.0
    check_picture(state, (0.0, 0.0, -1.0))
    off = state["net"]
    assert np.all(off[0][0][0] == 0) and off[0][1][0] == -1.0
    assert state["regions"] < 20


def test_without_ipywidgets_a_static_picture(capsys):
    import matplotlib.pyplot as plt

    shown = []
    original = plt.show
    plt.show = lambda *a, **k: shown.append(plt.gcf())
    try:
        namespace = notebook_namespace(with_widgets=False)
    finally:
        plt.show = original
    assert "explorer_state" not in namespace
    assert "ipywidgets is not installed" in capsys.readouterr().out
    (fig,) = shown
    assert len(fig.axes) == 3 and "regions (exact)" in fig.axes[2].get_title()
