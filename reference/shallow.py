"""Answer key for the `shallow` assignment: a shallow ReLU network is a piecewise-linear function.

Notation of the notes (one input x, one output y, D hidden units):

    h_d = relu(theta_d0 + theta_d1 * x),    y = phi_0 + sum_d phi_d * h_d

``theta`` has shape (D, 2) with row d = [theta_d0 (bias), theta_d1 (slope)], and ``phi`` has
shape (D + 1,) = [phi_0, phi_1, ..., phi_D].

Unit d bends the output at its kink x_d = -theta_d0 / theta_d1 (when theta_d1 != 0). Whichever
side the unit is active on, the output's slope jumps by phi_d * |theta_d1| when x crosses x_d
from left to right, so a kink only separates two linear regions when these jumps, summed over
all units kinking at the same x, do not cancel.

Floating-point choices (shared with `reference.depth.count_linear_pieces`):

* Two x values a, b are the same point when ``|a - b| <= X_RTOL * max(|a|, |b|, hi - lo)``:
  exact equality, widened by a tiny relative tolerance so that kinks that agree mathematically
  but were rounded differently (say -0.1/0.3 and -1/3) are one point. Kinks this close to lo
  or hi count as lying on the boundary.
* A summed slope change s is zero when ``|s| <= SLOPE_RTOL * (sum of |terms| summed)``, so
  cancellations survive rounding while any real change is kept.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from reference._validate import as_float_array

__all__ = [
    "relu",
    "shallow_net",
    "kink_locations",
    "count_linear_regions",
    "interpolant_net",
    "shallow_to_layers",
]

X_RTOL = 1e-12
SLOPE_RTOL = 1e-9


def relu(z: np.ndarray) -> np.ndarray:
    """Elementwise max(z, 0) of an array of any shape; returns a new float64 array of that shape."""
    return np.maximum(np.asarray(z, dtype=np.float64), 0.0)


def _check_shallow(theta: object, phi: object) -> tuple[np.ndarray, np.ndarray]:
    """Validate theta of shape (D, 2) and phi of shape (D + 1,)."""
    theta = as_float_array("theta", theta, ("D", 2))
    phi = as_float_array("phi", phi, (theta.shape[0] + 1,))
    return theta, phi


def check_interval(lo: object, hi: object) -> tuple[float, float]:
    """Return (lo, hi) as floats after checking that both are finite numbers with lo < hi."""
    try:
        lo_f, hi_f = float(lo), float(hi)  # type: ignore[arg-type]
    except (TypeError, ValueError) as exc:
        raise ValueError(f"lo and hi must be numbers; got lo={lo!r}, hi={hi!r}") from exc
    if not (np.isfinite(lo_f) and np.isfinite(hi_f) and lo_f < hi_f):
        raise ValueError(f"lo and hi must be finite with lo < hi; got lo={lo_f}, hi={hi_f}")
    return lo_f, hi_f


def same_x_tolerance(a: np.ndarray, b: np.ndarray, lo: float, hi: float) -> np.ndarray:
    """Largest gap at which x values a and b (broadcast arrays) still count as one point."""
    return X_RTOL * np.maximum(np.maximum(np.abs(a), np.abs(b)), hi - lo)


def shallow_net(x: np.ndarray, theta: np.ndarray, phi: np.ndarray) -> np.ndarray:
    """Output of the shallow network.

    x: shape (N,); theta: shape (D, 2); phi: shape (D + 1,).
    Returns y of shape (N,): phi_0 + sum_d phi_d * relu(theta_d0 + theta_d1 * x).
    """
    x = as_float_array("x", x, (None,))
    theta, phi = _check_shallow(theta, phi)
    h = relu(theta[:, 0] + np.outer(x, theta[:, 1]))  # (N, D)
    return phi[0] + h @ phi[1:]


def kink_locations(theta: np.ndarray) -> np.ndarray:
    """Kinks -theta_d0 / theta_d1 of the units with theta_d1 != 0.

    theta: shape (D, 2). Returns a sorted array of shape (K,), K <= D, duplicates kept.
    """
    theta = as_float_array("theta", theta, ("D", 2))
    slope = theta[:, 1] != 0
    return np.sort(-theta[slope, 0] / theta[slope, 1])


def count_linear_regions(theta: np.ndarray, phi: np.ndarray, lo: float, hi: float) -> int:
    """Number of maximal intervals of [lo, hi] on which the shallow network is affine.

    theta: shape (D, 2); phi: shape (D + 1,); lo < hi finite. Kinks strictly inside (lo, hi)
    are grouped by x (see the module docstring for the tolerance); a group adds a region when
    its summed slope change sum_d phi_d * |theta_d1| is nonzero. Returns a Python int >= 1.
    """
    theta, phi = _check_shallow(theta, phi)
    lo, hi = check_interval(lo, hi)
    moving = theta[:, 1] != 0
    kinks = -theta[moving, 0] / theta[moving, 1]
    jumps = phi[1:][moving] * np.abs(theta[moving, 1])
    inside = (kinks - lo > same_x_tolerance(kinks, lo, lo, hi)) & (
        hi - kinks > same_x_tolerance(kinks, hi, lo, hi)
    )
    kinks, jumps = kinks[inside], jumps[inside]
    if kinks.size == 0:
        return 1
    order = np.argsort(kinks, kind="stable")
    kinks, jumps = kinks[order], jumps[order]
    new_group = np.ones(kinks.size, dtype=bool)
    new_group[1:] = np.diff(kinks) > same_x_tolerance(kinks[1:], kinks[:-1], lo, hi)
    starts = np.flatnonzero(new_group)
    total = np.add.reduceat(jumps, starts)
    scale = np.add.reduceat(np.abs(jumps), starts)
    return 1 + int(np.count_nonzero(np.abs(total) > SLOPE_RTOL * scale))


def interpolant_net(
    f: Callable[[np.ndarray], np.ndarray], knots: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """A shallow network equal to the piecewise-linear interpolant of f on [knots[0], knots[-1]].

    f: callable taking an array of shape (K,) and returning values of shape (K,); it is called
    once, on a copy of the knots. knots: shape (K,), K >= 2, strictly increasing, finite.
    Returns (theta, phi) with theta of shape (K - 1, 2) and phi of shape (K,): unit 0 is
    relu(x - knots[0]) carrying the first segment's slope, unit k >= 1 is relu(x - knots[k])
    carrying the change of slope at knots[k]. Outside the knot range the output is not specified.
    """
    knots = as_float_array("knots", knots, ("K",))
    if knots.shape[0] < 2:
        raise ValueError(f"knots must have shape (K,) with K >= 2; got shape {knots.shape}")
    if not np.all(np.isfinite(knots)) or not np.all(np.diff(knots) > 0):
        raise ValueError("knots must be finite and strictly increasing")
    values = as_float_array("f(knots)", f(knots.copy()), (knots.shape[0],))
    slopes = np.diff(values) / np.diff(knots)  # (K - 1,)
    theta = np.column_stack([-knots[:-1], np.ones(knots.shape[0] - 1)])
    phi = np.concatenate([[values[0]], [slopes[0]], np.diff(slopes)])
    return theta, phi


def shallow_to_layers(theta: np.ndarray, phi: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
    """The same network as a `reference.depth` layer list [(W1, b1), (W2, b2)].

    theta: (D, 2); phi: (D + 1,). W1 has shape (D, 1) and W2 (1, D), so
    ``mlp(x[:, None], layers)[:, 0] == shallow_net(x, theta, phi)``.
    """
    theta, phi = _check_shallow(theta, phi)
    return [(theta[:, 1:2].copy(), theta[:, 0].copy()), (phi[None, 1:].copy(), phi[:1].copy())]
