"""Landlock: the kernel's unprivileged file-system allow-list (Linux 5.13+), through ctypes.

Knows nothing of grading. A process builds a ruleset (:func:`grants`, :func:`ruleset`) and
restricts itself with :func:`enforce`; from then on it (and every process it starts) may open
only what the rules grant: read-only trees, writable trees and single files. TCP bind/connect (ABI 4+) and signals or abstract UNIX sockets reaching outside the
domain (ABI 6+) are refused too. Used by the sandbox's child after ``PR_SET_NO_NEW_PRIVS``.
"""

from __future__ import annotations

import ctypes
import os
import platform
import stat

_libc = ctypes.CDLL(None, use_errno=True)

# Same numbers on x86-64 and the asm-generic architectures (aarch64, riscv64).
SYS_CREATE_RULESET, SYS_ADD_RULE, SYS_RESTRICT_SELF = 444, 445, 446
CREATE_RULESET_VERSION = 1 << 0
RULE_PATH_BENEATH = 1

FS_EXECUTE = 1 << 0
FS_WRITE_FILE = 1 << 1
FS_READ_FILE = 1 << 2
FS_READ_DIR = 1 << 3
FS_REMOVE_DIR = 1 << 4
FS_REMOVE_FILE = 1 << 5
FS_MAKE_CHAR = 1 << 6
FS_MAKE_DIR = 1 << 7
FS_MAKE_REG = 1 << 8
FS_MAKE_SOCK = 1 << 9
FS_MAKE_FIFO = 1 << 10
FS_MAKE_BLOCK = 1 << 11
FS_MAKE_SYM = 1 << 12
FS_REFER = 1 << 13  # ABI 2
FS_TRUNCATE = 1 << 14  # ABI 3
FS_IOCTL_DEV = 1 << 15  # ABI 5
NET_BIND_TCP = 1 << 0  # ABI 4
NET_CONNECT_TCP = 1 << 1
SCOPE_ABSTRACT_UNIX_SOCKET = 1 << 0  # ABI 6
SCOPE_SIGNAL = 1 << 1

_FILE_RIGHTS = FS_EXECUTE | FS_WRITE_FILE | FS_READ_FILE | FS_TRUNCATE | FS_IOCTL_DEV


class _RulesetAttr(ctypes.Structure):
    _fields_ = [
        ("handled_access_fs", ctypes.c_uint64),
        ("handled_access_net", ctypes.c_uint64),
        ("scoped", ctypes.c_uint64),
    ]


class _PathBeneathAttr(ctypes.Structure):
    _pack_ = 1
    _fields_ = [("allowed_access", ctypes.c_uint64), ("parent_fd", ctypes.c_int32)]


class Unavailable(Exception):
    """Landlock cannot be used here; the message says why."""


def abi() -> int:
    """The kernel's Landlock ABI version (0 when Landlock is missing or disabled)."""
    if platform.system() != "Linux":
        return 0
    version = _libc.syscall(
        ctypes.c_long(SYS_CREATE_RULESET), None, ctypes.c_size_t(0), CREATE_RULESET_VERSION
    )
    return max(0, int(version))


def why_unavailable() -> str:
    """A sentence saying why :func:`abi` is 0 (kernel too old, disabled, or refused)."""
    version = _libc.syscall(
        ctypes.c_long(SYS_CREATE_RULESET), None, ctypes.c_size_t(0), CREATE_RULESET_VERSION
    )
    if version > 0:
        return ""
    err = ctypes.get_errno()
    kernel = platform.release()
    if err == 38:  # ENOSYS
        return f"the kernel ({kernel}) has no Landlock (Linux 5.13 or newer has it)"
    if err == 95:  # EOPNOTSUPP
        return f"Landlock is disabled in this kernel ({kernel}; boot with lsm=...,landlock)"
    if err == 1:  # EPERM
        return "a seccomp filter of the container refuses the Landlock system calls"
    return f"Landlock is refused here ({os.strerror(err)})"


def _handled_fs(version: int) -> int:
    rights = (1 << 13) - 1
    if version >= 2:
        rights |= FS_REFER
    if version >= 3:
        rights |= FS_TRUNCATE
    if version >= 5:
        rights |= FS_IOCTL_DEV
    return rights


def read_rights(is_dir: bool) -> int:
    return FS_READ_FILE | FS_READ_DIR if is_dir else FS_READ_FILE


def write_rights(version: int, is_dir: bool) -> int:
    """Everything but executing, device nodes and device ioctls."""
    rights = _handled_fs(version) & ~(FS_EXECUTE | FS_MAKE_CHAR | FS_MAKE_BLOCK | FS_IOCTL_DEV)
    return rights if is_dir else rights & _FILE_RIGHTS


def grants(
    read_only: list[str], writable: list[str], list_only: list[str], version: int
) -> list[tuple[int, int]]:
    """Open every path of the rules once (O_PATH) and pair it with its rights: (fd, rights).

    read_only: files or trees that may be read; writable: trees (or files, e.g. /dev/null) that
    may be read and written; list_only: folders whose names may be listed (not their files).
    Paths that do not exist are skipped. The fds stay open for :func:`ruleset` (a rule holds the
    inode, so they also serve a process that later sees the same files through bind mounts).
    """
    out = []
    for paths, writable_rights in ((list_only, None), (read_only, False), (writable, True)):
        for path in paths:
            try:
                fd = os.open(path, os.O_PATH | os.O_CLOEXEC)
            except OSError:
                continue
            is_dir = stat.S_ISDIR(os.fstat(fd).st_mode)  # fstat works on O_PATH
            if writable_rights is None:
                rights = FS_READ_DIR if is_dir else 0
            elif writable_rights:
                rights = write_rights(version, is_dir)
            else:
                rights = read_rights(is_dir)
            if rights:
                out.append((fd, rights))
            else:
                os.close(fd)
    return out


def ruleset(version: int, rules: list[tuple[int, int]]) -> tuple[int, list[str]]:
    """A new ruleset fd holding ``rules`` ((fd, rights) pairs); and what it will enforce.

    Nothing may be executed; TCP bind/connect (ABI 4+) and signals or abstract UNIX sockets
    reaching outside the domain (ABI 6+) are refused. Raises Unavailable.
    """
    if version < 1:
        raise Unavailable(why_unavailable() or "Landlock is not available")
    attr = _RulesetAttr(_handled_fs(version), 0, 0)
    size = 8
    done = [f"abi {version}"]
    if version >= 4:
        attr.handled_access_net = NET_BIND_TCP | NET_CONNECT_TCP
        size = 16
        done.append("no tcp")
    if version >= 6:
        attr.scoped = SCOPE_ABSTRACT_UNIX_SOCKET | SCOPE_SIGNAL
        size = 24
        done.append("signals scoped")
    fd = _libc.syscall(
        ctypes.c_long(SYS_CREATE_RULESET), ctypes.byref(attr), ctypes.c_size_t(size), 0
    )
    if fd < 0:
        raise Unavailable(f"landlock_create_ruleset: {os.strerror(ctypes.get_errno())}")
    try:
        for path_fd, rights in rules:
            add_rule(fd, path_fd, rights)
    except BaseException:
        os.close(fd)
        raise
    return fd, done


def add_rule(ruleset_fd: int, path_fd: int, rights: int) -> None:
    rule = _PathBeneathAttr(rights, path_fd)
    rc = _libc.syscall(
        ctypes.c_long(SYS_ADD_RULE),
        ctypes.c_int(ruleset_fd),
        RULE_PATH_BENEATH,
        ctypes.byref(rule),
        0,
    )
    if rc != 0:
        raise Unavailable(f"landlock_add_rule: {os.strerror(ctypes.get_errno())}")


def enforce(ruleset_fd: int) -> None:
    """Restrict this process (and its future children) to the ruleset; closes it.

    Needs ``PR_SET_NO_NEW_PRIVS`` (or CAP_SYS_ADMIN) beforehand.
    """
    try:
        if _libc.syscall(ctypes.c_long(SYS_RESTRICT_SELF), ctypes.c_int(ruleset_fd), 0) != 0:
            raise Unavailable(f"landlock_restrict_self: {os.strerror(ctypes.get_errno())}")
    finally:
        os.close(ruleset_fd)


__all__ = ["Unavailable", "abi", "add_rule", "enforce", "grants", "ruleset", "why_unavailable"]
