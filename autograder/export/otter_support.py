"""What the hidden tests of the otter export call: relulab's grade of one hidden case.

An otter hidden test of question ``q`` reads ``check_case("<assignment>", "q", i)``: it grades
the submission file (once per kernel, cached) with :func:`autograder.grade.grade_submission` in
relulab's sandbox, and raises AssertionError with relulab's message (never the case's inputs)
unless hidden case ``i`` passed. Otter runs tests in the student's kernel with the current
directory at the submission folder; the submission is the single ``.ipynb`` there (else the
single ``.py``), and the seed's student id comes from ``../submission_metadata.json``
(``users[0].id``) or the file stem, as for the Gradescope runner.

Caveat: otter executes the student's notebook and these tests in the same kernel and pickles the
results from there, so a submission can still tamper with otter itself (its results file, this
module's functions). The grading here cannot be fooled by patched numpy or by lying objects
(the answers are computed in the sandbox and judged outside it), but for a grade that student
code cannot touch at all use the Gradescope zip of ``relulab export gradescope``.
"""

from __future__ import annotations

from pathlib import Path

from autograder.course import load_course
from autograder.export.common import student_id_from_metadata
from autograder.grade import SubmissionResult, grade_submission
from autograder.paths import source_roots
from autograder.sandbox import Sandbox

_results: dict[tuple[str, str, str], SubmissionResult] = {}


def find_submission(folder: Path | None = None) -> Path:
    """The submission otter is grading: the single notebook in ``folder``, else the single .py."""
    folder = Path(folder) if folder is not None else Path.cwd()
    notebooks = sorted(folder.glob("*.ipynb"))
    if len(notebooks) == 1:
        return notebooks[0]
    scripts = [p for p in sorted(folder.glob("*.py")) if p.name != "__init__.py"]
    if not notebooks and len(scripts) == 1:
        return scripts[0]
    raise AssertionError(f"cannot tell which file in {folder} is the submission")


def grade(assignment: str, folder: Path | None = None) -> SubmissionResult:
    """relulab's grade of the submission in ``folder`` (default: the current directory)."""
    path = find_submission(folder).resolve()
    student = student_id_from_metadata(path.parent.parent / "submission_metadata.json", path.stem)
    key = (assignment, str(path), student)
    if key not in _results:
        hide = list(source_roots())
        ag_root = path.parent.parent
        hide += [p for p in (ag_root / "source", ag_root / "results") if p.exists()]
        with Sandbox(hide=hide, workers=1) as sandbox:
            _results[key] = grade_submission(
                path, load_course(), assignment, sandbox, student=student
            )
    return _results[key]


def check_case(assignment: str, question: str, index: int) -> None:
    """Pass silently when hidden case ``index`` of ``question`` passed; else AssertionError."""
    result = grade(assignment)
    q = next(q for q in result.questions if q.name == question)
    if index >= len(q.cases):
        raise AssertionError(f"{question}: there is no hidden case {index + 1}")
    case = q.cases[index]
    if case.fraction < 1.0 - 1e-9:
        message = f"{question}, hidden case {index + 1} of {len(q.cases)}: {case.shown_message()}"
        if q.hint:
            message += f"\nHint: {q.hint}"
        raise AssertionError(message)
