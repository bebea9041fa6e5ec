"""Partly right.

- forward, mse and train are correct.
- backward uses relu'(0) = 1 (z >= 0): units whose pre-activation is exactly 0 pass the gradient
  on, but the course convention is relu'(0) = 0.
- numerical_gradient leaves the last perturbation (param[i] - eps) in param instead of putting
  the old value back.
"""

import numpy as np


def f(z, activation):
    if activation == "relu":
        return np.maximum(0, z)
    elif activation == "sigmoid":
        return 1 / (1 + np.exp(-z))
    else:
        return np.tanh(z)


def df(z, activation):
    if activation == "relu":
        return (z >= 0) * 1.0
    elif activation == "sigmoid":
        return f(z, "sigmoid") * (1 - f(z, "sigmoid"))
    else:
        return 1 - np.tanh(z) ** 2


def forward(x, w, v, activation="relu"):
    z = x @ w
    h = f(z, activation)
    y = h @ v
    return z, h, y


def mse(y, t):
    N = len(y)
    return np.sum((y - t) ** 2) / N, 2 * (y - t) / N


def backward(x, w, v, z, h, dL_dy, activation="relu"):
    dL_dv = h.T @ dL_dy
    dL_dz = (dL_dy @ v.T) * df(z, activation)
    return x.T @ dL_dz, dL_dv


def numerical_gradient(f, param, eps=1e-6):
    grad = np.zeros_like(param)
    flat = param.reshape(-1)
    for i in range(flat.size):
        flat[i] += eps
        plus = f()
        flat[i] -= 2 * eps
        minus = f()
        grad.reshape(-1)[i] = (plus - minus) / (2 * eps)
    return grad


def train(x, t, n_hidden, lr, steps, seed):
    rng = np.random.default_rng(seed)
    w = rng.normal(size=(x.shape[1], n_hidden)) * 0.5
    v = rng.normal(size=(n_hidden, t.shape[1])) * 0.5
    losses = []
    for _ in range(steps):
        z, h, y = forward(x, w, v)
        L, dL_dy = mse(y, t)
        losses.append(float(L))
        dw, dv = backward(x, w, v, z, h, dL_dy)
        w -= lr * dw
        v -= lr * dv
    return w, v, losses
