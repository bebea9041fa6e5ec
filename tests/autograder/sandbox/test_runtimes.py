"""What student code can do in each runtime relulab grades in, layer by layer.

root: this machine as root (namespaces allowed); docker: Docker's default capabilities and
seccomp profile (Gradescope's container); capsonly: those capabilities with user namespaces
allowed; oldkernel: docker without Landlock; user: a grader run by an ordinary user (uid 4242),
whose home holds an SSH key. Emulated by tests/containerlike.py.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
CONTAINERLIKE = HERE.parents[1] / "containerlike.py"
MODES = {
    "root": "root",
    "docker": "container",
    "capsonly": "userns",
    "oldkernel": "container",
    "user": "userns",  # an ordinary user's grader: an unprivileged user namespace
}

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="the runtimes are emulated as root")


@pytest.fixture(scope="module", params=sorted(MODES))
def probe(request, tmp_path_factory) -> tuple[str, dict]:
    tmp = tmp_path_factory.mktemp(f"runtime-{request.param}")
    secret = tmp / "answers.txt"
    secret.write_text("the answer key")
    secret.chmod(0o644)  # world-readable: only the allow-list keeps it out of reach
    if request.param == "user":  # the grader's own home: its key is the grader's to read
        home = Path("/tmp/relulab-home-4242")
        (home / ".ssh").mkdir(parents=True, exist_ok=True)
        secret = home / ".ssh" / "id_rsa"
        secret.write_text("PRIVATE KEY")
        os.chown(home, 4242, 4242)
        os.chown(home / ".ssh", 4242, 4242)
        os.chown(secret, 4242, 4242)
        secret.chmod(0o600)
    prefix = (
        [] if request.param == "root" else [sys.executable, str(CONTAINERLIKE), request.param, "--"]
    )
    proc = subprocess.run(
        [*prefix, sys.executable, str(HERE / "runtime_probe.py"), str(secret)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    return request.param, json.loads(proc.stdout.splitlines()[-1])


def test_the_mode_and_its_layers_are_named(probe):
    runtime, data = probe
    info = data["isolation"]
    assert info["mode"] == MODES[runtime]
    assert {"seccomp", "rlimits"} <= set(info["layers"])
    if runtime == "user":  # no root: no uid of its own, and the note says so
        assert "uid" not in info["layers"] and any("not root" in m for m in info["missing"])
    else:
        assert "uid" in info["layers"]
    if runtime == "oldkernel":
        assert "landlock" not in info["layers"]
        assert any("landlock" in m and "file permissions only" in m for m in info["missing"])
    else:
        assert "landlock" in info["layers"]
    if runtime == "root":
        assert {"namespaces", "pivot_root"} <= set(info["layers"]) and not info["missing"]


def test_student_code_runs_but_reaches_nothing_outside_its_allow_list(probe):
    runtime, data = probe
    assert data["status"] == "ok", data["message"]
    facts = data["facts"]
    # never real root: its own uid (or uid 0 of a user namespace that maps to that uid)
    if runtime in ("capsonly", "user"):
        assert facts["uid"] == 0  # uid 0 of its user namespace: the sandbox uid or 4242 outside
    else:
        assert 65000 <= facts["uid"] < 66024
    assert facts["read_shadow"] != "ok" and facts["write_stdlib"] != "ok"
    assert facts["write_numpy"] != "ok" and facts["exec"] != "ok"
    assert facts["write_cwd"] == "ok"  # its own scratch folder
    if runtime != "oldkernel":  # with Landlock (or the pivot_root view) a readable file is gone
        assert facts["read_secret"] != "ok"
    assert facts["inet"] != "ok" or runtime == "oldkernel"  # oldkernel: seccomp still refuses
    assert not facts["unshare"] and not facts["umount_tmp"] and not facts["ptrace_parent"]
    assert facts["kill_parent"] != "ok"
    if runtime != "oldkernel":  # without Landlock, file permissions alone decide
        assert facts["yaml"] != "ok"  # installed here, but not for student code
    if runtime != "user":  # an ordinary user's other processes count against its limit too
        assert facts["forks"] <= 3  # RLIMIT_NPROC binds (4 processes and threads, itself incl.)


def test_a_batch_that_cannot_isolate_as_required_grades_nothing_and_a_rerun_does(tmp_path):
    from autograder.paths import course_root

    sample = course_root() / "samples" / "composition" / "ada_correct.py"
    cmd = [sys.executable, "-m", "autograder.cli", "grade", str(sample), "-a", "composition",
           "--out", str(tmp_path / "out"), "--require-isolation", "allow-list"]  # fmt: skip
    refused = subprocess.run(
        [sys.executable, str(CONTAINERLIKE), "oldkernel", "--", *cmd],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert refused.returncode == 1  # the grader could not run as asked
    data = json.loads((tmp_path / "out" / "ada_correct" / "results.json").read_text())
    assert data["score"] == 0 and data["output"].startswith("Not graded")
    assert "lacks allow-list" in data["extra_data"]["relulab"]["internal_error"]
    rerun = subprocess.run(cmd, capture_output=True, text=True, timeout=120)  # root: isolates
    assert rerun.returncode == 0, rerun.stderr
    data = json.loads((tmp_path / "out" / "ada_correct" / "results.json").read_text())
    assert data["score"] == 10 and "already graded" not in rerun.stdout
