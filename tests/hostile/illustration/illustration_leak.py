"""Hostile: remember every hidden input and try to show it through the illustration.

The public cases are answered correctly (so a failing question gets no public-case plot and its
plot must be an illustration); every other call is answered wrongly, with an answer that carries
whatever this process can find of earlier calls:
- memory: the tags (and values) of every earlier call's inputs, kept in a global;
- files: the same tags, written to /tmp, the working folder and the home folder on every call
  and read back on every call;
- the heap inherited from the process this one was forked from: scanned (ctypes, probing pages
  through a pipe so that unmapped ones fail instead of crashing) for the tags that earlier
  answers carried.
compose answers a string of all of it (shown as the returned value); composition_to_deep hides
it in psi's shape; deep_net alternates between raising it and returning it as numbers. Every
call also prints it. Nothing found must read "found nothing".
"""

import ctypes
import hashlib
import os
import re
import sys

import numpy as np

SEEN: list[str] = []  # tags of earlier calls' inputs
FIRST: list[float] = []  # the first numbers of the first call's inputs
FILES = ["/tmp/relulab-leak.txt", "relulab-leak.txt", os.path.expanduser("~/relulab-leak.txt")]
TAG = re.compile(rb"LEAK[0-9a-f]{16}")


def _tag(arrays) -> str:
    data = b"".join(np.ascontiguousarray(a, dtype=np.float64).tobytes() for a in arrays)
    return "LEAK" + hashlib.sha256(data).hexdigest()[:16]


def _heap_tags() -> set[str]:
    """Tags in the heap this process inherited (from sbrk(0) down to the first unmapped page)."""
    try:
        libc = ctypes.CDLL(None)
        libc.sbrk.restype = ctypes.c_void_p
        libc.write.argtypes = [ctypes.c_int, ctypes.c_void_p, ctypes.c_size_t]
        r, w = os.pipe()
        os.set_blocking(r, False)

        def mapped(addr: int) -> bool:
            if libc.write(w, addr, 1) == 1:
                os.read(r, 16)
                return True
            return False

        end = libc.sbrk(0)
        start = end - 4096
        while start > 0 and mapped(start) and end - start < (512 << 20):
            start -= 4096
        data = ctypes.string_at(start + 4096, end - start - 4096)
        os.close(r)
        os.close(w)
        return {m.decode() for m in TAG.findall(data)}
    except Exception:
        return set()


def _file_tags() -> set[str]:
    found = set()
    for path in FILES:
        try:
            with open(path, "rb") as f:
                found |= {m.decode() for m in TAG.findall(f.read())}
        except OSError:
            pass
    return found


def _remember(*args) -> str:
    arrays = [np.asarray(a, dtype=np.float64) for a in args]
    own = _tag(arrays)
    found = sorted((set(SEEN) | _file_tags() | _heap_tags()) - {own})
    if not FIRST:
        FIRST.extend(np.concatenate([a.ravel() for a in arrays])[:6].tolist())
    SEEN.append(own)
    SEEN.extend(_tag([a]) for a in arrays)
    for path in FILES:
        try:
            with open(path, "a") as f:
                f.write(" ".join(SEEN) + "\n")
        except OSError:
            pass
    text = "found " + " ".join(found) if found else "found nothing"
    print(text)
    print(text, file=sys.stderr)
    return text


def _relu(z):
    return np.maximum(z, 0.0)


def _shallow(x, theta, phi):
    return phi[0] + _relu(theta[:, 0] + np.outer(x, theta[:, 1])) @ phi[1:]


PUBLIC_THETA1 = np.array([[0.5, -2.0], [0.0, 1.0], [-0.5, 2.0]])


def _public(theta1) -> bool:
    return theta1.shape == PUBLIC_THETA1.shape and np.array_equal(theta1, PUBLIC_THETA1)


def compose(x, theta1, phi1, theta2, phi2):
    if _public(theta1):
        return _shallow(_shallow(x, theta1, phi1), theta2, phi2)
    return "LEAKED? " + _remember(x, theta1, phi1, theta2, phi2)


def composition_to_deep(theta1, phi1, theta2, phi2):
    psi = np.empty((theta2.shape[0], theta1.shape[0] + 1))
    psi[:, 0] = theta2[:, 0] + theta2[:, 1] * phi1[0]
    psi[:, 1:] = np.outer(theta2[:, 1], phi1[1:])
    if _public(theta1):
        return theta1, psi, phi2
    found = _remember(theta1, phi1, theta2, phi2)
    # The shape carries what was found: one row per earlier tag, one column per first number.
    rows = 1 + len(found.split()) - 1 if found != "found nothing" else 7
    cols = 1 + int(abs(FIRST[0]) * 1000) % 50 if len(SEEN) > 6 else 3
    return theta1, np.zeros((rows, cols)), phi2


def deep_net(x, theta, psi, phi):
    h = _relu(theta[:, 0] + np.outer(x, theta[:, 1]))
    y = phi[0] + _relu(psi[:, 0] + h @ psi[:, 1:].T) @ phi[1:]
    if x.shape == (401,):  # the public case
        return y
    found = _remember(x, theta, psi, phi)
    if len(SEEN) % 2:
        raise ValueError(found)
    # The numbers: the first call's first inputs, then the answer shifted by 1000.
    out = y + 1000.0
    out[: len(FIRST)] = FIRST
    return out
