# %% [markdown]
# # Feature engineering: $x^2 + y^2$ makes rings linearly separable
#
# Logistic regression predicts class 1 when a weighted sum of the features plus a bias is
# positive, so its decision boundary is a straight line (in two dimensions). Two concentric rings
# of points, one class inside the other, cannot be split by any straight line.
#
# The notes' remedy: add one more feature, the squared distance from the origin, $x^2 + y^2$ (here
# $x_1^2 + x_2^2$, since the two input coordinates are called $x_1, x_2$). In the lifted space
# $(x_1, x_2, x_1^2 + x_2^2)$ the inner ring sits low and the outer ring high, and a flat plane
# separates them. Back in the plane, that flat boundary
# $w_1 x_1 + w_2 x_2 + w_3 (x_1^2 + x_2^2) + b = 0$ is a circle.
#
# Choosing such a feature by hand works when we can see the data. Neural networks learn their
# features instead; that is where the next assignments go.
#
# Shapes: `X` is `(N, 2)` (or `(N, d)` for a general feature matrix), labels `y` are `(N,)` with
# values 0 and 1.
#
# **How to work.** Fill in each function where it says `raise NotImplementedError(...)`, run it,
# then run its check cell (`pass`, `FAIL - <reason>` or `not implemented yet`). The checks test
# properties only; the grader uses other, hidden inputs. NumPy only.

# %% [markdown]
# **Notation in this notebook.** Examples are the rows of `X` (shape `(N, d)`); the
# classifier's weights `w` have shape `(d,)` and its bias `b` is a number, so the scores are
# `X @ w + b`.
#
# The networks of the other notebooks come in these forms:
#
# - shallow and composition: `theta` rows are $[\theta_{d0}, \theta_{d1}]$ = [bias, slope],
#   `phi` $= [\phi_0, \phi_1, \dots]$ with the bias first;
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


def rings(n_per_class=100, seed=0, inner=1.0, outer=3.0, noise=0.2):
    """Two noisy concentric rings. Returns X of shape (2 n, 2) and y of shape (2 n,):
    label 1 for the inner ring, label 0 for the outer ring."""
    gen = np.random.default_rng(seed)
    radius = np.concatenate([np.full(n_per_class, inner), np.full(n_per_class, outer)])
    radius = np.abs(radius + noise * gen.standard_normal(2 * n_per_class))
    angle = gen.uniform(0.0, 2.0 * np.pi, 2 * n_per_class)
    points = radius[:, None] * np.column_stack([np.cos(angle), np.sin(angle)])
    labels = np.concatenate([np.ones(n_per_class), np.zeros(n_per_class)])
    return points, labels


def accuracy(labels, predicted):
    """Fraction of predictions equal to the labels."""
    return float(np.mean(np.asarray(labels) == np.asarray(predicted)))


X_rings, y_rings = rings()

# %% [markdown]
# ## 1. The new feature
#
# Return the columns $x_1$, $x_2$, $x_1^2 + x_2^2$ as an `(N, 3)` array.


# %% role=answer functions=add_radius_feature
def add_radius_feature(X: np.ndarray) -> np.ndarray:
    """Append the squared distance from the origin as a third column.

    X: shape (N, 2). Returns shape (N, 3): x1, x2, x1**2 + x2**2.
    """
    ### BEGIN SOLUTION
    X = np.asarray(X, dtype=float)
    squared = np.sum(X * X, axis=1, keepdims=True)
    return np.hstack([X, squared])
    ### END SOLUTION


# %% role=check functions=add_radius_feature
def _check_add_radius_feature():
    X = np.array([[3.0, 4.0], [0.0, 0.0], [-1.0, 2.0], [0.5, -0.5]])
    before = X.copy()
    Z = add_radius_feature(X)
    expect(isinstance(Z, np.ndarray) and Z.shape == (4, 3), "expected an array of shape (N, 3)")
    expect(np.array_equal(X, before), "add_radius_feature changed its argument")
    expect_close(Z[:, :2], X, "the first two columns should be x1 and x2")
    expect(abs(Z[0, 2] - 25.0) < 1e-12, "the point (3, 4) lies at distance 5")
    angle = 0.7
    turn = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    expect_close(add_radius_feature(X @ turn.T)[:, 2], Z[:, 2], "a rotation keeps the third column")


check("add_radius_feature", _check_add_radius_feature)

# %% [markdown]
# ## 2. Logistic regression by gradient descent
#
# With $p = \sigma(Xw + b)$, $\sigma(z) = 1/(1 + e^{-z})$, minimise the mean binary cross-entropy
#
# $$L(w, b) = -\frac{1}{N}\sum_n \big[y_n \log p_n + (1 - y_n)\log(1 - p_n)\big].$$
#
# Start at $w = 0$, $b = 0$ and take `steps` full-batch gradient steps of size `lr`. Work out the
# gradient of $L$ with respect to $w$ and $b$ yourself (it is short). Each step computes $p$
# once, from the current $w$ and $b$, and updates $w$ and $b$ together from that same $p$ (the
# grader follows exactly this trajectory). Return `w` of shape `(d,)` and `b` as a Python
# `float`. Compute $\sigma$ without overflow warnings for large $|z|$.


# %% role=answer functions=fit_logistic_regression
def fit_logistic_regression(
    X: np.ndarray, y: np.ndarray, lr: float = 0.1, steps: int = 1000
) -> tuple[np.ndarray, float]:
    """Logistic regression fitted by full-batch gradient descent from w = 0, b = 0.

    X: shape (N, d); y: shape (N,) with values 0/1. Returns (w, b): w of shape (d,), b a float.
    """
    ### BEGIN SOLUTION
    X = np.asarray(X, dtype=float)
    y = np.asarray(y, dtype=float)
    n = X.shape[0]
    w = np.zeros(X.shape[1])
    b = 0.0
    for _ in range(int(steps)):
        z = X @ w + b
        p = np.exp(-np.logaddexp(0.0, -z))  # sigmoid(z), no overflow
        error = p - y
        w = w - lr * (X.T @ error) / n
        b = b - lr * float(error.sum()) / n
    return w, float(b)
    ### END SOLUTION


# %% role=check functions=fit_logistic_regression
def _mean_cross_entropy(X, y, w, b):
    z = X @ np.asarray(w) + b
    return float(np.mean(np.logaddexp(0.0, z) - y * z))


def _check_fit_logistic_regression():
    X, y = rings(40, seed=1)
    Z = add_radius_feature(X)
    w, b = fit_logistic_regression(Z, y, lr=0.1, steps=300)
    expect(isinstance(w, np.ndarray) and w.shape == (3,), "w should be an array of shape (d,)")
    expect(
        isinstance(b, (int, float, np.integer, np.floating))
        and not isinstance(b, (bool, np.bool_)),
        f"b should be a number, got {type(b).__name__}",
    )
    w0, b0 = fit_logistic_regression(Z, y, lr=0.1, steps=0)
    expect(np.all(np.asarray(w0) == 0) and b0 == 0, "zero steps should return w = 0, b = 0")
    losses = [
        _mean_cross_entropy(Z, y, *fit_logistic_regression(Z, y, lr=0.1, steps=s))
        for s in (10, 100, 300)
    ]
    expect(losses[0] > losses[1] > losses[2], f"the loss should fall with more steps: {losses}")
    w_flip, b_flip = fit_logistic_regression(Z, 1 - y, lr=0.1, steps=300)
    expect_close(w_flip, -w, "swapping the labels should flip the sign of w")
    expect(abs(b_flip + b) < 1e-7, "swapping the labels should flip the sign of b")
    # The loss is a MEAN: the same data twice over is the same problem, so the same fit.
    w2, b2 = fit_logistic_regression(np.vstack([Z, Z]), np.concatenate([y, y]), lr=0.1, steps=50)
    w1, b1 = fit_logistic_regression(Z, y, lr=0.1, steps=50)
    expect_close(w2, w1, "fitting every point twice should give the same w (the loss is a mean)")
    expect(abs(b2 - b1) < 1e-9, "fitting every point twice should give the same b")
    # One step from w = 0, b = 0 computes p once: p = 1/2 everywhere, so b's step depends on y
    # only, not on X.
    b_one = fit_logistic_regression(Z, y, lr=0.5, steps=1)[1]
    b_other = fit_logistic_regression(3.0 * Z + 1.0, y, lr=0.5, steps=1)[1]
    expect(
        abs(b_one - b_other) < 1e-12,
        "update w and b together from the same p: after one step from w = 0, b = 0, b should "
        "not depend on X",
    )
    hits = np.mean((Z @ w + b > 0) == (y == 1))
    expect(hits == 1.0, f"lifted rings should be separated perfectly; accuracy {hits:.3f}")


check("fit_logistic_regression", _check_fit_logistic_regression)

# %% [markdown]
# ## 3. Predictions
#
# Class 1 where $Xw + b > 0$ (strictly), else 0, as an integer array of shape `(N,)`.


# %% role=answer functions=predict
def predict(X: np.ndarray, w: np.ndarray, b: float) -> np.ndarray:
    """Class labels of a linear classifier.

    X: shape (N, d); w: shape (d,); b: a number. Returns an int array of shape (N,) with 0/1.
    """
    ### BEGIN SOLUTION
    scores = np.asarray(X, dtype=float) @ np.asarray(w, dtype=float) + float(b)
    return np.where(scores > 0.0, 1, 0).astype(np.int64)
    ### END SOLUTION


# %% role=check functions=predict
def _check_predict():
    X = np.array([[1.0, 2.0], [-1.0, 0.5], [0.0, 0.0], [2.0, -3.0]])
    w = np.array([0.5, -1.0])
    labels = predict(X, w, 0.25)
    expect(isinstance(labels, np.ndarray) and labels.shape == (4,), "expected shape (N,)")
    expect(np.issubdtype(labels.dtype, np.integer), f"expected an int array, got {labels.dtype}")
    expect(set(labels.tolist()) <= {0, 1}, "labels must be 0 or 1")
    opposite = predict(X, -w, -0.25)
    expect(np.all(labels + opposite == 1), "flipping w and b should flip every label here")
    on_boundary = predict(np.array([[2.0, 1.0]]), w, 0.0)
    expect(int(on_boundary[0]) == 0, "a point exactly on the boundary (score 0) is class 0")


check("predict", _check_predict)

# %% [markdown]
# ## 4. Before and after the new feature
#
# Left: a straight-line classifier on $(x_1, x_2)$ does little better than guessing. Middle: the
# same points against the new feature; a horizontal-ish line now separates the classes. Right:
# the classifier trained on the lifted features, drawn back in the plane: its boundary is a circle.

# %% role=plot
with when_ready():
    w_raw, b_raw = fit_logistic_regression(X_rings, y_rings)
    Z_rings = add_radius_feature(X_rings)
    w_lift, b_lift = fit_logistic_regression(Z_rings, y_rings)
    acc_raw = accuracy(y_rings, predict(X_rings, w_raw, b_raw))
    acc_lift = accuracy(y_rings, predict(Z_rings, w_lift, b_lift))

    side = np.linspace(-4.0, 4.0, 300)
    g1, g2 = np.meshgrid(side, side)
    flat = np.column_stack([g1.ravel(), g2.ravel()])
    fig, axes = plt.subplots(1, 3, figsize=(14, 4.2))
    colors = np.where(y_rings == 1, "C3", "k")
    raw_map = predict(flat, w_raw, b_raw).reshape(g1.shape)
    axes[0].contourf(g1, g2, raw_map, levels=[-0.5, 0.5, 1.5], colors=["w", "C3"], alpha=0.15)
    axes[0].scatter(X_rings[:, 0], X_rings[:, 1], c=colors, s=8)
    axes[0].set(title=f"raw features: accuracy {acc_raw:.2f}", xlabel="$x_1$", ylabel="$x_2$")
    axes[1].scatter(Z_rings[:, 0], Z_rings[:, 2], c=colors, s=8)
    axes[1].set(title="lifted", xlabel="$x_1$", ylabel="$x_1^2 + x_2^2$")
    lift_map = predict(add_radius_feature(flat), w_lift, b_lift).reshape(g1.shape)
    axes[2].contourf(g1, g2, lift_map, levels=[-0.5, 0.5, 1.5], colors=["w", "C3"], alpha=0.15)
    axes[2].contour(g1, g2, lift_map, levels=[0.5], colors="C3")
    axes[2].scatter(X_rings[:, 0], X_rings[:, 1], c=colors, s=8)
    axes[2].set(title=f"with $x_1^2 + x_2^2$: accuracy {acc_lift:.2f}", xlabel="$x_1$")
    for ax in axes[[0, 2]]:
        ax.set_aspect("equal")
    plt.tight_layout()
    plt.show()

# %% [markdown]
# ## An explorer: draw the boundary yourself
#
# Choose the weights by hand. The explorer below (its code is in the next cell; you need not read
# it) lifts the rings with your `add_radius_feature`, classifies with your `predict` and
# draws the boundary $w_1 x_1 + w_2 x_2 + w_3 (x_1^2 + x_2^2) + b = 0$ and the accuracy. It starts
# at $w = (0, 0, -1)$, $b = 1$: class 1 inside the circle $x_1^2 + x_2^2 = 1$.
#
# **Predict first, then move the slider to check.**
#
# 1. The rings have radii about 1 and 3. Which values of $b$ (with $w = (0, 0, -1)$) separate
#    them perfectly?
# 2. Move $w_1$ away from 0. Does the circle grow, shrink or move, and in which direction?
# 3. Set $w_3 = 0$. What shape is the boundary now, and what is the best accuracy you can reach?
# 4. Flip the signs of all four sliders. What happens to the boundary, and to the accuracy?

# %% role=given
from _explorers import features_explorer  # noqa: E402

# %% role=plot
with when_ready():
    features_explorer(add_radius_feature, predict, X_rings, y_rings)


# %% [markdown]
# ## 5. A network finds the feature itself
#
# Instead of adding $x_1^2 + x_2^2$ by hand, give the raw $(x_1, x_2)$ to a small network: one
# hidden layer of 8 ReLU units with biases, and a logistic output
# $p = \sigma(w_2 \cdot \mathrm{ReLU}[W_1 x + b_1] + b_2)$. The cell below trains it with
# full-batch gradient descent on the same mean cross-entropy (400 steps, a fixed seed; the
# gradient is the chain rule of the backprop assignment).


# %% role=given
def train_relu_classifier(X, y, width=8, steps=400, lr=0.5, seed=0):
    """Fit a 2 -> width -> 1 ReLU network with a logistic output by gradient descent.

    X: (N, 2); y: (N,) of 0/1. Returns (layers, losses): layers = [(W1 (width, 2), b1 (width,)),
    (W2 (1, width), b2 (1,))], losses the mean cross-entropy before each step.
    """
    gen = np.random.default_rng(seed)
    W1, b1 = gen.normal(size=(width, 2)), 0.1 * gen.normal(size=width)
    w2, b2 = gen.normal(size=width) / np.sqrt(width), 0.0
    losses = []
    for _round in range(steps):
        z = X @ W1.T + b1
        h = np.maximum(0.0, z)
        score = h @ w2 + b2
        losses.append(float(np.mean(np.logaddexp(0.0, score) - y * score)))
        g = (np.exp(-np.logaddexp(0.0, -score)) - y) / len(y)  # d loss / d score
        g_z = np.outer(g, w2) * (z > 0)
        W1, b1 = W1 - lr * (g_z.T @ X), b1 - lr * g_z.sum(axis=0)
        w2, b2 = w2 - lr * (h.T @ g), b2 - lr * float(g.sum())
    return [(W1, b1), (w2[None, :], np.array([b2]))], losses


net_rings, losses_rings = train_relu_classifier(X_rings, y_rings)

# %% [markdown]
# Left: the trained network's linear regions (one colour per activation pattern; the black
# lines are its 8 units' zero lines) and its decision boundary (red), with the circle found by
# logistic regression on the hand-made feature (dashed). The network's boundary is a polygon:
# on each region its score is affine, so the boundary is straight there, bending only where it
# crosses a unit's line. Right: the network's score at each training point against
# $x_1^2 + x_2^2$. The points fall close to one decreasing curve: without being told, the
# network has built a function of the squared radius, the very feature we added by hand.

# %% role=plot
with when_ready():
    (W1, b1), (W2, b2) = net_rings
    side = np.linspace(-4.0, 4.0, 401)
    g1, g2 = np.meshgrid(side, side)
    flat = np.column_stack([g1.ravel(), g2.ravel()])

    def score(points):
        return (np.maximum(points @ W1.T + b1, 0.0) @ W2.T + b2)[:, 0]

    pattern = (flat @ W1.T + b1 > 0) @ (1 << np.arange(len(b1)))  # on/off of each unit, as bits
    _, region = np.unique(pattern, return_inverse=True)
    palette = plt.get_cmap("tab20").colors[1::2] + plt.get_cmap("Pastel2").colors
    order = np.random.default_rng(1).permutation(region.max() + 1)  # spread similar ids apart
    shade = np.array(palette)[order[region.ravel()] % len(palette)].reshape(*g1.shape, 3)
    w_lift, b_lift = fit_logistic_regression(add_radius_feature(X_rings), y_rings)
    hits = accuracy(y_rings, (score(X_rings) > 0).astype(int))
    hits_lift = accuracy(y_rings, predict(add_radius_feature(X_rings), w_lift, b_lift))
    fig, axes = plt.subplots(1, 2, figsize=(13, 5.4))
    ax = axes[0]
    ax.imshow(shade, origin="lower", extent=(-4, 4, -4, 4), interpolation="nearest")
    for (u1, u2), c in zip(W1, b1, strict=True):
        if abs(u2) >= abs(u1):
            ax.plot(side, -(u1 * side + c) / u2, "k", lw=0.8)
        else:
            ax.plot(-(u2 * side + c) / u1, side, "k", lw=0.8)
    ax.contour(g1, g2, score(flat).reshape(g1.shape), levels=[0.0], colors="C3", linewidths=2.5)
    lifted = predict(add_radius_feature(flat), w_lift, b_lift).reshape(g1.shape)
    ax.contour(g1, g2, lifted, levels=[0.5], colors="k", linestyles="--", linewidths=1.5)
    colours = np.where(y_rings == 1, "C3", "k")
    ax.scatter(X_rings[:, 0], X_rings[:, 1], c=colours, s=8)
    ax.set(xlim=(-4, 4), ylim=(-4, 4), aspect="equal", xlabel="$x_1$", ylabel="$x_2$")
    ax.set_title(
        f"8 ReLU units, {region.max() + 1} regions in view: accuracy {hits:.2f}\n"
        f"(dashed: the hand-made feature's circle, accuracy {hits_lift:.2f})"
    )
    ax = axes[1]
    ax.scatter(np.sum(X_rings**2, axis=1), score(X_rings), c=colours, s=8)
    ax.axhline(0.0, color="C3", lw=1)
    ax.set(xlabel="$x_1^2 + x_2^2$", ylabel="network score (before the sigmoid)")
    ax.set_title("the learnt score is a function of the radius")
    plt.tight_layout()
    plt.show()
