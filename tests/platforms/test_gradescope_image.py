"""The real Gradescope zip in an emulated Gradescope container (tests/container_emu).

A Debian 12 image is built the way Gradescope builds one (setup.sh as the image build, with
Docker's default privileges), then submissions are graded the way its harness grades them:
run_autograder as root in /autograder with Docker's 14 default capabilities and its seccomp
profile. Correct work keeps full marks; every attack earns 0, its result is the one the grader
wrote (also seconds after the run) and nothing it started is left in the container.
Needs root, debootstrap, gcc and libseccomp-dev, and the Debian and PyPI registries.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import subprocess
from pathlib import Path

import nbformat
import pytest
from gradescope_schema import validate_results
from platform_helpers import ASSIGNMENT, CHECKOUT, exercise_submission

from autograder.export.gradescope import export

EMU = CHECKOUT / "tests" / "container_emu"
HOSTILE = CHECKOUT / "tests" / "hostile"
MIRROR = "http://deb.debian.org/debian"
CACHE = Path(os.environ.get("RELULAB_TEST_CACHE") or Path.home() / ".cache" / "relulab-tests")
CA = "/etc/ssl/certs/ca-certificates.crt"  # pip in the image trusts what this machine trusts

# One worker builds the image once and grades everything in it.
pytestmark = [pytest.mark.platform, pytest.mark.slow, pytest.mark.xdist_group("gsimage")]
NEEDED = ("debootstrap", "gcc", "unzip", "unshare")


def _missing() -> str:
    if os.geteuid() != 0:
        return "needs root"
    missing = [tool for tool in NEEDED if shutil.which(tool) is None]
    if not Path("/usr/include/seccomp.h").exists():
        missing.append("libseccomp-dev")
    return f"needs {', '.join(missing)}" if missing else ""


@pytest.fixture(scope="module")
def image(tmp_path_factory) -> tuple[Path, Path]:
    why = _missing()
    if why and not os.environ.get("RELULAB_REQUIRE_IMAGE_TESTS"):
        pytest.skip(why)
    assert not why, why
    work = tmp_path_factory.mktemp("gsimage")
    tools = work / "tools"
    shutil.copytree(EMU, tools)
    subprocess.run(
        ["gcc", "-O2", "-static", "-o", str(tools / "dockerlike"), str(tools / "dockerlike.c"),
         "-lseccomp"],
        check=True,
    )  # fmt: skip
    base = CACHE / "debian12-minbase"
    CACHE.mkdir(parents=True, exist_ok=True)
    with open(CACHE / ".debian12-minbase.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # one build at a time, even from two runs at once
        for attempt in range(3):  # the mirror fails now and then (CI saw it once): try again
            if (base / "usr" / "bin" / "apt-get").exists():
                break
            shutil.rmtree(base, ignore_errors=True)
            base.parent.mkdir(parents=True, exist_ok=True)
            boot = subprocess.run(
                ["debootstrap", "--variant=minbase", "bookworm", str(base), MIRROR],
                capture_output=True,
                text=True,
                timeout=900,
            )
            if boot.returncode != 0:
                log = base / "debootstrap" / "debootstrap.log"
                tail = log.read_text(errors="replace")[-1500:] if log.exists() else ""
                print(
                    f"debootstrap try {attempt + 1} failed:", boot.stdout[-1500:], boot.stderr, tail
                )
                shutil.rmtree(base, ignore_errors=True)
    assert (base / "usr" / "bin" / "apt-get").exists(), "debootstrap failed three times"
    export(work / "zips")
    img = work / "image"
    subprocess.run(["cp", "-a", str(base), str(img)], check=True)
    env = {**os.environ, **({"GS_EXTRA_CA": CA} if Path(CA).exists() else {})}
    build = subprocess.run(
        [str(tools / "gs-build"), str(work / "zips" / f"{ASSIGNMENT}.zip"), str(img), "docker"],
        capture_output=True,
        text=True,
        timeout=1200,
        env=env,
    )
    assert "SETUP_RC=0" in build.stdout, build.stdout[-4000:] + build.stderr[-2000:]
    assert "relulab sandbox: container mode" in build.stdout  # what setup.sh reports
    return tools, img


def _grade(image: tuple[Path, Path], submission: Path, out: Path, mode: str = "docker") -> dict:
    tools, img = image
    subprocess.run(
        [str(tools / "gs-grade"), str(img), mode, str(submission), str(out), "3"],
        check=True,
        capture_output=True,
        timeout=300,
        env={**os.environ, "GS_RUNS": str(out.parent / "runs")},
    )
    at_exit = (out / "results_at_exit.json").read_text()
    assert (out / "results_after_wait.json").read_text() == at_exit  # nothing rewrote it
    assert (out / "procs_at_exit.txt").read_text().strip() == ""  # nothing outlived the run
    assert (out / "procs_after_wait.txt").read_text().strip() == ""
    data = json.loads(at_exit)
    validate_results(data)
    return data


@pytest.mark.parametrize("mode", ["docker", "capsonly"])
def test_correct_work_keeps_full_marks(image, tmp_path: Path, mode: str) -> None:
    data = _grade(
        image, CHECKOUT / "samples" / ASSIGNMENT / "ada_correct.py", tmp_path / mode, mode
    )
    assert data["score"] == data["max_score"] == 10
    isolation = data["extra_data"]["relulab"]["isolation"]
    assert isolation["mode"] == {"docker": "container", "capsonly": "userns"}[mode]
    assert {"uid", "landlock", "seccomp"} <= set(isolation["layers"])
    # The sandbox took what the image build found installed (kept in the grader's folder)
    # rather than reading every distribution's metadata again: it wrote no new copy.
    written = (tmp_path / mode / "written.txt").read_text().split()
    assert not [w for w in written if "/relulab/installed-" in w], written


def test_a_notebook_run_finds_every_cache_it_needs_in_the_image(image, tmp_path: Path) -> None:
    """Each run starts from the image and keeps nothing: a cache a run had to make itself
    (matplotlib's font list: 0.2-0.5 s) would be made again by every run. The image build
    made them; a notebook's run writes none."""
    submission = tmp_path / f"{ASSIGNMENT}.ipynb"
    nbformat.write(exercise_submission("correct"), submission)
    data = _grade(image, submission, tmp_path / "out")
    assert data["score"] == data["max_score"] == 10
    written = (tmp_path / "out" / "written.txt").read_text().split()
    made = [w for w in written if "/relulab/" in w and "/relulab/uids/" not in w]
    assert not made, made
    assert not [w for w in written if "fontlist" in w], written


# One of each kind (the whole corpus runs in a Docker-like runtime in test_hostile_e2e).
ATTACKS = [
    "site_solutions.py",
    "host_search.py",
    "kill_everyone.py",
    "daemon.py",
    "fake_results.py",
]


@pytest.mark.parametrize("attack", ATTACKS)
def test_attacks_earn_nothing_in_the_container(image, tmp_path: Path, attack: str) -> None:
    data = _grade(image, HOSTILE / attack, tmp_path / "out")
    assert data["score"] == 0, data["output"]


def test_planted_code_never_reaches_a_later_grade(image, tmp_path: Path) -> None:
    _grade(image, HOSTILE / "plant_code.py", tmp_path / "plant")
    later = _grade(image, CHECKOUT / "samples" / ASSIGNMENT / "ada_correct.py", tmp_path / "later")
    assert later["score"] == 10 and "FAKE" not in json.dumps(later)
