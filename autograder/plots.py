"""Plotted diffs for failing questions: the student's answer over the reference's.

Plots are drawn only for failing questions, on a failing public case or else on the question's
illustration (a fresh, ungraded instance like the hidden cases, run apart from them: see
autograder.grade.illustrate), never on a hidden case; only here in the grader, from plain data
the sandbox returned. matplotlib is imported lazily: grading a correct submission never pays.
"""

from __future__ import annotations

import dataclasses
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


def illustration_caption(case: Any) -> str:
    """The words under an illustration's plot: what it is, and what it is not."""
    return (
        f"An illustration, not one of your hidden cases: a fresh instance of the kind "
        f"'{case.name}', drawn like your hidden cases and run on its own (it is not graded). "
        "Your answer is wrong on it too."
    )


def draw_failing_plots(result: Any, questions: list) -> None:
    """Attach a PNG to every failing question that has a plot: drawn on its first failing
    public case, or else on its illustration (if it got one), with a caption saying so."""
    for qr, (_name, qc, _cases, _expected) in zip(result.questions, questions, strict=True):
        if qr.passed or qc.plot is None:
            continue
        chosen = next(
            (c for c in qr.cases if c.public and c.fraction < 1.0 and c.status == "ok"), None
        )
        caption = ""
        if chosen is None:
            chosen = getattr(qr, "illustration", None)
            if chosen is None:
                continue
            caption = illustration_caption(chosen.case)
        case = chosen.case
        if caption:
            case = dataclasses.replace(case, name=f"illustration (not a hidden case): {case.name}")
        try:
            qr.figure_png = figure_png(qc.plot(case, chosen.value, chosen.expected))
            qr.figure_caption = caption
        except Exception:  # a plot is a courtesy: never lose a grade over it
            qr.figure_png = None


# ---- 2-D assignments: decision boundaries, gradient errors, region maps -----------------------


def _as_pair(value: Any, d: int) -> tuple[np.ndarray, float] | None:
    """(w, b) from a student's value when it is a (w of shape (d,), number) pair, else None."""
    if not isinstance(value, list | tuple) or len(value) != 2:
        return None
    w, b = value
    if not isinstance(w, np.ndarray) or w.shape != (d,) or w.dtype.kind not in "iuf":
        return None
    b_arr = np.asarray(b) if isinstance(b, int | float | np.integer | np.floating) else b
    if not isinstance(b_arr, np.ndarray) or b_arr.size != 1 or b_arr.dtype.kind not in "iuf":
        return None
    w_f, b_f = w.astype(float), float(b_arr.reshape(()))
    if not (np.all(np.isfinite(w_f)) and np.isfinite(b_f)):
        return None
    return w_f, b_f


def decision_boundary_plot(x_arg: int = 0, y_arg: int = 1) -> Callable:
    """A plot for a fitted linear classifier (w, b): the data and both decision boundaries.

    ``x_arg``/``y_arg`` index the case arguments X of shape (N, d) and labels y of shape (N,).
    The answer and the expected value are (w of shape (d,), b). With d = 1 the boundary is the
    point x = -b / w; with d >= 2 it is the curve X @ w + b = 0 drawn over (x1, x2), where a third
    column equal to x1**2 + x2**2 (the radius feature) is evaluated as such (the boundary is then
    a circle) and any other extra column is held at its mean.
    """

    def plot(case: Any, value: Any, expected: Any) -> Any:
        from matplotlib.figure import Figure

        X = np.asarray(case.args[x_arg], dtype=float)
        y = np.asarray(case.args[y_arg], dtype=float)
        d = X.shape[1]
        ref = _as_pair(expected, d)
        got = _as_pair(value, d)
        fig = Figure(figsize=(5.2, 4.6))
        ax = fig.add_subplot()
        one, zero = y == 1, y != 1
        pairs = [("reference", ref, "0.2", "-"), ("your answer", got, "tab:red", "--")]
        if d == 1:
            ax.scatter(X[one, 0], y[one], s=14, c="tab:red", label="y = 1")
            ax.scatter(X[zero, 0], y[zero], s=14, c="k", label="y = 0")
            for label, wb, colour, ls in pairs:
                if wb is not None and wb[0][0] != 0:
                    ax.axvline(-wb[1] / wb[0][0], color=colour, ls=ls, lw=1.5, label=label)
            ax.set_xlabel("$x_1$")
            ax.set_ylabel("label")
        else:
            ax.scatter(X[one, 0], X[one, 1], s=14, c="tab:red", label="y = 1")
            ax.scatter(X[zero, 0], X[zero, 1], s=14, c="k", label="y = 0")
            lo, hi = X[:, :2].min(axis=0), X[:, :2].max(axis=0)
            pad = 0.15 * (hi - lo) + 0.5
            gx, gy = np.meshgrid(
                np.linspace(lo[0] - pad[0], hi[0] + pad[0], 200),
                np.linspace(lo[1] - pad[1], hi[1] + pad[1], 200),
            )
            extra = X[:, 2:].mean(axis=0)
            lifted = d == 3 and np.allclose(X[:, 2], X[:, 0] ** 2 + X[:, 1] ** 2)
            for label, wb, colour, ls in pairs:
                if wb is None:
                    continue
                w, b = wb
                score = w[0] * gx + w[1] * gy + b
                if lifted:
                    score = score + w[2] * (gx**2 + gy**2)
                elif d > 2:
                    score = score + float(extra @ w[2:])
                if score.min() < 0 < score.max():
                    ax.contour(gx, gy, score, levels=[0.0], colors=colour, linestyles=ls)
                    ax.plot([], [], color=colour, ls=ls, label=f"{label}: X @ w + b = 0")
            ax.set_xlabel("$x_1$")
            ax.set_ylabel("$x_2$")
            ax.set_aspect("equal", adjustable="datalim")
        if got is not None:
            w, b = got
            with np.errstate(all="ignore"):
                wrong = (X @ w + b > 0) != one
            if np.any(wrong):
                ys = y if d == 1 else X[:, 1]
                ax.scatter(
                    X[wrong, 0],
                    ys[wrong],
                    s=80,
                    facecolors="none",
                    edgecolors="tab:red",
                    linewidths=1.2,
                    label=f"{int(wrong.sum())} points your (w, b) misclassifies",
                )
        if got is None:
            ax.set_title(
                f"{case.name}\n(your answer is not a (w, b) pair of shape ({d},))", fontsize=8
            )
        else:
            ax.set_title(case.name, fontsize=8)
        ax.legend(loc="best", fontsize=7)
        return fig

    return plot


def prediction_plot(x_arg: int = 0, w_arg: int = 1, b_arg: int = 2) -> Callable:
    """For label answers: the points (x1, x2) with the given boundary X @ w + b = 0, filled by
    the reference's label; points whose label in the answer differs are circled in red, points
    exactly on the boundary (score 0, class 0) drawn as diamonds. A third column equal to
    x1**2 + x2**2 is drawn as the circle it makes; other extra columns are held at their mean.
    """

    def plot(case: Any, value: Any, expected: Any) -> Any:
        from matplotlib.figure import Figure

        X = np.asarray(case.args[x_arg], dtype=float)
        w = np.asarray(case.args[w_arg], dtype=float).ravel()
        b = float(case.args[b_arg])
        want = np.asarray(expected).astype(int)
        d = X.shape[1]
        P = X[:, :2] if d >= 2 else np.column_stack([X[:, 0], np.zeros(len(X))])
        fig = Figure(figsize=(5.2, 4.6))
        ax = fig.add_subplot()
        score = X @ w + b
        on = score == 0
        for label, colour in ((1, "tab:red"), (0, "k")):
            pick = (want == label) & ~on
            ax.scatter(P[pick, 0], P[pick, 1], s=18, c=colour, label=f"reference: {label}")
        if np.any(on):
            ax.scatter(
                P[on, 0],
                P[on, 1],
                s=40,
                marker="D",
                c="tab:orange",
                label=f"{int(on.sum())} scores exactly 0 (label 0)",
            )
        got = value if isinstance(value, np.ndarray) and value.shape == want.shape else None
        if got is not None and got.dtype.kind in "biuf":
            wrong = np.asarray(got, dtype=float) != want
            if np.any(wrong):
                ax.scatter(
                    P[wrong, 0],
                    P[wrong, 1],
                    s=90,
                    facecolors="none",
                    edgecolors="tab:red",
                    linewidths=1.3,
                    label=f"{int(wrong.sum())} points your labels get wrong",
                )
        lo, hi = P.min(axis=0), P.max(axis=0)
        pad = 0.15 * (hi - lo) + 0.5
        gx, gy = np.meshgrid(
            np.linspace(lo[0] - pad[0], hi[0] + pad[0], 200),
            np.linspace(lo[1] - pad[1], hi[1] + pad[1], 200),
        )
        if d == 1:
            grid = w[0] * gx + b
        else:
            grid = w[0] * gx + w[1] * gy + b
            if d == 3 and np.allclose(X[:, 2], X[:, 0] ** 2 + X[:, 1] ** 2):
                grid = grid + w[2] * (gx**2 + gy**2)
            elif d > 2:
                grid = grid + float(X[:, 2:].mean(axis=0) @ w[2:])
        if grid.min() < 0 < grid.max():
            ax.contour(gx, gy, grid, levels=[0.0], colors="0.3", linestyles="-")
            ax.plot([], [], color="0.3", label="X @ w + b = 0")
        ax.set_xlabel("$x_1$")
        ax.set_ylabel("$x_2$" if d >= 2 else "")
        shown = "" if got is not None else "\n(your answer is not an array of one label per row)"
        ax.set_title(f"{case.name}{shown}", fontsize=8)
        ax.legend(loc="best", fontsize=7)
        return fig

    return plot


def _as_items(value: Any) -> list:
    return list(value) if isinstance(value, list | tuple) else [value]


def _as_matrix(a: np.ndarray) -> np.ndarray:
    """A 2-D view for a heat map: (1, n) for vectors, (shape[0], rest) for higher ranks."""
    if a.ndim == 0:
        return a.reshape(1, 1)
    if a.ndim == 1:
        return a.reshape(1, -1)
    return a.reshape(a.shape[0], -1)


def gradient_error_plot(names: list[str] | None = None) -> Callable:
    """A heat map of the relative error of each gradient entry (one panel per returned array).

    The expected value is an array or a tuple of arrays (e.g. (dL_dw, dL_dv)); ``names`` labels
    the panels. The relative error is |got - want| / max(|want|, |got|, 1e-12); vectors are drawn
    as one row and arrays of rank > 2 with their trailing axes flattened. A panel whose answer
    has the wrong shape or is not an array says so instead.
    """

    def plot(case: Any, value: Any, expected: Any) -> Any:
        from matplotlib.colors import LogNorm
        from matplotlib.figure import Figure

        wants = [np.asarray(w, dtype=float) for w in _as_items(expected)]
        gots = _as_items(value) if isinstance(expected, list | tuple) else [value]
        labels = names or [f"item {i}" for i in range(len(wants))]
        fig = Figure(figsize=(4.2 * len(wants), 3.8), layout="constrained")
        axes = fig.subplots(1, len(wants), squeeze=False)[0]
        for i, (ax, want) in enumerate(zip(axes, wants, strict=True)):
            got = gots[i] if i < len(gots) else None
            if isinstance(got, int | float | np.integer | np.floating) and not isinstance(
                got, bool | np.bool_
            ):
                got = np.asarray(got, dtype=float)  # a scalar answer (a loss) is a 0-d array
            label = labels[i] if i < len(labels) else f"item {i}"
            ok = isinstance(got, np.ndarray) and got.shape == want.shape and got.dtype.kind in "iuf"
            if not ok:
                ax.set_axis_off()
                shape = got.shape if isinstance(got, np.ndarray) else type(got).__name__
                ax.text(
                    0.5,
                    0.5,
                    f"{label}: your answer is {shape};\nexpected an array of shape {want.shape}",
                    ha="center",
                    va="center",
                    fontsize=9,
                    transform=ax.transAxes,
                )
                continue
            g = got.astype(float)
            with np.errstate(invalid="ignore", over="ignore"):
                scale = np.maximum(np.maximum(np.abs(want), np.abs(g)), 1e-12)
                rel = np.abs(g - want) / scale
            rel = np.where(np.isfinite(rel), rel, 1.0)
            img = _as_matrix(np.clip(rel, 1e-16, 1.0))
            mesh = ax.imshow(img, cmap="magma_r", norm=LogNorm(1e-16, 1.0), aspect="auto")
            fig.colorbar(mesh, ax=ax, shrink=0.85, label="relative error")
            if img.size <= 64:
                exact = _as_matrix(rel == 0)
                for (r, c), e in np.ndenumerate(img):
                    text = "0" if exact[r, c] else f"{e:.0e}"
                    ax.text(c, r, text, ha="center", va="center", fontsize=6, color="tab:blue")
            ax.set_title(
                f"{label}: {int(np.sum(rel > 1e-6))} of {rel.size} entries off", fontsize=9
            )
            ax.set_xlabel("column")
            ax.set_ylabel("row")
            ax.set_xticks(range(img.shape[1]) if img.shape[1] <= 12 else [])
            ax.set_yticks(range(img.shape[0]) if img.shape[0] <= 12 else [])
        fig.suptitle(case.name, fontsize=9)
        return fig

    return plot


def _joint_ids(*blocks: np.ndarray) -> list[np.ndarray]:
    """Pattern ids shared across blocks of bool rows (M_i, U): equal rows get equal ids."""
    rows = np.concatenate(blocks)
    if rows.shape[1] == 0:
        ids = np.zeros(rows.shape[0], dtype=np.int64)
    else:
        _, ids = np.unique(rows, axis=0, return_inverse=True)
        ids = np.asarray(ids).reshape(-1)
    out, start = [], 0
    for blk in blocks:
        out.append(ids[start : start + blk.shape[0]])
        start += blk.shape[0]
    return out


def _palette(n: int) -> Any:
    from matplotlib.colors import ListedColormap

    rng = np.random.default_rng(0)
    return ListedColormap(
        np.column_stack([rng.uniform(0.15, 0.95, (max(n, 1), 3)), np.ones(max(n, 1))])
    )


def _bool_matrix(value: Any, shape: tuple[int, ...]) -> np.ndarray | None:
    if isinstance(value, np.ndarray) and value.shape == shape and value.dtype.kind in "biu":
        return value.astype(bool)
    return None


def region_map_plot(
    *,
    points_arg: int | None = None,
    layers_arg: int | None = None,
    grid: Callable[[Any], tuple[np.ndarray, tuple]] | None = None,
    suggest: Callable[[Any, Any], tuple[str, np.ndarray, tuple] | None] | None = None,
) -> Callable:
    """Region maps, reference beside the student's, with disagreements marked.

    Points mode (``points_arg`` given, for activation patterns of shape (N, U)): two scatter
    panels of the case's points coloured by pattern (one colour per pattern, shared by both
    panels); points whose pattern disagrees are circled in both. ``layers_arg`` optionally
    names the layers argument, whose first-layer lines are drawn.

    Grid mode (for a region count): ``grid(case)`` gives the reference patterns as a bool array
    (r, r, U) (row = y, column = x) and the extent (xmin, xmax, ymin, ymax); ``suggest(case,
    value)`` may give (label, patterns (r, r, U'), extent) of the map a recognised mistake
    produces. The second panel shows that map with cells whose pattern differs from the
    reference hatched, or, without a suggestion, the two counts.
    """

    def _first_layer_lines(ax: Any, case: Any, lo: np.ndarray, hi: np.ndarray) -> None:
        if layers_arg is None:
            return
        try:
            W, b = case.args[layers_arg][0]
            W, b = np.asarray(W, dtype=float), np.asarray(b, dtype=float)
        except Exception:
            return
        if len(case.args[layers_arg]) < 2:
            return
        gx, gy = np.meshgrid(np.linspace(lo[0], hi[0], 200), np.linspace(lo[1], hi[1], 200))
        for (a1, a2), c in zip(W, b, strict=True):
            z = a1 * gx + a2 * gy + c
            if z.min() < 0 < z.max():
                ax.contour(gx, gy, z, levels=[0.0], colors="0.5", linewidths=0.6)

    def points_plot(case: Any, value: Any, expected: Any) -> Any:
        from matplotlib.figure import Figure

        pts = np.asarray(case.args[points_arg], dtype=float)
        want = np.asarray(expected, dtype=bool)
        got = _bool_matrix(value, want.shape)
        fig = Figure(figsize=(9.6, 4.4))
        axes = fig.subplots(1, 2)
        lo, hi = pts.min(axis=0), pts.max(axis=0)
        pad = 0.05 * (hi - lo) + 0.1
        if got is None:
            (ids_w,) = _joint_ids(want)
            ids_g, wrong = None, np.zeros(want.shape[0], dtype=bool)
        else:
            ids_w, ids_g = _joint_ids(want, got)
            wrong = np.any(want != got, axis=1)
        n = int(max(ids_w.max(initial=0), ids_g.max(initial=0) if ids_g is not None else 0)) + 1
        cmap = _palette(n)
        for ax, ids, title in (
            (axes[0], ids_w, f"reference: {len(np.unique(ids_w))} patterns"),
            (axes[1], ids_g, "your answer"),
        ):
            ax.set_xlim(lo[0] - pad[0], hi[0] + pad[0])
            ax.set_ylim(lo[1] - pad[1], hi[1] + pad[1])
            if ids is None:
                shape = value.shape if isinstance(value, np.ndarray) else type(value).__name__
                ax.text(
                    0.5,
                    0.5,
                    f"your answer is {shape};\nexpected a bool array of shape {want.shape}",
                    ha="center",
                    va="center",
                    fontsize=9,
                    transform=ax.transAxes,
                )
                ax.set_title("your answer", fontsize=9)
                continue
            _first_layer_lines(ax, case, lo - pad, hi + pad)
            ax.scatter(pts[:, 0], pts[:, 1], c=ids, cmap=cmap, vmin=-0.5, vmax=n - 0.5, s=18)
            if np.any(wrong):
                ax.scatter(
                    pts[wrong, 0],
                    pts[wrong, 1],
                    s=70,
                    facecolors="none",
                    edgecolors="tab:red",
                    linewidths=1.2,
                    label=f"{int(wrong.sum())} points disagree",
                )
                ax.legend(loc="upper right", fontsize=7)
            if ids is ids_g:
                title = f"your answer: {len(np.unique(ids_g))} patterns"
            ax.set_title(title, fontsize=9)
            ax.set_xlabel("$x_1$")
            ax.set_ylabel("$x_2$")
        fig.suptitle(case.name, fontsize=9)
        return fig

    def grid_plot(case: Any, value: Any, expected: Any) -> Any:
        from matplotlib.figure import Figure

        assert grid is not None
        want, extent = grid(case)
        r1, r2, u = want.shape
        guess = None
        if suggest is not None:
            try:
                guess = suggest(case, value)
            except Exception:
                guess = None
        fig = Figure(figsize=(9.6, 4.4))
        axes = fig.subplots(1, 2)
        same_units = guess is not None and guess[1].ndim == 3 and guess[1].shape[2] == u
        if same_units:
            # Units constant over both grids (e.g. all-zero weights) split nothing: leave them out
            # so that equal regions get equal colours and only real differences are marked.
            g = guess[1]
            const = np.all(want == want[:1, :1], axis=(0, 1)) & np.all(g == g[:1, :1], axis=(0, 1))
            want, g = want[..., ~const], g[..., ~const]
            guess = (guess[0], g, guess[2])
            ids = _joint_ids(want.reshape(r1 * r2, -1), g.reshape(g.shape[0] * g.shape[1], -1))
        else:
            ids = _joint_ids(want.reshape(r1 * r2, u))
            if guess is not None:
                g = guess[1]
                ids.append(_joint_ids(g.reshape(g.shape[0] * g.shape[1], -1))[0])
        n = int(max(i.max(initial=0) for i in ids)) + 1
        cmap = _palette(n)
        style = {"origin": "lower", "cmap": cmap, "vmin": -0.5, "vmax": n - 0.5}
        style |= {"interpolation": "nearest", "aspect": "auto"}
        axes[0].imshow(ids[0].reshape(r1, r2), extent=extent, **style)
        axes[0].set_title(f"reference: {expected} patterns on the {r2}x{r1} grid", fontsize=9)
        shown = value if isinstance(value, int | np.integer) else type(value).__name__
        if guess is None:
            axes[1].set_axis_off()
            axes[1].text(
                0.5,
                0.5,
                f"your answer: {shown}\nreference grid count: {expected}",
                ha="center",
                va="center",
                fontsize=10,
                transform=axes[1].transAxes,
            )
        else:
            label, g, g_extent = guess
            axes[1].imshow(ids[1].reshape(g.shape[0], g.shape[1]), extent=g_extent, **style)
            if g.shape == want.shape and tuple(g_extent) == tuple(extent):
                diff = np.any(g != want, axis=2)
                if diff.any():
                    overlay = np.zeros((*diff.shape, 4))
                    overlay[diff] = (0.0, 0.0, 0.0, 0.55)
                    axes[1].imshow(
                        overlay,
                        origin="lower",
                        extent=extent,
                        interpolation="nearest",
                        aspect="auto",
                    )
                    axes[1].plot([], [], "s", color="0.25", label=f"{int(diff.sum())} cells differ")
                    axes[1].legend(loc="upper right", fontsize=7)
            axes[1].set_title(f"your answer {shown}: looks like {label}", fontsize=9)
        for ax in axes[:1] if guess is None else axes:
            ax.set_xlabel("$x_1$")
            ax.set_ylabel("$x_2$")
        fig.suptitle(case.name, fontsize=9)
        return fig

    if points_arg is not None:
        return points_plot
    if grid is None:
        raise ValueError("region_map_plot needs points_arg (patterns) or grid (region counts)")
    return grid_plot


def loss_curve_plot(losses_item: int = 2) -> Callable:
    """The student's recorded losses over a reference run's (log scale), for training answers.

    ``losses_item`` is the index of the losses in the (returned and expected) tuples.
    """

    def plot(case: Any, value: Any, expected: Any) -> Any:
        from matplotlib.figure import Figure

        want = np.asarray(expected[losses_item], dtype=float)
        fig = Figure(figsize=(6.4, 3.6))
        ax = fig.add_subplot()
        ax.plot(np.arange(want.size), want, color="0.2", lw=2, label="a reference run")
        try:
            got = np.asarray(value[losses_item], dtype=float).ravel()
            ax.plot(np.arange(got.size), got, color="tab:red", ls="--", label="your losses")
        except Exception:  # not a sequence of numbers: show the reference run only
            pass
        ax.set_yscale("log")
        ax.set_xlabel("step k (losses[k] is the loss before update k)")
        ax.set_ylabel("loss")
        ax.legend(loc="best", fontsize=8)
        ax.set_title(case.name, fontsize=9)
        return fig

    return plot
