"""Round trip through the real nbgrader: export, generate_assignment, autograde, feedback, export.

Timings on 2 cores (composition, three students in one autograde call): autograde ~8 s with
relulab replacing nbgrader's Execute step, ~18 s when Execute is kept and the grade cells are
overwritten afterwards (the notebook is then run twice: once in nbgrader's kernel, once in the
sandbox). generate_assignment ~3 s per assignment.
"""

from __future__ import annotations

import copy
import csv
import html
import re
import shutil
import sys
from pathlib import Path

import nbformat
import numpy as np
import pytest
from platform_helpers import ASSIGNMENT, FORGERY_LINES, answer_sources, relulab_scores, run

from autograder.course import load_course
from autograder.export import leaked_lines, load_solution
from autograder.export.nbgrader import GRADE_PREFIX, export
from autograder.grade import plan

pytest.importorskip("nbgrader")
pytestmark = pytest.mark.platform

NBGRADER = [sys.executable, "-m", "nbgrader"]
STUDENTS = {"alice": "correct", "bob": "partial", "mallory": "forger"}


@pytest.fixture(scope="module")
def course_dir(tmp_path_factory) -> Path:
    """An exported course in which generate_assignment ran for every assignment."""
    dest = export(tmp_path_factory.mktemp("nbgrader") / "course")
    # every assignment in one call ("*" is a glob over source/); parallel calls would race
    # on gradebook.db
    run([*NBGRADER, "generate_assignment", "*", "--force"], cwd=dest)
    return dest


def test_config_is_absolute_and_replaces_execute(course_dir: Path) -> None:
    text = (course_dir / "nbgrader_config.py").read_text()
    assert f"c.CourseDirectory.root = {str(course_dir)!r}" in text
    pipeline = text.split("autograde_preprocessors = [", 1)[1].split("]", 1)[0]
    assert "RelulabGrade" in pipeline and "Execute" not in pipeline
    assert "SaveAutoGrades" in pipeline


def test_generate_assignment_releases_every_assignment_without_solutions(course_dir: Path) -> None:
    course = load_course()
    for a in course.assignments:
        release = nbformat.read(course_dir / "release" / a.name / f"{a.name}.ipynb", as_version=4)
        solution = load_solution(a.name)
        assert leaked_lines(solution, [c.source for c in release.cells]) == []
        assert "### BEGIN SOLUTION" not in nbformat.writes(release)
        grades = {
            c.metadata["nbgrader"]["grade_id"]: c.metadata["nbgrader"]
            for c in release.cells
            if c.metadata.get("nbgrader", {}).get("grade")
        }
        assert grades.keys() == {f"{GRADE_PREFIX}{q.name}" for q in a.questions}
        for q in a.questions:
            meta = grades[f"{GRADE_PREFIX}{q.name}"]
            assert meta["locked"] and meta["points"] == q.points
        ids = [
            c.metadata["nbgrader"]["grade_id"] for c in release.cells if "nbgrader" in c.metadata
        ]
        assert len(ids) == len(set(ids))
        answers = [c for c in release.cells if c.metadata.get("nbgrader", {}).get("solution")]
        assert answers and all("raise NotImplementedError()" in c.source for c in answers)


def _submission(release: nbformat.NotebookNode, kind: str) -> nbformat.NotebookNode:
    nb = copy.deepcopy(release)
    answers = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("solution")]
    sources = answer_sources(kind)
    assert len(answers) == len(sources)
    for cell, (_functions, source) in zip(answers, sources, strict=True):
        cell.source = source
    return nb


def _numbers(value, out: set[str]) -> None:
    """Distinctive decimal renderings of the numbers in a hidden case's inputs."""
    if isinstance(value, np.ndarray) and value.dtype.kind == "f":
        for v in value.ravel():
            if abs(v) >= 0.1 and round(v, 2) != v:
                out.update({f"{v:.3f}", f"{v:.4f}", repr(float(v))})
    elif isinstance(value, list | tuple):
        for v in value:
            _numbers(v, out)


def _hidden_numbers(student: str) -> set[str]:
    p = plan(load_course(), ASSIGNMENT, student)
    found: set[str] = set()
    for _name, _qc, cases, _expected in p.questions:
        for case in cases:
            if not case.public:
                _numbers(list(case.args), found)
    return found


def _text(html_text: str) -> str:
    html_text = re.sub(r"<(style|script)\b.*?</\1>", "", html_text, flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", " ", html_text))


def _cell_scores(path: Path) -> dict[str, float]:
    nb = nbformat.read(path, as_version=4)
    scores = {}
    for cell in nb.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id", "")
        if cell.metadata.get("nbgrader", {}).get("grade") and grade_id.startswith(GRADE_PREFIX):
            results = [o for o in cell.outputs if o.output_type == "execute_result"]
            assert len(results) == 1
            scores[grade_id.removeprefix(GRADE_PREFIX)] = float(results[0].data["text/plain"])
    return scores


def test_autograde_feedback_export_match_relulab(course_dir: Path, tmp_path: Path) -> None:
    release = nbformat.read(course_dir / "release" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb", 4)
    for student, kind in STUDENTS.items():
        path = course_dir / "submitted" / student / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
        path.parent.mkdir(parents=True)
        nbformat.write(_submission(release, kind), path)
    run([*NBGRADER, "autograde", ASSIGNMENT], cwd=course_dir)
    run([*NBGRADER, "generate_feedback", ASSIGNMENT], cwd=course_dir)
    run([*NBGRADER, "export"], cwd=course_dir)

    with open(course_dir / "grades.csv", newline="") as f:
        rows = [r for r in csv.DictReader(f) if r["assignment"] == ASSIGNMENT]
    nb_scores = {r["student_id"]: float(r["score"]) for r in rows}
    max_score = load_course().assignment(ASSIGNMENT).max_score
    assert {float(r["max_score"]) for r in rows} == {max_score}

    mine = tmp_path / "relulab"  # file stem = student id
    mine.mkdir()
    for student in STUDENTS:
        shutil.copy(
            course_dir / "submitted" / student / ASSIGNMENT / f"{ASSIGNMENT}.ipynb",
            mine / f"{student}.ipynb",
        )
    relulab = relulab_scores(mine)
    for student in STUDENTS:
        assert nb_scores[student] == pytest.approx(relulab[student]["score"], abs=1e-6)
        per_question = {
            t["name"]: t["score"] for t in relulab[student]["tests"] if "." not in t["number"]
        }
        autograded = course_dir / "autograded" / student / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
        assert _cell_scores(autograded) == pytest.approx(per_question, abs=1e-6)

    assert nb_scores["alice"] == max_score
    assert 0 < nb_scores["bob"] < max_score
    assert nb_scores["bob"] != round(nb_scores["bob"])  # partial credit inside compose survived

    # the forger earns what its code honestly earns: the same notebook without the patches
    forger = nbformat.read(mine / "mallory.ipynb", 4)
    for cell in forger.cells:
        cell.source = "\n".join(
            line for line in cell.source.splitlines() if line not in FORGERY_LINES
        )
    (tmp_path / "honest").mkdir()
    nbformat.write(forger, tmp_path / "honest" / "mallory.ipynb")
    honest_score = relulab_scores(tmp_path / "honest")["mallory"]["score"]
    assert nb_scores["mallory"] == pytest.approx(honest_score, abs=1e-6)
    assert nb_scores["mallory"] < max_score

    # feedback: our messages are there, hidden inputs and case details are not
    source_text = (course_dir / "source" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb").read_text()
    for student in STUDENTS:
        page = course_dir / "feedback" / student / ASSIGNMENT / f"{ASSIGNMENT}.html"
        text = _text(page.read_text())
        assert "cases passed" in text
        assert "inputs:" not in text and "expected:" not in text
        hidden = _hidden_numbers(student) - {
            s for s in _hidden_numbers(student) if s in source_text
        }
        assert len(hidden) > 20
        assert sorted(s for s in hidden if s in text) == []
    # the leak detector above does find hidden inputs when they are shown
    details = "\n".join(t["output"] for t in relulab["bob"]["tests"] if "hidden case" in t["name"])
    assert any(s in details for s in _hidden_numbers("bob"))
