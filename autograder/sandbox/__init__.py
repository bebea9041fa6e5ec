"""Run untrusted submissions: load a file, call its functions on given inputs, return plain data.

The sandbox knows nothing about grading. Student code runs in a forked child of a warm zygote
process, composed of the isolation layers the machine allows (namespaces, an allow-listed root
entered with pivot_root, Landlock, its own uid, seccomp, rlimits; see _zygote), with a
wall-clock limit enforced from outside. Only plain data (JSON and raw numeric array bytes, no
pickle) comes back, and it is validated in the parent. Each run says which layers it was made
under.
"""

from __future__ import annotations

import importlib

TYPE_CHECKING = False  # typing itself takes some 10 ms to import; checkers know the name

if TYPE_CHECKING:
    from ._sandbox import (
        REQUIREMENTS,
        IsolationRefused,
        Sandbox,
        SandboxUnavailable,
        prestart,
        unmet,
    )
    from ._types import ArgRef, Call, CallOutcome, Lambda, Limits, RunResult

# Imported when first asked for (PEP 562): a command can start its zygote through _launch
# before the grader's side of the sandbox (threads, queues, dataclasses) is imported at all.
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
_TYPES = ("ArgRef", "Call", "CallOutcome", "Lambda", "Limits", "RunResult")


def __getattr__(name: str) -> object:
    if name not in __all__:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    module = "._types" if name in _TYPES else "._sandbox"
    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
