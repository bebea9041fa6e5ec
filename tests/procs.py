"""Finding processes a sandboxed run left behind, for the tests.

Prefer :func:`leftovers` (exact); :func:`survivors` goes by namespaces and start times.

A PID namespace's inode number can be reused as soon as it is freed, so "a process in a namespace
this run used" must also have started before the run ended; otherwise a concurrently running test's
fresh sandbox could be mistaken for a survivor.
"""

from __future__ import annotations

import os
import time

_TICKS = os.sysconf("SC_CLK_TCK")


def now() -> float:
    """Seconds since boot, on the clock /proc uses for process start times."""
    return time.clock_gettime(time.CLOCK_BOOTTIME)


def started(pid: int) -> float | None:
    """When a process started, in seconds since boot (None if it is gone)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return int(fields[19]) / _TICKS


def survivors(before: float | dict[str, float], uid: int | None = None) -> list[int]:
    """Live processes that started before the end of the run they belong to.

    ``before`` is either a dict from PID namespace (as /proc/<pid>/ns/pid reads) to the time its
    run ended, or one time for every PID namespace other than ours. Times are seconds since
    boot (:func:`now`). ``uid`` keeps only processes of that user.
    """
    ours = os.readlink("/proc/self/ns/pid")
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            ns = os.readlink(f"/proc/{entry}/ns/pid")
            owner = os.stat(f"/proc/{entry}").st_uid
        except OSError:
            continue
        if isinstance(before, dict):
            if ns not in before:
                continue
            limit = before[ns]
        elif ns != ours:
            limit = before
        else:
            continue
        if uid is not None and owner != uid:
            continue
        start = started(int(entry))
        # Start times are whole clock ticks, rounded down: a process counts only if it started
        # a full tick before its run ended, so a fresh namespace that reuses the number of one
        # that just ended is never taken for a survivor.
        if start is not None and start + 1 / _TICKS <= limit:
            found.append(int(entry))
    return found


def leftovers() -> list[int]:
    """Live processes of sandbox runs that have ended.

    Every process of a run inherits RELULAB_SANDBOX_RUN=<its request folder>, and the grader
    deletes that folder only after the run's last process is dead. So a live process whose
    folder is gone outlived its run, whatever other tests are running meanwhile.
    """
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/environ", "rb") as f:
                env = f.read().split(b"\0")
        except OSError:
            continue
        marks = [e.split(b"=", 1)[1] for e in env if e.startswith(b"RELULAB_SANDBOX_RUN=")]
        if not marks:
            continue
        folder = marks[0].decode(errors="replace")
        if not os.path.exists(folder) and os.path.exists(f"/proc/{entry}"):
            found.append(int(entry))
    return found
