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

__all__ = ["OUTPUT_NAMES", "Verdict", "compare", "describe", "kind_word"]


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
    def fail(cls, message: str, hidden_message: str | None = None) -> Verdict:
        return cls(0.0, message, hidden_message)


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


# The names API.md gives the items of a function's tuple answer, for messages such as
# ``composition_to_deep returned psi of shape (3, 3); expected (3, 4)``.
OUTPUT_NAMES: dict[str, tuple[str, ...]] = {
    "interpolant_net": ("theta", "phi"),
    "composition_to_deep": ("theta", "psi", "phi"),
    "collapse_linear": ("W", "b"),
    "fit_logistic_regression": ("w", "b"),
    "forward": ("z", "h", "y"),
    "mse": ("L", "dL_dy"),
    "backward": ("dL_dw", "dL_dv"),
    "train": ("w", "v", "losses"),
}
# What one item of a function's list answer is, e.g. ``layer [0]`` of neuron_surfaces.
ITEM_NAMES: dict[str, str] = {"neuron_surfaces": "layer", "sawtooth_layers": "layer"}


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float | np.integer | np.floating) and not isinstance(
        value, bool | np.bool_
    )


def kind_word(value: Any) -> str:
    """The kind of a value without any of its sizes: 'a numpy array', 'a list', 'an int', ...

    For messages about hidden cases: a student cannot make it carry a chosen number."""
    if isinstance(value, np.ndarray):
        return "a numpy array"
    if isinstance(value, bool | np.bool_):
        return "a bool"
    if isinstance(value, int | np.integer):
        return "an int"
    if isinstance(value, float | np.floating):
        return "a float"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, tuple):
        return "a tuple"
    if isinstance(value, str):
        return "a string"
    if value is None:
        return "None"
    return "a value of another type"


def close(got: np.ndarray, want: np.ndarray, rtol: float, atol: float) -> np.ndarray:
    """``np.isclose(got, want, rtol, atol, equal_nan=True)`` for two float64 arrays of one
    shape: the same formula, ``|got - want| <= atol + rtol * |want|`` where ``want`` is
    finite, else equality (NaN equal to NaN), without isclose's conversions (it dominated the
    grader's own time)."""
    with np.errstate(invalid="ignore"):
        result = (np.abs(got - want) <= atol + rtol * np.abs(want)) & np.isfinite(want)
        result |= got == want
        result |= np.isnan(got) & np.isnan(want)
    return result


_DIFFERENT = ("different", "different")  # what a judgment without messages says (agrees())


def _values(
    got: np.ndarray, want: np.ndarray, rtol: float, atol: float, detail: bool = True
) -> tuple[str, str]:
    """('', '') if close, else (phrase, hidden phrase) describing the disagreement.

    Neither names an expected value; the hidden phrase has no error size either (it would
    compare a student's chosen number with a hidden one), only counts of entries. Without
    ``detail`` the phrases are not made (only whether there is one counts)."""
    if want.dtype.kind == "b":
        wrong = got != want
    else:
        g = got.astype(np.float64)
        w = want.astype(np.float64)
        bad = ~np.isfinite(g) & np.isfinite(w)
        if not detail:
            return _DIFFERENT if bad.any() or not close(g, w, rtol, atol).all() else ("", "")
        if np.any(bad):
            kind = "NaN" if np.isnan(g[bad]).any() else "inf"
            text = f"{kind} at {int(np.sum(bad))} of {g.size} entries"
            return text, text
        wrong = ~close(g, w, rtol, atol)
    n = int(np.count_nonzero(wrong))
    if n == 0:
        return "", ""
    if not detail:
        return _DIFFERENT
    if want.size == 1:
        return "a wrong value", "a wrong value"
    counted = f"wrong values at {n} of {want.size} entries"
    if want.dtype.kind == "b":
        return counted, counted
    err = float(np.max(np.abs(got.astype(np.float64) - want.astype(np.float64))[wrong]))
    return f"{counted} (largest error {err:.3g})", counted


_KIND_NAMES = {"b": "a bool", "i": "an integer", "u": "an integer", "f": "a float"}
_DTYPE_KINDS = {"b": "bool", "i": "integer", "u": "integer", "f": "float", "c": "complex"}
_ACCEPTED_KINDS = {"b": "b", "i": "iu", "u": "iu", "f": "iuf"}

# A problem: (path of item indices, connector after a subject, message, hidden message).
# The connector joins an item's name and the message: "psi of shape ...", "b as an int; ...".
_Problem = tuple[tuple[int, ...], str, str, str]
_OK: _Problem = ((), "", "", "")


def _shape_hidden(got: np.ndarray, want: np.ndarray) -> str:
    if got.ndim != want.ndim:
        return f"an array with {got.ndim} dimensions; expected {want.ndim}"
    axis = next(i for i, (g, w) in enumerate(zip(got.shape, want.shape, strict=True)) if g != w)
    longer = "longer" if got.shape[axis] > want.shape[axis] else "shorter"
    return f"the wrong shape: axis {axis} is {longer} than expected"


def _compare(
    got: Any, want: Any, rtol: float, atol: float, top: int | None = None, detail: bool = True
) -> _Problem:
    """_OK when ``got`` matches ``want``, else the first problem found.

    ``top`` is the number of items of the function's named tuple answer (API.md), when known:
    that length is the API's, not the instance's, so a hidden message may state it."""
    if isinstance(want, np.ndarray):
        if not isinstance(got, np.ndarray):
            return (
                (),
                "as",
                f"{describe(got)}; expected a numpy array of shape {want.shape}",
                f"{kind_word(got)}; expected a numpy array",
            )
        if got.shape != want.shape:
            return (), "of", f"shape {got.shape}; expected {want.shape}", _shape_hidden(got, want)
        kind = want.dtype.kind
        if got.dtype.kind not in _ACCEPTED_KINDS.get(kind, kind):
            expected = f"expected {_KIND_NAMES.get(kind, kind)} array"
            got_kind = _DTYPE_KINDS.get(got.dtype.kind, "another")
            return (
                (),
                "of",
                f"dtype {got.dtype}; {expected}",
                f"{got_kind} dtype; {expected}",
            )
        text, hidden = _values(got, want, rtol, atol, detail)
        return ((), "with", text, hidden) if text else _OK
    if isinstance(want, bool | np.bool_):
        if not isinstance(got, bool | np.bool_):
            return (
                (),
                "as",
                f"{describe(got)}; expected a bool",
                f"{kind_word(got)}; expected a bool",
            )
        return _OK if bool(got) == bool(want) else ((), "with", "a wrong value", "a wrong value")
    if isinstance(want, int | np.integer):
        if not isinstance(got, int | np.integer) or isinstance(got, bool | np.bool_):
            return (
                (),
                "as",
                f"{describe(got)}; expected an int",
                f"{kind_word(got)}; expected an int",
            )
        return _OK if int(got) == int(want) else ((), "with", "a wrong value", "a wrong value")
    if isinstance(want, float | np.floating):
        if not _is_number(got):
            return (
                (),
                "as",
                f"{describe(got)}; expected a float",
                f"{kind_word(got)}; expected a float",
            )
        text, hidden = _values(np.asarray(float(got)), np.asarray(float(want)), rtol, atol, detail)
        return ((), "with", text, hidden) if text else _OK
    if isinstance(want, list | tuple):
        noun = type(want).__name__
        if top is not None and top == len(want):
            expected_hidden = f"expected a {noun} of {len(want)} items"
        else:
            expected_hidden = f"expected a {noun}"
        if not isinstance(got, list | tuple):
            return (
                (),
                "as",
                f"{describe(got)}; expected a {noun} of {len(want)} items",
                f"{kind_word(got)}; {expected_hidden}",
            )
        if len(got) != len(want):
            more = "more" if len(got) > len(want) else "fewer"
            hidden = (
                f"{len(got)} items; expected {len(want)}"
                if top is not None and top == len(want) and len(got) <= 2 * top
                else f"{more} items than expected"
            )
            return (), "with", f"{len(got)} items; expected {len(want)}", hidden
        for i, (g, w) in enumerate(zip(got, want, strict=True)):
            path, connector, text, hidden = _compare(g, w, rtol, atol, detail=detail)
            if text:
                return (i, *path), connector, text, hidden
        return _OK
    if want is None:
        if got is None:
            return _OK
        return (), "as", f"{describe(got)}; expected None", f"{kind_word(got)}; expected None"
    raise TypeError(f"cannot compare with an expected value of type {type(want).__name__}")


def _subject(function: str, path: tuple[int, ...]) -> str:
    """How a message names the item at ``path`` of the answer: 'psi', 'losses[3]', 'item [1]'."""
    names = OUTPUT_NAMES.get(function, ())
    rest = "".join(f"[{i}]" for i in path[1:])
    if path[0] < len(names):
        return names[path[0]] + rest
    return f"{ITEM_NAMES.get(function, 'item')} [{path[0]}]{rest}"


def agrees(got: Any, want: Any, *, rtol: float = 1e-6, atol: float = 1e-9) -> bool:
    """``compare(got, want, ...).passed``, without making the messages nobody will read (the
    grader judges every known mistake on every instance it draws)."""
    return not _compare(got, want, rtol, atol, detail=False)[2]


def compare(
    got: Any, want: Any, function: str, *, rtol: float = 1e-6, atol: float = 1e-9
) -> Verdict:
    """Judge ``got`` against ``want``; ``function`` names the student function in messages.

    Arrays must match shape exactly (no broadcasting) and dtype kind (a float answer may be an
    integer array; a bool answer must be bool), contain no NaN or inf where the expected value is
    finite, and agree elementwise: ``|got - want| <= atol + rtol * |want|``. Messages read like
    ``compose returned shape (1, 50); expected (50,)`` or, naming a tuple's item as API.md does,
    ``composition_to_deep returned psi with wrong values at 3 of 12 entries (...)``. Every
    failure also gets a ``hidden_message`` that names no size or number of the expected value
    (``... returned psi of the wrong shape: axis 1 is shorter than expected``) and no error size.
    """
    names = OUTPUT_NAMES.get(function)
    path, connector, text, hidden = _compare(
        got, want, rtol, atol, top=len(names) if names and isinstance(want, tuple) else None
    )
    if not text:
        return Verdict.ok()
    if not path:
        return Verdict(0.0, f"{function} returned {text}", f"{function} returned {hidden}")
    subject = _subject(function, path)
    return Verdict(
        0.0,
        f"{function} returned {subject} {connector} {text}",
        f"{function} returned {subject} {connector} {hidden}",
    )
