"""A correct surfaces submission: every function of the assignment, numpy only.

layers is a list of (W (d_out, d_in), b (d_out,)); every layer but the last is a hidden ReLU
layer. points has shape (N, 2).
"""

import numpy as np


def hidden_pre_activations(points, layers):
    """One (N, d_l) array of pre-activations per hidden layer."""
    f = np.asarray(points, dtype=float)
    pres = []
    for W, b in layers[:-1]:
        pre = f @ np.asarray(W, dtype=float).T + b
        pres.append(pre)
        f = np.maximum(pre, 0.0)
    return pres


def neuron_surfaces(points, layers):
    """List of (N, d_l) post-activations, one per hidden layer."""
    return [np.maximum(pre, 0.0) for pre in hidden_pre_activations(points, layers)]


def activation_patterns(points, layers):
    """(N, total hidden units) bool: pre-activation > 0, layers in order."""
    pres = hidden_pre_activations(points, layers)
    if not pres:
        return np.zeros((len(points), 0), dtype=bool)
    return np.concatenate(pres, axis=1) > 0


def count_regions_grid(layers, box, resolution):
    """Distinct activation patterns on a resolution x resolution grid over box (x0, x1, y0, y1)."""
    xs = np.linspace(box[0], box[1], resolution)
    ys = np.linspace(box[2], box[3], resolution)
    gx, gy = np.meshgrid(xs, ys)
    pattern = activation_patterns(np.column_stack([gx.ravel(), gy.ravel()]), layers)
    if pattern.shape[1] == 0:
        return 1
    return int(np.unique(pattern, axis=0).shape[0])
