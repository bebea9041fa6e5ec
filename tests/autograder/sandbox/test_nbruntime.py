"""The notebook runtime's quiet plotting changes nothing a cell can see or draw.

Each scene is drawn twice in this process: once made inside ``QuietPlots`` (as a plot cell
runs in the sandbox) and rendered after it, once made and rendered with matplotlib as it is.
The two renderings must be the same pixels, and what the cell can ask of its axes (tick
objects, their clip paths and settings) must be the same.
"""

from __future__ import annotations

import io
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[3] / "autograder" / "sandbox"))
import _nbruntime  # noqa: E402


def _plain(fig) -> None:
    ax = fig.subplots()
    xs = np.linspace(-3, 3, 50)
    ax.plot(xs, np.maximum(xs, 0), label="relu")
    ax.set_xlim(-1, 1)  # the line runs past the axes: clipping shows
    ax.grid(True)
    ax.legend()


def _grid_styles(fig) -> None:
    a, b = fig.subplots(1, 2, sharey=True)
    a.tick_params(axis="x", labelsize=5, length=9, colors="red")
    a.grid(True, which="both", linestyle=":")
    a.minorticks_on()
    b.tick_params(reset=True, direction="in")
    b.plot([0, 1, 2], [2, -1, 3])
    b.set_yscale("symlog")
    b.grid(True)
    b.twinx().plot([0, 2], [5, 1], "k--")


def _polar_and_3d(fig) -> None:
    p = fig.add_subplot(1, 2, 1, projection="polar")
    p.plot(np.linspace(0, 6, 30), np.linspace(0, 1, 30))
    p.grid(True)
    s = fig.add_subplot(1, 2, 2, projection="3d")
    g = np.linspace(-1, 1, 12)
    xx, yy = np.meshgrid(g, g)
    s.plot_surface(xx, yy, np.maximum(xx + yy, 0))
    s.view_init(25, -60)


def _asks_for_ticks(fig) -> None:
    ax = fig.subplots()
    ax.plot([0, 10], [0, 1])
    ax.grid(True)
    for label in ax.get_xticklabels():
        label.set_rotation(45)
    ax.xaxis.get_major_ticks()[1].label1.set_color("green")


SCENES = [_plain, _grid_styles, _polar_and_3d, _asks_for_ticks]


def _made(scene, quiet: bool):
    if quiet:
        with _nbruntime.QuietPlots():
            fig = plt.figure(figsize=(4, 3), dpi=50)
            scene(fig)
    else:
        fig = plt.figure(figsize=(4, 3), dpi=50)
        scene(fig)
        plt.close(fig)
    return fig


def _pixels(fig) -> np.ndarray:
    buf = io.BytesIO()
    fig.savefig(buf, format="rgba", dpi=40)
    return np.frombuffer(buf.getvalue(), dtype=np.uint8)


def _ticks(fig) -> list:
    seen = []
    for ax in fig.axes:
        for axis in ax._axis_map.values():  # noqa: SLF001 - every axis of the axes
            for tick in axis.get_major_ticks() + axis.get_minor_ticks():
                clip = tick.gridline.get_clip_path()
                seen.append(
                    (
                        type(tick).__name__,
                        tick.gridline.get_visible(),
                        tick.tick1line.get_markersize(),
                        tick.label1.get_fontsize(),
                        None if clip is None else type(clip).__name__,
                    )
                )
    return seen


@pytest.mark.parametrize("scene", SCENES, ids=lambda s: s.__name__)
def test_a_quiet_cell_draws_the_same_pixels(scene) -> None:
    assert np.array_equal(_pixels(_made(scene, quiet=True)), _pixels(_made(scene, quiet=False)))


@pytest.mark.parametrize("scene", SCENES, ids=lambda s: s.__name__)
def test_a_quiet_cell_sees_the_same_ticks(scene) -> None:
    assert _ticks(_made(scene, quiet=True)) == _ticks(_made(scene, quiet=False))


def test_quiet_plots_leave_matplotlib_as_it_was() -> None:
    axis = matplotlib.axis.Axis
    before = {name: axis.__dict__[name] for name in ("set_tick_params", "set_clip_path")}
    with _nbruntime.QuietPlots():
        assert axis.__dict__["set_clip_path"] is not before["set_clip_path"]
    assert {name: axis.__dict__[name] for name in before} == before


def test_an_error_of_matplotlib_is_raised_in_a_quiet_cell_as_outside() -> None:
    def cell() -> None:
        fig, ax = plt.subplots()
        ax.plot([1, 2], [1, 2, 3])

    with pytest.raises(ValueError) as outside:
        cell()
    with pytest.raises(ValueError) as quiet, _nbruntime.QuietPlots():
        cell()
    assert str(quiet.value) == str(outside.value)


# Two notebooks whose plot cells cover the kinds of axes the course draws (line plots, shaded
# spans, 3-D surfaces, filled regions; the scenes above add twin, polar and styled axes).
SOLUTIONS = [
    Path(__file__).resolve().parents[3] / "solutions" / f"{name}.ipynb"
    for name in ("composition", "surfaces")
]


def _notebook_pictures(path: Path, lazy_ticks: bool) -> list[np.ndarray]:
    """Run a solution notebook's cells in order in a namespace of its own, each inside
    QuietPlots (whose layout skipping both runs share); every figure a cell leaves, rendered
    after the cell."""
    import json

    np.random.seed(0)  # noqa: NPY002 - a notebook may draw from the global generator
    ns: dict = {"__name__": "__main__"}
    pictures = []
    for _, source in _nbruntime.cells(json.loads(path.read_text())):
        code = compile(source, str(path), "exec")
        plt.close("all")
        with _nbruntime.QuietPlots(lazy_ticks=lazy_ticks):
            exec(code, ns)  # noqa: S102 - the project's own notebook
            figures = [plt.figure(n) for n in plt.get_fignums()]
        plt.close("all")
        pictures += [_pixels(fig) for fig in figures]
    return pictures


@pytest.mark.parametrize("path", SOLUTIONS, ids=lambda p: p.stem)
def test_the_notebooks_plot_cells_draw_the_same_pixels_with_lazy_ticks(path, capsys) -> None:
    quiet, plain = _notebook_pictures(path, True), _notebook_pictures(path, False)
    assert len(quiet) == len(plain) > 0
    for number, (a, b) in enumerate(zip(quiet, plain, strict=True)):
        assert np.array_equal(a, b), f"figure {number} of {path.name} differs"
