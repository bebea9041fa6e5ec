"""Partly right.

- neuron_surfaces is correct.
- activation_patterns marks a unit active when its pre-activation is >= 0; a pre-activation of
  exactly 0 is inactive (the pattern is pre-activation > 0).
- count_regions_grid builds both grid axes from the x range box[0]..box[1]; the y axis must run
  over box[2]..box[3].
"""

import numpy as np


def neuron_surfaces(points, layers):
    out = []
    h = points
    for W, b in layers[:-1]:
        h = np.maximum(0, h @ W.T + b)
        out.append(h)
    return out


def activation_patterns(points, layers):
    cols = []
    h = points
    for W, b in layers[:-1]:
        pre = h @ W.T + b
        cols.append(pre >= 0)
        h = np.maximum(0, pre)
    if not cols:
        return np.zeros((len(points), 0), dtype=bool)
    return np.hstack(cols)


def count_regions_grid(layers, box, resolution):
    x = np.linspace(box[0], box[1], resolution)
    y = np.linspace(box[0], box[1], resolution)
    X, Y = np.meshgrid(x, y)
    pts = np.stack([X.ravel(), Y.ravel()], axis=1)
    h = pts
    cols = []
    for W, b in layers[:-1]:
        pre = h @ W.T + b
        cols.append(pre > 0)
        h = np.maximum(0, pre)
    if not cols:
        return 1
    patterns = np.hstack(cols)
    return len({row.tobytes() for row in patterns})
