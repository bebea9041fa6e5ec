"""Starting a zygote process: its command line, its environment, and a start ahead of time.

This module imports os, re, select, signal, sys, time and subprocess only, so that a command which knows it will need a
sandbox can start the zygote first thing, before it imports anything of its own (the sandbox
included): the zygote's start (numpy, for notebooks matplotlib) then runs while the command
imports the rest. :mod:`._sandbox` adopts what was started here (``take``).
"""

from __future__ import annotations

import atexit
import os
import re
import select
import signal
import subprocess
import sys
import time
from collections.abc import Sequence

ZYGOTE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "_zygote.py")
WEAKER_MODES = ("userns", "container", "plain")


def private_dir() -> str:
    """A folder of the grader's own, closed to everyone else (matplotlib's font cache for the
    zygote: never a shared /tmp folder that student code could have planted files in)."""
    base = os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache"),
        "relulab",
    )
    try:
        os.makedirs(base, mode=0o700, exist_ok=True)
        os.chmod(base, 0o700)
        return base
    except OSError:
        import tempfile

        return tempfile.mkdtemp(prefix="relulab-cache-")


# Plotting that the stand-ins of a notebook's plot cells do not answer (_figureless), and
# imports of matplotlib beyond pyplot: a notebook that has any will import matplotlib after
# all, better in the zygote ahead of time than in the child.
_PLOTS_GOING_REAL = re.compile(
    rb"\.(?:contourf?|clabel|imshow|matshow|pcolor(?:mesh)?|scatter|colorbar|plot_surface"
    rb"|plot_wireframe|plot_trisurf|add_collection(?:3d)?|view_init|loglog|semilog[xy]|errorbar"
    rb"|fill_between(?:x)?|fill|hist2?d?|barh?|quiver|streamplot|stem|step|stairs|annotate"
    rb"|arrow|set_[xy]scale|set_aspect|twin[xy]|subplot|add_axes|grid|tick_params"
    rb"|set_[xy]ticks|set_[xy]ticklabels|axis|margins|autoscale|subplots_adjust|sca|cla|clf"
    rb"|figtext|figlegend|get_[xy]lim|get_lines|tricontourf?|boxplot|violinplot|pie)\s*\("
    rb"|rcParams|get_cmap|colormaps|\.style\.|\buse\s*\("
    rb"|import\s+(?:matplotlib\.(?!pyplot\b)|mpl_toolkits|pylab)"
    rb"|from\s+(?:matplotlib\.(?!pyplot\b)|matplotlib\s+import\s+(?!pyplot\b)|mpl_toolkits|pylab)"
)


def plots_need_matplotlib(notebook: str) -> bool:
    """Whether a notebook's plot cells seem to need matplotlib itself (a guess from its text,
    for starting ahead only: a wrong one costs time, never a grade)."""
    try:
        with open(notebook, "rb") as f:
            return _PLOTS_GOING_REAL.search(f.read(16 << 20)) is not None
    except OSError:
        return True


def matplotlib_ahead(paths, first: int = 20) -> bool:
    """Whether the sandbox should import matplotlib ahead for these submissions (paths): the
    plot cells of one of their first ``first`` notebooks (mostly one template) need it."""
    notebooks = (p for p in map(str, paths) if p.endswith(".ipynb"))
    return any(plots_need_matplotlib(p) for _, p in zip(range(first), notebooks, strict=False))


def child_env() -> dict[str, str]:
    """The zygote's whole environment: nothing inherited from the grader (no tokens, no paths)
    but RELULAB_SANDBOX_MODE, which can ask for a weaker isolation mode (tests, debugging)."""
    mode = os.environ.get("RELULAB_SANDBOX_MODE")
    private = private_dir()
    return {
        **({"RELULAB_SANDBOX_MODE": mode} if mode in WEAKER_MODES else {}),
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "LANG": "C.UTF-8",
        "LC_ALL": "C.UTF-8",
        "HOME": private,
        "MPLCONFIGDIR": os.path.join(private, "matplotlib"),
        "MPLBACKEND": "Agg",
        "OPENBLAS_NUM_THREADS": "1",
        "OMP_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONIOENCODING": "utf-8",
    }


def start(preload: bool, copies: Sequence[int] = ()) -> tuple[dict[str, str], subprocess.Popen]:
    """A new zygote process and the environment it was given (a zygote is adopted later only
    while :func:`child_env` still gives the same). ``preload``: it imports the notebook
    libraries at once, before its configuration (its first input line). ``copies``: the pipe
    ends of the zygotes it is to fork (:func:`start_group`)."""
    env = child_env()
    debug = os.environ.get("RELULAB_SANDBOX_DEBUG")
    proc = subprocess.Popen(
        [
            sys.executable,
            "-I",
            "-B",
            ZYGOTE,
            *(["--notebooks"] if preload else []),
            *([f"--copies={','.join(map(str, copies))}"] if copies else []),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=None if debug else subprocess.DEVNULL,
        env=env,
        cwd="/",
        close_fds=True,
        pass_fds=tuple(copies),
        start_new_session=True,
    )
    return env, proc


def start_group(count: int, preload: bool) -> list[tuple[dict[str, str], subprocess.Popen | Copy]]:
    """``count`` zygotes, as :func:`start` gives one: a process is started for the first, and
    the others are forked from it once it has imported its libraries (:class:`Copy`): one
    start of Python and numpy for all of them, not one each."""
    if count <= 1:
        return [start(preload)] if count == 1 else []
    pipes = [(os.pipe(), os.pipe()) for _ in range(count - 1)]
    theirs = [fd for (req_r, _), (_, ans_w) in pipes for fd in (req_r, ans_w)]
    try:
        env, proc = start(preload, theirs)
    except BaseException:
        for (req_r, req_w), (ans_r, ans_w) in pipes:
            for fd in (req_r, req_w, ans_r, ans_w):
                os.close(fd)
        raise
    for fd in theirs:
        os.close(fd)
    return [(env, proc)] + [(env, Copy(req_w, ans_r)) for (_, req_w), (ans_r, _) in pipes]


class Copy:
    """A zygote forked by the first of its group (:func:`start_group`) as this process's own
    child (the first one clones it with CLONE_PARENT), in a session of its own: what the
    sandbox uses of a subprocess.Popen (stdin, stdout, pid, poll, wait), for it.

    Its first 16 bytes of output give its process id; nothing is read before them."""

    HEADER = 16

    def __init__(self, stdin_fd: int, stdout_fd: int) -> None:
        self.stdin = os.fdopen(stdin_fd, "wb")
        self._out_fd = stdout_fd
        self._stdout = None
        self._pid: int | None = None
        self._gone = False  # it never started (or its first answer was not its id)
        self.returncode: int | None = None

    def _header(self, timeout: float | None) -> bool:
        """Read the id, waiting up to ``timeout`` (None: as long as it takes); whether known."""
        if self._pid is not None or self._gone:
            return self._pid is not None
        if not select.select([self._out_fd], [], [], timeout)[0]:
            return False
        data = b""
        while len(data) < self.HEADER:
            chunk = os.read(self._out_fd, self.HEADER - len(data))
            if not chunk:
                break
            data += chunk
        text = data.decode("ascii", "replace").strip()
        if len(data) == self.HEADER and text.isdigit() and int(text) > 0:
            self._pid = int(text)
        else:
            self._gone = True
            self.returncode = -1
        return self._pid is not None

    @property
    def pid(self) -> int:
        """Its process id; 0 while it has not said it (never block: :func:`kill` asks)."""
        self._header(0)
        return self._pid or 0

    @property
    def stdout(self):
        if self._stdout is None:
            self._header(START_WAIT_S)
            self._stdout = os.fdopen(self._out_fd, "rb")
        return self._stdout

    def poll(self) -> int | None:
        if self.returncode is not None:
            return self.returncode
        if not self._header(0):
            return self.returncode  # None: not spoken yet, still starting
        try:
            pid, status = os.waitpid(self._pid, os.WNOHANG)
        except ChildProcessError:
            pid, status = self._pid, 0
        if pid:
            self.returncode = os.waitstatus_to_exitcode(status) if status else 0
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        """Its exit status once it has ended. One that has not said its id within
        START_WAIT_S (its first zygote stuck before forking it) counts as never started: with
        its input closed, as :func:`kill` closes it first, it would end at once anyway."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while self.poll() is None:
            left = None if deadline is None else deadline - time.monotonic()
            if left is not None and left <= 0:
                raise subprocess.TimeoutExpired("zygote", timeout or 0)
            if self._pid is None:
                if not self._header(START_WAIT_S if left is None else left) and left is None:
                    self._gone, self.returncode = True, -1
            else:
                time.sleep(0.005 if left is None else min(0.005, left))
        return self.returncode or 0


START_WAIT_S = 30.0  # a copy speaks right after the first zygote's imports


def end(proc: subprocess.Popen | Copy) -> None:
    """End a zygote: its input closed (it exits at end of input: one never configured has
    set nothing up), then, after 5 s, killed with every child it has not reaped."""
    if proc.stdin is not None and not proc.stdin.closed:
        try:
            proc.stdin.close()
        except OSError:
            pass
    try:
        proc.wait(timeout=5)
    except subprocess.TimeoutExpired:
        kill(proc)
    if proc.stdout is not None:
        proc.stdout.close()


def kill(proc: subprocess.Popen | Copy) -> None:
    """Kill a zygote and any child it has not reaped (its process group), and wait for it.

    (A copy not yet forked has no id: its input is closed first, so it ends once it is.)"""
    if proc.stdin is not None:
        try:
            proc.stdin.close()
        except OSError:
            pass
    if proc.pid > 0:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
    proc.wait()
    if proc.stdout is not None:
        proc.stdout.close()


_started: list[tuple[dict[str, str], subprocess.Popen | Copy]] = []


def prestart(workers: int = 1, notebooks: bool = False) -> None:
    """Start up to ``workers`` zygotes now, for the next Sandbox to adopt (see
    :func:`autograder.sandbox.prestart`, which this is ahead of: the sandbox module need not
    be imported yet). Those nobody takes end with this process."""
    if not _started:
        atexit.register(_end_untaken)
    if len(_started) < workers:
        _started.extend(start_group(workers - len(_started), notebooks))


def take() -> list[tuple[dict[str, str], subprocess.Popen | Copy]]:
    """The zygotes :func:`prestart` started and nobody took yet, as (environment, process)."""
    taken = list(_started)
    _started.clear()
    return taken


def _end_untaken() -> None:
    for _env, proc in take():
        end(proc)
