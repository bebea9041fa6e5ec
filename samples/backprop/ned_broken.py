"""Broken: backward raises, so train (which calls it) raises too.

forward, mse and numerical_gradient work. backward multiplies dL_dy by v instead of v^T and
numpy raises "matmul: Input operand 1 has a mismatch in its core dimension" whenever
n_out != n_hidden.
"""

import numpy as np


def forward(x, w, v, activation="relu"):
    z = x @ w
    if activation == "relu":
        h = np.maximum(z, 0)
    elif activation == "sigmoid":
        h = 1 / (1 + np.exp(-z))
    elif activation == "tanh":
        h = np.tanh(z)
    else:
        raise ValueError(activation)
    return z, h, h @ v


def mse(y, t):
    n = y.shape[0]
    return float(((y - t) ** 2).sum() / n), 2 * (y - t) / n


def backward(x, w, v, z, h, dL_dy, activation="relu"):
    dL_dv = h.T @ dL_dy
    dL_dh = dL_dy @ v  # should be v.T
    if activation == "relu":
        dL_dz = dL_dh * (z > 0)
    elif activation == "sigmoid":
        dL_dz = dL_dh * h * (1 - h)
    else:
        dL_dz = dL_dh * (1 - h**2)
    return x.T @ dL_dz, dL_dv


def numerical_gradient(f, param, eps=1e-6):
    g = np.zeros_like(param, dtype=float)
    it = np.nditer(param, flags=["multi_index"])
    for _ in it:
        i = it.multi_index
        keep = param[i].copy()
        param[i] = keep + eps
        a = f()
        param[i] = keep - eps
        b = f()
        param[i] = keep
        g[i] = (a - b) / (2 * eps)
    return g


def train(x, t, n_hidden, lr, steps, seed):
    rng = np.random.default_rng(seed)
    w = 0.1 * rng.standard_normal((x.shape[1], n_hidden))
    v = 0.1 * rng.standard_normal((n_hidden, t.shape[1]))
    losses = []
    for _ in range(steps):
        z, h, y = forward(x, w, v)
        loss, dL_dy = mse(y, t)
        losses.append(loss)
        dw, dv = backward(x, w, v, z, h, dL_dy)
        w, v = w - lr * dw, v - lr * dv
    return w, v, losses
