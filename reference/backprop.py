"""Answer key for the ``backprop`` assignment: gradients of a two-layer network by hand.

Row-vector convention of the notes: a batch x of shape (N, n_in) goes through
z = x w (N, n_hidden), h = f(z), y = h v (N, n_out). There are no bias terms.
The loss is the squared error summed over outputs and averaged over the N rows.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from reference._validate import as_float_array
from reference.features import sigmoid

__all__ = [
    "ACTIVATIONS",
    "activate",
    "activation_derivative",
    "forward",
    "mse",
    "backward",
    "numerical_gradient",
    "train",
]

ACTIVATIONS = ("relu", "sigmoid", "tanh")


def _check_activation(activation: object) -> str:
    if activation not in ACTIVATIONS:
        raise ValueError(f"activation must be one of {', '.join(ACTIVATIONS)}; got {activation!r}")
    return str(activation)


def activate(z: np.ndarray, activation: str = "relu") -> np.ndarray:
    """f(z) elementwise for f in {"relu", "sigmoid", "tanh"}; same shape as z."""
    activation = _check_activation(activation)
    z = np.asarray(z, dtype=np.float64)
    if activation == "relu":
        return np.maximum(z, 0.0)
    if activation == "sigmoid":
        return sigmoid(z)
    return np.tanh(z)


def activation_derivative(z: np.ndarray, activation: str = "relu") -> np.ndarray:
    """f'(z) elementwise, evaluated at the pre-activation z; same shape as z.

    relu' = 1 where z > 0 and 0 elsewhere (so relu'(0) = 0); sigmoid' = s (1 - s) with
    s = sigmoid(z); tanh' = 1 - tanh(z)**2.
    """
    activation = _check_activation(activation)
    z = np.asarray(z, dtype=np.float64)
    if activation == "relu":
        return (z > 0).astype(np.float64)
    if activation == "sigmoid":
        s = sigmoid(z)
        return s * (1.0 - s)
    return 1.0 - np.tanh(z) ** 2


def _check_net(x: object, w: object, v: object) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    x = as_float_array("x", x, (None, "n_in"))
    w = as_float_array("w", w, (x.shape[1], "n_hidden"))
    v = as_float_array("v", v, (w.shape[1], "n_out"))
    return x, w, v


def forward(
    x: np.ndarray, w: np.ndarray, v: np.ndarray, activation: str = "relu"
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Forward pass z = x w, h = f(z), y = h v.

    x: (N, n_in), w: (n_in, n_hidden), v: (n_hidden, n_out).
    Returns (z, h, y) with z and h of shape (N, n_hidden) and y of shape (N, n_out).
    """
    activation = _check_activation(activation)
    x, w, v = _check_net(x, w, v)
    z = x @ w
    h = activate(z, activation)
    return z, h, h @ v


def mse(y: np.ndarray, t: np.ndarray) -> tuple[float, np.ndarray]:
    """Mean squared error over rows and its gradient.

    y: predictions of shape (N, ...) with N >= 1 rows; t: targets of the same shape.
    Returns (L, dL_dy): L = sum((y - t)**2) / N as a Python float, dL_dy = 2 (y - t) / N with
    the shape of y.
    """
    y = np.asarray(y, dtype=np.float64)
    if y.ndim == 0 or y.shape[0] == 0:
        raise ValueError(f"y must have shape (N, n_out) with N >= 1; got shape {y.shape}")
    t = as_float_array("t", t, y.shape)
    n = y.shape[0]
    r = y - t
    return float(np.sum(r**2) / n), 2.0 * r / n


def backward(
    x: np.ndarray,
    w: np.ndarray,
    v: np.ndarray,
    z: np.ndarray,
    h: np.ndarray,
    dL_dy: np.ndarray,
    activation: str = "relu",
) -> tuple[np.ndarray, np.ndarray]:
    """Backpropagate dL/dy through y = h v and h = f(z), z = x w.

    x: (N, n_in), w: (n_in, n_hidden), v: (n_hidden, n_out), z and h: (N, n_hidden) from
    ``forward``, dL_dy: (N, n_out).
    Returns (dL_dw, dL_dv) of shapes (n_in, n_hidden) and (n_hidden, n_out):
    dL_dv = h^T dL_dy, dL_dh = dL_dy v^T, dL_dz = dL_dh * f'(z), dL_dw = x^T dL_dz.
    """
    activation = _check_activation(activation)
    x, w, v = _check_net(x, w, v)
    n, n_hidden, n_out = x.shape[0], w.shape[1], v.shape[1]
    z = as_float_array("z", z, (n, n_hidden))
    h = as_float_array("h", h, (n, n_hidden))
    dL_dy = as_float_array("dL_dy", dL_dy, (n, n_out))
    dL_dv = h.T @ dL_dy
    dL_dh = dL_dy @ v.T
    dL_dz = dL_dh * activation_derivative(z, activation)
    return x.T @ dL_dz, dL_dv


def numerical_gradient(f: Callable[[], float], param: np.ndarray, eps: float = 1e-6) -> np.ndarray:
    """Central-difference gradient of a zero-argument function with respect to an array.

    f: callable returning a number and reading ``param`` (an array of any shape, changed in
    place while probing); eps: step. Entry i of the result is (f(p + eps e_i) - f(p - eps e_i))
    / (2 eps). Returns a float64 array of the same shape as param. Every probed entry is
    restored by writing back its saved original value, so param ends bit-identical (also if f
    raises).
    """
    if not isinstance(param, np.ndarray) or not np.issubdtype(param.dtype, np.floating):
        raise ValueError(
            "param must be a floating-point NumPy array that f reads (it is changed in place); "
            f"got {type(param).__name__}"
        )
    grad = np.zeros(param.shape, dtype=np.float64)
    for idx in np.ndindex(param.shape):
        original = param[idx].copy()
        try:
            param[idx] = original + eps
            f_plus = float(f())
            param[idx] = original - eps
            f_minus = float(f())
        finally:
            param[idx] = original
        grad[idx] = (f_plus - f_minus) / (2.0 * eps)
    return grad


def train(
    x: np.ndarray, t: np.ndarray, n_hidden: int, lr: float, steps: int, seed: int
) -> tuple[np.ndarray, np.ndarray, list[float]]:
    """Train the two-layer ReLU network by full-batch gradient descent on ``mse``.

    x: (N, n_in); t: targets of shape (N, n_out). Initialisation:
    rng = np.random.default_rng(seed); w = rng.normal(0, 1/sqrt(n_in), (n_in, n_hidden)), then
    v = rng.normal(0, 1/sqrt(n_hidden), (n_hidden, n_out)), drawn in that order.
    Each step computes forward, mse, backward (activation "relu") and updates
    w -= lr dL_dw, v -= lr dL_dv. losses[k] is the loss BEFORE update k.
    Returns (w, v, losses): w (n_in, n_hidden), v (n_hidden, n_out) after all updates and a
    list of ``steps`` Python floats.
    """
    x = as_float_array("x", x, (None, "n_in"))
    t = as_float_array("t", t, (x.shape[0], "n_out"))
    if int(n_hidden) < 1:
        raise ValueError(f"n_hidden must be a positive integer; got {n_hidden!r}")
    n_in, n_out = x.shape[1], t.shape[1]
    rng = np.random.default_rng(seed)
    w = rng.normal(0.0, 1.0 / np.sqrt(n_in), (n_in, int(n_hidden)))
    v = rng.normal(0.0, 1.0 / np.sqrt(n_hidden), (int(n_hidden), n_out))
    losses: list[float] = []
    for _ in range(int(steps)):
        z, h, y = forward(x, w, v, "relu")
        loss, dL_dy = mse(y, t)
        losses.append(loss)
        dL_dw, dL_dv = backward(x, w, v, z, h, dL_dy, "relu")
        w = w - lr * dL_dw
        v = v - lr * dL_dv
    return w, v, losses
