"""The capacity notebook's explorer: drive its real ipywidgets and check what the callback draws.

The solution notebook's given and answer cells run in this process (as a kernel would run them),
then the explorer's plot cell; every figure the cell shows is recorded instead of displayed.
Moving the sliders must redraw the random network of that depth and seed, titled with its exact
piece count and the bound; without ipywidgets the cell draws a static row of depths instead.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

nbformat = pytest.importorskip("nbformat")
widgets = pytest.importorskip("ipywidgets")

from reference.capacity import depth_widths, pieces_upper_bound, random_layers  # noqa: E402
from reference.depth import count_linear_pieces, mlp  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def notebook() -> tuple[dict, str]:
    """The namespace after the solution's given and answer cells, and the explorer's source."""
    import matplotlib

    matplotlib.use("Agg")
    nb = nbformat.read(ROOT / "solutions" / "capacity.ipynb", as_version=4)
    namespace: dict = {"__name__": "capacity_notebook"}
    explorer = None
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        role = cell.metadata["relulab"]["role"]
        if role in ("given", "answer"):
            exec(compile(cell.source, "capacity", "exec"), namespace)  # noqa: S102 - our notebook
        if role == "plot" and "interact(" in cell.source:
            explorer = cell.source
    assert explorer is not None, "the capacity notebook has no interactive explorer"
    return namespace, explorer


@pytest.fixture
def shown(notebook, monkeypatch):
    """(a copy of the namespace, the explorer's source, the figures plt.show was asked to show)."""
    import matplotlib.pyplot as plt

    drawn: list[tuple[str, np.ndarray, np.ndarray]] = []

    def record(*args, **kwargs):
        for num in plt.get_fignums():
            ax = plt.figure(num).axes[0]
            line = ax.get_lines()[0]
            drawn.append((ax.get_title(), line.get_xdata(), line.get_ydata()))
        plt.close("all")

    monkeypatch.setattr(plt, "show", record)
    namespace, explorer = notebook
    return dict(namespace), explorer, drawn


def _expected(depth: int, seed: int) -> tuple[str, np.ndarray]:
    widths = depth_widths(24, depth)
    layers = random_layers(widths, seed)
    pieces = count_linear_pieces(layers, -1.0, 1.0)
    title = (
        f"depth {depth}, widths {widths[1]}, seed {seed}: {pieces} pieces "
        f"(at most {pieces_upper_bound(widths)})"
    )
    x = np.linspace(-1.0, 1.0, 1001)
    return title, mlp(x[:, None], layers)[:, 0]


def test_sliders_redraw_the_chosen_network(shown, capsys):
    namespace, explorer, drawn = shown
    exec(compile(explorer, "explorer", "exec"), namespace)  # noqa: S102 - our notebook
    callback = namespace["show_random_net"]
    controls = {c.description: c for c in callback.widget.children if hasattr(c, "description")}
    assert set(controls) >= {"depth", "seed"}
    assert list(controls["depth"].options) == [1, 2, 3, 4, 6, 8, 12]
    # the first draw (before the widget) and interact's own first call: depth 3, seed 0
    assert [d[0] for d in drawn] == [_expected(3, 0)[0]] * 2
    for depth, seed in ((12, 0), (12, 7), (1, 7), (6, 20)):
        drawn.clear()
        controls["depth"].value = depth
        controls["seed"].value = seed
        title, y = _expected(depth, seed)
        assert drawn, f"moving the sliders to depth {depth}, seed {seed} drew nothing"
        got_title, x, got_y = drawn[-1]
        assert got_title == title
        np.testing.assert_allclose(x, np.linspace(-1.0, 1.0, 1001))
        np.testing.assert_allclose(got_y, y, rtol=1e-9, atol=1e-12)
    assert "FAIL" not in capsys.readouterr().out


def test_without_ipywidgets_a_static_row_is_drawn(shown, monkeypatch):
    namespace, explorer, drawn = shown
    monkeypatch.setitem(sys.modules, "ipywidgets", None)  # import ipywidgets -> ImportError
    exec(compile(explorer, "explorer", "exec"), namespace)  # noqa: S102 - our notebook
    assert [d[0] for d in drawn] == [_expected(d, 0)[0] for d in (3, 1, 4, 12)]
