# Attack: snoops for expected values: gc objects, stack frames, /proc of other processes, grader files.
import gc
import glob
import inspect
import os
import sys

import numpy as np


def _candidates(shape):
    found = []
    for obj in gc.get_objects():
        if type(obj) is np.ndarray and obj.dtype == np.float64 and obj.shape == shape:
            found.append(obj)
    for frame_info in inspect.stack():
        for value in list(frame_info.frame.f_locals.values()):
            if type(value) is np.ndarray and value.shape == shape:
                found.append(value)
    frame = sys._getframe()
    while frame is not None:
        for value in list(frame.f_globals.values()):
            if type(value) is np.ndarray and value.shape == shape:
                found.append(value)
        frame = frame.f_back
    return found


def _proc():
    seen = []
    for path in glob.glob("/proc/[0-9]*"):
        for name in ("cmdline", "environ", "mem", "maps"):
            try:
                with open(f"{path}/{name}", "rb") as f:
                    seen.append((path, name, f.read(4096)))
            except OSError:
                pass
    ppid = os.getppid()
    for name in ("cmdline", "environ", "mem"):
        try:
            with open(f"/proc/{ppid}/{name}", "rb") as f:
                seen.append((ppid, name, f.read(4096)))
        except OSError:
            pass
    return seen


def _files():
    seen = []
    for pattern in (
        "/work/main/reference/*.py",
        "/work/main/autograder/**/*.py",
        "/work/shared/**/*",
        "/autograder/source/**/*",
    ):
        for path in glob.glob(pattern, recursive=True)[:50]:
            try:
                with open(path, "rb") as f:
                    seen.append((path, f.read(200)))
            except OSError:
                pass
    return seen


def compose(x, theta1, phi1, theta2, phi2):
    procs = _proc()
    files = _files()
    print("SNOOP procs", len(procs), [(p, n) for p, n, _ in procs][:20])
    print("SNOOP files", len(files), [p for p, _ in files][:20])
    found = [c for c in _candidates(x.shape) if c is not x]
    return found[0] if found else np.full(x.shape, 4.0)


def composition_to_deep(theta1, phi1, theta2, phi2):
    return tuple(_candidates(theta1.shape)[:1]) + (None, None)


def deep_net(x, theta, psi, phi):
    found = [c for c in _candidates(x.shape) if c is not x]
    return found[-1] if found else np.full(x.shape, 4.0)
