"""`relulab grade` end to end on the bundled composition samples, through the real command."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import pytest
from gradescope_schema import validate_results

from autograder.paths import course_root

SAMPLES = course_root() / "samples" / "composition"


def grade(*args: str | Path, check: bool = True) -> subprocess.CompletedProcess:
    cmd = [sys.executable, "-m", "autograder.cli", "grade", *map(str, args)]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    if check:
        assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc


@pytest.fixture(scope="module")
def graded(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("graded")
    grade(SAMPLES, "--assignment", "composition", "--out", out, "--jobs", "2")
    return out


def results(out: Path, stem: str) -> dict:
    return json.loads((out / stem / "results.json").read_text())


def test_every_sample_has_valid_results_and_a_report(graded: Path):
    stems = sorted(p.stem for p in SAMPLES.iterdir() if p.suffix in (".py", ".ipynb"))
    for stem in stems:
        data = results(graded, stem)
        validate_results(data)
        assert data["max_score"] == 10
        html = (graded / stem / "feedback.html").read_text()
        assert html.startswith("<!doctype html>") and "viewport" in html
    with open(graded / "grades.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    assert [r["submission"] for r in rows] == stems
    assert set(rows[0]) >= {"submission", "assignment", "score", "max_score"}
    assert all(r["assignment"] == "composition" for r in rows)


def test_correct_sample_gets_full_marks_and_no_hint(graded: Path):
    data = results(graded, "ada_correct")
    assert data["score"] == data["max_score"] == 10
    assert all("Hint:" not in t["output"] for t in data["tests"])


def test_partial_sample_earns_exactly_compose_and_gets_named_mistakes(graded: Path):
    data = results(graded, "ben_partial")
    tests = {t["name"]: t for t in data["tests"]}
    assert tests["compose"]["score"] == 3
    assert tests["composition_to_deep"]["score"] < 4
    assert "Hint: psi's bias column must include phi_0" in tests["composition_to_deep"]["output"]
    assert tests["deep_net"]["score"] < 3
    assert "Hint: the second hidden layer needs its ReLU" in tests["deep_net"]["output"]


def test_broken_notebook_reports_each_problem(graded: Path):
    data = results(graded, "cy_broken")
    assert data["score"] == 0
    assert "SyntaxError" in data["output"] and "line 1" in data["output"]
    tests = {t["name"]: t for t in data["tests"]}
    assert "compose returned shape (1, " in tests["compose"]["output"]
    assert "NotImplementedError" in tests["deep_net"]["output"]


def test_hidden_inputs_only_in_after_due_date_tests(graded: Path):
    for stem in ("ada_correct", "ben_partial", "cy_broken"):
        for t in results(graded, stem)["tests"]:
            if t["visibility"] == "visible":
                assert "inputs:" not in t["output"] and "expected:" not in t["output"]
            else:
                assert t["visibility"] == "after_due_date" and t["max_score"] == 0


def test_rerun_skips_graded_and_force_regrades_identically(graded: Path):
    before = results(graded, "ben_partial")
    mtime = (graded / "ben_partial" / "results.json").stat().st_mtime_ns
    proc = grade(SAMPLES / "ben_partial.py", "--assignment", "composition", "--out", graded)
    assert "already graded" in proc.stdout
    assert (graded / "ben_partial" / "results.json").stat().st_mtime_ns == mtime
    grade(SAMPLES / "ben_partial.py", "--assignment", "composition", "--out", graded, "--force")
    after = results(graded, "ben_partial")
    assert (graded / "ben_partial" / "results.json").stat().st_mtime_ns != mtime
    before.pop("execution_time"), after.pop("execution_time")
    assert before == after  # same seed, same instances, same grade


def test_students_get_different_instances_and_the_seed_is_recorded(tmp_path: Path):
    sub = SAMPLES / "ben_partial.py"
    details = {}
    for student in ("s1", "s2"):
        out = tmp_path / student
        grade(sub, "--assignment", "composition", "--out", out, "--student-id", student)
        data = results(out, "ben_partial")
        assert data["extra_data"]["relulab"]["student"] == student
        details[student] = (data["extra_data"]["relulab"]["seed"], data["tests"][1]["output"])
    assert details["s1"][0] != details["s2"][0]
    assert details["s1"][1] != details["s2"][1]


def test_usage_errors_exit_nonzero(tmp_path: Path):
    proc = grade(SAMPLES, "--assignment", "nonsense", "--out", tmp_path, check=False)
    assert proc.returncode == 2 and "nonsense" in proc.stderr
    proc = grade(tmp_path / "missing.py", "--assignment", "shallow", "--out", tmp_path, check=False)
    assert proc.returncode == 2 and "does not exist" in proc.stderr


def test_a_resubmitted_file_is_regraded_not_skipped(tmp_path: Path):
    sub = tmp_path / "in" / "dana.py"
    sub.parent.mkdir()
    out = tmp_path / "out"
    sub.write_text((SAMPLES / "ada_correct.py").read_text())
    grade(sub, "--assignment", "composition", "--out", out)
    assert results(out, "dana")["score"] == 10
    sub.write_text((SAMPLES / "ben_partial.py").read_text())  # a changed resubmission
    proc = grade(sub, "--assignment", "composition", "--out", out)
    assert "already graded" not in proc.stdout
    data = results(out, "dana")
    assert 0 < data["score"] < 10
    with open(out / "grades.csv", newline="") as f:
        (row,) = list(csv.DictReader(f))
    assert float(row["score"]) == data["score"] == sum(t["score"] for t in data["tests"])


def test_one_student_id_for_many_submissions_is_a_usage_error(tmp_path: Path):
    proc = grade(
        SAMPLES, "--assignment", "composition", "--out", tmp_path, "--student-id", "s1", check=False
    )
    assert proc.returncode == 2 and "--student-id" in proc.stderr and "submissions" in proc.stderr
    assert not (tmp_path / "grades.csv").exists()


def test_exercises_and_release_refuse_to_write_into_site_packages(tmp_path, monkeypatch):
    import sysconfig

    from click.testing import CliRunner

    import autograder.paths
    from autograder.cli import main

    installed = Path(sysconfig.get_paths()["purelib"]) / "relulab-test-absent" / "_course"
    monkeypatch.setattr(autograder.paths, "course_root", lambda: installed)
    result = CliRunner().invoke(main, ["exercises"])
    assert result.exit_code == 1 and "not a source checkout" in result.output
    assert not installed.exists()
    result = CliRunner().invoke(main, ["release", str(installed.parent / "bundle")])
    assert result.exit_code == 2 and "site-packages" in result.output
    assert not (installed.parent / "bundle").exists()


def _command(setup: str, *argv: str) -> subprocess.CompletedProcess:
    """`relulab ARGV` through the installed entry point, after ``setup`` ran in its process."""
    code = f"import sys\n{setup}\nfrom autograder.cli import entry\nsys.argv = ['relulab', *{argv!r}]\nentry()\n"
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)


def test_the_command_exits_quickly_with_its_code_its_output_and_its_exit_handlers():
    handler = "import atexit\natexit.register(lambda: print('exit handler ran', flush=True))"
    ok = _command(handler, "--help")
    assert ok.returncode == 0
    assert ok.stdout.startswith("Usage: relulab") and "summary" in ok.stdout
    assert ok.stdout.rstrip().endswith("exit handler ran")  # after everything the command wrote
    usage = _command(handler, "grade", "-a", "nosuch", "x.py")
    assert usage.returncode == 2 and "Invalid value" in usage.stderr
    assert "exit handler ran" in usage.stdout
    course = _command(
        "",
        "grade",
        "-a",
        "composition",
        str(SAMPLES / "ada_correct.py"),
        "--course",
        str(SAMPLES / "ada_correct.py"),
    )  # not a course.yml
    assert course.returncode == 1, course.stderr
    assert course.stderr.startswith("Error:") and "Traceback" not in course.stderr


def test_the_command_waits_for_a_thread_that_is_still_working():
    # A normal exit waits for every non-daemon thread; the quick one must not cut it short.
    late = (
        "import threading, time\n"
        "threading.Thread(target=lambda: (time.sleep(0.5), print('thread finished', flush=True)))"
        ".start()"
    )
    proc = _command(late, "--version")
    assert proc.returncode == 0
    assert "version" in proc.stdout and "thread finished" in proc.stdout
