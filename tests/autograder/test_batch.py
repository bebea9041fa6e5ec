"""Batches and reports: exact totals, resuming only what is really graded, safe output names,
visibility of hidden details, and a batch that survives its own failures.

The sandbox is replaced by a stand-in that runs nothing (every case is "not run", 0 points), so
these tests check the batch's bookkeeping, not student code; the real sandbox is covered in
test_grade.py and test_grade_cli.py.
"""

from __future__ import annotations

import copy
import csv
import datetime as dt
import json
import math
from pathlib import Path

import numpy as np
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

import autograder.batch as batch
from autograder.cases.base import Case, QuestionCases
from autograder.compare import Verdict
from autograder.course import load_course, parse_course
from autograder.grade import (
    CaseResult,
    QuestionResult,
    SubmissionResult,
    _judge,
    find_submissions,
    plan,
    score,
)
from autograder.paths import course_root
from autograder.report import details_revealed, feedback_html, grades_row, results_json
from autograder.sandbox import CallOutcome, RunResult

RAW = yaml.safe_load((course_root() / "course.yml").read_text())


class FakeSandbox:
    """Runs nothing; records which submissions it was asked to run."""

    runs: list[str] = []

    def __init__(self, *args, **kwargs):
        pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def run(self, path, calls, limits, **kwargs):
        FakeSandbox.runs.append(path.stem)
        return RunResult(outcomes={}, load_messages=[], stdout="")


@pytest.fixture
def fake_sandbox(monkeypatch):
    FakeSandbox.runs = []
    monkeypatch.setattr(batch, "Sandbox", FakeSandbox)
    return FakeSandbox


def course_with(**changes):
    raw = copy.deepcopy(RAW)
    for key, value in changes.items():
        raw["assignments"][1][key] = value  # composition
    return parse_course(raw)


def submission(folder: Path, stem: str, text: str = "x = 1\n") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{stem}.py"
    path.write_text(text)
    return path


# --- 1. the total is exactly the sum of the tests' scores ----------------------------------


def fake_result(scores: list[float], points: list[float], **fields) -> SubmissionResult:
    questions = [
        QuestionResult(f"q{i}", [f"f{i}"], float(p), s, [])
        for i, (s, p) in enumerate(zip(scores, points, strict=True))
    ]
    return SubmissionResult(
        submission="s",
        path=Path("s.py"),
        assignment="composition",
        student="s",
        seed=1,
        max_score=float(sum(points)),
        questions=questions,
        **fields,
    )


def check_total(scores: list[float], points: list[float], tmp_path: Path) -> None:
    data = json.loads(json.dumps(results_json(fake_result(scores, points))))
    total = 0.0
    for t in data["tests"]:
        total += t["score"]
    assert data["score"] == total  # exactly, not approximately
    assert 0.0 <= data["score"] <= data["max_score"]
    batch.write_grades(tmp_path, [grades_row(data)])
    with open(tmp_path / "grades.csv", newline="") as f:
        (row,) = list(csv.DictReader(f))
    # What is shown is rounded once, by one rule (2 decimals by default): the total shown is the
    # exact total rounded, and every question's column is its exact score rounded.
    assert row["score"] == f"{round(data['score'], 2):.2f}".rstrip("0").rstrip(".")
    for i, s in enumerate(scores):
        assert float(row[f"q{i}"]) == round(s, 2)


def test_reviewers_partial_credit_mix_totals_exactly(tmp_path: Path):
    scores = [0.0, 0.666667, 0.7, 0.1, 0.2]
    assert round(sum(scores), 6) != sum(scores)  # the case where rounding the total again broke it
    check_total(scores, [1.0, 2.0, 3.0, 1.0, 1.0], tmp_path)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(1, 7), st.integers(0, 97), st.integers(1, 97)), min_size=1, max_size=8
    )
)
def test_any_partial_credit_mix_totals_exactly(tmp_path_factory, items):
    points = [float(p) for p, _, _ in items]
    # question scores as score() makes them: a fraction of the points, rounded to 6 places
    scores = [min(round(p * min(k, n) / n, 6), p) for p, k, n in items]
    check_total(scores, points, tmp_path_factory.mktemp("g"))


def test_full_marks_total_equals_max_score():
    points = [0.1, 0.2, 0.3, 2.0]
    data = results_json(fake_result(list(points), points))
    assert data["score"] == data["max_score"]


class _Judged:
    """A question whose judge returns a fixed fraction, for score()."""

    def __init__(self, fraction: float):
        self.fraction = fraction

    def judge(self, case, value, expected, question, args_after):
        return Verdict(self.fraction, "judged")


@pytest.mark.parametrize("fraction", [math.nan, math.inf, -math.inf, 2.0, -1.0])
def test_non_finite_or_out_of_range_fractions_are_clamped(fraction):
    qc = QuestionCases("f", lambda rng: [], lambda x: x, judge=_Judged(fraction).judge)
    case = Case("c", (np.zeros(2),))
    verdict = _judge(qc, case, np.zeros(2), np.zeros(2), [])
    assert verdict.fraction == (1.0 if fraction == 2.0 else 0.0)

    course = load_course()
    a = course.assignment("composition")
    questions = [(q.name, qc, [case], [np.zeros(2)]) for q in a.questions]
    outcomes = {
        f"{q.name}#0": CallOutcome("ok", np.zeros(2), "", [np.zeros(2)]) for q in a.questions
    }
    p = plan(course, "composition", "s")
    p.questions = questions
    results = score(course, "composition", p, RunResult(outcomes, [], ""))
    for qr, q in zip(results, a.questions, strict=True):
        assert qr.score == (q.points if fraction == 2.0 else 0.0)
        assert math.isfinite(qr.score)


# --- 2. resuming: skip only the same file graded with the same setup ----------------------


def test_changed_submission_or_setup_is_regraded(tmp_path: Path, fake_sandbox):
    out = tmp_path / "out"
    sub = submission(tmp_path / "in", "alice")
    course = load_course()
    batch.grade_batch([sub], course, "composition", out)
    meta = json.loads((out / "alice" / "results.json").read_text())["extra_data"]["relulab"]
    assert len(meta["sha256"]) == 64 and len(meta["fingerprint"]) == 64
    assert meta["max_score"] == course.assignment("composition").max_score
    assert fake_sandbox.runs == ["alice"]

    summary = batch.grade_batch([sub], course, "composition", out)
    assert summary.skipped == ["alice"] and fake_sandbox.runs == ["alice"]

    sub.write_text("x = 2\n")  # resubmitted
    summary = batch.grade_batch([sub], course, "composition", out)
    assert summary.graded == ["alice"] and len(fake_sandbox.runs) == 2

    # a different tolerance (grading setup) or different points (max_score): regraded
    questions = copy.deepcopy(RAW["assignments"][1]["questions"])
    questions[0]["tolerance"] = {"rtol": 0.5}
    summary = batch.grade_batch([sub], course_with(questions=questions), "composition", out)
    assert summary.graded == ["alice"] and len(fake_sandbox.runs) == 3
    questions[0]["points"] = 30
    summary = batch.grade_batch([sub], course_with(questions=questions), "composition", out)
    assert summary.graded == ["alice"] and len(fake_sandbox.runs) == 4
    assert summary.rows[0]["max_score"] == 37
    summary = batch.grade_batch([sub], course_with(questions=questions), "composition", out)
    assert summary.skipped == ["alice"] and len(fake_sandbox.runs) == 4


@pytest.mark.parametrize(
    "content",
    [
        "[]",
        "null",
        "3",
        '"text"',
        '{"extra_data": []}',
        '{"extra_data": {"relulab": null}}',
        '{"extra_data": {"relulab": [1]}}',
        "{not json",
    ],
)
def test_malformed_previous_results_are_regraded_not_fatal(tmp_path: Path, fake_sandbox, content):
    out = tmp_path / "out"
    subs = [submission(tmp_path / "in", stem) for stem in ("a", "b")]
    (out / "a").mkdir(parents=True)
    (out / "a" / "results.json").write_text(content)
    summary = batch.grade_batch(subs, load_course(), "composition", out)
    assert sorted(summary.graded) == ["a", "b"] and not summary.internal_errors
    assert json.loads((out / "a" / "results.json").read_text())["score"] == 0


# --- 3. names that would write outside --out -----------------------------------------------


@pytest.mark.parametrize("name", ["..py", "...py", ".hidden.py", "grades.csv.py", "a\\b.py"])
def test_unsafe_submission_names_are_skipped_with_a_warning(tmp_path: Path, fake_sandbox, name):
    inbox = tmp_path / "deep" / "in"
    inbox.mkdir(parents=True)
    bad = inbox / name
    bad.write_text("x = 1\n")
    good = submission(inbox, "bob")
    out = tmp_path / "deep" / "out"
    summary = batch.grade_batch([bad, good], load_course(), "composition", out)
    assert summary.graded == ["bob"]
    assert any(str(bad) in w and "not graded" in w for w in summary.warnings)
    assert sorted(p.name for p in out.iterdir()) == ["bob", "grades.csv", "summary.html"]
    assert sorted(p.name for p in (tmp_path / "deep").iterdir()) == ["in", "out"]
    assert not (tmp_path / "results.json").exists()
    # the same file found in a folder is skipped too (or, for hidden names, ignored)
    files, _ = find_submissions([inbox])
    assert [f.name for f in files] == ["bob.py"]


# --- 4. one student id for many submissions --------------------------------------------------


def test_a_student_id_needs_exactly_one_submission(tmp_path: Path, fake_sandbox):
    subs = [submission(tmp_path, stem) for stem in ("a", "b")]
    with pytest.raises(ValueError, match="same seed; 2 submissions"):
        batch.grade_batch(subs, load_course(), "composition", tmp_path / "out", student="s1")
    assert fake_sandbox.runs == []
    summary = batch.grade_batch(
        subs[:1], load_course(), "composition", tmp_path / "o", student="s1"
    )
    assert summary.rows[0]["student"] == "s1"


# --- 5. the batch survives failing to record its own failure ----------------------------------


def test_unwritable_internal_error_results_still_give_grades_csv(
    tmp_path: Path, fake_sandbox, monkeypatch
):
    def broken_grade(path, *args, **kwargs):
        raise RuntimeError(f"grader bug on {path.stem}")

    real_write = batch.write_atomic

    def write(path: Path, data):
        if path.name == "results.json":
            raise OSError("disk full")
        real_write(path, data)

    monkeypatch.setattr(batch, "grade_submission", broken_grade)
    monkeypatch.setattr(batch, "write_atomic", write)
    subs = [submission(tmp_path / "in", stem) for stem in ("a", "b")]
    summary = batch.grade_batch(subs, load_course(), "composition", tmp_path / "out", jobs=2)
    assert sorted(summary.graded) == ["a", "b"]
    assert sum("grader bug" in e for e in summary.internal_errors) == 2
    assert sum("could not write its results.json" in e for e in summary.internal_errors) == 2
    with open(tmp_path / "out" / "grades.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    assert [(r["submission"], float(r["score"])) for r in rows] == [("a", 0.0), ("b", 0.0)]


# --- 6. visibility of the hidden cases' details ----------------------------------------------

PAST = dt.datetime(2000, 1, 1, tzinfo=dt.timezone.utc).isoformat()
FUTURE = dt.datetime(2999, 1, 1, tzinfo=dt.timezone.utc).isoformat()


def detailed_result(visibility: str, due: str | None) -> SubmissionResult:
    case = Case("c0", (np.array([1.5, -2.0]),))
    cr = CaseResult("c0", 1.0, 0.0, "wrong", "ok", False, case, np.zeros(2), np.ones(2))
    result = fake_result([0.0], [1.0], visibility=visibility, due=due)
    result.questions[0].cases = [cr]
    return result


@pytest.mark.parametrize(
    ("visibility", "due", "revealed"),
    [
        ("visible", None, True),
        ("visible", FUTURE, True),
        ("after_due_date", PAST, True),
        ("after_due_date", FUTURE, False),
        ("after_due_date", None, False),
        ("hidden", PAST, False),
        ("hidden", None, False),
        ("after_published", PAST, False),
    ],
)
def test_details_follow_the_configured_visibility(visibility, due, revealed):
    result = detailed_result(visibility, due)
    assert details_revealed(result) is revealed
    html = feedback_html(result)
    assert ("Hidden case details" in html) is revealed
    assert ("inputs: (" in html) is revealed
    tests = results_json(result)["tests"]
    details = [t for t in tests if "inputs: (" in t["output"]]
    assert len(details) == 1 and details[0]["visibility"] == visibility
    assert all(t["visibility"] == "visible" for t in tests if t not in details)


@pytest.mark.parametrize("where", ["defaults", "assignment"])
def test_course_visibility_reaches_the_results(tmp_path: Path, fake_sandbox, where):
    raw = copy.deepcopy(RAW)
    raw["assignments"][1]["due"] = "2000-01-01T00:00:00+00:00"  # long passed
    if where == "defaults":
        raw["defaults"]["visibility"] = "hidden"
    else:
        raw["assignments"][1]["visibility"] = "hidden"
    sub = submission(tmp_path / "in", "alice")
    batch.grade_batch([sub], parse_course(raw), "composition", tmp_path / "out")
    data = json.loads((tmp_path / "out" / "alice" / "results.json").read_text())
    hidden = [t for t in data["tests"] if "inputs: (" in t["output"]]
    assert hidden and all(t["visibility"] == "hidden" for t in hidden)
    html = (tmp_path / "out" / "alice" / "feedback.html").read_text()
    assert "Hidden case details" not in html


def test_a_batch_leaves_its_case_profiles_for_the_next_which_grades_the_same(
    tmp_path: Path, monkeypatch
):
    """The first batch works out the case profiles and leaves them in the grader's cache
    (closed to others); the next takes them and writes the same grades; a damaged cache file is
    ignored and the grades are the same again."""
    from autograder import grade as grade_module
    from autograder.cases import base

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    taken: list[bool] = []

    def load(c, a, f):
        taken.append(grade_module.load_cached_profiles(c, a, f))
        return taken[-1]

    monkeypatch.setattr(batch, "load_cached_profiles", load)
    course = load_course()
    files = sorted((course_root() / "samples" / "composition").glob("*.py"))
    folder = tmp_path / "cache" / "relulab" / "profiles"
    grades = []
    for run in range(3):
        if run == 2:  # damaged: not JSON
            for path in folder.iterdir():
                path.write_text("{not json")
        monkeypatch.setattr(base, "_SPARES", {})  # as a fresh process starts
        out = tmp_path / f"out{run}"
        batch.grade_batch(files, course, "composition", out, jobs=1)
        grades.append((out / "grades.csv").read_text())
    assert taken == [False, True, False]
    cached = list(folder.iterdir())
    assert len(cached) == 1 and cached[0].stat().st_mode & 0o077 == 0
    assert json.loads(cached[0].read_text())["profiles"]  # written again after the damage
    assert grades[0] == grades[1] == grades[2] and all(f.stem in grades[0] for f in files)
