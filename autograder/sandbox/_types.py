"""The sandbox's plain-data interface: limits, calls and their outcomes."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

STATUSES = ("ok", "error", "missing", "timeout", "crashed", "bad_output", "not_run")


@dataclass(frozen=True)
class Limits:
    """Resource limits for one run of a submission.

    wall_s and cpu_s apply per group of calls (one graded question); load_s bounds loading the
    submission (its top-level code or notebook cells); memory_mb is the address space student code
    may add on top of what the child already has mapped (numpy included).
    """

    wall_s: float = 10.0
    cpu_s: float = 10.0
    load_s: float = 10.0
    memory_mb: int = 1024
    nproc: int = 16
    fsize_mb: int = 16
    nofile: int = 64


@dataclass(frozen=True)
class ArgRef:
    """Inside a Lambda's bind: the same object as positional argument ``index`` of the call."""

    index: int


@dataclass(frozen=True)
class Lambda:
    """A callable built inside the child: ``eval(f"lambda {params}: {expr}", {"np": numpy, **bind})``.

    bind maps names to plain data or to an ArgRef (which may not point at an argument that itself
    holds a Lambda).
    """

    params: str
    expr: str
    bind: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Call:
    """One call of a submission's function. Calls with the same group share limits and fate."""

    key: str
    group: str
    function: str
    args: tuple = ()
    kwargs: dict = field(default_factory=dict)


@dataclass
class CallOutcome:
    """What happened to one call. ``value`` is set only when ``status == "ok"``.

    args_after[i] is positional argument i as the call left it: an ndarray, or for a list/tuple
    argument the same structure with its arrays (other items None); None when the argument holds
    no array or the call did not return normally.
    """

    status: str
    value: Any = None
    message: str = ""
    args_after: list = field(default_factory=list)
    seconds: float = 0.0
    # For status "error": the exception's class name when it is one of Python's built-in
    # exceptions (checked in the grader against its own ``builtins``), else "" (a class defined
    # by the submission or a library). Never text the submission chose.
    error_type: str = ""
    # Where the error was raised ("line 12 of cell 3"): the submission's layout, its own text.
    location: str = ""


@dataclass
class RunResult:
    """Outcomes of every call (by Call.key), messages from loading, and the start of the output."""

    outcomes: dict[str, CallOutcome]
    load_messages: list[str]
    stdout: str
    isolation: str = ""  # the mode: "root" | "container" | "userns" | "plain" (see Sandbox)
    # The isolation layers this run was made under: {"mode": str, "layers": [str, ...],
    # "missing": [str, ...]} (a missing layer says why and what it costs). Plain JSON data.
    isolation_info: dict = field(default_factory=dict)
    pid_namespaces: list[str] = field(default_factory=list)  # e.g. "pid:[4026532301]", per child
    # Not empty when the sandbox itself failed (its setup, a zygote that stopped responding):
    # the outcomes say nothing about the submission and must not become its grade.
    internal_error: str = ""
