"""Grade answers without a sandbox: fake RunResults fed through autograder.grade.score."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from autograder.cases.base import Case
from autograder.course import load_course
from autograder.grade import QuestionResult, plan, score
from autograder.sandbox import CallOutcome, RunResult


def _after(case: Case) -> list:
    """args_after of a call that leaves its inputs alone: copies of the ndarray arguments."""
    return [np.array(a, copy=True) if isinstance(a, np.ndarray) else None for a in case.args]


def grade_answers(
    assignment: str,
    answers: dict[str, Callable[[Case, Any], Any]] | None = None,
    after: dict[str, Callable[[Case], list]] | None = None,
    student: str = "student-1",
) -> dict[str, QuestionResult]:
    """Score one student whose answer to question q on a case is answers[q](case, expected).

    Questions without an entry answer with the reference value; ``after[q](case)`` gives the
    arguments as the student's function left them (default: unchanged copies).
    """
    answers, after = answers or {}, after or {}
    course = load_course()
    p = plan(course, assignment, student)
    outcomes = {}
    for name, _qc, cases, expected in p.questions:
        for i, (case, want) in enumerate(zip(cases, expected, strict=True)):
            value = answers[name](case, want) if name in answers else want
            args_after = after[name](case) if name in after else _after(case)
            outcomes[f"{name}#{i}"] = CallOutcome("ok", value=value, args_after=args_after)
    run = RunResult(outcomes=outcomes, load_messages=[], stdout="")
    return {q.name: q for q in score(course, assignment, p, run)}


def student_cases(assignment: str, question: str, student: str = "student-1") -> list:
    """(case, expected) pairs of one question for one student, as the grader plans them."""
    p = plan(load_course(), assignment, student)
    for name, _qc, cases, expected in p.questions:
        if name == question:
            return list(zip(cases, expected, strict=True))
    raise KeyError(question)


@pytest.fixture
def grade() -> Callable[..., dict[str, QuestionResult]]:
    return grade_answers


@pytest.fixture
def cases_of() -> Callable[..., list]:
    return student_cases
