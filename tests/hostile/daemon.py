# Attack: a setsid double-forked daemon that outlives the run, then rewrites results files.
import json
import os
import time

FAKE = {"score": 100.0, "max_score": 100.0, "tests": []}
TARGETS = [
    "/work/main/graded/daemon/results.json",
    "/autograder/results/results.json",
    "/tmp/relulab_daemon_was_here",
]


def _daemon():
    if os.fork() != 0:
        return
    os.setsid()
    if os.fork() != 0:
        os._exit(0)
    try:
        os.environ.pop("RELULAB_SANDBOX_RUN", None)  # try to hide from marker scans
        time.sleep(1.5)
        for target in TARGETS:
            try:
                os.makedirs(os.path.dirname(target), exist_ok=True)
                with open(target, "w") as f:
                    json.dump(FAKE, f)
            except OSError:
                pass
        time.sleep(10**6)
    finally:
        os._exit(0)


_daemon()


def compose(x, theta1, phi1, theta2, phi2):
    _daemon()
    return x * 0 + 2.0


def composition_to_deep(theta1, phi1, theta2, phi2):
    return None


def deep_net(x, theta, psi, phi):
    return x * 0 + 2.0
