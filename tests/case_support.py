"""Scoring answers without a sandbox, for the tests of the hidden cases."""

from __future__ import annotations

import copy

from autograder.course import load_course
from autograder.grade import Plan, QuestionResult, score
from autograder.sandbox import CallOutcome, RunResult


def grade_with(assignment: str, p: Plan, question: str, answer) -> QuestionResult:
    """Score `question` when the student's function returns answer(case, expected) on every case.

    An answer that raises becomes an "error" outcome, as when the student's code raises.
    Other questions get the reference's answers.
    """
    outcomes = {}
    for name, _qc, cases, expected in p.questions:
        for i, (case, want) in enumerate(zip(cases, expected, strict=True)):
            if name != question:
                outcomes[f"{name}#{i}"] = CallOutcome("ok", want)
                continue
            try:
                value = answer(copy.deepcopy(case), want)
            except Exception as exc:
                outcomes[f"{name}#{i}"] = CallOutcome("error", message=str(exc))
                continue
            outcomes[f"{name}#{i}"] = CallOutcome("ok", value)
    results = score(load_course(), assignment, p, RunResult(outcomes, [], ""))
    return next(q for q in results if q.name == question)
