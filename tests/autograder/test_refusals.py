"""What is wrong is refused before any grading, in one line each, with no traceback."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import yaml

from autograder.paths import course_root

CORRECT = course_root() / "samples" / "composition" / "ada_correct.py"


def _grade(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    cmd = [sys.executable, "-m", "autograder.cli", "grade", *args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=600, cwd=cwd)


def test_a_notebook_of_another_assignment_is_refused_unless_forced(tmp_path):
    nb = json.loads((course_root() / "exercises" / "composition.ipynb").read_text())
    (tmp_path / "try.ipynb").write_text(json.dumps(nb))
    proc = _grade("try.ipynb", "-a", "shallow", "--out", "o", cwd=tmp_path)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert "try.ipynb: its notebook says it is the 'composition' assignment, not 'shallow'" in (
        proc.stderr
    )
    assert not (tmp_path / "o").exists()  # refused before grading
    proc = _grade("try.ipynb", "-a", "shallow", "--out", "o", "--force-assignment", cwd=tmp_path)
    assert proc.returncode == 0 and (tmp_path / "o" / "try" / "results.json").is_file()


def test_course_questions_the_cases_cannot_grade_are_refused_with_their_place(tmp_path):
    course = yaml.safe_load((course_root() / "course.yml").read_text())
    comp = next(a for a in course["assignments"] if a["name"] == "composition")
    comp["questions"].append({"name": "relu2", "functions": ["relu"], "points": 1})
    comp["questions"][0]["functions"] = ["compose", "relu_typo"]
    (tmp_path / "course.yml").write_text(yaml.safe_dump(course))
    proc = _grade(str(CORRECT), "-a", "composition", "--course", "course.yml", cwd=tmp_path)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    lines = proc.stderr.splitlines()
    assert any("questions[3] (relu2): no hidden cases for this question" in ln for ln in lines)
    assert any("questions[0] (compose): functions names 'relu_typo'" in ln for ln in lines)
    assert not (tmp_path / "graded").exists()


def test_an_out_that_is_a_file_or_cannot_be_written_is_refused(tmp_path):
    (tmp_path / "afile").write_text("x")
    for out in ("afile", "afile/sub"):
        proc = _grade(str(CORRECT), "-a", "composition", "--out", out, cwd=tmp_path)
        assert proc.returncode == 2 and "Traceback" not in proc.stderr, proc.stderr
        assert "--out" in proc.stderr
    assert (tmp_path / "afile").read_text() == "x"
