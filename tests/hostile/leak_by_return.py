"""Hostile: return, for every call, a string carrying the call's inputs (and a tag per call),
hoping the feedback shows the returned value. Before the due date it may not."""

import base64
import hashlib
import zlib

import numpy as np


def _answer(*args):
    data = b"".join(np.ascontiguousarray(a, dtype=np.float64).tobytes() for a in args)
    tag = "LEAK" + hashlib.sha256(data).hexdigest()[:16]
    return f"{tag} {base64.urlsafe_b64encode(zlib.compress(data)).decode()}"


compose = composition_to_deep = deep_net = _answer
