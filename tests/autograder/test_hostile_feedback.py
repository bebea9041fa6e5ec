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
# Answers the public cases right (so its plots must be illustrations): not in the corpus of
# submissions that must earn nothing (tests/hostile/*.py).
ILLUSTRATION_LEAK = HOSTILE / "illustration" / "illustration_leak.py"
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
    shutil.copy(ILLUSTRATION_LEAK, inbox / ILLUSTRATION_LEAK.name)
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
    assert len(rows) == 9, sorted(rows)


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


# ---- illustrations: a fresh instance, run apart from the hidden cases, shown before the due date


def _png_text(png: bytes) -> str:
    """The text chunks (tEXt, zTXt, iTXt) of a PNG: its metadata."""
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    pos, out = 8, []
    while pos < len(png):
        n = int.from_bytes(png[pos : pos + 4], "big")
        kind, data = png[pos + 4 : pos + 8], png[pos + 8 : pos + 8 + n]
        if kind == b"zTXt":
            key, _, rest = data.partition(b"\0")
            data = key + b" " + zlib.decompress(rest[1:])
        if kind in (b"tEXt", b"zTXt", b"iTXt"):
            out.append(data.decode("latin-1"))
        pos += 12 + n
    return "\n".join(out)


def _pngs(page: str) -> list[bytes]:
    return [
        base64.b64decode(m) for m in re.findall(r"data:image/png;base64,([A-Za-z0-9+/=]+)", page)
    ]


def test_illustrations_show_nothing_the_hidden_run_saw(batch):
    """illustration_leak.py remembers every hidden input (globals, files, the inherited heap)
    and answers every call with what it found: its illustrations, graded before the due date,
    are drawn (one per question) and carry nothing hidden."""
    proc, out, course, _ = batch
    hidden, _public = _hidden_tags(course, "illustration_leak")
    data = json.loads((out / "illustration_leak" / "results.json").read_text())
    page = (out / "illustration_leak" / "feedback.html").read_text()
    tests = {t["name"]: t for t in data["tests"]}
    for q in ("compose", "composition_to_deep", "deep_net"):
        assert 0 < tests[q]["score"] < tests[q]["max_score"], tests[q]  # the public case passes
        assert "not one of your hidden cases" in tests[q]["output"], q
    assert "Your answer: 'LEAKED? found nothing'" in tests["compose"]["output"]
    pngs = _pngs(page) + _pngs(json.dumps(data["tests"]).replace("\\", ""))
    assert len(pngs) == 6
    texts = {"results.json": json.dumps(data), "feedback.html": page}
    texts |= {f"png {i} metadata": _png_text(png) for i, png in enumerate(pngs)}
    texts["console"] = proc.stdout.decode(errors="replace") + proc.stderr.decode(errors="replace")
    for where, text in texts.items():
        assert not [t for t in hidden if t in text], where
        assert "found LEAK" not in text, where


def _grade_in_process(path: Path, course, box, draw: bool = True):
    from autograder.grade import grade_submission
    from autograder.plots import draw_failing_plots

    return grade_submission(
        path,
        course,
        "composition",
        box,
        student="illustration_leak",
        draw_plots=draw_failing_plots if draw else None,
    )


def test_an_illustration_depends_on_the_illustration_alone(tmp_path, monkeypatch):
    """The same submission graded on other hidden cases (a shifted hidden stream, the same
    illustration stream) gets byte-identical illustrations: nothing hidden reaches them.

    Each grading has a sandbox of its own: a child inherits its zygote's memory, which holds
    the answers of earlier runs (of earlier illustrations only: they never hold anything hidden,
    see the next test), and this submission would show those too."""
    import autograder.grade as grade_module
    from autograder.report import figure_text
    from autograder.sandbox import Sandbox

    course = load_course(_course(tmp_path, "2099-01-01T00:00:00+00:00"))
    sub = ILLUSTRATION_LEAK
    with Sandbox() as box:
        first = _grade_in_process(sub, course, box)
    shifted = grade_module.question_rng
    monkeypatch.setattr(grade_module, "question_rng", lambda seed, q: shifted(seed + 1, q))
    with Sandbox() as box:
        second = _grade_in_process(sub, course, box)
    assert first.seed == second.seed
    for a, b in zip(first.questions, second.questions, strict=True):
        assert [c.case.name for c in a.cases] == [c.case.name for c in b.cases]
        hidden_a = [c.case.args for c in a.cases if not c.public]
        hidden_b = [c.case.args for c in b.cases if not c.public]
        assert not all(
            np.array_equal(x, y)
            for u, v in zip(hidden_a, hidden_b, strict=True)
            for x, y in zip(u, v, strict=True)
            if isinstance(x, np.ndarray)
        ), "the hidden cases did not change"
        assert a.illustration is not None and a.figure_png, a.name
        assert figure_text(a) == figure_text(b) and "found LEAK" not in figure_text(a)
        assert a.figure_png == b.figure_png, a.name


def test_the_illustration_attack_works_only_in_the_child_that_made_the_hidden_calls(tmp_path):
    """Why the illustrations run apart: in the child that made the hidden calls the submission
    finds hidden inputs. A later child of the same sandbox does not, although the zygote relayed
    the hidden answers (which this submission makes equal to its inputs): children are forked
    from a fork server that never held a result, and the heap scan finds nothing."""
    from autograder.grade import plan, plan_illustrations
    from autograder.sandbox import Sandbox

    course_file = _course(tmp_path, "2099-01-01T00:00:00+00:00")
    course = load_course(course_file)
    sub = ILLUSTRATION_LEAK
    hidden, _ = _hidden_tags(course_file, "illustration_leak")
    with Sandbox() as box:
        result = _grade_in_process(sub, course, box, draw=False)
        p = plan(course, "composition", "illustration_leak")
        ip = plan_illustrations(course, "composition", "illustration_leak", p, result.questions)
        compose_calls = [c for c in ip.calls if c.group == "compose"]
        assert compose_calls
        # 1. The same child: the hidden calls, then the illustration's.
        hidden_calls = [c for c in p.calls if c.group == "compose"]
        run = box.run(sub, [*hidden_calls, *compose_calls], p.limits)
        same_child = run.outcomes[compose_calls[0].key].value
        assert [t for t in hidden if t in same_child], same_child[:200]
        # 2. A fresh child of the zygote that relayed the hidden answers (its inherited heap).
        box.run(sub, hidden_calls, p.limits)
        run = box.run(sub, compose_calls[:1], p.limits)
        same_zygote = run.outcomes[compose_calls[0].key].value
        assert not [t for t in hidden if t in same_zygote], same_zygote[:200]
        assert "found nothing" in same_zygote  # the scan ran, and came back empty
