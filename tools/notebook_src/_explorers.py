"""Interactive explorers: sliders that redraw a figure. You need not read this code.

Every explorer is called with your own functions. It checks them once on its starting values
(so it is skipped, like a plot, while one of them is unwritten), then shows one slider per
parameter and redraws its figure whenever a slider is released. Without ipywidgets it draws one
static figure at the starting values instead.
"""

import matplotlib.pyplot as plt
import numpy as np

try:  # ipywidgets comes with the course's requirements; without it: one static figure each
    import ipywidgets as widgets
    from IPython.display import display
except ImportError:
    widgets = None


class Explorer:
    """Sliders tied to a drawing function.

    update(**values) draws one frame into a new figure and returns it; sliders maps each of its
    arguments to (label, low, high, step, start), an IntSlider when step is an int. probe(**values)
    runs the computations of a frame without drawing, before any widget is made. Attributes:
    values (the starting values), controls (name -> slider; empty without ipywidgets) and widget
    (the ipywidgets.interactive shown, None for a static figure).
    """

    def __init__(self, update, sliders, probe):
        self.update = update
        self.values = {name: spec[-1] for name, spec in sliders.items()}
        self.controls = {}
        self.widget = None
        probe(**self.values)
        if widgets is None:
            update(**self.values)
            return
        for name, (label, low, high, step, start) in sliders.items():
            kind = widgets.IntSlider if isinstance(step, int) else widgets.FloatSlider
            self.controls[name] = kind(
                value=start,
                min=low,
                max=high,
                step=step,
                description=label,
                continuous_update=False,
            )
        self.widget = widgets.interactive(update, **self.controls)
        display(self.widget)


def _finish(fig):
    fig.tight_layout()
    plt.show()
    return fig


def _kinks_of(theta):
    """Sorted kinks of the units with a slope (where theta_d0 + theta_d1 x = 0). theta: (D, 2)."""
    bias, slope = theta[:, 0], theta[:, 1]
    with np.errstate(all="ignore"):
        zeros = -bias / slope
    return np.sort(zeros[slope != 0.0])


def shallow_explorer(shallow_net, kink_locations, count_linear_regions, theta, phi, lo, hi):
    """One slider per theta_d0, theta_d1 and phi_d of a shallow network; draws y on [lo, hi],
    each phi_d h_d, the kinks (from kink_locations) and the region count (count_linear_regions).

    theta: (D, 2) and phi: (D + 1,) are the starting values.
    """
    theta, phi = np.array(theta, dtype=float), np.array(phi, dtype=float)
    units = range(1, len(theta) + 1)
    x = np.linspace(lo, hi, 401)
    sliders = {}
    for d in units:
        sliders[f"theta_{d}0"] = (f"θ{d}0", -2.0, 2.0, 0.05, theta[d - 1, 0])
        sliders[f"theta_{d}1"] = (f"θ{d}1", -3.0, 3.0, 0.05, theta[d - 1, 1])
    for d in range(len(phi)):
        sliders[f"phi_{d}"] = (f"φ{d}", -3.0, 3.0, 0.05, phi[d])

    def frame(values):
        th = np.array([[values[f"theta_{d}0"], values[f"theta_{d}1"]] for d in units])
        ph = np.array([values[f"phi_{d}"] for d in range(len(phi))])
        kinks = np.asarray(kink_locations(th), dtype=float)
        kinks = kinks[(kinks > lo) & (kinks < hi)]
        return th, ph, shallow_net(x, th, ph), kinks, count_linear_regions(th, ph, lo, hi)

    def update(**values):
        th, ph, y, kinks, regions = frame(values)
        fig, ax = plt.subplots(figsize=(8, 4))
        for d in units:
            unit = shallow_net(x, th[d - 1 : d], np.array([0.0, ph[d]]))
            ax.plot(x, unit, f"C{d - 1}", lw=1, alpha=0.6, label=rf"$\phi_{d} h_{d}$")
        ax.plot(x, y, "k", lw=2, label="y")
        for k in kinks:
            ax.axvline(k, color="grey", ls=":", lw=1)
        marks = ax.plot(kinks, shallow_net(kinks, th, ph), "kD", ms=7, label="kinks")[0]
        marks.set_gid("kinks")
        ax.axhline(0, color="grey", lw=0.5)
        ax.set(xlim=(lo, hi), xlabel="x", ylabel="y")
        plural = "s" if regions != 1 else ""
        ax.set_title(
            f"{regions} linear region{plural} on [{lo:g}, {hi:g}] (at most D + 1 = {len(phi)})"
        )
        ax.legend(loc="best", fontsize=8)
        return _finish(fig)

    return Explorer(update, sliders, lambda **values: frame(values))


def composition_explorer(shallow_net, compose, theta1, phi1, theta2, phi2, lo=-1.0, hi=1.0):
    """Network 2 applied to network 1 on [lo, hi]; sliders shift (phi1_0) and scale (phi1_1..)
    network 1's output and move network 2's offsets theta2_i0. Each linear region of the
    composition is coloured by the piece of network 2 it reuses (piece j: between network 2's
    j-th and (j+1)-th kink). theta1 (D1, 2), phi1 (D1 + 1,), theta2 (D2, 2), phi2 (D2 + 1,).
    """
    theta1, phi1 = np.array(theta1, dtype=float), np.array(phi1, dtype=float)
    theta2, phi2 = np.array(theta2, dtype=float), np.array(phi2, dtype=float)
    x = np.linspace(lo, hi, 801)
    sliders = {
        "shift": ("φ0 of net 1", -2.0, 2.0, 0.05, phi1[0]),
        "scale": ("scale φ1.. of net 1", 0.0, 2.0, 0.05, 1.0),
    }
    for i in range(1, len(theta2) + 1):
        sliders[f"theta2_{i}0"] = (f"θ'{i}0", -2.0, 2.0, 0.05, theta2[i - 1, 0])

    def frame(values):
        p1 = np.concatenate([[values["shift"]], values["scale"] * phi1[1:]])
        t2 = theta2.copy()
        t2[:, 0] = [values[f"theta2_{i}0"] for i in range(1, len(theta2) + 1)]
        k1, k2 = _kinks_of(theta1), _kinks_of(t2)
        # the slope of network 2 on each of its pieces, from two points inside the piece
        ends = np.concatenate(
            [[k2[0] - 2.0 if k2.size else -1.0], k2, [k2[-1] + 2.0 if k2.size else 1.0]]
        )
        inner = np.column_stack(
            [ends[:-1] * 2 / 3 + ends[1:] / 3, ends[:-1] / 3 + ends[1:] * 2 / 3]
        )
        ends2 = shallow_net(inner.ravel(), t2, phi2).reshape(inner.shape)
        slope2 = (ends2[:, 1] - ends2[:, 0]) / (inner[:, 1] - inner[:, 0])
        # cut network 1's pieces where its output crosses a kink of network 2
        bands = []  # [left, right, piece of network 2, slope of the composition]
        tol = 1e-9 * (hi - lo)  # crossings this close to a piece's end are that end
        edges1 = np.concatenate([[lo], k1[(k1 > lo + tol) & (k1 < hi - tol)], [hi]])
        for a, b in zip(edges1[:-1], edges1[1:], strict=True):
            ya, yb = shallow_net(np.array([a, b]), theta1, p1)
            cuts = [a]
            for cut in np.sort(a + (k2 - ya) / (yb - ya) * (b - a)) if yb != ya else []:
                if cut - cuts[-1] > tol and b - cut > tol:
                    cuts.append(cut)
            cuts.append(b)
            for c, e in zip(cuts[:-1], cuts[1:], strict=True):
                middle = ya + ((c + e) / 2 - a) / (b - a) * (yb - ya)
                piece = int(np.searchsorted(k2, middle))
                slope = (yb - ya) / (b - a) * slope2[piece]
                same = bands and abs(bands[-1][3] - slope) <= 1e-9 * max(1.0, abs(slope))
                if same:
                    bands[-1][1] = e
                else:
                    bands.append([c, e, piece, slope])
        return p1, t2, k2, bands, compose(x, theta1, p1, t2, phi2)

    def update(**values):
        p1, t2, k2, bands, out = frame(values)
        y = shallow_net(x, theta1, p1)
        y_lo, y_hi = min(y.min(), -1.0) - 0.2, max(y.max(), 1.0) + 0.2
        fig, axes = plt.subplots(1, 3, figsize=(14, 3.8))
        span = np.concatenate([[y_lo], k2[(k2 > y_lo) & (k2 < y_hi)], [y_hi]])
        for a, b in zip(span[:-1], span[1:], strict=True):
            piece = int(np.searchsorted(k2, (a + b) / 2))
            axes[0].axhspan(a, b, color=f"C{piece % 10}", alpha=0.15, lw=0)
            axes[1].axvspan(a, b, color=f"C{piece % 10}", alpha=0.15, lw=0)
            axes[1].text(
                (a + b) / 2,
                0.02,
                f"piece {piece}",
                transform=axes[1].get_xaxis_transform(),
                ha="center",
                fontsize=8,
            )
        axes[0].plot(x, y, "k", lw=1.5)
        y2 = np.linspace(y_lo, y_hi, 801)
        axes[1].plot(y2, shallow_net(y2, t2, phi2), "k", lw=1.5)
        for left, right, piece, _ in bands:
            band = axes[2].axvspan(left, right, color=f"C{piece % 10}", alpha=0.25, lw=0)
            band.set_gid(f"piece {piece}")
            axes[2].axvline(right, color="grey", lw=0.5)
        axes[2].plot(x, out, "k", lw=1.5)
        axes[0].set(
            title="network 1 (bands: pieces of network 2)",
            xlabel="x",
            ylabel="y",
            ylim=(y_lo, y_hi),
        )
        axes[1].set(title="network 2, by piece", xlabel="y", ylabel="y'", xlim=(y_lo, y_hi))
        plural = "s" if len(bands) != 1 else ""
        axes[2].set(
            title=f"composition: {len(bands)} linear region{plural}", xlabel="x", ylabel="y'"
        )
        return _finish(fig)

    return Explorer(update, sliders, lambda **values: frame(values))


def depth_explorer(mlp, sawtooth_layers, count_linear_pieces, max_depth=6):
    """The sawtooth f_(L-1) -> f_L = 2|f_(L-1)| - 2 on [-2, 2]: slider L (1..max_depth) and a fold
    slider t drawing (1 - t) f_(L-1) + t f_L, one line per linear piece. Curves come from mlp and
    sawtooth_layers, piece counts from count_linear_pieces."""
    x = np.linspace(-2.0, 2.0, 2**max_depth * 8 + 1)  # every corner of f_max_depth is a grid point
    sliders = {"depth": ("L", 1, max_depth, 1, 2), "fold": ("fold t", 0.0, 1.0, 0.05, 1.0)}

    def frame(values):
        depth = int(values["depth"])
        before, after = (mlp(x[:, None], sawtooth_layers(L))[:, 0] for L in (depth - 1, depth))
        counts = [count_linear_pieces(sawtooth_layers(L), -2.0, 2.0) for L in (depth - 1, depth)]
        return depth, before, after, counts

    def update(**values):
        depth, before, after, (n_before, n_after) = frame(values)
        t = float(values["fold"])
        shown = (1.0 - t) * before + t * after
        slope = np.diff(shown) / np.diff(x)
        turns = np.flatnonzero(np.abs(np.diff(slope)) > 1e-9 * (1.0 + np.abs(slope[1:]))) + 1
        corners = np.concatenate([[0], turns, [len(x) - 1]])
        fig, axes = plt.subplots(1, 2, figsize=(13, 3.8), sharey=True)
        axes[0].plot(x, before, "C0")
        axes[0].fill_between(
            x, before, 0.0, where=before < 0, color="C3", alpha=0.2, label="below 0: gets reflected"
        )
        axes[0].set_title(f"$f_{{{depth - 1}}}$: {n_before} pieces")
        axes[1].plot(x, before, color="grey", ls="--", lw=1, label=f"$f_{{{depth - 1}}}$")
        for i, (a, b) in enumerate(zip(corners[:-1], corners[1:], strict=True)):
            axes[1].plot(x[[a, b]], shown[[a, b]], f"C{i % 2}", lw=2, gid="piece")
        what = f"$f_{{{depth}}} = 2|f_{{{depth - 1}}}| - 2$" if t == 1.0 else f"t = {t:.2f}"
        axes[1].set_title(
            f"{what}: {len(corners) - 1} pieces drawn ($f_{{{depth}}}$ has {n_after})"
        )
        for ax in axes:
            ax.axhline(0, color="grey", lw=0.5)
            ax.set_xlabel("x")
            ax.legend(loc="lower right", fontsize=8)
        return _finish(fig)

    return Explorer(update, sliders, lambda **values: frame(values))


def features_explorer(add_radius_feature, predict, X, y, extent=4.0):
    """Sliders for w1, w2, w3 (the weight of x1^2 + x2^2) and b of a linear classifier on the
    lifted features; draws the data, the class-1 region (from predict), the boundary
    w1 x1 + w2 x2 + w3 (x1^2 + x2^2) + b = 0 and the accuracy. X: (N, 2), y: (N,) of 0/1."""
    X, y = np.asarray(X, dtype=float), np.asarray(y)
    side = np.linspace(-extent, extent, 201)
    g1, g2 = np.meshgrid(side, side)
    flat = np.column_stack([g1.ravel(), g2.ravel()])
    sliders = {
        "w1": ("w1 (x1)", -3.0, 3.0, 0.05, 0.0),
        "w2": ("w2 (x2)", -3.0, 3.0, 0.05, 0.0),
        "w3": ("w3 (x1²+x2²)", -2.0, 2.0, 0.05, -1.0),
        "b": ("b", -10.0, 10.0, 0.1, 1.0),
    }

    def frame(values):
        w = np.array([values["w1"], values["w2"], values["w3"]])
        b = float(values["b"])
        hits = float(np.mean(np.asarray(predict(add_radius_feature(X), w, b)) == y))
        lifted = add_radius_feature(flat)
        return w, b, hits, np.asarray(predict(lifted, w, b)), lifted @ w + b

    def update(**values):
        w, b, hits, labels, score = frame(values)
        fig, ax = plt.subplots(figsize=(5.2, 5))
        ax.contourf(
            g1,
            g2,
            labels.reshape(g1.shape),
            levels=[-0.5, 0.5, 1.5],
            colors=["w", "C3"],
            alpha=0.15,
        )
        if score.min() < 0 < score.max():
            boundary = ax.contour(g1, g2, score.reshape(g1.shape), levels=[0.0], colors="C3")
            boundary.set_gid("boundary")
        ax.scatter(X[:, 0], X[:, 1], c=np.where(y == 1, "C3", "k"), s=8)
        ax.set(xlabel="$x_1$", ylabel="$x_2$", aspect="equal")
        ax.set_title(
            f"accuracy {hits:.2f}\nboundary {w[0]:.2f} x1 {w[1]:+.2f} x2 {w[2]:+.2f} (x1²+x2²) {b:+.2f} = 0"
        )
        return _finish(fig)

    return Explorer(update, sliders, lambda **values: frame(values))


def backprop_explorer(forward, mse, train, x, t, n_hidden, lr, steps, seed, every=10):
    """Step through a training run of your train: the slider is the number of gradient steps k,
    and each frame is train(x, t, n_hidden, lr, k, seed), so its losses and weights are those of
    your run. Draws the loss so far and the fit with the hidden units' kinks. x: (N, 2) with
    columns [input, 1]; t: (N, 1)."""
    x, t = np.asarray(x, float), np.asarray(t, float)
    runs = {}  # k -> (w, v, losses of the k steps + the loss after them)
    sliders = {"step": ("steps", 0, steps, every, 0)}

    def run_to(k):
        if k not in runs:
            w, v, before = train(x, t, n_hidden, lr, k, seed)
            after = mse(forward(x, w, v, "relu")[2], t)[0]
            runs[k] = (np.asarray(w), np.asarray(v), [*map(float, before), float(after)])
        return runs[k]

    def update(**values):
        k = int(values["step"])
        w, v, losses = run_to(k)
        fig, axes = plt.subplots(1, 2, figsize=(12, 3.8))
        axes[0].semilogy(range(k + 1), losses[: k + 1], "C0")
        axes[0].semilogy([k], [losses[k]], "C3o")
        axes[0].set(xlim=(0, steps), xlabel="step", ylabel="mean squared error")
        axes[0].set_title(f"after {k} steps: loss {losses[k]:.4g}")
        axes[1].plot(x[:, 0], t[:, 0], color="grey", lw=3, alpha=0.5, label="target")
        axes[1].plot(x[:, 0], forward(x, w, v, "relu")[2][:, 0], "C3", label="network")
        with np.errstate(all="ignore"):
            kinks = -w[1] / w[0]
        kinks = kinks[(kinks >= x[:, 0].min()) & (kinks <= x[:, 0].max())]
        axes[1].plot(kinks, np.zeros_like(kinks), "k|", ms=12, label="kinks", gid="kinks")
        axes[1].set(title=f"the fit after {k} steps", xlabel="x")
        axes[1].legend(loc="best", fontsize=8)
        return _finish(fig)

    return Explorer(update, sliders, lambda **values: run_to(min(1, steps)))
