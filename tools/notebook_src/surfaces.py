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
# **Notation in this notebook.** The `layers` convention of the depth assignment: a list of
# `(W, b)`, `W` of shape `(d_out, d_in)` and `b` of shape `(d_out,)`, applied to a batch as
# `x @ W.T + b`, a ReLU after every layer but the last; here the first `W` has 2 columns and
# `points` has shape `(N, 2)`. The shallow and composition notebooks write networks as `theta`
# (rows [bias, slope]) and `phi` (bias first), backprop as `w` of shape `(n_in, n_hidden)` with
# no biases; the seventh assignment, `capacity`, converts between these forms
# (`shallow_to_layers`, `composition_to_layers`, `layers_to_xw`).
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
# A network with two hidden layers of three neurons. Each neuron is drawn twice: its
# pre-activation (red above zero, blue below, the black line where it is zero) and its value
# after the ReLU (grey where it is exactly zero). Row 1: the first layer's pre-activations are
# tilted planes; row 2: the ReLU turns them into ramps. Rows 3 and 4: the second layer adds the
# ramps up with its weights, so its pre-activations bend along the first layer's lines (dashed),
# and its ReLU cuts the new landscapes off at zero.

# %% role=given
layers_demo = [
    (np.array([[1.0, 0.4], [-0.5, 1.0], [0.8, -0.9]]), np.array([0.2, -0.3, 0.1])),
    (np.array([[1.0, -1.2, 0.7], [-0.6, 0.9, 1.1], [0.5, 0.8, -1.3]]), np.array([-0.2, 0.1, 0.3])),
    (np.array([[1.0, -1.0, 0.8]]), np.array([0.0])),
]
box_demo = (-2.0, 2.0, -2.0, 2.0)
G1, G2, grid_points = plane_grid(box_demo, 161)


def draw_lines(ax, W, b, box, **style):
    """Draw the zero lines w . x + c = 0 of the units (rows of W, entries of b) inside box."""
    xs, ys = np.linspace(box[0], box[1], 2), np.linspace(box[2], box[3], 2)
    for (w1, w2), c in zip(np.asarray(W, dtype=float), np.asarray(b, dtype=float), strict=True):
        if abs(w2) >= abs(w1):
            ax.plot(xs, -(w1 * xs + c) / w2, **style)
        else:
            ax.plot(-(w2 * ys + c) / w1, ys, **style)
    ax.set(xlim=box[:2], ylim=box[2:])


# %% role=plot
with when_ready():
    post = neuron_surfaces(grid_points, layers_demo)
    pre = [grid_points @ layers_demo[0][0].T + layers_demo[0][1]]
    pre.append(post[0] @ layers_demo[1][0].T + layers_demo[1][1])
    fig, axes = plt.subplots(4, 3, figsize=(11.5, 14), sharex=True, sharey=True)
    floor = plt.get_cmap("viridis").with_extremes(under="0.85")
    for layer in range(2):
        for unit in range(3):
            z = pre[layer][:, unit].reshape(G1.shape)
            h = post[layer][:, unit].reshape(G1.shape)
            top = max(float(np.abs(z).max()), 1e-9)
            ax_pre, ax_post = axes[2 * layer, unit], axes[2 * layer + 1, unit]
            im = ax_pre.imshow(
                z, origin="lower", extent=box_demo, cmap="RdBu_r", vmin=-top, vmax=top
            )
            fig.colorbar(im, ax=ax_pre, shrink=0.8)
            im = ax_post.imshow(h, origin="lower", extent=box_demo, cmap=floor, vmin=1e-9)
            fig.colorbar(im, ax=ax_post, shrink=0.8)
            for ax in (ax_pre, ax_post):
                if layer == 1:
                    draw_lines(ax, *layers_demo[0], box_demo, color="k", ls="--", lw=0.7)
                if z.min() < 0 < z.max():
                    ax.contour(G1, G2, z, levels=[0.0], colors="k", linewidths=1.6)
            ax_pre.set_title(f"layer {layer + 1}, neuron {unit + 1}: pre-activation", fontsize=9)
            ax_post.set_title(f"layer {layer + 1}, neuron {unit + 1}: after ReLU", fontsize=9)
    for ax in axes[-1]:
        ax.set_xlabel("$x_1$")
    for ax in axes[:, 0]:
        ax.set_ylabel("$x_2$")
    plt.tight_layout()
    plt.show()

# %% [markdown]
# The notes' picture of a second-layer neuron, in 3-D. Left: its pre-activation is a landscape
# of tilted flat facets, with hills and valleys. The coloured lines are its cross-sections at
# heights $H$: each one is the set of all inputs that give this neuron the same value $H$, and
# the same curves are drawn again on the floor. Middle: the ReLU cuts off everything below zero,
# so the valleys become a flat plateau at height 0. Right: the cross-sections seen from above;
# the thick line is $H = 0$, the edge of the plateau. The camera is fixed (orthographic, looking
# along the valley from the upper right), so the valley reads as a valley.

# %% role=plot
with when_ready():
    H1, H2, coarse = plane_grid(box_demo, 61)
    unit = 1
    hidden = neuron_surfaces(coarse, layers_demo)
    W2, b2 = layers_demo[1]
    z = (hidden[0] @ W2[unit] + b2[unit]).reshape(H1.shape)
    heights = np.linspace(-2.0, 2.0, 9)
    floor = float(z.min()) - 1.0
    fig = plt.figure(figsize=(15, 4.8))
    for i, (surface, name) in enumerate([(z, "pre-activation"), (np.maximum(z, 0), "after ReLU")]):
        ax = fig.add_subplot(1, 3, i + 1, projection="3d", proj_type="ortho")
        ax.plot_surface(H1, H2, surface, cmap="RdBu_r", vmin=-3, vmax=3, lw=0, alpha=0.7)
        shown = heights if i == 0 else heights[heights >= 0]
        ax.contour(H1, H2, surface, levels=shown, cmap="plasma", linewidths=2)
        ax.contour(H1, H2, z, levels=heights, cmap="plasma", offset=floor, linewidths=1)
        ax.set(zlim=(floor, float(z.max())), xlabel="$x_1$", ylabel="$x_2$", zlabel="height")
        ax.set_title(f"layer 2, neuron {unit + 1}: {name}")
        ax.view_init(elev=30, azim=30)
    ax = fig.add_subplot(1, 3, 3)
    lines = ax.contour(H1, H2, z, levels=heights, cmap="plasma")
    ax.clabel(lines, fmt="H=%g", fontsize=7)
    ax.contour(H1, H2, z, levels=[0.0], colors="k", linewidths=2.5)
    ax.set(title="cross-sections at heights H", xlabel="$x_1$", ylabel="$x_2$", aspect="equal")
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
# Colour every point of the plane by its activation pattern. A grid can only find the regions
# its points fall in; to draw them exactly, the helper below does what the counting argument
# does. It starts from the box and cuts each polygon along a unit's zero line wherever the
# line crosses it, unit by unit and layer by layer. Inside one piece every unit's state is
# fixed, so the next layer's pre-activations are again affine there and cut it along straight
# lines. The arithmetic is exact (`fractions.Fraction`), so no region is lost however thin.
# Neighbouring regions get different colours, and every boundary is drawn.


# %% role=given
def _cut(verts, s, keep_positive):
    """The part of a convex polygon where s >= 0 (or s <= 0); s: exact values at the vertices."""
    kept = []
    for i in range(len(verts)):
        j = (i + 1) % len(verts)
        if (s[i] >= 0) if keep_positive else (s[i] <= 0):
            kept.append(verts[i])
        if s[i] * s[j] < 0:
            t = s[i] / (s[i] - s[j])
            (ax, ay), (bx, by) = verts[i], verts[j]
            kept.append((ax + t * (bx - ax), ay + t * (by - ay)))
    return kept


def region_polygons(layers, box):
    """The exact linear regions of a 2-input network inside box = (xmin, xmax, ymin, ymax).

    Returns (polygons, patterns): a list of R convex polygons, each an array of shape (k, 2)
    of its corners in order, and a bool array of shape (R, total hidden units) with each
    region's activation pattern (the same columns as activation_patterns).
    """
    from fractions import Fraction

    x0, x1, y0, y1 = (Fraction(float(v)) for v in box)
    one, zero = Fraction(1), Fraction(0)
    # a piece: its corners, the affine map (a, b, c) of each input of the next layer, its pattern
    pieces = [
        ([(x0, y0), (x1, y0), (x1, y1), (x0, y1)], [(one, zero, zero), (zero, one, zero)], [])
    ]
    for W, bias in layers[:-1]:
        W = [[Fraction(float(w)) for w in row] for row in np.asarray(W, dtype=float)]
        bias = [Fraction(float(c)) for c in np.asarray(bias, dtype=float)]
        out = []
        for corners, maps, pattern in pieces:
            units = [
                (
                    sum((w * m[0] for w, m in zip(row, maps, strict=True)), zero),
                    sum((w * m[1] for w, m in zip(row, maps, strict=True)), zero),
                    c + sum((w * m[2] for w, m in zip(row, maps, strict=True)), zero),
                )
                for row, c in zip(W, bias, strict=True)
            ]
            parts = [(corners, [])]
            for a, b, c in units:
                split = []
                for vs, on in parts:
                    s = [a * x + b * y + c for x, y in vs]
                    if max(s) > 0 > min(s):
                        split.append((_cut(vs, s, True), on + [True]))
                        split.append((_cut(vs, s, False), on + [False]))
                    else:
                        split.append((vs, on + [max(s) > 0]))
                parts = split
            for vs, on in parts:
                kept = [
                    u if state else (zero, zero, zero) for u, state in zip(units, on, strict=True)
                ]
                out.append((vs, kept, pattern + on))
        pieces = out
    total = sum(np.shape(W)[0] for W, _ in layers[:-1])
    polygons = [np.array(vs, dtype=float) for vs, _, _ in pieces]
    patterns = np.array([p for _, _, p in pieces], dtype=bool).reshape(len(pieces), total)
    return polygons, patterns


PALETTE = (  # 20 distinct light colours (ColorBrewer Set3 and pastel shades)
    "#8dd3c7", "#ffffb3", "#bebada", "#fb8072", "#80b1d3", "#fdb462", "#b3de69",
    "#fccde5", "#d9d9d9", "#bc80bd", "#ccebc5", "#ffed6f", "#fbb4ae", "#b3cde3",
    "#decbe4", "#fed9a6", "#e5d8bd", "#a6cee3", "#b2df8a", "#cab2d6",
)  # fmt: skip


def region_colours(polygons):
    """A colour per polygon such that polygons sharing a piece of boundary differ.

    Edges on one line are grouped; two polygons are neighbours when two of their edges overlap.
    Greedy colouring, most neighbours first, each polygon taking the least used colour that no
    neighbour has: all colours differ while the palette lasts, and neighbours always differ.
    """
    edges = {}
    for r, poly in enumerate(polygons):
        for p, q in zip(poly, np.roll(poly, -1, axis=0), strict=True):
            d = q - p
            if np.hypot(*d) < 1e-12:
                continue
            d = d / np.hypot(*d)
            if d[1] < -1e-12 or (abs(d[1]) <= 1e-12 and d[0] < 0):
                d = -d
            key = (round(d[0], 6), round(d[1], 6), round(d[0] * p[1] - d[1] * p[0], 6))
            edges.setdefault(key, []).append((*sorted((d @ p, d @ q)), r))
    near = [set() for _ in polygons]
    for group in edges.values():
        for i, (a0, a1, r) in enumerate(group):
            for b0, b1, s in group[i + 1 :]:
                if r != s and min(a1, b1) - max(a0, b0) > 1e-9:
                    near[r].add(s)
                    near[s].add(r)
    index, used = [-1] * len(polygons), [0] * (len(polygons) + 1)
    for r in sorted(range(len(polygons)), key=lambda r: -len(near[r])):
        taken = {index[s] for s in near[r]}
        free = [k for k in range(len(used)) if k not in taken]
        index[r] = min(free, key=lambda k: (k >= len(PALETTE), used[k]))
        used[index[r]] += 1
    extra = plt.get_cmap("hsv")(np.linspace(0, 1, max(index + [0]) + 2)[:-1])
    return [PALETTE[k] if k < len(PALETTE) else tuple(extra[k]) for k in index]


def draw_regions(ax, polygons, colours=None, box=None):
    """Fill each polygon with its colour and draw every boundary in black."""
    from matplotlib.collections import PolyCollection

    colours = region_colours(polygons) if colours is None else colours
    ax.add_collection(PolyCollection(polygons, facecolors=colours, edgecolors="k", linewidths=0.8))
    if box is not None:
        ax.set(xlim=box[:2], ylim=box[2:])
    ax.set(xlabel="$x_1$", ylabel="$x_2$", aspect="equal")


# %% [markdown]
# Left: the first layer alone (three straight lines, as many regions as Zaslavsky allows).
# Right: both hidden layers; a second-layer unit's boundary bends where it crosses a first-layer
# line, and the tiles get smaller. The titles give the exact count beside the number of
# patterns that grids of growing resolution find: a coarse grid misses the small tiles.

# %% role=plot
with when_ready():
    fig, axes = plt.subplots(1, 2, figsize=(12, 5.8))
    first_only = [layers_demo[0], (np.ones((1, 3)), np.zeros(1))]
    for ax, used in zip(axes, [first_only, layers_demo], strict=True):
        polygons, _ = region_polygons(used, box_demo)
        draw_regions(ax, polygons, box=box_demo)
        counts = [count_regions_grid(used, box_demo, r) for r in (20, 80, 320)]
        ax.set_title(
            f"{len(used) - 1} hidden layer(s): {len(polygons)} regions (exact)\n"
            f"grids of 20², 80², 320² points find {counts[0]}, {counts[1]}, {counts[2]}"
        )
    plt.tight_layout()
    plt.show()

# %% [markdown]
# ## 5. One function, many pieces
#
# On each region the output is one affine function, and next to a boundary the two neighbouring
# pieces agree: the ReLU switches a unit on or off exactly where its value is zero, so nothing
# jumps. Left: the output's contour lines drawn over the regions. They bend where they cross a
# boundary (the slope changes) but never break. Right: the output as a landscape. Over each
# region it is a flat facet (drawn exactly, from the region's corners), coloured like its region:
# the colours change from facet to facet, the surface stays in one piece.

# %% role=plot
with when_ready():
    polygons, _ = region_polygons(layers_demo, box_demo)
    colours = region_colours(polygons)
    W_top, b_top = layers_demo[-1]
    output = (neuron_surfaces(grid_points, layers_demo)[-1] @ W_top.T + b_top)[:, 0]
    fig = plt.figure(figsize=(13, 5.6))
    ax = fig.add_subplot(1, 2, 1)
    draw_regions(ax, polygons, colours, box_demo)
    lines = ax.contour(G1, G2, output.reshape(G1.shape), levels=15, colors="k", linewidths=0.9)
    ax.clabel(lines, fontsize=7)
    ax.set_title(f"output contours over its {len(polygons)} regions")
    from mpl_toolkits.mplot3d.art3d import Poly3DCollection

    facets = []
    for poly in polygons:  # the output is affine on a region: its graph there is a flat facet
        height = neuron_surfaces(poly, layers_demo)[-1] @ W_top.T + b_top
        facets.append(np.column_stack([poly, height[:, 0]]))
    ax = fig.add_subplot(1, 2, 2, projection="3d", proj_type="ortho")
    ax.add_collection3d(
        Poly3DCollection(facets, facecolors=colours, edgecolors="k", linewidths=0.6)
    )
    low, high = min(f[:, 2].min() for f in facets), max(f[:, 2].max() for f in facets)
    ax.set(xlim=box_demo[:2], ylim=box_demo[2:], zlim=(low, high))
    ax.set(
        xlabel="$x_1$",
        ylabel="$x_2$",
        zlabel="output",
        title="the output, one flat facet per region",
    )
    ax.view_init(elev=30, azim=-60)
    plt.tight_layout()
    plt.show()

# %% [markdown]
# ## 6. Explorer: move one neuron's line
#
# The sliders set the weights $w_1, w_2$ and the bias $b$ of neuron 1 of the first layer; the
# rest of the network stays as above. The panels show that neuron's pre-activation, its value
# after the ReLU, and the region map of the whole network with its exact count.
#
# **Predict first**, then move the slider and check:
#
# 1. You raise $b$. Which way does the neuron's line move, and does its ramp get steeper?
# 2. You multiply $w_1$, $w_2$ and $b$ by 2. What changes in each panel, and what does not?
# 3. You push the line out of the box. How many regions are left, and why not 7 fewer?
# 4. Set $w_1 = w_2 = 0$. What do the neuron's two panels show, and how many regions remain?
#
# (Without `ipywidgets` installed you get one static picture instead.)


# %% role=plot
def explorer_figure(w1, w2, b, layers=layers_demo, box=box_demo, n=121):
    """The explorer's picture for neuron 1 of layer 1 set to (w1, w2, b); returns (fig, info)."""
    W1, b1 = (np.array(a, dtype=float) for a in layers[0])
    W1[0], b1[0] = (w1, w2), b
    net = [(W1, b1)] + list(layers[1:])
    X1, X2, points = plane_grid(box, n)
    h = neuron_surfaces(points, net)[0][:, 0].reshape(X1.shape)
    z = (points @ W1[0] + b1[0]).reshape(X1.shape)
    polygons, _ = region_polygons(net, box)
    grid_count = count_regions_grid(net, box, 200)
    fig, axes = plt.subplots(1, 3, figsize=(14, 4.6))
    top = max(float(np.abs(z).max()), 1e-9)
    axes[0].imshow(z, origin="lower", extent=box, cmap="RdBu_r", vmin=-top, vmax=top)
    axes[1].imshow(h, origin="lower", extent=box, cmap="viridis", vmin=0, vmax=top)
    if w1 != 0 or w2 != 0:
        for ax in axes:
            draw_lines(ax, [(w1, w2)], [b], box, color="k", lw=2)
    draw_regions(axes[2], polygons, box=box)
    axes[0].set_title(f"pre-activation {w1:+.2f} x1 {w2:+.2f} x2 {b:+.2f}")
    axes[1].set_title("after ReLU")
    axes[2].set_title(f"{len(polygons)} regions (exact), {grid_count} on a 200² grid")
    for ax in axes[:2]:
        ax.set(xlabel="$x_1$", ylabel="$x_2$")
    fig.tight_layout()
    return fig, {"regions": len(polygons), "grid": grid_count, "net": net}


def surfaces_explorer():
    """Sliders for neuron 1's line; returns (widget, state), state["figure"] the last picture."""
    import ipywidgets as widgets
    from IPython.display import display

    W1, b1 = layers_demo[0]
    sliders = {
        name: widgets.FloatSlider(value=float(v), min=-2, max=2, step=0.05, description=name)
        for name, v in (("w1", W1[0, 0]), ("w2", W1[0, 1]), ("b", b1[0]))
    }
    screen = widgets.Output()
    state = {}

    def redraw(change=None):
        fig, info = explorer_figure(*(s.value for s in sliders.values()))
        state.update(info, figure=fig)
        with screen:
            screen.clear_output(wait=True)
            display(fig)
        plt.close(fig)

    for s in sliders.values():
        s.observe(redraw, names="value")
    redraw()
    return widgets.VBox([widgets.HBox(list(sliders.values())), screen]), state


with when_ready():
    try:
        import ipywidgets  # noqa: F401
    except ImportError:
        print("(ipywidgets is not installed: a static picture; pip install ipywidgets for sliders)")
        explorer_figure(*layers_demo[0][0][0], layers_demo[0][1][0])
        plt.show()
    else:
        from IPython.display import display

        explorer, explorer_state = surfaces_explorer()
        display(explorer)
