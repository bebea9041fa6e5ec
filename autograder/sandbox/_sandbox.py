"""The grader's side of the sandbox: warm zygote processes and the run() call."""

from __future__ import annotations

import atexit
import errno
import fcntl
import json
import os
import queue
import select
import shutil
import stat
import subprocess
import tempfile
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import asdict
from pathlib import Path

from . import _launch, _procs
from ._launch import child_env as _child_env
from ._launch import private_dir as _private_dir
from ._types import Call, CallOutcome, Limits, RunResult

START_TIMEOUT_S = 60.0


MAX_SUBMISSION_BYTES = 16 << 20
RUN_ROOM_BYTES = 256 << 20  # what one run's folder may come to: the submission's copy, the
# inputs, and results of up to 64 MB (_zygote.MAX_RESULT_BYTES), with room to spare
SHARED_MEMORY = "/dev/shm"
# This process's memory cgroup (v2, then v1), as a container sees its own: (limit, usage).
MEMORY_CGROUP = (
    ("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory.current"),
    ("/sys/fs/cgroup/memory/memory.limit_in_bytes", "/sys/fs/cgroup/memory/memory.usage_in_bytes"),
)


def _memory_left() -> int | None:
    """Bytes this process's memory cgroup still allows; None when no limit is set or found."""
    for limit_file, usage_file in MEMORY_CGROUP:
        try:
            limit = Path(limit_file).read_text().strip()
            usage = int(Path(usage_file).read_text())
        except (OSError, ValueError):
            continue
        return int(limit) - usage if limit.isdigit() else None
    return None


def _runs_dir(workers: int) -> str | None:
    """Where the runs' folders go: the shared-memory folder when TMPDIR names none, it is a
    shared temporary folder (sticky, writable by all), and both it and the memory cgroup (a
    file in memory is charged to it: Gradescope allows 768 MB) have room for every worker's
    run at once plus 1 GiB; else None, tempfile's own choice (/tmp).

    Every run writes some six files there (its inputs, its copy of the submission, each
    question's results) and deletes them: on a disk file system that costs a few ms a run
    (ext4 without a journal skips every recently deleted inode when it allocates one), in
    memory a few µs. Docker's /dev/shm (64 MB) is too small, and runs go to /tmp there."""
    if os.environ.get("TMPDIR"):
        return None
    try:
        st = os.stat(SHARED_MEMORY)
        room = os.statvfs(SHARED_MEMORY)
    except OSError:
        return None
    shared = stat.S_ISDIR(st.st_mode) and st.st_mode & 0o1777 == 0o1777
    if not shared or not os.access(SHARED_MEMORY, os.W_OK | os.X_OK):
        return None
    need = workers * RUN_ROOM_BYTES + (1 << 30)
    if room.f_bavail * room.f_frsize < need:
        return None
    left = _memory_left()
    if left is not None and left < need:
        return None
    return SHARED_MEMORY


def _namespace_prefix() -> str:
    """The start of the run folders' names in this PID namespace: relulab-sandbox-<its inode>-."""
    try:
        namespace = os.stat("/proc/self/ns/pid").st_ino
    except OSError:
        namespace = 0
    return f"relulab-sandbox-{namespace}-"


def _run_prefix() -> str:
    """The start of a run folder's name: its grader's PID namespace and PID, so that a later
    grader can tell the folders of a grader that was killed mid-run (see :func:`_sweep`)."""
    return f"{_namespace_prefix()}{os.getpid()}-"


SWEEP_AGE_S = 3600.0  # a killed grader's zygote may still finish the run it had begun


def _sweep(base: str | None) -> list[str]:
    """Remove the run folders in ``base`` (None: /tmp) that a grader killed mid-run left: those
    named for a process of this PID namespace that is gone, owned by this user, untouched for
    an hour (its zygote, which outlives it until the run it had begun ends, may still be
    writing there). A folder of a live grader, of another namespace (a shared /dev/shm) or
    of another user is left alone. The names removed."""
    folder = base or tempfile.gettempdir()
    mine = _namespace_prefix()
    removed = []
    try:
        with os.scandir(folder) as found:
            entries = [e for e in found if e.name.startswith(mine)]
    except OSError:
        return removed
    for entry in entries:
        pid = entry.name[len(mine) :].split("-", 1)[0]
        if not pid.isdigit() or int(pid) in (0, os.getpid()):
            continue
        try:
            os.kill(int(pid), 0)
            continue  # alive (or a zombie)
        except PermissionError:
            continue  # another user's process: alive
        except (ProcessLookupError, OverflowError):
            pass
        try:
            st = entry.stat(follow_symlinks=False)
        except OSError:
            continue
        old = time.time() - st.st_mtime > SWEEP_AGE_S
        if old and stat.S_ISDIR(st.st_mode) and st.st_uid == os.geteuid():
            shutil.rmtree(entry.path, ignore_errors=True)  # avoids symlink attacks on Linux
            removed.append(entry.name)
    return removed


class SubmissionError(Exception):
    """The submission file cannot be graded at all (missing, a link, not a file, too large)."""


def read_submission(path: Path) -> bytes:
    """The submission's bytes, read by the grader without following a symbolic link.

    A link could point the sandbox (which reads as root before dropping privileges) at files the
    student must not see; a submission is a plain file or nothing.
    """
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise SubmissionError(
                f"{path.name} is a symbolic link; submit the file itself"
            ) from None
        raise SubmissionError(f"{path.name} could not be read: {exc.strerror}") from None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise SubmissionError(f"{path.name} is not a regular file")
        with os.fdopen(fd, "rb", closefd=False) as f:
            data = f.read(MAX_SUBMISSION_BYTES + 1)
    finally:
        os.close(fd)
    if len(data) > MAX_SUBMISSION_BYTES:
        raise SubmissionError(f"{path.name} is larger than {MAX_SUBMISSION_BYTES >> 20} MB")
    return data


class SandboxUnavailable(RuntimeError):
    """The sandbox cannot run here at all (the message says why, in one line)."""


class IsolationRefused(SandboxUnavailable):
    """The machine offers less isolation than was required (course.yml sandbox.require)."""


# What ``require`` may name: the layers of _zygote.LAYERS, and "allow-list" (either of the two
# ways of enforcing it).
REQUIREMENTS = ("namespaces", "pivot_root", "landlock", "uid", "seccomp", "rlimits", "allow-list")


def unmet(isolation: Mapping, require: Sequence[str]) -> list[str]:
    """The requirements ``isolation`` (a RunResult.isolation_info) does not meet."""
    layers = set(isolation.get("layers", []))
    if layers & {"pivot_root", "landlock"}:
        layers.add("allow-list")
    return [r for r in require if r not in layers]


class _Zygote:
    """One warm zygote process: numpy imported, forks one child per attempt.

    ``configure=False`` starts the process only: it imports its libraries and then waits for
    :meth:`configure` (see :func:`prestart`); ``preload`` (default: ``notebooks``) has it import
    the notebook libraries too, before its configuration. ``started``: the (environment,
    process) of a zygote :func:`_launch.start` started, to take over instead of starting one."""

    def __init__(
        self,
        slot: int = 0,
        hide: Sequence[str] = (),
        notebooks: bool = False,
        configure: bool = True,
        template: str = "",
        preload: bool | None = None,
        started: tuple[dict[str, str], subprocess.Popen | _launch.Copy] | None = None,
    ) -> None:
        self.slot = slot  # which worker (its children get a uid of their own: _zygote.claim_uid)
        self.hide: list[str] = []
        self.notebooks = False
        self.template = ""
        self.isolation: dict = {}
        self.root_dir = ""
        self.uid = 0
        # --notebooks: import the notebook libraries at once, before any configuration
        preload = notebooks if preload is None else preload
        # a prestarted zygote is adopted only while env still holds
        self.env, self.proc = started or _launch.start(preload)
        self.mode = ""
        if configure:
            self.configure(hide, notebooks, template)

    def configure(self, hide: Sequence[str], notebooks: bool, template: str = "") -> None:
        """Send the zygote its configuration (its first input line); it then sets up."""
        assert self.proc.stdin is not None
        self.hide = list(hide)
        self.notebooks = notebooks
        self.template = template
        try:
            config = {
                "hide": self.hide,
                "lock_dir": os.path.join(_private_dir(), "uids"),
                "notebooks": self.notebooks,
                "template": self.template,
            }
            self.proc.stdin.write((json.dumps(config) + "\n").encode())
            self.proc.stdin.flush()
        except OSError:
            pass

    def wait_ready(self) -> None:
        hello = self._read_line(START_TIMEOUT_S)
        if not hello:
            raise SandboxUnavailable("the sandbox's process did not start")
        self.root_dir = str(hello.get("root_dir") or "")
        self.uid = int(hello.get("uid") or 0)  # its workers' uid (0: the grader's own)
        if not hello.get("ready"):
            raise SandboxUnavailable(f"the sandbox cannot run here: {hello.get('error')}")
        self.mode = hello["mode"]
        self.isolation = hello.get("isolation") or {"mode": self.mode}

    def _read_line(self, timeout: float) -> dict | None:
        out = self.proc.stdout
        assert out is not None
        ready, _, _ = select.select([out], [], [], timeout)
        if not ready:
            return None
        line = out.readline()
        return json.loads(line) if line else None

    def request(self, req: dict, timeout: float) -> dict | None:
        assert self.proc.stdin is not None
        try:
            self.proc.stdin.write((json.dumps(req) + "\n").encode())
            self.proc.stdin.flush()
            return self._read_line(timeout)
        except (OSError, ValueError):
            return None

    def alive(self) -> bool:
        return self.proc.poll() is None

    def kill(self) -> None:
        _launch.kill(self.proc)
        self._remove_root_dir()

    def _remove_root_dir(self) -> None:
        """The empty folder the zygote mounted its prepared root on (in its own namespace)."""
        if self.root_dir:
            try:
                os.rmdir(self.root_dir)
            except OSError:
                pass
            self.root_dir = ""

    def close(self) -> None:
        _launch.end(self.proc)
        self._remove_root_dir()


_early: list[_Zygote] = []  # started by prestart(), not yet part of a Sandbox
_early_lock = threading.Lock()
_drop_registered = False


def prestart(workers: int = 1, notebooks: bool = False) -> None:
    """Start the processes of the next Sandbox (of up to ``workers`` zygotes) now.

    A zygote's start is mostly importing its libraries, which needs nothing the Sandbox is made
    with: started here, first thing in a command, that runs while the caller imports its own
    and reads its course; the next Sandbox adopts them and sends each its configuration (what
    to hide, whether notebooks come). ``notebooks``: notebooks are coming, so the processes
    import the notebook libraries (matplotlib) too. Processes nobody adopts end with this one
    (their input is closed at exit, before any configuration: they set nothing up)."""
    with _early_lock:
        _take_launched()
        if len(_early) < workers:
            for started in _launch.start_group(workers - len(_early), notebooks):
                _early.append(_Zygote(len(_early), configure=False, started=started))


def _take_launched() -> None:
    """Move into _early the zygotes _launch.prestart started (perhaps before this module was
    imported). Those no Sandbox adopts end with this process."""
    global _drop_registered
    if not _drop_registered:
        _drop_registered = True
        atexit.register(_drop_early)
    for started in _launch.take():
        _early.append(_Zygote(len(_early), configure=False, started=started))


def _adopt_early(workers: int) -> list[_Zygote]:
    """Up to ``workers`` prestarted zygotes that were started as a zygote would be started now
    (the same environment: e.g. the same RELULAB_SANDBOX_MODE) and are still alive; the rest
    are ended."""
    env = _child_env() if workers else None
    with _early_lock:
        _take_launched()
        usable = [z for z in _early if z.env == env and z.alive()]
        taken = usable[:workers]
        rest = [z for z in _early if z not in taken]
        _early.clear()
    for z in rest:
        z.close()
    return taken


def _drop_early() -> None:
    _adopt_early(0)


class Sandbox:
    """Runs submissions in isolated children of warm zygote processes.

    Student code sees an allow-list of the file system only (the interpreter, its standard
    library, numpy and what notebooks need; see _fsview), never the grader's files.
    hide: paths student code must never see even if the allow-list would reach them (the grader's
    package folders, the output folder, the submissions' folders); an allowed entry holding one
    of them is dropped.
    workers: number of zygotes, i.e. how many run() calls can proceed at the same time.
    notebooks: notebooks are coming: the children's notebook libraries are imported at once,
    while the caller goes on, rather than at the first notebook.
    notebook_template: a notebook whose code cells many of the notebooks share (the one they
    were all made from): its cells are compiled once, where children are forked from, and a
    cell with the same number and source is run from that code instead of compiled again.
    wait: False to return once the processes are started; ready() (or the first run) waits.
    require: isolation layers (REQUIREMENTS) without which no submission may be graded: raises
    IsolationRefused. SandboxUnavailable when the sandbox cannot run here at all.
    run() is thread-safe. Use as a context manager, or call close().
    """

    def __init__(
        self,
        hide: Sequence[Path] = (),
        workers: int = 1,
        require: Sequence[str] = (),
        notebooks: bool = False,
        wait: bool = True,
        notebook_template: Path | None = None,
    ) -> None:
        self.hide = [str(Path(p).resolve()) for p in hide]
        self._idle: queue.Queue[_Zygote] = queue.Queue()
        self._all: list[_Zygote] = []
        self._lock = threading.Lock()
        self._closed = False
        unknown = [r for r in require if r not in REQUIREMENTS]
        if unknown:
            raise ValueError(f"unknown isolation requirement(s): {', '.join(unknown)}")
        self.notebooks = notebooks
        self.isolation, self.isolation_info = "", {}  # known once ready
        self._require = list(require)
        workers = max(1, workers)
        self._runs_dir = _runs_dir(workers)
        for base in dict.fromkeys((self._runs_dir, None)):
            _sweep(base)  # what graders killed mid-run left there
        template = str(Path(notebook_template).resolve()) if notebook_template else ""
        self._starting = _adopt_early(workers)
        for slot, z in enumerate(self._starting):
            z.slot = slot
            z.configure(self.hide, notebooks, template)
        missing = range(len(self._starting), workers)
        self._starting += [
            _Zygote(slot, self.hide, notebooks, template=template, started=started)
            for slot, started in zip(
                missing,
                _launch.start_group(len(missing), notebooks) if missing else [],
                strict=True,
            )
        ]
        if wait:
            self.ready()

    def ready(self) -> None:
        """Wait until every zygote has started and shown enough isolation (a Sandbox made with
        ``wait=False`` starts its processes and returns at once, so that the caller's own start
        runs meanwhile; this, or the first run(), then raises what the constructor would)."""
        with self._lock:
            zygotes, self._starting = self._starting, []
            if not zygotes:
                if not self._all:
                    raise SandboxUnavailable("the sandbox did not start")
                return
            self._ready(zygotes)

    def _ready(self, zygotes: list[_Zygote]) -> None:
        require = self._require
        try:
            for z in zygotes:
                z.wait_ready()
            missing = unmet(zygotes[0].isolation, require)
            if missing:
                info = zygotes[0].isolation
                why = "; ".join(info.get("missing", [])) or "not offered here"
                raise IsolationRefused(
                    f"the sandbox here ({info.get('mode')} mode) lacks {', '.join(missing)}, "
                    f"which this course requires ({why})"
                )
        except BaseException:
            for z in zygotes:
                z.kill()
            raise
        for z in zygotes:
            self._all.append(z)
            self._idle.put(z)
        self.isolation = zygotes[0].mode
        self.isolation_info = dict(zygotes[0].isolation)

    def __enter__(self) -> Sandbox:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        with self._lock:
            if self._closed:
                return
            self._closed = True
            for z in self._starting:  # started, never waited for
                z.kill()
            self._starting = []
        # A zygote holds no state between runs and no child outlives a run, so it is killed
        # rather than asked to exit: that skips interpreter teardown (about 0.3 s each).
        for z in self._all:
            z.kill()
        if self.isolation == "container":
            # No PID namespace to tear down: whatever a zygote killed mid-run left behind is
            # found by the sandbox uid. Its lock is taken first, so that the uid cannot be
            # another zygote's meanwhile (if it already is, that zygote killed the leftovers
            # when it started).
            for z in self._all:
                if z.uid > 0:
                    self._kill_leftovers(z.uid)

    @staticmethod
    def _kill_leftovers(uid: int) -> None:
        lock = os.path.join(_private_dir(), "uids", f"uid-{uid}")
        try:
            fd = os.open(lock, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        except OSError:
            return
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            _procs.kill_uid(uid)
        except OSError:
            pass  # another zygote holds the uid now
        finally:
            os.close(fd)

    def _replace(self, dead: _Zygote) -> _Zygote:
        """A fresh zygote in place of ``dead``; none once the sandbox is closed (a run that
        failed while close() ran must not leave a zygote nobody will kill)."""
        dead.kill()
        if self._closed:
            return dead
        fresh = _Zygote(dead.slot, dead.hide, dead.notebooks, template=dead.template)
        fresh.wait_ready()
        with self._lock:
            if self._closed:  # closed while it started
                fresh.kill()
                return dead
            self._all[self._all.index(dead)] = fresh
        return fresh

    def run(
        self,
        submission: Path,
        calls: Sequence[Call],
        limits: Limits,
        group_limits: Mapping[str, Limits] | None = None,
    ) -> RunResult:
        """Load ``submission`` (.py or .ipynb) in a fresh child and make every call, group by group.

        Every call gets an outcome. A group that times out or kills its process loses only itself;
        the remaining groups run in a fresh child that loads the submission again.
        ``group_limits`` gives some groups their own ``wall_s`` and ``cpu_s``.
        """
        if self._closed:
            raise RuntimeError("the sandbox is closed")
        if not self._all:
            self.ready()
        calls = list(calls)
        keys = [c.key for c in calls]
        if len(set(keys)) != len(keys):
            raise ValueError("call keys must be unique")
        groups = list(dict.fromkeys(c.group for c in calls))
        if not groups:
            return RunResult({}, [], "", self.isolation, self.isolation_info)
        submission = Path(submission)
        try:
            source = read_submission(submission)
        except SubmissionError as exc:
            return self._all_failed(calls, str(exc), status="missing")
        folder = self._write_run(calls, groups, source, submission.suffix)
        try:
            copy = folder / ("submission" + (".ipynb" if submission.suffix == ".ipynb" else ".py"))
            req = {
                "dir": str(folder),
                "submission": str(copy),
                "limits": asdict(limits),
                "groups": groups,
                "functions": sorted({c.function for c in calls}),  # public API names only
                "group_limits": [
                    {"wall_s": own.wall_s, "cpu_s": own.cpu_s}
                    for own in ((group_limits or {}).get(g, limits) for g in groups)
                ],
            }
            walls = [gl["wall_s"] for gl in req["group_limits"]]
            timeout = 10.0 + sum(limits.load_s + w + 5.0 for w in walls)
            zygote = self._idle.get()
            try:
                answer = zygote.request({**req, "slot": zygote.slot}, timeout)
                if answer is None or "error" in answer or not zygote.alive():
                    why = (answer or {}).get("error", "the sandbox stopped responding")
                    zygote = self._replace(zygote)
                    return self._all_failed(calls, f"the sandbox failed: {why}", internal=True)
            finally:
                self._idle.put(zygote)
            return self._collect(calls, groups, answer, folder)
        finally:
            shutil.rmtree(folder, ignore_errors=True)

    def _write_run(self, calls: list[Call], groups: list[str], source: bytes, suffix: str) -> Path:
        """A new private folder holding what the run reads: the calls' inputs and a copy of the
        submission. In the runs' folder (:func:`_runs_dir`); in /tmp when that is full."""
        try:
            return _write_run_in(self._runs_dir, calls, groups, source, suffix)
        except OSError:
            if self._runs_dir is None:
                raise
            return _write_run_in(None, calls, groups, source, suffix)

    def _all_failed(
        self, calls: list[Call], message: str, status: str = "not_run", internal: bool = False
    ) -> RunResult:
        outcomes = {c.key: CallOutcome(status, message=message) for c in calls}
        return RunResult(
            outcomes,
            [] if internal else [message],
            "",
            self.isolation,
            self.isolation_info,
            internal_error=message if internal else "",
        )

    def _collect(
        self, calls: list[Call], groups: list[str], answer: dict, folder: Path
    ) -> RunResult:
        from ._codec import Tampered, read_group

        outcomes: dict[str, CallOutcome] = {}
        for name, info in zip(groups, answer["groups"], strict=True):
            keys = [c.key for c in calls if c.group == name]
            if info["status"] == "done":
                try:
                    # The path is our own folder's file; the zygote wrote it, the child chose bytes.
                    outcomes.update(read_group(folder / Path(info["file"]).name, keys))
                    continue
                except Tampered as exc:
                    status = "bad_output"
                    message = f"the results of this question could not be read ({exc})"
            else:
                status, message = info["status"], info["message"]
            for key in keys:
                outcomes[key] = CallOutcome(status, message=message)
        stdout = answer.get("stdout", "")
        return RunResult(
            outcomes=outcomes,
            load_messages=list(answer.get("load_messages", [])),
            stdout=stdout,
            isolation=answer.get("mode", self.isolation),
            isolation_info=answer.get("isolation") or self.isolation_info,
            pid_namespaces=list(answer.get("pid_namespaces", [])),
            internal_error=str(answer.get("internal_error") or ""),
        )


def _write_run_in(
    base: str | None, calls: list[Call], groups: list[str], source: bytes, suffix: str
) -> Path:
    from ._codec import write_inputs  # numpy: imported once the first run needs it

    folder = Path(tempfile.mkdtemp(prefix=_run_prefix(), dir=base))
    try:
        write_inputs(calls, groups, folder)
        # The child reads this private copy, never the original path: no symlink can point it at
        # the answer key, and the folder of other submissions can stay hidden.
        (folder / ("submission" + (".ipynb" if suffix == ".ipynb" else ".py"))).write_bytes(source)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return folder


def run_once(submission: Path, calls: Sequence[Call], limits: Limits | None = None) -> RunResult:
    """Convenience: start a sandbox, run one submission, close it (slow: starts a zygote)."""
    with Sandbox() as box:
        return box.run(submission, calls, limits or Limits())


__all__ = ["IsolationRefused", "Sandbox", "SandboxUnavailable", "prestart", "run_once", "unmet"]
