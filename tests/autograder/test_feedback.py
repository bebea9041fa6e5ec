"""Feedback that teaches, checked on `relulab demo` (the README's first command): for every
assignment a wrong submission's report names its mistake and plots it, a correct one has
neither, and nothing hidden is shown before the due date."""

from __future__ import annotations

import csv
import datetime as dt
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from gradescope_schema import validate_results

from autograder.course import load_course
from autograder.paths import course_root

SAMPLES = course_root() / "samples"
ASSIGNMENTS = load_course().names


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("demo")
    cmd = [sys.executable, "-m", "autograder.cli", "demo", "--out", str(out), "--jobs", "2"]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return out


def samples(assignment: str, kind: str) -> list[str]:
    return sorted(p.stem for p in (SAMPLES / assignment).iterdir() if f"_{kind}" in p.stem)


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_every_sample_is_graded_with_valid_results(demo: Path, assignment: str):
    with open(demo / assignment / "grades.csv", newline="") as f:
        rows = {r["submission"]: r for r in csv.DictReader(f)}
    stems = sorted(p.stem for p in (SAMPLES / assignment).iterdir())
    assert sorted(rows) == stems
    for stem in stems:
        data = json.loads((demo / assignment / stem / "results.json").read_text())
        validate_results(data)
        assert float(rows[stem]["score"]) == pytest.approx(data["score"], abs=0.005)  # 2 decimals


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_correct_samples_get_full_marks_and_no_hint_or_plot(demo: Path, assignment: str):
    for stem in samples(assignment, "correct"):
        data = json.loads((demo / assignment / stem / "results.json").read_text())
        assert data["score"] == data["max_score"]
        html = (demo / assignment / stem / "feedback.html").read_text()
        assert "Hint:" not in html and "<img" not in html


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_partial_samples_get_a_hint_and_a_plot(demo: Path, assignment: str):
    for stem in samples(assignment, "partial"):
        data = json.loads((demo / assignment / stem / "results.json").read_text())
        assert 0 < data["score"] < data["max_score"]
        failing = [
            t for t in data["tests"] if t["visibility"] == "visible" and t["status"] == "failed"
        ]
        assert any(re.search(r"^Hint: \S", t["output"], re.M) for t in failing)
        html = (demo / assignment / stem / "feedback.html").read_text()
        assert "<p class='hint'>Hint: " in html
        assert re.search(
            r'<img alt="[^"]+" src="data:image/png;base64,[A-Za-z0-9+/=]{500,}">', html
        )
        plotted = [t for t in failing if t.get("output_format") == "html"]
        assert plotted and all("data:image/png;base64," in t["output"] for t in plotted)


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_nothing_hidden_is_visible_before_the_due_date(demo: Path, assignment: str):
    due = load_course().assignment(assignment).due
    due_passed = due is not None and dt.datetime.now(dt.timezone.utc) >= due
    for stem in samples(assignment, ""):
        data = json.loads((demo / assignment / stem / "results.json").read_text())
        for t in data["tests"]:
            hidden_details = "inputs:" in t["output"] or "expected:" in t["output"]
            assert not hidden_details or t["visibility"] == "after_due_date"
        html = (demo / assignment / stem / "feedback.html").read_text()
        assert ("Hidden case details" in html) == due_passed
