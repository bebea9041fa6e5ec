"""The hidden cases of `shallow`: well-formed, seeded, edge cases present, mistakes recognised.

Mistakes are fed through the real scoring (`autograder.grade.score`) as if a sandbox had
returned them, so a test fails if a hint would not reach a student who made that mistake.
Region counts of edge cases are checked against an exact brute force in rational arithmetic.
"""

from __future__ import annotations

import copy
import functools
from fractions import Fraction

import case_support
import numpy as np
import pytest

from autograder.cases.base import Case, Lambda, materialize
from autograder.cases.shallow import QUESTIONS
from autograder.course import load_course
from autograder.grade import Plan, plan

ASSIGNMENT = "shallow"
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
        if isinstance(value, tuple):
            return tuple(nudge(v) for v in value)
        return value

    for question in QUESTIONS:
        for answer in (lambda case, want: want, lambda case, want: nudge(want)):
            qr = grade_with(student_plan, question, answer)
            assert qr.score == qr.max_score, (question, qr.summary)
            assert qr.hint is None


# ---- edge cases are present ------------------------------------------------------------------


def test_relu_cases_include_zero_and_negative_zero():
    z = np.concatenate([c.args[0].ravel() for c in cases_for("relu")])
    zeros = z[z == 0]
    assert np.any(np.signbit(zeros)) and np.any(~np.signbit(zeros))
    assert {c.args[0].ndim for c in cases_for("relu")} >= {1, 2, 3}


def test_shallow_net_cases_hit_kinks_exactly_and_have_idle_units():
    exact_zero = zero_slope = zero_weight = False
    for c in cases_for("shallow_net"):
        x, theta, phi = c.args
        pre = theta[:, 0] + np.outer(x, theta[:, 1])
        exact_zero |= bool(np.any((pre == 0) & (theta[:, 1] != 0)))
        zero_slope |= bool(np.any(theta[:, 1] == 0))
        zero_weight |= bool(np.any(phi[1:] == 0))
    assert exact_zero and zero_slope and zero_weight


def test_kink_cases_include_duplicates_zero_slopes_and_no_kinks():
    qc = QUESTIONS["kink_locations"]
    sizes, duplicates, zero_slope = [], False, False
    for c in cases_for("kink_locations"):
        theta = c.args[0]
        kinks = [Fraction(-a) / Fraction(b) for a, b in theta if b != 0]
        duplicates |= len(set(kinks)) < len(kinks)
        zero_slope |= bool(np.any(theta[:, 1] == 0))
        sizes.append(qc.expected(c).size)
    assert duplicates and zero_slope and 0 in sizes


def exact_regions(theta, phi, lo, hi) -> int:
    """Brute force in rational arithmetic: slopes between consecutive kinks, equal runs merged."""
    lo, hi = Fraction(lo), Fraction(hi)
    units = [
        (Fraction(a), Fraction(b), Fraction(p)) for (a, b), p in zip(theta, phi[1:], strict=True)
    ]
    cuts = sorted({-a / b for a, b, _ in units if b != 0 and lo < -a / b < hi})
    points = [lo, *cuts, hi]
    slopes = []
    for left, right in zip(points[:-1], points[1:], strict=True):
        mid = (left + right) / 2
        slopes.append(sum(p * b for a, b, p in units if a + b * mid > 0))
    return 1 + sum(1 for s, t in zip(slopes[:-1], slopes[1:], strict=True) if s != t)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_region_counts_agree_with_rational_brute_force(seed):
    qc = QUESTIONS["count_linear_regions"]
    for c in cases_for("count_linear_regions", seed):
        assert qc.expected(c) == exact_regions(*c.args), c.name


def test_region_cases_include_every_edge_feature():
    cancel = ends = idle_inside = flat = other_interval = False
    for c in cases_for("count_linear_regions"):
        theta, phi, lo, hi = c.args
        other_interval |= (lo, hi) != (-2.0, 2.0)
        flat |= bool(np.any(theta[:, 1] == 0))
        groups: dict[Fraction, list[Fraction]] = {}
        for (a, b), p in zip(theta, phi[1:], strict=True):
            if b != 0:
                x = Fraction(-a) / Fraction(b)
                ends |= x in (lo, hi) and p != 0
                groups.setdefault(x, []).append(Fraction(p) * abs(Fraction(b)))
        for x, jumps in groups.items():
            inside = lo < x < hi
            cancel |= inside and len(jumps) > 1 and any(jumps) and sum(jumps) == 0
            idle_inside |= inside and len(jumps) == 1 and jumps[0] == 0
    assert cancel and ends and idle_inside and flat and other_interval


def test_the_cancelling_edge_case_from_first_principles():
    """relu(x) - relu(-x) = x and 2 relu(x - 1/2) - relu(2x - 1) = 0: only -1 and 1.5 bend."""
    case = next(c for c in cases_for("count_linear_regions") if "cancel at 0 and at 0.5" in c.name)
    theta, phi, lo, hi = case.args
    x = np.linspace(lo, hi, 4001)
    h = np.maximum(theta[:, 0] + np.outer(x, theta[:, 1]), 0.0)
    cancel_0 = h[:, 1] * phi[2] + h[:, 2] * phi[3]
    cancel_half = h[:, 3] * phi[4] + h[:, 4] * phi[5]
    assert np.allclose(cancel_0, x) and np.allclose(cancel_half, 0.0)
    assert QUESTIONS["count_linear_regions"].expected(case) == 3


# ---- mistakes are recognised -----------------------------------------------------------------


def answer_of(mistake):
    return lambda case, want: mistake.answer(case)


def _interp_parts(case: Case):
    (f, knots), _ = materialize(copy.deepcopy(case.args))
    values = np.asarray(f(knots.copy()), dtype=float)
    slopes = np.diff(values) / np.diff(knots)
    return knots, values, slopes


def _interp_too_many(case, want):  # one unit per knot (the last one idle)
    knots, values, slopes = _interp_parts(case)
    theta = np.column_stack([-knots, np.ones(knots.size)])
    return theta, np.concatenate([[values[0]], [slopes[0]], np.diff(slopes), [0.0]])


def _interp_offset(case, want):  # forgot phi_0
    knots, values, slopes = _interp_parts(case)
    theta = np.column_stack([-knots[:-1], np.ones(knots.size - 1)])
    return theta, np.concatenate([[0.0], [slopes[0]], np.diff(slopes)])


def _interp_slopes(case, want):  # slopes instead of slope changes
    knots, values, slopes = _interp_parts(case)
    theta = np.column_stack([-knots[:-1], np.ones(knots.size - 1)])
    return theta, np.concatenate([[values[0]], slopes])


def _interp_sign(case, want):  # units relu(x + knot)
    knots, values, slopes = _interp_parts(case)
    theta = np.column_stack([knots[:-1], np.ones(knots.size - 1)])
    return theta, np.concatenate([[values[0]], [slopes[0]], np.diff(slopes)])


def _interp_first_zero(case, want):  # the unit at knots[0] carries 0 instead of the first slope
    knots, values, slopes = _interp_parts(case)
    theta = np.column_stack([-knots[:-1], np.ones(knots.size - 1)])
    return theta, np.concatenate([[values[0]], [0.0], np.diff(slopes)])


DETECTED = {
    ("relu", "np.max"): lambda case, want: np.max(case.args[0], 0),
    ("interpolant_net", "too many units"): _interp_too_many,
    ("interpolant_net", "offset"): _interp_offset,
    ("interpolant_net", "slopes instead of slope changes"): _interp_slopes,
    ("interpolant_net", "kink sign"): _interp_sign,
    ("interpolant_net", "first slope missing"): _interp_first_zero,
}

MISTAKES = [(q, m) for q, qc in QUESTIONS.items() for m in qc.mistakes]


def test_every_detect_mistake_has_a_wrong_answer_here():
    detected = {(q, m.name) for q, m in MISTAKES if m.answer is None}
    assert detected == set(DETECTED)


@pytest.mark.parametrize("question,mistake", MISTAKES, ids=[f"{q}:{m.name}" for q, m in MISTAKES])
def test_each_mistake_gets_its_hint_and_loses_points(student_plan, question, mistake):
    answer = answer_of(mistake) if mistake.answer is not None else DETECTED[question, mistake.name]
    qr = grade_with(student_plan, question, answer)
    assert qr.score < qr.max_score
    assert qr.hint == mistake.explanation, qr.summary


# ---- the interpolant judge -------------------------------------------------------------------


def judge(case: Case, value):
    qc = QUESTIONS["interpolant_net"]
    return qc.assess(case, value, qc.expected(case), [])


def left_facing(case: Case):
    """Another correct net: units relu(knots[k] - x), k = 1..K-1, anchored at the last knot."""
    knots, values, slopes = _interp_parts(case)
    theta = np.column_stack([knots[1:], -np.ones(knots.size - 1)])
    weights = np.concatenate([np.diff(slopes), [-slopes[-1]]])
    return theta[::-1].copy(), np.concatenate([[values[-1]], weights[::-1]])


@pytest.mark.parametrize("seed", [0, 1])
def test_interpolant_judge_accepts_other_correct_nets(seed):
    for case in cases_for("interpolant_net", seed):
        theta, phi = QUESTIONS["interpolant_net"].expected(case)
        assert judge(case, left_facing(case)).passed, case.name
        order = np.arange(theta.shape[0])[::-1]  # units in another order, each scaled by 2
        assert judge(case, (2 * theta[order], np.concatenate([phi[:1], phi[1:][order] / 2]))).passed
        assert judge(case, (theta, phi)).passed


def test_interpolant_judge_accepts_a_zero_weight_unit_and_no_units_for_constant_f():
    case = next(c for c in cases_for("interpolant_net") if "constant" in c.name)
    assert judge(case, (np.array([[0.3, -2.0]]), np.array([1.5, 0.0]))).passed
    assert judge(case, (np.zeros((0, 2)), np.array([1.5]))).passed


def test_interpolant_judge_rejects_wrong_answers_with_specific_messages():
    case = Case("k8", (Lambda("x", "np.sin(x)"), np.linspace(0.0, 3.5, 8)))
    theta, phi = QUESTIONS["interpolant_net"].expected(case)
    extra = (np.vstack([theta, [[0.0, 1.0], [1.0, 1.0]]]), np.concatenate([phi, [0.0, 0.0]]))
    assert judge(case, extra).message == (
        "interpolant_net used 9 hidden units; at most 7 are allowed for 8 knots"
    )
    assert "theta of shape (7, 3); expected (D, 2)" in judge(case, (np.ones((7, 3)), phi)).message
    assert "phi of shape (7,); expected (8,)" in judge(case, (theta, phi[:-1])).message
    assert "expected a tuple (theta, phi)" in judge(case, theta).message
    assert "expected a tuple (theta, phi)" in judge(case, (theta, phi, phi)).message
    assert "expected an array" in judge(case, (theta.tolist(), phi)).message
    assert "NaN or inf" in judge(case, (theta, np.full_like(phi, np.nan))).message
    wrong = judge(case, (theta, phi + np.eye(8)[3]))
    assert not wrong.passed
    assert "differs from the piecewise-linear interpolant" in wrong.message
    assert judge(case, (theta, phi + 1.0)).message.count("8 of the 8 knots") == 1
    assert not judge(case, None).passed


def test_plots_draw_for_public_cases():
    for question in ("relu", "shallow_net"):
        qc = QUESTIONS[question]
        case = next(c for c in cases_for(question) if c.public)
        want = qc.expected(case)
        assert qc.plot(case, want + 1.0, want) is not None


def test_interpolant_plot_draws_the_students_net_and_survives_junk():
    qc = QUESTIONS["interpolant_net"]
    case = next(c for c in cases_for("interpolant_net") if c.public)
    theta, phi = qc.expected(case)
    knots = case.args[1].size  # one vertical line per knot
    for value, curves in (((theta, phi + 1.0), 2), (None, 1), ((theta[:, :1], phi), 1)):
        fig = qc.plot(case, value, (theta, phi))
        assert len(fig.axes[0].lines) == curves + knots
