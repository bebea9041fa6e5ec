"""Argument checks shared by the reference modules.

Every message names the argument, the expected shape and what was given, because these
messages reach students through the grader (for example when their own answer is passed
back into a reference function).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

__all__ = ["as_float_array", "as_layers", "as_box"]


def as_float_array(
    name: str,
    value: object,
    shape: Sequence[int | str | None],
) -> np.ndarray:
    """Return ``value`` as a float64 array (a copy is not forced) after checking its shape.

    ``shape`` lists one entry per axis: an int fixes the length, a string names a length that
    only has to be consistent within this argument's description (it is shown in messages),
    and ``None`` accepts any length. Raises ``ValueError`` naming ``name`` on a mismatch or on
    non-numeric data.
    """
    try:
        arr = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} must be a numeric array; got {type(value).__name__}") from exc
    fits = arr.ndim == len(shape)
    if fits:
        for got, want in zip(arr.shape, shape, strict=True):
            if isinstance(want, int) and got != want:
                fits = False
                break
    if not fits:
        expected = (
            "("
            + ", ".join("N" if s is None else str(s) for s in shape)
            + (",)" if len(shape) == 1 else ")")
        )
        raise ValueError(f"{name} must have shape {expected}; got shape {arr.shape}")
    return arr


def as_layers(
    name: str, layers: object, d_in: int | None = None
) -> list[tuple[np.ndarray, np.ndarray]]:
    """Check a list of (W, b) pairs: W of shape (d_out, d_in), b of shape (d_out,), chained.

    Returns the layers as float64 arrays. ``d_in`` fixes the input width of the first layer.
    """
    if not isinstance(layers, (list, tuple)) or len(layers) == 0:
        raise ValueError(f"{name} must be a non-empty list of (W, b) pairs; got {layers!r:.80}")
    out: list[tuple[np.ndarray, np.ndarray]] = []
    width = d_in
    for i, pair in enumerate(layers):
        if not isinstance(pair, (list, tuple)) or len(pair) != 2:
            raise ValueError(f"{name}[{i}] must be a (W, b) pair")
        W = as_float_array(f"{name}[{i}] W", pair[0], ("d_out", "d_in"))
        b = as_float_array(f"{name}[{i}] b", pair[1], ("d_out",))
        if b.shape[0] != W.shape[0]:
            raise ValueError(
                f"{name}[{i}] b must have shape ({W.shape[0]},) to match W {W.shape}; "
                f"got shape {b.shape}"
            )
        if width is not None and W.shape[1] != width:
            raise ValueError(
                f"{name}[{i}] W must have shape ({W.shape[0]}, {width}) to take inputs of width "
                f"{width}; got shape {W.shape}"
            )
        width = W.shape[0]
        out.append((W, b))
    return out


def as_box(box: object) -> tuple[float, float, float, float]:
    """Check a box (xmin, xmax, ymin, ymax) with xmin < xmax and ymin < ymax."""
    arr = as_float_array("box", box, (4,))
    xmin, xmax, ymin, ymax = (float(v) for v in arr)
    if not (xmin < xmax and ymin < ymax) or not np.all(np.isfinite(arr)):
        raise ValueError(
            f"box must be (xmin, xmax, ymin, ymax) with xmin < xmax, ymin < ymax; got {box}"
        )
    return xmin, xmax, ymin, ymax
