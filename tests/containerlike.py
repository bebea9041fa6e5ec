"""Run a command the way a container runtime would: Docker's default capabilities, optionally
its seccomp profile. For the sandbox's container-mode tests on a machine without Docker.

    python tests/containerlike.py docker|capsonly|oldkernel|user -- CMD ARG...

docker:   Docker's 14 default capabilities and a seccomp filter (built with the system's
          libseccomp, independently of relulab's own filter) answering EPERM to unshare, setns,
          mount & co and to clone with namespace flags, ENOSYS to clone3; no_new_privs not set.
capsonly: the same capabilities without the filter (a runtime that allows user namespaces).
oldkernel: docker, on a kernel without Landlock (its system calls answer ENOSYS).
user:     no container: an ordinary user (uid 4242, home /tmp/relulab-home-4242) runs CMD.

Like a container, it runs in new mount and PID namespaces (the command is PID 1, with its own
/proc). Like an image, where Python is installed for everyone, folders on the way to the interpreter
that other users cannot enter (pyenv under /root) are covered by a tmpfs in a private mount
namespace, with only the interpreter's and this checkout's folders bound back.
Must run as root.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import sys

libc = ctypes.CDLL(None, use_errno=True)
DOCKER_CAPS = (0, 1, 3, 4, 27, 13, 6, 7, 31, 8, 10, 18, 5, 29)
# CHOWN DAC_OVERRIDE FOWNER FSETID MKNOD NET_RAW SETGID SETUID SETFCAP SETPCAP NET_BIND_SERVICE
# SYS_CHROOT KILL AUDIT_WRITE
EPERM_CALLS = (
    "unshare setns mount umount umount2 pivot_root mount_setattr move_mount open_tree fsopen "
    "fsconfig fsmount fspick keyctl add_key request_key bpf perf_event_open userfaultfd kcmp "
    "pidfd_getfd open_by_handle_at name_to_handle_at lookup_dcookie quotactl swapon swapoff "
    "reboot syslog acct kexec_load kexec_file_load init_module finit_module delete_module iopl "
    "ioperm sethostname setdomainname vhangup settimeofday clock_settime clock_adjtime adjtimex "
    "fanotify_init ptrace process_vm_readv process_vm_writev"
).split()
USER = 4242
CLONE_NEW = (0x00020000, 0x02000000, 0x04000000, 0x08000000, 0x10000000, 0x20000000, 0x40000000)


def check(rc: int, what: str) -> None:
    if rc != 0:
        err = ctypes.get_errno()
        sys.exit(f"containerlike: {what}: {os.strerror(err) if err else rc}")


def mount(src, target, fstype, flags, data=None) -> None:
    check(
        libc.mount(
            src.encode() if src else None,
            target.encode(),
            fstype.encode() if fstype else None,
            ctypes.c_ulong(flags),
            data.encode() if data else None,
        ),
        f"mount {target}",
    )


def enter_container() -> None:
    """New mount and PID namespaces, as a container has: this process forks, the child is PID 1
    of the new namespace with a /proc of its own; the parent waits and passes on its exit status."""
    check(libc.unshare(0x00020000 | 0x20000000), "unshare(CLONE_NEWNS | CLONE_NEWPID)")
    pid = os.fork()
    if pid:
        _, status = os.waitpid(pid, 0)
        os._exit(os.waitstatus_to_exitcode(status) & 0xFF)
    mount(None, "/", None, (1 << 14) | (1 << 18))  # MS_REC | MS_PRIVATE
    mount("proc", "/proc", "proc", 2 | 4 | 8)  # nosuid, nodev, noexec


def expose(needed: list[str]) -> None:
    """tmpfs over every closed ancestor of ``needed``, the needed folders bound back."""
    plan: dict[str, list[str]] = {}
    for path in needed:
        current = ""
        for part in os.path.dirname(path).strip("/").split("/"):
            current += "/" + part
            if not os.stat(current).st_mode & 0o001:
                plan.setdefault(current, []).append(path)
                break
    for top, subs in plan.items():
        fds = [(s, os.open(s, os.O_PATH | os.O_DIRECTORY)) for s in subs]
        mount("tmpfs", top, "tmpfs", 2 | 4, "size=1m,mode=755")
        for sub, fd in fds:
            os.makedirs(sub, mode=0o755, exist_ok=True)
            mount(f"/proc/self/fd/{fd}", sub, None, 4096 | (1 << 14))  # MS_BIND | MS_REC
            os.close(fd)


def docker_seccomp(no_landlock: bool = False) -> None:
    seccomp = ctypes.CDLL(ctypes.util.find_library("seccomp") or "libseccomp.so.2", use_errno=True)
    seccomp.seccomp_init.restype = ctypes.c_void_p
    ctx = ctypes.c_void_p(seccomp.seccomp_init(ctypes.c_uint32(0x7FFF0000)))  # SCMP_ACT_ALLOW
    check(0 if ctx.value else 1, "seccomp_init")
    check(seccomp.seccomp_attr_set(ctx, 3, ctypes.c_uint32(0)), "no_new_privs off")  # CTL_NNP

    def nr(name: str) -> int:
        return seccomp.seccomp_syscall_resolve_name(name.encode())

    errno_eperm, errno_enosys = 0x00050000 | 1, 0x00050000 | 38
    for name in EPERM_CALLS:
        if nr(name) >= 0:
            check(seccomp.seccomp_rule_add_array(ctx, errno_eperm, nr(name), 0, None), name)
    check(seccomp.seccomp_rule_add_array(ctx, errno_enosys, nr("clone3"), 0, None), "clone3")
    if no_landlock:
        for name in ("landlock_create_ruleset", "landlock_add_rule", "landlock_restrict_self"):
            check(seccomp.seccomp_rule_add_array(ctx, errno_enosys, nr(name), 0, None), name)

    class ArgCmp(ctypes.Structure):
        _fields_ = [
            ("arg", ctypes.c_uint),
            ("op", ctypes.c_int),
            ("datum_a", ctypes.c_uint64),
            ("datum_b", ctypes.c_uint64),
        ]

    for flag in CLONE_NEW:  # SCMP_CMP_MASKED_EQ: (arg0 & flag) == flag
        cmp = ArgCmp(0, 7, flag, flag)
        check(
            seccomp.seccomp_rule_add_array(ctx, errno_eperm, nr("clone"), 1, ctypes.byref(cmp)),
            "clone rule",
        )
    check(seccomp.seccomp_load(ctx), "seccomp_load")


def docker_capabilities() -> None:
    for cap in range(64):
        if cap not in DOCKER_CAPS and libc.prctl(24, cap, 0, 0, 0) != 0:  # PR_CAPBSET_DROP
            if ctypes.get_errno() == 22:
                break
    header = (ctypes.c_uint32 * 2)(0x20080522, 0)
    data = (ctypes.c_uint32 * 6)()
    for cap in DOCKER_CAPS:
        data[3 * (cap // 32) + 0] |= 1 << (cap % 32)  # effective
        data[3 * (cap // 32) + 1] |= 1 << (cap % 32)  # permitted
    check(libc.capset(header, data), "capset")
    libc.prctl(47, 4, 0, 0, 0)  # PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL


def main() -> None:
    mode, sep, *cmd = sys.argv[1:]
    if sep != "--" or mode not in ("docker", "capsonly", "oldkernel", "user") or not cmd:
        sys.exit(__doc__)
    checkout = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    enter_container()
    expose(sorted({os.path.realpath(p) for p in (sys.base_prefix, sys.prefix, checkout)}))
    if mode == "user":
        home = f"/tmp/relulab-home-{USER}"
        os.makedirs(home, mode=0o700, exist_ok=True)
        os.chown(home, USER, USER)
        os.environ.update(HOME=home, USER="student-grader")
        os.setgroups([])
        os.setgid(USER)
        os.setuid(USER)
        os.execvp(cmd[0], cmd)
    if mode in ("docker", "oldkernel"):
        # while CAP_SYS_ADMIN is still held (no_new_privs stays off, as in Docker)
        docker_seccomp(no_landlock=mode == "oldkernel")
    docker_capabilities()
    os.execvp(cmd[0], cmd)


if __name__ == "__main__":
    main()
