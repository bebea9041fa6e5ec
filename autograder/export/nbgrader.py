"""``relulab export nbgrader DIR``: an nbgrader course graded by relulab's sandboxed grader.

What DIR holds::

    nbgrader_config.py          absolute CourseDirectory.root, course_id, the autograde pipeline
    gradebook.db                the assignments with their due dates (when nbgrader is installed)
    source/<a>/<a>.ipynb        one per assignment, built from solutions/<a>.ipynb
    README.md                   the commands, in order

The source notebooks: answer cells become nbgrader solution cells (their ``### BEGIN SOLUTION``
/ ``### END SOLUTION`` markers stay, so ``nbgrader generate_assignment`` replaces each region by
its stub); given and check cells become locked read-only cells; after each question's block one
locked grade cell per course.yml question, worth its points, with grade_id ``relulab-<question>``.
The grade cells hold no tests at all (there is nothing hidden to strip or to leak into the
feedback): in the student's notebook they only check that the functions exist.

Grading (the anti-forgery design). Plain nbgrader runs the tests inside the student's kernel, so a
submission that sets ``np.allclose = lambda *a, **k: True`` or swallows errors with
``get_ipython().set_custom_exc(...)`` gets full marks. Here the ``Execute`` step of nbgrader's
autograde pipeline (``Autograde.autograde_preprocessors``) is replaced by
:class:`autograder.export.nbgrader_grade.RelulabGrade`: it writes the sanitised submission (after
nbgrader restored locked cells and points) to a private temporary file, grades it with
:func:`autograder.grade.grade_submission` in relulab's sandbox (student code runs in a child
process as an unprivileged user, the grader and this course folder hidden; scores computed in
nbgrader's process), seeded from nbgrader's student id, and writes each grade cell's outputs: the
question's messages and hint as text, a plot of a failing public case, and an ``execute_result``
holding the points earned, which nbgrader's ``determine_grade`` reads as partial credit. Student
code therefore never runs in nbgrader's kernel or process (it cannot touch gradebook.db either),
``nbgrader autograde`` gives the same score as ``relulab grade NB --student-id ID``, and the
feedback shows only messages and hints, never hidden inputs.

Measured on 2 cores (composition, three submissions in one ``nbgrader autograde`` call): see
the report in tests/platforms/test_nbgrader.py's module docstring for the numbers.
"""

from __future__ import annotations

import copy
import datetime as dt
from pathlib import Path

import nbformat
from nbformat import NotebookNode

from autograder.course import Assignment, Course
from autograder.export.common import (
    ExportError,
    course_and_root,
    load_solution,
    question_blocks,
    relulab_role,
)
from autograder.notebooks import clean_notebook, notebook_json
from autograder.report import write_atomic

GRADE_PREFIX = "relulab-"
EXECUTE_TIMEOUT_S = 120

PIPELINE = [
    "autograder.export.nbgrader_grade.RelulabGrade",
    "nbgrader.preprocessors.IgnorePattern",
    "nbconvert.preprocessors.ClearMetadataPreprocessor",
    "nbgrader.preprocessors.LimitOutput",
    "nbgrader.preprocessors.SaveAutoGrades",
    "nbgrader.preprocessors.AssignLatePenalties",
    "nbgrader.preprocessors.CheckCellMetadata",
]


def _meta(grade_id: str, *, solution: bool, grade: bool, locked: bool, points=None) -> dict:
    meta = {
        "grade": grade,
        "grade_id": grade_id,
        "locked": locked,
        "schema_version": 3,
        "solution": solution,
    }
    if grade:
        meta["points"] = points
    return meta


def grade_cell(assignment: Assignment, question: str) -> NotebookNode:
    """The locked grade cell of one course.yml question (no tests in it; see module doc)."""
    q = assignment.question(question)
    what = "function is" if len(q.functions) == 1 else "functions are"
    checks = "\n".join(
        f'assert callable(globals().get("{f}")), "{f} is not defined: run its cell above"'
        for f in q.functions
    )
    source = (
        f"# Question {q.name} ({q.points:g} points), graded after you submit on hidden instances\n"
        f"# of your own; the feedback explains the grade. Here this cell only checks that the\n"
        f"# {what} defined.\n"
        f"{checks}"
    )
    cell = nbformat.v4.new_code_cell(source)
    cell.id = f"{GRADE_PREFIX}{q.name}"
    cell.metadata = {
        "nbgrader": _meta(
            f"{GRADE_PREFIX}{q.name}", solution=False, grade=True, locked=True, points=q.points
        ),
        "relulab": {"role": "grade", "question": q.name},
    }
    return cell


def source_notebook(solution: NotebookNode, assignment: Assignment) -> NotebookNode:
    """The nbgrader source notebook of an assignment, from its solution notebook."""
    nb = clean_notebook(solution)
    blocks = {b.stop: b for b in question_blocks(nb, assignment)}
    cells: list[NotebookNode] = []
    seen: set[str] = set()
    for i, cell in enumerate(nb.cells):
        role = relulab_role(cell)
        if cell.cell_type == "code" and role in ("answer", "given", "check"):
            funcs = cell.metadata["relulab"].get("functions", [])
            base = f"{role}-{'-'.join(funcs)}" if funcs else f"{role}-{i}"
            grade_id = base if base not in seen else f"{base}-{i}"
            seen.add(grade_id)
            if role == "answer":
                cell.metadata["nbgrader"] = _meta(
                    grade_id, solution=True, grade=False, locked=False
                )
            else:
                cell.metadata["nbgrader"] = _meta(
                    grade_id, solution=False, grade=False, locked=True
                )
        if i + 1 in blocks:
            cells.append(cell)
            cells += [grade_cell(assignment, q) for q in blocks[i + 1].questions]
        else:
            cells.append(cell)
    nb.cells = cells
    nb.metadata["kernelspec"] = {
        "display_name": "Python 3",
        "language": "python",
        "name": "python3",
    }
    nb.metadata.setdefault("relulab", {})["assignment"] = assignment.name
    return nb


def config_text(root: Path, course: Course) -> str:
    """nbgrader_config.py of the course folder ``root`` (absolute)."""
    pipeline = ",\n".join(f"    {p!r}" for p in PIPELINE)
    return f'''"""nbgrader configuration written by `relulab export nbgrader` (regenerate, do not edit)."""

c = get_config()  # noqa: F821 - provided by nbgrader

c.CourseDirectory.root = {str(root)!r}
c.CourseDirectory.course_id = {course.course!r}

# Grading: relulab replaces nbgrader's in-kernel Execute step. RelulabGrade grades the
# submission in relulab's sandbox (seeded from the student id) and writes each grade cell's
# output; student code never runs in nbgrader's kernel. Needs relulab importable here.
c.Autograde.autograde_preprocessors = [
{pipeline},
]
# A deleted grade cell is put back (and graded) instead of needing a manual grade.
c.OverwriteCells.add_missing_cells = True

# Only used by `nbgrader validate` and if the pipeline above is changed back to Execute;
# relulab's own limits (course.yml) bound student code during grading.
c.Execute.timeout = {EXECUTE_TIMEOUT_S}
'''


README = """# nbgrader course exported by relulab

Run from this folder, in an environment where both nbgrader and relulab are installed
(`pip install "relulab[nbgrader]"`):

    nbgrader generate_assignment <a> --force     # release/<a>/<a>.ipynb for students
    # collect submissions into submitted/<student>/<a>/<a>.ipynb
    nbgrader autograde <a>                        # relulab grades each one in its sandbox
    nbgrader generate_feedback <a>                # feedback/<student>/<a>/<a>.html
    nbgrader export                               # grades.csv

Assignments: {names}.

Autograding does not execute notebooks in nbgrader's kernel: the `RelulabGrade` step of the
pipeline in nbgrader_config.py grades every submission with relulab's sandboxed grader (the same
score as `relulab grade <notebook> --assignment <a> --student-id <student>`) and writes each
grade cell's points, messages and hints. Grade cells contain no hidden tests.
"""


def _gradebook(root: Path, course: Course) -> bool:
    """Record the assignments and due dates in gradebook.db; False when nbgrader is missing."""
    try:
        from nbgrader.api import Gradebook
    except ImportError:
        return False
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}", course.course) as gb:
        for a in course.assignments:
            due = a.due.astimezone(dt.timezone.utc).replace(tzinfo=None) if a.due else None
            gb.update_or_create_assignment(a.name, duedate=due)
    return True


def export(
    dest: Path, *, course: Course | None = None, root: Path | None = None, gradebook: bool = True
) -> Path:
    """Write the nbgrader course folder ``dest`` for every assignment; returns ``dest``.

    ``course``/``root``: the course definition and the folder holding solutions/ (defaults:
    this course). ``gradebook``: also record assignments and due dates in gradebook.db.
    """
    course, root = course_and_root(course, root)
    dest = Path(dest).resolve()
    dest.mkdir(parents=True, exist_ok=True)
    for a in course.assignments:
        solution = load_solution(a.name, root)
        nb = source_notebook(copy.deepcopy(solution), a)
        nbformat.validate(nb)
        write_atomic(dest / "source" / a.name / f"{a.name}.ipynb", notebook_json(nb))
    write_atomic(dest / "nbgrader_config.py", config_text(dest, course))
    write_atomic(dest / "README.md", README.format(names=", ".join(course.names)))
    if gradebook:
        _gradebook(dest, course)
    return dest


__all__ = ["GRADE_PREFIX", "ExportError", "config_text", "export", "grade_cell", "source_notebook"]
