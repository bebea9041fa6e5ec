"""Run untrusted submissions: load a file, call its functions on given inputs, return plain data.

The sandbox knows nothing about grading. Student code runs in a forked child of a warm zygote
process, composed of the isolation layers the machine allows (namespaces, an allow-listed root
entered with pivot_root, Landlock, its own uid, seccomp, rlimits; see _zygote), with a
wall-clock limit enforced from outside. Only plain data (JSON and raw numeric array bytes, no
pickle) comes back, and it is validated in the parent. Each run says which layers it was made
under.
"""

from __future__ import annotations

from ._sandbox import (
    REQUIREMENTS,
    IsolationRefused,
    Sandbox,
    SandboxUnavailable,
    prestart,
    unmet,
)
from ._types import ArgRef, Call, CallOutcome, Lambda, Limits, RunResult

__all__ = [
    "REQUIREMENTS",
    "ArgRef",
    "Call",
    "CallOutcome",
    "IsolationRefused",
    "Lambda",
    "Limits",
    "RunResult",
    "Sandbox",
    "SandboxUnavailable",
    "prestart",
    "unmet",
]
