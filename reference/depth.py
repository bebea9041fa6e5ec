"""Answer key for the `depth` assignment: deep networks, the sawtooth, and why activations matter.

A deep network is a list ``layers`` of (W, b) pairs, W of shape (d_out, d_in) and b of shape
(d_out,), applied as f_0 = x, f_l = relu(W_l f_{l-1} + b_l), with NO relu after the last layer.

Exact piece counting (`count_linear_pieces`, `linear_piece_edges`) follows every interval of
[lo, hi] on which the network is affine: on such an interval each unit's pre-activation is
affine, so the unit either keeps one state or switches at one root. Layer by layer, intervals
are split at the roots strictly inside them (equal roots split once), and at the end
neighbours whose output slopes are equal are merged: the network is continuous, so an equal
slope on both sides of a breakpoint means one affine piece.

"Exact" means exact for the network as given, with no tolerance: every float64 weight is the
binary rational it stores, and each decision (a sign at an edge, the order of two roots, a
slope change) is made in floating point only when a rigorous error bound proves it; otherwise
that interval is redone in rational arithmetic (``fractions.Fraction``). So no piece is lost or
invented, however narrow it is, however far from 0 the interval lies, or however little the
slope changes (1e6 to 1e6 + 1e-4 counts as a bend).

Counting the net as typed in decimals: the float64 net of ``0.3 x - 3 (0.1 x)`` is not the zero
function (0.3 and 0.1 are not binary fractions), so it has 2 pieces on [-1, 1]. To count the
decimal net, pass the weights (and lo, hi if needed) as ``fractions.Fraction("0.3")``,
``decimal.Decimal("0.3")``, the strings ("0.3") or ints, in lists or object arrays; they are
then taken exactly.
"""

from __future__ import annotations

import operator
from fractions import Fraction

import numpy as np

from reference._exact import TINY, LayerInfo, Net, U, fsign, gamma, layer_info, to_fraction
from reference._validate import as_float_array, as_layers
from reference.shallow import check_interval

__all__ = [
    "mlp",
    "sawtooth",
    "sawtooth_layers",
    "count_linear_pieces",
    "linear_piece_edges",
    "collapse_linear",
]


def mlp(x: np.ndarray, layers: list[tuple[np.ndarray, np.ndarray]]) -> np.ndarray:
    """Apply the network to a batch.

    x: shape (N, d_in); layers: [(W_1, b_1), ..., (W_L, b_L)] with W_l of shape
    (d_l, d_{l-1}) and b_l of shape (d_l,), d_0 = d_in. Returns outputs of shape (N, d_L).
    """
    x = as_float_array("x", x, ("N", "d_in"))
    layers = as_layers("layers", layers, d_in=x.shape[1])
    h = x
    for W, b in layers[:-1]:
        h = np.maximum(h @ W.T + b, 0.0)
    W, b = layers[-1]
    return h @ W.T + b


def _check_depth(depth: object) -> int:
    try:
        value = operator.index(depth)  # type: ignore[arg-type]
    except TypeError as exc:
        raise ValueError(f"depth must be an int >= 0; got {depth!r}") from exc
    if value < 0 or isinstance(depth, bool):
        raise ValueError(f"depth must be an int >= 0; got {depth!r}")
    return value


def sawtooth(x: np.ndarray, depth: int) -> np.ndarray:
    """The sawtooth f_depth(x), where f_0(x) = x and f_l = 2 |f_{l-1}| - 2.

    x: shape (N,); depth: int >= 0. Returns shape (N,). On [-2, 2] it has 2**depth pieces.
    """
    f = as_float_array("x", x, (None,)).copy()
    for _ in range(_check_depth(depth)):
        f = 2.0 * np.abs(f) - 2.0
    return f


def sawtooth_layers(depth: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """Layers of a network computing `sawtooth`: 2 ReLU units per hidden layer.

    depth: int >= 0. Returns depth hidden layers and one linear output layer (depth + 1 pairs);
    depth 0 is [([[1.]], [0.])]. The units of hidden layer l are relu(t) and relu(-t) for
    t = f_{l-1}, so |t| = relu(t) + relu(-t); the map t -> 2 |t| - 2 is folded into the next
    layer: its pre-activations are +-(2 h_1 + 2 h_2 - 2).
    """
    depth = _check_depth(depth)
    if depth == 0:
        return [(np.array([[1.0]]), np.array([0.0]))]
    layers = [(np.array([[1.0], [-1.0]]), np.zeros(2))]
    for _ in range(depth - 1):
        layers.append((np.array([[2.0, 2.0], [-2.0, -2.0]]), np.array([-2.0, 2.0])))
    layers.append((np.array([[2.0, 2.0]]), np.array([-2.0])))
    return layers


def _exact_interval(lo: object, hi: object) -> tuple[float, float, Fraction, Fraction]:
    """(lo, hi) as floats and as exact rationals (ints, Fractions, Decimals taken as typed)."""
    lo_f, hi_f = check_interval(lo, hi)
    ends = []
    for value, rounded in ((lo, lo_f), (hi, hi_f)):
        try:
            ends.append(to_fraction(value))
        except ValueError:
            ends.append(Fraction(rounded))
    if not ends[0] < ends[1]:
        raise ValueError(f"lo and hi must be finite with lo < hi; got lo={lo!r}, hi={hi!r}")
    return lo_f, hi_f, ends[0], ends[1]


def _rounding_bound(rounded: float, exact: Fraction) -> float:
    """A bound on |rounded - exact| for the float64 rounding of an exact value."""
    return 0.0 if Fraction(rounded) == exact else 2.0 * U * abs(rounded) + TINY


def _exact_forward(
    net: Net, x: Fraction, upto: int
) -> tuple[list[Fraction], list[Fraction], list[Fraction]]:
    """Exact h_upto(x) and its slope on x's piece, and the roots of every unit of layers < upto.

    Returns (h, dh, roots): the affine map of the layer-`upto` input on the piece of x is
    h + dh * (t - x); roots lists -c/a for each unit a t + c of layers 1..upto on that piece
    with a != 0 (the piece is bounded by the nearest ones).
    """
    h, dh = [x], [Fraction(1)]
    roots: list[Fraction] = []
    for layer in range(upto):
        nh, ndh = [], []
        for row in net.exact_rows(layer):
            z = row[-1] + sum(w * v for w, v in zip(row, h, strict=False))
            dz = sum((w * v for w, v in zip(row, dh, strict=False)), Fraction(0))
            if dz != 0:
                roots.append(x - z / dz)
            nh.append(z if z > 0 else Fraction(0))
            ndh.append(dz if z > 0 else Fraction(0))
        h, dh = nh, ndh
    return h, dh, roots


# Intervals are processed in chunks of this many to bound the temporary arrays.
_CHUNK = 1 << 19
# No value of the float pass may reach this size (then none of its operations overflows): the
# lean pass is skipped and non-finite values count as uncertain.
_LIMIT = 1e300
# A piece is kept in float only if it is wider than this times its ends' error bounds, so the
# midpoint of its float ends is certified inside it (see `_Pieces._make_exact`).
_GAP = 2.0 * (1.0 + 4.0 * U)
# Whether the lean pass may run (the tests turn it off to check the general pass alone).
_LEAN = True


class _Pieces:
    """Exact subdivision of [lo, hi] into the pieces of a 1-input network, layer by layer.

    The state is the sorted edge list e (n + 1,) with bounds de on |e - exact edge|, and the
    values H (n + 1, d) of the current layer's input at the edges with bounds EH (n + 1,) on
    the error of every entry of a row. The input of every layer is affine between neighbouring
    edges, so a unit's pre-activation changes sign inside an interval exactly when its values
    at the two ends have strictly opposite signs, and its root and the values there follow by
    interpolation. Edges in ``rec`` are known exactly (position and H row as Fractions); an
    interval with two exact ends is processed in exact arithmetic, and so are its pieces.

    A float interval whose decision is not certain (a sign at an end within its error bound,
    two roots closer than their bounds, or a piece narrower than its ends' bounds) is made
    exact: its midpoint (certified inside, see ``_GAP``) gives the exact activation pattern
    there, hence the exact affine map of every unit and the exact ends of the interval.

    A layer whose units are all proportional (one representative, as in the sawtooth or a
    layer of width 1) takes a lean pass (``_lean_layer``) with far fewer array operations:
    its roots are roots of every unit, so an interval gets at most one and each new edge has
    H = 0 exactly; its state is ``S`` (d + 4, n + 1), rows e, de, H (d rows), EH and 1, with
    e, de, H, EH views of it (S is None after the general pass). The output's slopes have a
    lean pass too (``_lean_bends``). ``hb`` bounds |H| (float and exact) a priori: no lean
    pass runs where a value could overflow.
    """

    def __init__(self, net: Net, lo: tuple[float, Fraction], hi: tuple[float, Fraction]):
        self.net = net
        self.lo, self.hi = lo[1], hi[1]
        self.e = np.array([lo[0], hi[0]])
        self.de = np.array([_rounding_bound(*lo), _rounding_bound(*hi)])
        self.H = self.e[None, :].copy()  # (d, n + 1): one row per unit
        self.EH = self.de.copy()
        self.rec: dict[int, tuple[Fraction, list[Fraction]]] = {}
        self.done = 0  # hidden layers processed
        if not net.filtered:
            self.rec = {0: (lo[1], [lo[1]]), 1: (hi[1], [hi[1]])}
        self.hb = max(abs(lo[0]), abs(hi[0]))
        self.xmax = 2.0 * self.hb  # >= 2 |every float position|
        self.S: np.ndarray | None = None

    def _stacked(self) -> np.ndarray:
        """The state as ``S`` (d + 4, n + 1) (see the class docstring), built if needed."""
        if self.S is None:
            self.S = np.concatenate(
                [self.e[None], self.de[None], self.H, self.EH[None], np.ones((1, self.e.size))]
            )
            self.e, self.de, self.H, self.EH = (
                self.S[0],
                self.S[1],
                self.S[2:-2],
                self.S[-2],
            )
        return self.S

    # -- exact conversion ------------------------------------------------------------------

    def _make_exact(self, i: int) -> None:
        """Give both ends of float interval i exact records."""
        if i in self.rec and i + 1 in self.rec:
            return
        a, b = Fraction(float(self.e[i])), Fraction(float(self.e[i + 1]))
        x0 = (a + b) / 2
        if not (x0 - a > Fraction(float(self.de[i])) and b - x0 > Fraction(float(self.de[i + 1]))):
            raise AssertionError("internal error: float interval without a certified midpoint")
        h, dh, roots = _exact_forward(self.net, x0, self.done)
        if x0 in roots:
            raise AssertionError("internal error: a unit changes sign inside a piece")
        left = max([self.lo, *(r for r in roots if r < x0)])
        right = min([self.hi, *(r for r in roots if r > x0)])
        for k, x in ((i, left), (i + 1, right)):
            row = [v + s * (x - x0) for v, s in zip(h, dh, strict=True)]
            old = self.rec.get(k)
            if old is not None and old[0] != x:
                raise AssertionError("internal error: two exact values for one edge")
            self.rec[k] = (x, row)
            self._store_float(k, x, row)

    def _store_float(self, k: int, x: Fraction, row: list[Fraction]) -> None:
        self.e[k] = float(x)
        self.de[k] = _rounding_bound(float(x), x)
        vals = np.array([float(v) for v in row])
        self.H[:, k] = vals
        self.EH[k] = 2.0 * U * float(np.max(np.abs(vals), initial=0.0)) + TINY

    # -- one hidden layer ------------------------------------------------------------------

    def layer(self, index: int) -> None:
        """Split every interval at the roots of layer ``index``'s units; move to its output."""
        net = self.net
        W, b = net.floats[index]
        d = W.shape[0]
        n = self.e.size - 1
        info = layer_info(net, index)
        zb = (info.norm * self.hb + info.bmax) * (1.0 + 2.0**-20)  # >= |z|, float or exact
        huge = not (zb < _LIMIT and self.xmax < _LIMIT)
        self.hb = zb
        if _LEAN and info.r0 >= 0 and net.filtered and not huge:
            self._lean_layer(index, info, self._stacked())
            return
        self.S = None
        reps = info.reps
        Zx: dict[int, list[Fraction]] = {
            k: self._exact_pre(net.exact_rows(index), h) for k, (_, h) in self.rec.items()
        }
        rec_keys = np.array(sorted(Zx), dtype=np.intp)
        one = n <= _CHUNK  # one chunk: its arrays are the layer's
        Hold = None if one else np.empty((d, n + 1))
        EHold = None if one else np.empty(n + 1)
        bad = np.zeros(n, dtype=bool)
        found = []
        for lo in range(0, n, _CHUNK):
            hi = min(n, lo + _CHUNK)
            found.append(self._chunk(index, info, lo, hi, Zx, rec_keys, Hold, EHold, bad))
        if one:
            Hold, EHold = found[0][5], found[0][6]
        # The uncertain intervals, in exact arithmetic.
        todo = [int(i) for i in np.flatnonzero(bad)] if bad.any() else []
        for i in todo:
            self._make_exact(i)
            for k in (i, i + 1):
                if k not in Zx:
                    Zx[k] = self._exact_pre(net.exact_rows(index), self.rec[k][1])
        x_ii, x_pos, x_row = [], [], []
        for i in todo:
            xa, _ = self.rec[i]
            xb, _ = self.rec[i + 1]
            za, zb = Zx[i], Zx[i + 1]
            ts = sorted({za[u] / (za[u] - zb[u]) for u in reps if fsign(za[u]) * fsign(zb[u]) < 0})
            for tt in ts:
                x_ii.append(i)
                x_pos.append(xa + tt * (xb - xa))
                x_row.append([p + tt * (q - p) for p, q in zip(za, zb, strict=True)])
        # Assemble the new edge list: old edges, float roots, exact roots, in order.
        if len(found) == 1:
            ii = found[0][0]
        else:
            ii = np.concatenate([f[0] for f in found]) if found else np.zeros(0, dtype=np.intp)
        n_f = ii.size
        if x_ii:
            all_ii = np.concatenate([ii, np.array(x_ii, dtype=np.intp)])
            order = np.argsort(all_ii, kind="stable")
            all_ii = all_ii[order]
        else:
            all_ii, order = ii, None
        del ii
        size = n + 1 + all_ii.size
        if order is None and all_ii.size == n and np.all(all_ii[1:] > all_ii[:-1]):
            # one root in every interval (sorted, distinct, n of them): plain interleaving
            old_pos = slice(0, size, 2)
            slots_f, slots_x = slice(1, size, 2), np.zeros(0, dtype=np.intp)
            old_index = np.arange(0, size, 2) if Zx else None
        else:
            counts = np.bincount(all_ii, minlength=n)
            shift = np.zeros(n + 1, dtype=np.intp)
            np.cumsum(counts, out=shift[1:])
            del counts
            old_pos = old_index = np.arange(n + 1) + shift
            new_pos = old_pos[all_ii] + 1 + (np.arange(all_ii.size) - shift[all_ii])
            del shift
            if order is None:
                slots_f, slots_x = new_pos, new_pos[:0]
            else:
                from_float = order < n_f
                slots_f, slots_x = new_pos[from_float], new_pos[~from_float]
            del new_pos
        del all_ii, order
        self.e = _assemble(self.e, found, 1, old_pos, slots_f, size)
        self.de = _assemble(self.de, found, 2, old_pos, slots_f, size)
        self.H = _assemble(Hold, found, 3, old_pos, slots_f, size)
        del Hold
        self.EH = _assemble(EHold, found, 4, old_pos, slots_f, size)
        del EHold, found
        rec: dict[int, tuple[Fraction, list[Fraction]]] = {}
        for k, z in Zx.items():
            rec[int(old_index[k])] = (self.rec[k][0], [v if v > 0 else Fraction(0) for v in z])
        for slot, x, z in zip(slots_x.tolist(), x_pos, x_row, strict=True):
            rec[slot] = (x, [v if v > 0 else Fraction(0) for v in z])
        self.rec = rec
        for k, (x, row) in rec.items():
            self._store_float(k, x, row)
        self.done = index + 1

    def _chunk(self, index, info, lo, hi, Zx, rec_keys, Hold, EHold, bad):
        """The float pass of one layer over intervals lo..hi-1 (edges lo..hi).

        Writes the edges' next-layer values into Hold (d, n + 1) and EHold (n + 1,) (or, if
        these are None, returns them), marks the uncertain intervals in ``bad``, and returns
        the certain roots as (interval (m,), position (m,), its bound (m,), next-layer values
        (d, m), their bound (m,)), then the edges' values and bounds or None.
        """
        net = self.net
        W, b = net.floats[index]
        d, n_in = W.shape
        rep, reps = info.rep, info.reps
        e, de = self.e[lo : hi + 1], self.de[lo : hi + 1]
        H, EH = self.H[:, lo : hi + 1], self.EH[lo : hi + 1]
        Z = W @ H if n_in > 1 else W * H
        Z += info.b_col
        EZ = info.g_absW @ np.abs(H) if n_in > 1 else info.g_absW * np.abs(H)
        EZ += info.g_absb_col
        EZ += info.rowsum_col * EH
        if not (self.hb < _LIMIT and self.xmax < _LIMIT):  # overflow possible
            EZ[~np.isfinite(Z)] = np.inf
        # A column that is exactly 0 (zero bound) gives z = b exactly: 0 when b is 0.
        zero = None
        if info.zero_b or info.zero_rows:
            zero = np.zeros(Z.shape, dtype=bool)
            exact_zero = (EH == 0) & ~H.any(axis=0)
            zero |= (b == 0)[:, None] & exact_zero
            zero[rep < 0] = True
        if rec_keys.size:
            if zero is None:
                zero = np.zeros(Z.shape, dtype=bool)
            here = rec_keys[(rec_keys >= lo) & (rec_keys <= hi)]
            for k in here.tolist():
                z = Zx[k]
                vals = np.array([float(v) for v in z])
                Z[:, k - lo] = vals
                EZ[:, k - lo] = 2.0 * U * np.abs(vals) + TINY
                zero[:, k - lo] = [v == 0 for v in z]
        if zero is not None:
            EZ[zero] = 0.0
            Z[zero] = 0.0
        Hc, EHc = _relu_bounded(Z, EZ)
        if Hold is not None:
            Hold[:, lo:hi] = Hc[:, :-1]
            EHold[lo:hi] = EHc[:-1]
            if hi == self.e.size - 1:
                Hold[:, hi] = Hc[:, -1]
                EHold[hi] = EHc[-1]
            Hc = EHc = None
        if reps.size == d:
            Zs, Es, zs = Z, EZ, zero
        else:
            Zs, Es = Z[reps], EZ[reps]
            zs = None if zero is None else zero[reps]
        pos, neg = Zs > Es, Zs < -Es
        sure = pos | neg
        if zs is not None:
            sure |= zs
        certain = sure[0] if reps.size == 1 else sure.all(axis=0)
        badc = ~(certain[:-1] & certain[1:])
        if not net.filtered:
            badc[:] = True
        cross = (pos[:, :-1] & neg[:, 1:]) | (neg[:, :-1] & pos[:, 1:])
        del pos, neg, certain, zs, sure
        cross &= ~badc
        nc = hi - lo
        if reps.size == 1:
            ii = np.flatnonzero(cross[0])
            jj = np.zeros(ii.size, dtype=np.intp)
        else:
            ii, jj = np.nonzero(cross.T)
        del cross
        every = reps.size == 1 and ii.size == nc  # a root in every interval: use slices
        if every:
            za, zb = Zs[0, :-1], Zs[0, 1:]
            ea, eb = Es[0, :-1], Es[0, 1:]
        else:
            za, zb = Zs[jj, ii], Zs[jj, ii + 1]
            ea, eb = Es[jj, ii], Es[jj, ii + 1]
        uu = reps[jj]
        del jj, Zs, Es
        t = za / (za - zb)
        size = np.abs(za)
        size += np.abs(zb)
        spread = ea + eb
        del za, zb, ea, eb
        dt = spread * (size + spread)
        dt /= (size - spread) ** 2
        dt += 4.0 * U
        dt *= 2.0
        del size, spread
        if reps.size > 1 and ii.size > 1 and (ii[1:] == ii[:-1]).any():
            order = np.lexsort((t, ii))
            ii, uu, t, dt = ii[order], uu[order], t[order], dt[order]
            every = False
            same = ii[1:] == ii[:-1]
            close = same & ~(t[1:] - t[:-1] > dt[1:] + dt[:-1])
            badc[ii[1:][close]] = True
        el, er = (e[:-1], e[1:]) if every else (e[ii], e[ii + 1])
        dl, dh = (de[:-1], de[1:]) if every else (de[ii], de[ii + 1])
        w = er - el
        r = t * w
        r += el
        dr = dt + 3.0 * U
        dr *= np.abs(w)
        dr += 2.0 * U * np.abs(r)
        dr *= 2.0
        dr += np.maximum(dl, dh)
        dr *= 1.0 + 8.0 * U  # covers the rounding of the sum (dl, dh carry none)
        dr += TINY
        del w
        gap = _GAP
        first = None
        if reps.size > 1:
            first = np.ones(ii.size, dtype=bool)
            first[1:] = ii[1:] != ii[:-1]
        if first is None or first.all():  # one root per interval
            thin = r - el <= gap * np.maximum(dr, dl)
            thin |= er - r <= gap * np.maximum(dr, dh)
        else:
            last = np.ones(ii.size, dtype=bool)
            last[:-1] = first[1:]
            prev_x = np.where(first, el, np.roll(r, 1))
            prev_d = np.where(first, dl, np.roll(dr, 1))
            thin = r - prev_x <= gap * np.maximum(dr, prev_d)
            next_x = np.where(last, er, np.roll(r, -1))
            next_d = np.where(last, dh, np.roll(dr, -1))
            thin |= next_x - r <= gap * np.maximum(dr, next_d)
        thin |= ~np.isfinite(dr)
        del el, er, dl, dh
        badc[ii[thin]] = True
        del thin
        bad[lo:hi] = badc
        if badc.any():
            keep = ~badc[ii]
            ii, uu, t, dt, r, dr = ii[keep], uu[keep], t[keep], dt[keep], r[keep], dr[keep]
            every = False
            del keep
        # Values at the new edges: interpolate every unit; the root's own group is exactly 0.
        Za, Zb = (Z[:, :-1], Z[:, 1:]) if every else (Z[:, ii], Z[:, ii + 1])
        Ea, Eb = (EZ[:, :-1], EZ[:, 1:]) if every else (EZ[:, ii], EZ[:, ii + 1])
        Zr = Zb - Za
        EZr = np.abs(Zr)
        EZr *= dt
        Zr *= t
        Zr += Za
        EZr += np.maximum(Ea, Eb)
        del Ea, Eb
        EZr += 4.0 * U * (np.abs(Za) + np.abs(Zr))
        EZr *= 1.0 + 8.0 * U  # covers the rounding of the sum (Ea, Eb carry none)
        del Za, Zb, Z, EZ
        units = [int(reps[0])] if reps.size == 1 else np.unique(uu).tolist()
        for root_unit in units:
            own = rep == root_unit
            cols = uu == root_unit
            if reps.size == 1 or cols.all():
                Zr[own] = 0.0
                EZr[own] = 0.0
            else:
                Zr[np.ix_(own, cols)] = 0.0
                EZr[np.ix_(own, cols)] = 0.0
        del t, dt, uu
        Hr, EHr = _relu_bounded(Zr, EZr)
        return ii + lo, r, dr, Hr, EHr, Hc, EHc

    def _lean_layer(self, index: int, info: LayerInfo, S: np.ndarray) -> None:
        """The float pass of layer ``index`` when all its units are proportional (r0 >= 0).

        S (d_in + 4, n + 1) is the state (see the class docstring). The roots are those of
        the representative r0, where every unit of the layer is exactly 0 (its group; the
        others are zero rows), so an interval gets at most one. Intervals whose decision the
        bounds do not prove are made exact and split in exact arithmetic, as in ``layer``.
        """
        n = S.shape[1] - 1
        d = info.wx.shape[0]
        out = None if n <= _CHUNK else np.empty((d + 4, 2 * n + 1))  # room for n roots
        at = 0  # the next free column of out
        moved: dict[int, int] = {}  # rec key -> its column in out
        Zx: dict[int, list[Fraction]] = {}  # exact pre-activations at rec edges
        exact_roots: list[tuple[int, Fraction]] = []
        for lo in range(0, n, _CHUNK):
            hi = min(n, lo + _CHUNK)
            nxt, r, dr, ii, bad = self._lean_chunk(info, S[:, lo : hi + 1], hi == n)
            xi, xs = [], []
            if bad:
                rows = self.net.exact_rows(index)
            for i in bad:
                self._make_exact(lo + i)
                for k in (lo + i, lo + i + 1):
                    if k not in Zx:
                        Zx[k] = self._exact_pre(rows, self.rec[k][1])
                za, zb = Zx[lo + i], Zx[lo + i + 1]
                if fsign(za[info.r0]) * fsign(zb[info.r0]) < 0:
                    t = za[info.r0] / (za[info.r0] - zb[info.r0])
                    xa, xb = self.rec[lo + i][0], self.rec[lo + i + 1][0]
                    xi.append(i)
                    xs.append(xa + t * (xb - xa))
            if out is None:
                out = np.empty((d + 4, nxt.shape[1] + r.size + len(xi)))
            old, slots = _lean_write(out, at, nxt, r, dr, ii, np.array(xi, dtype=np.intp))
            at += nxt.shape[1] + r.size + len(xi)
            if self.rec:
                for k in self.rec:
                    if lo <= k < hi or k == hi == n:
                        moved[k] = old.start + 2 * (k - lo) if ii is None else old[k - lo]
            if xs:
                exact_roots += zip(slots.tolist(), xs, strict=True)
        if at < out.shape[1]:
            out = out[:, :at].copy() if at < 0.75 * out.shape[1] else out[:, :at]
        out[d + 3] = 1.0
        rec: dict[int, tuple[Fraction, list[Fraction]]] = {}
        if self.rec:
            rows = self.net.exact_rows(index)
            for k, (x, h) in self.rec.items():
                z = Zx[k] if k in Zx else self._exact_pre(rows, h)
                rec[int(moved[k])] = (x, [q if q > 0 else Fraction(0) for q in z])
        for slot, x in exact_roots:
            rec[slot] = (x, [Fraction(0)] * d)
        self.S = out
        self.e, self.de, self.H, self.EH = out[0], out[1], out[2 : d + 2], out[d + 2]
        self.rec = rec
        for k, (x, row) in rec.items():
            self._store_float(k, x, row)
        self.done = index + 1

    def _lean_chunk(self, info: LayerInfo, C: np.ndarray, last: bool) -> tuple:
        """The lean float pass over the edges of C (d_in + 4, c + 1), columns of the state.

        Returns the next state at the old edges nxt (d + 3, c, or c + 1 if ``last``: the
        state's rows but the ones), the certain roots: positions r (m,), their bounds dr (m,)
        and their intervals ii (m,) (None: one in every interval), then the intervals whose
        decision is not proven (a list).
        """
        d, d_in = info.wx.shape[0], C.shape[0] - 4
        X = C[2:]  # (H; EH; 1)
        Z = info.wx @ X  # (d, c + 1): pre-activations at the edges
        EZ = info.mx @ np.abs(X)  # (d, c + 1): a bound on the error of each
        z, ez = Z[info.r0], EZ[info.r0]
        M = np.abs(z)
        M -= ez  # M > 0 exactly where |z| > ez: the sign of z is certain
        positive = z > 0.0
        cross = positive[1:] != positive[:-1]  # (c,): the intervals with a root inside
        bad = None
        if info.r0_zero_b:  # an exact zero column (H = 0, EH = 0) gives z = 0 exactly
            zero = (X[d_in] == 0.0) & ~X[:d_in].any(axis=0)
            if zero.any():
                M[zero] = np.inf
                cross &= ~(zero[1:] | zero[:-1])
        if not M.min() > 0.0:  # NaN counts as uncertain too
            sure = M > 0.0
            bad = ~(sure[1:] & sure[:-1])
            cross &= ~bad
        e, de = C[0], C[1]
        if bad is None and cross.all():
            ii = None
            za, zb, ea, eb, ma, mb = z[:-1], z[1:], ez[:-1], ez[1:], M[:-1], M[1:]
            el, eh, dl, dh = e[:-1], e[1:], de[:-1], de[1:]
        else:
            ii = np.flatnonzero(cross)
            jj = ii + 1
            za, zb, ea, eb, ma, mb = z[ii], z[jj], ez[ii], ez[jj], M[ii], M[jj]
            el, eh, dl, dh = e[ii], e[jj], de[ii], de[jj]
        # The exact root is at T = Za / (Za - Zb) of the interval; with |Z - z| <= ez at the
        # ends, |T - t| <= (ea + eb) / ((|za| - ea) + (|zb| - eb)) + 2 U (the rounding of t),
        # and ma + mb is that denominator up to 2 U (the factor 2 covers it).
        t = za / (za - zb)
        dt = ea + eb
        dt /= ma + mb
        dt *= 2.0
        dt += 7.0 * U  # 4 U for t, 3 U for the rounding of r below
        # r = el + t w (w > 0): |r - exact| <= max(dl, dh) + (dt + 3 U) w + U |r|
        w = eh - el
        r = t * w
        r += el
        dr = dt * w
        dr += np.maximum(dl, dh)
        dr *= 1.0 + 16.0 * U  # covers the rounding of the bound itself
        dr += 2.0 * U * self.xmax + TINY
        # both new pieces wider than _GAP times their ends' bounds (dr >= dl, dh); NaN fails
        wide = np.minimum(r - el, eh - r) > _GAP * dr
        if not wide.all():
            if bad is None:
                bad = np.zeros(cross.size, dtype=bool)
            if ii is None:
                ii = np.arange(cross.size)
            bad[ii[~wide]] = True
            ii, r, dr = ii[wide], r[wide], dr[wide]
        keep = C.shape[1] if last else C.shape[1] - 1
        nxt = np.empty((d + 3, keep))
        nxt[:2] = C[:2, :keep]
        # next layer's input: relu; an entry certainly below 0 becomes exactly 0, no error
        EZ[Z < -EZ] = 0.0
        np.maximum(Z[:, :keep], 0.0, out=nxt[2 : d + 2])
        EZ[:, :keep].max(axis=0, out=nxt[d + 2])
        return nxt, r, dr, ii, [] if bad is None else np.flatnonzero(bad).tolist()

    @staticmethod
    def _exact_pre(rows: list[list[Fraction]], h: list[Fraction]) -> list[Fraction]:
        return [row[-1] + sum(w * v for w, v in zip(row, h, strict=False)) for row in rows]

    # -- the output ------------------------------------------------------------------------

    def bends(self) -> np.ndarray:
        """Bool (n - 1,): whether the output's slope changes at each inner edge, exactly."""
        net = self.net
        W, b = net.floats[-1]
        w = W[0]
        n = self.e.size - 1
        if n == 1:
            return np.zeros(0, dtype=bool)
        info = layer_info(net, len(net) - 1)
        zb = (info.norm * self.hb + info.bmax) * (1.0 + 2.0**-20)  # >= |y|, float or exact
        huge = not (zb < _LIMIT and self.xmax < _LIMIT)
        if _LEAN and net.filtered and not huge:
            return self._exact_bends(self._lean_bends(info))
        Y = w @ self.H
        Y += b[0]
        EY = np.abs(w) @ np.abs(self.H)
        EY += abs(b[0])
        EY *= gamma(w.size)
        EY += self.EH * float(info.rowsum_col[0, 0])
        EY += TINY
        if huge:  # overflow possible
            EY[~np.isfinite(Y)] = np.inf
        rows = net.exact_rows(len(net) - 1) if self.rec or not net.filtered else []
        Yx = {k: self._exact_pre(rows, h)[0] for k, (_, h) in self.rec.items()}
        if not net.filtered:
            Y[:], EY[:] = 0.0, np.inf
        for k, y in Yx.items():
            Y[k] = float(y)
            EY[k] = 2.0 * U * abs(Y[k]) + TINY
        bent = np.empty(n - 1, dtype=bool)
        for lo in range(0, n - 1, _CHUNK):
            hi = min(n - 1, lo + _CHUNK)  # inner edges lo + 1 .. hi, intervals lo .. hi
            s_lo, s_hi = _slope_bounds(
                self.e[lo : hi + 2], self.de[lo : hi + 2], Y[lo : hi + 2], EY[lo : hi + 2]
            )
            bent[lo:hi] = (s_lo[1:] > s_hi[:-1]) | (s_hi[1:] < s_lo[:-1])
        del Y, EY
        return self._exact_bends(bent)

    def _lean_bends(self, info: LayerInfo) -> np.ndarray:
        """Bool (n - 1,): the inner edges where the float bounds prove a slope change.

        With fewer array operations than ``bends`` (its float part); no value may overflow.
        """
        S, n = self.S, self.e.size - 1
        wx, mx = info.wx[0], info.mx[0]
        safe = 1.0 + 16.0 * U  # covers the rounding of the bounds themselves
        bent = np.empty(n - 1, dtype=bool)
        for lo in range(0, n - 1, _CHUNK):
            hi = min(n - 1, lo + _CHUNK)  # inner edges lo + 1 .. hi, pieces lo .. hi
            if S is not None:
                X = S[2:, lo : hi + 2]
            else:  # after the general pass: stack this chunk only
                at = slice(lo, hi + 2)
                X = np.concatenate([self.H[:, at], self.EH[None, at], np.ones((1, hi + 2 - lo))])
            y = wx @ X  # the output at the edges, each within ey of its exact value
            ey = mx @ np.abs(X)
            e, de = self.e[lo : hi + 2], self.de[lo : hi + 2]
            num, den = y[1:] - y[:-1], e[1:] - e[:-1]
            en = ey[1:] + ey[:-1]  # |num - exact| <= en + U |num|
            a = np.abs(num)
            a *= 2.0 * U
            en += a
            ed = de[1:] + de[:-1]  # |den - exact| <= ed + U den
            ed += 2.0 * U * den
            # piece slope s = num / den: |s - exact| <= (en + |s| ed) / (den - ed) + 2 U |s|
            s = num / den
            a = np.abs(s)
            es = a * ed
            es += en
            den -= ed
            es /= den
            a *= 2.0 * U
            es += a
            es *= safe
            change = np.abs(s[1:] - s[:-1])
            change *= 1.0 - 4.0 * U
            bent[lo:hi] = change > es[1:] + es[:-1]
            if not den.min() > 0.0:  # an end's bound is not below the width: no decision
                bent[lo:hi] &= (den[1:] > 0.0) & (den[:-1] > 0.0)
        return bent

    def _exact_bends(self, bent: np.ndarray) -> np.ndarray:
        """``bent`` (n - 1,) with each False entry decided by the exact slopes next to it."""
        net = self.net
        unsure = np.flatnonzero(~bent)
        if unsure.size:
            slopes: dict[int, Fraction] = {}

            rows = net.exact_rows(len(net) - 1)

            def slope(i: int) -> Fraction:
                if i not in slopes:
                    if not (i in self.rec and i + 1 in self.rec):
                        self._make_exact(i)
                    (xa, ha), (xb, hb) = self.rec[i], self.rec[i + 1]
                    ya, yb = self._exact_pre(rows, ha)[0], self._exact_pre(rows, hb)[0]
                    slopes[i] = (yb - ya) / (xb - xa)
                return slopes[i]

            for k in unsure:
                bent[k] = slope(int(k)) != slope(int(k) + 1)
        return bent


def _lean_write(out, at, nxt, r, dr, ii, xi) -> tuple[slice | np.ndarray, np.ndarray]:
    """Write a lean chunk in order into out (d + 4, ...) from column ``at``.

    nxt (d + 3, k): the old edges; r, dr (m,): float roots in intervals ii (m,) (None: one
    in each); xi (x,): intervals of exact roots, whose columns are left to the caller (H and
    EH are 0 at every root). Returns the columns of the old edges (a slice or (k,)) and of
    the exact roots (x,).
    """
    k, rows = nxt.shape[1], nxt.shape[0]
    if ii is None:  # then no exact roots
        out[:rows, at : at + 2 * k : 2] = nxt
        out[0, at + 1 : at + 2 * r.size : 2] = r
        out[1, at + 1 : at + 2 * r.size : 2] = dr
        out[2:rows, at + 1 : at + 2 * r.size : 2] = 0.0
        return slice(at, at + 2 * k, 2), xi
    counts = np.bincount(ii, minlength=k)
    if xi.size:
        counts[xi] += 1
    old = np.zeros(k, dtype=np.intp)
    np.cumsum(counts[: k - 1], out=old[1:])
    old += np.arange(at, at + k)
    new, slots = old[ii] + 1, old[xi] + 1
    out[:rows, old] = nxt
    out[0, new] = r
    out[1, new] = dr
    out[2:rows, new] = 0.0
    out[2:rows, slots] = 0.0
    return old, slots


def _assemble(old, found, part, old_pos, slots, size) -> np.ndarray:
    """Interleave old edge data (..., n + 1) with part ``part`` of each chunk's roots."""
    out = np.empty((*old.shape[:-1], size))
    out[..., old_pos] = old
    if isinstance(slots, slice):
        at = slots.start
        for f in found:
            block = f[part]
            out[..., at : at + 2 * block.shape[-1] : 2] = block
            at += 2 * block.shape[-1]
        return out
    at = 0
    for f in found:
        block = f[part]
        out[..., slots[at : at + block.shape[-1]]] = block
        at += block.shape[-1]
    return out


def _relu_bounded(Z: np.ndarray, EZ: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """relu(Z) for Z (d, m) and, per column, a bound on the error of every entry.

    An entry certainly below 0 (Z < -EZ) becomes exactly 0 and adds no error.
    """
    if Z.shape[0] == 0:
        return Z.copy(), np.zeros(Z.shape[1])
    EH = np.where(Z < -EZ, 0.0, EZ).max(axis=0)
    return np.maximum(Z, 0.0), EH


def _slope_bounds(
    e: np.ndarray, de: np.ndarray, Y: np.ndarray, EY: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Bounds (lo, hi), each (n,), on the exact slope (Y[i+1] - Y[i]) / (e[i+1] - e[i])."""
    num = Y[1:] - Y[:-1]
    en = EY[1:] + EY[:-1]
    en += 2.0 * U * np.abs(num)
    en *= 1.0 + 8.0 * U  # covers the rounding of the sums (EY, de carry none)
    den = e[1:] - e[:-1]
    ed = de[1:] + de[:-1]
    ed += 2.0 * U * np.abs(den)
    ed *= 1.0 + 8.0 * U
    d_lo = den - ed
    d_hi = den + ed
    del den, ed
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        up = num + en
        s_hi = np.maximum(up / d_lo, up / d_hi)
        up -= 2.0 * en
        s_lo = np.minimum(up / d_lo, up / d_hi)
    del up, num, en
    s_hi += 4.0 * U * np.abs(s_hi) + TINY
    s_lo -= 4.0 * U * np.abs(s_lo) + TINY
    unknown = ~(d_lo > 0)
    s_hi[unknown] = np.inf
    s_lo[unknown] = -np.inf
    s_hi[np.isnan(s_hi)] = np.inf
    s_lo[np.isnan(s_lo)] = -np.inf
    return s_lo, s_hi


def _piece_edges(layers: object, lo: object, hi: object) -> tuple[np.ndarray, int]:
    net = Net("layers", layers, d_in=1)
    W_last = net.floats[-1][0]
    if W_last.shape[0] != 1:
        raise ValueError(
            f"layers must end with 1 output: layers[{len(net) - 1}] W must have shape "
            f"(1, {W_last.shape[1]}); got shape {W_last.shape}"
        )
    lo_f, hi_f, lo_x, hi_x = _exact_interval(lo, hi)
    pieces = _Pieces(net, (lo_f, lo_x), (hi_f, hi_x))
    # overflow and 0 / 0 only widen bounds to inf / nan, which count as uncertain
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        for index in range(len(net) - 1):
            pieces.layer(index)
        bent = pieces.bends()
    e = pieces.e
    edges = np.concatenate([e[:1], e[1:-1][bent], e[-1:]])
    return edges, int(np.count_nonzero(bent)) + 1


def linear_piece_edges(layers: list, lo: float, hi: float) -> np.ndarray:
    """Breakpoints of the maximal affine pieces of a 1-input, 1-output network on [lo, hi].

    layers: as for `mlp` with d_in = 1 and d_out = 1 (weights may also be ints, Fractions or
    Decimals, taken exactly); lo < hi. Returns a sorted array of shape (P + 1,) starting at lo
    and ending at hi, where P is the number of pieces (as `count_linear_pieces` counts them);
    the breakpoints are exact rationals rounded to float64, so two that lie closer than
    float64 resolves can print equal.
    """
    edges, _ = _piece_edges(layers, lo, hi)
    return edges


def count_linear_pieces(layers: list, lo: float, hi: float) -> int:
    """Exact number of maximal intervals of [lo, hi] on which the network is affine.

    layers: as for `mlp` with one input and one output; lo < hi finite. Returns a Python int
    (the sawtooth of depth L gives 2**L on [-2, 2]). The count is that of the network exactly
    as given: every float64 weight is the binary rational it stores, and no piece is merged or
    lost however narrow it is or however little the slope changes (see the module docstring).

    To count the net as typed in decimals rather than its float64 rounding, pass the weights
    (and lo, hi if needed) as ``fractions.Fraction`` (``Fraction("0.1")``), ``decimal.Decimal``,
    decimal strings ("0.1") or ints: for example ``[(np.array([[Fraction("0.3")], [Fraction("0.1")]], dtype=object),
    [0, 0]), ([[1, -3]], [0])]`` is the zero function, 1 piece, while the same net in float64
    has 2.
    """
    _, count = _piece_edges(layers, lo, hi)
    return count


def collapse_linear(layers: list[tuple[np.ndarray, np.ndarray]]) -> tuple[np.ndarray, np.ndarray]:
    """One affine layer equal to the stack applied with no activation anywhere.

    layers: [(W_1, b_1), ..., (W_L, b_L)] chained as for `mlp`. Returns (W, b) with W of shape
    (d_L, d_0) and b of shape (d_L,) such that W x + b = W_L(...(W_1 x + b_1)...) + b_L.
    """
    layers = as_layers("layers", layers)
    W, b = layers[0][0].copy(), layers[0][1].copy()
    for W_l, b_l in layers[1:]:
        W, b = W_l @ W, W_l @ b + b_l
    return W, b
