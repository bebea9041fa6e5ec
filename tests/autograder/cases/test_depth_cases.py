"""The hidden cases of `depth`: well-formed, seeded, edge cases present, mistakes recognised.

Mistakes are fed through the real scoring (`autograder.grade.score`) as if a sandbox had
returned them. Piece counts are checked against facts that do not use the reference: the
sawtooth's 2**L pieces on [-2, 2] and 2**(L-1) on [-1, 1], and hand-derived counts.
"""

from __future__ import annotations

import functools

import case_support
import numpy as np
import pytest

from autograder.cases.base import Case
from autograder.cases.depth import QUESTIONS
from autograder.course import load_course
from autograder.grade import Plan, plan
from reference.depth import mlp, sawtooth

ASSIGNMENT = "depth"
COURSE = load_course()
STUDENTS = ("ada", "grace")


def cases_for(question: str, seed: int = 0) -> list[Case]:
    return QUESTIONS[question].generate(np.random.default_rng(seed))


@pytest.fixture(scope="module", params=STUDENTS)
def student_plan(request) -> Plan:
    return plan(COURSE, ASSIGNMENT, request.param)


grade_with = functools.partial(case_support.grade_with, ASSIGNMENT)


# ---- right answers (well-formed and seeded: see test_all_cases.py) ----------------------------


def test_reference_and_tolerance_answers_score_full_without_hint(student_plan):
    def nudge(value):
        if isinstance(value, np.ndarray) and value.dtype.kind == "f":
            return value * (1 + 1e-8) + 1e-11
        if isinstance(value, tuple | list):
            return type(value)(nudge(v) for v in value)
        return value

    def nudge_output_layer(layers):  # layers are judged by their outputs: nudge those only
        W, b = layers[-1]
        return [*layers[:-1], (W * (1 + 1e-10), b + 1e-10)]

    for question in QUESTIONS:
        near = nudge_output_layer if question == "sawtooth_layers" else nudge
        for answer in (lambda case, want: want, lambda case, want, near=near: near(want)):
            qr = grade_with(student_plan, question, answer)
            assert qr.score == qr.max_score, (question, qr.summary)
            assert qr.hint is None


# ---- edge cases are present ------------------------------------------------------------------


def test_sawtooth_cases_hit_kinks_exactly_at_several_depths():
    depths = set()
    on_kink = False
    for c in cases_for("sawtooth"):
        x, depth = c.args
        depths.add(depth)
        f = x.copy()
        for _ in range(depth):  # a kink of f_l is where f_{l-1} = 0 exactly
            on_kink |= bool(np.any(f == 0))
            f = 2 * np.abs(f) - 2
    assert on_kink and {0, 12, 16} <= depths


def test_mlp_cases_have_several_shapes_and_exact_zero_preactivations():
    shapes, exact_zero = set(), False
    for c in cases_for("mlp"):
        x, layers = c.args
        shapes.add((x.shape[1], len(layers), layers[-1][0].shape[0]))
        h = x
        for W, b in layers[:-1]:
            pre = h @ W.T + b
            exact_zero |= bool(np.any(pre == 0))
            h = np.maximum(pre, 0)
    assert exact_zero and len(shapes) >= 5


def sawtooth_count(depth: int, lo: float, hi: float) -> int | None:
    """The sawtooth's pieces from its shape: 2**L on [-2, 2], 2**(L-1) on [-1, 1] (L >= 1)."""
    if (lo, hi) == (-2.0, 2.0):
        return 2**depth
    if (lo, hi) == (-1.0, 1.0):
        return 2 ** max(depth - 1, 0)
    return None


def test_sawtooth_piece_counts_are_powers_of_two():
    qc = QUESTIONS["count_linear_pieces"]
    depths = []
    for seed in range(3):
        for c in cases_for("count_linear_pieces", seed):
            layers, lo, hi = c.args
            if c.name.startswith(("sawtooth_layers", "public: sawtooth_layers")):
                depth = len(layers) - 1
                want = sawtooth_count(depth, lo, hi)
                if want is not None:
                    assert qc.expected(c) == want, c.name
                    depths.append((depth, lo))
    assert (16, -2.0) in depths and any(lo == -1.0 for _, lo in depths)


def test_hand_built_count_cases():
    qc = QUESTIONS["count_linear_pieces"]
    by_name = {c.name: c for c in cases_for("count_linear_pieces")}
    # -1 and 0.75 bend; 0 cancels, 0.5 has zero weight, 1.25 is the end, 1.75 is outside.
    edge = by_name["edge: cancelling pair, zero weight, kink on the end, kink outside"]
    layers, lo, hi = edge.args
    x = np.linspace(lo, hi, 100001)
    slope = np.diff(mlp(x[:, None], layers)[:, 0]) / np.diff(x)
    bends = x[1:-1][~np.isclose(slope[1:], slope[:-1])]
    assert np.allclose(bends[[0, -1]], [-1.0, 0.75], atol=1e-4)
    assert qc.expected(edge) == 3
    assert qc.expected(by_name["edge: equal roots in two layers"]) == 2
    assert qc.expected(by_name["edge: every unit dead on [-2, 2]"]) == 1
    assert qc.expected(by_name["edge: one linear layer"]) == 1


def grid_runs(layers, lo: float, hi: float) -> int:
    """Pieces seen by 1000 samples: 1 + the runs of slope changes between grid cells."""
    xs = np.linspace(lo, hi, 1000)
    slopes = np.diff(mlp(xs[:, None], layers)[:, 0]) / np.diff(xs)
    change = ~np.isclose(slopes[1:], slopes[:-1])
    return 1 + int(np.count_nonzero(change[1:] & ~change[:-1])) + int(change[0])


def test_tiny_piece_cases_really_hide_pieces_from_a_grid():
    qc = QUESTIONS["count_linear_pieces"]
    tiny = [c for c in cases_for("count_linear_pieces", 5) if "narrower than 1e-4" in c.name]
    assert len(tiny) == 2
    for c in tiny:
        (W1, b1), _, _ = c.args[0]
        kinks = np.sort(-b1 / W1[:, 0])
        assert np.min(np.diff(kinks)) < 1e-4
        exact = qc.expected(c)
        assert grid_runs(*c.args) <= exact - 3  # the 3 pieces inside the cluster are missed


# ---- mistakes are recognised -----------------------------------------------------------------


def _saw_off_by_one(case, want):
    x, depth = case.args
    return sawtooth(x, depth + 1)


def _fold_layers(depth: int, hidden_bias: float, out_bias: float):
    """The usual construction with fold constant `hidden_bias` and output bias `out_bias`."""
    if depth == 0:
        return [(np.array([[1.0]]), np.array([0.0]))]
    layers = [(np.array([[1.0], [-1.0]]), np.zeros(2))]
    for _ in range(depth - 1):
        layers.append((np.array([[2.0, 2.0], [-2.0, -2.0]]), np.array([hidden_bias, -hidden_bias])))
    layers.append((np.array([[2.0, 2.0]]), np.array([out_bias])))
    return layers


def _grid_raw(case, want):
    layers, lo, hi = case.args
    xs = np.linspace(lo, hi, 1000)
    slopes = np.diff(mlp(xs[:, None], layers)[:, 0]) / np.diff(xs)
    return 1 + int(np.count_nonzero(~np.isclose(slopes[1:], slopes[:-1])))


def _collapse_reversed(case, want):
    layers = case.args[0]
    W, b = layers[0]
    for W_l, b_l in layers[1:]:
        W, b = W @ W_l, W_l @ b + b_l
    return W, b


DETECTED = {
    ("sawtooth", "off by one fold"): _saw_off_by_one,
    ("sawtooth_layers", "biases fold with -1"): lambda c, w: _fold_layers(c.args[0], -1.0, -1.0),
    ("sawtooth_layers", "output bias"): lambda c, w: _fold_layers(c.args[0], -2.0, 0.0),
    ("sawtooth_layers", "hidden biases missing"): lambda c, w: _fold_layers(c.args[0], 0.0, -2.0),
    ("count_linear_pieces", "grid"): lambda c, w: grid_runs(*c.args),
    # Every slope change between grid cells counts a breakpoint twice: too many pieces.
    ("count_linear_pieces", "grid, too many"): _grid_raw,
    ("collapse_linear", "reversed order"): _collapse_reversed,
}

MISTAKES = [(q, m) for q, qc in QUESTIONS.items() for m in qc.mistakes]


def test_every_detect_mistake_has_a_wrong_answer_here():
    detected = {(q, m.name) for q, m in MISTAKES if m.answer is None}
    assert detected == set(DETECTED)


@pytest.mark.parametrize("question,mistake", MISTAKES, ids=[f"{q}:{m.name}" for q, m in MISTAKES])
def test_each_mistake_gets_its_hint_and_loses_points(student_plan, question, mistake):
    if mistake.answer is not None:
        answer = lambda case, want: mistake.answer(case)  # noqa: E731
    else:
        answer = DETECTED[question, mistake.name]
    qr = grade_with(student_plan, question, answer)
    assert qr.score < qr.max_score
    assert qr.hint == mistake.explanation, qr.summary


def test_grid_counting_by_runs_of_slope_changes_also_gets_the_grid_hint(student_plan):
    grid = next(m for m in QUESTIONS["count_linear_pieces"].mistakes if m.name == "grid")

    qr = grade_with(student_plan, "count_linear_pieces", lambda case, want: grid_runs(*case.args))
    assert qr.score < qr.max_score and qr.hint == grid.explanation


# ---- the sawtooth_layers judge ---------------------------------------------------------------


def judge(depth: int, value):
    qc = QUESTIONS["sawtooth_layers"]
    case = Case(f"depth {depth}", (depth,))
    return qc.assess(case, value, qc.expected(case), [])


def other_construction(depth: int):
    """Units in the other order, hidden units scaled by 1/2 (relu is positively homogeneous)."""
    if depth == 0:
        return [(np.array([[1.0]]), np.array([0.0]))]
    layers = [(np.array([[-0.5], [0.5]]), np.zeros(2))]
    # |t| = 2 (h_1 + h_2), so f = 4 (h_1 + h_2) - 2 and the next units are relu(-f/2), relu(f/2).
    for _ in range(depth - 1):
        layers.append((np.array([[-2.0, -2.0], [2.0, 2.0]]), np.array([1.0, -1.0])))
    layers.append((np.array([[4.0, 4.0]]), np.array([-2.0])))
    return layers


@pytest.mark.parametrize("depth", [0, 1, 2, 5, 12])
def test_sawtooth_layers_judge_accepts_another_construction(depth):
    x = np.linspace(-3, 3, 1001)
    assert np.allclose(mlp(x[:, None], other_construction(depth))[:, 0], sawtooth(x, depth))
    assert judge(depth, other_construction(depth)).passed
    as_lists = [[W.tolist(), b.tolist()] for W, b in other_construction(depth)]
    assert not judge(depth, as_lists).passed  # arrays are required


def test_sawtooth_layers_judge_rejects_wrong_answers_with_specific_messages():
    good = other_construction(3)
    assert "returned 3 layers; expected 4 for depth 3" in judge(3, good[:3]).message
    wide = [(np.ones((3, 1)), np.zeros(3)), *good[1:]]
    assert "in layer [0], W of shape (3, 1); expected (2, 1)" in judge(3, wide).message
    assert "expected a list of (W, b) pairs" in judge(3, None).message
    assert "expected a (W, b) pair" in judge(3, [good[0], good[1][0], *good[2:]]).message
    nan = [*good[:-1], (good[-1][0], np.array([np.nan]))]
    assert "NaN or inf" in judge(3, nan).message
    shifted = [*good[:-1], (good[-1][0], np.array([0.0]))]
    assert "differs from sawtooth(x, 3)" in judge(3, shifted).message
    assert "in layer [0], W of shape (2, 1); expected (1, 1)" in judge(0, good[:1]).message


def test_plots_draw_for_public_cases():
    for question in ("mlp", "sawtooth"):
        qc = QUESTIONS[question]
        case = next(c for c in cases_for(question) if c.public)
        want = qc.expected(case)
        assert qc.plot(case, want + 1.0, want) is not None


def test_sawtooth_layers_plot_draws_the_students_net_and_survives_junk():
    qc = QUESTIONS["sawtooth_layers"]
    case = next(c for c in cases_for("sawtooth_layers") if c.public)
    good = other_construction(case.args[0])
    shifted = [*good[:-1], (good[-1][0], np.array([0.0]))]
    assert len(qc.plot(case, shifted, None).axes[0].lines) == 2
    assert len(qc.plot(case, "junk", None).axes[0].lines) == 1
