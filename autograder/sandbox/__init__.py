"""Run untrusted submissions: load a file, call its functions on given inputs, return plain data.

The sandbox knows nothing about grading. Student code runs in a forked child of a warm zygote
process, in fresh PID/mount/network/IPC namespaces as user ``nobody`` (when run as root), under
rlimits, with a wall-clock limit enforced from outside. Only plain data (npz + JSON, no pickle)
comes back, and it is validated in the parent.
"""

from __future__ import annotations

from ._sandbox import Sandbox
from ._types import ArgRef, Call, CallOutcome, Lambda, Limits, RunResult

__all__ = ["ArgRef", "Call", "CallOutcome", "Lambda", "Limits", "RunResult", "Sandbox"]
