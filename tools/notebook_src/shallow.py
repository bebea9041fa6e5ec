# %% [markdown]
# # Shallow ReLU networks are piecewise linear
#
# A shallow network with one input $x$, one output $y$ and $D$ hidden units computes
#
# $$h_d = \mathrm{ReLU}[\theta_{d0} + \theta_{d1} x], \qquad
# y = \phi_0 + \sum_{d=1}^{D} \phi_d h_d .$$
#
# Each hidden unit is a straight line $\theta_{d0} + \theta_{d1}x$ with everything below zero cut
# off. So each $h_d$ is flat on one side of the point $x = -\theta_{d0}/\theta_{d1}$ and a ramp
# on the other. The output adds these bent lines up with weights $\phi_d$ and a constant
# $\phi_0$. A sum of lines is a line, so between two bends the output is a line too; at a bend
# its slope jumps. One unit gives at most one bend (a *kink*), and $D$ units give at most $D + 1$
# linear pieces: for a shallow network, complexity grows like the width.
#
# In code the parameters are arrays: `theta` of shape `(D, 2)` whose row $d$ is
# $[\theta_{d0}, \theta_{d1}]$ (offset, then slope), and `phi` of shape `(D + 1,)`
# $= [\phi_0, \phi_1, \dots, \phi_D]$.
#
# **How to work.** Fill in each function where it says `raise NotImplementedError(...)`, run the
# cell, then run the check cell below it. A check prints `pass`, `FAIL - <reason>` or
# `not implemented yet`; it tests properties of your function and never shows an answer. The
# grader later runs your functions on other, hidden inputs. Use NumPy only.

# %% [markdown]
# **Notation in this notebook.** `theta` has shape `(D, 2)`, row $d$ =
# $[\theta_{d0}, \theta_{d1}]$ = [bias, slope]; `phi` has shape `(D + 1,)` with the output bias
# $\phi_0$ first. Inputs `x` are a flat array of shape `(N,)`.
#
# The same networks appear in other notebooks in other forms:
#
# - composition: `psi` of shape `(D2, D1 + 1)` keeps the biases $\psi_{i0}$ in column 0;
# - depth and surfaces: a list of layers `(W, b)`, `W` of shape `(d_out, d_in)`, applied to a
#   batch of rows as `x @ W.T + b`;
# - backprop: `w` of shape `(n_in, n_hidden)` and `v` of shape `(n_hidden, n_out)`, no biases,
#   applied as `x @ w` (a bias is a constant input column).
#
# The seventh assignment, `capacity`, converts between these forms (`shallow_to_layers`,
# `composition_to_layers`, `layers_to_xw`).

# %% role=given
from _helpers import check, expect, expect_close, np, plt, when_ready  # noqa: F401

# %% [markdown]
# ## 1. The activation function
#
# $\mathrm{ReLU}[z] = \max(z, 0)$, applied to every entry of an array. Return a new array of the
# same shape (do not change the argument).


# %% role=answer functions=relu
def relu(z: np.ndarray) -> np.ndarray:
    """Rectified linear unit, elementwise.

    z: array of any shape. Returns a float array of the same shape with max(z, 0) in each entry.
    """
    ### BEGIN SOLUTION
    return np.maximum(np.asarray(z, dtype=float), 0.0)
    ### END SOLUTION


# %% role=check functions=relu
def _check_relu():
    z = np.outer(np.linspace(-3.0, 3.0, 13), [1.0, -0.5])  # shape (13, 2)
    before = z.copy()
    out = relu(z)
    expect(isinstance(out, np.ndarray), f"expected a numpy array, got {type(out).__name__}")
    expect(out.shape == z.shape, f"shape {out.shape}, expected {z.shape}")
    expect(np.array_equal(z, before), "relu changed its argument")
    expect(np.all(out >= 0), "some outputs are negative")
    expect_close(out - relu(-z), z, "relu(z) - relu(-z) should give z back")
    expect_close(relu(out), out, "applying relu twice should change nothing")


check("relu", _check_relu)

# %% [markdown]
# ## 2. The network
#
# Compute $y$ for a whole batch of inputs at once: `x` has shape `(N,)` and the result too.
# Hint: the pre-activations of all units at all inputs form an `(N, D)` array.


# %% role=answer functions=shallow_net
def shallow_net(x: np.ndarray, theta: np.ndarray, phi: np.ndarray) -> np.ndarray:
    """Output of a shallow ReLU network with one input and one output.

    x: inputs, shape (N,). theta: shape (D, 2), row d = [theta_d0, theta_d1].
    phi: shape (D + 1,) = [phi_0, phi_1, ..., phi_D]. Returns y of shape (N,).
    """
    ### BEGIN SOLUTION
    x = np.asarray(x, dtype=float)
    theta = np.asarray(theta, dtype=float)
    phi = np.asarray(phi, dtype=float)
    hidden = relu(theta[:, 0][None, :] + x[:, None] * theta[:, 1][None, :])  # (N, D)
    return phi[0] + hidden @ phi[1:]
    ### END SOLUTION


# %% role=check functions=shallow_net
def _check_shallow_net():
    rng = np.random.default_rng(1)
    x = np.linspace(-2.0, 2.0, 41)
    theta, phi = rng.normal(size=(4, 2)), rng.normal(size=5)
    saved = (x.copy(), theta.copy(), phi.copy())
    y = shallow_net(x, theta, phi)
    expect(isinstance(y, np.ndarray) and y.shape == (41,), "expected an array of shape (N,)")
    expect(
        all(np.array_equal(a, b) for a, b in zip(saved, (x, theta, phi), strict=True)),
        "inputs changed",
    )
    one_unit = shallow_net(x, np.array([[0.0, 1.0]]), np.array([0.0, 1.0]))
    expect_close(one_unit, relu(x), "one unit with theta=[0, 1], phi=[0, 1] should be relu(x)")
    shift = np.zeros(5)
    shift[0] = 2.5
    expect_close(shallow_net(x, theta, phi + shift), y + 2.5, "phi_0 should shift the output")
    flat = phi.copy()
    flat[1:] = 0.0
    expect_close(shallow_net(x, theta, flat), np.full(41, phi[0]), "phi_1.. = 0: constant phi_0")
    other = rng.normal(size=5)
    expect_close(
        shallow_net(x, theta, phi + other) - shallow_net(x, theta, other),
        y,
        "the output should be linear in phi_1..phi_D",
    )
    expect_close(
        shallow_net(x, 3.0 * theta, phi * [0, 1, 1, 1, 1]),
        3.0 * (y - phi[0]),
        "scaling theta by 3 should scale phi_1 h_1 + ... + phi_D h_D by 3",
    )


check("shallow_net", _check_shallow_net)

# %% [markdown]
# Let us look inside a network with three hidden units, as in the notes: first the three
# pre-activations $\theta_{d0} + \theta_{d1}x$, then the clipped $h_d$, then the weighted
# $\phi_d h_d$ and their sum $y$. The dotted lines mark where each unit switches on or off.

# %% role=given
theta_demo = np.array([[0.3, -1.0], [-1.0, 2.0], [-0.5, 0.65]])
phi_demo = np.array([-0.2, 1.5, -1.0, 2.0])
x_plot = np.linspace(0.0, 2.0, 401)

# %% role=plot
with when_ready():
    pre = theta_demo[:, 0] + np.outer(x_plot, theta_demo[:, 1])
    fig, axes = plt.subplots(1, 3, figsize=(13, 3.4), sharex=True)
    for d in range(3):
        axes[0].plot(x_plot, pre[:, d], label=f"unit {d + 1}")
        axes[1].plot(x_plot, relu(pre[:, d]))
        axes[2].plot(x_plot, phi_demo[d + 1] * relu(pre[:, d]), f"C{d}", lw=1, alpha=0.7)
    axes[2].plot(x_plot, shallow_net(x_plot, theta_demo, phi_demo), "k", lw=2, label="y")
    for ax, title in zip(
        axes, ["pre-activations", "activations $h_d$", r"$\phi_d h_d$ and y"], strict=True
    ):
        ax.set_title(title)
        ax.axhline(0, color="grey", lw=0.5)
        for k in -theta_demo[:, 0] / theta_demo[:, 1]:
            ax.axvline(k, color="grey", ls=":", lw=1)
        ax.set_xlabel("x")
    axes[0].legend()
    axes[2].legend()
    plt.tight_layout()
    plt.show()

# %% [markdown]
# ## 3. Where are the kinks?
#
# Unit $d$ bends at $x = -\theta_{d0}/\theta_{d1}$. A unit with $\theta_{d1} = 0$ is constant and
# has no kink. Return the kinks of all the other units, sorted, keeping repeats.


# %% role=answer functions=kink_locations
def kink_locations(theta: np.ndarray) -> np.ndarray:
    """Input values at which the hidden units switch on or off.

    theta: shape (D, 2). Returns a sorted array of shape (K,), one entry per unit with
    theta_d1 != 0 (repeated values are kept).
    """
    ### BEGIN SOLUTION
    theta = np.asarray(theta, dtype=float)
    moving = theta[:, 1] != 0.0
    return np.sort(-theta[moving, 0] / theta[moving, 1])
    ### END SOLUTION


# %% role=check functions=kink_locations
def _check_kink_locations():
    rng = np.random.default_rng(2)
    theta = rng.normal(size=(6, 2))
    theta[3, 1] = 0.0  # a constant unit
    kinks = kink_locations(theta)
    expect(isinstance(kinks, np.ndarray) and kinks.ndim == 1, "expected a 1-D array")
    expect(
        kinks.shape == (5,), f"6 units, one of them constant: expected 5 kinks, got {kinks.shape}"
    )
    expect(np.all(np.diff(kinks) >= 0), "kinks are not sorted")
    for k in kinks:
        pre = theta[:, 0] + theta[:, 1] * k
        expect(np.min(np.abs(pre)) < 1e-9, f"no unit switches at x = {k:.4g}")
    twins = kink_locations(np.array([[1.0, 2.0], [0.5, 1.0]]))
    expect(np.asarray(twins).shape == (2,), "two units with the same kink: keep both entries")


check("kink_locations", _check_kink_locations)

# %% [markdown]
# ## 4. Counting linear regions exactly
#
# How many maximal intervals of $[\mathit{lo}, \mathit{hi}]$ is the network affine on? Every kink
# strictly inside $(\mathit{lo}, \mathit{hi})$ *can* start a new region, but only if the slope of
# $y$ really changes there. When $x$ crosses the kink of unit $d$ from left to right, the slope
# of $\phi_d h_d$ jumps by $\phi_d\,|\theta_{d1}|$ (whichever side the unit is active on). So a
# unit with $\phi_d = 0$ adds nothing, and units that kink at the same $x$ add one region only if
# their jumps do not cancel. Return a Python `int`. (Comparing floats: treat kinks that agree to
# about 12 significant digits as the same point, and a summed jump that is tiny compared to its
# terms as zero.)


# %% role=answer functions=count_linear_regions
def count_linear_regions(theta: np.ndarray, phi: np.ndarray, lo: float, hi: float) -> int:
    """Number of maximal intervals of [lo, hi] on which shallow_net(., theta, phi) is affine.

    theta: shape (D, 2); phi: shape (D + 1,); lo < hi. Returns a Python int >= 1.
    """
    ### BEGIN SOLUTION
    theta = np.asarray(theta, dtype=float)
    phi = np.asarray(phi, dtype=float)
    lo, hi = float(lo), float(hi)
    regions = 1
    groups = {}  # kink position -> list of slope jumps
    for (offset, slope), weight in zip(theta, phi[1:], strict=True):
        if slope == 0.0:
            continue
        where = -offset / slope
        tol = 1e-12 * max(abs(where), abs(lo), abs(hi), hi - lo)
        if where - lo <= tol or hi - where <= tol:
            continue
        key = next((k for k in groups if abs(k - where) <= tol), where)
        groups.setdefault(key, []).append(weight * abs(slope))
    for jumps in groups.values():
        if abs(sum(jumps)) > 1e-9 * sum(abs(j) for j in jumps):
            regions += 1
    return regions
    ### END SOLUTION


# %% role=check functions=count_linear_regions
def _check_count_linear_regions():
    kinks = np.array([-1.0, -0.25, 0.5, 1.2])
    theta = np.column_stack([-kinks * [1.0, -2.0, 0.5, 3.0], [1.0, -2.0, 0.5, 3.0]])
    phi = np.array([0.3, 1.0, -2.0, 0.7, 1.5])
    n = count_linear_regions(theta, phi, -2.0, 2.0)
    expect(
        isinstance(n, (int, np.integer)) and not isinstance(n, (bool, np.bool_)),
        f"expected an integer, got {type(n).__name__}",
    )
    expect(n == 5, f"4 kinks inside, all bending: expected 5 regions, got {n}")
    n = count_linear_regions(theta, phi, -1.0, 1.0)
    expect(n == 3, f"kinks at the ends of [lo, hi] do not count: expected 3, got {n}")
    n = count_linear_regions(theta, phi * [1, 1, 0, 1, 1], -2.0, 2.0)
    expect(n == 4, f"a unit with phi_d = 0 adds no region: expected 4, got {n}")
    n = count_linear_regions(theta, np.array([0.3, 0, 0, 0, 0]), -2.0, 2.0)
    expect(n == 1, f"a constant network has 1 region, got {n}")
    twins = np.array([[0.5, 1.0], [0.5, 1.0]])
    n = count_linear_regions(twins, np.array([0.0, 1.0, -1.0]), -2.0, 2.0)
    expect(n == 1, f"two units cancelling at the same kink: expected 1 region, got {n}")
    n = count_linear_regions(twins, np.array([0.0, 1.0, 1.0]), -2.0, 2.0)
    expect(n == 2, f"two units bending together at one kink: expected 2 regions, got {n}")


check("count_linear_regions", _check_count_linear_regions)

# %% [markdown]
# Width buys pieces one at a time: random networks with $D$ units have at most $D + 1$ regions,
# and usually a few less on a fixed interval because some kinks fall outside it.

# %% role=plot
with when_ready():
    rng = np.random.default_rng(0)
    widths = np.arange(1, 31)
    counts = [
        np.mean(
            [
                count_linear_regions(rng.normal(size=(D, 2)), rng.normal(size=D + 1), -2, 2)
                for _ in range(20)
            ]
        )
        for D in widths
    ]
    plt.figure(figsize=(5, 3.4))
    plt.plot(widths, widths + 1, "k--", label="D + 1 (upper bound)")
    plt.plot(widths, counts, "o-", label="random networks on [-2, 2] (mean of 20)")
    plt.xlabel("hidden units D")
    plt.ylabel("linear regions")
    plt.legend()
    plt.show()

# %% [markdown]
# ## An explorer: move the kinks yourself
#
# The cell below the next one shows the three-unit network from above with a slider for every
# $\theta_{d0}$, $\theta_{d1}$ and $\phi_d$. It draws with your `shallow_net`, marks the kinks your
# `kink_locations` finds and counts regions with your `count_linear_regions` (the next cell holds
# the explorer's code; you need not read it). The figure is redrawn
# when you release a slider.
#
# **Predict first, then move the slider to check.** Write your answers down before you touch it.
#
# 1. Unit 1 has $\theta_{11} = -1$, so its kink is at $x = \theta_{10}$. Raise $\theta_{10}$ from
#    0.3 to 0.8: where does the kink go, and does unit 1 switch on to the left or to the right of it?
# 2. Drag $\theta_{31}$ (unit 3's slope) towards 0. Where does its kink go, and how many regions are
#    left on $[0, 2]$?
# 3. Set $\phi_2 = 0$. How many regions now, and why does the kink of unit 2 no longer count?
# 4. Can you place two kinks at the same $x$ so that the count drops by one? What must hold for
#    the two bends to cancel instead?

# %% role=given
from _explorers import shallow_explorer  # noqa: E402

# %% role=plot
with when_ready():
    shallow_explorer(
        shallow_net, kink_locations, count_linear_regions, theta_demo, phi_demo, 0.0, 2.0
    )

# %% [markdown]
# ## 5. Building a network by hand
#
# The other way round: given any continuous piecewise-linear function, write down a shallow
# network that draws it. Take the function that joins the points $(t_k, f(t_k))$ of sorted knots
# $t_0 < t_1 < \dots < t_{K-1}$ by straight segments. Start from the value $f(t_0)$, switch on a
# unit at $t_0$ that carries the first segment's slope, and at every later knot switch on one
# more unit carrying the *change* of slope there. That is $K - 1$ units. Only the interval
# $[t_0, t_{K-1}]$ matters. Call `f` once, on the whole array of knots.


# %% role=answer functions=interpolant_net
def interpolant_net(f, knots: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """A shallow network equal to the piecewise-linear interpolant of f at the knots.

    f: callable taking an array of shape (K,) and returning shape (K,).
    knots: sorted array of shape (K,), K >= 2. Returns (theta, phi) with theta of shape
    (D, 2) and phi of shape (D + 1,), D <= K - 1, such that shallow_net(x, theta, phi) is the
    interpolant for knots[0] <= x <= knots[-1].
    """
    ### BEGIN SOLUTION
    knots = np.asarray(knots, dtype=float)
    values = np.asarray(f(knots.copy()), dtype=float)
    slopes = np.diff(values) / np.diff(knots)
    theta = np.stack([-knots[:-1], np.ones(len(knots) - 1)], axis=1)
    phi = np.concatenate([[values[0], slopes[0]], slopes[1:] - slopes[:-1]])
    return theta, phi
    ### END SOLUTION


# %% role=check functions=interpolant_net
def _check_interpolant_net():
    knots = np.array([-1.0, -0.2, 0.5, 1.5, 2.0])
    theta, phi = interpolant_net(np.cos, knots)
    theta, phi = np.asarray(theta), np.asarray(phi)
    expect(theta.ndim == 2 and theta.shape[1] == 2, f"theta shape {theta.shape}, expected (D, 2)")
    expect(theta.shape[0] <= 4, f"{theta.shape[0]} units; 5 knots need at most 4")
    expect(phi.shape == (theta.shape[0] + 1,), f"phi shape {phi.shape}, expected (D + 1,)")
    expect_close(shallow_net(knots, theta, phi), np.cos(knots), "network at the knots vs f")
    mid = (knots[:-1] + knots[1:]) / 2
    halfway = (np.cos(knots[:-1]) + np.cos(knots[1:])) / 2
    expect_close(shallow_net(mid, theta, phi), halfway, "between knots: straight segments")
    theta, phi = interpolant_net(lambda t: 3.0 * t, np.array([0.0, 1.0]))
    expect_close(shallow_net(np.linspace(0, 1, 5), theta, phi), np.linspace(0, 3, 5), "f(t) = 3t")


check("interpolant_net", _check_interpolant_net)

# %% [markdown]
# With more knots the interpolant follows a smooth curve more and more closely: this is the idea
# behind the universal approximation theorem, one unit per kink. (The first panel has 4 knots:
# 3 knots, at $-\pi, 0, \pi$, would all sit on zeros of $\sin$, and their interpolant would be
# the flat line $y = 0$.)

# %% role=plot
with when_ready():
    x_wide = np.linspace(-np.pi, np.pi, 400)
    fig, axes = plt.subplots(1, 3, figsize=(13, 3.4), sharey=True)
    for ax, k in zip(axes, [4, 7, 13], strict=True):
        knots = np.linspace(-np.pi, np.pi, k)
        theta, phi = interpolant_net(np.sin, knots)
        ax.plot(x_wide, np.sin(x_wide), color="grey", lw=3, alpha=0.5, label="sin x")
        ax.plot(x_wide, shallow_net(x_wide, theta, phi), "C3", label="network")
        ax.plot(knots, np.sin(knots), "k.", ms=8, label="knots")
        ax.set_title(f"{k} knots, {len(theta)} hidden units")
        ax.set_xlabel("x")
    axes[0].set_ylabel("y")
    axes[0].legend(fontsize="small")
    plt.tight_layout()
    plt.show()

# %% [markdown]
# How fast does the error shrink? For $D$ hidden units, take the interpolant at $D + 1$ equally
# spaced knots and measure its largest distance from the function on a fine grid. For a smooth
# function the error of linear interpolation falls like $h^2$, $h$ the knot spacing, so like
# $1/D^2$: doubling the width divides the error by about four (the dotted guide has slope $-2$).
# Any continuous function can be approximated this way, to any accuracy, by a wide enough
# shallow network; the price is width.

# %% role=plot
with when_ready():
    widths_ua = np.array([1, 2, 4, 8, 16, 32, 64, 128])
    x_fine = np.linspace(-np.pi, np.pi, 20001)
    targets = {
        "sin x": np.sin,
        "exp(x / 2)": lambda t: np.exp(t / 2),
        "sin 3x": lambda t: np.sin(3 * t),
    }
    fig, ax = plt.subplots(figsize=(6.2, 4.2))
    for name, f in targets.items():
        errors = []
        for D in widths_ua:
            theta, phi = interpolant_net(f, np.linspace(-np.pi, np.pi, D + 1))
            errors.append(np.max(np.abs(shallow_net(x_fine, theta, phi) - f(x_fine))))
        ax.loglog(widths_ua, errors, "o-", label=name)
    ax.loglog(widths_ua, 4.0 / widths_ua**2, "k:", label="$4 / D^2$")
    ax.set(xlabel="hidden units D", ylabel="max |network - f| on $[-\\pi, \\pi]$")
    ax.set_title("universal approximation: error against width")
    ax.legend(fontsize="small")
    plt.tight_layout()
    plt.show()
