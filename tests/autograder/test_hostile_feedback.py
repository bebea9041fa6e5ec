"""Feedback leaks nothing hidden, and odd text or names never break a grade (issue 10).

The submissions are in tests/hostile/ (leak_markers.py, surrogate_in_call.py,
hardcode_from_feedback.py, honest/); the odd file names are copies made here. Everything is
graded by the real command, as an instructor runs it, with a due date in the future.
"""

from __future__ import annotations

import base64
import csv
import hashlib
import io
import json
import os
import re
import shutil
import subprocess
import sys
import zlib
from pathlib import Path

import numpy as np
import pytest
import yaml
from gradescope_schema import validate_results

from autograder.course import load_course
from autograder.grade import plan
from autograder.paths import course_root

HOSTILE = Path(__file__).resolve().parents[1] / "hostile"
HONEST = HOSTILE / "honest" / "surrogates.py"
FORMULA = '=HYPERLINK("http:,,example.com","x")'
ODD = b"\xff\xfe.py"


def _course(tmp: Path, due: str) -> Path:
    course = yaml.safe_load((course_root() / "course.yml").read_text())
    for a in course["assignments"]:
        a["due"] = due
    course["defaults"]["limits"].update(wall_s=5, cpu_s=5, load_s=10)
    path = tmp / f"course-{due[:4]}.yml"
    path.write_text(yaml.safe_dump(course))
    return path


def _grade(course: Path, out: Path, *paths: Path, extra: tuple[str, ...] = ()):
    cmd = [sys.executable, "-m", "autograder.cli", "grade", *map(str, paths)]
    cmd += ["-a", "composition", "--out", str(out), "--course", str(course), "-j", "2", *extra]
    return subprocess.run(cmd, capture_output=True, timeout=600, cwd=out.parent)


def _notebook(source: str) -> str:
    cell = {"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None}
    nb = {"cells": [{**cell, "source": source}], "metadata": {}, "nbformat": 4}
    return json.dumps({**nb, "nbformat_minor": 5})


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    """One batch before the due date: the leak, odd text, and odd names."""
    tmp = tmp_path_factory.mktemp("hostile10")
    inbox = tmp / "inbox"
    inbox.mkdir()
    for name in ("leak_markers.py", "leak_by_return.py", "surrogate_in_call.py"):
        shutil.copy(HOSTILE / name, inbox / name)
    shutil.copy(HONEST, inbox / "surrogates.py")
    shutil.copy(HOSTILE / "honest" / f"{FORMULA}.py", inbox / f"{FORMULA}.py")
    (inbox / os.fsdecode(ODD)).write_bytes(HONEST.read_bytes())
    shutil.copy(HONEST, inbox / "bob.py")
    (inbox / "bob.ipynb").write_text(_notebook(HONEST.read_text()))
    course = _course(tmp, "2099-01-01T00:00:00+00:00")
    out = tmp / "out"
    proc = _grade(course, out, inbox)
    return proc, out, course, tmp


def _hidden_tags(course: Path, student: str) -> tuple[set[str], set[str]]:
    """The tags leak_markers.py would attach to each hidden case's inputs, and to public ones."""

    def tag(arrays):
        data = b"".join(np.ascontiguousarray(a, dtype=np.float64).tobytes() for a in arrays)
        return "LEAK" + hashlib.sha256(data).hexdigest()[:16]

    hidden, public = set(), set()
    for _name, _qc, cases, _expected in plan(load_course(course), "composition", student).questions:
        for c in cases:
            arrays = [a for a in c.args if isinstance(a, np.ndarray)]
            tags = {tag(arrays)} | {tag([a]) for a in arrays}
            (public if c.public else hidden).update(tags)
    return hidden - public, public


def _texts(out: Path, name: str, proc) -> dict[str, str]:
    data = json.loads((out / name / "results.json").read_text(encoding="utf-8"))
    page = (out / name / "feedback.html").read_text(encoding="utf-8")
    loading = re.search(r"<section class='fail'><h2>While loading.*?</section>", page, re.S)
    return {
        "tests": json.dumps(data["tests"]),
        "output": data["output"],
        "page": page.replace(loading.group(0), "") if loading else page,
        "page loading section": loading.group(0) if loading else "",
        "console": proc.stdout.decode("utf-8", "replace") + proc.stderr.decode("utf-8", "replace"),
    }


def test_the_batch_exits_zero_with_every_file_graded(batch):
    proc, out, _, _ = batch
    assert proc.returncode == 0, proc.stderr.decode(errors="replace")[-3000:]
    with open(out / "grades.csv", newline="", encoding="utf-8") as f:
        rows = {r["submission"]: r for r in csv.DictReader(f)}
    assert len(rows) == 8, sorted(rows)


def test_no_marker_of_a_hidden_case_reaches_the_feedback_before_the_due_date(batch):
    proc, out, course, _ = batch
    hidden, public = _hidden_tags(course, "leak_markers")
    assert len(hidden) > 50
    texts = _texts(out, "leak_markers", proc)
    results = (out / "leak_markers" / "results.json").read_text()
    for where, text in texts.items():
        if where in ("output", "page loading section"):
            continue  # load messages: see the next test
        assert not [t for t in hidden if t in text], where
        assert "E_LEAK" not in text and "found:" not in text, where  # no class name, no message
    # The student's class names never appear for the hidden cases; the built-in words do.
    assert "raised an exception of a class defined in your code" in results
    assert "0 of 7 cases passed" in results


def test_no_marker_of_a_hidden_case_in_the_load_messages(batch):
    # The hidden inputs reach the worker only once the submission has loaded.
    proc, out, course, _ = batch
    hidden, _ = _hidden_tags(course, "leak_markers")
    texts = _texts(out, "leak_markers", proc)
    for where in ("output", "page loading section"):
        assert not [t for t in hidden if t in texts[where]], where


def test_a_returned_value_carrying_markers_is_not_shown_before_the_due_date(batch):
    proc, out, course, _ = batch
    hidden, _ = _hidden_tags(course, "leak_by_return")
    texts = _texts(out, "leak_by_return", proc)
    results = (out / "leak_by_return" / "results.json").read_text()
    for where, text in [*texts.items(), ("results.json", results)]:
        assert not [t for t in hidden if t in text], where
    assert "returned a string; expected a numpy array" in results


def test_after_the_due_date_the_details_show_everything(batch, tmp_path):
    """The check above can fail: graded after the due date, the messages are there."""
    _, _, _, tmp = batch
    course = _course(tmp_path, "2000-01-01T00:00:00+00:00")
    out = tmp_path / "out"
    proc = _grade(course, out, HOSTILE / "leak_markers.py")
    assert proc.returncode == 0
    hidden, _ = _hidden_tags(course, "leak_markers")
    results = (out / "leak_markers" / "results.json").read_text()
    assert "E_LEAK" in results and [t for t in hidden if t in results]


def _table_from(texts: list[str]) -> dict[str, object]:
    """What stage two can hard-code: the reference's answer for every input blob revealed."""
    from reference.composition import compose, composition_to_deep, deep_net

    table: dict[str, object] = {}
    for blob in set(re.findall(r"[A-Za-z0-9_=-]{40,}", "\n".join(texts))):
        try:
            with np.load(io.BytesIO(zlib.decompress(base64.urlsafe_b64decode(blob)))) as z:
                args = [z[f"arr_{i}"] for i in range(len(z.files))]
        except Exception:  # noqa: BLE001 - not a blob, or a clipped one
            continue
        _add(table, args, compose, composition_to_deep, deep_net)
    return table


def _add(table, args, compose, composition_to_deep, deep_net) -> None:
    data = b"".join(np.ascontiguousarray(a, dtype=np.float64).tobytes() for a in args)
    if len(args) == 5:
        answer = compose(*args).tolist()
    elif args[0].ndim == 1:
        answer = deep_net(*args).tolist()
    else:
        answer = [a.tolist() for a in composition_to_deep(*args)]
    table[hashlib.sha256(data).hexdigest()] = answer


def _stage_two(tmp: Path, table: dict, course: Path, tag: str) -> dict:
    src = (HOSTILE / "hardcode_from_feedback.py").read_text()
    folder = tmp / f"stage2-{tag}"
    folder.mkdir()
    sub = folder / "hardcode.py"
    sub.write_text(src.replace("TABLE: dict = {}", f"TABLE: dict = {json.dumps(table)}"))
    out = tmp / f"out-{tag}"
    proc = _grade(course, out, sub, extra=("--student-id", "leak_markers"))
    assert proc.returncode == 0, proc.stderr.decode(errors="replace")[-2000:]
    return json.loads((out / "hardcode" / "results.json").read_text())


def test_the_two_stage_hard_code_attack_scores_zero(batch):
    proc, out, course, tmp = batch
    texts = _texts(out, "leak_markers", proc)
    data = _stage_two(tmp, _table_from(list(texts.values())), course, "leaked")
    assert data["score"] == 0, data["tests"]
    # The attack itself works: with the hidden inputs known it would score full marks.
    from reference.composition import compose, composition_to_deep, deep_net

    table: dict = {}
    for _n, _qc, cases, _e in plan(load_course(course), "composition", "leak_markers").questions:
        for c in cases:
            _add(table, list(c.args), compose, composition_to_deep, deep_net)
    assert _stage_two(tmp, table, course, "known")["score"] == 10


def _results(out: Path, name: str) -> dict:
    raw = (out / name / "results.json").read_bytes()
    text = raw.decode("utf-8")  # strict: valid UTF-8
    data = json.loads(text)
    json.dumps(data, ensure_ascii=False).encode("utf-8")  # strict: no lone surrogate escaped
    validate_results(data)
    if (out / name / "feedback.html").exists() or name != "results":
        (out / name / "feedback.html").read_bytes().decode("utf-8")
    return data


def test_lone_surrogates_at_load_and_in_calls_keep_the_honest_score(batch):
    _, out, _, _ = batch
    data = _results(out, "surrogates")
    assert data["score"] == 10, data["output"]
    assert "at load \ufffd\ufffd" in data["output"]  # the load message, made safe
    assert _results(out, "surrogate_in_call")["score"] == 0


def test_a_file_name_that_is_not_utf8_is_graded_under_an_unambiguous_name(batch):
    _, out, _, _ = batch
    assert _results(out, "%FF%FE")["score"] == 10


def test_a_stem_collision_grades_both_files_each_its_own_row(batch):
    proc, out, _, _ = batch
    assert _results(out, "bob.py")["score"] == 10
    assert _results(out, "bob.ipynb")["score"] == 10
    assert "bob" not in [p.name for p in out.iterdir()]
    stderr = " ".join(proc.stderr.decode().split())  # rich wraps long lines
    assert "graded as 'bob.py'" in stderr and "graded as 'bob.ipynb'" in stderr


def test_a_formula_file_name_is_a_plain_cell_in_grades_csv(batch):
    _, out, _, _ = batch
    assert _results(out, FORMULA)["score"] == 10
    with open(out / "grades.csv", newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    row = next(r for r in rows if "HYPERLINK" in r["submission"])
    assert row["submission"] == "'" + FORMULA and row["student"] == "'" + FORMULA
    assert row["score"] == "10" and row["status"] == "graded"
    assert not [c for r in rows for c in r.values() if c and c[0] in "=+-@\t\r"]


def test_a_report_that_fails_to_write_is_regraded_on_the_next_run(tmp_path):
    course = _course(tmp_path, "2099-01-01T00:00:00+00:00")
    out = tmp_path / "out"
    blocker = out / "surrogates" / "feedback.html"
    blocker.mkdir(parents=True)
    (blocker / "x").write_text("a folder where the page should go")
    proc = _grade(course, out, HONEST)
    assert proc.returncode == 1 and b"internal grader error" in proc.stderr
    meta = json.loads((out / "surrogates" / "results.json").read_text())["extra_data"]["relulab"]
    assert meta["internal_error"]
    shutil.rmtree(blocker)
    proc = _grade(course, out, HONEST)
    assert proc.returncode == 0, proc.stderr.decode(errors="replace")
    assert b"already graded" not in proc.stdout
    assert _results(out, "surrogates")["score"] == 10


def test_the_gradescope_runner_writes_valid_utf8_for_odd_text(tmp_path):
    (tmp_path / "submission").mkdir()
    shutil.copy(HONEST, tmp_path / "submission" / "surrogates.py")
    cmd = [sys.executable, "-m", "autograder.export.gradescope_run", "--assignment", "composition"]
    proc = subprocess.run([*cmd, "--root", str(tmp_path)], capture_output=True, timeout=300)
    assert proc.returncode == 0, proc.stderr.decode(errors="replace")[-2000:]
    data = _results(tmp_path, "results")
    assert data["score"] == 10 and "\ufffd" in data["output"]
    assert data["extra_data"]["relulab"]["isolation"].get("mode")
