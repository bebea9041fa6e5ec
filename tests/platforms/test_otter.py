"""The otter export through the real otter-grader: otter assign, otter run, the timeout guard.

`otter run` grades in this environment (no Docker): this checkout is importable through
PYTHONPATH, which stands for the wheel that the autograder zip installs on Gradescope.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
import zipfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import nbformat
import pytest
from platform_helpers import ASSIGNMENT, answer_sources, env, relulab_scores

from autograder.course import load_course
from autograder.export import leaked_lines, load_solution
from autograder.export.otter import export, run_otter

pytest.importorskip("otter")
pytestmark = pytest.mark.platform

OTTER = [sys.executable, "-m", "otter"]


ASSIGN_MANY = """
import os, sys
from otter.assign import main
root = os.getcwd()
for name in sys.argv[1:]:
    os.chdir(os.path.join(root, name))
    main(name + ".ipynb", "dist")
"""


@pytest.fixture(scope="module")
def assigned(tmp_path_factory) -> Path:
    """The exported master notebooks, each run through otter assign.

    The command `otter assign` for composition, and at the same time otter's own Python entry
    (`otter.assign.main`, what the command calls) for the others in one process, which saves
    five interpreter starts.
    """
    dest = export(tmp_path_factory.mktemp("otter") / "masters")
    others = [a for a in load_course().names if a != ASSIGNMENT]
    cmds = [
        ([*OTTER, "assign", f"{ASSIGNMENT}.ipynb", "dist"], dest / ASSIGNMENT),
        ([sys.executable, "-c", ASSIGN_MANY, *others], dest),
    ]
    procs = [
        subprocess.Popen(
            cmd, cwd=cwd, env=env(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        )
        for cmd, cwd in cmds
    ]
    for (cmd, _cwd), p in zip(cmds, procs, strict=True):
        out, _ = p.communicate(timeout=180)
        assert p.returncode == 0, f"{' '.join(cmd[:4])} failed:\n{out}"
    return dest


def _zip(assigned: Path, name: str) -> Path:
    zips = list((assigned / name / "dist" / "autograder").glob("*.zip"))
    assert len(zips) == 1
    return zips[0]


def test_master_config_is_first_and_raw(assigned: Path) -> None:
    for name in load_course().names:
        nb = nbformat.read(assigned / name / f"{name}.ipynb", as_version=4)
        first = nb.cells[0]
        assert first.cell_type == "raw" and first.source.startswith("# ASSIGNMENT CONFIG")


def test_assign_leaks_no_solution_and_ships_relulab_to_the_autograder_only(
    assigned: Path,
) -> None:
    course = load_course()
    for a in course.assignments:
        dist = assigned / a.name / "dist"
        student = sorted(p.name for p in (dist / "student").rglob("*") if p.is_file())
        assert student == [f"{a.name}.ipynb"]
        nb = nbformat.read(dist / "student" / f"{a.name}.ipynb", as_version=4)
        texts = [c.source for c in nb.cells] + [json.dumps(nb.metadata)]
        solution = load_solution(a.name)
        assert leaked_lines(solution, texts) == []
        # the detector does see solution text when it is there
        assert leaked_lines(solution, [c.source for c in solution.cells])
        with zipfile.ZipFile(_zip(assigned, a.name)) as zf:
            files = zf.namelist()
            assert any(f.startswith("files/relulab-") and f.endswith(".whl") for f in files)
            assert "relulab-" in zf.read("environment.yml").decode()
            tests = [f for f in files if f.startswith("tests/")]
            assert sorted(tests) == sorted(f"tests/{q.name}.py" for q in a.questions)
            for t in tests:
                assert "check_case(" in zf.read(t).decode()


def _student_submission(assigned: Path, kind: str) -> nbformat.NotebookNode:
    nb = nbformat.read(assigned / ASSIGNMENT / "dist" / "student" / f"{ASSIGNMENT}.ipynb", 4)
    answers = [c for c in nb.cells if "otter_answer_cell" in c.metadata.get("tags", [])]
    sources = answer_sources(kind)
    assert len(answers) == len(sources)
    for cell, (_functions, source) in zip(answers, sources, strict=True):
        cell.source = source
    return nb


def _otter_score(results: dict) -> tuple[float, float]:
    """Score and maximum of otter's results.json (tests only; its "Public Tests" summary
    entry carries no score)."""
    scored = [t for t in results["tests"] if "score" in t]
    return sum(t["score"] for t in scored), sum(t["max_score"] for t in scored)


def test_otter_run_scores_match_relulab(assigned: Path, tmp_path: Path) -> None:
    subs = tmp_path / "subs"
    subs.mkdir()
    for student, kind in (("alice", "correct"), ("bob", "partial")):
        nbformat.write(_student_submission(assigned, kind), subs / f"{student}.ipynb")
    relulab = relulab_scores(subs)  # student id = file stem, as in otter run
    max_score = load_course().assignment(ASSIGNMENT).max_score
    zip_path = _zip(assigned, ASSIGNMENT)

    def run(student: str) -> tuple[int, dict]:
        # otter's own run of a correct notebook was seen to stall now and then (3 of 6 runs in
        # one day; ~30 s alone otherwise): its kernel idle, no relulab process alive, otter
        # waiting on it. Such a stall (status 124) gets one more run; anything else counts.
        for attempt in range(2):
            out = tmp_path / "out" / f"{student}-{attempt}"
            status, results = run_otter(zip_path, subs / f"{student}.ipynb", out, 120)
            if status != 124:
                break
        return status, results

    with ThreadPoolExecutor(2) as pool:  # two otter runs side by side
        runs = {student: pool.submit(run, student) for student in ("alice", "bob")}
    for student, future in runs.items():
        status, results = future.result()
        assert status == 0, results
        score, possible = _otter_score(results)
        assert possible == pytest.approx(max_score)
        assert score == pytest.approx(relulab[student]["score"], abs=1e-6)
    assert relulab["alice"]["score"] == max_score
    assert 0 < relulab["bob"]["score"] < max_score


def test_run_guard_stops_a_hanging_submission(assigned: Path, tmp_path: Path) -> None:
    nb = _student_submission(assigned, "correct")
    pid_file = tmp_path / "kernel.pid"
    hang = f"import os\nopen({str(pid_file)!r}, 'w').write(str(os.getpid()))\nwhile True:\n    pass"
    nb.cells.insert(1, nbformat.v4.new_code_cell(hang))
    sub = tmp_path / "hang.ipynb"
    nbformat.write(nb, sub)
    status, results = run_otter(_zip(assigned, ASSIGNMENT), sub, tmp_path / "out", timeout=20)
    assert status == 124
    assert results["score"] == 0 and "20 s" in results["output"]
    assert json.loads((tmp_path / "out" / "results.json").read_text()) == results
    kernel = int(pid_file.read_text())  # the hanging cell ran in otter's kernel ...
    deadline = time.monotonic() + 10
    while _running(kernel) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not _running(kernel)  # ... which the guard killed along with otter


def _running(pid: int) -> bool:
    """Whether ``pid`` is a live process (a zombie waiting to be reaped is not)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return stat[stat.rindex(")") + 2] != "Z"
