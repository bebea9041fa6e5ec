"""Plotted diffs for failing questions: the student's answer over the reference's.

Plots are drawn only for failing questions, on public cases only (their inputs may be shown
before the due date), and only here in the grader, from plain data the sandbox returned.
matplotlib is imported lazily: grading a correct submission never pays for it.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

import numpy as np


def figure_png(fig: Any) -> bytes:
    """Render a matplotlib Figure to PNG bytes (Agg, no display needed)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    FigureCanvasAgg(fig)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=90, bbox_inches="tight")
    return buf.getvalue()


def curve_plot(x_arg: int, kinks: Callable[[Any], np.ndarray] | None = None) -> Callable:
    """A plot for 1-D function answers: student curve over the reference, disagreement shaded.

    ``x_arg`` is the index of the case argument holding the inputs x of shape (N,);
    ``kinks(case)`` may return the reference kinks to mark.
    """

    def plot(case: Any, value: Any, expected: Any) -> Any:
        from matplotlib.figure import Figure

        x = np.asarray(case.args[x_arg], dtype=float)
        want = np.asarray(expected, dtype=float)
        fig = Figure(figsize=(6.4, 3.6))
        ax = fig.add_subplot()
        order = np.argsort(x)
        ax.plot(x[order], want[order], color="0.2", lw=2, label="reference")
        got = np.asarray(value, dtype=float) if isinstance(value, np.ndarray) else None
        if got is not None and got.shape == want.shape:
            ax.plot(x[order], got[order], color="tab:red", lw=1.5, ls="--", label="your answer")
            ax.fill_between(
                x[order], want[order], got[order], color="tab:red", alpha=0.2, label="disagreement"
            )
        if kinks is not None:
            for k in kinks(case):
                ax.axvline(k, color="tab:blue", lw=0.6, alpha=0.6)
        ax.set_xlabel("x")
        ax.legend(loc="best", fontsize=8)
        ax.set_title(case.name, fontsize=9)
        return fig

    return plot


def draw_failing_plots(result: Any, questions: list) -> None:
    """Attach a PNG to every failing question that has a plot, drawn on a public case."""
    for qr, (_name, qc, _cases, _expected) in zip(result.questions, questions, strict=True):
        if qr.passed or qc.plot is None:
            continue
        chosen = next(
            (c for c in qr.cases if c.public and c.fraction < 1.0 and c.status == "ok"), None
        )
        if chosen is None:
            continue
        try:
            qr.figure_png = figure_png(qc.plot(chosen.case, chosen.value, chosen.expected))
        except Exception:  # a plot is a courtesy: never lose a grade over it
            qr.figure_png = None
