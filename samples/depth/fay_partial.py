"""Partly right.

- mlp applies ReLU after EVERY layer, the output layer too (the last layer must stay linear).
- sawtooth uses f_l = 2|f_{l-1}| - 1 instead of 2|f_{l-1}| - 2.
- sawtooth_layers, count_linear_pieces and collapse_linear are correct.
"""

import numpy as np


def mlp(x, layers):
    h = x
    for W, b in layers:
        h = np.maximum(h @ W.T + b, 0)
    return h


def sawtooth(x, depth):
    f = x.copy()
    for _ in range(depth):
        f = 2 * np.abs(f) - 1
    return f


def sawtooth_layers(depth):
    if depth == 0:
        return [(np.array([[1.0]]), np.array([0.0]))]
    first = (np.array([[1.0], [-1.0]]), np.array([0.0, 0.0]))
    middle = (np.array([[2.0, 2.0], [-2.0, -2.0]]), np.array([-2.0, 2.0]))
    last = (np.array([[2.0, 2.0]]), np.array([-2.0]))
    return [first] + [middle] * (depth - 1) + [last]


def count_linear_pieces(layers, lo, hi):
    # pieces: list of (a, b, slope, intercept) with the current layer = slope * x + intercept on [a, b]
    pieces = [(lo, hi, np.array([1.0]), np.array([0.0]))]
    for k, (W, b) in enumerate(layers):
        pieces = [(a, c, W @ s, W @ t + b) for a, c, s, t in pieces]
        if k == len(layers) - 1:
            break
        split = []
        for a, c, s, t in pieces:
            cuts = [a, c]
            for sj, tj in zip(s, t, strict=True):
                if sj != 0:
                    r = -tj / sj
                    if a + 1e-12 * max(1, abs(r)) < r < c - 1e-12 * max(1, abs(r)):
                        cuts.append(r)
            cuts = sorted(set(cuts))
            for a2, c2 in zip(cuts[:-1], cuts[1:], strict=True):
                m = (a2 + c2) / 2
                on = (s * m + t) > 0
                split.append((a2, c2, s * on, t * on))
        pieces = split
    slopes = [s[0] for _, _, s, _ in pieces]
    scale = max([1.0] + [abs(v) for v in slopes])
    count = 1
    for s1, s2 in zip(slopes[:-1], slopes[1:], strict=True):
        if abs(s1 - s2) > 1e-9 * scale:
            count += 1
    return count


def collapse_linear(layers):
    W_total, b_total = layers[0]
    for W, b in layers[1:]:
        W_total = W @ W_total
        b_total = W @ b_total + b
    return W_total, b_total
