"""Ctrl-C stops a batch cleanly and loses nothing: the first stops starting submissions and
finishes those in flight, the second abandons them; grades.csv and summary.html are written for
what is done, the exit status is 130, and a re-run grades the rest, every correct notebook with
full marks (nothing cut short is ever kept as a score)."""

from __future__ import annotations

import csv
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import procs

from autograder.paths import course_root

CORRECT = (course_root() / "samples" / "composition" / "ada_correct.py").read_text()


def _inbox(tmp: Path, n: int) -> Path:
    inbox = tmp / "inbox"
    inbox.mkdir()
    cell = {"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None}
    nb = {
        "cells": [{**cell, "source": CORRECT}],
        "metadata": {},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    for i in range(n):
        (inbox / f"s{i:02d}.ipynb").write_text(json.dumps(nb))
    return inbox


def _start(inbox: Path, out: Path) -> subprocess.Popen:
    cmd = [sys.executable, "-m", "autograder.cli", "grade", str(inbox), "-a", "composition"]
    return subprocess.Popen(
        [*cmd, "--out", str(out), "-j", "2"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # its own process group, as a terminal's foreground job
    )


def _wait_for_results(out: Path, n: int, proc: subprocess.Popen) -> None:
    deadline = time.monotonic() + 120
    while len(list(out.glob("*/results.json"))) < n:
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline
        time.sleep(0.05)


def _scores(out: Path) -> dict[str, float]:
    return {p.parent.name: json.loads(p.read_text())["score"] for p in out.glob("*/results.json")}


def _rerun_gives_full_marks(inbox: Path, out: Path, n: int) -> None:
    proc = _start(inbox, out)
    stdout, stderr = proc.communicate(timeout=600)
    assert proc.returncode == 0, stderr[-2000:]
    with open(out / "grades.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == n and all(r["score"] == "10" for r in rows), rows
    assert "already graded" in stdout


def test_a_double_ctrl_c_abandons_at_once_and_a_rerun_loses_nothing(tmp_path):
    inbox, out = _inbox(tmp_path, 60), tmp_path / "out"
    proc = _start(inbox, out)
    _wait_for_results(out, 4, proc)
    os.killpg(proc.pid, signal.SIGINT)
    time.sleep(0.3)
    os.killpg(proc.pid, signal.SIGINT)
    started = time.monotonic()
    _, stderr = proc.communicate(timeout=60)
    assert time.monotonic() - started < 15, "the second Ctrl-C must not wait for the batch"
    assert proc.returncode == 130, stderr[-2000:]
    assert "Traceback" not in stderr
    done = _scores(out)
    assert 4 <= len(done) < 60
    assert set(done.values()) == {10.0}  # nothing cut short was kept as a score
    with open(out / "grades.csv", newline="") as f:
        assert len(list(csv.DictReader(f))) == len(done)
    assert (out / "summary.html").is_file()
    assert procs.leftovers() == []
    _rerun_gives_full_marks(inbox, out, 60)


def test_one_ctrl_c_finishes_what_is_in_flight(tmp_path):
    inbox, out = _inbox(tmp_path, 12), tmp_path / "out"
    proc = _start(inbox, out)
    _wait_for_results(out, 2, proc)
    os.killpg(proc.pid, signal.SIGINT)
    _, stderr = proc.communicate(timeout=120)
    assert proc.returncode == 130 and "finishing the submissions in flight" in stderr
    assert "Traceback" not in stderr
    done = _scores(out)
    assert set(done.values()) == {10.0} and 2 <= len(done) < 12
    assert "not graded; run the same command again" in " ".join(stderr.split())
    _rerun_gives_full_marks(inbox, out, 12)
