"""What every question's hidden cases must satisfy, for every assignment in course.yml.

(The per-assignment test files check each construction's own edge cases and mistakes.)
"""

from __future__ import annotations

import copy
import pickle

import numpy as np
import pytest

from autograder.cases import load_questions
from autograder.course import load_course
from autograder.grade import question_rng

COURSE = load_course()
QUESTIONS = [(a.name, q.name) for a in COURSE.assignments for q in a.questions]


def generate(assignment: str, question: str, seed: int) -> list:
    return load_questions(assignment)[question].generate(question_rng(seed, question))


def fingerprint(cases: list) -> list:
    """Exact: pickles hold every bit of every array (and a Lambda's text and bindings)."""
    return [(c.name, pickle.dumps((c.args, c.kwargs, c.weight, c.public))) for c in cases]


@pytest.mark.parametrize("assignment", COURSE.names)
def test_questions_match_course_yml(assignment):
    table = load_questions(assignment)
    questions = COURSE.assignment(assignment).questions
    assert list(table) == [q.name for q in questions]
    assert all(table[q.name].function in q.functions for q in questions)


@pytest.mark.parametrize(("assignment", "question"), QUESTIONS)
def test_cases_are_well_formed_and_answered_by_the_reference(assignment, question):
    qc = load_questions(assignment)[question]
    for seed in range(3):
        cases = generate(assignment, question, seed)
        assert len({c.name for c in cases}) == len(cases), "case names must be unique"
        assert any(c.public for c in cases), "a public case is needed for plots"
        assert all(c.weight > 0 for c in cases)
        for c in cases:
            before = copy.deepcopy(c.args)
            qc.expected(c)  # must not raise
            for a, b in zip(c.args, before, strict=True):  # the reference sees copies only
                if isinstance(a, np.ndarray):
                    assert np.array_equal(a, b, equal_nan=True)


@pytest.mark.parametrize(("assignment", "question"), QUESTIONS)
def test_every_expected_answer_is_the_references_on_a_copy_and_owned_by_its_caller(
    assignment, question
):
    """A case the profile search drew brings the reference's answer it worked out then: the
    expected answer must be, bit for bit, the reference's on a copy of the inputs, computed
    here, and each caller gets an answer of its own (the second asking computes it again)."""
    from autograder.cases.base import materialize

    qc = load_questions(assignment)[question]
    for c in generate(assignment, question, 5):
        args, kwargs = materialize(*copy.deepcopy((c.args, c.kwargs)))
        with np.errstate(all="ignore"):
            mine, first, again = qc.reference(*args, **kwargs), qc.expected(c), qc.expected(c)
        assert pickle.dumps(first) == pickle.dumps(mine) == pickle.dumps(again), c.name
        assert not {id(a) for a in _arrays(first)} & {id(a) for a in _arrays(again)}, c.name


@pytest.mark.parametrize("assignment", COURSE.names)
def test_planning_warns_of_nothing(assignment):
    """numpy's floating-point warnings while the grader draws instances (a training run that
    diverges) are not the instructor's to read: planning prints none (capacity's student s48
    once got three RuntimeWarnings from the reference, printed in the middle of a batch)."""
    import warnings

    from autograder.grade import plan

    for i in range(60 if assignment == "capacity" else 10):
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            plan(COURSE, assignment, f"s{i:02d}")


def test_an_answer_worked_out_by_another_reference_is_not_taken():
    from autograder.cases.base import Case, QuestionCases

    qc = QuestionCases(function="f", generate=lambda rng: [], reference=lambda x: x + 1)
    assert qc.expected(Case("a", (1,), known=(lambda x: x - 1, 0))) == 2
    assert qc.expected(Case("b", (1,), known=(qc.reference, 7))) == 7


# Questions whose every kind is deterministic (the same instances for every student).
DETERMINISTIC = {("depth", "sawtooth_layers")}


@pytest.mark.parametrize(("assignment", "question"), QUESTIONS)
def test_public_cases_are_fixed_and_random_cases_follow_the_seed(assignment, question):
    a, a2, b = (generate(assignment, question, s) for s in (1, 1, 2))
    assert fingerprint(a) == fingerprint(a2)
    if (assignment, question) not in DETERMINISTIC:
        assert fingerprint(a) != fingerprint(b)
    else:
        assert fingerprint(a) == fingerprint(b)
    assert fingerprint([c for c in a if c.public]) == fingerprint([c for c in b if c.public])


@pytest.mark.parametrize("assignment", [a.name for a in COURSE.assignments])
def test_fresh_copies_every_case_as_deepcopy_does(assignment):
    """fresh() (the grader's copy of an instance before the reference sees it) gives what
    copy.deepcopy gives: equal data, nothing shared with the case, shared parts still shared."""
    from autograder.cases.base import fresh

    table = load_questions(assignment)
    for name, qc in table.items():
        for case in qc.generate(np.random.default_rng(3)):
            data = (case.args, case.kwargs)
            mine, theirs = fresh(data), copy.deepcopy(data)
            assert pickle.dumps(mine) == pickle.dumps(theirs), name  # pickle keeps sharing too
            originals = {id(a) for a in _arrays(data)}
            assert not originals & {id(a) for a in _arrays(mine)}, name
    x = np.arange(3.0)
    shared = fresh(([x, x], {"again": x}))
    assert shared[0][0] is shared[0][1] is shared[1]["again"] and shared[0][0] is not x


def _arrays(value):
    if isinstance(value, np.ndarray):
        yield value
    elif isinstance(value, list | tuple):
        for v in value:
            yield from _arrays(v)
    elif isinstance(value, dict):
        for v in value.values():
            yield from _arrays(v)
    elif hasattr(value, "bind"):
        yield from _arrays(value.bind)
