# %% [markdown]
# # Composing two shallow networks gives a deep network
#
# Take two shallow networks with one input and one output. The first maps $x$ to $y$:
#
# $$h_d = \mathrm{ReLU}[\theta_{d0} + \theta_{d1}x], \qquad y = \phi_0 + \sum_d \phi_d h_d ,$$
#
# and the second, with its own parameters $\theta'$ and $\phi'$, maps $y$ to $y'$. Feeding the
# output of the first into the second is called *composition*. If the first network folds the
# interval $[-1, 1]$ over itself three times (three linear pieces that each sweep the whole
# output range), every piece of the second network is visited three times, so the composition has
# $3 \times 3 = 9$ linear regions, although only six hidden units are involved.
#
# Writing the second network's pre-activations in terms of $h_1, h_2, h_3$ shows that the
# composition is a network with **two hidden layers**:
#
# $$h'_i = \mathrm{ReLU}[\theta'_{i0} + \theta'_{i1} y]
#        = \mathrm{ReLU}\Big[\theta'_{i0} + \theta'_{i1}\phi_0 + \sum_j \theta'_{i1}\phi_j h_j\Big]
#        = \mathrm{ReLU}\Big[\psi_{i0} + \sum_j \psi_{ij} h_j\Big].$$
#
# A general two-layer network allows any weights $\psi_{ij}$; a composition is the special case
# where the matrix $[\psi_{ij}]_{j \ge 1}$ is the outer product of $(\theta'_{11}, \theta'_{21},
# \dots)$ and $(\phi_1, \phi_2, \dots)$, so it has rank one.
#
# Arrays as in the shallow assignment: `theta1` `(D1, 2)`, `phi1` `(D1 + 1,)`, `theta2` `(D2, 2)`,
# `phi2` `(D2 + 1,)`. The two-layer network uses `theta` `(D1, 2)`, `psi` `(D2, D1 + 1)` whose
# column 0 holds the offsets $\psi_{i0}$, and `phi` `(D2 + 1,)`.
#
# **How to work.** Fill in each function where it says `raise NotImplementedError(...)`, run it,
# then run the check cell below it (`pass`, `FAIL - <reason>` or `not implemented yet`). The
# checks test properties only; the grader uses other, hidden inputs. NumPy only.

# %% [markdown]
# **Notation in this notebook.** `theta1`, `theta2` and `theta` have rows [bias, slope] as in
# shallow; `phi1`, `phi2` and `phi` have the bias first; `psi` of shape `(D2, D1 + 1)` keeps
# the second layer's biases $\psi_{i0}$ in column 0 and the weights $\psi_{ij}$ in columns
# $j \ge 1$. Inputs `x` have shape `(N,)`.
#
# The same networks appear in other notebooks in other forms:
#
# - depth and surfaces: a list of layers `(W, b)`, `W` of shape `(d_out, d_in)`, applied to a
#   batch of rows as `x @ W.T + b`;
# - backprop: `w` of shape `(n_in, n_hidden)` and `v` of shape `(n_hidden, n_out)`, no biases,
#   applied as `x @ w` (a bias is a constant input column).
#
# The seventh assignment, `capacity`, converts between these forms (`shallow_to_layers`,
# `composition_to_layers`, `layers_to_xw`).

# %% role=given
from _helpers import check, expect, expect_close, np, plt, when_ready  # noqa: F401


def slope_breaks(x, y, rtol=1e-6):
    """Approximate x positions where the slope of the sampled curve y(x) changes.

    x: sorted grid of shape (N,); y: values of shape (N,). Looks at finite-difference slopes
    on the grid, so it is only as fine as the grid (good for plots, not for exact counts).
    """
    slope = np.diff(y) / np.diff(x)
    jump = np.abs(np.diff(slope)) > rtol * (1.0 + np.abs(slope[1:]))
    index = np.flatnonzero(jump)
    if index.size == 0:
        return index.astype(float)
    first = index[np.r_[True, np.diff(index) > 1]]  # one position per run of flagged points
    return x[first + 1]


# %% [markdown]
# ## 1. Bring your shallow network
#
# Paste your `relu` and `shallow_net` from the shallow assignment (they are needed below).


# %% role=answer functions=relu,shallow_net
def relu(z: np.ndarray) -> np.ndarray:
    """Rectified linear unit, elementwise: z of any shape -> array of the same shape."""
    ### BEGIN SOLUTION
    return np.maximum(np.asarray(z, dtype=float), 0.0)
    ### END SOLUTION


def shallow_net(x: np.ndarray, theta: np.ndarray, phi: np.ndarray) -> np.ndarray:
    """Shallow network output: x (N,), theta (D, 2), phi (D + 1,) -> y (N,)."""
    ### BEGIN SOLUTION
    x = np.asarray(x, dtype=float)
    theta = np.asarray(theta, dtype=float)
    phi = np.asarray(phi, dtype=float)
    hidden = relu(theta[:, 0][None, :] + x[:, None] * theta[:, 1][None, :])  # (N, D)
    return phi[0] + hidden @ phi[1:]
    ### END SOLUTION


# %% role=check functions=relu,shallow_net
def _check_relu():
    z = np.linspace(-2.0, 2.0, 9).reshape(3, 3)
    out = relu(z)
    expect(isinstance(out, np.ndarray) and out.shape == (3, 3), "expected an array of z's shape")
    expect_close(out - relu(-z), z, "relu(z) - relu(-z) should give z back")


def _check_shallow_net():
    rng = np.random.default_rng(3)
    x = np.linspace(-2.0, 2.0, 21)
    theta, phi = rng.normal(size=(3, 2)), rng.normal(size=4)
    y = shallow_net(x, theta, phi)
    expect(isinstance(y, np.ndarray) and y.shape == (21,), "expected an array of shape (N,)")
    one_unit = shallow_net(x, np.array([[0.0, 1.0]]), np.array([0.0, 1.0]))
    expect_close(one_unit, relu(x), "one unit with theta=[0, 1], phi=[0, 1] should be relu(x)")
    other = rng.normal(size=4)
    expect_close(
        shallow_net(x, theta, phi + other) - shallow_net(x, theta, other),
        y,
        "the output should be linear in phi",
    )


check("relu", _check_relu)
check("shallow_net", _check_shallow_net)

# %% [markdown]
# ## 2. Composition
#
# $y' = $ second network applied to the output of the first, for a batch `x` of shape `(N,)`.


# %% role=answer functions=compose
def compose(
    x: np.ndarray, theta1: np.ndarray, phi1: np.ndarray, theta2: np.ndarray, phi2: np.ndarray
) -> np.ndarray:
    """Network 2 applied to the output of network 1.

    x: shape (N,). theta1: (D1, 2), phi1: (D1 + 1,) map x to y; theta2: (D2, 2),
    phi2: (D2 + 1,) map y to y'. Returns y' of shape (N,).
    """
    ### BEGIN SOLUTION
    middle = shallow_net(x, theta1, phi1)
    return shallow_net(middle, theta2, phi2)
    ### END SOLUTION


# %% role=check functions=compose
def _check_compose():
    rng = np.random.default_rng(4)
    x = np.linspace(-1.5, 1.5, 31)
    theta1, phi1 = rng.normal(size=(3, 2)), rng.normal(size=4)
    theta2, phi2 = rng.normal(size=(2, 2)), rng.normal(size=3)
    # relu(y) - relu(-y) = y: a two-unit network that returns its input unchanged
    ident_theta, ident_phi = np.array([[0.0, 1.0], [0.0, -1.0]]), np.array([0.0, 1.0, -1.0])
    out = compose(x, theta1, phi1, theta2, phi2)
    expect(isinstance(out, np.ndarray) and out.shape == (31,), "expected an array of shape (N,)")
    expect_close(
        compose(x, theta1, phi1, ident_theta, ident_phi),
        shallow_net(x, theta1, phi1),
        "identity as the second network should leave network 1",
    )
    expect_close(
        compose(x, ident_theta, ident_phi, theta2, phi2),
        shallow_net(x, theta2, phi2),
        "identity as the first network should leave network 2",
    )
    # Network 2 ignores its input (every output weight 0): compose is its constant phi2_0,
    # whatever network 1 does; applying the networks in the other order gives something else.
    flat_phi2 = np.array([0.75, 0.0, 0.0])
    expect_close(
        compose(x, theta1, phi1, theta2, flat_phi2),
        np.full(x.shape, 0.75),
        "compose feeds x to network 1 and its output to network 2: with network 2 constant "
        "(phi2 = [0.75, 0, 0]) the result should be that constant",
    )


check("compose", _check_compose)

# %% [markdown]
# The two networks of the picture in the notes (our own numbers): the first zig-zags three times
# across $[-1, 1]$, the second has three linear pieces on $[-1, 1]$. Shaded bands mark the linear
# regions of each function, found on a fine grid.

# %% role=given
theta_a = np.array([[1.0, 1.0], [1.0 / 3.0, 1.0], [-1.0 / 3.0, 1.0]])
phi_a = np.array([-1.0, 3.0, -6.0, 6.0])
theta_b = np.array([[1.0, 1.0], [0.5, 1.0], [-0.4, 1.0]])
phi_b = np.array([0.6, -0.8, 2.0, -2.2])
grid = np.linspace(-1.0, 1.0, 4001)


def shade_regions(ax, x, y):
    """Draw y(x) with its linear regions as alternating bands; returns the number of regions."""
    edges = np.concatenate([[x[0]], slope_breaks(x, y), [x[-1]]])
    for i in range(len(edges) - 1):
        ax.axvspan(edges[i], edges[i + 1], color="C0" if i % 2 else "C1", alpha=0.12, lw=0)
    ax.plot(x, y, "k", lw=1.5)
    return len(edges) - 1


# %% role=plot
with when_ready():
    kinks_b = np.sort(-theta_b[:, 0] / theta_b[:, 1])
    kinks_b = kinks_b[(kinks_b > -1.0) & (kinks_b < 1.0)]  # network 2's pieces on [-1, 1]
    edges_b = np.concatenate([[-1.0], kinks_b, [1.0]])
    piece_colour = [f"C{i}" for i in range(len(edges_b) - 1)]
    y_a = shallow_net(grid, theta_a, phi_a)
    fig, axes = plt.subplots(1, 3, figsize=(14, 4.0))
    for i, colour in enumerate(piece_colour):  # network 2's pieces: y bands, then x bands
        axes[0].axhspan(edges_b[i], edges_b[i + 1], color=colour, alpha=0.2, lw=0)
        axes[1].axvspan(edges_b[i], edges_b[i + 1], color=colour, alpha=0.2, lw=0)
        axes[1].text(
            (edges_b[i] + edges_b[i + 1]) / 2,
            0.93,
            f"piece {i + 1}",
            color=colour,
            ha="center",
            transform=axes[1].get_xaxis_transform(),
        )
    axes[0].plot(grid, y_a, "k", lw=1.5)
    axes[1].plot(grid, shallow_net(grid, theta_b, phi_b), "k", lw=1.5)
    # which piece of network 2 each x reaches: runs of equal piece are the composition's regions
    piece = np.searchsorted(kinks_b, y_a)
    starts = np.flatnonzero(np.r_[True, np.diff(piece) != 0])
    ends = np.r_[starts[1:], len(grid) - 1]
    for start, end in zip(starts, ends, strict=True):
        colour = piece_colour[piece[start]]
        axes[2].axvspan(grid[start], grid[end], color=colour, alpha=0.2, lw=0)
        axes[2].text(
            (grid[start] + grid[end]) / 2,
            0.93,
            str(piece[start] + 1),
            color=colour,
            ha="center",
            transform=axes[2].get_xaxis_transform(),
        )
    y_c = compose(grid, theta_a, phi_a, theta_b, phi_b)
    axes[2].plot(grid, y_c, "k", lw=1.5)
    n1 = 1 + len(slope_breaks(grid, y_a))
    n2 = 1 + len(slope_breaks(grid, shallow_net(grid, theta_b, phi_b)))
    n3 = 1 + len(slope_breaks(grid, y_c))
    axes[0].set(title=f"network 1: {n1} regions", xlabel="x", ylabel="y")
    axes[1].set(title=f"network 2: {n2} regions", xlabel="y", ylabel="y'")
    axes[2].set(title=f"composition: {n3} regions", xlabel="x", ylabel="y'")
    for ax in axes:
        ax.set_xlim(-1.0, 1.0)
    plt.tight_layout()
    plt.show()

# %% [markdown]
# ## An explorer: which piece of network 2 does each region reuse?
#
# The explorer below (its code is in the next cell; you need not read it) draws the same
# two networks with your `shallow_net` and `compose`. Each linear region of the composition is
# coloured by the piece of network 2 it passes through: piece $j$ lies between network 2's $j$-th
# and $(j+1)$-th kink. Sliders shift network 1's output ($\phi_0$), scale it ($\phi_1, \phi_2,
# \phi_3$ times a factor) and move network 2's offsets $\theta'_{i0}$ (and so its kinks).
#
# **Predict first, then move the slider to check.**
#
# 1. At the start every piece of network 2 appears three times: why three?
# 2. Scale network 1's output down to 0.3. Which pieces of network 2 does it still reach, and how
#    many regions does the composition have?
# 3. Shift network 1's output down with $\phi_0$ until it no longer reaches network 2's last kink
#    (at $y = 0.4$). What happens to the count? And once it stays below every kink of network 2?
# 4. Move a kink of network 2 outside network 1's range of outputs. Does the composition notice?

# %% role=given
from _explorers import composition_explorer  # noqa: E402

# %% role=plot
with when_ready():
    composition_explorer(shallow_net, compose, theta_a, phi_a, theta_b, phi_b)

# %% [markdown]
# ## 3. The same function as a network with two hidden layers
#
# Return `(theta, psi, phi)`: `theta` is `theta1`; `psi` has shape `(D2, D1 + 1)` with the
# offsets $\psi_{i0} = \theta'_{i0} + \theta'_{i1}\phi_0$ in column 0 and the weights
# $\psi_{ij} = \theta'_{i1}\phi_j$ in columns $j \ge 1$; `phi` is `phi2`. Return new arrays.


# %% role=answer functions=composition_to_deep
def composition_to_deep(
    theta1: np.ndarray, phi1: np.ndarray, theta2: np.ndarray, phi2: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Parameters of the two-hidden-layer network equal to compose(., theta1, phi1, theta2, phi2).

    theta1: (D1, 2), phi1: (D1 + 1,), theta2: (D2, 2), phi2: (D2 + 1,).
    Returns (theta, psi, phi) with theta (D1, 2), psi (D2, D1 + 1), phi (D2 + 1,).
    """
    ### BEGIN SOLUTION
    theta1 = np.array(theta1, dtype=float)
    phi1 = np.asarray(phi1, dtype=float)
    theta2 = np.asarray(theta2, dtype=float)
    phi2 = np.array(phi2, dtype=float)
    offsets = theta2[:, :1] + theta2[:, 1:] * phi1[0]  # (D2, 1)
    weights = theta2[:, 1:] * phi1[None, 1:]  # (D2, D1)
    return theta1, np.hstack([offsets, weights]), phi2
    ### END SOLUTION


# %% [markdown]
# ## 4. Evaluating a network with two hidden layers
#
# $h_j = \mathrm{ReLU}[\theta_{j0} + \theta_{j1}x]$, then
# $h'_i = \mathrm{ReLU}[\psi_{i0} + \sum_j \psi_{ij} h_j]$, then
# $y = \phi_0 + \sum_i \phi_i h'_i$, for a batch `x` of shape `(N,)`.


# %% role=answer functions=deep_net
def deep_net(x: np.ndarray, theta: np.ndarray, psi: np.ndarray, phi: np.ndarray) -> np.ndarray:
    """Output of a network with two hidden layers, one input and one output.

    x: (N,); theta: (D1, 2); psi: (D2, D1 + 1), column 0 = offsets; phi: (D2 + 1,).
    Returns y of shape (N,).
    """
    ### BEGIN SOLUTION
    x = np.asarray(x, dtype=float)
    theta = np.asarray(theta, dtype=float)
    psi = np.asarray(psi, dtype=float)
    phi = np.asarray(phi, dtype=float)
    first = relu(theta[:, 0] + x[:, None] * theta[:, 1])  # (N, D1)
    second = relu(psi[:, 0] + first @ psi[:, 1:].T)  # (N, D2)
    return phi[0] + second @ phi[1:]
    ### END SOLUTION


# %% role=check functions=composition_to_deep,deep_net
def _check_composition_to_deep():
    rng = np.random.default_rng(5)
    x = np.linspace(-2.0, 2.0, 57)
    for d1, d2 in [(3, 3), (2, 5), (4, 1)]:
        theta1, phi1 = rng.normal(size=(d1, 2)), rng.normal(size=d1 + 1)
        theta2, phi2 = rng.normal(size=(d2, 2)), rng.normal(size=d2 + 1)
        theta, psi, phi = composition_to_deep(theta1, phi1, theta2, phi2)
        shapes = tuple(np.shape(a) for a in (theta, psi, phi))
        want = ((d1, 2), (d2, d1 + 1), (d2 + 1,))
        expect(shapes == want, f"shapes {shapes}, expected {want}")
        rank = np.linalg.matrix_rank(np.asarray(psi)[:, 1:], tol=1e-9)
        expect(rank <= 1, f"psi[:, 1:] of a composition should have rank <= 1, got {rank}")
        expect_close(
            deep_net(x, theta, psi, phi),
            compose(x, theta1, phi1, theta2, phi2),
            f"deep_net(composition_to_deep(...)) vs compose, D1={d1}, D2={d2}",
        )


def _check_deep_net():
    rng = np.random.default_rng(6)
    x = np.linspace(-2.0, 2.0, 41)
    theta, psi, phi = rng.normal(size=(3, 2)), rng.normal(size=(2, 4)), rng.normal(size=3)
    y = deep_net(x, theta, psi, phi)
    expect(isinstance(y, np.ndarray) and y.shape == (41,), "expected an array of shape (N,)")
    pick = np.array([[0.0, 0.0, 1.0, 0.0]])  # the second layer just copies h_2
    expect_close(
        deep_net(x, theta, pick, np.array([0.0, 1.0])),
        shallow_net(x, theta[1:2], np.array([0.0, 1.0])),
        "a second layer that copies h_2 should give h_2",
    )
    other = rng.normal(size=3)
    expect_close(
        deep_net(x, theta, psi, phi + other) - deep_net(x, theta, psi, other),
        y,
        "the output should be linear in phi",
    )
    # A second-layer unit whose pre-activation is negative for every x is off: output phi_0.
    off = np.array([[-5.0, 0.0, 0.0, 0.0], [-1.0, -1.0, -1.0, -1.0]])
    expect_close(
        deep_net(x, np.abs(theta), off, np.array([0.5, 2.0, 1.0])),
        np.full(x.shape, 0.5),
        "second-layer units with negative pre-activations everywhere should be 0 (the second "
        "hidden layer has a ReLU too), leaving y = phi_0",
    )


check("composition_to_deep", _check_composition_to_deep)
check("deep_net", _check_deep_net)

# %% [markdown]
# ## 5. What a general second layer does
#
# Now give $\psi$ full freedom (rank larger than one): this is no longer a composition. Follow the
# function through the layers. The first layer gives three bent lines $h_j$. Each second-layer
# unit adds them up with its own weights (a new piecewise-linear function with up to three
# kinks), and its ReLU **clips** that function at zero, which adds new kinks where it crosses
# zero. The output recombines the clipped functions. Every layer creates new functions, clips
# them, and mixes them again.
#
# (The plot gets each unit out of your own functions: a unit alone is a network with one unit,
# and relu(p) - relu(-p) = p recovers a pre-activation p from two clipped copies.)

# %% role=given
theta_g = np.array([[0.6, -1.0], [-0.2, 1.2], [-0.9, 0.8]])
psi_g = np.array([[-0.8, 1.0, 1.3, -1.6], [0.5, -1.2, 0.7, 1.1], [-0.4, 0.6, -1.4, 0.9]])
phi_g = np.array([0.1, 1.0, -1.2, 1.5])
one = np.array([0.0, 1.0])

# %% role=plot
with when_ready():
    x_g = np.linspace(-1.0, 2.0, 601)
    fig, axes = plt.subplots(1, 4, figsize=(17, 3.8), sharex=True)
    kinks_1 = -theta_g[:, 0] / theta_g[:, 1]
    y_g = deep_net(x_g, theta_g, psi_g, phi_g)
    for j in range(3):  # layer 1: colours C0, C1, C2
        axes[0].plot(x_g, shallow_net(x_g, theta_g[j : j + 1], one), f"C{j}", label=f"$h_{j + 1}$")
    for i in range(3):  # layer 2: colours C3, C4, C5, the same unit in the same colour
        row = psi_g[i : i + 1]
        pre = deep_net(x_g, theta_g, row, one) - deep_net(x_g, theta_g, -row, one)
        post = deep_net(x_g, theta_g, row, one)
        colour = f"C{i + 3}"
        axes[1].plot(x_g, pre, colour, label=f"unit {i + 1} before ReLU")
        axes[2].plot(x_g, post, colour, label=f"$h'_{i + 1}$")
        cross = np.flatnonzero(np.diff(np.sign(pre)) != 0)  # where the ReLU clips: new kinks
        at = x_g[cross] - pre[cross] * (x_g[cross + 1] - x_g[cross]) / (pre[cross + 1] - pre[cross])
        for k, ax in enumerate(axes[1:3]):
            ax.plot(
                at,
                0 * at,
                "x",
                color=colour,
                ms=9,
                mew=2,
                label="new kink (clipping)" if k == 1 and i == 0 else None,
            )
        axes[3].plot(at, deep_net(at, theta_g, psi_g, phi_g), "x", color=colour, ms=9, mew=2)
    n = shade_regions(axes[3], x_g, y_g)
    titles = ["layer 1: $h_j$", "layer 2 pre-activations", "layer 2: $h'_i$ (clipped)"]
    for ax, title in zip(axes, titles + [f"output y: {n} regions"], strict=True):
        ax.set_title(title)
        ax.axhline(0, color="grey", lw=0.5)
        for k in kinks_1[(kinks_1 > x_g[0]) & (kinks_1 < x_g[-1])]:
            ax.axvline(k, color="grey", ls=":", lw=1)
        ax.set_xlabel("x")
    for ax in axes[:3]:
        ax.legend(fontsize="x-small", loc="upper left")
    axes[3].plot([], [], "x", color="k", label="new kinks from clipping (x)")
    axes[3].plot([], [], ":", color="grey", label="kinks of layer 1 (dotted)")
    axes[3].legend(fontsize="x-small", loc="lower left")
    plt.tight_layout()
    plt.show()
