"""The Gradescope zip: its scripts, and run_autograder run for real outside a container.

setup.sh is not run (it installs system packages as root); it is syntax-checked and must
reference the wheel shipped beside it. run_autograder runs with AUTOGRADER_ROOT set to a
temporary folder and RELULAB_PYTHON set to this interpreter, with this checkout importable.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import nbformat
import pytest
from gradescope_schema import validate_results
from platform_helpers import ASSIGNMENT, CHECKOUT, env, exercise_submission, relulab_scores

from autograder.course import load_course
from autograder.export.gradescope import export

pytestmark = pytest.mark.platform

HOSTILE = CHECKOUT / "tests" / "hostile"


@pytest.fixture(scope="module")
def unpacked(tmp_path_factory) -> Path:
    """The exported zips, and composition.zip unpacked into source/."""
    out = tmp_path_factory.mktemp("gradescope")
    export(out / "zips")
    source = out / "source"
    with zipfile.ZipFile(out / "zips" / f"{ASSIGNMENT}.zip") as zf:
        zf.extractall(source)
        for info in zf.infolist():  # zipfile drops the mode bits: restore them
            (source / info.filename).chmod((info.external_attr >> 16) & 0o777)
    return out


def test_one_zip_per_assignment_with_scripts_and_wheel(unpacked: Path) -> None:
    names = load_course().names
    assert sorted(p.stem for p in (unpacked / "zips").glob("*.zip")) == sorted(names)
    for name in names:
        with zipfile.ZipFile(unpacked / "zips" / f"{name}.zip") as zf:
            files = zf.namelist()
            assert {"setup.sh", "run_autograder", "constraints.txt"} <= set(files)
            pins = zf.read("constraints.txt").decode().splitlines()
            assert any(line.lower().startswith("numpy==") for line in pins)
            assert not any(line.lower().startswith("relulab") for line in pins)
            wheels = [f for f in files if f.endswith(".whl")]
            assert len(wheels) == 1
            assert wheels[0] in zf.read("setup.sh").decode()
            assert f"--assignment {name} " in zf.read("run_autograder").decode()
            for script in ("setup.sh", "run_autograder"):
                assert (zf.getinfo(script).external_attr >> 16) & 0o111
    source = unpacked / "source"
    for script in ("setup.sh", "run_autograder"):
        subprocess.run(["bash", "-n", str(source / script)], check=True)
    setup = (source / "setup.sh").read_text()
    assert "chmod 700" in setup and "chown -R root:root" in setup and "constraints.txt" in setup
    run = (source / "run_autograder").read_text()
    assert "--require uid,allow-list" in run and "--results" in run
    wheel = next(source.glob("relulab-*.whl"))
    with zipfile.ZipFile(wheel) as zf:
        inside = set(zf.namelist())
    for needed in (
        "autograder/export/gradescope_run.py",
        f"autograder/cases/{ASSIGNMENT}.py",
        f"reference/{ASSIGNMENT}.py",
        "autograder/_course/course.yml",
    ):
        assert needed in inside


CONTAINERLIKE = CHECKOUT / "tests" / "containerlike.py"


def _run(
    unpacked: Path,
    name: str,
    files: dict[str, bytes],
    user: str | None = None,
    python: str = sys.executable,
    runtime: str | None = None,
) -> dict:
    """Run the unpacked run_autograder on ``files``; returns the validated results.json.

    runtime: None (as this process runs), or a mode of tests/containerlike.py ("docker": the
    privileges Gradescope's container gives)."""
    root = unpacked / "runs" / name
    (root / "submission").mkdir(parents=True)
    (root / "results").mkdir()
    for fname, data in files.items():
        (root / "submission" / fname).write_bytes(data)
    if user is not None:
        meta = {"id": 1, "users": [{"email": "s@example.org", "id": user, "name": "S"}]}
        (root / "submission_metadata.json").write_text(json.dumps(meta))
    e = env() | {"AUTOGRADER_ROOT": str(root), "RELULAB_PYTHON": python}
    prefix = [sys.executable, str(CONTAINERLIKE), runtime, "--"] if runtime else []
    proc = subprocess.run(
        [*prefix, "bash", str(unpacked / "source" / "run_autograder")],
        env=e,
        capture_output=True,
        text=True,
        timeout=120,
        cwd=root,
    )
    assert proc.returncode == 0, proc.stderr
    data = json.loads((root / "results" / "results.json").read_text())
    validate_results(data)
    return data


def test_scores_match_relulab_for_the_same_student(unpacked: Path, tmp_path: Path) -> None:
    mine = tmp_path / "mine"
    mine.mkdir()
    for kind in ("correct", "partial"):
        nbformat.write(exercise_submission(kind), mine / f"{kind}.ipynb")
    expected = {
        "correct": relulab_scores(mine, "s-1001")["correct"],
        "partial": relulab_scores(mine, "s-1002")["partial"],
    }
    max_score = load_course().assignment(ASSIGNMENT).max_score
    for kind, user in (("correct", "s-1001"), ("partial", "s-1002")):
        data = _run(unpacked, kind, {f"{kind}.ipynb": (mine / f"{kind}.ipynb").read_bytes()}, user)
        assert data["extra_data"]["relulab"]["student"] == user
        assert data["score"] == pytest.approx(expected[kind]["score"], abs=1e-6)
        assert data["max_score"] == max_score
    assert expected["correct"]["score"] == max_score
    assert 0 < expected["partial"]["score"] < max_score


def test_without_metadata_the_file_stem_is_the_student(unpacked: Path) -> None:
    data = _run(
        unpacked,
        "stem",
        {"ada_correct.py": (CHECKOUT / "samples" / ASSIGNMENT / "ada_correct.py").read_bytes()},
    )
    assert data["extra_data"]["relulab"]["student"] == "ada_correct"
    assert data["score"] == data["max_score"]


@pytest.mark.parametrize("attack", ["exit_at_import.py", "fake_results.py"])
def test_hostile_submissions_get_an_honest_valid_result(unpacked: Path, attack: str) -> None:
    data = _run(unpacked, attack, {attack: (HOSTILE / attack).read_bytes()}, user="s-666")
    assert data["score"] < data["max_score"]
    assert data["extra_data"]["relulab"]["student"] == "s-666" and data["tests"]


def test_no_or_several_files_give_a_clear_zero(unpacked: Path) -> None:
    sample = (CHECKOUT / "samples" / ASSIGNMENT / "ada_correct.py").read_bytes()
    none = _run(unpacked, "none", {"notes.txt": b"hello"})
    several = _run(unpacked, "several", {"a.py": sample, "b.ipynb": b"{}"})
    for data, word in ((none, "No .py or .ipynb"), (several, "Several")):
        assert data["score"] == 0 and word in data["output"]
        assert data["max_score"] == load_course().assignment(ASSIGNMENT).max_score


def test_a_grader_that_cannot_start_still_leaves_a_valid_result(unpacked: Path) -> None:
    sample = (CHECKOUT / "samples" / ASSIGNMENT / "ada_correct.py").read_bytes()
    data = _run(unpacked, "broken", {"a.py": sample}, python=shutil.which("false") or "/bin/false")
    assert data["score"] == 0 and "could not finish" in data["output"]
    root = unpacked / "runs" / "internal"
    (root / "submission").mkdir(parents=True)
    (root / "submission" / "a.py").write_bytes(sample)
    subprocess.run(
        [
            sys.executable,
            "-m",
            "autograder.export.gradescope_run",
            "--assignment",
            "nosuch",
            "--root",
            str(root),
            "--max-score",
            "7",
        ],
        env=env(),
        check=True,
        capture_output=True,
        timeout=60,
    )
    data = json.loads((root / "results" / "results.json").read_text())
    validate_results(data)
    assert data["score"] == 0 and data["max_score"] == 7


@pytest.mark.skipif(os.geteuid() != 0, reason="the container runtime is emulated as root")
def test_in_a_docker_like_container_a_correct_file_keeps_full_marks(unpacked: Path) -> None:
    sample = (CHECKOUT / "samples" / ASSIGNMENT / "ada_correct.py").read_bytes()
    data = _run(unpacked, "docker-correct", {"ada.py": sample}, "s-1", runtime="docker")
    assert data["score"] == data["max_score"]
    isolation = data["extra_data"]["relulab"]["isolation"]
    assert isolation["mode"] == "container"
    assert {"uid", "landlock", "seccomp", "rlimits"} <= set(isolation["layers"])


@pytest.mark.skipif(os.geteuid() != 0, reason="the container runtime is emulated as root")
@pytest.mark.parametrize("attack", ["kill_everyone.py", "daemon.py", "fake_results.py"])
def test_in_a_docker_like_container_nothing_outlives_or_overwrites_the_grade(
    unpacked: Path, attack: str
) -> None:
    data = _run(unpacked, f"docker-{attack}", {attack: (HOSTILE / attack).read_bytes()},
                "s-2", runtime="docker")  # fmt: skip
    assert data["score"] == 0 and data["extra_data"]["relulab"]["isolation"]["mode"] == "container"
    results = unpacked / "runs" / f"docker-{attack}" / "results"
    before = (results / "results.json").read_bytes()
    time.sleep(3)  # the daemons rewrite after 1.5-2 s
    assert (results / "results.json").read_bytes() == before
    assert [p.name for p in results.iterdir()] == ["results.json"]  # the private folder is gone


@pytest.mark.skipif(os.geteuid() != 0, reason="the container runtime is emulated as root")
def test_without_landlock_the_zip_refuses_to_grade_and_says_so(unpacked: Path) -> None:
    sample = (CHECKOUT / "samples" / ASSIGNMENT / "ada_correct.py").read_bytes()
    data = _run(unpacked, "old-kernel", {"ada.py": sample}, "s-3", runtime="oldkernel")
    assert data["score"] == 0 and "Not graded" in data["output"]
    error = data["extra_data"]["relulab"]["internal_error"]
    assert "allow-list" in error and "landlock" in error.lower()


SPY_STARTS = """
import atexit, json, runpy, sys
from autograder.sandbox import _launch

starts, real = [], _launch.start

def spy(preload):
    env, proc = real(preload)
    starts.append([preload, proc.pid, "autograder.sandbox._sandbox" in sys.modules])
    return env, proc

_launch.start = spy
atexit.register(lambda: print(json.dumps(starts)))  # registered first: runs last
sys.argv = ["gradescope_run", *sys.argv[1:]]
runpy.run_module("autograder.export.gradescope_run", run_name="__main__")
"""


@pytest.mark.parametrize(
    ("name", "preload"),
    [("correct.ipynb", False), ("contours.ipynb", True), ("ada_correct.py", False)],
)
def test_the_zygote_starts_before_the_grader_imports_and_is_the_one_that_grades(
    tmp_path: Path, name: str, preload: bool
) -> None:
    """Run as a command, the runner starts one zygote, before the grader's side of the sandbox
    is even imported, with matplotlib for a notebook whose plot cells will need it (the
    exercise's own run on its stand-ins): no second one is started, so the one that graded
    (full marks) is that one."""
    root = tmp_path / "root"
    (root / "submission").mkdir(parents=True)
    if name.endswith(".ipynb"):
        nb = exercise_submission("correct")
        if name == "contours.ipynb":
            nb.cells.append(nbformat.v4.new_code_cell("plt.subplots()[1].contour(np.eye(3))"))
        nbformat.write(nb, root / "submission" / name)
    else:
        shutil.copy(CHECKOUT / "samples" / ASSIGNMENT / name, root / "submission" / name)
    args = ["--assignment", ASSIGNMENT, f"--root={root}"]
    proc = subprocess.run(
        [sys.executable, "-c", SPY_STARTS, *args],
        env=env(),
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
    )
    assert proc.returncode == 0, proc.stderr
    starts = json.loads(proc.stdout.strip().splitlines()[-1])
    assert [[s[0], s[2]] for s in starts] == [[preload, False]]
    data = json.loads((root / "results" / "results.json").read_text())
    assert data["score"] == data["max_score"] > 0


@pytest.mark.parametrize(
    "argv",
    [
        ["--assignment", ASSIGNMENT, "--prepare"],
        ["--assignment", ASSIGNMENT, "--check-isolation"],
        ["--help"],
    ],
)
def test_commands_that_grade_nothing_start_no_zygote_early(tmp_path: Path, argv) -> None:
    proc = subprocess.run(
        [sys.executable, "-c", SPY_STARTS, *argv, "--root", str(tmp_path)],
        env=env(),
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
    )
    assert proc.returncode == 0, proc.stderr
    starts = json.loads(proc.stdout.strip().splitlines()[-1])
    # --check-isolation starts its own sandbox's zygote, after the grader's imports
    assert all(imported for _, _, imported in starts), starts
    assert len(starts) == (1 if "--check-isolation" in argv else 0)


def test_a_wrong_early_guess_is_ended_and_the_grade_is_right(tmp_path: Path) -> None:
    """AUTOGRADER_ROOT names a folder with a notebook, --root one with a .py file: the guess
    follows --root. And when no Sandbox adopts an early zygote (another sandbox mode asked for
    after it started), it ends with the runner, having set nothing up."""
    decoy = tmp_path / "decoy"
    (decoy / "submission").mkdir(parents=True)
    nbformat.write(exercise_submission("correct"), decoy / "submission" / "x.ipynb")
    root = tmp_path / "root"
    (root / "submission").mkdir(parents=True)
    shutil.copy(CHECKOUT / "samples" / ASSIGNMENT / "ada_correct.py", root / "submission")
    script = SPY_STARTS.replace(  # the mode changes once the early zygote has started
        "    return env, proc",
        "    __import__('os').environ['RELULAB_SANDBOX_MODE'] = 'plain'\n    return env, proc",
    )
    for code, expect in ((SPY_STARTS, 1), (script, 2)):
        proc = subprocess.run(
            [sys.executable, "-c", code, "--assignment", ASSIGNMENT, "--root", str(root)],
            env=env() | {"AUTOGRADER_ROOT": str(decoy)},
            capture_output=True,
            text=True,
            timeout=120,
            cwd=tmp_path,
        )
        assert proc.returncode == 0, proc.stderr
        starts = json.loads(proc.stdout.strip().splitlines()[-1])
        assert len(starts) == expect and starts[0][0] is False, starts
        for _, pid, _ in starts:  # every zygote was waited for: none is left, not even a zombie
            assert not Path(f"/proc/{pid}").exists()
        data = json.loads((root / "results" / "results.json").read_text())
        assert data["score"] == data["max_score"] > 0
        if expect == 2:  # graded by the zygote started after the change
            assert data["extra_data"]["relulab"]["isolation"]["mode"] == "plain"
