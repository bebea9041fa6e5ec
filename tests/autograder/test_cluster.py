"""Grading on a real Dask LocalCluster (worker processes, each with its own sandbox).

The cluster must not change a grade, must lose nothing when a worker process dies, and must
record a submission during which two workers died as an internal error. Workers are killed
with SIGKILL from here, while the scheduler says they are running the submission: sandboxed
student code cannot take a worker down by itself (that is the point of the sandbox).
"""

from __future__ import annotations

import csv
import hashlib
import json
import logging
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

distributed = pytest.importorskip("distributed")

import dask  # noqa: E402

import autograder.cluster  # noqa: E402
from autograder.batch import grade_batch  # noqa: E402
from autograder.cluster import SCHEDULER_SETTINGS  # noqa: E402
from autograder.course import load_course  # noqa: E402
from autograder.paths import course_root  # noqa: E402

# In the "sandbox" group (tests/conftest.py): its tests count the sandboxed processes alive,
# and must not take these workers' for their own survivors.
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("sandbox")]

SAMPLES = course_root() / "samples" / "composition"
HOSTILE = Path(__file__).resolve().parents[1] / "hostile"
# Quick attacks on composition (none of them waits out a time limit).
ATTACKS = [
    "exit_in_call.py",
    "os_exit_at_import.py",
    "read_secrets.py",
    "kill_everyone.py",
    "fake_results.py",
    "lying_ndarray.py",
    "corrupt.ipynb",
]


@pytest.fixture(scope="module")
def cluster():
    """Two worker processes of one thread each; a submission during which 2 died is given up."""
    with dask.config.set(SCHEDULER_SETTINGS):  # as relulab's own local clusters
        with distributed.LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
            scheduler_kwargs={"dashboard_address": "127.0.0.1:0"},
            silence_logs=logging.CRITICAL,
        ) as lc:
            with distributed.Client(lc) as client:
                yield lc.scheduler_address, client


def cli(*args: str | Path) -> subprocess.CompletedProcess:
    cmd = [sys.executable, "-m", "autograder.cli", "grade", *map(str, args)]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=300)


def results(out: Path) -> dict[str, dict]:
    """Every results.json in ``out`` by submission, without its (timing) execution_time."""
    found = {}
    for path in sorted(out.glob("*/results.json")):
        data = json.loads(path.read_text())
        data.pop("execution_time", None)
        found[path.parent.name] = data
    return found


def rows(out: Path) -> dict[str, dict]:
    with open(out / "grades.csv", newline="") as f:
        return {r["submission"]: r for r in csv.DictReader(f)}


def mixed(folder: Path) -> Path:
    """The samples (correct, partial, broken) and a few attacks, one folder."""
    folder.mkdir()
    for p in SAMPLES.iterdir():
        if p.suffix in (".py", ".ipynb"):
            shutil.copy(p, folder / p.name)
    for name in ATTACKS:
        shutil.copy(HOSTILE / name, folder / name)
    return folder


def test_a_cluster_grades_exactly_as_a_local_batch_and_resumes_it(cluster, tmp_path):
    address, _client = cluster
    subs = mixed(tmp_path / "subs")
    local, remote = tmp_path / "local", tmp_path / "remote"
    common = ("--assignment", "composition", "--force-assignment")
    a = cli(subs, *common, "--out", local, "--jobs", "2")
    b = cli(subs, *common, "--out", remote, "--cluster", address)
    assert a.returncode == 0, a.stdout + a.stderr
    assert b.returncode == 0, b.stdout + b.stderr
    assert (local / "grades.csv").read_bytes() == (remote / "grades.csv").read_bytes()
    assert results(local) == results(remote)
    assert len(results(remote)) == 3 + len(ATTACKS)
    for stem in results(local):  # the pages too (the due date has not passed for either)
        page = (remote / stem / "feedback.html").read_text()
        assert page == (local / stem / "feedback.html").read_text()
    graded = rows(remote)
    assert graded["ada_correct"]["score"] == "10" and graded["ben_partial"]["score"] == "3"
    assert all(graded[Path(n).stem]["score"] == "0" for n in ATTACKS)
    assert (remote / "summary.html").is_file()

    # Resume across the two: each run skips what the other graded, and rewrites nothing.
    before = {p: p.stat().st_mtime_ns for p in remote.glob("*/*")}
    again = cli(subs, *common, "--out", remote, "--jobs", "2")
    assert again.returncode == 0 and again.stdout.count("(already graded)") == len(graded)
    back = cli(subs, *common, "--out", local, "--cluster", address)
    assert back.returncode == 0 and back.stdout.count("(already graded)") == len(graded)
    assert {p: p.stat().st_mtime_ns for p in remote.glob("*/*")} == before


def key_prefix(name: str) -> str:
    """The start of the task key that grades ``name`` (autograder.cluster.task_key)."""
    return "grade-" + hashlib.sha256(name.encode()).hexdigest()[:12]


def kill_while_running(client, name: str, spare: str = "", timeout: float = 60.0) -> str:
    """SIGKILL the worker process the scheduler says is grading ``name`` (not ``spare``, which
    was killed already); its address."""
    prefix, deadline = key_prefix(name), time.monotonic() + timeout
    while time.monotonic() < deadline:
        for addr, keys in client.processing().items():
            if addr != spare and any(str(k).startswith(prefix) for k in keys):
                time.sleep(0.5)  # well inside the sandbox by now
                pids = client.run(worker_pids, workers=[addr], on_error="return").get(addr)
                if not isinstance(pids, list):  # left meanwhile
                    continue
                os.kill(pids[0], signal.SIGKILL)
                # Its orphaned zygotes would finish the submission (within its limits) and
                # exit; they are killed too, so that no other test meets them.
                for zygote in pids[1:]:
                    try:
                        os.killpg(zygote, signal.SIGKILL)
                    except ProcessLookupError:
                        pass
                return addr
        time.sleep(0.05)
    raise AssertionError(f"{name} was never seen running")


def worker_pids() -> list[int]:
    """On a worker: its pid, then its sandbox zygotes' (each leads a process group)."""
    import autograder.cluster

    box = autograder.cluster._state["sandbox"]
    return [os.getpid(), *(z.proc.pid for z in (box._all if box else []))]


def slow_correct(folder: Path, name: str, seconds: float) -> None:
    """The correct sample, sleeping ``seconds`` while it loads (under the load limit)."""
    source = (SAMPLES / "ada_correct.py").read_text()
    (folder / f"{name}.py").write_text(f"import time\ntime.sleep({seconds})\n{source}")


def in_thread(fn, *args, **kwargs):
    box: dict = {}

    def run() -> None:
        try:
            box["value"] = fn(*args, **kwargs)
        except BaseException as exc:  # pragma: no cover - re-raised below
            box["error"] = exc

    thread = threading.Thread(target=run)
    thread.start()
    return thread, box


def test_a_killed_worker_loses_nothing(cluster, tmp_path):
    address, client = cluster
    subs = tmp_path / "subs"
    subs.mkdir()
    slow_correct(subs, "slow", 3)
    for i in range(3):
        shutil.copy(SAMPLES / "ada_correct.py", subs / f"ada{i}.py")
        shutil.copy(SAMPLES / "ben_partial.py", subs / f"ben{i}.py")
    out = tmp_path / "out"
    course = load_course()
    thread, box = in_thread(grade_batch, [subs], course, "composition", out, cluster=address)
    killed = kill_while_running(client, "slow")
    thread.join(120)
    assert not thread.is_alive() and "error" not in box
    summary = box["value"]
    assert summary.internal_errors == [] and sorted(summary.graded) == sorted(
        p.stem for p in subs.iterdir()
    )
    graded = rows(out)
    assert graded["slow"]["score"] == "10" and graded["slow"]["status"] == "graded"
    assert all(graded[f"ada{i}"]["score"] == "10" for i in range(3))
    assert all(graded[f"ben{i}"]["score"] == "3" for i in range(3))
    assert killed not in client.scheduler_info()["workers"]  # it really died

    again = grade_batch([subs], course, "composition", out, cluster=address)
    assert again.graded == [] and len(again.skipped) == 7


def test_a_submission_that_kills_two_workers_is_an_internal_error(cluster, tmp_path):
    address, client = cluster
    subs = tmp_path / "subs"
    subs.mkdir()
    slow_correct(subs, "deadly", 8)
    shutil.copy(SAMPLES / "ben_partial.py", subs / "ben.py")
    out = tmp_path / "out"
    thread, box = in_thread(grade_batch, [subs], load_course(), "composition", out, cluster=address)
    first = kill_while_running(client, "deadly")
    second = kill_while_running(client, "deadly", spare=first)
    assert first != second
    thread.join(120)
    assert not thread.is_alive() and "error" not in box
    summary = box["value"]
    assert [e.split(":")[0] for e in summary.internal_errors] == ["deadly"]
    graded = rows(out)
    assert graded["deadly"]["status"] == "internal error" and graded["deadly"]["score"] == "0"
    assert graded["ben"]["score"] == "3"  # the batch went on
    meta = json.loads((out / "deadly" / "results.json").read_text())["extra_data"]["relulab"]
    assert "two Dask workers died" in meta["internal_error"]


def test_a_worker_with_other_grading_code_is_refused(tmp_path):
    """A worker started from a copy of the package whose grading code differs by one line."""
    copy = tmp_path / "other"
    for pkg in ("autograder", "reference"):
        shutil.copytree(course_root() / pkg, copy / pkg, ignore=shutil.ignore_patterns("*.pyc"))
    with open(copy / "autograder" / "compare.py", "a") as f:
        f.write("\n# a later release\n")
    with distributed.LocalCluster(
        n_workers=0,
        processes=False,
        protocol="tcp://",
        dashboard_address=None,
        scheduler_kwargs={"dashboard_address": "127.0.0.1:0"},
        silence_logs=logging.CRITICAL,
    ) as lc:
        env = {**os.environ, "PYTHONPATH": str(copy)}
        worker = subprocess.Popen(
            [sys.executable, "-m", "distributed.cli.dask_worker", lc.scheduler_address]
            + ["--nthreads", "1", "--no-nanny", "--no-dashboard"],
            env=env,
            cwd=tmp_path,  # not the checkout: its packages would come first
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            subs = tmp_path / "subs"
            subs.mkdir()
            shutil.copy(SAMPLES / "ada_correct.py", subs)
            proc = cli(
                subs,
                "-a",
                "composition",
                "--out",
                tmp_path / "o",
                "--cluster",
                lc.scheduler_address,
            )
        finally:
            worker.kill()
            worker.wait()
    assert proc.returncode == 1
    err = proc.stderr.strip()
    assert err.startswith("Error: a worker runs relulab") and "grading code" in err
    assert "install the same relulab on every worker" in err and "Traceback" not in err
    assert len(err.splitlines()) == 1
    assert not (tmp_path / "o" / "ada_correct").exists()


@pytest.mark.parametrize(
    "spec, message",
    [
        ("local:0", "local:N needs a number of workers"),
        ("local:x", "local:N needs a number of workers"),
        ("not an address", "is not a Dask scheduler address"),
    ],
)
def test_a_bad_cluster_is_one_line(tmp_path, spec, message):
    proc = cli(SAMPLES, "-a", "composition", "--out", tmp_path, "--cluster", spec)
    assert proc.returncode == 2 and message in proc.stderr and "Traceback" not in proc.stderr


def test_without_distributed_cluster_says_how_to_install(tmp_path):
    code = "import sys; sys.modules['distributed'] = None; from autograder.cli import main; main()"
    args = [
        "grade",
        str(SAMPLES),
        "-a",
        "composition",
        "--out",
        str(tmp_path),
        "--cluster",
        "local",
    ]
    proc = subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 1
    assert proc.stderr.strip().splitlines() == [
        "Error: --cluster needs dask.distributed, which is not installed: "
        "pip install 'relulab[cluster]'"
    ]
    assert not list(tmp_path.iterdir())


def test_ctrl_c_on_a_local_cluster_finishes_what_is_in_flight(cluster, tmp_path):
    """A terminal's Ctrl-C reaches the whole process group, the local workers too: they must
    not die of it (the first Ctrl-C lets the submissions in flight finish)."""
    address, _client = cluster
    subs = tmp_path / "subs"
    subs.mkdir()
    for i in range(5):
        shutil.copy(SAMPLES / "ada_correct.py", subs / f"ada{i}.py")
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "autograder.cli", "grade", str(subs), "-a", "composition"]
    proc = subprocess.Popen(
        [*cmd, "--out", str(out), "--cluster", "local:1"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # its own process group, as a terminal gives a command
    )
    deadline = time.monotonic() + 120
    while not list(out.glob("*/results.json")) and time.monotonic() < deadline:
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGINT)
    stdout, stderr = proc.communicate(timeout=120)
    assert proc.returncode == 130, stdout + stderr
    done = rows(out)
    assert 1 <= len(done) < 5 and all(r["score"] == "10" for r in done.values())
    assert "not graded; run the same command again" in stderr and "Traceback" not in stderr
    rest = cli(subs, "-a", "composition", "--out", out, "--cluster", address)
    assert rest.returncode == 0 and rest.stdout.count("(already graded)") == len(done)
    assert len(rows(out)) == 5 and all(r["score"] == "10" for r in rows(out).values())


def test_the_client_takes_only_a_reply_that_checks_out():
    """A worker's answer, graded for real here (grade_remote, its sandbox), then altered."""
    from autograder.cluster import check_reply, grade_remote
    from autograder.grade import seed_for
    from autograder.plots import draw_failing_plots

    course = load_course()
    job = _ben_job(draw_plots=draw_failing_plots)
    sha, fingerprint = job["sha256"], job["fingerprint"]
    expect = {
        "submission": "ben",
        "assignment": "composition",
        "seed": seed_for(course, "composition", "ben"),
        "sha256": sha,
        "fingerprint": fingerprint,
        "max_score": 10.0,
    }
    blob = grade_remote(job)
    reply = check_reply(blob, expect)
    assert reply["kind"] == "graded" and reply["results"]["score"] == 3.0
    assert "<img" in reply["feedback"]  # a failing question's plot, drawn on the worker

    def altered(change) -> bytes:
        data = json.loads(blob)
        change(data)
        return json.dumps(data).encode()

    meta = lambda d: d["results"]["extra_data"]["relulab"]  # noqa: E731
    bad = [
        blob.decode(),  # not bytes
        b"\x80\x04\x95 a pickle",  # not JSON
        altered(lambda d: d["results"].update(score=10.5)),
        altered(lambda d: d["results"].update(score=float("nan"))),
        altered(lambda d: d["results"].update(score="10")),
        altered(lambda d: d["results"].update(max_score=20.0)),
        altered(lambda d: meta(d).update(seed=meta(d)["seed"] + 1)),
        altered(lambda d: meta(d).update(sha256="0" * 64)),
        altered(lambda d: meta(d).update(submission="ada_correct")),
        altered(lambda d: meta(d).update(fingerprint="another")),
        altered(lambda d: d["results"]["tests"].append({"name": "x", "score": "1"})),
        altered(lambda d: d.update(feedback=["not", "text"])),
        altered(lambda d: d.update(results=[1, 2])),
    ]
    for reply_blob in bad:
        with pytest.raises(ValueError):
            check_reply(reply_blob, expect)

    # The worker itself refuses a client of another relulab, and says why.
    other = json.loads(grade_remote({**job, "digest": "0123456789abcdef"}))
    assert other["kind"] == "mismatch" and "grading code 0123456789abcdef" in other["why"]
    autograder.cluster._close_sandbox()  # the sandbox grade_remote started in this process


def _ben_job(**extra) -> dict:
    from autograder.cluster import code_digest, relulab_version
    from autograder.grade import grading_fingerprint

    course = load_course()
    source = (SAMPLES / "ben_partial.py").read_bytes()
    return {
        "course": course,
        "assignment": "composition",
        "name": "ben",
        "student": "ben",
        "seed": None,
        "student_name": "",
        "suffix": ".py",
        "source": source,
        "problem": None,
        "sha256": hashlib.sha256(source).hexdigest(),
        "fingerprint": grading_fingerprint(course, "composition"),
        "version": relulab_version(),
        "digest": code_digest(),
        "require": [],
        "hide": [],
        "draw_plots": None,
        **extra,
    }


def test_a_worker_grades_with_the_clients_case_profiles_and_works_out_none(monkeypatch):
    """The client ships the case profiles with each job: a worker (here a fresh process's
    state) takes them and draws nothing to work them out; without them it works them out
    itself. The grade is the same either way."""
    from autograder.cases import base
    from autograder.cluster import _profiles, grade_remote, worker_sandbox

    course = load_course()
    job = _ben_job()
    monkeypatch.setattr(base, "_SPARES", {})
    shipped = _profiles(course, "composition", job["fingerprint"])
    assert len(shipped["profiles"]) > 0

    worked: list[str] = []
    real = base._usual_spares

    def spy(name, *args, **kwargs):
        known = len(base._SPARES)
        out = real(name, *args, **kwargs)
        if len(base._SPARES) > known:
            worked.append(name)
        return out

    monkeypatch.setattr(base, "_usual_spares", spy)
    scores = {}
    for ships in (True, False):
        monkeypatch.setattr(base, "_SPARES", {})  # a worker that knows no profile
        worked.clear()
        reply = json.loads(grade_remote(_ben_job(profiles=shipped if ships else None)))
        assert reply["kind"] == "graded", reply
        scores[ships] = (reply["results"]["score"], list(worked))
    assert scores[True] == (3.0, [])
    assert scores[False][0] == 3.0 and len(scores[False][1]) > 0
    # the worker's sandbox compiles the assignment's released notebook, as a local batch's does
    box = worker_sandbox([], [], 1, "composition", True)
    assert box._all[0].template.endswith("exercises/composition.ipynb")  # noqa: SLF001
