"""Slow exact oracles for region and piece counts, in rational arithmetic only.

Written apart from ``reference``: no floating point anywhere, no error bounds, no shared
helpers. Every weight is taken as the exact rational it stores (a float64 is a binary
rational; ints and Fractions as they are).

2-D: the box is a polygon with Fraction vertices; per polygon the pre-activation of each unit
is an exact affine map a x + b y + c, composed from the polygon's own activation pattern.
Unit by unit a polygon is split in two only when some vertex has a value > 0 and some < 0;
the count is the number of polygons at the end.

1-D: per interval, each unit's pre-activation is an exact affine map a x + c; an interval is
split at the distinct roots -c / a strictly inside it; at the end neighbouring intervals
whose output slopes are equal are merged.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np


def _q(v) -> Fraction:
    if isinstance(v, Fraction):
        return v
    if isinstance(v, (int, np.integer)):
        return Fraction(int(v))
    return Fraction(float(v))


def exact_layers(layers) -> list[tuple[list[list[Fraction]], list[Fraction]]]:
    out = []
    for W, b in layers:
        W = np.asarray(W, dtype=object)
        b = np.asarray(b, dtype=object)
        out.append(([[_q(v) for v in row] for row in W], [_q(v) for v in b]))
    return out


def oracle_regions(layers, box) -> int:
    """Number of activation regions of a 2-input network in box = (xmin, xmax, ymin, ymax)."""
    net = exact_layers(layers)
    x0, x1, y0, y1 = (_q(v) for v in box)
    one, zero = Fraction(1), Fraction(0)
    # polygon: (vertices, input map rows [(a, b, c)] of the current layer input)
    polys = [([(x0, y0), (x1, y0), (x1, y1), (x0, y1)], [(one, zero, zero), (zero, one, zero)])]
    for W, b in net[:-1]:
        next_polys = []
        for verts, M in polys:
            maps = []
            for row, bias in zip(W, b, strict=True):
                a = sum((w * m[0] for w, m in zip(row, M, strict=True)), zero)
                bb = sum((w * m[1] for w, m in zip(row, M, strict=True)), zero)
                c = bias + sum((w * m[2] for w, m in zip(row, M, strict=True)), zero)
                maps.append((a, bb, c))
            pieces = [(verts, [])]  # (vertices, states so far)
            for a, bb, c in maps:
                split = []
                for pv, states in pieces:
                    vals = [a * x + bb * y + c for x, y in pv]
                    if max(vals) > 0 and min(vals) < 0:
                        plus, minus = [], []
                        n = len(pv)
                        for i in range(n):
                            j = (i + 1) % n
                            if vals[i] >= 0:
                                plus.append(pv[i])
                            if vals[i] <= 0:
                                minus.append(pv[i])
                            if vals[i] * vals[j] < 0:
                                t = vals[i] / (vals[i] - vals[j])
                                (xi, yi), (xj, yj) = pv[i], pv[j]
                                q = (xi + t * (xj - xi), yi + t * (yj - yi))
                                plus.append(q)
                                minus.append(q)
                        split.append((plus, [*states, True]))
                        split.append((minus, [*states, False]))
                    else:
                        split.append((pv, [*states, max(vals) > 0]))
                pieces = split
            for pv, states in pieces:
                masked = [
                    mp if on else (zero, zero, zero) for mp, on in zip(maps, states, strict=True)
                ]
                next_polys.append((pv, masked))
        polys = next_polys
    return len(polys)


def oracle_pieces(layers, lo, hi) -> int:
    """Number of maximal affine pieces of a 1-input, 1-output network on [lo, hi]."""
    net = exact_layers(layers)
    zero = Fraction(0)
    # interval: (left, right, slopes of the layer input, intercepts of the layer input)
    state = [(_q(lo), _q(hi), [Fraction(1)], [zero])]
    for W, b in net[:-1]:
        new_state = []
        for left, right, s, c in state:
            za = [sum((w * v for w, v in zip(row, s, strict=True)), zero) for row in W]
            zc = [
                bias + sum((w * v for w, v in zip(row, c, strict=True)), zero)
                for row, bias in zip(W, b, strict=True)
            ]
            roots = sorted(
                {-cc / aa for aa, cc in zip(za, zc, strict=True) if aa != 0 and left < -cc / aa < right}
            )
            cuts = [left, *roots, right]
            for p, q in zip(cuts[:-1], cuts[1:], strict=True):
                mid = (p + q) / 2
                on = [aa * mid + cc > 0 for aa, cc in zip(za, zc, strict=True)]
                new_state.append(
                    (
                        p,
                        q,
                        [aa if o else zero for aa, o in zip(za, on, strict=True)],
                        [cc if o else zero for cc, o in zip(zc, on, strict=True)],
                    )
                )
        state = new_state
    w_out = net[-1][0][0]
    slopes = [sum((w * v for w, v in zip(w_out, s, strict=True)), zero) for _, _, s, _ in state]
    return 1 + sum(1 for p, q in zip(slopes[:-1], slopes[1:], strict=True) if p != q)
