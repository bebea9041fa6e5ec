"""matplotlib's stand-ins for plot cells change nothing a grade or a cell can see.

The independent fact everywhere is matplotlib itself:

- a notebook run on the stand-ins raises, prints and leaves open the same as on matplotlib
  under QuietPlots (the way plot cells ran before), wherever the figures are read back;
- every call a stand-in vouches for, matplotlib makes without an error or a warning, and
  returns a result of the same structure (random arguments, most of them refused);
- the format strings, colours and names it accepts are matplotlib's own reading of them.
"""

from __future__ import annotations

import itertools
import json
import random
import subprocess
import sys
import warnings
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.colors as mcolors  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import nbformat  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.axes import _base as axes_base  # noqa: E402

from autograder.course import load_course  # noqa: E402
from autograder.sandbox._launch import plots_need_matplotlib  # noqa: E402

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT / "autograder" / "sandbox"))
import _figureless as fl  # noqa: E402
import _nbruntime  # noqa: E402

PROBE = Path(__file__).with_name("figureless_probe.py")


def probe(path: Path, graded: str, mode: str, preload: bool = False, read_at: str = "") -> dict:
    out = subprocess.run(
        [sys.executable, str(PROBE), str(path), graded, mode, "1" if preload else "0", read_at],
        capture_output=True, text=True, check=True, cwd=ROOT, timeout=120,
    ).stdout  # fmt: skip
    return json.loads(out)


def same_as_matplotlib(path: Path, graded: str, preload: bool, read_at: str) -> dict:
    """The stand-in run's report, after checking it against the run on matplotlib."""
    new = probe(path, graded, "standin", preload, read_at)
    old = probe(path, graded, "quiet", preload, read_at)
    assert new["replay_errors"] == []
    for key in ("cells", "printed", "figures"):
        assert new[key] == old[key], key
    return new


def graded_names(assignment: str) -> str:
    return ",".join(f for q in load_course().assignment(assignment).questions for f in q.functions)


def notebook(tmp_path: Path, *cells: str) -> Path:
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(src) for src in cells]
    path = tmp_path / "nb.ipynb"
    path.write_text(nbformat.writes(nb))
    return path


@pytest.fixture(scope="module")
def filled_composition(tmp_path_factory) -> Path:
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from bench_grading import notebook_submission

    path = tmp_path_factory.mktemp("nb") / "composition.ipynb"
    path.write_bytes(notebook_submission())
    return path


# --- whole notebooks ----------------------------------------------------------------------


@pytest.mark.parametrize("preload", [False, True], ids=["alone", "preloaded"])
@pytest.mark.parametrize("read_at", ["12", "15", "23", "all", ""])
def test_the_filled_composition_notebook_is_what_matplotlib_makes(
    filled_composition, preload, read_at
):
    # Read back at the end of one plot cell (the stand-ins go real there, with what earlier
    # cells recorded replayed) or never: the same errors, output and figures as matplotlib.
    report = same_as_matplotlib(filled_composition, graded_names("composition"), preload, read_at)
    if not read_at and not preload:
        assert report["matplotlib"] is False  # every plot cell ran on the stand-ins
        assert not plots_need_matplotlib(str(filled_composition))


@pytest.mark.parametrize("assignment", sorted(a.name for a in load_course().assignments))
def test_each_solution_notebook_is_what_matplotlib_makes(assignment):
    # These plot with calls the stand-ins do not model (contours, 3-D, log axes...): they go
    # real in the middle of a cell, after what they recorded is replayed.
    path = ROOT / "solutions" / f"{assignment}.ipynb"
    same_as_matplotlib(path, graded_names(assignment), False, "all")
    report = same_as_matplotlib(path, graded_names(assignment), False, "")
    # the guess a Gradescope run makes from the text, to import matplotlib ahead or not
    assert plots_need_matplotlib(str(path)) == report["real"] == report["matplotlib"]


def test_errors_warnings_and_late_reads_are_matplotlibs(tmp_path):
    path = notebook(
        tmp_path,
        "import numpy as np\nimport matplotlib.pyplot as plt",
        # matplotlib refuses: the cell stops there, the helper after it is never defined
        "fig, ax = plt.subplots()\nax.plot([1, 2], [1, 2, 3])\ndef helper():\n    return 1",
        "fig, ax = plt.subplots()\nax.plot([1, 2], 'q')",  # an unknown format character
        "fig, ax = plt.subplots()\nax.plot([1, 2], color='notacolour')",
        "fig, ax = plt.subplots()\nax.plot([1, 2])\nax.legend()",  # warns: no labels
        "fig, ax = plt.subplots()\nax.set_xlim(1, 1)",  # warns: identical limits
        "fig, ax = plt.subplots()\nax.plot([1, 2], 'r', color='b')",  # warns: colour twice
        "kept, ax = plt.subplots(2, 2, figsize=(3, 2))\nax[1, 0].plot([3, 4], label='a')\n"
        "ax[1, 0].legend(loc='upper left')\nline = ax[0, 1].axhline(0.5, lw=2)",
        # a figure of an earlier cell (closed) read back later, then changed
        "info = [len(kept.axes), kept.axes[2].get_lines()[0].get_label(), line.get_linewidth()]",
        "print(info)\nprint(helper())",
    )
    report = same_as_matplotlib(path, "nothing", False, "")
    assert "ValueError" in report["cells"]["2"][0]
    assert "NameError" in report["cells"]["10"][0]
    assert "No artists with labels found" in report["printed"]
    assert "[4, 'a', 2.0]" in report["printed"]


def test_other_parts_of_matplotlib_are_the_real_ones(tmp_path):
    # Imported in a plot cell while only the stand-ins are in: each module once, the real one.
    path = notebook(
        tmp_path,
        "import matplotlib.pyplot as plt",
        "from matplotlib.collections import PolyCollection\nimport matplotlib.colors as mc\n"
        "import matplotlib, sys\nfrom mpl_toolkits.mplot3d import Axes3D\n"
        "fig, ax = plt.subplots()\n"
        "facts = [PolyCollection is sys.modules['matplotlib.collections'].PolyCollection,\n"
        "         type(sys.modules['matplotlib.collections'].__spec__.loader).__name__,\n"
        "         mc.to_hex('C1'), isinstance(ax, matplotlib.axes.Axes),\n"
        "         plt.rcParams['lines.linewidth'], matplotlib.__version__ == "
        "sys.modules['matplotlib'].__version__]\n"
        "print(facts)",
    )
    report = same_as_matplotlib(path, "nothing", False, "")
    assert "[True, 'SourceFileLoader', '#ff7f0e', True, 1.5, True]" in report["printed"]


def test_a_star_import_of_pyplot_gives_all_of_it(tmp_path):
    path = notebook(
        tmp_path,
        "from matplotlib.pyplot import *\n"
        "print(sorted(k for k in dir() if not k.startswith('_'))[:400] and "
        "[callable(colorbar), callable(subplots), 'np' in dir(), len(dir()) > 100])",
    )
    report = same_as_matplotlib(path, "nothing", False, "")
    assert "[True, True, True, True]" in report["printed"]


def test_plot_cells_after_an_answer_imported_matplotlib_are_still_quiet(tmp_path):
    # The answer cell imports the real pyplot (no stand-ins there); plot cells after it that
    # use it directly still lay nothing out and have their figures closed when they end.
    path = notebook(
        tmp_path,
        "import matplotlib.pyplot as plt\ndef f():\n    return 1",
        "fig, ax = plt.subplots()\nax.plot([1, 2])\nplt.tight_layout()\nopen_here = plt.get_fignums()",
        "print(open_here, plt.get_fignums(), type(plt).__name__)",
    )
    report = same_as_matplotlib(path, "f", False, "")
    assert "[1] [] module" in report["printed"]


def test_a_function_that_plots_inside_gets_matplotlib(tmp_path):
    path = notebook(
        tmp_path,
        "import matplotlib.pyplot as plt\nimport numpy as np",
        "def f(x):\n    fig, ax = plt.subplots()\n    (line,) = ax.plot(x, 2 * x)\n"
        "    out = line.get_ydata()\n    plt.close(fig)\n    return out",
        "fig, ax = plt.subplots()\nax.plot([0, 1], f(np.array([0.0, 1.0])))\n"
        "print(f(np.array([1.0])))",
        "y = f(np.array([3.0]))\nprint(y)",  # an answer cell: no stand-ins there
    )
    for read_at in ("all", ""):
        report = same_as_matplotlib(path, "f,y", False, read_at)
        assert report["cells"] == {} and "[2.]\n[6.]" in report["printed"]


# --- what a stand-in vouches for ----------------------------------------------------------

NUMBERS = [0, 1, -2, 2.5, 0.3, float("nan"), float("inf"), True, np.float64(0.5), np.int64(3),
           10**400, 1 + 2j, "1", None]  # fmt: skip
DATA = [np.linspace(0, 1, 5), np.arange(5), np.ones((5, 2)), np.array([True] * 5),
        np.array(["a"] * 5), np.ma.masked_array(np.ones(5)), [1, 2.5, 3, 4, 5], [1, None, 3],
        (1.0, 2.0, 3.0, 4.0, 5.0), [], np.array([]), "abc", 3.0, np.float64(2.0),
        np.array([1, 2], dtype=object), np.ones(4)]  # fmt: skip
STRINGS = ["k", "x", ":", "C3", "k--", "o-", "rx:", "red", "grey", "0.4", "#12ab34",
           "notacolour", "", "--", "x", "C", "Ck", "1", "2.5", "tab:grey", "b-o", "$x^2$",
           "upper left", "center", "x-small", "large", "grid", "tick1", "_hidden", "left"]  # fmt: skip
COLOURS = ["k", "C3", "grey", "red", "0.4", "#12ab34", "notacolour", (0.1, 0.2, 0.3),
           (1.0, 2.0, 0.0), (0.1, 0.2), "tab:blue", "1", "1.0", "Red"]  # fmt: skip

KEYWORDS = {
    "plot": {"color": COLOURS, "c": COLOURS, "label": [None, "a", "_b", "", 3],
             "lw": NUMBERS, "linewidth": NUMBERS, "ls": ["-", "--", "dotted", "q", None],
             "marker": ["o", "x", "q", None, "$", "1"], "ms": NUMBERS, "alpha": NUMBERS,
             "zorder": NUMBERS, "colour": COLOURS, "mew": NUMBERS},
    "span": {"color": COLOURS, "alpha": NUMBERS, "lw": NUMBERS, "label": [None, "a"],
             "zorder": NUMBERS, "facecolor": COLOURS},
    "text": {"color": COLOURS, "ha": STRINGS, "va": STRINGS, "fontsize": NUMBERS + STRINGS,
             "size": NUMBERS, "rotation": NUMBERS, "transform": ["T", None, 3],
             "alpha": NUMBERS},
    "label": {"fontsize": NUMBERS + STRINGS, "color": COLOURS, "loc": STRINGS, "pad": NUMBERS},
    "legend": {"loc": STRINGS + [2, 11], "fontsize": NUMBERS + STRINGS, "frameon": [True, 1],
               "title": ["t", 3], "framealpha": NUMBERS, "ncol": [1, 2]},
    "set": {"title": ["t", 3, None], "xlabel": ["x", 2], "ylabel": ["y"],
            "xlim": [(0, 1), (1, 1), [0, 2], (0, np.nan), (0,)], "ylim": [(2, -1), "ab"],
            "xscale": ["log"]},
    "subplots": {"figsize": [(3, 2), (0, 2), (3,), [4, 1.5], (np.inf, 1), "3x2"],
                 "sharex": [True, False, "row", "yes", 1], "sharey": [True, "all"],
                 "squeeze": [True, False, 0], "dpi": [50]},
}  # fmt: skip
METHODS = {  # name: (kind of keywords, positional pools)
    "plot": ("plot", [DATA, DATA, STRINGS]),
    "axhline": ("plot", [NUMBERS, NUMBERS, NUMBERS]),
    "axvline": ("plot", [NUMBERS, NUMBERS, NUMBERS]),
    "axhspan": ("span", [NUMBERS, NUMBERS, NUMBERS]),
    "axvspan": ("span", [NUMBERS, NUMBERS, NUMBERS]),
    "text": ("text", [NUMBERS, NUMBERS, STRINGS + NUMBERS]),
    "set_title": ("label", [STRINGS + NUMBERS, NUMBERS]),
    "set_xlabel": ("label", [STRINGS + NUMBERS, NUMBERS]),
    "set_ylabel": ("label", [STRINGS + NUMBERS]),
    "set_xlim": ("set", [NUMBERS + [(0, 1)], NUMBERS]),
    "set_ylim": ("set", [NUMBERS, NUMBERS]),
    "legend": ("legend", [STRINGS]),
    "set": ("set", []),
    "get_xaxis_transform": ("set", [STRINGS]),
    "get_yaxis_transform": ("set", [STRINGS]),
}


def _arguments(rng: random.Random, pools: list, keywords: dict) -> tuple[tuple, dict]:
    args = tuple(rng.choice(pool) for pool in pools[: rng.randint(0, len(pools))])
    names = rng.sample(sorted(keywords), rng.randint(0, min(3, len(keywords))))
    return args, {name: rng.choice(keywords[name]) for name in names}


def _shape(x) -> object:
    """The structure of a result: what unpacking or indexing it can tell."""
    if type(x) in (list, tuple):
        return (type(x).__name__, [_shape(v) for v in x])
    if isinstance(x, np.ndarray):
        return ("array", x.shape)
    return "object"


def _real_call(target, name: str, args: tuple, kwargs: dict, transform):
    args = tuple(transform if type(a) is str and a == "T" else a for a in args)
    kwargs = {k: transform if type(v) is str and v == "T" else v for k, v in kwargs.items()}
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        return getattr(target, name)(*args, **kwargs)


@pytest.mark.parametrize("name", sorted(METHODS))
def test_what_a_stand_in_vouches_for_matplotlib_makes_without_a_word(name):
    kind, pools = METHODS[name]
    rng = random.Random(f"vouch-{name}")
    vouched = refused = 0
    for _ in range(2000):
        args, kwargs = _arguments(rng, pools, KEYWORDS[kind])
        fl.reset()
        fl.S.active = True
        fig, ax = fl.subplots()
        labelled = rng.random() < 0.5
        if labelled:  # some axes have a labelled line already (legend needs one)
            fl.Axes.plot.__wrapped__(ax, [1, 2], label="l")
        stand_in_transform = fl.Axes.get_xaxis_transform.__wrapped__(ax)
        swapped = tuple(stand_in_transform if type(a) is str and a == "T" else a for a in args)
        kw = {k: stand_in_transform if type(v) is str and v == "T" else v
              for k, v in kwargs.items()}  # fmt: skip
        answer = getattr(fl.Axes, name).__wrapped__(ax, *swapped, **kw)
        fl.S.active = False
        if answer is fl._NO:
            refused += 1
            continue
        vouched += 1
        real_fig, real_ax = plt.subplots()
        try:
            if labelled:
                real_ax.plot([1, 2], label="l")
            with _nbruntime.QuietPlots():
                made = _real_call(real_ax, name, args, kwargs, real_ax.get_xaxis_transform())
        except Exception as exc:  # noqa: BLE001 - any error is the stand-in's fault
            pytest.fail(f"vouched for {name}(*{args!r}, **{kwargs!r}), matplotlib: {exc!r}")
        finally:
            plt.close("all")
        if type(answer) is not fl.Value:  # a value's every use asks matplotlib's
            assert _shape(answer) == _shape(made), (name, args, kwargs)
    assert vouched >= 20 and refused >= 20, (vouched, refused)


def test_subplots_vouched_for_have_matplotlibs_shape():
    rng = random.Random("subplots")
    vouched = 0
    for _ in range(400):
        args, kwargs = _arguments(rng, [[1, 2, 3, 0, 2.0, True], [1, 3, -1, "2"]],
                                  KEYWORDS["subplots"])  # fmt: skip
        fl.reset()
        fl.S.active = True
        answer = fl.subplots.__wrapped__(*args, **kwargs)
        fl.S.active = False
        if answer is fl._NO:
            continue
        vouched += 1
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("error")
                made = plt.subplots(*args, **kwargs)
        except Exception as exc:  # noqa: BLE001
            pytest.fail(f"vouched for subplots(*{args!r}, **{kwargs!r}), matplotlib: {exc!r}")
        try:
            assert _shape(answer) == _shape(made), (args, kwargs)
            assert list(made[0].get_size_inches()) == list(kwargs.get("figsize", (6.4, 4.8)))
        finally:
            plt.close("all")
    assert vouched >= 30


def test_format_strings_are_read_as_matplotlib_reads_them():
    from matplotlib.axes._base import _process_plot_format

    alphabet = "bgrkmcywCx.o:-|_s123490dD^ q"
    checked = 0
    for n in (1, 2, 3):
        for chars in itertools.product(alphabet, repeat=n):
            fmt = "".join(chars)
            parts = fl.format_string(fmt)
            if parts is None:
                continue
            checked += 1
            with warnings.catch_warnings():
                warnings.simplefilter("error")
                linestyle, marker, colour = _process_plot_format(fmt)
            if set(parts) == {"color"}:  # a colour alone: matplotlib reads nothing else
                assert (linestyle, marker) == (None, None), fmt
            else:  # what matplotlib fills in for a part not given
                default = "None" if "marker" in parts else matplotlib.rcParams["lines.linestyle"]
                assert linestyle == parts.get("linestyle", default), fmt
                assert marker == parts.get("marker", "None"), fmt
            want = mcolors.to_rgba(parts["color"]) if "color" in parts else None
            assert (None if colour is None else mcolors.to_rgba(colour)) == want, fmt
    assert checked > 500
    for name in mcolors.get_named_colors_mapping():  # a whole colour name is only a colour
        parts = fl.format_string(name)
        assert parts is None or parts == {"color": name}, name


def test_colours_and_names_vouched_for_are_matplotlibs():
    for name in fl.NAMED_COLOURS:
        assert mcolors.is_color_like(name), name
    for text in ["C0", "C9", "#a1b2c3", "#a1b2c3d4", "0", "0.25", "1", "1.0"]:
        assert fl._colour(text) and mcolors.is_color_like(text), text
    from matplotlib import lines, markers

    assert fl.MARKERS <= set(markers.MarkerStyle.markers)
    assert fl.LINE_STYLES <= set(lines.lineStyles) | {"solid", "dashed", "dashdot", "dotted"}
    from matplotlib.legend import Legend

    assert fl.LEGEND_PLACES <= set(Legend.codes)
    assert hasattr(axes_base, "_process_plot_format")


def test_a_phantom_outside_a_plot_cell_is_matplotlibs_object():
    fl.reset()
    fl.S.active = True
    fig, axes = fl.subplots(1, 2)
    (line,) = fl.Axes.plot.__wrapped__(axes[1], [1.0, 2.0], "k--", label="a")
    fl.S.active = False
    try:
        assert isinstance(line, matplotlib.lines.Line2D) and fl.S.real  # asking made it real
        assert list(line.get_xdata()) == [0, 1] and line.get_linestyle() == "--"
        assert (
            isinstance(axes[1], matplotlib.axes.Axes) and axes[1].get_lines()[0] is line._phantom_of
        )
        assert fig.axes[1] is axes[1]._phantom_of
    finally:
        fl.reset()
        plt.close("all")
