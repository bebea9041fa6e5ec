"""Submission layouts instructors have: per-student folders, nbgrader, LMS downloads, a roster."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from autograder.layout import LayoutError, find_entries, lms_id, read_roster
from autograder.paths import course_root

CORRECT = course_root() / "samples" / "composition" / "ada_correct.py"
BROKEN = course_root() / "samples" / "composition" / "ben_partial.py"


def _notebook(source: str) -> str:
    cell = {"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None}
    nb = {"cells": [{**cell, "source": source}], "metadata": {}, "nbformat": 4}
    return json.dumps({**nb, "nbformat_minor": 5})


def _put(path: Path, source: Path, mtime: float | None = None) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    text = source.read_text()
    path.write_text(_notebook(text) if path.suffix == ".ipynb" else text)
    if mtime is not None:
        os.utime(path, (mtime, mtime))
    return path


def test_a_folder_of_student_folders_is_one_submission_per_student(tmp_path):
    _put(tmp_path / "alice" / "composition.ipynb", CORRECT)
    _put(tmp_path / "bob" / "composition.ipynb", CORRECT)
    _put(tmp_path / "cy" / "work" / "composition.py", CORRECT)
    (tmp_path / "dan").mkdir()
    entries, warnings = find_entries([tmp_path])
    # the stems ("composition") are not unique in the batch: each is named by its student id
    assert sorted((e.student, e.name) for e in entries) == [
        ("alice", "alice"),
        ("bob", "bob"),
        ("cy", "cy"),
    ]
    assert any("dan" in w and "no .py or .ipynb" in w for w in warnings)


def test_nbgrader_submitted_folders(tmp_path):
    submitted = tmp_path / "submitted"
    _put(submitted / "alice" / "composition" / "composition.ipynb", CORRECT)
    _put(submitted / "bob" / "composition" / "composition.ipynb", CORRECT)
    (submitted / "bob" / "composition" / "timestamp.txt").write_text("2026-12-01 10:00:00")
    entries, warnings = find_entries([submitted])
    assert sorted((e.student, e.name) for e in entries) == [("alice", "alice"), ("bob", "bob")]
    assert any("timestamp.txt" in w and "not graded" in w for w in warnings)


@pytest.mark.parametrize(
    ("name", "student", "who"),
    [
        ("smithjane_12345_67890_composition.ipynb", "12345", "smithjane"),
        ("smithjane_LATE_12345_67890_composition-1.ipynb", "12345", "smithjane"),
        ("Jane Smith_4321_assignsubmission_file_composition.ipynb", "4321", "Jane Smith"),
        ("composition_jsmith_attempt_2026-11-02-10-00-00_composition.py", "jsmith", ""),
    ],
)
def test_lms_download_names_give_the_student_id(name, student, who):
    found = lms_id(name)
    assert found is not None and found[:2] == (student, who)
    assert lms_id("composition.ipynb") is None and lms_id("ada_correct.py") is None


def test_a_student_with_several_files_is_graded_on_the_newest(tmp_path):
    # Blackboard's attempt time decides, whatever the files' own times say.
    old = _put(tmp_path / "a" / "composition_js_attempt_2026-11-01-10-00-00_c.py", CORRECT, 2e9)
    new = _put(tmp_path / "a" / "composition_js_attempt_2026-11-02-10-00-00_c.py", BROKEN, 1e9)
    entries, warnings = find_entries([tmp_path / "a"])
    assert [(e.path, e.student) for e in entries] == [(new, "js")]
    assert any(str(old) in w and "newer file" in w for w in warnings)
    # In a student folder without times in the names, the modification time decides.
    _put(tmp_path / "b" / "kim" / "first.py", CORRECT, 1e9)
    second = _put(tmp_path / "b" / "kim" / "second.ipynb", BROKEN, 2e9)
    entries, warnings = find_entries([tmp_path / "b"])
    assert [(e.path, e.student) for e in entries] == [(second, "kim")]
    assert any("first.py" in w and "newer file" in w for w in warnings)


def test_a_roster_maps_files_and_folders_to_student_ids(tmp_path):
    _put(tmp_path / "in" / "hw_final.py", CORRECT)
    _put(tmp_path / "in" / "Team Blue" / "composition.ipynb", CORRECT)
    roster = tmp_path / "roster.csv"
    roster.write_text("file,student,name\nhw_final.py,s001,Ada L\nTeam Blue,s002,Bo B\n")
    entries, _ = find_entries([tmp_path / "in"], read_roster(roster))
    assert sorted((e.student, e.student_name) for e in entries) == [
        ("s001", "Ada L"),
        ("s002", "Bo B"),
    ]
    bad = tmp_path / "bad.csv"
    bad.write_text("name,id\nx,y\n")
    with pytest.raises(LayoutError, match="columns file,student"):
        read_roster(bad)


def _cli(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    cmd = [sys.executable, "-m", "autograder.cli", "grade", *args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=600, cwd=cwd)


def test_the_command_grades_an_lms_style_download(tmp_path):
    inbox = tmp_path / "download"
    _put(inbox / "alice" / "composition.ipynb", CORRECT)
    _put(inbox / "bob" / "composition.ipynb", BROKEN)
    _put(inbox / "smithjane_12345_67890_composition.ipynb", CORRECT)
    _put(inbox / "Jo Ng_4321_assignsubmission_file_" / "composition.py", CORRECT)
    (inbox / "readme.txt").write_text("not a submission")
    out = tmp_path / "out"
    proc = _cli(str(inbox), "-a", "composition", "--out", str(out), "-j", "2", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr[-3000:]
    with open(out / "grades.csv", newline="") as f:
        rows = {r["student"]: r for r in csv.DictReader(f)}
    assert sorted(rows) == ["12345", "4321", "alice", "bob"]
    assert float(rows["alice"]["score"]) == 10 and float(rows["12345"]["score"]) == 10
    assert float(rows["4321"]["score"]) == 10 and float(rows["bob"]["score"]) < 10
    assert len({r["seed"] for r in rows.values()}) == 4
    assert "readme.txt" in "".join(proc.stderr.split())  # rich wraps anywhere in a long path


def test_nothing_to_grade_is_a_usage_error(tmp_path):
    (tmp_path / "empty").mkdir()
    (tmp_path / "empty" / "notes.txt").write_text("x")
    proc = _cli(
        str(tmp_path / "empty"), "-a", "composition", "--out", str(tmp_path / "o"), cwd=tmp_path
    )
    assert proc.returncode == 2 and "nothing to grade" in proc.stderr
    assert "notes.txt" in proc.stderr and "Traceback" not in proc.stderr


def test_files_named_one_by_one_in_student_folders_take_their_folders_ids(tmp_path):
    """``relulab grade subs/*/composition.py``: the shared stem is nobody's id; each file is its
    folder's student's (LMS names included), as when ``subs/`` itself is given, so no two
    students are drawn the same instances. Two files side by side keep their stems."""
    files = [
        _put(tmp_path / "alice" / "composition.py", CORRECT),
        _put(tmp_path / "bob" / "composition.py", CORRECT),
        _put(tmp_path / "Cy Dee_4242_assignsubmission_file_" / "composition.py", CORRECT),
    ]
    entries, warnings = find_entries(files)
    assert sorted((e.student, e.name) for e in entries) == [
        ("4242", "4242"),
        ("alice", "alice"),
        ("bob", "bob"),
    ]
    assert next(e.student_name for e in entries if e.student == "4242") == "Cy Dee"
    assert sorted(entries, key=str) == sorted(find_entries([tmp_path])[0], key=str)  # as a folder
    assert any("3 files have the name 'composition'" in w for w in warnings)
    side = [
        _put(tmp_path / "dan" / "bob.py", CORRECT),
        _put(tmp_path / "dan" / "bob.ipynb", CORRECT),
    ]
    entries, _ = find_entries(side)
    assert sorted((e.student, e.name) for e in entries) == [("bob", "bob.ipynb"), ("bob", "bob.py")]
    twins = [_put(tmp_path / d / "x" / "composition.py", CORRECT) for d in ("a", "b")]
    entries, _ = find_entries(twins)  # folder names that tell nobody apart: no file dropped
    assert sorted(e.name for e in entries) == ["composition.py", "composition.py-2"]
    (alone,), _ = find_entries([files[0]])
    assert (alone.student, alone.name) == ("composition", "composition")
