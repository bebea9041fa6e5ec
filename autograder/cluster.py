"""Grade a batch on a Dask cluster (``relulab grade --cluster``): same sandbox, same files.

Each Dask worker keeps one warm :class:`~autograder.sandbox.Sandbox` of its own (started by its
first submission, with the isolation course.yml requires, or refused as a local batch would
be). A worker grades a submission exactly as a local batch does (student code runs only in its
sandbox's children) and sends back plain data: one JSON document holding the results.json
data and the feedback page (PNG plots are embedded in both). This process, the client, checks
that document (plain types, sizes, the submission, seed, SHA-256 and grading fingerprint it
asked for) and writes every results.json and feedback.html itself, the way a local batch does;
resume and skip therefore work the same across local and cluster runs.

A worker that dies takes nothing with it: the scheduler runs its submissions elsewhere. A
submission during which two workers died is recorded as an internal error (regraded next time)
and the batch goes on. A worker whose relulab (version, or the digest of its grading code and
reference) differs from this client's is refused before anything is graded.

Needs the optional ``distributed`` package (``pip install 'relulab[cluster]'``).
"""

from __future__ import annotations

import asyncio
import hashlib
import importlib.metadata
import json
import logging
import math
import os
import shutil
import signal
import tempfile
import threading
import time
import traceback
from collections import deque
from collections.abc import Callable, Sequence
from contextlib import ExitStack
from functools import cache
from pathlib import Path
from typing import Any

from autograder.cases.base import known_spares
from autograder.course import Course
from autograder.grade import (
    Entry,
    grade_submission,
    grading_fingerprint,
    load_cached_profiles,
    save_cached_profiles,
    seed_for,
    take_profiles,
    worked_out_profiles,
)
from autograder.sandbox import CallOutcome, RunResult, Sandbox, SandboxUnavailable
from autograder.sandbox._launch import matplotlib_ahead
from autograder.text import clean

INSTALL_HINT = "pip install 'relulab[cluster]'"
MAX_REPLY_BYTES = 256 << 20  # one submission's reply: results.json and feedback.html
MAX_FEEDBACK_CHARS = 128 << 20
LOCAL_MAX_WORKERS = 256


# A submission during which 2 workers died is given up (KilledWorker); a worker holds only the
# submissions it is running, so that one that dies takes no innocent queued one's blame.
SCHEDULER_SETTINGS = {
    "distributed.scheduler.allowed-failures": 1,
    "distributed.scheduler.worker-saturation": 1.0,
}


class ClusterError(RuntimeError):
    """The cluster cannot grade this batch (the message says why, in one line)."""


class NoWorkers(ClusterError):
    """The cluster lost every worker mid-batch: what is written stays, the rest is not graded."""


# ---- both sides ------------------------------------------------------------------------------


def relulab_version() -> str:
    """The installed relulab's version ("unknown" when it is not installed)."""
    try:
        return importlib.metadata.version("relulab")
    except importlib.metadata.PackageNotFoundError:
        return "unknown"


@cache
def code_digest() -> str:
    """A SHA-256 of the grading code: every .py file of the autograder and reference packages,
    by relative path and bytes (short hex). Two machines that grade alike have the same one."""
    import autograder
    import reference

    h = hashlib.sha256()
    for package in (autograder, reference):
        root = Path(package.__file__).resolve().parent
        for path in sorted(root.rglob("*.py")):
            rel = path.relative_to(root.parent).as_posix()
            try:
                data = path.read_bytes()
            except OSError:
                data = b"<unreadable>"
            h.update(f"\0{rel}:{len(data)}\0".encode() + data)
    return h.hexdigest()[:16]


def parse_cluster(spec: str) -> tuple[str, int | None]:
    """``("local", N)`` for "local" (N = this machine's cores) or "local:N", else
    ``(address, None)`` for a scheduler address ("tcp://host:8786", "host:8786", ...).

    Raises ValueError with a one-line reason for anything else.
    """
    spec = spec.strip()
    if spec == "local" or spec.startswith("local:"):
        count = spec.partition(":")[2]
        if not count:
            return "local", max(1, os.cpu_count() or 1)
        if not count.isdigit() or not 1 <= int(count) <= LOCAL_MAX_WORKERS:
            raise ValueError(
                f"{spec!r}: local:N needs a number of workers from 1 to {LOCAL_MAX_WORKERS}"
            )
        return "local", int(count)
    rest = spec.split("://", 1)[1] if "://" in spec else spec
    if not rest or any(c.isspace() for c in spec) or ":" not in rest.strip("[]"):
        raise ValueError(
            f"{spec!r} is not a Dask scheduler address (like tcp://host:8786) nor local[:N]"
        )
    return spec, None


def require_distributed() -> None:
    """Raise ClusterError (saying how to install it) when dask.distributed is missing."""
    try:
        import distributed  # noqa: F401
    except ImportError:
        raise ClusterError(
            f"--cluster needs dask.distributed, which is not installed: {INSTALL_HINT}"
        ) from None


# ---- the worker's side -----------------------------------------------------------------------

_lock = threading.Lock()
_state: dict[str, Any] = {"key": None, "sandbox": None, "refused": None, "tmp": None}


def _tmp_root() -> Path:
    """This worker's private folder for the submissions it is sent (hidden from student code)."""
    if _state["tmp"] is None:
        _state["tmp"] = Path(tempfile.mkdtemp(prefix="relulab-cluster-"))
        _at_exit(lambda: shutil.rmtree(_state["tmp"], ignore_errors=True))
    return _state["tmp"]


def _at_exit(fn: Callable[[], None]) -> None:
    """Run ``fn`` when this process exits, also when it is a multiprocessing child (a Dask
    nanny's worker), which skips atexit handlers."""
    from multiprocessing.util import Finalize

    Finalize(None, fn, exitpriority=10)


def _close_sandbox() -> None:
    box = _state["sandbox"]
    _state.update(sandbox=None, key=None, refused=None)
    if box is not None:
        box.close()


def worker_sandbox(
    require: Sequence[str],
    hide: Sequence[str],
    workers: int = 1,
    assignment: str = "",
    notebooks: bool = False,
) -> Sandbox:
    """This worker's warm sandbox for (require, hide, assignment), started on first use and kept.

    ``assignment``: its released notebook (this worker's own copy) is the sandbox's notebook
    template, as in a local batch; ``notebooks``: notebooks are coming (a hint for the start
    only: a sandbox started without it grades notebooks too). Raises SandboxUnavailable
    (IsolationRefused) when this worker cannot isolate as required; the refusal is remembered,
    not retried for every submission.
    """
    from autograder.paths import released_notebook, source_roots

    with _lock:
        hidden = sorted({*map(str, hide), *map(str, source_roots()), str(_tmp_root())})
        template = released_notebook(assignment) if assignment else None
        key = (tuple(require), tuple(hidden), workers, str(template or ""))
        if _state["key"] != key:
            if _state["key"] is None:
                _at_exit(_close_sandbox)
            _close_sandbox()
            _state["key"] = key
            try:
                _state["sandbox"] = Sandbox(
                    hide=hidden,
                    workers=workers,
                    require=list(require),
                    notebooks=notebooks,
                    notebook_template=template,
                )
            except SandboxUnavailable as exc:
                _state["refused"] = exc
        if _state["refused"] is not None:
            raise _state["refused"]
        return _state["sandbox"]


def _threads() -> int:
    try:
        from distributed import get_worker

        return max(1, int(get_worker().state.nthreads))
    except Exception:  # not on a Dask worker (called directly)
        return 1


def _mismatch(version: str, digest: str) -> str:
    """Why this worker must not grade for a client of ``version``/``digest`` ('' if it may)."""
    if (version, digest) == (relulab_version(), code_digest()):
        return ""
    return (
        f"a worker runs relulab {relulab_version()} (grading code {code_digest()}) but this "
        f"client runs relulab {version} (grading code {digest}); install the same relulab on "
        "every worker as on the client"
    )


def _reply(kind: str, **fields: Any) -> bytes:
    return json.dumps({"kind": kind, **fields}, allow_nan=False).encode()


def probe(
    version: str,
    digest: str,
    require: Sequence[str],
    hide: Sequence[str],
    assignment: str = "",
    notebooks: bool = False,
) -> bytes:
    """Run on every worker before a batch: refuse a mismatched relulab, warm the sandbox
    (for ``assignment``'s notebooks when ``notebooks``: see :func:`worker_sandbox`).

    Returns JSON: kind "ok" (with the sandbox's isolation mode), "mismatch" or "refused"."""
    try:
        why = _mismatch(version, digest)
        if why:
            return _reply("mismatch", why=why)
        try:
            box = worker_sandbox(require, hide, _threads(), assignment, notebooks)
        except SandboxUnavailable as exc:
            return _reply("refused", why=clean(str(exc), 2000))
        return _reply("ok", isolation=str(box.isolation))
    except Exception as exc:
        return _reply("error", error=clean(repr(exc), 2000))


def dask_setup(worker: Any) -> None:
    """Dask preload of the workers of a ``local`` cluster (started again after a crash too):
    they share this terminal's process group, and a Ctrl-C is the client's to handle (the
    first lets the submissions in flight finish), not a reason for the workers to die."""
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGINT, signal.SIG_IGN)


class _Unreadable:
    """A sandbox stand-in for a submission the client could not read: every call fails with
    the reason, as the sandbox itself reports an unreadable file (nothing is run)."""

    def __init__(self, box: Sandbox, message: str) -> None:
        self.box, self.message = box, message

    def run(self, _path: Path, calls: Sequence, _limits: Any, **_kw: Any) -> RunResult:
        outcomes = {c.key: CallOutcome("missing", message=self.message) for c in calls}
        return RunResult(
            outcomes, [self.message], "", self.box.isolation, dict(self.box.isolation_info)
        )


def grade_remote(job: dict) -> bytes:
    """Grade one submission on this worker; plain JSON bytes back, never an exception.

    ``job`` (from the client): course, assignment, name, student, seed, student_name, suffix,
    source (the file's bytes, or None with ``problem`` saying why it could not be read),
    sha256, fingerprint, version, digest, require, hide, draw_plots.
    Kinds: "graded" (results, feedback), "error" (the grader failed: a traceback), "refused"
    (this worker cannot isolate as required), "mismatch" (another relulab).
    """
    from autograder.report import feedback_html, results_json

    try:
        why = _mismatch(job["version"], job["digest"])
        course, assignment = job["course"], job["assignment"]
        fingerprint = grading_fingerprint(course, assignment)
        if not why and fingerprint != job["fingerprint"]:
            why = (
                "a worker's cases or reference for this assignment differ from this client's "
                "(another grading fingerprint); install the same relulab on every worker"
            )
        if why:
            return _reply("mismatch", why=why)
        # The client's case profiles (the same for every student): this worker need not work
        # them out (up to seconds an assignment), and every worker uses the very same ones.
        take_profiles(course, assignment, job.get("profiles"), fingerprint)
        try:
            box = worker_sandbox(
                job["require"], job["hide"], _threads(), assignment, job["suffix"] == ".ipynb"
            )
        except SandboxUnavailable as exc:
            return _reply("refused", why=clean(str(exc), 2000))
        folder = Path(tempfile.mkdtemp(dir=_tmp_root()))
        try:
            path = folder / ("submission" + job["suffix"])
            runner: Any = box
            if job["source"] is None:
                runner = _Unreadable(box, job["problem"])
            else:
                path.write_bytes(job["source"])
            result = grade_submission(
                path,
                course,
                assignment,
                runner,
                student=job["student"],
                seed=job["seed"],
                draw_plots=job["draw_plots"],
                fingerprint=fingerprint,
                submission=job["name"],
                student_name=job["student_name"],
            )
        finally:
            shutil.rmtree(folder, ignore_errors=True)
        result.sha256 = job["sha256"]  # of the client's file, as a local batch records it
        return _reply("graded", results=results_json(result), feedback=feedback_html(result))
    except Exception as exc:  # our bug, not the student's: the client records it
        return _reply(
            "error", error=clean("".join(traceback.format_exception(exc)), 20_000, multiline=True)
        )


# ---- the client's side -----------------------------------------------------------------------


def _profiles(course: Course, assignment: str, fingerprint: str) -> dict:
    """The assignment's case profiles for the workers: from this machine's cache, else worked
    out here once (and cached) rather than once on every worker."""
    if not load_cached_profiles(course, assignment, fingerprint):
        worked_out_profiles(course, assignment)
        save_cached_profiles(assignment, fingerprint)
    return {"fingerprint": fingerprint, "profiles": known_spares()}


def _number(x: Any) -> bool:
    return isinstance(x, int | float) and not isinstance(x, bool) and math.isfinite(x)


def check_reply(blob: Any, expect: dict) -> dict:
    """The worker's reply, decoded and checked; raises ValueError saying what is wrong.

    Kind "graded" holds "results" (a results.json document for exactly the submission, seed,
    SHA-256, fingerprint and max_score asked for, its score in [0, max_score]) and "feedback"
    (the page's text).
    """
    if type(blob) is not bytes or len(blob) > MAX_REPLY_BYTES:
        raise ValueError(f"a worker's reply is not bytes of at most {MAX_REPLY_BYTES} bytes")
    reply = json.loads(blob)
    if not isinstance(reply, dict) or not isinstance(reply.get("kind"), str):
        raise ValueError("a worker's reply is not a JSON object with a kind")
    if reply["kind"] != "graded":
        return reply
    data, page = reply.get("results"), reply.get("feedback")
    if not isinstance(page, str) or len(page) > MAX_FEEDBACK_CHARS:
        raise ValueError("the worker's feedback page is not text of a sane size")
    if not isinstance(data, dict):
        raise ValueError("the worker's results are not a JSON object")
    extra = data.get("extra_data")
    meta = extra.get("relulab") if isinstance(extra, dict) else None
    if not isinstance(meta, dict):
        raise ValueError("the worker's results lack extra_data.relulab")
    for key in ("submission", "assignment", "seed", "sha256", "fingerprint", "max_score"):
        if meta.get(key) != expect[key]:
            raise ValueError(f"the worker's results have another {key} than the one asked for")
    if meta.get("internal_error"):
        raise ValueError("the worker's results say internal error but its reply says graded")
    score, max_score = data.get("score"), data.get("max_score")
    if max_score != expect["max_score"] or not _number(score) or not 0 <= score <= max_score:
        raise ValueError("the worker's score is not a number from 0 to max_score")
    tests = data.get("tests")
    if not isinstance(tests, list) or not all(
        isinstance(t, dict) and isinstance(t.get("name"), str) and _number(t.get("score"))
        for t in tests
    ):
        raise ValueError("the worker's tests are not a list of named, scored tests")
    return reply


def task_key(name: str) -> str:
    """A Dask task key for grading the submission ``name``: "grade-" + 12 hex digits of its
    name's SHA-256 (the scheduler and its dashboard never see names) + a random tail."""
    digest = hashlib.sha256(name.encode("utf-8", "surrogatepass")).hexdigest()[:12]
    return f"grade-{digest}-{os.urandom(6).hex()}"


class _Client:
    """A dask.distributed client on ``spec`` (an address, or local[:N]: a LocalCluster this
    object starts and stops), closed with the ExitStack it is given."""

    def __init__(self, spec: str, stack: ExitStack) -> None:
        address, n = parse_cluster(spec)
        require_distributed()
        import dask
        from distributed import Client, LocalCluster

        self.local = n is not None
        try:
            if self.local:
                # (Dask's statistical profiler samples every worker 100 times a second: off.)
                settings = {**SCHEDULER_SETTINGS, "distributed.worker.profile.enabled": False}
                stack.enter_context(dask.config.set(settings))
                cluster = stack.enter_context(
                    LocalCluster(
                        n_workers=n,
                        threads_per_worker=1,
                        processes=True,
                        dashboard_address=None,
                        # (its HTTP server, for health and metrics: loopback, any free port)
                        scheduler_kwargs={"dashboard_address": "127.0.0.1:0"},
                        silence_logs=logging.CRITICAL,
                        preload=["autograder.cluster"],  # dask_setup: Ctrl-C is the client's
                    )
                )
                target: Any = cluster
            else:
                target = address
            # Results come back as msgpack only: this client never unpickles a worker's data.
            self.client = stack.enter_context(Client(target, deserializers=["msgpack", "error"]))
        except (OSError, TimeoutError) as exc:
            raise ClusterError(
                f"cannot reach the Dask scheduler at {address}: {clean(exc, 300)}"
            ) from None
        except RuntimeError as exc:  # a LocalCluster whose worker processes did not start
            raise ClusterError(
                f"could not start a local Dask cluster: {clean(exc, 300)} (a script that grades "
                "on local workers must do it under if __name__ == '__main__':)"
            ) from None

    def workers(self) -> tuple[int, int]:
        """(workers, threads) the scheduler knows now."""
        info = self.client.scheduler_info()["workers"]
        return len(info), sum(int(w.get("nthreads", 1)) for w in info.values())

    def settings(self) -> dict:
        """The scheduler's values of SCHEDULER_SETTINGS (empty if it will not say)."""
        try:
            values = self.client.run_on_scheduler(
                lambda dask_scheduler: [
                    dask_scheduler.allowed_failures,
                    dask_scheduler.WORKER_SATURATION,
                ]
            )
        except Exception:
            return {}
        if not isinstance(values, list | tuple) or len(values) != 2:
            return {}
        return dict(zip(SCHEDULER_SETTINGS, values, strict=True))


def grade_on_cluster(
    spec: str,
    todo: list[Entry],
    *,
    course: Course,
    assignment: str,
    seed: int | None,
    student: str | None,
    fingerprint: str,
    hide: Sequence[Path],
    draw_plots: Callable | None,
    stop: threading.Event,
    abandon: threading.Event,
    on_result: Callable[[Entry, dict, str | None], None],
    on_error: Callable[[Entry, str, str], None],
    on_refused: Callable[[list[Entry], str], None],
    warn: Callable[[str], None],
    on_status: Callable[[str], None] | None = None,
    wait_workers_s: float = 60.0,
) -> None:
    """Grade ``todo`` on the cluster ``spec``; report each submission through the callbacks.

    on_result(entry, results data, page) for a graded one (checked, not yet written);
    on_error(entry, short, full) for an internal error; on_refused(entries, why) when workers
    cannot isolate as required. Raises ClusterError when the cluster cannot be used at all (no
    scheduler, no worker, a worker with another relulab). Starts no submission once ``stop``
    is set; leaves at once, keeping nothing more, once ``abandon`` is.
    """
    from distributed import wait
    from distributed.scheduler import KilledWorker

    from autograder.sandbox._sandbox import SubmissionError, read_submission

    version, digest = relulab_version(), code_digest()
    require = list(course.sandbox.require)
    hidden = [str(Path(p).resolve()) for p in hide]
    max_score = course.assignment(assignment).max_score
    with ExitStack() as stack:
        c = _Client(spec, stack)
        client = c.client
        deadline = time.monotonic() + wait_workers_s
        while c.workers()[0] == 0:
            if time.monotonic() > deadline or abandon.is_set():
                raise ClusterError(f"the Dask cluster at {spec} has no workers")
            time.sleep(0.2)
        for key, value in c.settings().items():
            if value != SCHEDULER_SETTINGS[key]:
                warn(
                    f"the scheduler has {key}: {clean(value, 40)}; relulab expects "
                    f"{SCHEDULER_SETTINGS[key]} (see docs/cluster.md)"
                )
        notebooks = matplotlib_ahead(e.path for e in todo)
        answers = client.run(
            probe, version, digest, require, hidden, assignment, notebooks, on_error="return"
        )
        profiles = _profiles(course, assignment, fingerprint)
        kinds: dict[str, list[str]] = {}
        for addr, blob in answers.items():
            if type(blob) is not bytes:  # a worker that left meanwhile: its tasks go elsewhere
                continue
            try:
                reply = check_reply(blob, {})
            except ValueError as exc:
                raise ClusterError(f"worker {addr} answered nonsense: {clean(exc, 300)}") from None
            kinds.setdefault(reply["kind"], []).append(addr)
            if reply["kind"] == "mismatch":
                raise ClusterError(f"{clean(reply['why'], 500)} (worker {addr})")
            if reply["kind"] == "error":
                raise ClusterError(f"worker {addr} failed to start: {clean(reply['error'], 500)}")
        if not kinds:
            raise ClusterError(f"no worker of the Dask cluster at {spec} answered")
        if "ok" not in kinds:  # no worker can isolate as required: grade nothing, say why
            on_refused(todo, clean(json.loads(answers[kinds["refused"][0]])["why"], 2000))
            return
        if "refused" in kinds:
            warn(
                f"{len(kinds['refused'])} worker(s) cannot isolate as this course requires; "
                "what they are given is recorded as not graded (regraded next time)"
            )

        def job(entry: Entry) -> dict:
            path = entry.path
            try:
                source, problem = read_submission(path), None
                sha = hashlib.sha256(source).hexdigest()
            except SubmissionError as exc:
                from autograder.grade import file_sha256

                source, problem, sha = None, str(exc), file_sha256(path)
            who = student or entry.student
            return {
                "course": course,
                "assignment": assignment,
                "name": entry.name,
                "student": who,
                "seed": seed,
                "student_name": entry.student_name,
                "suffix": ".ipynb" if path.suffix == ".ipynb" else ".py",
                "source": source,
                "problem": problem,
                "sha256": sha,
                "fingerprint": fingerprint,
                "version": version,
                "digest": digest,
                "require": require,
                "hide": hidden,
                "draw_plots": draw_plots,
                "profiles": profiles,
            }

        def expect(entry: Entry, sha: str | None) -> dict:
            who = student or entry.student
            return {
                "submission": entry.name,
                "assignment": assignment,
                "seed": seed_for(course, assignment, who, seed),
                "sha256": sha,
                "fingerprint": fingerprint,
                "max_score": max_score,
            }

        queue = deque(todo)
        pending: dict[Any, tuple[Entry, str | None]] = {}
        started, finished, last_info = time.monotonic(), 0, 0.0
        alone = started  # when the cluster last had a worker
        workers, threads = c.workers()
        try:
            while (queue or pending) and not abandon.is_set():
                now = time.monotonic()
                if now - last_info > 1.0:
                    workers, threads = c.workers()
                    last_info = now
                    alone = now if workers else alone
                    if now - alone > wait_workers_s:
                        left = len(queue) + len(pending)
                        raise NoWorkers(
                            f"the Dask cluster at {spec} has had no workers for "
                            f"{wait_workers_s:g} s: {left} submission(s) not graded (the same "
                            "command grades them once workers are back)"
                        )
                    if on_status:
                        rate = finished / max(now - started, 1e-9)
                        on_status(f"{workers} worker{'s' if workers != 1 else ''}, {rate:.1f}/s")
                window = max(2, 2 * threads)
                while queue and not stop.is_set() and len(pending) < window:
                    entry = queue.popleft()
                    j = job(entry)
                    fut = client.submit(grade_remote, j, pure=False, key=task_key(entry.name))
                    pending[fut] = (entry, j["sha256"])
                if not pending:
                    break
                try:
                    done = wait(list(pending), timeout=0.25, return_when="FIRST_COMPLETED").done
                except (TimeoutError, asyncio.TimeoutError):  # the same from Python 3.11 on
                    continue
                for fut in done:
                    entry, sha = pending.pop(fut)
                    finished += 1
                    if abandon.is_set():
                        break
                    if fut.status != "finished":
                        if stop.is_set():
                            continue  # cut short by our own shutdown: regraded next time
                        exc = fut.exception() if fut.status == "error" else None
                        if isinstance(exc, KilledWorker):
                            short = "two Dask workers died while grading it"
                            full = (
                                f"{short} (the submission is recorded for regrade; the "
                                f"sandbox should have contained it: see the workers' logs): "
                                f"{clean(exc, 1000)}"
                            )
                        else:
                            short = f"the cluster lost it ({fut.status}: {clean(repr(exc), 300)})"
                            full = short
                        on_error(entry, short, full)
                        continue
                    try:
                        reply = check_reply(fut.result(), expect(entry, sha))
                    except Exception as exc:  # also what the client refused to deserialize
                        why = f"the worker's reply was refused: {clean(exc, 500)}"
                        on_error(entry, why, why)
                        continue
                    kind = reply["kind"]
                    if kind == "graded":
                        on_result(entry, reply["results"], reply["feedback"])
                    elif kind == "refused":
                        on_refused([entry], clean(reply.get("why"), 2000))
                    elif kind == "mismatch":
                        why = clean(reply.get("why"), 1000)
                        on_error(entry, why, why)
                    else:
                        text = clean(reply.get("error"), 20_000, multiline=True)
                        on_error(
                            entry, text.strip().splitlines()[-1] if text.strip() else "error", text
                        )
        finally:
            if pending:
                client.cancel(list(pending), force=True)
