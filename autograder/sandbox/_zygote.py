"""The sandbox's zygote and child: the only code that ever shares a process with student code.

Run as a script (``python -I _zygote.py``), never imported by the grader. It imports the standard
library, numpy and the modules beside it (``_fsview``, ``_landlock``, ``_nbruntime``,
``_procs``, ``_seccomp``: stdlib and ctypes only), so a fork of it carries no grading secrets.

Roles:
- zygote: one long-lived process per worker. Its first stdin line is its configuration; it
  decides once which isolation the machine allows (the *mode*, below) and answers "ready". Then
  it reads one JSON request per line, runs it and answers one JSON line. It never runs student
  code; it forks, watches and kills.
- helper (user-namespace mode only): forked by the fork server per attempt; becomes the sandbox
  user (when the grader is root), enters its own user namespace and the others, forks the child
  and exits (the zygote is a child subreaper, so it inherits the child). In the other modes the
  fork server makes the child itself, in its new namespaces, as the zygote's own child.
- child: its own file-system view, then it forks the worker and reaps until the worker ends.
- worker: no new privileges, Landlock, rlimits, the sandbox user, no capabilities, seccomp; then
  it loads the submission, receives the calls' inputs (only after loading: nothing the
  submission's top-level code does can see them) and runs the calls group by group. It talks to
  the zygote through one pipe (length-prefixed JSON frames, payloads of raw sections).

Modes, strongest first (each layer applies where the machine allows it; the rest is reported):
- "root": root with namespace rights: new PID, mount, network and IPC namespaces; the child
  pivots into a root holding only the allow-list (read-only binds, prepared once per zygote)
  and a fresh tmpfs /tmp; the worker runs as its own unprivileged uid.
- "userns": an unprivileged user namespace (a root grader first becomes the sandbox uid, so uid
  0 inside is never real root) with PID, mount, network and IPC namespaces and a tmpfs /tmp.
- "container": root without namespace rights (Docker's defaults): the worker runs as its own
  uid in a scratch folder it owns; every process of that uid is killed after each attempt.
- "plain": none of the above: own session, rlimits, a private scratch folder.
Landlock (the allow-list) and a seccomp filter apply in every mode where the kernel has them.
"""

from __future__ import annotations
import __future__

import ast
import builtins
import ctypes
import errno
import fcntl
import json
import math
import os
import resource
import select
import shutil
import signal
import socket
import sys
import tempfile
import time
import traceback
import types

_HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, _HERE)
import _figureless  # noqa: E402 - the isolation layers and notebook runtime beside this file
import _fsview  # noqa: E402
import _landlock  # noqa: E402
import _nbruntime  # noqa: E402
import _procs  # noqa: E402
import _seccomp  # noqa: E402

sys.path[:] = [p for p in sys.path if p and os.path.abspath(p) != _HERE]

import numpy as np  # noqa: E402
import numpy.linalg  # noqa: E402, F401 - numpy loads these lazily; submissions use them often:
import numpy.random  # noqa: E402, F401 - once here (~10 ms each), not in every child

_warmed = False  # whether matplotlib is imported (in the fork server)
_figure_due = False  # whether the fork server is still to draw its first figure
# The template notebook's cells, compiled in the fork server: (number, source) -> (tree, code)
TEMPLATE_CODE: dict[tuple[int, str], tuple[ast.Module, types.CodeType]] = {}
_template_compiled = False
_asked_warm = False  # whether the zygote has asked the fork server to import it
# matplotlib's font list from the zygote's own cache, (file name, bytes), read in the fork
# server: a child whose plot cells need matplotlib after all (not imported ahead) starts from
# it instead of building its own, most of a second.
_FONT_LIST: tuple[str, bytes] | None = None

MAX_RESULT_BYTES = 64 << 20  # per run, results of all groups together
STDOUT_KEEP = 8192
MAX_HEADER = 1 << 16
MAX_MESSAGES = 20
MAX_TEXT = 400
BETWEEN_GROUPS_S = 2.0  # time the child may take between finishing a group and starting the next
SETUP_S = 10.0  # the child's own setup, before any student code runs
WORK_TMPFS = "size=64m,nr_inodes=4096,mode=1777"
BLOCKED_PACKAGES = ("reference", "autograder")
SANDBOX_ID_BASE = 65000  # sandbox uids (= gids): 65000 + n, accounts nobody has (see claim_uid)
LAYERS = ("namespaces", "pivot_root", "landlock", "uid", "seccomp", "rlimits")

CLONE_NEWNS = 0x00020000
CLONE_NEWIPC = 0x08000000
CLONE_NEWUSER = 0x10000000
CLONE_NEWPID = 0x20000000
CLONE_NEWNET = 0x40000000
NS_FLAGS = CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWIPC
PR_SET_PDEATHSIG, PR_SET_DUMPABLE, PR_SET_NO_NEW_PRIVS, PR_SET_CHILD_SUBREAPER = 1, 4, 38, 36

_libc = ctypes.CDLL(None, use_errno=True)
_libc_held = ctypes.PyDLL(None, use_errno=True)  # its calls keep the GIL, as os.fork's fork does
CLONE_PARENT = 0x00008000

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


SANDBOX_IDS = 1024  # uids SANDBOX_ID_BASE ... + 1023, one per live zygote on this machine


def claim_uid(lock_dir: str) -> tuple[int, int]:
    """A sandbox uid (= gid) no other live zygote on this machine holds, and the fd of its lock.

    Each zygote's workers get a uid of their own, so that per-user limits (RLIMIT_NPROC) and the
    kill-by-uid of container mode never reach another submission, another batch running at the
    same time, or a system service (as ``nobody`` would). The lock (flock on a file in a folder
    of the grader's own) lasts as long as the zygote.
    """
    os.makedirs(lock_dir, mode=0o700, exist_ok=True)
    start = int.from_bytes(os.urandom(2), "big") % SANDBOX_IDS  # containers sharing a kernel
    for n in range(SANDBOX_IDS):  # (and so per-uid process counts) rarely pick the same one
        uid = SANDBOX_ID_BASE + (start + n) % SANDBOX_IDS
        fd = os.open(
            os.path.join(lock_dir, f"uid-{uid}"), os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600
        )
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            continue
        return uid, fd
    raise RuntimeError(f"all {SANDBOX_IDS} sandbox uids are in use")


# --------------------------------------------------------------------------- isolation


def _unshare(flags: int) -> str:
    """ "" when ``unshare(flags)`` worked, else why not."""
    if _libc.unshare(ctypes.c_int(flags)) == 0:
        return ""
    return f"unshare: {os.strerror(ctypes.get_errno())}"


def _write_file(path: str, text: str) -> None:
    with open(path, "w") as f:
        f.write(text)


def _become(uid: int, gid: int) -> None:
    os.setgroups([])
    os.setgid(gid)
    os.setuid(uid)
    if os.getuid() != uid or os.geteuid() != uid or os.getgid() != gid:
        raise RuntimeError("could not drop privileges")


def enter_mode(mode: str, uid: int) -> str:
    """In the helper: enter ``mode``'s namespaces; "" when done, else why not (then the helper
    must not go on: it may be half-way)."""
    if mode == "root":
        return _unshare(NS_FLAGS)
    if mode == "userns":
        gid = uid
        if os.geteuid() == 0:  # never let uid 0 inside map to real root
            try:
                _become(uid, gid)
            except (OSError, RuntimeError) as exc:
                return f"setuid: {exc}"
            _libc.prctl(PR_SET_DUMPABLE, 1, 0, 0, 0)  # so that it may write its own uid_map
        else:
            uid, gid = os.geteuid(), os.getegid()
        why = _unshare(NS_FLAGS | CLONE_NEWUSER)
        if why:
            return why
        try:
            _write_file("/proc/self/setgroups", "deny")
            _write_file("/proc/self/uid_map", f"0 {uid} 1")
            _write_file("/proc/self/gid_map", f"0 {gid} 1")
        except OSError as exc:
            return f"user namespace maps: {exc.strerror}"
    return ""


def _in_fork(fn) -> str:
    """Run ``fn()`` (returning "" or why not) in a throw-away child; its answer."""
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        try:
            os.close(r)
            answer = fn()
        except BaseException as exc:  # noqa: BLE001
            answer = f"{type(exc).__name__}: {exc}"
        try:
            os.write(w, (answer or "ok").encode()[:2000])
        finally:
            os._exit(0)
    os.close(w)
    os.waitpid(pid, 0)
    text = os.read(r, 4000).decode(errors="replace")
    os.close(r)
    return "" if text == "ok" else (text or "the probe died")


def _probe_userns(uid: int) -> str:
    def attempt() -> str:
        why = enter_mode("userns", uid)
        if why:
            return why
        if _libc.mount(b"tmpfs", b"/tmp", b"tmpfs", ctypes.c_ulong(6), b"size=1m") != 0:
            return f"mount tmpfs in the user namespace: {os.strerror(ctypes.get_errno())}"
        return ""

    return _in_fork(attempt)


def _probe_setuid(uid: int) -> str:
    return _in_fork(lambda: _become(uid, uid) or "")


def _probe_seccomp() -> str:
    def attempt() -> str:
        _libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)
        _seccomp.install()
        return ""

    return _in_fork(attempt)


class Setup:
    """What the zygote decided at start; every child of this zygote gets the same."""

    def __init__(self, config: dict, found: _fsview.Installed | None = None) -> None:
        self.uid = self.gid = os.geteuid()
        self.uid_lock = -1
        if os.geteuid() == 0:
            self.uid, self.uid_lock = claim_uid(config.get("lock_dir") or "/run/relulab")
            self.gid = self.uid
        self.view = _fsview.python_view(config.get("hide", []), found=found)
        self.template = str(config.get("template") or "")  # a notebook path, from the grader
        self.notebooks = bool(config.get("notebooks"))  # matplotlib imported ahead for them
        self.mode, missing = self._choose_mode(os.environ.get("RELULAB_SANDBOX_MODE", ""))
        self.missing = missing
        self.layers = ["rlimits"]
        if self.mode in ("root", "userns"):
            self.layers.append("namespaces")
        if self.mode == "root":
            self.layers.append("pivot_root")
        self.landlock = _landlock.abi()
        if self.landlock:
            self.layers.append("landlock")
        else:
            enforced = "the mount view" if self.mode == "root" else "file permissions"
            self.missing.append(
                f"landlock: {_landlock.why_unavailable()}: the allow-list is enforced by "
                f"{enforced} only"
            )
        self.separate_uid = os.geteuid() == 0 and self.mode in ("root", "userns", "container")
        if self.separate_uid:
            self.layers.append("uid")
        else:
            why = "the grader is not root" if os.geteuid() else f"{self.mode} mode"
            self.missing.append(
                f"uid: {why}; student code runs as the grader's own user (uid {os.geteuid()})"
            )
            self.uid, self.gid = os.geteuid(), os.getegid()
        why = _probe_seccomp()
        if why:
            self.missing.append(f"seccomp: {why}")
        else:
            self.layers.append("seccomp")
        self.layers = [name for name in LAYERS if name in self.layers]
        self.root_dir = ""
        self.grants: list[tuple[int, int]] = []
        self.error = self._check()
        if not self.error and self.mode == "container":
            _procs.kill_uid(self.uid)  # anything a killed zygote of this uid left behind
        if not self.error and self.landlock:
            read_only, writable, list_only = self.view.landlock_rules()
            self.grants = _landlock.grants(read_only, writable, list_only, self.landlock)
        if not self.error and self.mode == "root":
            self.error = self._prepare_root()

    def _choose_mode(self, forced: str) -> tuple[str, list[str]]:
        order = ["root", "userns", "container", "plain"]
        if forced in order:
            order = order[order.index(forced) :]  # tests and debugging may ask for less
        missing = []
        root = os.geteuid() == 0
        if "root" in order and root:
            why = _in_fork(lambda: _unshare(NS_FLAGS))
            if not why:
                return "root", missing
            missing.append(f"pivot_root: needs namespace rights ({why}); no mount view")
        if "userns" in order:
            why = _probe_userns(self.uid)
            if not why:
                return "userns", missing
            missing.append(
                f"namespaces: refused here ({why}); processes are tracked by session"
                + (" and uid" if root else "")
            )
        if "container" in order and root:
            why = _probe_setuid(self.uid)
            if not why:
                return "container", missing
            missing.append(f"uid: cannot become the sandbox user ({why})")
        return "plain", missing

    def _check(self) -> str:
        """Why the sandbox must not start here, or ""."""
        if not self.separate_uid or self.mode == "root":
            return ""  # root mode: the child sees read-only binds only
        closed = self.view.closed_ancestors()
        if closed:
            return (
                f"the interpreter's folders lie under {closed[0]}, which other users cannot "
                "enter: the sandbox user could not import the standard library. Install "
                "Python and the virtual environment where other users can read them "
                "(e.g. /usr or /opt)"
            )
        # Under Landlock no process of the sandbox uid can write outside its scratch folder
        # whatever the permissions say, so the folders themselves are checked; without it the
        # permissions are the only guard, and every allowed file is.
        found = _fsview.writable_by(self.view, self.uid, self.gid, deep=not self.landlock)
        if found:
            return (
                f"{found} is writable by the sandbox user (uid {self.uid}): student code could "
                "plant code that the grader runs. Make the interpreter, its standard library "
                "and site-packages owned by root and not writable by others"
            )
        return ""

    def _prepare_root(self) -> str:
        """Root mode: build the allow-listed root once, in a mount namespace of the zygote's
        own (children copy it and only add their /tmp). "" or why it failed."""
        why = _unshare(CLONE_NEWNS)
        if why:
            return why
        self.root_dir = tempfile.mkdtemp(prefix="relulab-root-")
        try:
            _fsview.prepare_root(self.view, self.root_dir)
        except OSError as exc:
            return f"could not build the sandbox's root: {exc}"
        return ""

    def info(self) -> dict:
        details: dict = {}  # the same for every run here (so a regrade writes the same file)
        if self.landlock:
            details["landlock_abi"] = self.landlock
        return {
            "mode": self.mode,
            "layers": list(self.layers),
            "details": details,
            "missing": list(self.missing),
        }


SETUP: Setup | None = None


# --------------------------------------------------------------------------- zygote


class Attempt:
    """The zygote's view of one child: pipes, deadlines and what the child reported."""

    def __init__(self, pid: int, msg_r: int, out_r: int, in_w: int, status_r: int) -> None:
        self.pid = pid
        self.msg_r = msg_r
        self.out_r = out_r
        self.in_w = in_w  # the calls' inputs go here once the submission has loaded
        self.status_r = status_r  # the child writes the worker's wait status here
        self.buf = bytearray()
        self.phase = "setup"  # setup -> load -> between -> group -> between -> ... -> finished
        self.current: int | None = None
        self.deadline = 0.0
        self.violation = ""
        self.scratch = ""  # container and plain modes: the worker's own folder


def _spawn(req: dict, groups: list[int]) -> Attempt | None:
    setup = SETUP
    msg_r, msg_w = os.pipe()
    out_r, out_w = os.pipe()
    st_r, st_w = os.pipe()
    in_r, in_w = os.pipe()
    sub_fd = os.open(req["submission"], os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
    scratch = ""
    if setup.mode in ("container", "plain"):
        scratch = tempfile.mkdtemp(prefix="relulab-work-")
        if setup.separate_uid:
            os.chown(scratch, setup.uid, setup.gid)
    pid = FORKS.spawn(req, groups, scratch, [msg_w, out_w, st_w, in_r, sub_fd])
    for fd in (msg_w, out_w, st_w, in_r, sub_fd):
        os.close(fd)
    if not pid:
        for fd in (msg_r, out_r, st_r, in_w):
            os.close(fd)
        _clean_scratch(scratch)
        return None
    os.set_blocking(in_w, False)
    att = Attempt(pid, msg_r, out_r, in_w, st_r)
    att.scratch = scratch
    return att


class ForkServer:
    """The process every child is forked from: a fork of the zygote made right after its
    setup, before it has read a single result. The zygote reads what children send (their
    answers, their output) and so holds it in its memory after it is freed; a child forked
    from the zygote would inherit that memory and could read other submissions' results in
    it. The fork server only ever receives requests (paths, limits, question names: no
    inputs, no results) and the children's pipe ends, so what a child inherits is the same
    for every submission.
    """

    MAX_REQUEST = 1 << 20

    def __init__(self) -> None:
        self.sock = -1
        self.pid = 0
        self.gone = False  # its end of the socket closed: it has died (or is dying)

    def start(self, keep_closed: list[int], warm: bool = False) -> None:
        """Fork the server; with ``warm`` it imports the notebook libraries first, while the
        grader goes on with its own start."""
        mine, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:
            try:
                mine.close()
                devnull = os.open(os.devnull, os.O_RDONLY)
                os.dup2(devnull, 0)  # the grader's request channel is the zygote's alone
                os.close(devnull)
                for fd in keep_closed:
                    try:
                        os.close(fd)
                    except OSError:
                        pass
                if warm:
                    _warm_notebook_libraries()
                _compile_template_once()  # while the grader goes on with its own start
                _read_font_list()
                self._serve(theirs)
            finally:
                os._exit(0)
        theirs.close()
        self.sock, self.pid = mine, pid

    def alive(self) -> bool:
        # A killed server closes its files before its parent can wait for it: a closed socket
        # is the earlier and the certain sign (no child holds its end: children close all fds).
        if self.gone:
            return False
        try:
            return os.waitpid(self.pid, os.WNOHANG) == (0, 0)
        except ChildProcessError:
            return False

    def _ask(self, message: dict, fds: list[int] = ()) -> dict:
        try:
            socket.send_fds(self.sock, [json.dumps(message).encode()], list(fds))
            data = self.sock.recv(4096)
        except OSError:
            self.gone = True
            return {}
        if not data:
            self.gone = True
            return {}
        try:
            return json.loads(data)
        except ValueError:
            return {}

    def warm(self) -> None:
        self._ask({"op": "warm"})

    def spawn(self, req: dict, groups: list[int], scratch: str, fds: list[int]) -> int:
        """Start a child (see _fork_helper) with these pipe ends; its pid, or 0."""
        answer = self._ask({"op": "spawn", "req": req, "groups": groups, "scratch": scratch}, fds)
        pid = answer.get("pid")
        return pid if type(pid) is int and pid > 0 else 0

    # -- in the fork server ----------------------------------------------------------------

    def _serve(self, sock: socket.socket) -> None:
        while True:
            try:
                data, fds, _, _ = socket.recv_fds(sock, self.MAX_REQUEST, 8)
            except OSError:
                return
            if not data:
                return  # the zygote is gone
            message: dict = {}
            try:
                message = json.loads(data)
                if message.get("op") == "warm":
                    _warm_notebook_libraries()
                    answer = {"ok": True}
                else:
                    answer = {"pid": self._fork_helper(message, fds)}
            except Exception as exc:  # noqa: BLE001 - a bug here must not hang the zygote
                answer = {"error": f"{type(exc).__name__}: {exc}"}
            finally:
                for fd in fds:
                    try:
                        os.close(fd)
                    except OSError:
                        pass
            sock.send(json.dumps(answer).encode())
            if isinstance(message, dict) and message.get("op") == "spawn":
                _draw_first_figure()  # while that child runs, for the ones after it

    @staticmethod
    def _fork_helper(message: dict, fds: list[int]) -> int:
        msg_w, out_w, st_w, in_r, sub_fd = fds
        req, groups, scratch = message["req"], message["groups"], message["scratch"]
        if SETUP.mode != "userns":  # (in user-namespace mode a helper first changes its uid)
            child = _clone_sibling(NS_FLAGS if SETUP.mode == "root" else 0)
            if child == 0:
                try:
                    child_main(msg_w, out_w, st_w, in_r, sub_fd, scratch, req, groups)
                finally:  # (child_main never returns)
                    os._exit(70)
            return max(child, 0)
        pid_r, pid_w = os.pipe()
        sys.stdout.flush()
        sys.stderr.flush()
        helper = os.fork()
        if helper == 0:  # helper
            try:
                os.close(pid_r)
                if enter_mode(SETUP.mode, SETUP.uid):
                    os._exit(71)  # half-entered namespaces: do not go on
                child = os.fork()
                if child == 0:
                    os.close(pid_w)
                    child_main(msg_w, out_w, st_w, in_r, sub_fd, scratch, req, groups)  # no return
                os.write(pid_w, str(child).encode())
            finally:
                os._exit(0)
        os.close(pid_w)
        os.waitpid(helper, 0)
        text = os.read(pid_r, 100).decode()
        os.close(pid_r)
        return int(text) if text.isdigit() else 0


FORKS = ForkServer()
_SYS_CLONE = _seccomp.number("clone")


def _clone_sibling(namespaces: int) -> int:
    """os.fork(), but the child is the zygote's (this process's parent's), not this process's,
    and starts in new ``namespaces`` (CLONE_NEW* flags): the helper process that unshared them
    and forked, for the zygote (a child subreaper) to inherit the child, is not needed. -1 when
    the kernel refuses.

    As os.fork does, the interpreter is told before and after (its locks, at-fork hooks). The
    child skips the C library's own fork steps: its at-fork handlers (this process has one
    thread and holds none of the library's locks), and the thread id the library keeps, which
    stays this process's. Nothing here relies on that id (no raise, abort or pthread_kill:
    signals go by os.kill), and what the child forks through os.fork (a worker, which runs the
    student's code; a fork server) gets its own."""
    if _SYS_CLONE is None:
        return -1
    sys.stdout.flush()
    sys.stderr.flush()
    api = ctypes.pythonapi
    api.PyOS_BeforeFork()
    pid = _libc_held.syscall(
        ctypes.c_long(_SYS_CLONE),
        ctypes.c_ulong(CLONE_PARENT | signal.SIGCHLD | namespaces),
        ctypes.c_void_p(0),  # no new stack: the child goes on from here, as after fork()
        ctypes.c_void_p(0),
        ctypes.c_void_p(0),
        ctypes.c_void_p(0),
    )
    if pid == 0:
        api.PyOS_AfterFork_Child()
    else:
        api.PyOS_AfterFork_Parent()
    return pid


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


class _Inputs:
    """The calls' inputs, streamed from the request folder into the worker's input pipe by
    the kernel (sendfile): they never pass through this process's memory, so no later child
    forked from it can find them."""

    def __init__(self, folder: str) -> None:
        self.files = [os.path.join(folder, "calls.json"), os.path.join(folder, "inputs.bin")]
        sizes = [os.path.getsize(f) for f in self.files]
        self.header = b"".join(n.to_bytes(8, "big") for n in sizes)
        self.fd = -1
        self.index = -1  # -1: the header, then each file in turn
        self.offset = 0

    def pump(self, out: int) -> bool:
        """Write what the pipe takes now; True when everything is written (or the worker
        closed its end: it then has no inputs, and its calls fail on their own)."""
        try:
            while True:
                if self.index == -1:
                    n = os.write(out, self.header[self.offset :])
                    self.offset += n
                    if self.offset < len(self.header):
                        return False
                    self._next()
                    continue
                if self.index >= len(self.files):
                    return True
                n = os.sendfile(out, self.fd, self.offset, 1 << 20)
                if n == 0:
                    self._next()
                    continue
                self.offset += n
        except BlockingIOError:
            return False
        except OSError:  # EPIPE: the submission closed the worker's input pipe
            return True

    def _next(self) -> None:
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1
        self.index += 1
        self.offset = 0
        if self.index < len(self.files):
            self.fd = os.open(self.files[self.index], os.O_RDONLY | os.O_CLOEXEC)

    def close(self) -> None:
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1


def _save_group(req: dict, att: Attempt, payload: bytes, results: dict) -> None:
    path = os.path.join(req["dir"], f"g{att.current}.bin")
    with open(path, "wb") as f:
        f.write(payload)
    results[att.current] = {"status": "done", "file": path}
    att.phase, att.current = "between", None


def run_request(req: dict) -> dict:
    """Run every group of a request, in as many fresh children as needed."""
    if req["submission"].endswith(".ipynb") and SETUP.notebooks:
        _warm_fork_server()  # for the plot cells that will need matplotlib after all
    limits = req["limits"]
    n_groups = len(req["groups"])
    results: dict[int, dict] = {}
    load_messages: list[str] | None = None
    stdout = bytearray()
    budget = MAX_RESULT_BYTES
    namespaces: list[str] = []
    internal = ""  # an infrastructure failure: the grade must be made again, not kept
    while len(results) < n_groups:
        todo = [g for g in range(n_groups) if g not in results]
        att = _spawn(req, todo)
        if att is None:
            if not FORKS.alive():  # the parent replaces this zygote (a new fork server with it)
                raise RuntimeError("the sandbox's fork server is gone")
            internal = "the sandbox could not start a process"
            break
        try:  # which PID namespace the child got (tests check that nothing survives in it)
            namespaces.append(os.readlink(f"/proc/{att.pid}/ns/pid"))
        except OSError:
            pass
        blame: tuple[str, str] | None = None  # status, message for the group that failed
        killed = False
        att.deadline = time.monotonic() + SETUP_S
        watch = [att.msg_r, att.out_r]
        pidfd = os.pidfd_open(att.pid)
        watch.append(pidfd)
        inputs: _Inputs | None = None
        exited = False
        while not exited:
            wait = att.deadline - time.monotonic()
            if wait <= 0:
                killed = True
                break
            sending = [att.in_w] if inputs is not None else []
            ready, writable, _ = select.select(watch, sending, [], wait)
            if writable and inputs is not None and inputs.pump(att.in_w):
                inputs.close()
                inputs = None
                os.close(att.in_w)
                att.in_w = -1
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
                    if kind == "fatal" and att.phase == "setup":
                        internal = "the sandbox could not isolate the submission: " + _clip(
                            str(header.get("message"))
                        )
                        att.phase = "fatal"
                        break
                    if kind == "ready" and att.phase == "setup":
                        att.phase = "load"
                        att.deadline = time.monotonic() + limits["load_s"]
                    elif kind == "loaded" and att.phase == "load":
                        msgs = header.get("messages")
                        if load_messages is None and isinstance(msgs, list):
                            load_messages = [_clip(str(m)) for m in msgs[:MAX_MESSAGES]]
                        att.phase = "between"
                        att.deadline = time.monotonic() + BETWEEN_GROUPS_S
                        if att.in_w >= 0 and inputs is None:
                            inputs = _Inputs(req["dir"])
                            if inputs.pump(att.in_w):
                                inputs.close()
                                inputs = None
                                os.close(att.in_w)
                                att.in_w = -1
                    elif (
                        kind == "start"
                        and att.phase == "between"
                        and header.get("g") == next(g for g in todo if g not in results)
                    ):
                        att.phase, att.current = "group", header["g"]
                        att.deadline = time.monotonic() + _group_limit(req, att.current, "wall_s")
                    elif kind == "done" and att.phase == "group" and header.get("g") == att.current:
                        budget -= len(payload)
                        _save_group(req, att, payload, results)
                        att.deadline = time.monotonic() + BETWEEN_GROUPS_S
                        if len(results) == n_groups:
                            att.phase = "finished"
                    else:
                        att.violation = "an unexpected message on the sandbox's result channel"
                if att.violation or att.phase in ("finished", "fatal"):
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
                            _save_group(req, att, payload, results)
                            if len(results) == n_groups:
                                att.phase = "finished"
        # Everything below runs with the child either dead or about to be killed.
        if inputs is not None:
            inputs.close()
        try:
            os.kill(att.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        _, status = os.waitpid(att.pid, 0)
        if _readable(att.status_r):  # the worker's own status, reported by the child
            text = os.read(att.status_r, 32).decode()
            status = int(text) if text.isdigit() else status
        for fd in (att.status_r, pidfd, att.in_w):
            if fd >= 0:
                os.close(fd)
        _reap_orphans(att.pid)
        while len(stdout) < STDOUT_KEEP and _readable(att.out_r):
            chunk = os.read(att.out_r, 1 << 16)
            if not chunk:
                break
            stdout += chunk[: STDOUT_KEEP - len(stdout)]
        os.close(att.msg_r)
        os.close(att.out_r)
        _clean_scratch(att.scratch)
        if att.phase == "finished":
            break
        if att.phase in ("fatal", "setup"):
            # Our own setup failed or died before any student code ran: not the student's
            # doing, so no result is kept (the grade is made again on the next run).
            internal = internal or "the sandbox's process died while isolating the submission"
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
    if internal:
        results = {g: {"status": "not_run", "message": internal} for g in range(n_groups)}
    return {
        "groups": [results[g] for g in range(n_groups)],
        "load_messages": load_messages or [],
        "stdout": stdout.decode("utf-8", "replace"),
        "mode": SETUP.mode,
        "isolation": SETUP.info(),
        "pid_namespaces": namespaces if SETUP.mode in ("root", "userns") else [],
        "internal_error": internal,
    }


def _readable(fd: int) -> bool:
    return bool(select.select([fd], [], [], 0)[0])


def _clean_scratch(path: str) -> None:
    if path:
        shutil.rmtree(path, ignore_errors=True)  # fd-based: links inside are not followed


def _reap_orphans(child: int) -> None:
    """Kill and reap every process the attempt left behind.

    In the namespace modes the kernel has already killed the child's whole PID namespace; in
    container mode every process of the sandbox uid is killed; in the plain mode this catches
    double-forked daemons reparented to the zygote (their session is killed too), never the
    zygote's fork server, its one child of its own.
    """
    mode = SETUP.mode
    if mode in ("root", "userns"):
        _procs.reap_children()  # nothing but stray zombies can be left
        return
    if mode == "container":
        _procs.kill_uid(SETUP.uid)
        return
    try:
        os.killpg(child, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    me, server = str(os.getpid()), str(FORKS.pid)
    for _ in range(1000):
        found = False
        for entry in os.listdir("/proc"):
            if not entry.isdigit() or entry == server:
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


def _read_font_list() -> None:
    global _FONT_LIST
    folder = os.environ.get("MPLCONFIGDIR", "")
    try:
        found = [n for n in os.listdir(folder) if n.startswith("fontlist-") and n.endswith(".json")]
        if found:  # the newest: the one this matplotlib wrote (older ones may linger)
            name = max(found, key=lambda n: os.stat(os.path.join(folder, n)).st_mtime)
            with open(os.path.join(folder, name), "rb") as f:
                _FONT_LIST = (name, f.read(8 << 20))
    except OSError:
        pass


def _give_font_list(folder: str) -> None:
    """The zygote's font list in a child's matplotlib folder (before it runs any cell)."""
    if _FONT_LIST is None:
        return
    try:
        os.makedirs(folder, mode=0o700, exist_ok=True)
        with open(os.path.join(folder, _FONT_LIST[0]), "wb") as f:
            f.write(_FONT_LIST[1])
    except OSError:
        pass  # matplotlib builds its own


def _warm_fork_server() -> None:
    """Have the fork server import the notebook libraries, once (see below)."""
    global _asked_warm
    if not _asked_warm:
        _asked_warm = True
        FORKS.warm()


def _warm_notebook_libraries() -> None:
    """Import matplotlib (pyplot, Agg, the 3-D axes) once, so every later child has it (about
    0.4 s that every notebook would otherwise pay again), and compile the template notebook.
    Run in the fork server, on the first notebook or at start when notebooks are coming (a
    batch of .py submissions never needs it). Its font cache lives in the zygote's
    MPLCONFIGDIR (the grader's own, closed to the sandbox user). Notebooks are read as plain
    JSON (nbformat is imported only for an old notebook format). A first figure follows
    once the first child is on its way (:func:`_draw_first_figure`)."""
    global _warmed, _figure_due
    if _warmed:
        return
    _warmed = True
    _figure_due = _import_notebook_libraries()
    _compile_template_once()


def _compile_template_once() -> None:
    """The template notebook's cells compiled, in the fork server, once, as it starts (the
    grader names a template only when notebooks are coming): not tied to matplotlib, which
    most notebooks' plot cells never need."""
    global _template_compiled
    if not _template_compiled and SETUP is not None and SETUP.template:
        _template_compiled = True
        _compile_template(SETUP.template)


def _draw_first_figure() -> None:
    """Make and drop one figure with the kinds of artists notebooks draw: a process's first
    figure costs some 40 ms more than later ones (fonts, mathtext, converters), which every
    child forked after this one is spared. Done in the fork server once, right after it
    forked the first notebook's child (which pays it itself, rather than wait for this)."""
    global _figure_due
    if not _figure_due:
        return
    _figure_due = False
    try:
        import matplotlib.pyplot as plt

        fig = plt.figure()
        ax = fig.add_subplot(1, 2, 1)
        grid = np.linspace(0.0, 1.0, 4)
        ax.plot(grid, grid, label="$x^2$")
        ax.scatter(grid, grid)
        ax.axvspan(0.0, 0.5, alpha=0.2)
        ax.fill_between(grid, grid, 0.0)
        ax.contourf(grid, grid, np.add.outer(grid, grid))
        fig.colorbar(ax.imshow(np.eye(2)), ax=ax)
        ax.set(title="t", xlabel="$x_1$")
        ax.legend()
        fig.add_subplot(1, 2, 2, projection="3d").plot_surface(
            *np.meshgrid(grid, grid), np.add.outer(grid, grid)
        )
        plt.close("all")
    except Exception:  # noqa: BLE001 - optional: a child draws its first figure itself
        pass


def _import_notebook_libraries() -> bool:
    """matplotlib with the Agg backend, pyplot and the 3-D axes; False if they do not import."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        with _no_property_tables():
            import matplotlib.pyplot  # noqa: F401
            import mpl_toolkits.mplot3d  # noqa: F401
    except Exception:  # noqa: BLE001 - optional: a child imports it itself if it can
        return False
    return True


class _no_property_tables:
    """While pyplot imports, ``matplotlib.artist.kwdoc`` returns an empty table.

    As its modules import, matplotlib writes into docstrings (``Artist.set`` of every artist
    class, ``%(Line2D:kwdoc)s`` and the like) a table of each class's settable properties,
    found by parsing every setter's docstring: about 0.1 s of pyplot's 0.3 s, for help pages
    nobody in the sandbox reads. Nothing else uses those tables: ``set()``'s signature, what
    artists accept and every error message are matplotlib's own. kwdoc is the real function
    again once pyplot is in, for any submission that calls it."""

    def __enter__(self) -> None:
        from matplotlib import artist

        self.module, self.real = artist, getattr(artist, "kwdoc", None)
        if self.real is not None:
            artist.kwdoc = lambda _artist: ""

    def __exit__(self, *exc: object) -> None:
        if self.real is not None:
            self.module.kwdoc = self.real


def _compile_template(path: str) -> None:
    """Compile the code cells of the template notebook (a public notebook the grader names,
    read before any child exists) as a child would: a child finds a cell of the same number
    and source here and skips compiling it. A cell that does not compile is left out."""
    try:
        with open(path, "rb") as f:
            nb = json.loads(f.read(16 << 20))
        found = _nbruntime.cells(nb)
    except Exception:  # noqa: BLE001 - optional: children compile everything themselves
        return
    for number, src in found:
        try:
            TEMPLATE_CODE[(number, src)] = _compile_cell(number, src)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            continue


def _compile_cell(number: int, src: str) -> tuple[ast.Module, types.CodeType]:
    """A cell's syntax tree and code, as Jupyter would compile it (magics dropped)."""
    filename = f"<cell {number}>"
    tree = compile(_strip_magics(src), filename, "exec", ast.PyCF_ONLY_AST, True)
    return tree, compile(tree, filename, "exec", dont_inherit=True)


def zygote_main() -> None:
    global SETUP
    reply = os.fdopen(os.dup(1), "w")
    devnull = os.open(os.devnull, os.O_RDWR)
    os.dup2(devnull, 1)  # a stray print in the zygote can never reach the parent's channel
    os.close(devnull)
    try:  # what is installed does not depend on the configuration, which may come later;
        # kept between starts in HOME, the grader's private folder (_sandbox._child_env)
        found = _fsview.installed(cache=os.environ.get("HOME"))
    except Exception:  # noqa: BLE001 - looked for again, and reported, by Setup
        found = None
    if "--notebooks" in sys.argv[1:]:  # notebooks are coming: their libraries now, while the
        _import_notebook_libraries()  # grader starts (after the view: it is the same view)
    reply = _fork_copies(reply)
    _libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
    first = sys.stdin.readline()
    if not first:
        return  # started ahead (prestart) and never configured: nothing was set up
    config = json.loads(first)
    try:
        SETUP = Setup(config, found)
        hello = {"ready": not SETUP.error, "error": SETUP.error, "root_dir": SETUP.root_dir}
        hello["uid"] = SETUP.uid if SETUP.separate_uid else 0
        hello.update(mode=SETUP.mode, isolation=SETUP.info(), pid=os.getpid())
    except Exception as exc:  # a bug here must not hang the parent
        hello = {"ready": False, "error": f"{type(exc).__name__}: {exc}"}
    if hello["ready"]:
        global _asked_warm
        _asked_warm = bool(config.get("notebooks"))
        FORKS.start(keep_closed=[reply.fileno()], warm=_asked_warm)
    reply.write(json.dumps(hello) + "\n")
    reply.flush()
    if not hello["ready"]:
        return
    for line in sys.stdin:
        req = json.loads(line)
        try:
            answer = run_request(req)
        except Exception as exc:  # a bug here must not hang the parent
            answer = {"error": f"{type(exc).__name__}: {exc}", "trace": traceback.format_exc()}
        reply.write(json.dumps(answer) + "\n")
        reply.flush()


def _fork_copies(reply):
    """The other zygotes of this one's group (``--copies=R,W,...``: the request and answer
    pipe ends of each), forked now that the libraries are imported (_launch.start_group): each
    a child of the grader (CLONE_PARENT), in a session of its own, with its own channel, which
    it starts by writing its process id (16 bytes). Returns this process's channel."""
    arg = next((a for a in sys.argv[1:] if a.startswith("--copies=")), "")
    fds = [int(f) for f in arg.split("=", 1)[1].split(",")] if arg else []
    pairs = list(zip(fds[::2], fds[1::2], strict=True))
    mine = None
    for req_r, ans_w in pairs:
        if _clone_sibling(0) == 0:
            mine = (req_r, ans_w)
            break
    for fd in fds:
        if mine is None or fd not in mine:
            os.close(fd)
    if mine is None:
        return reply
    os.setsid()
    reply.close()  # the first zygote's channel
    os.dup2(mine[0], 0)
    os.close(mine[0])
    answer = os.fdopen(mine[1], "w")
    answer.write(f"{os.getpid():<15d}\n")
    answer.flush()
    return answer


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


FD_MSG, FD_STATUS, FD_INPUTS, FD_SUBMISSION, FD_RULESET = 3, 4, 5, 6, 7


def _move_fds(fds: dict[int, int]) -> None:
    """fd 0 = /dev/null, 1 and 2 = the output pipe, then ``fds`` (target: current); no others."""
    moved = {target: fcntl.fcntl(fd, fcntl.F_DUPFD, 20) for target, fd in fds.items() if fd >= 0}
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    for target, fd in moved.items():
        os.dup2(fd, target, inheritable=False)
    for target, fd in fds.items():
        if fd < 0:  # not given: make sure nothing inherited sits at that number
            try:
                os.close(target)
            except OSError:
                pass
    os.closerange(max(fds) + 1, resource.getrlimit(resource.RLIMIT_NOFILE)[0])


def _init_process(worker: int) -> None:
    """Reap everything until the worker ends, report its status, exit.

    In the namespace modes this is PID 1 of the namespace; the worker is not PID 1 itself
    because the kernel does not deliver default-action signals (SIGXCPU of the CPU limit, for
    one) to a namespace's init. When this process exits, the kernel kills whatever is left in
    the namespace.
    """
    while True:
        try:
            pid, status = os.waitpid(-1, 0)
        except ChildProcessError:
            os._exit(0)
        if pid == worker:
            os.write(FD_STATUS, str(status).encode())
            os._exit(0)


def _read_exactly(fd: int, n: int) -> bytes:
    parts, got = [], 0
    while got < n:
        chunk = os.read(fd, min(n - got, 1 << 20))
        if not chunk:
            raise EOFError("the inputs ended early")
        parts.append(chunk)
        got += len(chunk)
    return b"".join(parts)


def _view_rules(ruleset: int, root: str) -> None:
    """Rules for what a mount view made anew for this child: its /tmp (writable) and the
    folders holding allowed entries (names listable), as seen at ``root`` + path. (The zygote's
    grants hold the original inodes; the view's own folders are new ones.)"""
    if ruleset < 0:
        return
    _scratch_rule(ruleset, root + "/tmp")
    for folder in SETUP.view.listable:
        if root or _fsview._inside(folder, "/tmp"):
            try:
                fd = os.open(root + folder, os.O_PATH | os.O_DIRECTORY | os.O_CLOEXEC)
            except OSError:
                continue
            try:
                _landlock.add_rule(ruleset, fd, _landlock.FS_READ_DIR)
            finally:
                os.close(fd)


def _scratch_rule(ruleset: int, path: str) -> None:
    if ruleset < 0:
        return
    fd = os.open(path, os.O_PATH | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        _landlock.add_rule(ruleset, fd, _landlock.write_rights(SETUP.landlock, True))
    finally:
        os.close(fd)


def child_main(msg_w, out_w, status_w, in_r, sub_fd, scratch, req: dict, groups: list[int]):
    setup = SETUP
    chan = None
    try:
        ruleset = -1
        if setup.landlock:  # from the grants the zygote opened once (then closed here)
            ruleset, _ = _landlock.ruleset(setup.landlock, setup.grants)
        _move_fds(
            {
                1: out_w,
                FD_MSG: msg_w,
                FD_STATUS: status_w,
                FD_INPUTS: in_r,
                FD_SUBMISSION: sub_fd,
                FD_RULESET: ruleset,
            }
        )
        os.dup2(1, 2)
        ruleset = FD_RULESET if ruleset >= 0 else -1
        chan = _Channel(FD_MSG)
        sys.stdout = open(1, "w", buffering=1, closefd=False, errors="replace")
        sys.stderr = open(2, "w", buffering=1, closefd=False, errors="replace")
        sys.stdin = open(0, closefd=False)
        limits = req["limits"]
        # Everything the child needs from outside is read now, before anything is hidden.
        with os.fdopen(FD_SUBMISSION, "rb") as f:
            source = f.read(16 << 20)
        with open("/proc/self/statm") as f:
            mapped = int(f.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
        if setup.mode == "root":
            _fsview.enter_root(
                setup.view, setup.root_dir, WORK_TMPFS, lambda root: _view_rules(ruleset, root)
            )
            work = "/tmp"
        elif setup.mode == "userns":
            _fsview.private_tmp(setup.view, WORK_TMPFS)
            work = "/tmp"
            _view_rules(ruleset, "")
        else:
            os.setsid()
            work = scratch
            _scratch_rule(ruleset, work)
        os.chdir(work)
        os.environ["HOME"] = work
        os.environ["MPLCONFIGDIR"] = os.path.join(work, ".matplotlib")
        os.environ["TMPDIR"] = work
        # A marker every process of this run inherits (tests look for survivors by it).
        os.environ["RELULAB_SANDBOX_RUN"] = req["dir"]
        worker = os.fork()
        if worker != 0:
            _init_process(worker)  # never returns
        os.close(FD_STATUS)
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # an oversized write fails, it does not kill
        for sig in (signal.SIGXCPU, signal.SIGTERM, signal.SIGHUP, signal.SIGALRM):
            signal.signal(sig, signal.SIG_DFL)  # ignored dispositions survive exec: undo them
        if _libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "PR_SET_NO_NEW_PRIVS failed")
        if ruleset >= 0:
            _landlock.enforce(ruleset)
        _set_limits(req, groups, mapped)
        _drop_bounding_set()  # needs CAP_SETPCAP: before the switch of user
        if setup.separate_uid and setup.mode in ("root", "container"):
            _become(setup.uid, setup.gid)
        _clear_capabilities()
        if req["submission"].endswith(".ipynb") and not _warmed:  # as the user it runs as
            _give_font_list(os.environ["MPLCONFIGDIR"])
        if "seccomp" in setup.layers:
            _seccomp.install()
        for name in list(sys.modules):
            if name.split(".")[0] in BLOCKED_PACKAGES:
                del sys.modules[name]
        sys.meta_path.insert(0, _BlockGrader())
        chan.send({"m": "ready"})
    except BaseException as exc:
        if chan is not None:
            try:
                chan.send({"m": "fatal", "message": f"{type(exc).__name__}: {exc}"})
            except BaseException:
                pass
        os._exit(70)
    try:
        _run_child(chan, source, req, groups, limits)
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

    As the sandbox user they are empty already; in user-namespace mode the worker is uid 0 of
    its own namespace and could otherwise unmount or remount what its view is made of.
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


def _set_limits(req: dict, groups: list[int], mapped: int) -> None:
    """rlimits; ``mapped``: the bytes already mapped (read from /proc before it was hidden)."""
    limits = req["limits"]
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


class _Loader:
    def __init__(self, name: str) -> None:
        self.module = types.ModuleType("submission")
        self.module.__file__ = name
        self.ns = self.module.__dict__
        self.ns["get_ipython"] = _nbruntime.NoShell
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


def _load_ipynb(loader: _Loader, source: bytes, graded: frozenset = frozenset()) -> None:
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
        nb = json.loads(text)
    except (ValueError, RecursionError) as exc:
        loader.fatal = f"the notebook is not valid JSON: {_clip(str(exc), 200)}"
        loader.note(loader.fatal)
        return
    try:
        if not isinstance(nb, dict):
            raise ValueError("it is not a JSON object")
        cells = _nbruntime.cells(nb)
    except Exception as exc:  # noqa: BLE001 - nbformat raises many kinds
        loader.fatal = f"the notebook could not be read: {_exc_text(exc)}"
        loader.note(loader.fatal)
        return
    sys.meta_path.insert(0, _nbruntime.StandIns())  # the real ones are outside the allow-list
    sys.meta_path.insert(0, _figureless.Finder())
    for number, src in cells:
        label = f"cell {number}"
        loader.where[f"<{label}>"] = label
        try:
            tree, code = TEMPLATE_CODE.get((number, src)) or _compile_cell(number, src)
        except SyntaxError as exc:
            loader.note(f"{label} has a SyntaxError on line {exc.lineno}: {exc.msg}")
            continue
        except (ValueError, RecursionError) as exc:
            loader.note(f"{label} could not be compiled: {_clip(str(exc), 200)}")
            continue
        if _nbruntime.defines(tree, graded):  # an answer cell runs exactly as written
            loader.run_unit(code, label)
            _nbruntime.close_figures()
        else:  # a plot cell: matplotlib's stand-ins, the real one only once needed
            with _figureless.plot_cell():
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


SECTIONS_MAGIC = b"RLS1"


def _sections(parts: list[bytes]) -> bytes:
    """As _codec.pack_sections (the zygote does not import the grader's package)."""
    head = SECTIONS_MAGIC + len(parts).to_bytes(4, "big")
    return head + b"".join(len(p).to_bytes(8, "big") for p in parts) + b"".join(parts)


def _split_sections(data: bytes, count: int) -> list[memoryview]:
    """The sections of a file the trusted parent wrote with _codec.pack_sections."""
    head = 8 + 8 * count
    if data[:4] != SECTIONS_MAGIC or int.from_bytes(data[4:8], "big") != count:
        raise ValueError("the inputs are not in the sandbox's format")
    view, out, pos = memoryview(data), [], head
    for i in range(count):
        n = int.from_bytes(data[8 + 8 * i : 16 + 8 * i], "big")
        out.append(view[pos : pos + n])
        pos += n
    return out


def _pack(arrays: dict) -> list[bytes]:
    """A JSON table and one blob of the arrays' bytes (as _codec.pack_arrays). The parent
    validates every entry."""
    table, parts, offset = {}, [], 0
    for ref, a in arrays.items():
        data = np.ascontiguousarray(a).tobytes()
        table[ref] = [a.dtype.str, list(a.shape), offset, len(data)]
        parts.append(data)
        offset += len(data)
    return [json.dumps(table).encode(), b"".join(parts)]


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


def _receive_inputs() -> tuple[dict, dict]:
    """The calls (JSON) and their arrays, which the zygote sends only after loading."""
    head = _read_exactly(FD_INPUTS, 16)
    n_spec, n_arrays = int.from_bytes(head[:8], "big"), int.from_bytes(head[8:], "big")
    spec = json.loads(_read_exactly(FD_INPUTS, n_spec))
    table, blob = _split_sections(_read_exactly(FD_INPUTS, n_arrays), 2)
    arrays = _unpack(blob, json.loads(table.tobytes()))
    os.close(FD_INPUTS)
    return spec, arrays


def _run_child(chan, source, req, groups, limits) -> None:
    loader = _Loader(os.path.basename(req["submission"]))
    if req["submission"].endswith(".ipynb"):
        _load_ipynb(loader, source, frozenset(req.get("functions", ())))
    else:
        _load_py(loader, source)
    _flush_std()
    chan.send({"m": "loaded", "messages": loader.messages})
    # Only now do the hidden inputs enter this process: nothing the top-level code did (its
    # messages included) can depend on them.
    try:
        spec, arrays = _receive_inputs()
    except BaseException as exc:  # noqa: BLE001 - the submission may have broken fd 5
        chan.send({"m": "inputs_failed", "message": _exc_text(exc)})
        return
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
        chan.send({"m": "done", "g": g}, _sections([manifest, *_pack(enc.arrays)]))


def _flush_std() -> None:
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except BaseException:  # noqa: BLE001 - the student may have replaced or broken them
            pass


if __name__ == "__main__":
    zygote_main()
