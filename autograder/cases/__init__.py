"""Hidden cases, one module per assignment (``autograder/cases/<assignment>.py``)."""

from __future__ import annotations

import importlib

from autograder.cases.base import QuestionCases


def load_questions(assignment: str) -> dict[str, QuestionCases]:
    """The ``QUESTIONS`` table of an assignment's cases module."""
    try:
        module = importlib.import_module(f"autograder.cases.{assignment}")
    except ModuleNotFoundError as exc:
        if exc.name == f"autograder.cases.{assignment}":
            raise KeyError(f"no hidden cases for assignment {assignment!r}") from None
        raise
    return module.QUESTIONS
