"""Exact arithmetic support for the exact region and piece counters (private).

The counters in ``reference.surfaces`` and ``reference.depth`` decide every sign with a
floating-point filter: a float value v together with a rigorous bound e on its distance to the
exact value. When |v| > e the sign is certain; otherwise the counter recomputes the case in
exact rational arithmetic (``fractions.Fraction``). This module holds what both need:

* ``Net``: the network as given, in float64 (for the filter) and, built on demand, as exact
  ``Fraction`` matrices (every float64 is an exact binary rational, so the exact net of a
  float input is that input itself; ``int``, ``Fraction`` and ``Decimal`` weights are taken
  exactly as typed, their float64 roundings only feed the filter).
* error-bound constants: ``gamma(n)`` bounds the relative rounding error of a dot product of
  length n whose factors may themselves be rounded once (weights typed as non-binary
  fractions), doubled for safety; ``TINY`` is an absolute floor that covers underflow.
* ``unit_groups``: units of one layer whose rows (W_u, b_u) are exactly proportional have the
  same zero set everywhere, so only one representative needs its boundary computed.

Error-bound conventions: a bound is computed in float64 from nonnegative terms and multiplied
by a safety factor of 2, which covers the rounding of the bound itself by a wide margin.
"""

from __future__ import annotations

import numbers
from decimal import Decimal
from fractions import Fraction

import numpy as np

from reference._validate import as_layers

__all__ = [
    "U",
    "TINY",
    "gamma",
    "to_fraction",
    "Net",
    "unit_groups",
    "LayerInfo",
    "layer_info",
    "fsign",
]

U = 2.0**-53  # unit roundoff of float64
# Absolute error floor per bound: far above any sum of underflow errors (2**-1074 each).
TINY = 1e-290
# Weights smaller than this in magnitude (but nonzero), or not finite as float64, disable the
# filter: the network is then counted in exact arithmetic only.
_SMALLEST_FILTERED = 1e-200
_LARGEST_FILTERED = 1e200


def gamma(n: int) -> float:
    """Relative error bound of a length-n dot product of once-rounded factors, doubled."""
    k = (n + 3) * U
    return 2.0 * k / (1.0 - k)


def to_fraction(value: object) -> Fraction:
    """The exact value of a float, int, Fraction, Decimal or decimal string (else ValueError)."""
    if isinstance(value, Fraction):
        return value
    if isinstance(value, (bool, np.bool_)):
        return Fraction(int(value))
    if isinstance(value, (int, np.integer)):
        return Fraction(int(value))
    if isinstance(value, (float, np.floating)):
        f = float(value)
        if not np.isfinite(f):
            raise ValueError(f"weights must be finite; got {f}")
        return Fraction(f)
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise ValueError(f"weights must be finite; got {value}")
        return Fraction(value)
    if isinstance(value, numbers.Rational):
        return Fraction(int(value.numerator), int(value.denominator))
    if isinstance(value, str):  # a decimal as typed, such as "0.1"
        try:
            return Fraction(value)
        except ValueError:
            pass
    raise ValueError(f"weights must be numbers; got {value!r:.40}")


def fsign(value: Fraction) -> int:
    """Sign of an exact value: -1, 0 or 1."""
    return (value > 0) - (value < 0)


def _exact_array(value: object, shape: tuple[int, ...]) -> np.ndarray:
    arr = np.asarray(value, dtype=object)
    out = np.empty(shape, dtype=object)
    flat_in = arr.reshape(-1)
    flat_out = out.reshape(-1)
    for i, v in enumerate(flat_in):
        flat_out[i] = to_fraction(v)
    return out


class Net:
    """A validated network: float64 layers for the filter, exact layers on demand.

    ``layers``: list of (W, b) pairs, W of shape (d_out, d_in), b of shape (d_out,), entries
    floats, ints, ``Fraction`` or ``Decimal``. ``floats`` are the float64 (W, b) pairs;
    ``exact(l)`` gives layer l as a pair of ``Fraction`` object arrays of the same shapes.
    ``filtered`` is False when some weight is too small, too large or not finite in float64,
    in which case the counters use exact arithmetic throughout.
    """

    def __init__(self, name: str, layers: object, d_in: int) -> None:
        self.floats = as_layers(name, layers, d_in=d_in)
        self._raw = list(layers)  # type: ignore[call-overload]
        self._exact: dict[int, tuple[np.ndarray, np.ndarray]] = {}
        self._rows: dict[int, list[list[Fraction]]] = {}
        self.object_input = False
        self.filtered = True
        flat = np.concatenate([a.ravel() for pair in self.floats for a in pair])
        mags = np.abs(flat)
        if not np.isfinite(mags).all():
            for i, (W, b) in enumerate(self.floats):
                for label, arr in (("W", W), ("b", b)):
                    if not np.isfinite(arr).all():
                        raise ValueError(f"{name}[{i}] {label} must be finite; got {arr!r:.80}")
        if mags.size and mags.max() > _LARGEST_FILTERED:
            self.filtered = False
        nonzero = mags[mags > 0]
        if nonzero.size and nonzero.min() < _SMALLEST_FILTERED:
            self.filtered = False
        for pair in self._raw:
            for part in pair:
                if not isinstance(part, np.ndarray) or part.dtype == object:
                    self.object_input = True
        if self.object_input:
            # Exact weights that round to zero in float64 would hide from the filter.
            for i, (W, b) in enumerate(self.floats):
                We, be = self.exact(i)
                if any(
                    fl == 0 and ex != 0
                    for fl, ex in zip(
                        np.concatenate([W.ravel(), b]),
                        np.concatenate([We.ravel(), be]),
                        strict=True,
                    )
                ):
                    self.filtered = False

    def __len__(self) -> int:
        return len(self.floats)

    def exact(self, layer: int) -> tuple[np.ndarray, np.ndarray]:
        """Layer ``layer`` as exact (W, b) ``Fraction`` object arrays (cached)."""
        if layer not in self._exact:
            W, b = self.floats[layer]
            raw_W, raw_b = self._raw[layer]
            self._exact[layer] = (_exact_array(raw_W, W.shape), _exact_array(raw_b, b.shape))
        return self._exact[layer]

    def exact_rows(self, layer: int) -> list[list[Fraction]]:
        """Layer ``layer`` as Python lists [W_u..., b_u] of Fractions, one per unit (cached)."""
        if layer not in self._rows:
            W, b = self.exact(layer)
            self._rows[layer] = [[*W[u].tolist(), b[u]] for u in range(W.shape[0])]
        return self._rows[layer]


_GROUP_CACHE: dict[tuple[tuple[int, ...], bytes], tuple[np.ndarray, np.ndarray]] = {}  # noqa: E501
_GROUP_CACHE_SIZE = 256


def unit_groups(net: Net, layer: int) -> tuple[np.ndarray, np.ndarray]:
    """Group the units of one layer by exactly proportional rows (W_u, b_u).

    Returns (rep, ratio_sign), both of shape (d,): unit u's pre-activation is lambda times that
    of unit rep[u] everywhere, lambda != 0 with sign ratio_sign[u]; rep[u] == u for a group's
    first unit (its representative). A unit whose row is exactly zero has rep[u] == -1 (its
    pre-activation is 0 everywhere: never active, never a boundary). Candidates are found by
    comparing float rows scaled to their largest entry; every group is verified exactly.
    """
    W, b = net.floats[layer]
    key = None
    if not net.object_input:  # float input: the exact rows are the float rows
        key = (W.shape, W.tobytes() + b.tobytes())
        if key in _GROUP_CACHE:
            return _GROUP_CACHE[key]
    rows = np.column_stack([W, b])
    d = rows.shape[0]
    rep = np.arange(d)
    ratio_sign = np.ones(d, dtype=np.int8)
    pivot = np.argmax(np.abs(rows), axis=1)
    piv_val = rows[np.arange(d), pivot]
    zero_float = piv_val == 0
    exact_rows: list[list[Fraction]] | None = None
    if np.any(zero_float):
        exact_rows = net.exact_rows(layer)
        for u in np.flatnonzero(zero_float):
            if all(v == 0 for v in exact_rows[u]):
                rep[u] = -1
    with np.errstate(divide="ignore", invalid="ignore"):
        normal = rows / piv_val[:, None] + 0.0  # + 0.0 turns -0.0 into 0.0
    buckets: dict[tuple[int, bytes], list[int]] = {}
    for u in range(d):
        if zero_float[u]:
            continue
        buckets.setdefault((int(pivot[u]), normal[u].tobytes()), []).append(u)
    for members in buckets.values():
        if len(members) < 2:
            continue
        if exact_rows is None:
            exact_rows = net.exact_rows(layer)
        first = members[0]
        p = int(pivot[first])
        r0 = exact_rows[first]
        for v in members[1:]:
            rv = exact_rows[v]
            if (
                r0[p] != 0
                and rv[p] != 0
                and all(rv[j] * r0[p] == r0[j] * rv[p] for j in range(len(r0)))
            ):
                rep[v] = first
                ratio_sign[v] = 1 if (rv[p] > 0) == (r0[p] > 0) else -1
    if key is not None:
        if len(_GROUP_CACHE) >= _GROUP_CACHE_SIZE:
            _GROUP_CACHE.clear()
        rep.flags.writeable = False
        ratio_sign.flags.writeable = False
        _GROUP_CACHE[key] = (rep, ratio_sign)
    return rep, ratio_sign


class LayerInfo:
    """Per-layer constants of the float filter (shapes: d units, n inputs).

    rep, ratio: from ``unit_groups``; reps: the representatives (k,); b_col (d, 1);
    g_absW = gamma(n) |W| (d, n); g_absb_col = gamma(n) |b| + TINY (d, 1); rowsum_col =
    (1 + gamma(2 n + 4)) sum_j |W_uj| (d, 1), the factor covering the rounding of the float
    bound sum_j |W_uj| EH + ... it enters; zero_b: whether some b_u is 0; zero_rows: whether
    some row is 0.

    For inputs stacked as X = (H; EH; 1) (n + 2 rows, EH a bound on the error of every entry
    of its column): wx = (W, 0, b) (d, n + 2) gives z = wx X and mx = (g_absW, rowsum_col,
    g_absb_col) (d, n + 2) gives mx |X|, a bound on the error of every entry of z. r0 is the
    layer's one representative unit, or -1 if it has none or several; r0_zero_b: whether its
    b is 0. norm = max_u sum_j |W_uj| and bmax = max_u |b_u| (floats, up to the rounding
    above) bound the size of z: |z_u| <= norm max_j |h_j| + bmax.
    """

    __slots__ = ("rep", "ratio", "reps", "b_col", "g_absW", "g_absb_col", "rowsum_col")
    __slots__ += ("zero_b", "zero_rows", "wx", "mx", "r0", "r0_zero_b", "norm", "bmax")

    def __init__(self, net: Net, layer: int) -> None:
        W, b = net.floats[layer]
        d, n = W.shape
        self.rep, self.ratio = unit_groups(net, layer)
        self.reps = np.flatnonzero(self.rep == np.arange(d))
        g = gamma(n)
        absW = np.abs(W)
        self.b_col = b[:, None].copy()
        self.g_absW = g * absW
        self.g_absb_col = (g * np.abs(b) + TINY)[:, None]
        self.rowsum_col = (1.0 + gamma(2 * n + 4)) * absW.sum(axis=1)[:, None]
        self.zero_b = bool((b == 0).any())
        self.zero_rows = bool((self.rep < 0).any())
        self.wx = np.column_stack([W, np.zeros(d), b])
        self.mx = np.column_stack([self.g_absW, self.rowsum_col, self.g_absb_col])
        self.r0 = int(self.reps[0]) if self.reps.size == 1 else -1
        self.r0_zero_b = self.r0 >= 0 and b[self.r0] == 0
        self.norm = float(self.rowsum_col.max(initial=0.0))
        self.bmax = float(np.abs(b).max(initial=0.0))


_INFO_CACHE: dict[tuple[tuple[int, ...], bytes], LayerInfo] = {}


def layer_info(net: Net, layer: int) -> LayerInfo:
    """``LayerInfo`` of a layer, cached across calls for float input."""
    if net.object_input:
        return LayerInfo(net, layer)
    W, b = net.floats[layer]
    key = (W.shape, W.tobytes() + b.tobytes())
    info = _INFO_CACHE.get(key)
    if info is None:
        if len(_INFO_CACHE) >= _GROUP_CACHE_SIZE:
            _INFO_CACHE.clear()
        info = _INFO_CACHE[key] = LayerInfo(net, layer)
    return info
