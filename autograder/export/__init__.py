"""Exports of the course to grading platforms: nbgrader, otter-grader and Gradescope.

Every export is built from the same three things: ``course.yml`` (questions and points),
``solutions/<assignment>.ipynb`` (the worked notebooks, cell conventions in
:mod:`autograder.notebooks`) and the hidden cases (:mod:`autograder.cases`). Grading on every
platform goes through :func:`autograder.grade.grade_submission`, so a submission gets the same
score everywhere for the same student id.

What they share is in :mod:`autograder.export.common`, and is named here too, imported when
first asked for (PEP 562): ``python -m autograder.export.gradescope_run`` imports this package
before the runner's first line, which starts the sandbox's process; nothing heavy comes first.
"""

from __future__ import annotations

import importlib

TYPE_CHECKING = False  # typing itself takes some 10 ms to import; checkers know the name

if TYPE_CHECKING:
    from .common import (
        Block,
        ExportError,
        build_wheel,
        course_and_root,
        leaked_lines,
        load_solution,
        question_blocks,
        rebuild_installed_wheel,
        relulab_role,
        solution_lines,
        strip_markers,
        student_id_from_metadata,
    )

__all__ = [
    "Block",
    "ExportError",
    "build_wheel",
    "course_and_root",
    "leaked_lines",
    "load_solution",
    "question_blocks",
    "rebuild_installed_wheel",
    "relulab_role",
    "solution_lines",
    "strip_markers",
    "student_id_from_metadata",
]


def __getattr__(name: str) -> object:
    if name not in __all__:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(".common", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
