"""Run inside an emulated runtime (tests/containerlike.py): grade one probe submission with the
Sandbox and print, as JSON, what student code could and could not do there.

    python runtime_probe.py SECRET_FILE
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

from autograder.sandbox import Call, Limits, Sandbox

PROBE = r"""
import ctypes, os, signal, socket, sys, time
libc = ctypes.CDLL(None, use_errno=True)

def _try(fn):
    try:
        return ["ok", fn()]
    except BaseException as exc:
        return [type(exc).__name__, ""]

def facts(secret):
    out = {"uid": os.getuid(), "euid": os.geteuid()}
    out["read_secret"] = _try(lambda: open(secret).read())[0]
    out["read_shadow"] = _try(lambda: open("/etc/shadow").read())[0]
    out["write_stdlib"] = _try(lambda: open(os.path.join(os.path.dirname(os.__file__), "planted.py"), "w").write("x"))[0]
    out["write_numpy"] = _try(lambda: open(__import__("numpy").__file__, "a").write("#"))[0]
    out["write_cwd"] = _try(lambda: open("scratch.txt", "w").write("x"))[0]
    out["exec"] = _try(lambda: os.execv("/bin/sh", ["sh", "-c", "true"]))[0]
    out["inet"] = _try(lambda: socket.socket(socket.AF_INET, socket.SOCK_STREAM))[0]
    out["unshare"] = libc.unshare(0x00020000) == 0
    out["umount_tmp"] = libc.umount2(b"/tmp", 2) == 0
    out["ptrace_parent"] = libc.ptrace(16, os.getppid(), 0, 0) == 0  # PTRACE_ATTACH
    out["kill_parent"] = _try(lambda: os.kill(os.getppid(), 0))[0]
    out["kill_init"] = _try(lambda: os.kill(1, 0))[0]
    out["yaml"] = _try(lambda: __import__("yaml"))[0]  # installed, not in the allow-list
    kids, n = [], 0
    for _ in range(50):
        try:
            pid = os.fork()
        except OSError:
            break
        if pid == 0:
            time.sleep(5)
            os._exit(0)
        kids.append(pid)
    out["forks"] = len(kids)
    for pid in kids:
        os.kill(pid, signal.SIGKILL)
    return json.dumps(out)
import json
"""


def main() -> None:
    secret = sys.argv[1]
    sub = Path(tempfile.mkdtemp(prefix="relulab-probe-")) / "probe.py"
    sub.write_text(PROBE)
    with Sandbox(workers=1) as box:
        r = box.run(sub, [Call("f", "q", "facts", (secret,))], Limits(wall_s=20, cpu_s=20, nproc=4))
    outcome = r.outcomes["f"]
    print(
        json.dumps(
            {
                "isolation": r.isolation_info,
                "status": outcome.status,
                "message": outcome.message,
                "facts": json.loads(outcome.value) if outcome.status == "ok" else None,
            }
        )
    )


if __name__ == "__main__":
    main()
