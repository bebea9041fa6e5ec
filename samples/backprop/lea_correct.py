"""A correct backprop submission: every function of the assignment, numpy only.

Row-vector convention: x (N, n_in), w (n_in, n_hidden), v (n_hidden, n_out);
z = x w, h = f(z), y = h v.
"""

import numpy as np


def activate(z, activation):
    if activation == "relu":
        return np.maximum(z, 0.0)
    if activation == "sigmoid":
        return 0.5 * (1.0 + np.tanh(0.5 * z))
    if activation == "tanh":
        return np.tanh(z)
    raise ValueError(f"unknown activation {activation!r}")


def activate_grad(z, activation):
    """f'(z), elementwise; relu'(0) = 0."""
    if activation == "relu":
        return (z > 0).astype(float)
    if activation == "sigmoid":
        s = activate(z, "sigmoid")
        return s * (1.0 - s)
    if activation == "tanh":
        return 1.0 - np.tanh(z) ** 2
    raise ValueError(f"unknown activation {activation!r}")


def forward(x, w, v, activation="relu"):
    """-> (z (N, n_hidden), h (N, n_hidden), y (N, n_out))."""
    z = x @ w
    h = activate(z, activation)
    return z, h, h @ v


def mse(y, t):
    """-> (L float, dL_dy (N, n_out)) with L = sum((y - t)**2) / N."""
    n = y.shape[0]
    diff = y - t
    return float(np.sum(diff**2) / n), 2.0 * diff / n


def backward(x, w, v, z, h, dL_dy, activation="relu"):
    """-> (dL_dw (n_in, n_hidden), dL_dv (n_hidden, n_out))."""
    dL_dv = h.T @ dL_dy
    dL_dh = dL_dy @ v.T
    dL_dz = dL_dh * activate_grad(z, activation)
    dL_dw = x.T @ dL_dz
    return dL_dw, dL_dv


def numerical_gradient(f, param, eps=1e-6):
    """Central differences of f() with respect to every entry of param (same shape).

    param is changed in place while f is evaluated and then set back to its exact old value.
    """
    grad = np.zeros(param.shape)
    for idx in np.ndindex(param.shape):
        old = param[idx]
        param[idx] = old + eps
        up = f()
        param[idx] = old - eps
        down = f()
        param[idx] = old
        grad[idx] = (up - down) / (2.0 * eps)
    return grad


def train(x, t, n_hidden, lr, steps, seed):
    """Full-batch gradient descent on mse with a ReLU hidden layer.

    x (N, n_in), t (N, n_out) -> (w (n_in, n_hidden), v (n_hidden, n_out), losses: list of
    `steps` floats, the loss before each update).
    """
    rng = np.random.default_rng(seed)
    n_in, n_out = x.shape[1], t.shape[1]
    w = rng.standard_normal((n_in, n_hidden)) * np.sqrt(2.0 / n_in)
    v = rng.standard_normal((n_hidden, n_out)) * np.sqrt(1.0 / n_hidden)
    losses = []
    for _ in range(steps):
        z, h, y = forward(x, w, v)
        loss, dL_dy = mse(y, t)
        dL_dw, dL_dv = backward(x, w, v, z, h, dL_dy)
        w = w - lr * dL_dw
        v = v - lr * dL_dv
        losses.append(loss)
    return w, v, losses
