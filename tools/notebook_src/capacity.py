# %% [markdown]
# # Capacity vs practice
#
# The earlier notebooks showed what ReLU networks *can* do: a shallow net has one kink per unit,
# the sawtooth doubles its pieces with every layer, and depth can reach $2^L$ pieces with two
# units per layer. This notebook asks what networks *do* with typical weights, and what training
# does with a model that could only ever be linear:
#
# 1. other activations than ReLU, as building blocks of the function;
# 2. a bridge between the three ways the course writes a network down;
# 3. random networks: how many linear pieces they really have, against the most they could have
#    (Hanin and Rolnick, 2019: about as many as they have units, whatever the depth);
# 4. leaky ReLU networks are ReLU networks in disguise, so their pieces can be counted too;
# 5. a deep *linear* network collapses to one matrix, yet gradient descent on its factors learns
#    differently from gradient descent on the matrix (Arora et al., 2019).
#
# **How to work.** Fill in each function where it says `raise NotImplementedError(...)`, run it,
# then run its check cell (`pass`, `FAIL - <reason>` or `not implemented yet`). The checks test
# properties only; the grader uses other, hidden inputs. NumPy only.

# %% role=given
from _helpers import check, expect, expect_close, np, plt, when_ready  # noqa: F401

# %% [markdown]
# ## 1. Activations
#
# Five activations, each applied elementwise to an array `z` of any shape:
#
# | name | $f(z)$ for $z > 0$ | $f(z)$ for $z \le 0$ | piecewise linear? |
# |---|---|---|---|
# | `"relu"` | $z$ | $0$ | yes |
# | `"leaky_relu"` | $z$ | $0.01\,z$ | yes |
# | `"elu"` | $z$ | $e^z - 1$ | no |
# | `"sigmoid"` | $1/(1+e^{-z})$ | same | no |
# | `"tanh"` | $\tanh z$ | same | no |
#
# Return a new float array of the shape of `z`; raise `ValueError` for any other name.


# %% role=answer functions=activation
def activation(name: str, z: np.ndarray) -> np.ndarray:
    """The activation `name` applied elementwise to z (any shape). Returns a float array."""
    ### BEGIN SOLUTION
    z = np.asarray(z, dtype=float)
    if name == "relu":
        return np.where(z > 0, z, 0.0)
    if name == "leaky_relu":
        return np.where(z > 0, z, 0.01 * z)
    if name == "elu":
        return np.where(z > 0, z, np.expm1(np.minimum(z, 0.0)))
    if name == "sigmoid":
        return 0.5 * (1.0 + np.tanh(0.5 * z))
    if name == "tanh":
        return np.tanh(z)
    raise ValueError(f"unknown activation {name!r}")
    ### END SOLUTION


# %% role=check functions=activation
def _check_activation():
    z = np.linspace(-3.0, 3.0, 121)
    pos = z[z > 0]
    for name in ("relu", "leaky_relu", "elu"):
        f = activation(name, z)
        expect(np.shape(f) == z.shape, f"{name}: shape {np.shape(f)}, expected {z.shape}")
        expect_close(activation(name, pos), pos, f"{name} is the identity for z > 0")
        expect(np.all(np.diff(f) >= 0), f"{name} should not decrease")
    expect_close(activation("relu", -z) - activation("relu", z), -z, "relu(-z) - relu(z) = -z")
    neg = z[z < 0]
    ratio = activation("leaky_relu", neg) / neg
    expect_close(ratio, 0.01 + 0 * neg, "leaky_relu(z) / z for z < 0 is the leak slope 0.01")
    expect(
        np.all(activation("elu", neg) > -1) and np.all(activation("elu", neg) < 0),
        "elu: -1 < f < 0",
    )
    h = 1e-6
    slope = (activation("elu", np.array([h])) - activation("elu", np.array([-h]))) / (2 * h)
    expect_close(slope, [1.0], "elu has slope 1 at 0 (smooth)", rtol=1e-4)
    s = activation("sigmoid", z)
    expect_close(s + activation("sigmoid", -z), 1 + 0 * z, "sigmoid(z) + sigmoid(-z) = 1")
    expect_close(
        2 * activation("sigmoid", 2 * z) - 1, activation("tanh", z), "tanh = 2 sigmoid(2z) - 1"
    )
    expect(np.all(np.diff(s) > 0), "sigmoid should increase")
    grid = z.reshape(11, 11)
    expect(np.shape(activation("tanh", grid)) == (11, 11), "any shape: (11, 11) in, (11, 11) out")
    try:
        activation("softplus", z)
    except ValueError as err:  # the error the text asks for
        expect(str(err), "the ValueError should say what is wrong")
    else:
        raise AssertionError("an unknown name should raise ValueError")


check("activation", _check_activation)

# %% [markdown]
# The same network, the same weights, five activations. With ReLU and leaky ReLU the output is
# made of straight pieces; with the smooth activations it bends everywhere.

# %% role=plot
with when_ready():
    z_plot = np.linspace(-3.0, 3.0, 301)
    fig, axes = plt.subplots(1, 5, figsize=(15, 2.8), sharex=True)
    for ax, name in zip(axes, ("relu", "leaky_relu", "elu", "sigmoid", "tanh"), strict=True):
        ax.plot(z_plot, activation(name, z_plot), "C0")
        ax.axhline(0, color="0.8", lw=0.8)
        ax.set_title(name)
        ax.set_xlabel("z")
    axes[0].set_ylabel("f(z)")
    plt.tight_layout()
    plt.show()

# %% [markdown]
# ## 2. A network with any activation
#
# The layer lists of the depth notebook: `layers` is a list of `(W, b)` pairs, `W` of shape
# `(d_out, d_in)`, `b` of shape `(d_out,)`, and a batch `x` of shape `(N, d_in)` goes through a
# layer as `x @ W.T + b`. Apply the activation `name` after every layer but the last.


# %% role=answer functions=mlp_with
def mlp_with(x: np.ndarray, layers: list, name: str) -> np.ndarray:
    """The network `layers` with activation `name` after each hidden layer.

    x: shape (N, d_in). Returns the outputs, shape (N, d_out of the last layer).
    """
    ### BEGIN SOLUTION
    out = np.asarray(x, dtype=float)
    for index, (W, b) in enumerate(layers):
        out = out @ np.asarray(W, dtype=float).T + np.asarray(b, dtype=float)
        if index + 1 < len(layers):
            out = activation(name, out)
    return out
    ### END SOLUTION


# %% role=check functions=mlp_with
def _check_mlp_with():
    rng = np.random.default_rng(3)
    x = rng.normal(size=(20, 2))
    layers = [
        (rng.normal(size=(4, 2)), rng.normal(size=4)),
        (rng.normal(size=(3, 4)), rng.normal(size=3)),
    ]
    for name in ("relu", "leaky_relu", "elu", "sigmoid", "tanh"):
        y = mlp_with(x, layers, name)
        expect(
            np.shape(y) == (20, 3), f"{name}: shape {np.shape(y)}, expected (N, d_out) = (20, 3)"
        )
        (W1, b1), (W2, b2) = layers[0], layers[1]
        first = mlp_with(x, [(W1, b1), (np.eye(4), np.zeros(4))], name)
        expect_close(first @ W2.T + b2, y, f"{name}: the output layer is linear")
        expect_close(mlp_with(x, layers[:1], name), x @ W1.T + b1, "one layer: no activation")
    one = [(np.ones((1, 2)), np.zeros(1)), (np.ones((1, 1)), np.zeros(1))]
    z = x.sum(axis=1, keepdims=True)
    for name in ("relu", "elu", "tanh"):
        expect_close(mlp_with(x, one, name), activation(name, z), f"{name}: hidden layer uses it")


check("mlp_with", _check_mlp_with)

# %% [markdown]
# ## 3. Three conventions, one network
#
# > **Notation box.** The course writes a network down in three ways:
# >
# > | where | a layer | weights | biases |
# > |---|---|---|---|
# > | shallow, composition (notes' UDL notation) | $h_d = \mathrm{ReLU}[\theta_{d0} + \theta_{d1} x]$, $y = \phi_0 + \sum_d \phi_d h_d$ | `theta` `(D, 2)`, rows [bias, slope]; `phi` `(D+1,)`; `psi` `(D2, D1+1)` | in column 0 of `theta` / `psi`, `phi[0]` |
# > | depth, surfaces, **this notebook** | $f_l = \mathrm{ReLU}[W_l f_{l-1} + b_l]$, code `x @ W.T + b` | `W` `(d_out, d_in)` | a separate `b` `(d_out,)` |
# > | backprop (row vectors) | $h = f(xw)$, $y = hv$ | `w` `(n_in, n_hidden)`, `v` `(n_hidden, n_out)` | none |
#
# Write the converters. **`shallow_to_layers(theta, phi)`** returns `[(W1, b1), (W2, b2)]` with
# `W1` of shape `(D, 1)`, so that `mlp_with(x[:, None], layers, "relu")[:, 0]` is the shallow
# net's output.
#
# **`composition_to_layers(theta1, phi1, theta2, phi2)`** returns the three layers of network 2
# applied after network 1 (the composition notebook's $\psi$: unit $i$ of network 2 reads
# $y = \phi_{1,0} + \sum_j \phi_{1,j} h_j$).
#
# **`layers_to_xw(layers)`** takes one hidden layer, `[(W1, b1), (W2, b2)]`, and returns `(w, v)`
# in the backprop form, which has no biases. A constant feature absorbs them: the input becomes
# `with_ones(x)` $= [1, x_1, \dots, x_{n}]$ (ones in **column 0**, as $\theta$ keeps its bias in
# column 0), so row 0 of `w` holds the biases `b1`. For `b2`, hidden unit 0 is a *bias unit*:
# its column of `w` is $[1, 0, \dots, 0]$, so its pre-activation is 1 and $\mathrm{ReLU}(1) = 1$;
# row 0 of `v` holds `b2`. So `w` has shape `(n_in + 1, H + 1)` and `v` shape `(H + 1, n_out)`,
# and `activation("relu", with_ones(x) @ w) @ v` equals `mlp_with(x, layers, "relu")`.


# %% role=given
def with_ones(x):
    """x of shape (N, n) with a column of ones in front: shape (N, n + 1)."""
    return np.concatenate([np.ones((len(x), 1)), np.asarray(x, dtype=float)], axis=1)


# %% role=answer functions=shallow_to_layers
def shallow_to_layers(theta: np.ndarray, phi: np.ndarray) -> list:
    """The shallow net (theta (D, 2), phi (D + 1,)) as layers [(W1 (D, 1), b1 (D,)), (W2 (1, D), b2 (1,))]."""
    ### BEGIN SOLUTION
    theta = np.asarray(theta, dtype=float)
    phi = np.asarray(phi, dtype=float)
    return [(theta[:, [1]].copy(), theta[:, 0].copy()), (phi[1:][None, :].copy(), phi[[0]].copy())]
    ### END SOLUTION


# %% role=check functions=shallow_to_layers
def _check_shallow_to_layers():
    rng = np.random.default_rng(4)
    theta, phi = rng.normal(size=(5, 2)), rng.normal(size=6)
    layers = shallow_to_layers(theta, phi)
    shapes = [(np.shape(W), np.shape(b)) for W, b in layers]
    expect(shapes == [((5, 1), (5,)), ((1, 5), (1,))], f"shapes {shapes}")
    x = np.linspace(-3.0, 3.0, 61)
    got = mlp_with(x[:, None], layers, "relu")
    expect(
        np.shape(got) == (61, 1), f"mlp_with(x[:, None], layers, 'relu') has shape {np.shape(got)}"
    )
    for k in (0, 17, 40, 60):
        want = phi[0] + sum(
            phi[1 + d] * max(0.0, theta[d, 0] + theta[d, 1] * x[k]) for d in range(5)
        )
        expect_close(got[k], [want], f"the net at x = {x[k]:.1f}")


check("shallow_to_layers", _check_shallow_to_layers)


# %% role=answer functions=composition_to_layers
def composition_to_layers(
    theta1: np.ndarray, phi1: np.ndarray, theta2: np.ndarray, phi2: np.ndarray
) -> list:
    """Network 2 after network 1 as layers [(W1 (D1, 1), b1), (W2 (D2, D1), b2), (W3 (1, D2), b3)]."""
    ### BEGIN SOLUTION
    first, last = shallow_to_layers(theta1, phi1), shallow_to_layers(theta2, phi2)
    (A, a), (B, c) = first[1], last[0]
    middle = (B @ A, B[:, 0] * a[0] + c)
    return [first[0], middle, last[1]]
    ### END SOLUTION


# %% role=check functions=composition_to_layers
def _check_composition_to_layers():
    rng = np.random.default_rng(5)
    t1, p1, t2, p2 = (
        rng.normal(size=(3, 2)),
        rng.normal(size=4),
        rng.normal(size=(4, 2)),
        rng.normal(size=5),
    )
    layers = composition_to_layers(t1, p1, t2, p2)
    shapes = [np.shape(W) for W, _ in layers]
    expect(
        shapes == [(3, 1), (4, 3), (1, 4)], f"W shapes {shapes}, expected (3, 1), (4, 3), (1, 4)"
    )
    x = np.linspace(-2.0, 2.0, 41)[:, None]
    y = mlp_with(x, shallow_to_layers(t1, p1), "relu")
    want = mlp_with(y, shallow_to_layers(t2, p2), "relu")
    expect_close(mlp_with(x, layers, "relu"), want, "the deep net vs network 2 after network 1")


check("composition_to_layers", _check_composition_to_layers)


# %% role=answer functions=layers_to_xw
def layers_to_xw(layers: list) -> tuple[np.ndarray, np.ndarray]:
    """[(W1 (H, n_in), b1), (W2 (n_out, H), b2)] as (w (n_in + 1, H + 1), v (H + 1, n_out)) for with_ones(x)."""
    ### BEGIN SOLUTION
    (W1, b1), (W2, b2) = [
        (np.asarray(W, dtype=float), np.asarray(b, dtype=float)) for W, b in layers
    ]
    top = np.concatenate([[1.0], b1])[None, :]
    rest = np.concatenate([np.zeros((W1.shape[1], 1)), W1.T], axis=1)
    return np.concatenate([top, rest], axis=0), np.concatenate([b2[None, :], W2.T], axis=0)
    ### END SOLUTION


# %% role=check functions=layers_to_xw
def _check_layers_to_xw():
    rng = np.random.default_rng(6)
    layers = [
        (rng.normal(size=(5, 3)), rng.normal(size=5)),
        (rng.normal(size=(2, 5)), rng.normal(size=2)),
    ]
    w, v = layers_to_xw(layers)
    expect(np.shape(w) == (4, 6) and np.shape(v) == (6, 2), f"shapes {np.shape(w)}, {np.shape(v)}")
    x = rng.normal(size=(30, 3))
    z = with_ones(x) @ w
    expect_close(z[:, 0], np.ones(30), "hidden unit 0 is the bias unit: pre-activation 1")
    y = activation("relu", z) @ v
    expect_close(y, mlp_with(x, layers, "relu"), "relu(with_ones(x) @ w) @ v vs the layers")
    expect_close(activation("leaky_relu", z) @ v, mlp_with(x, layers, "leaky_relu"), "leaky too")


check("layers_to_xw", _check_layers_to_xw)

# %% [markdown]
# ## 4. Random networks: capacity against practice
#
# A network with one input and hidden widths $d_1, \dots, d_L$ has **at most**
# $(d_1 + 1)(d_2 + 1)\cdots(d_L + 1)$ linear pieces: on a piece, the next layer's
# pre-activations are affine in $x$, so each of its $d_l$ units switches at most once there and
# the layer cuts the piece into at most $d_l + 1$. For 24 units in 12 layers of 2 that is
# $3^{12} = 531441$. The sawtooth reaches $2^{12} = 4096$ with such layers. What does a network
# with *random* weights reach?
#
# **`random_layers(widths, seed, bias_std=0.1)`** draws a He-initialised network, exactly in this
# order: `rng = np.random.default_rng(seed)`, then for each layer $l = 1, \dots, L$ first
# `W_l = rng.normal(0.0, np.sqrt(2 / d_in), size=(d_out, d_in))`, then
# `b_l = rng.normal(0.0, bias_std, size=d_out)`, where `widths = [d_0, d_1, ..., d_L]`.


# %% role=answer functions=random_layers
def random_layers(widths: list, seed: int, bias_std: float = 0.1) -> list:
    """He-initialised layers for widths [d_0, ..., d_L]: W_l (d_l, d_(l-1)), b_l (d_l,)."""
    ### BEGIN SOLUTION
    rng = np.random.default_rng(seed)
    out = []
    for n_in, n_out in zip(widths[:-1], widths[1:], strict=True):
        weights = rng.normal(0.0, np.sqrt(2.0 / n_in), size=(n_out, n_in))
        out.append((weights, rng.normal(0.0, bias_std, size=n_out)))
    return out
    ### END SOLUTION


# %% role=check functions=random_layers
def _check_random_layers():
    layers = random_layers([1, 400, 300, 1], 11)
    shapes = [(np.shape(W), np.shape(b)) for W, b in layers]
    expect(
        shapes == [((400, 1), (400,)), ((300, 400), (300,)), ((1, 300), (1,))], f"shapes {shapes}"
    )
    W2 = np.asarray(layers[1][0])
    expect(
        abs(W2.std() - np.sqrt(2 / 400)) < 0.03 * np.sqrt(2 / 400),
        f"W_2 std {W2.std():.4f}, expected sqrt(2 / d_in)",
    )
    expect(abs(W2.mean()) < 0.01 * np.sqrt(2 / 400) * 10, "weights have mean 0")
    b2 = np.asarray(layers[1][1])
    expect(abs(b2.std() - 0.1) < 0.015, f"b_2 std {b2.std():.4f}, expected bias_std = 0.1")
    again = random_layers([1, 400, 300, 1], 11)
    expect(
        all(np.array_equal(a[0], c[0]) for a, c in zip(layers, again, strict=True)),
        "same seed, same net",
    )
    other = random_layers([1, 400, 300, 1], 12)
    expect(not np.array_equal(other[1][0], W2), "another seed, another net")
    wide = random_layers([2, 3], 0, bias_std=5.0)
    expect(np.shape(wide[0][0]) == (3, 2), "widths [2, 3]: one layer with W of shape (3, 2)")


check("random_layers", _check_random_layers)

# %% [markdown]
# To count pieces you need an exact counter: **paste your `count_linear_pieces` from the depth
# notebook** into the cell below (it is graded there, not here; its check is the depth
# notebook's).


# %% role=answer functions=count_linear_pieces
def count_linear_pieces(layers: list, lo: float, hi: float) -> int:
    """Exact number of maximal intervals of [lo, hi] on which a 1-input, 1-output ReLU net is affine."""
    ### BEGIN SOLUTION
    lo, hi = float(lo), float(hi)
    close = 1e-12 * max(abs(lo), abs(hi), hi - lo)
    pieces = [(lo, hi, np.ones(1), np.zeros(1))]
    for index, (W, b) in enumerate(layers):
        W, b = np.asarray(W, dtype=float), np.asarray(b, dtype=float)
        split = []
        for left, right, p, q in pieces:
            slope, offset = W @ p, W @ q + b
            if index == len(layers) - 1:
                split.append((left, right, slope, offset))
                continue
            moving = slope != 0.0
            cuts = [left]
            for root in np.sort(-offset[moving] / slope[moving]):
                if root - cuts[-1] > close and right - root > close:
                    cuts.append(root)
            cuts.append(right)
            for a, c in zip(cuts[:-1], cuts[1:], strict=True):
                on = slope * (0.5 * (a + c)) + offset > 0.0
                split.append((a, c, np.where(on, slope, 0.0), np.where(on, offset, 0.0)))
        pieces = split
    slopes = np.array([p[0] for _, _, p, _ in pieces])
    scale = max(float(np.max(np.abs(slopes))), 1e-300)
    return 1 + int(np.count_nonzero(np.abs(np.diff(slopes)) > 1e-9 * scale))
    ### END SOLUTION


# %% role=check functions=count_linear_pieces
def _check_count_linear_pieces():
    ramp = [(np.array([[1.0]]), np.array([0.0])), (np.array([[1.0]]), np.array([0.0]))]
    expect(count_linear_pieces(ramp, -1.0, 1.0) == 2, "relu(x) on [-1, 1] has 2 pieces")
    expect(count_linear_pieces(ramp, 0.0, 1.0) == 1, "relu(x) on [0, 1]: the kink is at the end")
    tent = [
        (np.array([[1.0], [1.0], [1.0]]), np.array([1.0, 0.0, -1.0])),
        (np.array([[1.0, -2.0, 1.0]]), np.zeros(1)),
    ]
    expect(count_linear_pieces(tent, -2.0, 2.0) == 4, "a tent on [-1, 1] has 4 pieces on [-2, 2]")


check("count_linear_pieces", _check_count_linear_pieces)

# %% [markdown]
# **`depth_sweep(count, units, depths, seeds, lo, hi, bias_std=0.1)`** spends a fixed number of
# hidden units on networks of different depths: depth $L$ (which must divide `units`) gets widths
# `depth_widths(units, L)` $= [1, u/L, \dots, u/L, 1]$. For each depth, in order, and each seed,
# in order, it builds `random_layers(widths, seed, bias_std)` and calls `count(layers, lo, hi)`
# once. It returns `(mean, sem)`, arrays of shape `(len(depths),)`: the mean of the counts over
# the seeds and their standard error `std(ddof=1) / sqrt(S)` for `S` seeds (at least 2).


# %% role=given
def depth_widths(units, depth):
    """Widths of a 1-input, 1-output net with `units` hidden units in `depth` equal layers."""
    if units % depth != 0:
        raise ValueError(f"{depth} layers cannot share {units} units equally")
    return [1, *([units // depth] * depth), 1]


# %% role=answer functions=depth_sweep
def depth_sweep(
    count, units: int, depths: list, seeds: list, lo: float, hi: float, bias_std: float = 0.1
):
    """(mean, sem) over seeds of count(random net, lo, hi), one entry per depth: shapes (len(depths),)."""
    ### BEGIN SOLUTION
    means, errors = [], []
    for depth in depths:
        widths = depth_widths(units, depth)
        values = np.array(
            [count(random_layers(widths, s, bias_std), lo, hi) for s in seeds], dtype=float
        )
        means.append(values.mean())
        errors.append(values.std(ddof=1) / np.sqrt(len(values)))
    return np.array(means), np.array(errors)
    ### END SOLUTION


# %% role=check functions=depth_sweep
def _check_depth_sweep():
    calls = []

    def units_counter(layers, lo, hi):
        calls.append((len(layers), lo, hi))
        return sum(np.shape(W)[0] for W, _ in layers[:-1])

    mean, sem = depth_sweep(units_counter, 12, [1, 2, 3, 4], [0, 1, 2], -1.0, 1.0)
    arrays = isinstance(mean, np.ndarray) and isinstance(sem, np.ndarray)
    expect(arrays, "return (mean, sem) as numpy arrays")
    expect(
        np.shape(mean) == (4,) and np.shape(sem) == (4,),
        f"shapes {np.shape(mean)}, {np.shape(sem)}",
    )
    expect_close(mean, [12.0] * 4, "every depth has 12 hidden units (depth_widths)")
    expect_close(sem, [0.0] * 4, "a count that never varies has error 0")
    expect(
        [c[0] for c in calls] == [2, 2, 2, 3, 3, 3, 4, 4, 4, 5, 5, 5],
        "one call per (depth, seed), in order",
    )
    expect(all(c[1:] == (-1.0, 1.0) for c in calls), "count is called with (layers, lo, hi)")

    def first_bias(layers, lo, hi):
        return float(np.asarray(layers[0][1])[0])

    mean, sem = depth_sweep(first_bias, 4, [4], [5, 6, 7, 8], 0.0, 1.0, bias_std=2.0)
    b = np.array([random_layers([1, 1, 1, 1, 1, 1], s, 2.0)[0][1][0] for s in (5, 6, 7, 8)])
    expect(abs(mean[0] - b.mean()) < 1e-9, "the mean of the counts over the seeds")
    ratio = sem[0] * np.sqrt(4) / np.sqrt(np.sum((b - b.mean()) ** 2) / 3)
    expect(abs(ratio - 1) < 1e-9, f"sem is std(ddof=1) / sqrt(S): yours is {ratio:.3f} times it")


check("depth_sweep", _check_depth_sweep)

# %% [markdown]
# 24 hidden units, spent on 1 to 12 layers, 10 random networks each, pieces on $[-1, 1]$.
# **Predict first:** which depth gives the most pieces? Roughly how many? Then look.

# %% role=plot
with when_ready():
    depths_used = [1, 2, 3, 4, 6, 8, 12]
    mean, sem = depth_sweep(count_linear_pieces, 24, depths_used, range(10), -1.0, 1.0)
    bound = [int(np.prod([w + 1 for w in depth_widths(24, L)[1:-1]])) for L in depths_used]
    plt.figure(figsize=(6.4, 4))
    plt.semilogy(depths_used, bound, "s--", color="0.4", label="the most possible: (d + 1)^L")
    plt.errorbar(
        depths_used,
        mean,
        yerr=sem,
        fmt="o-",
        capsize=3,
        label="random nets (mean ± s.e., 10 seeds)",
    )
    plt.axhline(25, color="C1", lw=0.8, ls=":", label="units + 1 = 25")
    plt.xlabel("depth L (24 units in L layers of 24 / L)")
    plt.ylabel("linear pieces on [-1, 1]")
    plt.title("Capacity grows with depth; random networks do not use it")
    plt.legend(fontsize=8)
    plt.show()

# %% [markdown]
# **Explore.** Pick a depth and a seed: the random network's function on $[-1, 1]$, its piece
# count, and the most it could have. Predict first: does a deeper network of the same 24 units
# look more wiggly? (Without `ipywidgets` you get a static row of depths instead.)

# %% role=plot
with when_ready():
    x_explore = np.linspace(-1.0, 1.0, 1001)

    def show_random_net(depth=3, seed=0):
        """Draw the random 24-unit network of this depth and seed, with its piece count."""
        widths = depth_widths(24, depth)
        layers = random_layers(widths, seed)
        pieces = count_linear_pieces(layers, -1.0, 1.0)
        most = int(np.prod([w + 1 for w in widths[1:-1]]))
        fig, ax = plt.subplots(figsize=(6.4, 3.4))
        ax.plot(x_explore, mlp_with(x_explore[:, None], layers, "relu")[:, 0], "C0")
        ax.set_xlabel("x")
        ax.set_ylabel("network output")
        ax.set_title(
            f"depth {depth}, widths {widths[1]}, seed {seed}: {pieces} pieces (at most {most})"
        )
        plt.show()
        return pieces

    show_random_net(3, 0)  # draws once here, so a missing function is reported before any widget
    try:
        import ipywidgets as widgets
    except ImportError:
        widgets = None
    if widgets is not None:
        widgets.interact(
            show_random_net,
            depth=widgets.SelectionSlider(
                options=[1, 2, 3, 4, 6, 8, 12], value=3, description="depth"
            ),
            seed=widgets.IntSlider(value=0, min=0, max=20, description="seed"),
        )
    else:
        for depth in (1, 4, 12):
            show_random_net(depth, 0)

# %% [markdown]
# ## 5. Leaky ReLU networks are ReLU networks
#
# Since $\mathrm{leaky}(z) = \mathrm{ReLU}(z) - 0.01\,\mathrm{ReLU}(-z)$, a leaky layer of $d$
# units is a ReLU layer of $2d$ units: unit $i$ computes $\mathrm{ReLU}(z_i)$ and unit $d + i$
# computes $\mathrm{ReLU}(-z_i)$ (for $i < d$), and the layer after it reads $\mathrm{leaky}(z_i)$
# as $h_i - 0.01\, h_{d+i}$. **`as_relu_layers(layers, name)`** returns that ReLU network for
# `"leaky_relu"` (hidden widths doubled, in this unit order), copies of the layers for `"relu"`,
# and raises `ValueError` for `"elu"`, `"sigmoid"` and `"tanh"` (they are not piecewise linear:
# there are no pieces to count) and for unknown names.


# %% role=answer functions=as_relu_layers
def as_relu_layers(layers: list, name: str) -> list:
    """A ReLU network equal to `layers` with activation `name` ("relu" or "leaky_relu")."""
    ### BEGIN SOLUTION
    if name in ("elu", "sigmoid", "tanh"):
        raise ValueError(f"{name} is not piecewise linear: there are no linear pieces to count")
    if name not in ("relu", "leaky_relu"):
        raise ValueError(f"unknown activation {name!r}")
    layers = [(np.asarray(W, dtype=float), np.asarray(b, dtype=float)) for W, b in layers]
    if name == "relu":
        return [(W.copy(), b.copy()) for W, b in layers]
    result = []
    mix = np.eye(layers[0][0].shape[1])
    for index, (W, b) in enumerate(layers):
        W = W @ mix
        if index + 1 == len(layers):
            result.append((W, b.copy()))
        else:
            result.append((np.concatenate([W, -W]), np.concatenate([b, -b])))
            d = len(b)
            mix = np.concatenate([np.eye(d), -0.01 * np.eye(d)], axis=1)
    return result
    ### END SOLUTION


# %% role=check functions=as_relu_layers
def _check_as_relu_layers():
    rng = np.random.default_rng(9)
    layers = random_layers([2, 3, 4, 1], 9, bias_std=1.0)
    relu_net = as_relu_layers(layers, "leaky_relu")
    shapes = [np.shape(W) for W, _ in relu_net]
    expect(
        shapes == [(6, 2), (8, 6), (1, 8)], f"W shapes {shapes}, expected (6, 2), (8, 6), (1, 8)"
    )
    x = rng.normal(size=(50, 2)) * 3
    expect_close(
        mlp_with(x, relu_net, "relu"), mlp_with(x, layers, "leaky_relu"), "ReLU net vs leaky net"
    )
    z = np.asarray(relu_net[0][0]) @ x.T
    expect_close(z[:3], -z[3:], "units d..2d-1 see -z_i")
    same = as_relu_layers(layers, "relu")
    expect_close(mlp_with(x, same, "relu"), mlp_with(x, layers, "relu"), "relu: the same net")
    for name in ("elu", "sigmoid", "tanh", "swish"):
        try:
            as_relu_layers(layers, name)
        except ValueError as err:  # as it should
            expect(str(err), f"{name}: the ValueError should say what is wrong")
            continue
        raise AssertionError(f"{name}: expected a ValueError (no linear pieces)")


check("as_relu_layers", _check_as_relu_layers)

# %% [markdown]
# One random network (1 input, two hidden layers of 6) with each activation. Where the function
# is piecewise linear the title gives its exact piece count; elsewhere there are none to count.

# %% role=plot
with when_ready():
    net = random_layers([1, 6, 6, 1], 4, bias_std=0.5)
    x_act = np.linspace(-2.0, 2.0, 801)
    fig, axes = plt.subplots(1, 5, figsize=(15, 2.8), sharex=True)
    for ax, name in zip(axes, ("relu", "leaky_relu", "elu", "sigmoid", "tanh"), strict=True):
        ax.plot(x_act, mlp_with(x_act[:, None], net, name)[:, 0], "C0")
        try:
            label = f"{count_linear_pieces(as_relu_layers(net, name), -2.0, 2.0)} pieces"
        except ValueError as err:  # elu, sigmoid, tanh
            label = f"not piecewise linear ({type(err).__name__})"
        ax.set_title(f"{name}: {label}", fontsize=10)
        ax.set_xlabel("x")
    plt.tight_layout()
    plt.show()

# %% [markdown]
# ## 6. Deep linear networks: one map, other dynamics
#
# Without activations, $y = W_L \cdots W_1 x$ is the single matrix $P = W_L \cdots W_1$ (the
# notes' $y = x(wv)$; it is associativity of the matrix product, not commutativity, that lets
# us multiply the weights first). So depth adds nothing to what the model can represent. Does it
# change what gradient descent finds, and how fast?
#
# **`train_deep_linear(x, t, widths, lr, steps, seed, init_std=0.1)`**: `x` `(N, d_in)`, `t`
# `(N, d_out)`, `widths = [d_in, d_1, ..., d_out]` (2 widths: the plain linear model). Start from
# `rng = np.random.default_rng(seed)` and `W_l = init_std * rng.normal(size=(d_l, d_(l-1)))` in
# layer order; no biases. The loss is $L = \sum (x P^T - t)^2 / N$. Each step computes the loss,
# $G = \partial L / \partial P = 2 (x P^T - t)^T x / N$, and updates **all layers at once** with
# the chain rule $\partial L / \partial W_l = (W_L \cdots W_{l+1})^T\, G\, (W_{l-1} \cdots W_1)^T$.
# Return `(losses, P)`: `losses` of shape `(steps,)` (the loss *before* each update) and the final
# product `P` of shape `(d_out, d_in)`.


# %% role=answer functions=train_deep_linear
def train_deep_linear(x, t, widths: list, lr: float, steps: int, seed: int, init_std: float = 0.1):
    """Gradient descent on y = W_L ... W_1 x. Returns (losses (steps,), P (d_out, d_in))."""
    ### BEGIN SOLUTION
    x, t = np.asarray(x, dtype=float), np.asarray(t, dtype=float)
    rng = np.random.default_rng(seed)
    mats = [
        init_std * rng.normal(size=(n_out, n_in))
        for n_in, n_out in zip(widths[:-1], widths[1:], strict=True)
    ]

    def chain(ms, size):
        total = np.eye(size)
        for m in ms:
            total = m @ total
        return total

    losses = []
    for _ in range(steps):
        P = chain(mats, widths[0])
        err = x @ P.T - t
        losses.append(np.sum(err**2) / len(x))
        G = 2.0 * err.T @ x / len(x)
        grads = [
            chain(mats[i + 1 :], widths[i + 1]).T @ G @ chain(mats[:i], widths[0]).T
            for i in range(len(mats))
        ]
        mats = [m - lr * g for m, g in zip(mats, grads, strict=True)]
    return np.array(losses), chain(mats, widths[0])
    ### END SOLUTION


# %% role=check functions=train_deep_linear
def _check_train_deep_linear():
    rng = np.random.default_rng(10)
    x = rng.normal(size=(40, 3))
    t = x @ rng.normal(size=(3, 2))
    losses, P = train_deep_linear(x, t, [3, 2], 0.1, 200, 0)
    arrays = isinstance(losses, np.ndarray) and isinstance(P, np.ndarray)
    expect(arrays, "return (losses, P) as numpy arrays")
    expect(
        np.shape(losses) == (200,) and np.shape(P) == (2, 3),
        f"shapes {np.shape(losses)}, {np.shape(P)}",
    )
    best = np.linalg.lstsq(x, t, rcond=None)[0].T
    expect_close(
        P, best, "2 widths: gradient descent reaches the least-squares map", rtol=1e-4, atol=1e-6
    )
    expect(np.all(np.diff(losses) <= 1e-12), "the loss should not increase at a small lr")
    losses0, P0 = train_deep_linear(x, t, [3, 4, 4, 2], 0.05, 0, 1)
    expect(np.shape(losses0) == (0,), "0 steps: no losses")
    l1, _ = train_deep_linear(x, t, [3, 4, 4, 2], 0.05, 1, 1)
    expect_close(
        l1[0],
        np.sum((x @ np.asarray(P0).T - t) ** 2) / 40,
        "losses[0] is the loss of the initial product",
    )
    # One step from the initial factors (drawn as the text says) against finite differences.
    draw = np.random.default_rng(2)
    factors = [0.5 * draw.normal(size=(4, 3)), 0.5 * draw.normal(size=(2, 4))]

    def loss_of(fs):
        return np.sum((x @ (fs[1] @ fs[0]).T - t) ** 2) / 40

    stepped = []
    for i, f in enumerate(factors):
        grad = np.zeros_like(f)
        for idx in np.ndindex(f.shape):
            up = [g.copy() for g in factors]
            down = [g.copy() for g in factors]
            up[i][idx] += 1e-6
            down[i][idx] -= 1e-6
            grad[idx] = (loss_of(up) - loss_of(down)) / 2e-6
        stepped.append(f - 0.05 * grad)
    _, P1 = train_deep_linear(x, t, [3, 4, 2], 0.05, 1, 2, init_std=0.5)
    expect_close(
        P1,
        stepped[1] @ stepped[0],
        "one step: all layers move at once along -lr dL/dW_l",
        rtol=1e-5,
        atol=1e-7,
    )
    deep, Pd = train_deep_linear(x, t, [3, 4, 4, 2], 0.05, 400, 3, init_std=0.5)
    expect_close(
        Pd, best, "3 layers: the product reaches the least-squares map too", rtol=1e-3, atol=1e-5
    )


check("train_deep_linear", _check_train_deep_linear)

# %% [markdown]
# The same data (targets $t = A x$ plus a little noise, $A$ with singular values 3, 1 and 0.3),
# three depths (hidden widths 3), all started small (`init_std = 0.1`), the same learning rate.
# Every one of them can represent the least-squares map (dashed line: its loss). **Predict
# first:** do the deeper ones get there faster or slower? All directions of $A$ at once, or one
# after another?

# %% role=plot
with when_ready():
    rng = np.random.default_rng(0)
    x_lin = rng.normal(size=(60, 3))
    target_map = np.diag([3.0, 1.0, 0.3])
    t_lin = x_lin @ target_map.T + 0.05 * rng.normal(size=(60, 3))
    best = np.linalg.lstsq(x_lin, t_lin, rcond=None)[0]
    best_loss = np.sum((x_lin @ best - t_lin) ** 2) / 60
    fig, (ax_loss, ax_sv) = plt.subplots(1, 2, figsize=(12, 3.8))
    marks = range(0, 601, 50)
    for colour, depth in enumerate((1, 2, 3)):
        widths = [3] * (depth + 1)
        losses, _ = train_deep_linear(x_lin, t_lin, widths, 0.05, 600, 1)
        ax_loss.semilogy(
            np.maximum(losses - best_loss, 1e-12), color=f"C{colour}", label=f"depth {depth}"
        )
        svs = []
        for k in marks:
            P = train_deep_linear(x_lin, t_lin, widths, 0.05, k, 1)[1]
            finite = np.all(np.isfinite(P))  # a diverging run has no singular values to show
            svs.append(np.linalg.svd(P, compute_uv=False) if finite else np.full(3, np.nan))
        lines = ax_sv.plot(marks, svs, color=f"C{colour}", lw=1.5)
        lines[0].set_label(f"depth {depth}")
    for value in (3.0, 1.0, 0.3):
        ax_sv.axhline(value, color="0.7", lw=0.8, ls="--")
    ax_loss.set_xlabel("step")
    ax_loss.set_ylabel("training loss - least-squares loss")
    ax_loss.set_ylim(1e-12, None)
    ax_loss.set_title("the gap to the least-squares fit closes in plateaus", fontsize=9)
    ax_loss.legend(fontsize=8)
    ax_sv.set_xlabel("step")
    ax_sv.set_ylabel("singular values of P")
    ax_sv.set_title("deeper: one direction of A at a time, the strongest first", fontsize=9)
    ax_sv.legend(fontsize=8)
    plt.tight_layout()
    plt.show()
