"""Starting a zygote process: its command line, its environment, and a start ahead of time.

This module imports os, re, sys and subprocess only, so that a command which knows it will need a
sandbox can start the zygote first thing, before it imports anything of its own (the sandbox
included): the zygote's start (numpy, for notebooks matplotlib) then runs while the command
imports the rest. :mod:`._sandbox` adopts what was started here (``take``).
"""

from __future__ import annotations

import atexit
import os
import re
import signal
import subprocess
import sys

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


def start(preload: bool) -> tuple[dict[str, str], subprocess.Popen]:
    """A new zygote process and the environment it was given (a zygote is adopted later only
    while :func:`child_env` still gives the same). ``preload``: it imports the notebook
    libraries at once, before its configuration (its first input line)."""
    env = child_env()
    debug = os.environ.get("RELULAB_SANDBOX_DEBUG")
    proc = subprocess.Popen(
        [sys.executable, "-I", "-B", ZYGOTE, *(["--notebooks"] if preload else [])],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=None if debug else subprocess.DEVNULL,
        env=env,
        cwd="/",
        close_fds=True,
        start_new_session=True,
    )
    return env, proc


def end(proc: subprocess.Popen) -> None:
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


def kill(proc: subprocess.Popen) -> None:
    """Kill a zygote and any child it has not reaped (its process group), and wait for it."""
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    proc.wait()
    for stream in (proc.stdin, proc.stdout):
        if stream is not None:
            stream.close()


_started: list[tuple[dict[str, str], subprocess.Popen]] = []


def prestart(workers: int = 1, notebooks: bool = False) -> None:
    """Start up to ``workers`` zygotes now, for the next Sandbox to adopt (see
    :func:`autograder.sandbox.prestart`, which this is ahead of: the sandbox module need not
    be imported yet). Those nobody takes end with this process."""
    if not _started:
        atexit.register(_end_untaken)
    while len(_started) < workers:
        _started.append(start(notebooks))


def take() -> list[tuple[dict[str, str], subprocess.Popen]]:
    """The zygotes :func:`prestart` started and nobody took yet, as (environment, process)."""
    taken = list(_started)
    _started.clear()
    return taken


def _end_untaken() -> None:
    for _env, proc in take():
        end(proc)
