"""The sandbox's zygote and child: the only code that ever shares a process with student code.

Run as a script (``python -I _zygote.py``), never imported by the grader. It imports the standard
library, numpy and nbformat only, so a fork of it carries no grading secrets.

Roles:
- zygote: one long-lived process per worker. Reads one JSON request per line on stdin, runs it and
  answers one JSON line on stdout. It never runs student code; it forks, watches and kills.
- helper: forked by the zygote per attempt; enters fresh namespaces (PID, mount, network, IPC),
  forks the child and exits at once (the zygote is a child subreaper, so it inherits the child).
- child: PID 1 of the new PID namespace. Mounts a fresh tmpfs on /tmp, hides the requested paths,
  sets rlimits, becomes ``nobody``, loads the submission and runs the calls group by group. It
  talks to the zygote through one pipe (length-prefixed JSON frames, npz payloads).

When the child dies (or is killed), the kernel kills every process left in its PID namespace.
"""

from __future__ import annotations
import __future__

import ast
import builtins
import ctypes
import errno
import fcntl
import io
import json
import math
import os
import pwd
import resource
import select
import signal
import stat
import sys
import time
import traceback
import types
import warnings

_HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:] = [p for p in sys.path if p and os.path.abspath(p) != _HERE]

import numpy as np  # noqa: E402

nbformat = None  # imported by the zygote on its first notebook (about 1 s), then kept warm

MAX_RESULT_BYTES = 64 << 20  # per run, results of all groups together
STDOUT_KEEP = 8192
MAX_HEADER = 1 << 16
MAX_MESSAGES = 20
MAX_TEXT = 400
BETWEEN_GROUPS_S = 2.0  # time the child may take between finishing a group and starting the next
WORK_TMPFS = "size=64m,nr_inodes=4096,mode=1777"
BLOCKED_PACKAGES = ("reference", "autograder")

CLONE_NEWNS = 0x00020000
CLONE_NEWIPC = 0x08000000
CLONE_NEWUSER = 0x10000000
CLONE_NEWPID = 0x20000000
CLONE_NEWNET = 0x40000000
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC = 1, 2, 4, 8
MS_REMOUNT, MS_BIND, MS_REC, MS_PRIVATE = 32, 4096, 16384, 1 << 18
PR_SET_PDEATHSIG, PR_SET_NO_NEW_PRIVS, PR_SET_CHILD_SUBREAPER = 1, 38, 36

_libc = ctypes.CDLL(None, use_errno=True)

SIGNAL_NAMES = {
    signal.SIGSEGV: "segmentation fault",
    signal.SIGBUS: "bus error",
    signal.SIGABRT: "aborted",
    signal.SIGFPE: "floating-point exception",
    signal.SIGILL: "illegal instruction",
    signal.SIGKILL: "killed",
    signal.SIGTERM: "terminated",
    signal.SIGXCPU: "CPU time limit exceeded",
    signal.SIGXFSZ: "file size limit exceeded",
}


def _clip(text: str, n: int = MAX_TEXT) -> str:
    return text if len(text) <= n else text[: n - 3] + "..."


def _nobody() -> tuple[int, int]:
    try:
        entry = pwd.getpwnam("nobody")
        return entry.pw_uid, entry.pw_gid
    except KeyError:
        return 65534, 65534


def sandbox_uid(slot: int) -> tuple[int, int]:
    """(uid, gid) for the children of worker ``slot``: ``nobody`` for the first, the uids just
    below it for the others, so that per-user limits (RLIMIT_NPROC) are not shared between
    submissions graded at the same time."""
    uid, gid = _nobody()
    return uid - max(0, min(int(slot), 63)), gid


# --------------------------------------------------------------------------- namespaces


def _unshare(flags: int) -> bool:
    return _libc.unshare(ctypes.c_int(flags)) == 0


def _mount(source: str, target: str, fstype: str | None, flags: int, data: str | None) -> None:
    rc = _libc.mount(
        source.encode(),
        target.encode(),
        fstype.encode() if fstype else None,
        ctypes.c_ulong(flags),
        data.encode() if data else None,
    )
    if rc != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"mount {fstype or 'bind'} on {target}: {os.strerror(err)}")


def _write_file(path: str, text: str) -> None:
    with open(path, "w") as f:
        f.write(text)


def enter_namespaces() -> str:
    """In the helper: try the isolation modes from strongest to weakest; return the mode's name.

    "root": new PID, mount, network and IPC namespaces; the child will become ``nobody``.
    "userns": an unprivileged user namespace with PID, mount and network namespaces; the child
      stays the grader's own uid (mapped to 0 inside).
    "plain": no namespaces; the child only gets its own session, rlimits and a private work dir.
    """
    base = CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWIPC
    weakest = os.environ.get("RELULAB_SANDBOX_MODE", "")  # "userns" or "plain": tests, debugging
    if os.geteuid() == 0 and weakest not in ("userns", "plain") and _unshare(base):
        return "root"
    uid, gid = os.geteuid(), os.getegid()
    if weakest != "plain" and _unshare(base | CLONE_NEWUSER):
        try:
            _write_file("/proc/self/setgroups", "deny")
            _write_file("/proc/self/uid_map", f"0 {uid} 1")
            _write_file("/proc/self/gid_map", f"0 {gid} 1")
            return "userns"
        except OSError:
            os._exit(71)  # half-entered namespaces: do not go on
    return "plain"


def _closed_ancestor(path: str) -> str | None:
    """The highest ancestor of ``path`` that other users cannot enter (mode without o+x)."""
    current = ""
    for part in path.strip("/").split("/"):
        current += "/" + part
        try:
            st = os.stat(current)
        except OSError:
            return None
        if stat.S_ISDIR(st.st_mode) and not st.st_mode & 0o001:
            return current if current != path else None
    return None


def _expose(paths: list[str]) -> None:
    """Make the interpreter's own folders reachable for ``nobody``.

    When Python lives under a folder closed to other users (pyenv in /root, say), that folder is
    covered by an empty tmpfs in which only the needed folders are bound back, read-only. The rest
    of the closed folder stays invisible.
    """
    plan: dict[str, list[str]] = {}
    for path in sorted({os.path.realpath(p) for p in paths if os.path.isdir(p)}, key=len):
        top = _closed_ancestor(path)
        if top is None:
            continue
        done = plan.setdefault(top, [])
        if not any(path == d or path.startswith(d + "/") for d in done):
            done.append(path)
    for top, subs in plan.items():
        fds = [(sub, os.open(sub, os.O_PATH | os.O_DIRECTORY)) for sub in subs]
        _mount("tmpfs", top, "tmpfs", MS_NOSUID | MS_NODEV, "size=1m,mode=755")
        for sub, fd in fds:
            os.makedirs(sub, mode=0o755, exist_ok=True)
            _mount(f"/proc/self/fd/{fd}", sub, None, MS_BIND | MS_REC, None)
            _mount("none", sub, None, MS_REMOUNT | MS_BIND | MS_RDONLY, None)
            os.close(fd)
        _mount("none", top, None, MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV, None)


def _python_dirs(hide: list[str]) -> list[str]:
    """The folders the interpreter imports from, except hidden ones (an editable install puts
    the grader's checkout itself on sys.path)."""
    dirs = {
        os.path.realpath(p) for p in [*sys.path, os.path.join(sys.base_prefix, "lib"), sys.prefix]
    }
    return sorted(d for d in dirs if os.path.isdir(d) and d not in hide)


def _cover(target: str, options: str, keep: list[str], readonly: bool) -> None:
    """Mount a fresh tmpfs on ``target``, then bind the folders of ``keep`` that lie under it
    back in, read-only: a virtual environment inside a hidden checkout or under /tmp must stay
    importable. ``readonly`` makes the tmpfs itself read-only afterwards."""
    inside = [d for d in keep if d.startswith(target + "/")]
    fds = [(d, os.open(d, os.O_PATH | os.O_DIRECTORY)) for d in inside]
    _mount("tmpfs", target, "tmpfs", MS_NOSUID | MS_NODEV, options)
    for d, fd in fds:
        os.makedirs(d, mode=0o755, exist_ok=True)
        _mount(f"/proc/self/fd/{fd}", d, None, MS_BIND | MS_REC, None)
        _mount("none", d, None, MS_REMOUNT | MS_BIND | MS_RDONLY, None)
        os.close(fd)
    if readonly:
        _mount("none", target, None, MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV, options)


def _setup_mounts(hide: list[str], expose: bool) -> None:
    """In the child, only inside its own mount namespace (the caller checked the mode)."""
    _mount("none", "/", None, MS_REC | MS_PRIVATE, None)
    try:
        _mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, None)
    except OSError:
        # Some containers refuse a second proc mount. Then hide the outer one instead.
        _mount("tmpfs", "/proc", "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV, "size=4k,mode=555")
    keep = _python_dirs(hide)
    if expose:
        _expose(keep)
    # Innermost first: covering an outer folder binds the interpreter's folders back with their
    # sub-mounts, so a hidden folder inside them (an installed grader package) stays covered.
    for path in sorted(set(hide), key=len, reverse=True):
        if path == "/":
            continue  # never cover the root
        if os.path.isdir(path):
            _cover(path, "size=64k,mode=755", keep, readonly=True)
        elif os.path.exists(path):
            _mount("/dev/null", path, None, MS_BIND, None)
    _cover("/tmp", WORK_TMPFS, keep, readonly=False)
    for path in ("/dev/shm", "/var/tmp", "/run/shm", "/run/lock"):
        if os.path.isdir(path) and not os.path.islink(path):
            _cover(path, "size=1m,nr_inodes=64,mode=1777", keep, readonly=False)


# --------------------------------------------------------------------------- zygote


class Attempt:
    """The zygote's view of one child: pipes, deadlines and what the child reported."""

    def __init__(self, pid: int, msg_r: int, out_r: int) -> None:
        self.pid = pid
        self.msg_r = msg_r
        self.out_r = out_r
        self.buf = bytearray()
        self.phase = "load"  # load -> between -> group -> between -> ... -> finished
        self.current: int | None = None
        self.deadline = 0.0
        self.violation = ""
        self.status_r = -1  # the init process writes the worker's wait status here


def _spawn(req: dict, groups: list[int]) -> tuple[Attempt | None, str]:
    msg_r, msg_w = os.pipe()
    out_r, out_w = os.pipe()
    pid_r, pid_w = os.pipe()
    st_r, st_w = os.pipe()
    sys.stdout.flush()
    sys.stderr.flush()
    helper = os.fork()
    if helper == 0:  # helper
        try:
            os.close(msg_r)
            os.close(out_r)
            os.close(pid_r)
            os.close(st_r)
            mode = enter_namespaces()
            child = os.fork()
            if child == 0:
                os.close(pid_w)
                child_main(mode, msg_w, out_w, st_w, req, groups)  # never returns
            os.write(pid_w, f"{child} {mode}".encode())
        finally:
            os._exit(0)
    for fd in (msg_w, out_w, pid_w, st_w):
        os.close(fd)
    os.waitpid(helper, 0)
    text = os.read(pid_r, 100).decode()
    os.close(pid_r)
    if not text:
        for fd in (msg_r, out_r, st_r):
            os.close(fd)
        return None, ""
    pid_text, mode = text.split()
    att = Attempt(int(pid_text), msg_r, out_r)
    att.status_r = st_r
    return att, mode


def _frames(att: Attempt, budget: int):
    """Yield complete (header, payload) frames from the attempt's buffer; stop on a bad frame."""
    buf = att.buf
    while len(buf) >= 4:
        n = int.from_bytes(buf[:4], "big")
        if n > MAX_HEADER:
            att.violation = "a malformed message on the sandbox's result channel"
            return
        if len(buf) < 4 + n:
            return
        try:
            header = json.loads(bytes(buf[4 : 4 + n]))
            size = header.get("size", 0) if isinstance(header, dict) else -1
        except (ValueError, RecursionError):  # e.g. 60 000 nested brackets
            header, size = None, -1
        if not isinstance(header, dict) or type(size) is not int or size < 0:
            att.violation = "a malformed message on the sandbox's result channel"
            return
        if size > budget:
            att.violation = f"results larger than {MAX_RESULT_BYTES >> 20} MB"
            return
        if len(buf) < 4 + n + size:
            return
        payload = bytes(buf[4 + n : 4 + n + size])
        del buf[: 4 + n + size]
        yield header, payload


def _describe_death(status: int) -> tuple[str, str]:
    """(status, message) for a child that died on its own while running a question."""
    if os.WIFSIGNALED(status):
        sig = os.WTERMSIG(status)
        if sig == signal.SIGXCPU:
            return "timeout", "used up its CPU time limit"
        try:
            name = SIGNAL_NAMES.get(sig) or signal.Signals(sig).name
        except ValueError:
            name = "unknown signal"
        if sig == signal.SIGKILL:
            name = "killed, most likely for using too much memory"
        return "crashed", f"the process died (signal {sig}, {name})"
    code = os.WEXITSTATUS(status) if os.WIFEXITED(status) else -1
    return "crashed", f"the process exited with status {code} (os._exit or a similar hard exit)"


def run_request(req: dict) -> dict:
    """Run every group of a request, in as many fresh children as needed."""
    if req["submission"].endswith(".ipynb"):
        _warm_notebook_libraries()
    limits = req["limits"]
    n_groups = len(req["groups"])
    results: dict[int, dict] = {}
    load_messages: list[str] | None = None
    stdout = bytearray()
    budget = MAX_RESULT_BYTES
    mode = ""
    namespaces: list[str] = []
    while len(results) < n_groups:
        todo = [g for g in range(n_groups) if g not in results]
        att, mode = _spawn(req, todo)
        if att is None:
            for g in todo:
                results[g] = {
                    "status": "not_run",
                    "message": "the sandbox could not start a process",
                }
            break
        try:  # which PID namespace the child got (tests check that nothing survives in it)
            namespaces.append(os.readlink(f"/proc/{att.pid}/ns/pid"))
        except OSError:
            pass
        blame: tuple[str, str] | None = None  # status, message for the group that failed
        killed = False
        start = time.monotonic()
        att.deadline = start + limits["load_s"]
        watch = [att.msg_r, att.out_r]
        pidfd = os.pidfd_open(att.pid)
        watch.append(pidfd)
        exited = False
        while not exited:
            wait = att.deadline - time.monotonic()
            if wait <= 0:
                killed = True
                break
            ready, _, _ = select.select(watch, [], [], wait)
            if att.out_r in ready:
                chunk = os.read(att.out_r, 1 << 16)
                if not chunk:
                    watch.remove(att.out_r)
                elif len(stdout) < STDOUT_KEEP:
                    stdout += chunk[: STDOUT_KEEP - len(stdout)]
            if att.msg_r in ready:
                chunk = os.read(att.msg_r, 1 << 20)
                if not chunk:
                    watch.remove(att.msg_r)
                att.buf += chunk
                for header, payload in _frames(att, budget):
                    kind = header.get("m")
                    if kind == "fatal":
                        att.violation = "setup: " + _clip(str(header.get("message")))
                        att.phase = "fatal"
                        break
                    if kind == "loaded" and att.phase == "load":
                        msgs = header.get("messages")
                        if load_messages is None and isinstance(msgs, list):
                            load_messages = [_clip(str(m)) for m in msgs[:MAX_MESSAGES]]
                        att.phase = "between"
                        att.deadline = time.monotonic() + BETWEEN_GROUPS_S
                    elif (
                        kind == "start"
                        and att.phase == "between"
                        and header.get("g") == next(g for g in todo if g not in results)
                    ):
                        att.phase, att.current = "group", header["g"]
                        att.deadline = time.monotonic() + _group_limit(req, att.current, "wall_s")
                    elif kind == "done" and att.phase == "group" and header.get("g") == att.current:
                        path = os.path.join(req["dir"], f"g{att.current}.npz")
                        with open(path, "wb") as f:
                            f.write(payload)
                        budget -= len(payload)
                        results[att.current] = {"status": "done", "file": path}
                        att.phase, att.current = "between", None
                        att.deadline = time.monotonic() + BETWEEN_GROUPS_S
                        if len(results) == n_groups:
                            att.phase = "finished"
                    else:
                        att.violation = "an unexpected message on the sandbox's result channel"
                if att.violation or att.phase == "finished":
                    break
            if pidfd in ready:
                exited = True
                while att.msg_r in watch and not att.violation and _readable(att.msg_r):
                    chunk = os.read(att.msg_r, 1 << 20)
                    if not chunk:
                        break
                    att.buf += chunk
                for header, payload in _frames(att, budget):
                    if header.get("m") == "done" and att.phase == "group":
                        if header.get("g") == att.current:
                            path = os.path.join(req["dir"], f"g{att.current}.npz")
                            with open(path, "wb") as f:
                                f.write(payload)
                            results[att.current] = {"status": "done", "file": path}
                            att.phase, att.current = "between", None
                            if len(results) == n_groups:
                                att.phase = "finished"
        # Everything below runs with the child either dead or about to be killed.
        if att.phase != "finished":
            try:
                os.kill(att.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        else:
            os.kill(att.pid, signal.SIGKILL)
        _, status = os.waitpid(att.pid, 0)
        if _readable(att.status_r):  # the worker's own status, reported by the init process
            text = os.read(att.status_r, 32).decode()
            status = int(text) if text.isdigit() else status
        os.close(att.status_r)
        os.close(pidfd)
        _reap_orphans(att.pid, mode)
        while len(stdout) < STDOUT_KEEP and _readable(att.out_r):
            chunk = os.read(att.out_r, 1 << 16)
            if not chunk:
                break
            stdout += chunk[: STDOUT_KEEP - len(stdout)]
        os.close(att.msg_r)
        os.close(att.out_r)
        if att.phase == "finished":
            break
        if att.phase == "fatal":
            for g in todo:
                results.setdefault(g, {"status": "not_run", "message": att.violation})
            break
        if att.violation:
            blame = ("bad_output", "the submission interfered with the sandbox: " + att.violation)
        elif killed and att.phase == "group":
            wall = _group_limit(req, att.current, "wall_s")
            blame = ("timeout", f"did not finish within {wall:g} s")
        elif killed and att.phase == "load":
            blame = (
                "timeout",
                f"loading the submission did not finish within {limits['load_s']:g} s",
            )
        elif killed:
            blame = ("timeout", "the sandbox stopped responding between questions")
        else:
            blame = _describe_death(status)
        if att.phase == "load":
            # Loading failed hard: every remaining group fails the same way, no retry.
            what = f"{blame[1]} while loading the submission"
            if load_messages is None:
                load_messages = [what]
            for g in todo:
                results.setdefault(g, {"status": blame[0], "message": what})
            break
        victim = (
            att.current if att.current is not None else next(g for g in todo if g not in results)
        )
        message = (
            blame[1]
            if att.phase != "group" or killed
            else f"{blame[1]} while running this question"
        )
        results[victim] = {"status": blame[0], "message": message}
    return {
        "groups": [results[g] for g in range(n_groups)],
        "load_messages": load_messages or [],
        "stdout": stdout.decode("utf-8", "replace"),
        "mode": mode,
        "pid_namespaces": namespaces if mode != "plain" else [],
    }


def _readable(fd: int) -> bool:
    return bool(select.select([fd], [], [], 0)[0])


def _reap_orphans(child: int, mode: str) -> None:
    """Kill and reap every process that was reparented to the zygote (it is a subreaper).

    In the namespace modes the kernel has already killed the child's whole PID namespace; in the
    plain mode this catches double-forked daemons (their session is killed too).
    """
    if mode != "plain":
        while True:  # nothing but stray zombies can be left; collect them
            try:
                if os.waitpid(-1, os.WNOHANG)[0] == 0:
                    return
            except ChildProcessError:
                return
    try:
        os.killpg(child, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    me = str(os.getpid())
    for _ in range(1000):
        found = False
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                with open(f"/proc/{entry}/stat") as f:
                    fields = f.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if fields[1] == me:
                found = True
                try:
                    os.kill(int(entry), signal.SIGKILL)
                except ProcessLookupError:
                    pass
        while True:
            try:
                pid, _ = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                break
            if pid == 0:
                time.sleep(0.001)
                break
        if not found:
            return


def _probe() -> str:
    """Which isolation mode a child would get here (forks a helper once)."""
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        try:
            os.close(r)
            os.write(w, enter_namespaces().encode())
        finally:
            os._exit(0)
    os.close(w)
    os.waitpid(pid, 0)
    mode = os.read(r, 100).decode() or "plain"
    os.close(r)
    return mode


def _warm_notebook_libraries() -> None:
    """Import nbformat (filling its schema cache) and matplotlib once, so every later child
    has them: about 1 s and 0.4 s that every notebook would otherwise pay again.

    Done on the first notebook rather than at start: a batch of .py submissions never needs
    them. matplotlib is warmed because notebooks nearly always plot; its font cache lives in
    the zygote's HOME (/tmp of the host), built once per machine.
    """
    global nbformat
    if nbformat is not None:
        return
    try:
        import nbformat as module
    except ImportError:  # pragma: no cover - nbformat is a dependency
        return
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        module.reads(
            '{"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}', as_version=4
        )
        try:
            import matplotlib

            matplotlib.use("Agg")
            import matplotlib.pyplot  # noqa: F401
        except Exception:  # noqa: BLE001 - optional: a child imports it itself if it can
            pass
    nbformat = module


def zygote_main() -> None:
    _libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
    reply = os.fdopen(os.dup(1), "w")
    devnull = os.open(os.devnull, os.O_RDWR)
    os.dup2(devnull, 1)  # a stray print in the zygote can never reach the parent's channel
    os.close(devnull)
    reply.write(json.dumps({"ready": True, "mode": _probe(), "pid": os.getpid()}) + "\n")
    reply.flush()
    for line in sys.stdin:
        req = json.loads(line)
        try:
            answer = run_request(req)
        except Exception as exc:  # a bug here must not hang the parent
            answer = {"error": f"{type(exc).__name__}: {exc}", "trace": traceback.format_exc()}
        reply.write(json.dumps(answer) + "\n")
        reply.flush()


# --------------------------------------------------------------------------- child


class _Channel:
    def __init__(self, fd: int) -> None:
        self.fd = fd

    def send(self, header: dict, payload: bytes = b"") -> None:
        if payload:
            header = {**header, "size": len(payload)}
        data = json.dumps(header).encode()
        msg = len(data).to_bytes(4, "big") + data + payload
        view = memoryview(msg)
        while view:
            n = os.write(self.fd, view)
            view = view[n:]


class _BlockGrader:
    """A meta-path finder that refuses to import the grader's own packages."""

    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in BLOCKED_PACKAGES:
            raise ImportError(f"the module {name!r} is not available to submissions")
        return None


def _move_fds(msg_w: int, out_w: int, status_w: int) -> int:
    """fd 0 = /dev/null, 1 and 2 = output pipe, 3 = message pipe, 4 = status pipe; no others."""
    msg = fcntl.fcntl(msg_w, fcntl.F_DUPFD, 10)
    out = fcntl.fcntl(out_w, fcntl.F_DUPFD, 10)
    st = fcntl.fcntl(status_w, fcntl.F_DUPFD, 10)
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.dup2(out, 1)
    os.dup2(out, 2)
    os.dup2(msg, 3)
    os.dup2(st, 4)
    os.closerange(5, resource.getrlimit(resource.RLIMIT_NOFILE)[0])
    return 3


def _init_process(worker: int) -> None:
    """PID 1 of the namespace: reap everything until the worker ends, report its status, exit.

    The worker is not PID 1 itself because the kernel does not deliver default-action signals
    (SIGXCPU of the CPU limit, for one) to a namespace's init. When this process exits, the kernel
    kills whatever is left in the namespace.
    """
    while True:
        try:
            pid, status = os.waitpid(-1, 0)
        except ChildProcessError:
            os._exit(0)
        if pid == worker:
            os.write(4, str(status).encode())
            os._exit(0)


def child_main(mode: str, msg_w: int, out_w: int, status_w: int, req: dict, groups: list[int]):
    chan = None
    try:
        fd = _move_fds(msg_w, out_w, status_w)
        chan = _Channel(fd)
        sys.stdout = open(1, "w", buffering=1, closefd=False, errors="replace")
        sys.stderr = open(2, "w", buffering=1, closefd=False, errors="replace")
        sys.stdin = open(0, closefd=False)
        limits = req["limits"]
        # Everything the child needs from outside is read now, before anything is hidden.
        with open(os.path.join(req["dir"], "calls.json")) as f:
            spec = json.load(f)
        with np.load(os.path.join(req["dir"], "inputs.npz"), allow_pickle=False) as z:
            arrays = _unpack(z["blob"], json.loads(z["table"].tobytes()))
        with open(req["submission"], "rb") as f:
            source = f.read(16 << 20)
        if mode == "plain":
            os.setsid()
            work = os.path.join(req["dir"], "work")
            os.mkdir(work, 0o700)
        else:
            _setup_mounts([os.path.realpath(p) for p in req["hide"]], expose=mode == "root")
            work = "/tmp"
        os.chdir(work)
        os.environ["HOME"] = work
        os.environ["MPLCONFIGDIR"] = os.path.join(work, ".matplotlib")
        os.environ["TMPDIR"] = work
        # A marker every process of this run inherits (tests look for survivors by it).
        os.environ["RELULAB_SANDBOX_RUN"] = os.path.basename(req["dir"])
        worker = os.fork()
        if worker != 0:
            _init_process(worker)  # never returns
        os.close(4)
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # an oversized write fails, it does not kill
        for sig in (signal.SIGXCPU, signal.SIGTERM, signal.SIGHUP, signal.SIGALRM):
            signal.signal(sig, signal.SIG_DFL)  # ignored dispositions survive exec: undo them
        _set_limits(req, groups)
        _libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)
        _drop_bounding_set()  # needs CAP_SETPCAP: before the switch to nobody
        if mode == "root":
            uid, gid = sandbox_uid(req.get("slot", 0))
            os.setgroups([])
            os.setgid(gid)
            os.setuid(uid)
            if os.getuid() != uid or os.geteuid() != uid:
                raise RuntimeError("could not drop privileges")
        _clear_capabilities()
        for name in list(sys.modules):
            if name.split(".")[0] in BLOCKED_PACKAGES:
                del sys.modules[name]
        sys.meta_path.insert(0, _BlockGrader())
    except BaseException as exc:
        if chan is not None:
            try:
                chan.send({"m": "fatal", "message": f"{type(exc).__name__}: {exc}"})
            except BaseException:
                pass
        os._exit(70)
    try:
        _run_child(chan, spec, arrays, source, req, groups, limits)
    finally:
        os._exit(0)


PR_CAPBSET_DROP = 24
_LINUX_CAPABILITY_VERSION_3 = 0x20080522


def _drop_bounding_set() -> None:
    """Remove every capability from the bounding set: none can ever be gained again."""
    for cap in range(64):
        if _libc.prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0 and ctypes.get_errno() == errno.EINVAL:
            break  # past the last capability this kernel knows


def _clear_capabilities() -> None:
    """Empty the effective, permitted and inheritable sets.

    As ``nobody`` (root mode) they are empty already; in user-namespace mode the child is uid 0
    of its own namespace and could otherwise unmount the covers over hidden folders.
    """
    header = (ctypes.c_uint32 * 2)(_LINUX_CAPABILITY_VERSION_3, 0)
    data = (ctypes.c_uint32 * 6)()  # two zeroed __user_cap_data_struct
    if _libc.capset(header, data) != 0:
        raise OSError(ctypes.get_errno(), "capset failed")


def _group_limit(req: dict, g: int, name: str) -> float:
    """A question's own wall or CPU limit (``group_limits``), else the run's."""
    per_group = req.get("group_limits") or []
    if 0 <= g < len(per_group) and per_group[g].get(name):
        return float(per_group[g][name])
    return float(req["limits"][name])


def _set_limits(req: dict, groups: list[int]) -> None:
    limits = req["limits"]
    with open("/proc/self/statm") as f:
        mapped = int(f.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    address_space = mapped + (int(limits["memory_mb"]) << 20)
    total_cpu = math.ceil(limits["load_s"] + sum(_group_limit(req, g, "cpu_s") for g in groups)) + 2
    rl = resource
    for which, value in (
        (rl.RLIMIT_CORE, 0),
        (rl.RLIMIT_AS, address_space),
        (rl.RLIMIT_NPROC, int(limits["nproc"])),
        (rl.RLIMIT_FSIZE, int(limits["fsize_mb"]) << 20),
        (rl.RLIMIT_NOFILE, int(limits["nofile"])),
    ):
        rl.setrlimit(which, (value, value))
    used = _cpu_used()
    rl.setrlimit(rl.RLIMIT_CPU, (math.ceil(used + limits["load_s"]), math.ceil(used + total_cpu)))


def _cpu_used() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _arm_cpu(seconds: float) -> None:
    hard = resource.getrlimit(resource.RLIMIT_CPU)[1]
    soft = math.ceil(_cpu_used() + seconds)
    if hard != resource.RLIM_INFINITY:
        soft = min(soft, hard)
    try:
        resource.setrlimit(resource.RLIMIT_CPU, (soft, hard))
    except (ValueError, OSError):
        pass


# --- loading ---------------------------------------------------------------


class _NoShell:
    """What ``get_ipython()`` returns here: every method (run_line_magic, system, ...) does
    nothing, as the magics and shell escapes themselves are dropped."""

    def __getattr__(self, name: str):
        return lambda *args, **kwargs: None


class _Loader:
    def __init__(self, name: str) -> None:
        self.module = types.ModuleType("submission")
        self.module.__file__ = name
        self.ns = self.module.__dict__
        self.ns["get_ipython"] = _NoShell
        sys.modules["submission"] = self.module
        self.messages: list[str] = []
        self.fatal = ""  # why nothing could be loaded at all
        self.where: dict[str, str] = {}  # code filename -> "submission" | "cell 3"

    def note(self, text: str) -> None:
        if len(self.messages) < MAX_MESSAGES:
            self.messages.append(_clip(text))

    def run_unit(self, code, label: str) -> None:
        try:
            exec(code, self.ns)
        except BaseException as exc:  # noqa: BLE001 - the student's code may raise anything
            self.note(_describe_load_error(exc, self.where, label))


def _exc_text(exc: BaseException) -> str:
    try:
        text = str(exc)
    except BaseException:  # noqa: BLE001
        text = "(the exception's message could not be shown)"
    name = type(exc).__name__
    return f"{name}: {_clip(text, 240)}" if text else name


def _builtin_name(exc: BaseException) -> str:
    """The exception's class name if the class is one of Python's built-in exceptions, else ""."""
    cls = type(exc)
    return cls.__name__ if getattr(builtins, cls.__name__, None) is cls else ""


def _location(tb, where: dict[str, str]) -> str:
    found = ""
    for frame, lineno in traceback.walk_tb(tb):
        label = where.get(frame.f_code.co_filename)
        if label is not None:
            found = f"line {lineno} of {label}"
    return found


def _describe_load_error(exc: BaseException, where: dict[str, str], label: str) -> str:
    loc = _location(exc.__traceback__, where)
    suffix = f" ({loc})" if loc else ""
    if isinstance(exc, ModuleNotFoundError):
        return f"import of a missing module: {_clip(str(exc), 200)}{suffix}"
    if isinstance(exc, SystemExit):
        return f"{label} called sys.exit({exc.code!r}){suffix}; ignored, loading went on"
    return f"{label} raised {_exc_text(exc)}{suffix}"


def _load_py(loader: _Loader, source: bytes) -> None:
    filename = "<submission>"
    loader.where[filename] = "submission"
    try:
        tree = compile(source, filename, "exec", ast.PyCF_ONLY_AST, dont_inherit=True)
    except SyntaxError as exc:
        loader.fatal = f"SyntaxError on line {exc.lineno}: {exc.msg}"
        loader.note(loader.fatal)
        return
    except (ValueError, UnicodeDecodeError) as exc:
        loader.fatal = f"the file could not be read as Python source: {_clip(str(exc), 200)}"
        loader.note(loader.fatal)
        return
    # Run the top-level statements one by one, so that one failing statement (a stray test
    # call, a missing import) does not take the definitions after it down with it.
    flags = 0
    for stmt in tree.body:
        if isinstance(stmt, ast.ImportFrom) and stmt.module == "__future__":
            for alias in stmt.names:
                feature = getattr(__future__, alias.name, None)
                flags |= getattr(feature, "compiler_flag", 0)
        try:
            code = compile(ast.Module([stmt], []), filename, "exec", flags, dont_inherit=True)
        except SyntaxError as exc:
            loader.note(f"SyntaxError on line {exc.lineno}: {exc.msg}")
            continue
        loader.run_unit(code, "the top-level code")


def _strip_magics(src: str) -> str:
    lines = src.splitlines()
    first = next((line for line in lines if line.strip()), "")
    if first.lstrip().startswith("%%"):
        return ""
    out = []
    for line in lines:
        body = line.lstrip()
        if body.startswith(("%", "!")):
            out.append(line[: len(line) - len(body)] + "pass")
        else:
            out.append(line)
    return "\n".join(out)


def _load_ipynb(loader: _Loader, source: bytes) -> None:
    if not source.strip():
        loader.fatal = "the notebook file is empty"
        loader.note(loader.fatal)
        return
    try:
        text = source.decode("utf-8")
    except UnicodeDecodeError:
        loader.fatal = "the notebook is not a text file (it is not valid UTF-8)"
        loader.note(loader.fatal)
        return
    try:
        json.loads(text)
    except ValueError as exc:
        loader.fatal = f"the notebook is not valid JSON: {_clip(str(exc), 200)}"
        loader.note(loader.fatal)
        return
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            nb = nbformat.reads(text, as_version=4)
        cells = [c for c in nb.cells if c.get("cell_type") == "code"]
        sources = [c.get("source", "") for c in cells]
        sources = ["".join(s) if isinstance(s, list) else str(s) for s in sources]
    except Exception as exc:  # noqa: BLE001 - nbformat raises many kinds
        loader.fatal = f"the notebook could not be read: {_exc_text(exc)}"
        loader.note(loader.fatal)
        return
    for number, src in enumerate(sources, start=1):
        label = f"cell {number}"
        filename = f"<{label}>"
        loader.where[filename] = label
        try:
            code = compile(_strip_magics(src), filename, "exec", dont_inherit=True)
        except SyntaxError as exc:
            loader.note(f"{label} has a SyntaxError on line {exc.lineno}: {exc.msg}")
            continue
        except ValueError as exc:
            loader.note(f"{label} could not be compiled: {_clip(str(exc), 200)}")
            continue
        loader.run_unit(code, label)


# --- calls -----------------------------------------------------------------


class _Unbuilt:
    pass


def _build(node, arrays, argv):
    t = node["t"]
    if t == "nd":
        return np.array(arrays[node["ref"]], copy=True)
    if t == "np":
        return arrays[node["ref"]][()]
    if t == "int":
        return int(node["v"])
    if t == "float":
        return float.fromhex(node["v"])
    if t == "complex":
        return complex(float.fromhex(node["re"]), float.fromhex(node["im"]))
    if t in ("bool", "str"):
        return node["v"]
    if t == "none":
        return None
    if t == "list":
        return [_build(x, arrays, argv) for x in node["v"]]
    if t == "tuple":
        return tuple(_build(x, arrays, argv) for x in node["v"])
    if t == "dict":
        return {k: _build(x, arrays, argv) for k, x in node["v"]}
    if t == "lambda":
        env = {"np": np}
        for name, x in node["bind"]:
            env[name] = argv[x["i"]] if x["t"] == "argref" else _build(x, arrays, argv)
        return eval(f"lambda {node['params']}: {node['expr']}", env)  # noqa: S307 - grader's text
    raise ValueError(f"unknown input node {t!r}")


def _build_args(call, arrays):
    nodes = call["args"]
    argv: list = [_Unbuilt] * len(nodes)
    for i, node in enumerate(nodes):  # plain data first, so that Lambdas can bind to it
        if not node.get("lam"):
            argv[i] = _build(node, arrays, argv)
    for i, node in enumerate(nodes):
        if node.get("lam"):
            argv[i] = _build(node, arrays, argv)
    kwargs = {k: _build(node, arrays, argv) for k, node in call["kwargs"]}
    return argv, kwargs


_SCALARS = {
    np.bool_: "b",
    np.int8: "i",
    np.int16: "i",
    np.int32: "i",
    np.int64: "i",
    np.longlong: "i",
    np.uint8: "u",
    np.uint16: "u",
    np.uint32: "u",
    np.uint64: "u",
    np.ulonglong: "u",
    np.float16: "f",
    np.float32: "f",
    np.float64: "f",
    np.longdouble: "f",
    np.complex64: "c",
    np.complex128: "c",
    np.clongdouble: "c",
}


class BadOutput(Exception):
    pass


def _type_name(x) -> str:
    try:
        cls = type(x)
        mod = cls.__module__ if isinstance(cls.__module__, str) else ""
        name = cls.__qualname__ if isinstance(cls.__qualname__, str) else "object"
        return _clip(name if mod in ("builtins", "submission", "") else f"{mod}.{name}", 80)
    except BaseException:  # noqa: BLE001
        return "object"


def _base_name(x) -> str:
    for base, label in ((np.ndarray, "numpy.ndarray"), (float, "float"), (int, "int")):
        if isinstance(x, base):
            return label
    for base, label in ((list, "list"), (tuple, "tuple"), (str, "str"), (complex, "complex")):
        if isinstance(x, base):
            return label
    return ""


def _pack(arrays: dict) -> dict:
    """One uint8 blob and a JSON table instead of an npz member per array (as _codec.pack_arrays;
    the zygote does not import the grader's package). The parent validates every entry."""
    table, parts, offset = {}, [], 0
    for ref, a in arrays.items():
        data = np.ascontiguousarray(a).tobytes()
        table[ref] = [a.dtype.str, list(a.shape), offset, len(data)]
        parts.append(data)
        offset += len(data)
    return {
        "blob": np.frombuffer(b"".join(parts), dtype=np.uint8),
        "table": np.frombuffer(json.dumps(table).encode(), dtype=np.uint8),
    }


def _unpack(blob, table: dict) -> dict:
    """The grader's input arrays from _codec.pack_arrays (written by the trusted parent)."""
    return {
        ref: np.frombuffer(blob, dtype=np.dtype(d), count=math.prod(shape), offset=off).reshape(
            shape
        )
        for ref, (d, shape, off, _n) in table.items()
    }


class _Encoder:
    def __init__(self) -> None:
        self.arrays: dict[str, np.ndarray] = {}
        self.nbytes = 0
        self.nodes = 0

    def array(self, a: np.ndarray) -> str:
        self.nbytes += a.nbytes
        if self.nbytes > MAX_RESULT_BYTES:
            raise BadOutput(f"the result is too large (more than {MAX_RESULT_BYTES >> 20} MB)")
        ref = f"a{len(self.arrays)}"
        self.arrays[ref] = a
        return ref

    def encode(self, x, depth: int = 0):
        self.nodes += 1
        if self.nodes > 100_000 or depth > 32:
            raise BadOutput("the result is nested too deeply or has too many items")
        t = type(x)
        if t is np.ndarray:
            if x.dtype.kind not in "biufc" or x.dtype.fields is not None:
                raise BadOutput(
                    f"returned a numpy array of dtype {_clip(str(x.dtype), 60)}; "
                    "return numbers (a bool, integer, float or complex dtype)"
                )
            return {"t": "nd", "ref": self.array(x)}
        if t in _SCALARS:
            return {"t": "np", "ref": self.array(np.asarray(x))}
        if x is None:
            return {"t": "none"}
        if t is bool:
            return {"t": "bool", "v": x}
        if t is int:
            return {"t": "int", "v": str(x) if abs(x) < 10**4000 else "0"}
        if t is float:
            return {"t": "float", "v": x.hex()}
        if t is complex:
            return {"t": "complex", "re": x.real.hex(), "im": x.imag.hex()}
        if t is str:
            if len(x) > 100_000:
                raise BadOutput("returned a string longer than 100000 characters")
            return {"t": "str", "v": x}
        if t is list or t is tuple:
            return {"t": t.__name__, "v": [self.encode(v, depth + 1) for v in x]}
        name, base = _type_name(x), _base_name(x)
        if base:
            raise BadOutput(f"returned a {name} (a subclass of {base}); return a plain {base}")
        raise BadOutput(f"returned a {name}; return numbers, numpy arrays, or lists/tuples of them")


def _after_node(a, enc: _Encoder, depth: int = 0):
    """An argument as the call left it: its arrays, also inside lists and tuples (``layers``),
    so the grader can tell whether the student changed them. Anything else becomes None."""
    if type(a) is np.ndarray:
        return {"t": "nd", "ref": enc.array(a)} if a.dtype.kind in "biufc" else None
    if type(a) in (list, tuple) and depth < 4 and len(a) <= 1000:
        return {
            "t": type(a).__name__,
            "v": [_after_node(v, enc, depth + 1) or {"t": "none"} for v in a],
        }
    return None


def _describe_call_error(exc: BaseException, where: dict[str, str], limits: dict) -> str:
    loc = _location(exc.__traceback__, where)
    suffix = f" ({loc})" if loc else ""
    if isinstance(exc, SystemExit):
        return f"the function called sys.exit({exc.code!r}){suffix}"
    if isinstance(exc, MemoryError):
        return f"MemoryError: ran out of memory (the limit is {limits['memory_mb']} MB){suffix}"
    if isinstance(exc, RecursionError):
        return f"RecursionError: {_clip(str(exc), 200)}{suffix}"
    return f"{_exc_text(exc)}{suffix}"


def _run_call(call, loader: _Loader, arrays, limits, enc: _Encoder) -> dict:
    name = call["function"]
    fn = loader.ns.get(name, _Unbuilt)
    if fn is _Unbuilt:
        why = f" (the submission did not load: {loader.fatal})" if loader.fatal else ""
        return {"status": "missing", "message": f"{name} is not defined in the submission{why}"}
    if not callable(fn):
        return {
            "status": "missing",
            "message": f"{name} in the submission is a {_type_name(fn)}, not a function",
        }
    argv, kwargs = _build_args(call, arrays)
    start = time.perf_counter()
    try:
        value = fn(*argv, **kwargs)
    except BaseException as exc:  # noqa: BLE001 - includes SystemExit and KeyboardInterrupt
        seconds = time.perf_counter() - start
        return {
            "status": "error",
            "message": _describe_call_error(exc, loader.where, limits),
            "error_type": _builtin_name(exc),
            "location": _location(exc.__traceback__, loader.where),
            "seconds": seconds,
        }
    seconds = time.perf_counter() - start
    after = [_after_node(a, enc) for a in argv]
    try:
        node = enc.encode(value)
    except BadOutput as exc:
        return {"status": "bad_output", "message": str(exc), "seconds": seconds, "after": after}
    return {"status": "ok", "value": node, "seconds": seconds, "after": after}


def _run_child(chan, spec, arrays, source, req, groups, limits) -> None:
    loader = _Loader(os.path.basename(req["submission"]))
    if req["submission"].endswith(".ipynb"):
        _load_ipynb(loader, source)
    else:
        _load_py(loader, source)
    _flush_std()
    chan.send({"m": "loaded", "messages": loader.messages})
    names = spec["groups"]
    for g in groups:
        chan.send({"m": "start", "g": g})
        _arm_cpu(_group_limit(req, g, "cpu_s"))
        enc = _Encoder()
        outcomes = {}
        for call in spec["calls"]:
            if call["group"] != names[g]:
                continue
            try:
                outcomes[call["key"]] = _run_call(call, loader, arrays, limits, enc)
            except BadOutput as exc:
                outcomes[call["key"]] = {"status": "bad_output", "message": str(exc)}
            except BaseException as exc:  # noqa: BLE001 - e.g. a patched numpy broke the inputs
                outcomes[call["key"]] = {"status": "error", "message": _exc_text(exc)}
        _flush_std()
        manifest = json.dumps({"calls": outcomes}).encode()
        payload = io.BytesIO()
        np.savez(payload, manifest=np.frombuffer(manifest, dtype=np.uint8), **_pack(enc.arrays))
        chan.send({"m": "done", "g": g}, payload.getvalue())


def _flush_std() -> None:
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except BaseException:  # noqa: BLE001 - the student may have replaced or broken them
            pass


if __name__ == "__main__":
    zygote_main()
