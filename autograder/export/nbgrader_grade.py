"""The step of nbgrader's autograde pipeline that grades with relulab (see export/nbgrader.py).

nbgrader imports this module when ``nbgrader_config.py`` lists
``autograder.export.nbgrader_grade.RelulabGrade`` in ``Autograde.autograde_preprocessors``, in
place of nbgrader's ``Execute``. Needs nbgrader (and so traitlets and nbconvert) installed.
"""

from __future__ import annotations

import atexit
import base64
import tempfile
import threading
from pathlib import Path

import nbformat
from nbconvert.exporters.exporter import ResourcesDict
from nbformat import NotebookNode
from nbgrader.preprocessors import NbGraderPreprocessor
from traitlets import Unicode

from autograder.course import load_course
from autograder.export.nbgrader import GRADE_PREFIX, grade_cell
from autograder.grade import QuestionResult, SubmissionResult, grade_submission
from autograder.paths import source_roots
from autograder.plots import draw_failing_plots
from autograder.report import question_text
from autograder.sandbox import Sandbox

_lock = threading.Lock()
_sandboxes: dict[tuple[str, ...], Sandbox] = {}


def _sandbox(hide: list[Path]) -> Sandbox:
    """One warm sandbox per set of hidden paths, for the whole nbgrader run."""
    key = tuple(sorted(str(p) for p in hide))
    with _lock:
        if key not in _sandboxes:
            _sandboxes[key] = Sandbox(hide=hide, workers=1)
        return _sandboxes[key]


@atexit.register
def _close_sandboxes() -> None:
    for sandbox in _sandboxes.values():
        sandbox.close()
    _sandboxes.clear()


def question_outputs(q: QuestionResult, notes: list[str]) -> list[NotebookNode]:
    """A grade cell's outputs: messages and hint, a plot of a failing public case, the points.

    nbgrader's ``determine_grade`` reads the cell's score from its first ``execute_result``
    (a number, partial credit); no output here is an error or stderr, which would mean 0.
    """
    text = f"{q.name}: {q.score:g} / {q.max_score:g}\n{question_text(q)}\n"
    if notes:
        text += "While loading your notebook:\n" + "".join(f"  {n}\n" for n in notes)
    outputs = [nbformat.v4.new_output("stream", name="stdout", text=text)]
    if q.figure_png:
        outputs.append(
            nbformat.v4.new_output(
                "display_data",
                data={
                    "image/png": base64.b64encode(q.figure_png).decode("ascii"),
                    "text/plain": f"<{q.name}: your answer vs the reference>",
                },
            )
        )
    outputs.append(
        nbformat.v4.new_output(
            "execute_result", data={"text/plain": repr(float(q.score))}, execution_count=1
        )
    )
    return outputs


class RelulabGrade(NbGraderPreprocessor):
    """Grade the submission with relulab's sandboxed grader and fill in the grade cells."""

    course_file = Unicode(
        None, allow_none=True, help="course.yml to grade with (default: relulab's own)."
    ).tag(config=True)

    def _course_root(self, resources: ResourcesDict) -> Path | None:
        root = self.config.get("CourseDirectory", {}).get("root")
        if root:
            return Path(root).resolve()
        db_url = resources.get("nbgrader", {}).get("db_url", "")
        if db_url.startswith("sqlite:///"):
            return Path(db_url.removeprefix("sqlite:///")).resolve().parent
        return None

    def grade(self, nb: NotebookNode, resources: ResourcesDict) -> SubmissionResult:
        info = resources["nbgrader"]
        course = load_course(self.course_file)
        hide = list(source_roots())
        root = self._course_root(resources)
        if root is not None:
            hide.append(root)  # gradebook.db, source/ (solutions), other students' work
        with tempfile.TemporaryDirectory(prefix="relulab-nbgrader-") as tmp:
            path = Path(tmp) / f"{info['notebook']}.ipynb"
            nbformat.write(nb, path)
            return grade_submission(
                path,
                course,
                info["assignment"],
                _sandbox(hide),
                student=str(info["student"]),
                draw_plots=draw_failing_plots,
            )

    def preprocess(
        self, nb: NotebookNode, resources: ResourcesDict
    ) -> tuple[NotebookNode, ResourcesDict]:
        result = self.grade(nb, resources)
        self.log.info(
            "relulab: %s scored %g / %g (seed %d)",
            result.submission,
            result.score,
            result.max_score,
            result.seed,
        )
        by_id = {f"{GRADE_PREFIX}{q.name}": q for q in result.questions}
        seen: set[str] = set()
        notes = list(result.load_messages)
        for cell in nb.cells:
            grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
            if cell.cell_type != "code" or grade_id not in by_id or grade_id in seen:
                continue
            seen.add(grade_id)
            cell.outputs = question_outputs(by_id[grade_id], notes)
            cell.execution_count = 1
            notes = []  # loading messages go with the first grade cell only
        course = load_course(self.course_file)
        assignment = course.assignment(result.assignment)
        for grade_id, q in by_id.items():
            if grade_id not in seen:  # deleted and not restored: put it back, graded
                cell = grade_cell(assignment, q.name)
                cell.outputs = question_outputs(q, notes)
                cell.execution_count = 1
                notes = []
                nb.cells.append(cell)
        return nb, resources
