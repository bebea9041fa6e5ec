# %% [markdown]
# # Depth, the sawtooth, and why activations matter
#
# A deep network applies layers one after the other:
#
# $$f_0(x) = x, \qquad f_l(x) = \mathrm{ReLU}[W_l f_{l-1}(x) + b_l] \quad (l = 1, \dots, L-1),
# \qquad \text{output} = W_L f_{L-1}(x) + b_L .$$
#
# Each $W_l$ is a matrix of shape `(d_out, d_in)` and $b_l$ a vector of shape `(d_out,)`. In code,
# a network is a list `layers` of `(W, b)` pairs, and the last pair has no ReLU after it. Inputs
# come in batches: `x` of shape `(N, d_in)`, one row per input.
#
# The notes compare two ways of making such networks richer. Adding **width** to a shallow
# network adds one kink per unit. Adding **depth** can do far better: the *sawtooth*
# $f_l = 2|f_{l-1}| - 2$, $f_0 = x$, folds $[-2, 2]$ onto itself at every step, and every fold
# doubles the number of linear pieces. Since $|u| = \mathrm{ReLU}[u] + \mathrm{ReLU}[-u]$, two
# ReLU units per layer are enough, so $2L$ units make $2^L$ pieces.
#
# Finally, the activation is what makes this work: without it, a stack of layers collapses into a
# single affine map (the notes' $y = hv = x(wv)$).
#
# **How to work.** Fill in each function where it says `raise NotImplementedError(...)`, run it,
# then run its check cell (`pass`, `FAIL - <reason>` or `not implemented yet`). The checks test
# properties only; the grader uses other, hidden inputs. NumPy only.

# %% [markdown]
# **Notation in this notebook.** A network is a list of layers `(W, b)`, `W` of shape
# `(d_out, d_in)` and `b` of shape `(d_out,)`; a batch `x` of shape `(N, d_in)` (one input per
# row) goes through a layer as `x @ W.T + b`.
#
# The same networks appear in other notebooks in other forms:
#
# - shallow and composition: `theta` rows are $[\theta_{d0}, \theta_{d1}]$ = [bias, slope],
#   `phi` $= [\phi_0, \phi_1, \dots]$ with the bias first;
# - composition: `psi` of shape `(D2, D1 + 1)` keeps the biases $\psi_{i0}$ in column 0;
# - backprop: `w` of shape `(n_in, n_hidden)` and `v` of shape `(n_hidden, n_out)`, no biases,
#   applied as `x @ w` (a bias is a constant input column).
#
# The seventh assignment, `capacity`, converts between these forms (`shallow_to_layers`,
# `composition_to_layers`, `layers_to_xw`).

# %% role=given
from _helpers import check, expect, expect_close, np, plt, when_ready  # noqa: F401

# %% [markdown]
# ## 1. Running a deep network
#
# ReLU after every layer except the last. `x` has shape `(N, d_in)`; return `(N, d_out)`.


# %% role=answer functions=mlp
def mlp(x: np.ndarray, layers: list) -> np.ndarray:
    """Apply a ReLU network to a batch.

    x: shape (N, d_in). layers: list of (W, b), W of shape (d_out, d_in), b of shape (d_out,).
    Returns the outputs, shape (N, d_out of the last layer).
    """
    ### BEGIN SOLUTION
    out = np.asarray(x, dtype=float)
    for index, (W, b) in enumerate(layers):
        out = out @ np.asarray(W, dtype=float).T + np.asarray(b, dtype=float)
        if index < len(layers) - 1:
            out = np.maximum(out, 0.0)
    return out
    ### END SOLUTION


# %% role=check functions=mlp
def _check_mlp():
    rng = np.random.default_rng(7)
    x = rng.normal(size=(25, 3))
    layers = [(rng.normal(size=(4, 3)), rng.normal(size=4)), (rng.normal(size=(2, 4)), np.zeros(2))]
    out = mlp(x, layers)
    expect(isinstance(out, np.ndarray) and out.shape == (25, 2), "expected shape (N, d_out)")
    eye = [(np.eye(3), np.zeros(3)), (np.eye(3), np.zeros(3))]
    expect_close(mlp(np.abs(x), eye), np.abs(x), "ReLU should not change positive values")
    expect_close(mlp(-np.abs(x), eye), 0 * x, "ReLU should zero negative hidden values")
    flip = [(np.eye(3), np.zeros(3)), (-np.eye(3), np.zeros(3))]
    expect(np.all(mlp(np.abs(x), flip) < 0), "the last layer must not have a ReLU")
    single = [layers[0]]
    mixed = mlp(0.3 * x[:5] + 0.7 * x[5:10], single)
    expect_close(mixed, 0.3 * mlp(x[:5], single) + 0.7 * mlp(x[5:10], single), "one layer: affine")
    no_bias = [(W, 0 * b) for W, b in layers]
    expect_close(mlp(2.5 * x, no_bias), 2.5 * mlp(x, no_bias), "no biases: mlp(2.5x) = 2.5 mlp(x)")


check("mlp", _check_mlp)

# %% [markdown]
# ## 2. The sawtooth, directly
#
# Apply $f \mapsto 2|f| - 2$ `depth` times to `x` (shape `(N,)`).


# %% role=answer functions=sawtooth
def sawtooth(x: np.ndarray, depth: int) -> np.ndarray:
    """The sawtooth f_depth(x): f_0 = x, f_l = 2 |f_(l-1)| - 2. x: (N,) -> (N,)."""
    ### BEGIN SOLUTION
    f = np.array(x, dtype=float)
    for _ in range(int(depth)):
        f = 2.0 * np.abs(f) - 2.0
    return f
    ### END SOLUTION


# %% role=check functions=sawtooth
def _check_sawtooth():
    x = np.linspace(-2.0, 2.0, 161)
    expect_close(sawtooth(x, 0), x, "depth 0 is the identity")
    for depth in range(1, 5):
        y = sawtooth(x, depth)
        expect(np.shape(y) == x.shape, f"depth {depth}: shape {np.shape(y)}, expected {x.shape}")
        expect(np.all(np.abs(y) <= 2 + 1e-12), f"depth {depth}: values leave [-2, 2]")
        expect_close(sawtooth(-x, depth), y, f"depth {depth} should be symmetric in x")
        expect_close(sawtooth(sawtooth(x, 1), depth - 1), y, f"depth {depth}: one fold, then rest")
        corners = np.linspace(-2.0, 2.0, 2**depth + 1)
        expect_close(np.abs(sawtooth(corners, depth)), 2 + 0 * corners, "peaks and valleys at +-2")


check("sawtooth", _check_sawtooth)

# %% [markdown]
# ## 3. The sawtooth as a ReLU network
#
# Build `layers` with `depth` hidden layers of exactly two ReLU units each, then one linear output
# layer, such that `mlp(x[:, None], layers)[:, 0] == sawtooth(x, depth)`. Two units can carry
# $\mathrm{ReLU}[f]$ and $\mathrm{ReLU}[-f]$; the next layer can form $2|f| - 2$ from them and
# split it again. Depth 0 is the single layer `([[1.0]], [0.0])`.


# %% role=answer functions=sawtooth_layers
def sawtooth_layers(depth: int) -> list:
    """Layers of a ReLU network equal to sawtooth(., depth).

    Returns a list of depth + 1 pairs (W, b): depth hidden layers with 2 units each (W of shape
    (2, 1) first, then (2, 2)), and a linear output layer with W of shape (1, 2), or (1, 1) when
    depth is 0.
    """
    ### BEGIN SOLUTION
    depth = int(depth)
    if depth == 0:
        return [(np.array([[1.0]]), np.array([0.0]))]
    layers = [(np.array([[1.0], [-1.0]]), np.zeros(2))]
    for _ in range(depth - 1):
        layers.append((np.array([[2.0, 2.0], [-2.0, -2.0]]), np.array([-2.0, 2.0])))
    layers.append((np.array([[2.0, 2.0]]), np.array([-2.0])))
    return layers
    ### END SOLUTION


# %% role=check functions=sawtooth_layers
def _check_sawtooth_layers():
    x = np.linspace(-2.5, 2.5, 201)
    for depth in range(0, 6):
        layers = sawtooth_layers(depth)
        expect(
            len(layers) == depth + 1, f"depth {depth}: {len(layers)} layers, expected {depth + 1}"
        )
        widths = [np.shape(W)[0] for W, _ in layers[:-1]]
        expect(all(w == 2 for w in widths), f"depth {depth}: hidden widths {widths}, expected 2s")
        expect(np.shape(layers[-1][0])[0] == 1, f"depth {depth}: the output layer needs 1 unit")
        got = mlp(x[:, None], layers)[:, 0]
        expect_close(got, sawtooth(x, depth), f"depth {depth}: network vs sawtooth")


check("sawtooth_layers", _check_sawtooth_layers)

# %% [markdown]
# ## 4. Counting linear pieces exactly
#
# A grid of sample points can miss short pieces, so count exactly. Carry, for every interval, the
# affine map $x \mapsto p x + q$ (vectors $p, q$, one entry per unit) that the layers so far
# compute there. Through a layer, $p \mapsto W p$ and $q \mapsto W q + b$. At a hidden layer, cut
# the interval where a unit's pre-activation crosses zero (inside the interval only, and only once
# for units that cross at the same point); on each part the units that are on are fixed, so the
# ReLU keeps the map affine (zero the rows of the units that are off). At the end, neighbouring
# intervals whose output maps have the same slope are one piece. Return a Python `int`.
# Check yourself: the sawtooth of depth $L$ has $2^L$ pieces on $[-2, 2]$.


# %% role=answer functions=count_linear_pieces
def count_linear_pieces(layers: list, lo: float, hi: float) -> int:
    """Exact number of maximal intervals of [lo, hi] on which a 1-input, 1-output mlp is affine.

    layers: list of (W, b) with the first W of shape (d1, 1) and the last of shape (1, d).
    Returns a Python int >= 1.
    """
    ### BEGIN SOLUTION
    lo, hi = float(lo), float(hi)
    close = 1e-12 * max(abs(lo), abs(hi), hi - lo)
    pieces = [(lo, hi, np.ones(1), np.zeros(1))]  # (left, right, p, q): map x -> p x + q
    for index, (W, b) in enumerate(layers):
        W, b = np.asarray(W, dtype=float), np.asarray(b, dtype=float)
        hidden = index < len(layers) - 1
        split = []
        for left, right, p, q in pieces:
            slope, offset = W @ p, W @ q + b
            if not hidden:
                split.append((left, right, slope, offset))
                continue
            moving = slope != 0.0
            roots = np.sort(-offset[moving] / slope[moving])
            cuts = [left]
            for root in roots:
                if root - cuts[-1] > close and right - root > close:
                    cuts.append(root)
            cuts.append(right)
            for a, c in zip(cuts[:-1], cuts[1:], strict=True):
                on = slope * (0.5 * (a + c)) + offset > 0.0
                split.append((a, c, np.where(on, slope, 0.0), np.where(on, offset, 0.0)))
        pieces = split
    slopes = np.array([p[0] for _, _, p, _ in pieces])
    scale = max(float(np.max(np.abs(slopes))), 1e-300)
    changes = np.abs(np.diff(slopes)) > 1e-9 * scale
    return 1 + int(np.count_nonzero(changes))
    ### END SOLUTION


# %% role=check functions=count_linear_pieces
def _check_count_linear_pieces():
    for depth in range(0, 6):
        n = count_linear_pieces(sawtooth_layers(depth), -2.0, 2.0)
        expect(
            isinstance(n, (int, np.integer)) and not isinstance(n, (bool, np.bool_)),
            f"expected an integer, got {type(n).__name__}",
        )
        expect(n == 2**depth, f"sawtooth depth {depth} on [-2, 2]: got {n}, expected {2**depth}")
    ramp = [(np.array([[1.0]]), np.array([0.0])), (np.array([[1.0]]), np.array([0.0]))]
    expect(count_linear_pieces(ramp, -1.0, 1.0) == 2, "relu(x) on [-1, 1] has 2 pieces")
    expect(count_linear_pieces(ramp, 0.0, 1.0) == 1, "relu(x) on [0, 1]: the kink is at the end")
    twins = [(np.array([[1.0], [1.0]]), np.zeros(2)), (np.array([[1.0, -1.0]]), np.zeros(1))]
    expect(count_linear_pieces(twins, -1.0, 1.0) == 1, "relu(x) - relu(x) is 1 piece")
    dead = [ramp[0], (np.array([[-1.0]]), np.array([-5.0])), (np.array([[3.0]]), np.array([1.0]))]
    expect(count_linear_pieces(dead, -1.0, 1.0) == 1, "a layer that is always off: 1 piece")


check("count_linear_pieces", _check_count_linear_pieces)

# %% [markdown]
# The sawtooth for $L = 0, \dots, 5$: every extra layer folds each piece in two, because every
# piece crosses zero and the absolute value reflects one half of it.

# %% role=plot
with when_ready():
    x_saw = np.linspace(-2.0, 2.0, 2001)
    fig, axes = plt.subplots(2, 3, figsize=(12, 6), sharex=True, sharey=True)
    for depth, ax in enumerate(axes.flat):
        layers = sawtooth_layers(depth)
        ax.plot(x_saw, mlp(x_saw[:, None], layers)[:, 0], "C0")
        pieces = count_linear_pieces(layers, -2.0, 2.0)
        ax.set_title(f"L = {depth}: {pieces} pieces, {2 * depth} ReLU units")
    for ax in axes[1]:
        ax.set_xlabel("x")
    plt.tight_layout()
    plt.show()

# %% [markdown]
# ## An explorer: one more fold
#
# Below (the explorer's code is in the next cell; you need not read it), the slider $L$
# picks a depth and the slider $t$ folds $f_{L-1}$ into $f_L = 2|f_{L-1}| - 2$: the right panel
# draws $(1 - t) f_{L-1} + t f_L$, one line per linear piece. The curves come from your `mlp` and
# `sawtooth_layers`, the piece counts from your `count_linear_pieces`.
#
# **Predict first, then move the slider to check.**
#
# 1. For $L = 3$: how many pieces does $f_2$ have, and how many will $f_3$ have?
# 2. As $t$ goes from 0 to 1, what happens to the parts of $f_{L-1}$ below zero (shaded on the
#    left), and to the parts above zero?
# 3. Where do the new corners of $f_L$ appear: at the corners of $f_{L-1}$, at its zeros, or both?
# 4. Already at $t = 0.05$ the curve has as many pieces as $f_L$. Why?

# %% role=given
from _explorers import depth_explorer  # noqa: E402

# %% role=plot
with when_ready():
    depth_explorer(mlp, sawtooth_layers, count_linear_pieces)

# %% [markdown]
# Width against depth, for the same number of hidden units, measured on random networks
# (Gaussian weights, 20 seeds each; the bars span one standard deviation). Shallow networks
# put all units in one layer; deep ones stack layers of 4 units. The sawtooth doubles its pieces
# with every pair of units; a shallow network never exceeds one piece more than its units
# (dashed). Random deep networks sit far below the sawtooth: depth gives the *capacity* for
# exponentially many pieces, but typical weights do not use it.

# %% role=plot
with when_ready():
    rng = np.random.default_rng(0)
    units = np.arange(4, 25, 4)

    def random_net(sizes):
        return [
            (rng.normal(size=(m, n)) / np.sqrt(n), 0.5 * rng.normal(size=m))
            for n, m in zip(sizes[:-1], sizes[1:], strict=True)
        ]

    fig, ax = plt.subplots(figsize=(6.4, 4.2))
    for name, shape, marker in [
        ("random shallow nets (one layer of all units)", lambda u: [u], "o"),
        ("random deep nets (layers of width 4)", lambda u: [4] * (u // 4), "^"),
    ]:
        counts = np.array(
            [
                [count_linear_pieces(random_net([1, *shape(u), 1]), -2.0, 2.0) for _ in range(20)]
                for u in units
            ]
        )
        ax.errorbar(units, counts.mean(1), yerr=counts.std(1), marker=marker, capsize=3, label=name)
    saw = [count_linear_pieces(sawtooth_layers(u // 2), -2.0, 2.0) for u in units]
    ax.plot(units, saw, "s-", label="sawtooth: 2^(units / 2)")
    ax.plot(units, units + 1, "k--", lw=1, label="shallow bound: units + 1")
    ax.set_yscale("log")
    ax.set(xlabel="hidden ReLU units", ylabel="linear pieces on [-2, 2]", xticks=units)
    ax.set_title("pieces against units: width or depth")
    ax.legend(fontsize="small")
    plt.tight_layout()
    plt.show()

# %% [markdown]
# ## 5. Without activations, depth buys nothing
#
# Apply the layers with **no** ReLU anywhere: $x \mapsto W_L(\cdots(W_2(W_1 x + b_1) + b_2)\cdots)
# + b_L$. That is one affine map $x \mapsto Wx + b$. Return that single `(W, b)`, with `W` of
# shape `(d_out, d_in)` and `b` of shape `(d_out,)`. (In the notes: $h = xw$, $y = hv$, so
# $y = x(wv)$.)


# %% role=answer functions=collapse_linear
def collapse_linear(layers: list) -> tuple[np.ndarray, np.ndarray]:
    """The one affine layer equal to `layers` applied with no activation anywhere.

    layers: list of (W, b) with chained shapes. Returns (W, b), W of shape (d_out, d_in) and
    b of shape (d_out,).
    """
    ### BEGIN SOLUTION
    W_total = np.asarray(layers[0][0], dtype=float).copy()
    b_total = np.asarray(layers[0][1], dtype=float).copy()
    for W, b in layers[1:]:
        W = np.asarray(W, dtype=float)
        W_total = W @ W_total
        b_total = W @ b_total + np.asarray(b, dtype=float)
    return W_total, b_total
    ### END SOLUTION


# %% role=check functions=collapse_linear
def _check_collapse_linear():
    rng = np.random.default_rng(8)
    sizes = [3, 5, 4, 2]
    layers = [
        (rng.normal(size=(m, n)), rng.normal(size=m))
        for n, m in zip(sizes[:-1], sizes[1:], strict=True)
    ]
    W, b = collapse_linear(layers)
    expect(np.shape(W) == (2, 3) and np.shape(b) == (2,), f"shapes {np.shape(W)}, {np.shape(b)}")
    W1, b1 = collapse_linear(layers[:2])
    W2, b2 = collapse_linear([(W1, b1), layers[2]])
    expect_close(W2, W, "collapsing in two steps should give the same W")
    expect_close(b2, b, "collapsing in two steps should give the same b")
    positive = [(np.abs(w), np.abs(c)) for w, c in layers]  # ReLU never acts on positive values
    Wp, bp = collapse_linear(positive)
    x = np.abs(rng.normal(size=(10, 3)))
    expect_close(x @ np.asarray(Wp).T + bp, mlp(x, positive), "positive network vs collapsed map")


check("collapse_linear", _check_collapse_linear)

# %% [markdown]
# The same three weight matrices, with and without ReLU between them, followed layer by layer.
# Left, without activation: every unit of every layer is a straight line in $x$ (thin: layer 1,
# dashed: layer 2), and so is the output (thick), which lies exactly on the single collapsed map
# $x \mapsto Wx + b$ (dotted). Right, with ReLU: the units of layer 1 are bent lines, layer 2
# bends them again, and the output is no longer a line.
#
# Why the stack collapses: $y = hv = (xw)v = x(wv)$ moves the brackets, which is the
# *associativity* of matrix multiplication. (The notes call it commutativity, but matrix
# products do not commute: in general $wv \neq vw$, when $vw$ is defined at all.)

# %% role=plot
with when_ready():
    rng = np.random.default_rng(2)
    sizes = [1, 6, 6, 1]
    stack = [
        (rng.normal(size=(m, n)), rng.normal(size=m))
        for n, m in zip(sizes[:-1], sizes[1:], strict=True)
    ]
    x_line = np.linspace(-3.0, 3.0, 601)
    W, b = collapse_linear(stack)
    fig, axes = plt.subplots(1, 2, figsize=(12, 4.2), sharex=True)
    linear = x_line[:, None]
    for layer, style in [(1, "-"), (2, "--")]:
        W_l, b_l = stack[layer - 1]
        linear = linear @ W_l.T + b_l  # layer l's units, no activation anywhere
        copy = (np.eye(sizes[layer]), np.zeros(sizes[layer]))
        clipped = mlp(x_line[:, None], stack[:layer] + [copy])  # layer l's units after ReLU
        for k in range(sizes[layer]):
            axes[0].plot(x_line, linear[:, k], f"C{k}", ls=style, lw=0.8, alpha=0.7)
            axes[1].plot(x_line, clipped[:, k], f"C{k}", ls=style, lw=0.8, alpha=0.7)
    output = linear @ stack[-1][0].T + stack[-1][1]
    axes[0].plot(x_line, output[:, 0], "k", lw=3, label="output of the stack")
    axes[0].plot(x_line, x_line * W[0, 0] + b[0], "w:", lw=1.5, label="collapsed $Wx + b$")
    axes[1].plot(x_line, mlp(x_line[:, None], stack)[:, 0], "k", lw=2.5, label="output with ReLU")
    axes[0].set(title="without activation: lines all the way", ylabel="value of each unit")
    axes[1].set(title="with ReLU between the layers", ylabel="value of each unit")
    for ax in axes:
        ax.set(xlabel="x")
        ax.axhline(0, color="grey", lw=0.5)
        ax.legend(fontsize="small", loc="upper left")
    plt.tight_layout()
    plt.show()
