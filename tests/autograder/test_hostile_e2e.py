"""The hostile corpus graded end to end by the real command: every submission gets a valid
results.json with exactly the points it honestly earned (0), the batch exits 0, nothing it
started survives, and nothing it wrote outside its sandbox exists.

The batch runs three ways, as the places relulab grades in give it: as root with namespace
rights ("root" mode), under Docker's default capabilities and seccomp profile (no namespaces:
"container" mode), and with those capabilities but user namespaces allowed ("userns" mode).
A correct submission graded in the same batch keeps full marks in each."""

from __future__ import annotations

import json
import os
import shutil
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


CONTAINERLIKE = Path(__file__).resolve().parents[1] / "containerlike.py"
CORRECT = course_root() / "samples" / "composition" / "ada_correct.py"
# How each runtime is entered, and the mode the sandbox must find there.
RUNTIMES = {
    "root": ([], "root"),
    "docker": ([sys.executable, str(CONTAINERLIKE), "docker", "--"], "container"),
    "capsonly": ([sys.executable, str(CONTAINERLIKE), "capsonly", "--"], "userns"),
}


def _planted() -> list[Path]:
    """Files a submission could have planted where Python (and so the grader) imports from."""
    found = []
    for d in {*sys.path, str(Path(json.__file__).parents[1])}:
        for name in ("relulab_planted.pth", "sitecustomize.py"):
            if d and (Path(d) / name).exists():
                found.append(Path(d) / name)
    for mod in ("numpy", "matplotlib"):
        init = Path(__import__(mod).__file__)
        if "relulab-planted" in init.read_text(errors="replace"):
            found.append(init)
    return found


@pytest.fixture(scope="module", params=sorted(RUNTIMES))
def hostile_run(request, tmp_path_factory) -> tuple[subprocess.CompletedProcess, Path, float]:
    if os.geteuid() != 0:
        pytest.skip("the runtimes are emulated as root")
    prefix, expected_mode = RUNTIMES[request.param]
    tmp = tmp_path_factory.mktemp(f"hostile-{request.param}")
    subs = tmp / "subs"
    subs.mkdir()
    for path in CORPUS:  # the attacks only (honest/ holds files that must keep their score)
        shutil.copy(path, subs / path.name)
    shutil.copy(CORRECT, subs / "correct_control.py")
    planted_before = _planted()
    course = yaml.safe_load((course_root() / "course.yml").read_text())
    course["defaults"]["limits"].update(wall_s=1.5, cpu_s=1.5, load_s=3, memory_mb=512)
    (tmp / "course.yml").write_text(yaml.safe_dump(course))
    out = tmp / "out"
    fake_paths = [*FAKE_PATHS, tmp / "graded", tmp / "results.json"]
    existed = {p: p.exists() for p in fake_paths}
    cmd = [
        *prefix,
        sys.executable,
        "-m",
        "autograder.cli",
        "grade",
        str(subs),
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
    assert _planted() == planted_before, "a submission planted code where Python imports from"
    control = json.loads((out / "correct_control" / "results.json").read_text())
    assert control["score"] == control["max_score"] == 10, control["output"]
    isolation = control["extra_data"]["relulab"]["isolation"]
    assert isolation["mode"] == expected_mode, isolation
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
    assert len(rows) == 1 + len(CORPUS) + 1  # and the correct control
