"""A seccomp filter a process installs on itself: no debugging, namespaces, mounts or kernel admin.

Knows nothing of grading. :func:`install` loads a classic-BPF program (built here, no libseccomp
needed) that answers EPERM to the system calls a sandboxed program never needs and that could
reach other processes or the kernel: ptrace, process_vm_readv/writev, mount and the new mount
API, unshare, setns, namespace-creating clone (clone3 gets ENOSYS, so libc falls back to clone,
whose flags a filter can read), keyctl, bpf, perf_event_open, io_uring, module loading, kexec,
reboot, swap, clock and host name changes, and running programs (execve: nothing a submission
needs); sockets other than AF_UNIX get EACCES. A call from
another ABI (32-bit syscalls on x86-64, x32) kills the process. Needs ``PR_SET_NO_NEW_PRIVS``.
"""

from __future__ import annotations

import ctypes
import errno
import os
import platform

_libc = ctypes.CDLL(None, use_errno=True)

PR_SET_SECCOMP = 22
SECCOMP_MODE_FILTER = 2
RET_KILL_PROCESS = 0x80000000
RET_ERRNO = 0x00050000
RET_ALLOW = 0x7FFF0000
AF_UNIX = 1
CLONE_NEW_FLAGS = 0x7E020000  # NEWNS|NEWCGROUP|NEWUTS|NEWIPC|NEWUSER|NEWPID|NEWNET
X32_SYSCALL_BIT = 0x40000000

_DENIED = (
    "ptrace process_vm_readv process_vm_writev mount umount2 unshare setns keyctl add_key "
    "request_key bpf perf_event_open init_module finit_module delete_module kexec_load "
    "kexec_file_load reboot pivot_root chroot swapon swapoff userfaultfd open_by_handle_at "
    "name_to_handle_at kcmp pidfd_getfd open_tree move_mount fsopen fsconfig fsmount fspick "
    "mount_setattr io_uring_setup io_uring_enter io_uring_register acct settimeofday "
    "clock_settime clock_adjtime adjtimex sethostname setdomainname quotactl syslog vhangup "
    "lookup_dcookie fanotify_init iopl ioperm execve execveat"
).split()

# (audit arch, syscall numbers) from the kernel's unistd headers.
_X86_64 = {
    "ptrace": 101, "process_vm_readv": 310, "process_vm_writev": 311, "mount": 165,
    "umount2": 166, "unshare": 272, "setns": 308, "keyctl": 250, "add_key": 248,
    "request_key": 249, "bpf": 321, "perf_event_open": 298, "init_module": 175,
    "finit_module": 313, "delete_module": 176, "kexec_load": 246, "kexec_file_load": 320,
    "reboot": 169, "pivot_root": 155, "chroot": 161, "swapon": 167, "swapoff": 168,
    "userfaultfd": 323, "open_by_handle_at": 304, "name_to_handle_at": 303, "kcmp": 312,
    "pidfd_getfd": 438, "open_tree": 428, "move_mount": 429, "fsopen": 430, "fsconfig": 431,
    "fsmount": 432, "fspick": 433, "mount_setattr": 442, "io_uring_setup": 425,
    "io_uring_enter": 426, "io_uring_register": 427, "acct": 163, "settimeofday": 164,
    "clock_settime": 227, "clock_adjtime": 305, "adjtimex": 159, "sethostname": 170,
    "setdomainname": 171, "quotactl": 179, "syslog": 103, "vhangup": 153,
    "lookup_dcookie": 212, "fanotify_init": 300, "iopl": 172, "ioperm": 173,
    "execve": 59, "execveat": 322, "clone": 56, "clone3": 435, "socket": 41,
}  # fmt: skip
_AARCH64 = {
    "ptrace": 117, "process_vm_readv": 270, "process_vm_writev": 271, "mount": 40,
    "umount2": 39, "unshare": 97, "setns": 268, "keyctl": 219, "add_key": 217,
    "request_key": 218, "bpf": 280, "perf_event_open": 241, "init_module": 105,
    "finit_module": 273, "delete_module": 106, "kexec_load": 104, "kexec_file_load": 294,
    "reboot": 142, "pivot_root": 41, "chroot": 51, "swapon": 224, "swapoff": 225,
    "userfaultfd": 282, "open_by_handle_at": 265, "name_to_handle_at": 264, "kcmp": 272,
    "pidfd_getfd": 438, "open_tree": 428, "move_mount": 429, "fsopen": 430, "fsconfig": 431,
    "fsmount": 432, "fspick": 433, "mount_setattr": 442, "io_uring_setup": 425,
    "io_uring_enter": 426, "io_uring_register": 427, "acct": 89, "settimeofday": 170,
    "clock_settime": 112, "clock_adjtime": 266, "adjtimex": 171, "sethostname": 161,
    "setdomainname": 162, "quotactl": 60, "syslog": 116, "vhangup": 58, "lookup_dcookie": 18,
    "fanotify_init": 262, "execve": 221, "execveat": 281, "clone": 220, "clone3": 435,
    "socket": 198,
}  # fmt: skip
_ARCHES = {"x86_64": (0xC000003E, _X86_64), "aarch64": (0xC00000B7, _AARCH64)}


class Unavailable(Exception):
    """The filter cannot be installed here; the message says why."""


class _Insn(ctypes.Structure):
    _fields_ = [
        ("code", ctypes.c_uint16),
        ("jt", ctypes.c_uint8),
        ("jf", ctypes.c_uint8),
        ("k", ctypes.c_uint32),
    ]


class _Prog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.POINTER(_Insn))]


_LD_W_ABS, _JEQ, _JGE, _JSET, _RET = 0x20, 0x15, 0x35, 0x45, 0x06
_OFF_NR, _OFF_ARCH, _OFF_ARG0 = 0, 4, 16  # struct seccomp_data (arg0's low 32 bits)


def number(name: str, machine: str | None = None) -> int | None:
    """The number of system call ``name`` on ``machine`` (default: this one), if in the table."""
    return _ARCHES.get(machine or platform.machine(), (0, {}))[1].get(name)


def program(machine: str | None = None) -> list[tuple[int, int, int, int]]:
    """The filter as (code, jt, jf, k) instructions for ``machine`` (default: this one)."""
    machine = machine or platform.machine()
    if machine not in _ARCHES:
        raise Unavailable(f"no system call table for {machine}")
    arch, nr = _ARCHES[machine]
    # Targets are symbolic while building: "allow", "deny", "enosys", "kill", "clone", "socket".
    code: list[tuple] = [(_LD_W_ABS, 0, 0, _OFF_ARCH), (_JEQ, None, "kill", arch)]
    code.append((_LD_W_ABS, 0, 0, _OFF_NR))
    if machine == "x86_64":
        code.append((_JGE, "kill", None, X32_SYSCALL_BIT))
    code += [(_JEQ, "deny", None, nr[name]) for name in _DENIED if name in nr]
    code += [
        (_JEQ, "enosys", None, nr["clone3"]),
        (_JEQ, "clone", None, nr["clone"]),
        (_JEQ, "socket", None, nr["socket"]),
        (_RET, 0, 0, RET_ALLOW),
        ("label", "clone"),
        (_LD_W_ABS, 0, 0, _OFF_ARG0),
        (_JSET, "deny", "allow", CLONE_NEW_FLAGS),
        ("label", "socket"),
        (_LD_W_ABS, 0, 0, _OFF_ARG0),
        (_JEQ, "allow", None, AF_UNIX),
        (_RET, 0, 0, RET_ERRNO | errno.EACCES),
        ("label", "allow"),  # classic BPF jumps forward only: the shared targets come last
        (_RET, 0, 0, RET_ALLOW),
        ("label", "deny"),
        (_RET, 0, 0, RET_ERRNO | errno.EPERM),
        ("label", "enosys"),
        (_RET, 0, 0, RET_ERRNO | errno.ENOSYS),
        ("label", "kill"),
        (_RET, 0, 0, RET_KILL_PROCESS),
    ]
    labels, insns = {}, []
    for item in code:
        if item[0] == "label":
            labels[item[1]] = len(insns)
        else:
            insns.append(item)
    out = []
    for i, (op, jt, jf, k) in enumerate(insns):

        def rel(target, i=i):
            if target is None:
                return 0  # fall through to the next instruction
            if isinstance(target, int):
                return target
            offset = labels[target] - i - 1
            assert 0 <= offset < 256, "a jump too far for classic BPF"
            return offset

        out.append((op, rel(jt), rel(jf), k))
    return out


def install() -> str:
    """Load the filter into this process (irreversible); returns a one-line description."""
    insns = program()
    array = (_Insn * len(insns))(*[_Insn(*i) for i in insns])
    prog = _Prog(len(insns), array)
    if _libc.prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, ctypes.byref(prog), 0, 0) != 0:
        raise Unavailable(f"seccomp: {os.strerror(ctypes.get_errno())}")
    return "seccomp"


__all__ = ["Unavailable", "install", "number", "program"]
