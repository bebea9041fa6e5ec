"""Hostile, stage two of the leak attack: answer only the inputs a first submission's feedback
revealed (the test fills TABLE from that feedback: input tag -> answer); anything else fails.
With nothing revealed, TABLE stays empty and this scores 0."""

import hashlib

import numpy as np

TABLE: dict = {}


def _answer(*args):
    data = b"".join(np.ascontiguousarray(a, dtype=np.float64).tobytes() for a in args)
    answer = TABLE.get(hashlib.sha256(data).hexdigest())
    if answer is None:
        raise LookupError("not revealed")
    if isinstance(answer, list) and answer and isinstance(answer[0], list):
        return tuple(np.array(a) for a in answer)
    return np.array(answer)


compose = composition_to_deep = deep_net = _answer
