"""Plot factories for the 2-D assignments: the right panels and artists, PNG output, and no
exception whatever shape the student's value has."""

from __future__ import annotations

import pickle

import numpy as np
import pytest
from matplotlib.figure import Figure

from autograder.cases.backprop import QUESTIONS as BACKPROP
from autograder.cases.base import Case
from autograder.cases.features import QUESTIONS as FEATURES
from autograder.cases.surfaces import QUESTIONS as SURFACES
from autograder.course import load_course
from autograder.grade import plan, question_rng, score
from autograder.plots import (
    decision_boundary_plot,
    draw_failing_plots,
    figure_png,
    gradient_error_plot,
    region_map_plot,
)
from autograder.sandbox import CallOutcome, RunResult

PNG = b"\x89PNG\r\n\x1a\n"
ODD_VALUES = [None, "text", 2.5, np.zeros((2, 2, 2)), [None, None, None]]


def _case(table, question, pick=lambda c: c.public):
    qc = table[question]
    case = next(c for c in qc.generate(question_rng(0, question)) if pick(c))
    return qc, case, qc.expected(case)


def _draws(fig: Figure) -> bool:
    """Draw the figure once with Agg (cheaper than a PNG with a tight bounding box)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    FigureCanvasAgg(fig).draw()
    return True


def _panels(fig: Figure) -> list:
    """Axes that are not colorbars."""
    return [ax for ax in fig.axes if ax.get_label() != "<colorbar>"]


# ---- decision_boundary_plot -----------------------------------------------------------------


def test_decision_boundary_draws_data_and_both_boundaries():
    qc, case, (w, b) = _case(FEATURES, "fit_logistic_regression")
    fig = qc.plot(case, (w * 1.5, b - 0.5), (w, b))
    assert isinstance(fig, Figure) and len(fig.axes) == 1
    ax = fig.axes[0]
    # Two scatters (the classes) and two contour sets (reference and student boundaries).
    assert len(ax.collections) == 4
    assert {t.get_text() for t in ax.get_legend().get_texts()} >= {
        "reference: X @ w + b = 0",
        "your answer: X @ w + b = 0",
    }
    assert figure_png(fig).startswith(PNG)


def test_decision_boundary_in_one_dimension_draws_two_thresholds():
    qc = FEATURES["fit_logistic_regression"]
    case = next(c for c in qc.generate(question_rng(0, "f")) if c.args[0].shape[1] == 1)
    w, b = qc.expected(case)
    fig = decision_boundary_plot()(case, (w * 2, b), (w, b))
    assert len(fig.axes[0].lines) == 2
    assert figure_png(fig).startswith(PNG)


@pytest.mark.parametrize("value", [*ODD_VALUES, (np.zeros(2), 1.0), (np.zeros(3), np.zeros(2))])
def test_decision_boundary_survives_wrong_answers(value):
    qc, case, expected = _case(FEATURES, "fit_logistic_regression")
    fig = qc.plot(case, value, expected)
    assert len(fig.axes[0].collections) == 3  # only the reference boundary
    assert "not a (w, b) pair" in fig.axes[0].get_title()
    assert _draws(fig)


# ---- gradient_error_plot --------------------------------------------------------------------


def test_gradient_error_plot_has_one_heat_map_per_array():
    qc, case, (dw, dv) = _case(BACKPROP, "backward")
    fig = qc.plot(case, (dw * (1 + 1e-3), dv), (dw, dv))
    panels = _panels(fig)
    assert len(panels) == 2 and len(fig.axes) == 4  # two heat maps, two colour bars
    assert all(len(ax.images) == 1 for ax in panels)
    assert panels[0].get_title().startswith("dL_dw: ")
    assert panels[1].get_title() == f"dL_dv: 0 of {dv.size} entries off"
    assert figure_png(fig).startswith(PNG)


def test_gradient_error_plot_handles_rank_three_params():
    qc = BACKPROP["numerical_gradient"]
    case = next(c for c in qc.generate(question_rng(0, "n")) if np.ndim(c.args[1]) == 3)
    want = qc.expected(case)
    fig = qc.plot(case, want + 1e-3, want)
    (panel,) = _panels(fig)
    assert panel.images[0].get_array().shape == (want.shape[0], want[0].size)
    assert figure_png(fig).startswith(PNG)


@pytest.mark.parametrize("value", [*ODD_VALUES, (np.zeros((9, 9)), np.zeros(3))])
def test_gradient_error_plot_survives_wrong_answers(value):
    qc, case, expected = _case(BACKPROP, "backward")
    fig = qc.plot(case, value, expected)
    assert len(_panels(fig)) == 2
    assert all(not ax.images for ax in _panels(fig))  # text instead of heat maps
    assert _draws(fig)
    fig = gradient_error_plot()(case, value, expected[0])
    assert len(_panels(fig)) == 1 and _draws(fig)


# ---- region_map_plot ------------------------------------------------------------------------


def test_pattern_map_marks_disagreeing_points():
    qc, case, want = _case(SURFACES, "activation_patterns")
    got = want.copy()
    got[[1, 4], 0] = ~got[[1, 4], 0]
    fig = qc.plot(case, got, want)
    assert len(fig.axes) == 2
    ref_ax, your_ax = fig.axes
    # Each panel: the points, then the circled disagreements (2 points).
    for ax in (ref_ax, your_ax):
        offsets = [c.get_offsets() for c in ax.collections if len(c.get_offsets())]
        assert any(len(o) == len(want) for o in offsets)
        assert any(len(o) == 2 for o in offsets)
    assert ref_ax.get_legend().get_texts()[0].get_text() == "2 points disagree"
    assert figure_png(fig).startswith(PNG)


@pytest.mark.parametrize("value", [*ODD_VALUES, np.zeros((7, 2), dtype=bool)])
def test_pattern_map_survives_wrong_answers(value):
    qc, case, want = _case(SURFACES, "activation_patterns")
    fig = qc.plot(case, value, want)
    assert len(fig.axes) == 2 and _draws(fig)


def test_region_count_map_shows_the_suggested_mistake():
    qc = SURFACES["count_regions_grid"]
    for case in qc.generate(question_rng(0, "count_regions_grid")):
        want = qc.expected(case)
        geq = next(m for m in qc.mistakes if m.name == ">= instead of >").answer(case)
        if geq != want:
            break
    else:
        pytest.fail("no case where >= changes the count")
    fig = qc.plot(case, geq, want)
    r = case.args[2]
    assert len(fig.axes) == 2 and len(fig.axes[0].images) == 1
    assert fig.axes[1].get_title() == f"your answer {geq}: looks like >= instead of >"
    # The suggested map and, over it, the cells where the patterns differ (only cells on a
    # unit's line: units that are constant over the grid are left out).
    assert len(fig.axes[1].images) == 2
    differ = fig.axes[1].get_legend().get_texts()[0].get_text()
    assert 0 < int(differ.split()[0]) < r * r // 2
    assert fig.axes[0].images[0].get_array().shape == (r, r)
    assert figure_png(fig).startswith(PNG)


@pytest.mark.parametrize("value", [*ODD_VALUES, -1, 10**9, True])
def test_region_count_map_survives_unexplained_answers(value):
    qc, case, want = _case(SURFACES, "count_regions_grid")
    fig = qc.plot(case, value, want)
    assert len(fig.axes) == 2 and len(fig.axes[0].images) == 1
    assert "reference grid count" in fig.axes[1].texts[0].get_text()
    assert _draws(fig)


def test_region_map_plot_needs_a_mode():
    with pytest.raises(ValueError, match="points_arg"):
        region_map_plot()


# ---- through the grader ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("assignment", "question", "wrong"),
    [
        ("features", "fit_logistic_regression", lambda w: (w[0] * 2, w[1])),
        ("backprop", "backward", lambda w: (w[0] + 1, w[1])),
        ("backprop", "numerical_gradient", lambda w: w * 2),
        ("surfaces", "activation_patterns", lambda w: ~w),
        ("surfaces", "count_regions_grid", lambda w: w + 1),
    ],
)
def test_failing_questions_get_a_png(assignment, question, wrong):
    course = load_course()
    p = plan(course, assignment, "plot-student")
    outcomes = {}
    for name, _qc, cases, expected in p.questions:
        for i, (case, want) in enumerate(zip(cases, expected, strict=True)):
            value = wrong(want) if name == question else want
            after = [np.array(a) if isinstance(a, np.ndarray) else None for a in case.args]
            outcomes[f"{name}#{i}"] = CallOutcome("ok", value=value, args_after=after)
    run = RunResult(outcomes=outcomes, load_messages=[], stdout="")

    class Result:
        questions = score(course, assignment, p, run)

    draw_failing_plots(Result, p.questions)
    for q in Result.questions:
        if q.name == question:
            assert q.figure_png is not None and q.figure_png.startswith(PNG)
        else:
            assert q.figure_png is None


# ---- every one-mistake file gets a hint and a plot -------------------------------------------


def _mutants():
    import importlib.util
    import sys
    from pathlib import Path

    path = Path(__file__).resolve().parent / "cases" / "mutants.py"
    spec = importlib.util.spec_from_file_location("relulab_mutants", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules["relulab_mutants"] = module
    spec.loader.exec_module(module)
    return module


_M = _mutants()


def _graded_with_plots(mutant, student: str = "plots-1"):
    """The mutant graded (in this process: the code is ours) with its illustrations run as
    grade_submission runs them, but on the mutant module instead of in a sandbox."""
    from autograder.course import load_course
    from autograder.grade import (
        SubmissionResult,
        apply_illustrations,
        plan,
        plan_illustrations,
        score,
    )

    course = load_course()
    p = plan(course, mutant.assignment, student)
    module = mutant.module()
    questions = score(course, mutant.assignment, p, _M.run_module(module, p))
    ip = plan_illustrations(course, mutant.assignment, student, p, questions)
    apply_illustrations(ip, _M.run_module(module, ip))
    result = SubmissionResult("m", None, mutant.assignment, student, 0, 10, questions=questions)
    draw_failing_plots(result, p.questions)
    return next(q for q in questions if mutant.function in q.functions)


@pytest.mark.parametrize("mutant", _M.MUTANTS, ids=lambda m: m.id)
def test_every_one_mistake_file_gets_a_hint_and_a_plot(mutant):
    q = _graded_with_plots(mutant)
    assert not q.passed
    assert q.hint, f"no hint for {mutant.id}"
    assert q.figure_png is not None and q.figure_png.startswith(b"\x89PNG"), mutant.id
    public = any(c.public and c.fraction < 1.0 and c.status == "ok" for c in q.cases)
    if public:  # drawn on the failing public case, without a caption
        assert q.illustration is None and not q.figure_caption
    else:  # drawn on an illustration on which the mutant is wrong, said so under it
        c = q.illustration
        assert c is not None and c.fraction < 1.0 and c.status == "ok"
        assert "not one of your hidden cases" in q.figure_caption
        hidden = {pickle.dumps((h.case.args, h.case.kwargs)) for h in q.cases}
        assert pickle.dumps((c.case.args, c.case.kwargs)) not in hidden


# ---- what caused the error is drawn ---------------------------------------------------------


def _labels(ax) -> set[str]:
    return {t.get_text() for t in ax.get_legend().get_texts()}


def _vlines(ax, colour) -> list[float]:
    """x of the vertical lines drawn in ``colour``."""
    from matplotlib.colors import to_rgba

    return [
        float(line.get_xdata()[0])
        for line in ax.lines
        if to_rgba(line.get_color()) == to_rgba(colour) and len(set(line.get_xdata())) == 1
    ]


def test_region_plot_greys_kinks_outside_and_marks_kinks_on_the_ends():
    from autograder.cases.shallow import QUESTIONS as SHALLOW

    # Kinks at -3 (outside [-2, 1]), -2 (on lo), 0 (inside, bends), 0.5 (inside, phi_d = 0).
    theta = np.array([[3.0, 1.0], [2.0, 1.0], [0.0, 1.0], [-0.25, 0.5]])
    phi = np.array([0.0, 1.0, 1.0, -2.0, 0.0])
    case = Case("k", (theta, phi, -2.0, 1.0))
    qc = SHALLOW["count_linear_regions"]
    ax = qc.plot(case, 4, qc.expected(case)).axes[0]
    assert _vlines(ax, "0.55") == [-3.0]
    assert _vlines(ax, "tab:orange") == [-2.0]
    assert sorted(_vlines(ax, "tab:blue")) == [0.0, 0.5]  # solid (bends) and dotted (not)
    assert ax.get_xlim()[0] < -3.0 and "kink outside [lo, hi] (no split)" in _labels(ax)


def test_pieces_plot_marks_switches_that_do_not_bend_and_kinks_outside():
    from autograder.cases.depth import QUESTIONS as DEPTH

    qc = DEPTH["count_linear_pieces"]
    case = next(c for c in qc.generate(question_rng(0, "p")) if c.name.startswith("edge: canc"))
    ax = qc.plot(case, 7, qc.expected(case)).axes[0]
    assert {
        "the slope changes: a new piece",
        "a unit switches, the slope does not change",
        "on lo or hi (no piece)",
        "outside [lo, hi] (no piece)",
    } <= _labels(ax)
    assert _vlines(ax, "0.55") == [pytest.approx(1.75)] and _vlines(ax, "tab:orange") == [1.25]


def test_prediction_plot_circles_the_points_whose_label_is_wrong():
    qc, case, want = _case(FEATURES, "predict")
    got = want.copy()
    got[:3] = 1 - got[:3]
    ax = qc.plot(case, got, want).axes[0]
    assert "3 points your labels get wrong" in _labels(ax)
    assert any("scores exactly 0" in t for t in _labels(ax))
    ax = qc.plot(case, want, want).axes[0]
    assert not any("get wrong" in t for t in _labels(ax))
    assert _draws(ax.figure)


def test_decision_boundary_circles_the_points_the_answer_misclassifies():
    qc, case, (w, b) = _case(FEATURES, "fit_logistic_regression")
    ax = qc.plot(case, (-w, -b), (w, b)).axes[0]
    assert "8 points your (w, b) misclassifies" in _labels(ax)
    assert _draws(ax.figure)
