"""The same code earns the same score for every student.

Each student's cases come from fixed kinds: the kinds, their names and weights are the same
for every student, and within a kind every known mistake is wrong for every student or for
none. Checked on one-mistake implementations (the reference with one edit, see mutants.py)
and on every mistake model of autograder/cases/, graded under several student ids.
"""

from __future__ import annotations

import copy

import case_support
import numpy as np
import pytest
from mutants import MUTANTS, grade_mutant

from autograder.cases import load_questions
from autograder.course import load_course
from autograder.grade import plan

ASSIGNMENTS = ["shallow", "composition", "depth", "features", "backprop", "surfaces", "capacity"]
STUDENTS = [f"fair-{i}" for i in range(5)]
SPREAD = 0.02  # of the assignment's points


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_every_student_gets_the_same_kinds(assignment):
    """Case names (which feedback shows) and weights do not depend on the student."""
    course = load_course()
    kinds = None
    for student in STUDENTS:
        p = plan(course, assignment, student)
        mine = [(q, c.name, c.weight, c.public) for q, _, cases, _ in p.questions for c in cases]
        assert kinds is None or mine == kinds, f"{student} got other kinds"
        kinds = mine


# Known, left open: train is judged by properties of the run (the API leaves the initialisation
# open), so a wrong backward makes train's cases pass or fail depending on the instance.
OPEN = {"backprop:dL_dv from z"}


def _open(param_id: str, *values):
    mark = pytest.mark.xfail(param_id in OPEN, reason="known unfairness, see OPEN", strict=True)
    return pytest.param(*values, id=param_id, marks=mark)


@pytest.mark.parametrize("mutant", [_open(m.id, m) for m in MUTANTS])
def test_one_mistake_file_scores_the_same_for_every_student(mutant):
    totals = [sum(q.score for q in grade_mutant(mutant, s)) for s in STUDENTS]
    points = load_course().assignment(mutant.assignment).max_score
    assert max(totals) - min(totals) <= SPREAD * points, totals
    assert min(totals) < points, "the mistake is not punished"


def _model_answer(mistake):
    def answer(case, want):
        with np.errstate(all="ignore"):
            return mistake.answer(copy.deepcopy(case))

    return answer


MODELS = [
    (a, q, m)
    for a in ASSIGNMENTS
    for q, qc in load_questions(a).items()
    for m in qc.mistakes
    if m.answer is not None
]


@pytest.mark.parametrize(
    "assignment,question,mistake", [_open(f"{a}-{q}-{m.name}", a, q, m) for a, q, m in MODELS]
)
def test_mistake_model_scores_the_same_for_every_student(assignment, question, mistake):
    course = load_course()
    scores = [
        case_support.grade_with(
            assignment, plan(course, assignment, s), question, _model_answer(mistake)
        ).score
        for s in STUDENTS
    ]
    points = load_course().assignment(assignment).max_score
    assert max(scores) - min(scores) <= SPREAD * points, scores
