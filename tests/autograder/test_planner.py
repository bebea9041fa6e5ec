"""A batch's planner processes: the plans they make are the plans made here, bit for bit; a
batch planned by them grades exactly as one planned here; a planner that dies or gets a Ctrl-C
changes nothing; planners start only when the batch's planning is worth one."""

from __future__ import annotations

import json
import os
import pickle
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

import autograder.planner as planner
from autograder.batch import grade_batch
from autograder.course import load_course
from autograder.grade import plan
from autograder.paths import course_root

COURSE = load_course()
SAMPLES = course_root() / "samples" / "composition"


def exact(p) -> bytes:
    """Every bit of a plan: each question's cases and answers, the calls and the limits."""
    return pickle.dumps(
        (
            p.seed,
            [
                (n, [(c.name, c.args, c.kwargs, c.weight, c.public) for c in cs], e)
                for n, _qc, cs, e in p.questions
            ],
            p.calls,
            p.limits,
            p.group_limits,
        )
    )


def started(planners: planner.Planners, student: str = "warm-up") -> planner.Planners:
    """Planners that have asked for their processes and have them up."""
    for i in range(4):  # the third plan made here decides (jobs + 1)
        planners(f"{student}{i}")
    deadline = time.monotonic() + 60
    while planners._ready() is None:
        assert time.monotonic() < deadline, "the planner processes did not come up"
        time.sleep(0.05)
    return planners


def planner_pids(planners: planner.Planners) -> list[int]:
    pool = planners._pool
    assert pool is not None
    return [p.pid for p in pool._processes.values()]


@pytest.fixture
def always(monkeypatch):
    monkeypatch.setattr(planner, "WORTH_S", 0.0)


def test_plans_from_the_planner_processes_are_the_plans_made_here(always):
    with planner.Planners(COURSE, "capacity", None, jobs=2, count=50) as planners:
        started(planners)
        for student in ("ada", "b\u00e9a", "x" * 200):
            assert exact(planners(student)) == exact(plan(COURSE, "capacity", student))
        assert planners.started


def test_planners_start_only_where_they_may(always):
    with planner.Planners(
        COURSE, "capacity", None, jobs=2, count=500, may_start=lambda: False
    ) as planners:
        for i in range(5):
            planners(f"s{i}")
        time.sleep(0.5)
        assert not planners.started


def test_planners_start_only_when_the_batch_planning_is_worth_one():
    with planner.Planners(COURSE, "composition", None, jobs=2, count=40) as planners:
        for i in range(5):
            planners(f"s{i}")
        assert not planners.started  # a few ms a plan, 40 plans: well under a process start
    with planner.Planners(COURSE, "capacity", None, jobs=1, count=500) as planners:
        for i in range(3):
            planners(f"s{i}")
        assert not planners.started  # one at a time: nothing to plan alongside


def test_a_planner_that_dies_or_gets_a_ctrl_c_changes_no_plan(always):
    with planner.Planners(COURSE, "composition", 7, jobs=2, count=50) as planners:
        started(planners)
        first, second = planner_pids(planners)
        os.kill(first, signal.SIGINT)  # the batch's Ctrl-C reaches its process group
        time.sleep(0.2)
        assert exact(planners("ada")) == exact(plan(COURSE, "composition", "ada", 7))
        assert planners.started and first in planner_pids(planners)
        os.kill(second, signal.SIGKILL)
        deadline = time.monotonic() + 30
        for i in range(10_000):  # the pool is broken once that is noticed: plans made here
            student = f"s{i}"
            assert exact(planners(student)) == exact(plan(COURSE, "composition", student, 7))
            if not planners.started:
                break
            assert time.monotonic() < deadline, "the planners never noticed a dead one"
            time.sleep(0.05)
        assert exact(planners("cy")) == exact(plan(COURSE, "composition", "cy", 7))


def results(out: Path) -> dict[str, dict]:
    found = {}
    for path in sorted(out.glob("*/results.json")):
        data = json.loads(path.read_text("utf-8"))
        data.pop("execution_time")
        found[path.parent.name] = data
    return found


def test_a_batch_planned_by_planner_processes_grades_as_one_planned_here(
    tmp_path: Path, monkeypatch
):
    subs = tmp_path / "subs"
    subs.mkdir()
    for i in range(8):
        for sample in ("ada_correct.py", "ben_partial.py", "cy_broken.ipynb"):
            shutil.copy(SAMPLES / sample, subs / f"s{i}_{sample}")
    joined = []  # plans that came from a planner process

    def plan_of(*args):
        joined.append(args[2])
        return real_plan_of(*args)

    real_plan_of = planner.plan_of
    monkeypatch.setattr(planner, "plan_of", plan_of)
    monkeypatch.setattr(planner, "WORTH_S", 0.0)
    with planner.Planners(COURSE, "composition", None, jobs=2, count=50) as warm:
        started(warm)  # the forkserver is up: the batch's planners start while it has work
    joined.clear()
    outs = {}
    for label, worth in (("here", float("inf")), ("planners", 0.0)):
        monkeypatch.setattr(planner, "WORTH_S", worth)
        outs[label] = tmp_path / label
        summary = grade_batch([subs], COURSE, "composition", outs[label], jobs=2, planners=True)
        assert len(summary.graded) == 24 and not summary.internal_errors
        assert bool(joined) == (label == "planners")
    here, there = results(outs["here"]), results(outs["planners"])
    assert here == there
    # A caller that does not say its main module may be imported again gets none.
    joined.clear()
    summary = grade_batch([subs], COURSE, "composition", tmp_path / "default", jobs=2)
    assert len(summary.graded) == 24 and not joined
    # Where student code runs as this uid (plain mode), no planner ever starts.
    monkeypatch.setenv("RELULAB_SANDBOX_MODE", "plain")
    joined.clear()
    summary = grade_batch([subs], COURSE, "composition", tmp_path / "plain", jobs=2, planners=True)
    assert len(summary.graded) == 24 and not joined
    plain = results(tmp_path / "plain")
    assert {n: d["score"] for n, d in plain.items()} == {n: d["score"] for n, d in here.items()}
    assert "uid" not in next(iter(plain.values()))["extra_data"]["relulab"]["isolation"]["layers"]
    assert {d["score"] for d in here.values()} != {d["max_score"] for d in here.values()}


def test_no_module_planted_in_the_working_folder_runs_in_a_planner(tmp_path):
    """The planners' forkserver is a new interpreter started in the grader's working folder:
    a multiprocessing.py there (a submission named so, graded from its own folder) must not
    be what it imports."""
    planted = tmp_path / "inbox"
    planted.mkdir()
    ran = tmp_path / "planted-code-ran"
    for name in ("multiprocessing.py", "autograder.py", "numpy.py"):
        (planted / name).write_text(f"open({str(ran)!r}, 'a').write({name!r})\n")
    script = tmp_path / "plan.py"  # outside the folder: its own folder comes first, not cwd
    script.write_text(
        textwrap.dedent(
            """
            import time
            import autograder.planner as planner
            from autograder.course import load_course

            if __name__ == "__main__":  # (planners import this file again)
                planner.WORTH_S = 0.0
                course = load_course()
                with planner.Planners(course, "composition", None, jobs=2, count=50) as p:
                    for i in range(4):
                        p(f"s{i}")
                    deadline = time.monotonic() + 60
                    while p._ready() is None:
                        assert time.monotonic() < deadline
                        time.sleep(0.05)
                    p("ada")
                print("planned")
            """
        )
    )
    env = {k: v for k, v in os.environ.items() if k != "PYTHONSAFEPATH"}
    out = subprocess.run(
        [sys.executable, str(script)], cwd=planted, env=env, capture_output=True, text=True
    )
    assert out.returncode == 0 and "planned" in out.stdout, out.stderr[-2000:]
    assert not ran.exists(), ran.read_text()
