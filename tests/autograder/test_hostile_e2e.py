"""The hostile corpus graded end to end by the real command: every submission gets a valid
results.json with exactly the points it honestly earned (0), the batch exits 0, nothing it
started survives, and nothing it wrote outside its sandbox exists."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import procs
import pytest
import yaml
from gradescope_schema import validate_results

from autograder.paths import course_root

HOSTILE = Path(__file__).resolve().parents[1] / "hostile"
# Files only: tests/hostile/honest/ holds submissions that must keep their score.
CORPUS = sorted(p for p in HOSTILE.iterdir() if p.is_file())
FAKE_PATHS = [Path("/autograder/results/results.json")]


@pytest.fixture(scope="module")
def hostile_run(tmp_path_factory) -> tuple[subprocess.CompletedProcess, Path, float]:
    tmp = tmp_path_factory.mktemp("hostile")
    course = yaml.safe_load((course_root() / "course.yml").read_text())
    course["defaults"]["limits"].update(wall_s=1.5, cpu_s=1.5, load_s=3, memory_mb=512)
    (tmp / "course.yml").write_text(yaml.safe_dump(course))
    out = tmp / "out"
    fake_paths = [*FAKE_PATHS, tmp / "graded", tmp / "results.json"]
    existed = {p: p.exists() for p in fake_paths}
    cmd = [
        sys.executable,
        "-m",
        "autograder.cli",
        "grade",
        *map(str, CORPUS),
        "--assignment",
        "composition",
        "--out",
        str(out),
        "--jobs",
        "2",
        "--course",
        str(tmp / "course.yml"),
    ]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=600, cwd=tmp)
    finished = procs.now()
    for p, was in existed.items():
        assert p.exists() == was, f"a submission created {p}"
    return proc, out, finished


def test_batch_exits_zero(hostile_run):
    proc, _, _ = hostile_run
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "FAKE" not in proc.stdout and "100 / 100" not in proc.stdout


@pytest.mark.parametrize("path", CORPUS, ids=lambda p: p.name)
def test_each_hostile_submission_earns_nothing_and_gets_a_valid_result(hostile_run, path: Path):
    _, out, _ = hostile_run
    data = json.loads((out / path.stem / "results.json").read_text())
    validate_results(data)
    assert data["score"] == 0, (path.name, data["output"], [t["output"] for t in data["tests"]])
    assert data["max_score"] == 10
    assert all(t["output"].strip() for t in data["tests"] if t["visibility"] == "visible")


def test_nothing_survives_and_results_stay_put(hostile_run):
    _, out, finished = hostile_run
    before = {p: p.read_bytes() for p in out.rglob("results.json")}
    assert procs.leftovers() == []
    time.sleep(max(0.0, finished + 3 - procs.now()))  # the daemon would rewrite by now
    assert {p: p.read_bytes() for p in out.rglob("results.json")} == before
    rows = (out / "grades.csv").read_text().splitlines()
    assert len(rows) == 1 + len(CORPUS)
