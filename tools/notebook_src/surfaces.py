# %% [markdown]
# # Neuron surfaces and the linear regions of a 2-input network
#
# Give a network two inputs, $x = (x_1, x_2)$. Then every neuron computes a function
# $\mathbb{R}^2 \to \mathbb{R}$, a *surface* over the input plane that we can draw as a height map.
#
# * In the first layer, a neuron's pre-activation $w_1 x_1 + w_2 x_2 + b$ is a tilted plane. Its
#   zero line splits the input plane in two; the ReLU keeps the plane on one side and replaces the
#   other side by a flat floor at zero. So each first-layer neuron is a ramp over a line.
# * A neuron of the next layer adds up the previous layer's surfaces with its weights, plus its
#   bias (which lifts or lowers the whole landscape), and the ReLU cuts the landscape off at zero,
#   leaving flat plateaus in the valleys. Layer after layer, the surfaces get more folds.
#
# Every neuron is either on (pre-activation $> 0$) or off at each input. The list of on/off
# states of all hidden neurons is the input's *activation pattern*. Where the pattern is fixed,
# every ReLU acts like either the identity or zero, so the whole network is one affine function
# there: the regions of constant pattern are the network's **linear regions** (the coloured
# tiles in the notes' pictures). With one hidden layer they are cut out by straight lines, and
# $D$ lines in general position cut the plane into at most $1 + D + \binom{D}{2}$ pieces
# (Zaslavsky): 3 units give 7 regions.
#
# Same `layers` convention as the depth assignment: a list of `(W, b)` with `W` of shape
# `(d_out, d_in)`, ReLU after every layer but the last; here the first `W` has 2 columns and
# `points` has shape `(N, 2)`.
#
# **How to work.** Fill in each function where it says `raise NotImplementedError(...)`, run it,
# then run its check cell (`pass`, `FAIL - <reason>` or `not implemented yet`). The checks test
# properties only; the grader uses other, hidden inputs. NumPy only.

# %% role=given
from _helpers import check, expect, expect_close, np, plt, when_ready  # noqa: F401


def random_layers(widths, seed=0):
    """A random network: widths = [2, d_1, ..., d_out]; returns a list of (W, b)."""
    gen = np.random.default_rng(seed)
    return [
        (gen.normal(size=(m, n)) / np.sqrt(n), 0.5 * gen.normal(size=m))
        for n, m in zip(widths[:-1], widths[1:], strict=True)
    ]


def plane_grid(box, n):
    """An n x n grid over box = (xmin, xmax, ymin, ymax): returns (X1, X2, points (n*n, 2))."""
    X1, X2 = np.meshgrid(np.linspace(box[0], box[1], n), np.linspace(box[2], box[3], n))
    return X1, X2, np.column_stack([X1.ravel(), X2.ravel()])


# %% [markdown]
# ## 1. The surface of every neuron
#
# For a batch of points, return one `(N, d_l)` array per **hidden** layer (not the output layer)
# holding each neuron's value after the ReLU.


# %% role=answer functions=neuron_surfaces
def neuron_surfaces(points: np.ndarray, layers: list) -> list:
    """Post-activation values of every hidden neuron at every point.

    points: shape (N, 2); layers: list of (W, b). Returns a list with one array of shape
    (N, d_l) per hidden layer l (len(layers) - 1 arrays).
    """
    ### BEGIN SOLUTION
    values = np.asarray(points, dtype=float)
    surfaces = []
    for W, b in layers[:-1]:
        values = np.maximum(values @ np.asarray(W, dtype=float).T + np.asarray(b, dtype=float), 0)
        surfaces.append(values)
    return surfaces
    ### END SOLUTION


# %% role=check functions=neuron_surfaces
def _check_neuron_surfaces():
    layers = random_layers([2, 4, 3, 1], seed=1)
    points = np.random.default_rng(12).uniform(-2, 2, size=(30, 2))
    out = neuron_surfaces(points, layers)
    expect(
        isinstance(out, list) and len(out) == 2, "expected a list with one array per hidden layer"
    )
    shapes = [np.shape(s) for s in out]
    expect(shapes == [(30, 4), (30, 3)], f"shapes {shapes}, expected [(30, 4), (30, 3)]")
    expect(all(np.all(np.asarray(s) >= 0) for s in out), "values after a ReLU are >= 0")
    ramp = [(np.array([[1.0, 0.0]]), np.array([0.0])), (np.ones((1, 1)), np.zeros(1))]
    expect_close(neuron_surfaces(points, ramp)[0][:, 0], relu_x1(points), "a unit with w = (1, 0)")
    copy = [layers[0], (np.eye(4)[:1], np.zeros(1)), (np.ones((1, 1)), np.zeros(1))]
    expect_close(neuron_surfaces(points, copy)[1][:, 0], out[0][:, 0], "a unit copying unit 1")
    other_top = layers[:2] + [(np.ones((5, 3)), np.ones(5))]
    expect_close(neuron_surfaces(points, other_top)[1], out[1], "the output layer plays no part")


def relu_x1(points):
    """The surface max(x1, 0) of a unit that looks only at x1."""
    return np.clip(points[:, 0], 0.0, None)


check("neuron_surfaces", _check_neuron_surfaces)

# %% [markdown]
# A network with two hidden layers of three neurons. Top row: the three ramps of the first layer.
# Bottom row: the second layer combines them into folded landscapes and clips them (grey: exactly
# zero). The dashed lines are the zero lines of the first-layer neurons.

# %% role=given
layers_demo = [
    (np.array([[1.0, 0.4], [-0.5, 1.0], [0.8, -0.9]]), np.array([0.2, -0.3, 0.1])),
    (np.array([[1.0, -1.2, 0.7], [-0.6, 0.9, 1.1], [0.5, 0.8, -1.3]]), np.array([-0.2, 0.1, 0.3])),
    (np.array([[1.0, -1.0, 0.8]]), np.array([0.0])),
]
box_demo = (-2.0, 2.0, -2.0, 2.0)
G1, G2, grid_points = plane_grid(box_demo, 161)

# %% role=plot
with when_ready():
    surfaces = neuron_surfaces(grid_points, layers_demo)
    fig, axes = plt.subplots(2, 3, figsize=(12, 7.4), sharex=True, sharey=True)
    cmap = plt.get_cmap("viridis").copy()
    cmap.set_under("lightgrey")
    for layer, row in enumerate(axes):
        for unit, ax in enumerate(row):
            height = surfaces[layer][:, unit].reshape(G1.shape)
            image = ax.imshow(
                height, origin="lower", extent=box_demo, cmap=cmap, vmin=1e-9, aspect="equal"
            )
            W, b = layers_demo[0]
            for w, c in zip(W, b, strict=True):
                ax.plot(G1[0], -(w[0] * G1[0] + c) / w[1], "w--", lw=0.8)
            ax.set(
                xlim=box_demo[:2], ylim=box_demo[2:], title=f"layer {layer + 1}, neuron {unit + 1}"
            )
            fig.colorbar(image, ax=ax, shrink=0.8)
    plt.tight_layout()
    plt.show()

# %% [markdown]
# The same surfaces as landscapes in 3-D: a first-layer ramp, a clipped second-layer neuron, and
# the network's output (the last layer mixes the second-layer surfaces without clipping).

# %% role=plot
with when_ready():
    H1, H2, coarse = plane_grid(box_demo, 41)
    surfaces = neuron_surfaces(coarse, layers_demo)
    W_top, b_top = layers_demo[-1]
    top = surfaces[-1] @ W_top.T + b_top
    pictures = [surfaces[0][:, 0], surfaces[1][:, 1], top[:, 0]]
    names = ["layer 1, neuron 1", "layer 2, neuron 2", "output"]
    fig = plt.figure(figsize=(14, 4.2))
    for i, (height, name) in enumerate(zip(pictures, names, strict=True)):
        ax = fig.add_subplot(1, 3, i + 1, projection="3d")
        ax.plot_surface(H1, H2, height.reshape(H1.shape), cmap="viridis", linewidth=0)
        ax.set(title=name, xlabel="$x_1$", ylabel="$x_2$")
    plt.tight_layout()
    plt.show()

# %% [markdown]
# ## 2. Activation patterns
#
# For every point, which hidden neurons are on? Return a boolean array of shape
# `(N, total number of hidden neurons)`: column order is layer 1's neurons, then layer 2's, and
# so on; `True` where the pre-activation is $> 0$.


# %% role=answer functions=activation_patterns
def activation_patterns(points: np.ndarray, layers: list) -> np.ndarray:
    """On/off state of every hidden neuron at every point.

    points: shape (N, 2); layers: list of (W, b). Returns a bool array of shape
    (N, d_1 + ... + d_(L-1)): True where the neuron's pre-activation is > 0.
    """
    ### BEGIN SOLUTION
    values = np.asarray(points, dtype=float)
    states = [np.zeros((values.shape[0], 0), dtype=bool)]
    for W, b in layers[:-1]:
        pre = values @ np.asarray(W, dtype=float).T + np.asarray(b, dtype=float)
        states.append(pre > 0)
        values = np.where(pre > 0, pre, 0.0)
    return np.concatenate(states, axis=1)
    ### END SOLUTION


# %% role=check functions=activation_patterns
def _check_activation_patterns():
    layers = random_layers([2, 5, 4, 2], seed=2)
    points = np.random.default_rng(13).uniform(-2, 2, size=(50, 2))
    on = activation_patterns(points, layers)
    expect(isinstance(on, np.ndarray) and on.dtype == bool, "expected a bool array")
    expect(on.shape == (50, 9), f"shape {on.shape}, expected (N, 5 + 4)")
    surfaces = np.concatenate(neuron_surfaces(points, layers), axis=1)
    expect(np.array_equal(on, surfaces > 0), "patterns should agree with neuron_surfaces > 0")
    W1, b1 = layers[0]
    flipped = [(-W1, -b1)] + layers[1:]
    expect(
        np.array_equal(activation_patterns(points, flipped)[:, :5], ~on[:, :5]),
        "negating a first-layer neuron's weights and bias should flip its state",
    )
    single = activation_patterns(points, layers[-1:])
    expect(np.shape(single) == (50, 0), "no hidden layer: shape (N, 0)")


check("activation_patterns", _check_activation_patterns)

# %% [markdown]
# ## 3. Counting regions on a grid
#
# Count the distinct activation patterns over the grid
# `np.linspace(box[0], box[1], resolution)` $\times$ `np.linspace(box[2], box[3], resolution)`
# (box = `(xmin, xmax, ymin, ymax)`). Return a Python `int`. A grid can miss regions smaller than
# its spacing, so this is a lower bound on the true count inside the box.


# %% role=answer functions=count_regions_grid
def count_regions_grid(layers: list, box, resolution: int) -> int:
    """Number of distinct activation patterns on a resolution x resolution grid over box.

    layers: list of (W, b) with 2 inputs; box: (xmin, xmax, ymin, ymax); resolution: int.
    Returns a Python int >= 1.
    """
    ### BEGIN SOLUTION
    axis1 = np.linspace(box[0], box[1], int(resolution))
    axis2 = np.linspace(box[2], box[3], int(resolution))
    a, b = np.meshgrid(axis1, axis2, indexing="ij")
    patterns = activation_patterns(np.stack([a.ravel(), b.ravel()], axis=1), layers)
    return len({row.tobytes() for row in np.packbits(patterns, axis=1)})
    ### END SOLUTION


# %% role=check functions=count_regions_grid
def _check_count_regions_grid():
    three = [
        (np.array([[1.0, 0.2], [-0.3, 1.0], [1.0, 1.1]]), np.array([0.1, -0.2, 0.5])),
        (np.ones((1, 3)), np.zeros(1)),
    ]
    n = count_regions_grid(three, (-6.0, 6.0, -6.0, 6.0), 300)
    expect(
        isinstance(n, (int, np.integer)) and not isinstance(n, (bool, np.bool_)),
        f"expected an integer, got {type(n).__name__}",
    )
    expect(n == 7, f"3 lines in general position make 7 regions (Zaslavsky); got {n}")
    parallel = [(np.array([[1.0, 0.0]] * 3), np.array([1.0, 0.0, -1.0])), three[1]]
    n = count_regions_grid(parallel, (-3.0, 3.0, -3.0, 3.0), 100)
    expect(n == 4, f"3 parallel lines make 4 regions; got {n}")
    n = count_regions_grid(parallel, (1.5, 3.0, -3.0, 3.0), 50)
    expect(n == 1, f"a box on one side of every line holds 1 region; got {n}")
    n = count_regions_grid(three[1:], (-1.0, 1.0, -1.0, 1.0), 20)
    expect(n == 1, f"no hidden layer: one region; got {n}")


check("count_regions_grid", _check_count_regions_grid)

# %% [markdown]
# ## 4. The region map
#
# Colour every point of the plane by its activation pattern. Left: only the first layer's
# patterns (straight lines, as many regions as Zaslavsky allows). Right: all hidden layers; the
# second layer bends its boundaries where they cross the first layer's lines, and the tiles get
# smaller. The titles count the patterns on grids of growing resolution: a coarse grid misses
# small tiles.

# %% role=plot
with when_ready():
    fig, axes = plt.subplots(1, 2, figsize=(12, 5.4))
    first_only = [layers_demo[0], (np.ones((1, 3)), np.zeros(1))]
    for ax, used in zip(axes, [first_only, layers_demo], strict=True):
        on = activation_patterns(grid_points, used)
        code = on @ (2.0 ** np.arange(on.shape[1]))
        shuffle = np.random.default_rng(0).permutation(2 ** on.shape[1])
        ax.imshow(
            shuffle[code.astype(int)].reshape(G1.shape),
            origin="lower",
            extent=box_demo,
            cmap="tab20",
            interpolation="nearest",
        )
        counts = [count_regions_grid(used, box_demo, r) for r in (20, 80, 320)]
        hidden = len(used) - 1
        ax.set_title(
            f"{hidden} hidden layer(s): {counts[0]}, {counts[1]}, {counts[2]} regions\n"
            "on 20², 80², 320² grids"
        )
        ax.set(xlabel="$x_1$", ylabel="$x_2$")
    plt.tight_layout()
    plt.show()
