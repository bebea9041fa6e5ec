"""A batch's plans (each student's hidden cases and the reference's answers), worked out in
processes of their own once planning is worth one.

A batch grades ``jobs`` submissions at a time, each in a thread of this process. Planning is
Python code that holds the interpreter lock (3 ms to 60 ms a student, by assignment), so with
every plan made here the batch plans on one core whatever ``jobs`` is, and an assignment with a
costly plan waits on it. :class:`Planners` is what the batch's threads ask for plans instead: it
makes the first plans here and times them (see :meth:`Planners._consider`); when the batch's
planning would keep this process busy for longer than :data:`WORTH_S`, it starts up to
``jobs`` processes and hands them the rest, making plans here only until the first one is up,
or if they fail. (Starting them costs some 0.7 s of CPU: for 60 submissions of an assignment
whose plans take 20 ms, 1.2 s of planning, the batch took 16% longer with them.)

The processes are fresh interpreters of multiprocessing's forkserver that import the grader
once (never forks of this process, which holds threads and the sandbox's pipes); like every
process multiprocessing starts so, each imports this process's ``__main__`` module again
(as ``__mp_main__``), so a batch uses them only when its caller says that is harmless. They run the
grader's own code only, on the data of a plan; what they send back is plain data (cases,
answers, calls) that :func:`autograder.grade.plan_of` joins to this process's tables.

They start only where the sandbox runs student code as a uid of its own (``may_start``): the
forkserver takes orders on a Unix socket in a folder only this process's uid may enter, so a
child running as this uid (the sandbox's plain mode) would be kept from a process holding the
hidden answers by nothing but that folder's random name. There, plans are made here.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import threading
import time
from collections.abc import Callable
from concurrent.futures import CancelledError, Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from autograder.course import Course
from autograder.grade import (
    Plan,
    grading_fingerprint,
    known_spares,
    plan,
    plan_of,
    take_profiles,
)

WORTH_S = 2.0  # planning here for longer than this (a plan's CPU time x plans) starts planners

_course: Course | None = None
_assignment = ""


def _start_planner(course: Course, assignment: str, profiles: dict) -> None:
    """A planner process's start: the course, and the profiles the batch's process worked out
    (the same for every student: never worked out again here)."""
    global _course, _assignment
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the batch's to handle (see _planner_boot)
    _course, _assignment = course, assignment
    take_profiles(course, assignment, profiles, profiles["fingerprint"])


def _up() -> bool:
    return True


def _drawn(student: str, seed: int | None) -> tuple[int, list]:
    """In a planner process: a student's plan as plain data, for :func:`plan_of`."""
    assert _course is not None
    p = plan(_course, _assignment, student, seed)
    return p.seed, [(name, cases, expected) for name, _qc, cases, expected in p.questions]


class Planners:
    """``planners(student)``: the student's :class:`~autograder.grade.Plan`, for ``count``
    submissions graded ``jobs`` at a time (see the module's text); ``fingerprint``: the
    grading setup's (:func:`~autograder.grade.grading_fingerprint`), if known; ``may_start()``:
    whether planner processes may start (asked once, when they would be worth it)."""

    def __init__(
        self,
        course: Course,
        assignment: str,
        seed: int | None,
        *,
        jobs: int,
        count: int,
        fingerprint: str = "",
        may_start: Callable[[], bool] = lambda: True,
    ) -> None:
        self._course, self._assignment, self._seed = course, assignment, seed
        self._fingerprint = fingerprint or grading_fingerprint(course, assignment)
        self._jobs, self._count, self._may_start = jobs, count, may_start
        self._lock = threading.Lock()
        self._times: list[float] = []  # CPU seconds of the plans made here so far
        self._decided = jobs < 2 or count <= jobs + 1
        self._closed = False
        self._pool: ProcessPoolExecutor | None = None
        self._up: list[Future] = []

    def __call__(self, student: str) -> Plan:
        pool = self._ready()
        if pool is not None:
            try:
                future: Future | None = pool.submit(_drawn, student, self._seed)
            except RuntimeError:  # broken, or closed meanwhile: plan here
                self._give_up()
                future = None
            if future is not None:
                try:  # a plan's own error is raised here, as planning here would raise it
                    seed, drawn = future.result()
                except (BrokenProcessPool, CancelledError):  # the pool failed: plan here
                    self._give_up()
                else:
                    return plan_of(self._course, self._assignment, seed, drawn)
        start = time.thread_time()
        p = plan(self._course, self._assignment, student, self._seed)
        self._consider(time.thread_time() - start)
        return p

    @property
    def started(self) -> bool:
        """Whether planner processes are running."""
        return self._pool is not None

    def _ready(self) -> ProcessPoolExecutor | None:
        pool = self._pool
        up = (f.done() and not f.cancelled() and f.exception() is None for f in self._up)
        return pool if pool is not None and any(up) else None

    def _consider(self, seconds: float) -> None:
        """Start planners if the batch's plans would cost more than WORTH_S here, at the
        fastest of the first ``jobs`` + 1 made here (the first ``jobs``, made at once, may
        each have worked out the case profiles; the next starts after one of them is done)."""
        with self._lock:
            self._times.append(seconds)
            if self._decided or len(self._times) <= self._jobs:
                return
            self._decided = True
            fastest = min(self._times)
        if fastest * self._count > WORTH_S and self._may_start():
            # started aside: this thread has a plan to grade
            threading.Thread(target=self._start, name="relulab-planners", daemon=True).start()

    def _start(self) -> None:
        profiles = {"fingerprint": self._fingerprint, "profiles": known_spares()}
        # The forkserver is a new "python -c": without this, the folder the grader was started
        # in would come first on its sys.path, and a multiprocessing.py planted there (a
        # submission's file name) would run as the grader.
        os.environ["PYTHONSAFEPATH"] = "1"
        try:
            context = multiprocessing.get_context("forkserver")
            context.set_forkserver_preload(["autograder._planner_boot"])
            pool = ProcessPoolExecutor(
                max_workers=self._jobs,
                mp_context=context,
                initializer=_start_planner,
                initargs=(self._course, self._assignment, profiles),
            )
        except (OSError, RuntimeError, ValueError):  # no processes here: plans are made here
            return
        try:
            up = [pool.submit(_up) for _ in range(self._jobs)]  # each starts a process
        except (OSError, RuntimeError):
            pool.shutdown(wait=False, cancel_futures=True)
            return
        with self._lock:
            if not self._closed:
                self._pool, self._up = pool, up
                return
        pool.shutdown(wait=False, cancel_futures=True)  # closed while it started

    def _give_up(self) -> None:
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=False, cancel_futures=True)

    def close(self, wait: bool = True) -> None:
        """End the planner processes (``wait``: after the plans they are making)."""
        with self._lock:
            self._decided = self._closed = True
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=wait, cancel_futures=True)

    def __enter__(self) -> Planners:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close(wait=exc[0] is None)
