"""Compare a student's answer with the expected one: structure first, then values.

The checks run in order — type, length, shape, dtype kind, finiteness, then closeness under the
tolerance — and the first failure gives a specific message such as
``compose returned shape (1, 50); expected (50,)``. Messages never reveal expected values.
Values reaching this module were rebuilt by the grader from plain data (exact ``numpy.ndarray``,
Python and NumPy scalars, lists, tuples), so no student object is ever called here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = ["Verdict", "compare", "describe"]


@dataclass(frozen=True)
class Verdict:
    """The judgement of one answer: ``fraction`` of the case's points in [0, 1] and why."""

    fraction: float
    message: str = ""
    # What a student may see for a hidden case before the due date: the grader's own words,
    # naming no number derived from the hidden inputs or expected values and no text the
    # submission produced. None: the grader falls back to a generic sentence for the verdict.
    hidden_message: str | None = None

    @property
    def passed(self) -> bool:
        return self.fraction >= 1.0

    @classmethod
    def ok(cls) -> Verdict:
        return cls(1.0, "")

    @classmethod
    def fail(cls, message: str) -> Verdict:
        return cls(0.0, message)


def describe(value: Any) -> str:
    """A short description of a value's type and shape, for messages."""
    if isinstance(value, np.ndarray):
        return f"an array of shape {value.shape} and dtype {value.dtype}"
    if isinstance(value, bool | np.bool_):
        return "a bool"
    if isinstance(value, int | np.integer):
        return "an int"
    if isinstance(value, float | np.floating):
        return "a float"
    if isinstance(value, list | tuple):
        return f"a {type(value).__name__} of {len(value)} items"
    if value is None:
        return "None"
    return f"a {type(value).__name__}"


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float | np.integer | np.floating) and not isinstance(
        value, bool | np.bool_
    )


def _values(got: np.ndarray, want: np.ndarray, rtol: float, atol: float) -> str:
    """'' if close, else a phrase describing the disagreement (without expected values)."""
    if want.dtype.kind == "b":
        wrong = got != want
    else:
        g = got.astype(np.float64)
        w = want.astype(np.float64)
        bad = ~np.isfinite(g) & np.isfinite(w)
        if np.any(bad):
            kind = "NaN" if np.isnan(g[bad]).any() else "inf"
            return f"{kind} at {int(np.sum(bad))} of {g.size} entries"
        wrong = ~np.isclose(g, w, rtol=rtol, atol=atol, equal_nan=True)
    n = int(np.sum(wrong))
    if n == 0:
        return ""
    if want.size == 1:
        return "a wrong value"
    if want.dtype.kind == "b":
        return f"wrong values at {n} of {want.size} entries"
    err = float(np.max(np.abs(got.astype(np.float64) - want.astype(np.float64))[wrong]))
    return f"wrong values at {n} of {want.size} entries (largest error {err:.3g})"


_KIND_NAMES = {"b": "a bool", "i": "an integer", "u": "an integer", "f": "a float"}
_ACCEPTED_KINDS = {"b": "b", "i": "iu", "u": "iu", "f": "iuf"}


def _compare(got: Any, want: Any, rtol: float, atol: float) -> tuple[str, str]:
    """('', '') when ``got`` matches ``want``, else (where, problem), e.g. ('[1]', 'shape ...')."""
    if isinstance(want, np.ndarray):
        if not isinstance(got, np.ndarray):
            return "", f"{describe(got)}; expected a numpy array of shape {want.shape}"
        if got.shape != want.shape:
            return "", f"shape {got.shape}; expected {want.shape}"
        kind = want.dtype.kind
        if got.dtype.kind not in _ACCEPTED_KINDS.get(kind, kind):
            return "", f"dtype {got.dtype}; expected {_KIND_NAMES.get(kind, kind)} array"
        return "", _values(got, want, rtol, atol)
    if isinstance(want, bool | np.bool_):
        if not isinstance(got, bool | np.bool_):
            return "", f"{describe(got)}; expected a bool"
        return "", "" if bool(got) == bool(want) else "a wrong value"
    if isinstance(want, int | np.integer):
        if not isinstance(got, int | np.integer) or isinstance(got, bool | np.bool_):
            return "", f"{describe(got)}; expected an int"
        return "", "" if int(got) == int(want) else "a wrong value"
    if isinstance(want, float | np.floating):
        if not _is_number(got):
            return "", f"{describe(got)}; expected a float"
        return "", _values(np.asarray(float(got)), np.asarray(float(want)), rtol, atol)
    if isinstance(want, list | tuple):
        if not isinstance(got, list | tuple):
            return "", f"{describe(got)}; expected a {type(want).__name__} of {len(want)} items"
        if len(got) != len(want):
            return "", f"{len(got)} items; expected {len(want)}"
        for i, (g, w) in enumerate(zip(got, want, strict=True)):
            where, problem = _compare(g, w, rtol, atol)
            if problem:
                return f"[{i}]{where}", problem
        return "", ""
    if want is None:
        return "", "" if got is None else f"{describe(got)}; expected None"
    raise TypeError(f"cannot compare with an expected value of type {type(want).__name__}")


def compare(
    got: Any, want: Any, function: str, *, rtol: float = 1e-6, atol: float = 1e-9
) -> Verdict:
    """Judge ``got`` against ``want``; ``function`` names the student function in messages.

    Arrays must match shape exactly (no broadcasting) and dtype kind (a float answer may be an
    integer array; a bool answer must be bool), contain no NaN or inf where the expected value is
    finite, and agree elementwise: ``|got - want| <= atol + rtol * |want|``. Messages read like
    ``compose returned shape (1, 50); expected (50,)`` or, inside a returned tuple,
    ``composition_to_deep returned, in item [1], wrong values at 3 of 12 entries (...)``.
    """
    where, problem = _compare(got, want, rtol, atol)
    if not problem:
        return Verdict.ok()
    if where:
        return Verdict.fail(f"{function} returned, in item {where}, {problem}")
    return Verdict.fail(f"{function} returned {problem}")
