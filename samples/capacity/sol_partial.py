"""Partly right.

- layers_to_xw forgets the bias unit: b2 never reaches the output.
- depth_sweep returns the spread of the counts, not the standard error of their mean.
- train_deep_linear records each loss after its update instead of before.
- everything else is correct.
"""

import numpy as np


def activation(name, z):
    z = np.asarray(z, dtype=float)
    if name == "relu":
        return np.maximum(z, 0.0)
    if name == "leaky_relu":
        return np.where(z > 0, z, 0.01 * z)
    if name == "elu":
        return np.where(z > 0, z, np.expm1(np.minimum(z, 0.0)))
    if name == "sigmoid":
        return 1.0 / (1.0 + np.exp(-z))
    if name == "tanh":
        return np.tanh(z)
    raise ValueError(name)


def mlp_with(x, layers, name):
    h = x
    for W, b in layers[:-1]:
        h = activation(name, h @ W.T + b)
    return h @ layers[-1][0].T + layers[-1][1]


def shallow_to_layers(theta, phi):
    return [(theta[:, 1:2].copy(), theta[:, 0].copy()), (phi[None, 1:].copy(), phi[:1].copy())]


def composition_to_layers(theta1, phi1, theta2, phi2):
    W2 = theta2[:, 1:2] * phi1[None, 1:]
    b2 = theta2[:, 0] + theta2[:, 1] * phi1[0]
    return [
        (theta1[:, 1:2].copy(), theta1[:, 0].copy()),
        (W2, b2),
        (phi2[None, 1:].copy(), phi2[:1].copy()),
    ]


def layers_to_xw(layers):
    (W1, b1), (W2, b2) = layers
    w = np.vstack([b1[None, :], W1.T])
    return w, W2.T.copy()


def random_layers(widths, seed, bias_std=0.1):
    rng = np.random.default_rng(seed)
    out = []
    for a, b in zip(widths[:-1], widths[1:], strict=True):
        W = rng.normal(0.0, np.sqrt(2.0 / a), size=(b, a))
        out.append((W, rng.normal(0.0, bias_std, size=b)))
    return out


def depth_sweep(count, units, depths, seeds, lo, hi, bias_std=0.1):
    mean, spread = [], []
    for d in depths:
        c = [count(random_layers([1] + [units // d] * d + [1], s, bias_std), lo, hi) for s in seeds]
        mean.append(np.mean(c))
        spread.append(np.std(c, ddof=1))
    return np.array(mean), np.array(spread)


def train_deep_linear(x, t, widths, lr, steps, seed, init_std=0.1):
    rng = np.random.default_rng(seed)
    Ws = [init_std * rng.normal(size=(b, a)) for a, b in zip(widths[:-1], widths[1:], strict=True)]

    def prod(ms, size):
        P = np.eye(size)
        for M in ms:
            P = M @ P
        return P

    losses = []
    for _ in range(steps):
        P = prod(Ws, widths[0])
        G = 2 * (x @ P.T - t).T @ x / len(x)
        grads = [
            prod(Ws[i + 1 :], widths[i + 1]).T @ G @ prod(Ws[:i], widths[0]).T
            for i in range(len(Ws))
        ]
        Ws = [W - lr * g for W, g in zip(Ws, grads, strict=True)]
        P = prod(Ws, widths[0])
        losses.append(np.sum((x @ P.T - t) ** 2) / len(x))
    return np.array(losses), prod(Ws, widths[0])


def as_relu_layers(layers, name):
    if name == "relu":
        return [(W.copy(), b.copy()) for W, b in layers]
    if name != "leaky_relu":
        raise ValueError(name)
    out, read = [], np.eye(layers[0][0].shape[1])
    for i, (W, b) in enumerate(layers):
        W = W @ read
        if i == len(layers) - 1:
            out.append((W, b.copy()))
        else:
            out.append((np.vstack([W, -W]), np.concatenate([b, -b])))
            d = W.shape[0]
            read = np.hstack([np.eye(d), -0.01 * np.eye(d)])
    return out
