"""Slow exact oracles for region and piece counts, in rational arithmetic only.

Written apart from ``reference``: no floating point anywhere, no error bounds, no shared
helpers. Every weight is taken as the exact rational it stores (a float64 is a binary
rational; ints and Fractions as they are).

2-D: the box is a polygon with homogeneous integer vertices; per polygon the pre-activation of
each unit is an exact integer affine map (up to one positive scale per layer), composed from
the polygon's own activation pattern.
Unit by unit a polygon is split in two only when some vertex has a value > 0 and some < 0;
the count is the number of polygons at the end.

1-D: per interval, each unit's pre-activation is an exact affine map a x + c; an interval is
split at the distinct roots -c / a strictly inside it; at the end neighbouring intervals
whose output slopes are equal are merged.
"""

from __future__ import annotations

import math
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


def _integer_layers(net):
    """Each layer as integers (Wi, bi, mw, mb) with z * S_l = mw * (Wi h~) + mb * bi.

    h~ = S_{l-1} h is the previous layer's output scaled by a positive integer S_{l-1} (S_0 = 1
    for the input), so the sign of every pre-activation is that of the integer on the right.
    """
    out = []
    scale = 1
    for W, b in net:
        lw = math.lcm(*(v.denominator for row in W for v in row))
        lb = math.lcm(*(v.denominator for v in b))
        Wi = [[int(v * lw) for v in row] for row in W]
        bi = [int(v * lb) for v in b]
        new_scale = math.lcm(lw * scale, lb)
        out.append((Wi, bi, new_scale // (lw * scale), new_scale // lb))
        scale = new_scale
    return out


def oracle_regions(layers, box) -> int:
    """Number of activation regions of a 2-input network in box = (xmin, xmax, ymin, ymax).

    Vertices are homogeneous integer triples (X, Y, T), T > 0, for the point (X / T, Y / T);
    each unit's (scaled) pre-activation on a polygon is an integer triple (a, b, c) with value
    a X + b Y + c T at a vertex.
    """
    net = _integer_layers(exact_layers(layers))
    x0, x1, y0, y1 = (_q(v) for v in box)
    den = math.lcm(x0.denominator, x1.denominator, y0.denominator, y1.denominator)
    X0, X1, Y0, Y1 = (int(v * den) for v in (x0, x1, y0, y1))
    start = [(X0, Y0, den), (X1, Y0, den), (X1, Y1, den), (X0, Y1, den)]
    polys = [(start, [(1, 0, 0), (0, 1, 0)])]
    for Wi, bi, mw, mb in net[:-1]:
        next_polys = []
        for verts, M in polys:
            maps = []
            for row, bias in zip(Wi, bi, strict=True):
                a = mw * sum(w * m[0] for w, m in zip(row, M, strict=True))
                bb = mw * sum(w * m[1] for w, m in zip(row, M, strict=True))
                c = mw * sum(w * m[2] for w, m in zip(row, M, strict=True)) + mb * bias
                maps.append((a, bb, c))
            pieces = [(verts, [])]  # (vertices, states so far)
            for a, bb, c in maps:
                split = []
                for pv, states in pieces:
                    vals = [a * X + bb * Y + c * T for X, Y, T in pv]
                    if max(vals) > 0 and min(vals) < 0:
                        plus, minus = [], []
                        n = len(pv)
                        for i in range(n):
                            j = (i + 1) % n
                            if vals[i] >= 0:
                                plus.append(pv[i])
                            if vals[i] <= 0:
                                minus.append(pv[i])
                            if (vals[i] > 0 > vals[j]) or (vals[i] < 0 < vals[j]):
                                si, sj = vals[i], vals[j]
                                q = [si * u - sj * v for u, v in zip(pv[j], pv[i], strict=True)]
                                if q[2] < 0:
                                    q = [-v for v in q]
                                g = math.gcd(*q)
                                q = tuple(v // g for v in q)
                                plus.append(q)
                                minus.append(q)
                        split.append((plus, [*states, True]))
                        split.append((minus, [*states, False]))
                    else:
                        split.append((pv, [*states, max(vals) > 0]))
                pieces = split
            for pv, states in pieces:
                masked = [mp if on else (0, 0, 0) for mp, on in zip(maps, states, strict=True)]
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
                {
                    -cc / aa
                    for aa, cc in zip(za, zc, strict=True)
                    if aa != 0 and left < -cc / aa < right
                }
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
