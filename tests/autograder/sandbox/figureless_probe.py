"""Run a notebook's cells as the sandbox's child does, in a fresh process, and print as JSON
what a grade could depend on: each cell's error, what was printed, the figures each plot cell
left open (read back from matplotlib), and whether matplotlib was imported at all.

    python figureless_probe.py NOTEBOOK GRADED MODE [PRELOAD] [READ_AT]

GRADED: the graded names, comma-separated (cells binding one are answer cells). MODE:
``standin`` (the plot cells on matplotlib's stand-ins, as now) or ``quiet`` (on matplotlib
itself under QuietPlots, as before). PRELOAD ``1``: matplotlib imported before any cell (as a
batch's fork server does). READ_AT: the number of the plot cell at whose end the open figures
are read back (``all``: every plot cell's; reading them makes the stand-ins go real there).
"""

from __future__ import annotations

import ast
import contextlib
import io
import json
import sys
import traceback
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[3] / "autograder" / "sandbox"))
import _figureless  # noqa: E402
import _nbruntime  # noqa: E402


def figures() -> list:
    """What the open figures hold, in plain data (matplotlib's own accessors)."""
    import matplotlib.pyplot as plt

    out = []
    for num in plt.get_fignums():
        fig = plt.figure(num)
        axes = []
        for ax in fig.axes:
            axes.append(
                {
                    "lines": [
                        [
                            [float(v) for v in line.get_xdata()],
                            [float(v) for v in line.get_ydata()],
                            list(
                                map(
                                    float,
                                    __import__("matplotlib.colors").colors.to_rgba(
                                        line.get_color()
                                    ),
                                )
                            ),
                            line.get_label(),
                            line.get_linestyle(),
                            line.get_marker(),
                            float(line.get_linewidth()),
                        ]
                        for line in ax.get_lines()
                    ],
                    "patches": [
                        [type(p).__name__, list(map(float, p.get_facecolor())), p.get_gid()]
                        for p in ax.patches
                    ],
                    "texts": [[t.get_text(), list(t.get_position())] for t in ax.texts],
                    "title": ax.get_title(),
                    "labels": [ax.get_xlabel(), ax.get_ylabel()],
                    "limits": [list(ax.get_xlim()), list(ax.get_ylim())],
                    "legend": ax.get_legend() is not None,
                }
            )
        out.append({"size": list(map(float, fig.get_size_inches())), "axes": axes})
    return out


def main() -> None:
    path, graded, mode = sys.argv[1], frozenset(sys.argv[2].split(",")), sys.argv[3]
    preload = len(sys.argv) > 4 and sys.argv[4] == "1"
    read_at = sys.argv[5] if len(sys.argv) > 5 else ""
    if preload:
        import matplotlib.pyplot  # noqa: F401
    warnings.simplefilter("always")
    sys.meta_path.insert(0, _nbruntime.StandIns())
    if mode == "standin":
        sys.meta_path.insert(0, _figureless.Finder())
    ns: dict = {"get_ipython": _nbruntime.NoShell}
    report: dict = {"cells": {}, "figures": {}}
    printed = io.StringIO()
    for number, src in _nbruntime.cells(json.loads(Path(path).read_text())):
        tree = ast.parse(src)
        code = compile(tree, f"<cell {number}>", "exec")
        answer = _nbruntime.defines(tree, graded)
        if answer:
            cell = contextlib.nullcontext()
        elif mode == "standin":
            cell = _figureless.plot_cell()
        else:
            cell = _nbruntime.QuietPlots()
        with contextlib.redirect_stdout(printed), contextlib.redirect_stderr(printed), cell:
            try:
                exec(code, ns)
                if not answer and read_at in ("all", str(number)):
                    report["figures"][number] = figures()
            except BaseException as exc:  # noqa: BLE001 - what a cell raises is reported
                tb = traceback.extract_tb(exc.__traceback__)
                where = [f.lineno for f in tb if f.filename == f"<cell {number}>"]
                report["cells"][number] = [type(exc).__name__, str(exc), where]
        if answer:
            _nbruntime.close_figures()
    report["printed"] = printed.getvalue()
    report["matplotlib"] = "matplotlib" in sys.modules and not isinstance(
        sys.modules["matplotlib"], _figureless._StandInModule
    )
    report["real"] = _figureless.S.real
    report["replay_errors"] = _figureless.S.replay_errors
    print(json.dumps(report))


if __name__ == "__main__":
    main()
