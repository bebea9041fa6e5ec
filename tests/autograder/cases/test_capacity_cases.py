"""The hidden cases of `capacity`: right answers score full, every mistake model is named by its
own hint, and depth_sweep's counter sees every net the sweep builds.

Answers are fed through the real scoring (`autograder.grade.score`) as if a sandbox had returned
them (see tests/case_support.py).
"""

from __future__ import annotations

import copy
import functools

import case_support
import numpy as np
import pytest

from autograder.cases.base import materialize
from autograder.cases.capacity import QUESTIONS
from autograder.course import load_course
from autograder.grade import Plan, plan
from reference.capacity import depth_widths, random_layers

ASSIGNMENT = "capacity"
COURSE = load_course()

grade_with = functools.partial(case_support.grade_with, ASSIGNMENT)


@pytest.fixture(scope="module", params=("ada", "grace"))
def student_plan(request) -> Plan:
    return plan(COURSE, ASSIGNMENT, request.param)


def _nudge(value):
    if isinstance(value, np.ndarray) and value.dtype.kind == "f":
        return value * (1 + 1e-8) + 1e-11
    if isinstance(value, tuple | list):
        return type(value)(_nudge(v) for v in value)
    return value


def test_reference_and_tolerance_answers_score_full_without_hint(student_plan):
    for question in QUESTIONS:
        for answer in (lambda case, want: want, lambda case, want: _nudge(want)):
            qr = grade_with(student_plan, question, answer)
            assert qr.score == qr.max_score, (question, qr.summary)
            assert qr.hint is None


@pytest.fixture(scope="module")
def one_plan() -> Plan:
    return plan(COURSE, ASSIGNMENT, "ada")  # other students: test_fairness.py


MODELS = [(q, m) for q, qc in QUESTIONS.items() for m in qc.mistakes if m.answer is not None]


@pytest.mark.parametrize(("question", "mistake"), MODELS, ids=[f"{q}-{m.name}" for q, m in MODELS])
def test_each_mistake_loses_points_and_gets_its_own_hint(one_plan, question, mistake):
    def answer(case, want):
        with np.errstate(all="ignore"):
            return mistake.answer(case)

    qr = grade_with(one_plan, question, answer)
    assert qr.score < qr.max_score
    assert qr.mistake == mistake.name and qr.hint == mistake.explanation


def _sweep_case():
    return next(c for c in QUESTIONS["depth_sweep"].generate(np.random.default_rng(0)) if c.public)


def test_the_sweep_counter_reads_every_weight_and_the_interval():
    case = _sweep_case()
    (count, units, depths, seeds, lo, hi), _ = materialize(copy.deepcopy(case.args))
    layers = random_layers(depth_widths(units, depths[-1]), seeds[-1])
    base = count(layers, lo, hi)
    for i, (W, _) in enumerate(layers):
        for j in range(W.size):
            moved = [(V.copy(), c.copy()) for V, c in layers]
            moved[i][0].flat[j] += 1e-3
            assert count(moved, lo, hi) != base, f"layer {i} weight {j} is not read"
    assert count(layers, lo, hi + 1.0) == base + 1.0


def test_a_sweep_of_other_seeds_or_widths_fails(student_plan):
    def other_seeds(case, want):
        (count, units, depths, seeds, lo, hi), kw = materialize(case.args, case.kwargs)
        widths = [depth_widths(units, d) for d in depths]
        counts = [[count(random_layers(w, s + 1, kw.get("bias_std", 0.1)), lo, hi) for s in seeds]
                  for w in widths]  # fmt: skip
        return (np.array([np.mean(c) for c in counts]),
                np.array([np.std(c, ddof=1) / np.sqrt(len(c)) for c in counts]))  # fmt: skip

    qr = grade_with(student_plan, "depth_sweep", other_seeds)
    assert qr.score == 0


def test_hidden_kinds_cover_every_activation_and_a_square_bridge():
    names = {c.args[0] for c in QUESTIONS["activation"].generate(np.random.default_rng(1))}
    assert names == {"relu", "leaky_relu", "elu", "sigmoid", "tanh"}
    mlp_names = {c.args[2] for c in QUESTIONS["mlp_with"].generate(np.random.default_rng(1))}
    assert mlp_names == names
    shapes = [
        (c.args[0][0][0].shape, c.args[0][1][0].shape)
        for c in QUESTIONS["layers_to_xw"].generate(np.random.default_rng(1))
    ]
    assert any(a[0] == a[1] and b[0] == b[1] for a, b in shapes)


def test_no_student_gets_a_training_run_that_diverges():
    """A diverged run's answer is inf / nan, on which two right implementations need not agree
    (the overflow depends on the order of the products): no hidden case may be one. The
    bundled course's student "s48" once got one (widths [1, 2, 2, 2, 1], lr 0.1)."""
    from autograder.grade import question_rng, seed_for

    qc = QUESTIONS["train_deep_linear"]
    seeds = [seed_for(COURSE, ASSIGNMENT, f"s{i:02d}") for i in range(1, 61)] + list(range(40))
    for seed in seeds:
        for case in qc.generate(question_rng(seed, "train_deep_linear")):
            losses, P = qc.expected(case)
            assert np.isfinite(losses).all() and np.isfinite(P).all(), (seed, case.name)
