# %% [markdown]
# # Backpropagation by hand for $h = f(xw)$, $y = hv$
#
# The network of the notes has no biases and one hidden layer. With inputs as **rows**:
#
# $$z = xw, \qquad h = f(z), \qquad y = hv,$$
#
# where `x` is `(N, n_in)` (one example per row), `w` is `(n_in, n_hidden)`, `v` is
# `(n_hidden, n_out)`, and the activation $f$ acts on every entry. Without $f$ the model would be
# linear: $y = hv = (xw)v = x(wv)$, a single matrix $wv$ of shape `(n_in, n_out)`. The notes say
# this holds because matrix multiplication is commutative, but it is not: $wv$ and $vw$ differ in
# general, and here $vw$ does not even exist unless `n_out` equals `n_in`. What lets us move the
# brackets is *associativity*, $(xw)v = x(wv)$, true for any matrices whose shapes fit together.
# With $f$ the hidden layer computes features that the last layer combines.
#
# To train it we need the derivative of a loss $L$ with respect to every weight. The last layer
# is like linear regression: $\partial L/\partial v = h^T\,\partial L/\partial y$. To reach $w$
# we first pass the derivative back through $v$, $\partial L/\partial h = (\partial L/\partial y)
# v^T$, then through the activation, $\partial L/\partial z = \partial L/\partial h \odot f'(z)$
# (entrywise), and finally $\partial L/\partial w = x^T\,\partial L/\partial z$. That is
# backpropagation: the chain rule, applied layer by layer from the output back.
#
# The activation is one of `"relu"` (take $\mathrm{ReLU}'(0) = 0$), `"sigmoid"`
# $\sigma(z) = 1/(1 + e^{-z})$, and `"tanh"`. The loss is the mean squared error
# $L = \frac{1}{N}\sum (y - t)^2$ (summed over all entries, divided by the number of rows $N$).
#
# **How to work.** Fill in each function where it says `raise NotImplementedError(...)`, run it,
# then run its check cell (`pass`, `FAIL - <reason>` or `not implemented yet`). The checks test
# properties only (for gradients: agreement with small finite differences of the loss); the
# grader uses other, hidden inputs. NumPy only.

# %% [markdown]
# **Notation in this notebook.** Examples are rows: `x` has shape `(N, n_in)`, `w` shape
# `(n_in, n_hidden)` and `v` shape `(n_hidden, n_out)`, with **no biases** (a constant input
# column gives them); `z = x @ w` and `y = h @ v`.
#
# The same networks appear in other notebooks in other forms:
#
# - shallow and composition: `theta` rows are $[\theta_{d0}, \theta_{d1}]$ = [bias, slope],
#   `phi` $= [\phi_0, \phi_1, \dots]$ with the bias first;
# - composition: `psi` of shape `(D2, D1 + 1)` keeps the biases $\psi_{i0}$ in column 0;
# - depth and surfaces: a list of layers `(W, b)`, `W` of shape `(d_out, d_in)`, applied to a
#   batch of rows as `x @ W.T + b`;
#
# The seventh assignment, `capacity`, converts between these forms (`shallow_to_layers`,
# `composition_to_layers`, `layers_to_xw`).

# %% role=given
from _helpers import check, expect, expect_close, np, plt, when_ready  # noqa: F401

ACTIVATIONS = ("relu", "sigmoid", "tanh")


def example(n=12, n_in=3, n_hidden=5, n_out=2, seed=0):
    """A small random problem: x (n, n_in), w (n_in, n_hidden), v (n_hidden, n_out), t (n, n_out)."""
    gen = np.random.default_rng(seed)
    shapes = [(n, n_in), (n_in, n_hidden), (n_hidden, n_out), (n, n_out)]
    return [gen.normal(size=s) for s in shapes]


# %% [markdown]
# ## 1. Forward pass
#
# Return the three arrays `(z, h, y)`; keep `z` and `h`, the backward pass needs them.


# %% role=answer functions=forward
def forward(
    x: np.ndarray, w: np.ndarray, v: np.ndarray, activation: str = "relu"
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Forward pass of the two-layer network.

    x: (N, n_in); w: (n_in, n_hidden); v: (n_hidden, n_out); activation: "relu", "sigmoid"
    or "tanh". Returns (z, h, y) with z, h of shape (N, n_hidden) and y of shape (N, n_out).
    """
    ### BEGIN SOLUTION
    x, w, v = (np.asarray(a, dtype=float) for a in (x, w, v))
    z = x @ w
    if activation == "relu":
        h = np.maximum(z, 0.0)
    elif activation == "sigmoid":
        h = np.exp(-np.logaddexp(0.0, -z))
    elif activation == "tanh":
        h = np.tanh(z)
    else:
        raise ValueError(f"unknown activation {activation!r}")
    return z, h, h @ v
    ### END SOLUTION


# %% role=check functions=forward
def _check_forward():
    x, w, v, _ = example()
    for name in ACTIVATIONS:
        z, h, y = forward(x, w, v, name)
        shapes = (np.shape(z), np.shape(h), np.shape(y))
        expect(shapes == ((12, 5), (12, 5), (12, 2)), f"{name}: shapes {shapes}")
        expect_close(forward(x, w, 2.0 * v, name)[2], 2.0 * y, f"{name}: y should be linear in v")
        expect_close(forward(2.0 * x, w, v, name)[0], 2.0 * z, f"{name}: z should be linear in x")
    z, h, _ = forward(x, w, v)
    expect(np.all(h >= 0) and np.all(h[z <= 0] == 0), "relu (the default): h = 0 where z <= 0")
    expect_close(h[z > 0], z[z > 0], "relu: h = z where z > 0")
    _, h, _ = forward(x, w, v, "sigmoid")
    expect(np.all((h > 0) & (h < 1)), "sigmoid values lie in (0, 1)")
    expect_close(forward(-x, w, v, "sigmoid")[1], 1 - h, "sigmoid: f(-z) = 1 - f(z)")
    expect_close(forward(-x, w, v, "tanh")[2], -forward(x, w, v, "tanh")[2], "tanh is odd")


check("forward", _check_forward)

# %% [markdown]
# ## 2. The loss
#
# Return `(L, dL_dy)`: the mean squared error as a Python `float` and its derivative with respect
# to every entry of `y` (same shape as `y`).


# %% role=answer functions=mse
def mse(y: np.ndarray, t: np.ndarray) -> tuple[float, np.ndarray]:
    """Mean squared error over the N rows and its gradient.

    y, t: shape (N, n_out). Returns (L, dL_dy): L = sum((y - t)**2) / N as a float and
    dL_dy of shape (N, n_out).
    """
    ### BEGIN SOLUTION
    y, t = np.asarray(y, dtype=float), np.asarray(t, dtype=float)
    n = y.shape[0]
    diff = y - t
    return float(np.sum(diff * diff) / n), 2.0 * diff / n
    ### END SOLUTION


# %% role=check functions=mse
def _check_mse():
    gen = np.random.default_rng(9)
    y, t = gen.normal(size=(6, 2)), gen.normal(size=(6, 2))
    L, dL_dy = mse(y, t)
    expect(isinstance(L, float), f"L should be a Python float, got {type(L).__name__}")
    expect(np.shape(dL_dy) == y.shape, f"dL_dy shape {np.shape(dL_dy)}, expected {y.shape}")
    expect(L > 0 and mse(t, t)[0] == 0, "L > 0 for y != t and L = 0 for y = t")
    expect(np.all(np.asarray(mse(t, t)[1]) == 0), "dL_dy = 0 at y = t")
    expect(abs(mse(np.tile(y, (2, 1)), np.tile(t, (2, 1)))[0] - L) < 1e-12, "divide by N rows")
    step = gen.normal(size=y.shape)
    slope = (mse(y + 1e-6 * step, t)[0] - mse(y - 1e-6 * step, t)[0]) / 2e-6
    expect(abs(slope - np.sum(dL_dy * step)) < 1e-6, "dL_dy disagrees with a finite difference")


check("mse", _check_mse)

# %% [markdown]
# ## 3. Backward pass
#
# Given the cached `z`, `h` and the incoming `dL_dy`, return `(dL_dw, dL_dv)` with the shapes of
# `w` and `v`, following the four steps above. You need $f'(z)$ for each activation:
# $\mathrm{ReLU}'(z)$ is 1 where $z > 0$ and 0 elsewhere, $\sigma' = \sigma(1 - \sigma)$,
# $\tanh' = 1 - \tanh^2$.


# %% role=answer functions=backward
def backward(
    x: np.ndarray,
    w: np.ndarray,
    v: np.ndarray,
    z: np.ndarray,
    h: np.ndarray,
    dL_dy: np.ndarray,
    activation: str = "relu",
) -> tuple[np.ndarray, np.ndarray]:
    """Gradients of the loss with respect to w and v.

    x: (N, n_in); w: (n_in, n_hidden); v: (n_hidden, n_out); z, h: (N, n_hidden) from forward;
    dL_dy: (N, n_out). Returns (dL_dw, dL_dv) of shapes (n_in, n_hidden) and (n_hidden, n_out).
    """
    ### BEGIN SOLUTION
    x, v, z, h, dL_dy = (np.asarray(a, dtype=float) for a in (x, v, z, h, dL_dy))
    if activation == "relu":
        slope = (z > 0.0).astype(float)
    elif activation == "sigmoid":
        slope = h * (1.0 - h)
    elif activation == "tanh":
        slope = 1.0 - h * h
    else:
        raise ValueError(f"unknown activation {activation!r}")
    dL_dv = h.T @ dL_dy
    dL_dz = (dL_dy @ v.T) * slope
    return x.T @ dL_dz, dL_dv
    ### END SOLUTION


# %% role=check functions=backward
def _loss_at(x, w, v, t, activation):
    return mse(forward(x, w, v, activation)[2], t)[0]


def _check_backward():
    x, w, v, t = example(seed=1)
    # A hidden unit with all-zero weights has z = 0 on every row; relu'(0) = 0, so neither
    # its incoming nor its outgoing weights get any gradient.
    w0 = np.array(w, dtype=float)
    w0[:, 0] = 0.0
    z, h, y = forward(x, w0, v, "relu")
    dL_dw, dL_dv = backward(x, w0, v, z, h, mse(y, t)[1], "relu")
    expect(
        np.all(np.asarray(dL_dw)[:, 0] == 0),
        "relu'(0) = 0: a unit whose pre-activation is exactly 0 on every row passes no "
        "gradient back to its weights",
    )
    expect(np.all(np.asarray(dL_dv)[0] == 0), "a unit with h = 0 on every row: its dL_dv is 0")
    gen = np.random.default_rng(10)
    eps = 1e-6
    for name in ACTIVATIONS:
        z, h, y = forward(x, w, v, name)
        dL_dw, dL_dv = backward(x, w, v, z, h, mse(y, t)[1], name)
        expect(np.shape(dL_dw) == w.shape, f"{name}: dL_dw shape {np.shape(dL_dw)}, not {w.shape}")
        expect(np.shape(dL_dv) == v.shape, f"{name}: dL_dv shape {np.shape(dL_dv)}, not {v.shape}")
        for label, grad, move in (("w", dL_dw, 0), ("v", dL_dv, 1)):
            for _ in range(3):  # compare along random directions (a central difference each)
                step = gen.normal(size=np.shape(grad))
                plus = [w, v]
                minus = [w, v]
                plus[move] = plus[move] + eps * step
                minus[move] = minus[move] - eps * step
                numeric = (_loss_at(x, *plus, t, name) - _loss_at(x, *minus, t, name)) / (2 * eps)
                exact = float(np.sum(grad * step))
                error = abs(numeric - exact) / max(1e-8, abs(numeric) + abs(exact))
                expect(
                    error < 1e-5,
                    f"{name}: dL_d{label} vs finite differences: rel. error {error:.2g}",
                )


check("backward", _check_backward)

# %% [markdown]
# ## 4. A numerical gradient, to check any gradient
#
# `f` takes no arguments and computes a number from the array `param` (which it reads from the
# outside). Nudge each entry of `param` in place by $+\epsilon$ and by $-\epsilon$, evaluate `f`,
# and use the central difference $(f_+ - f_-)/(2\epsilon)$. Put every entry back exactly as it
# was before moving on: when you return, `param` must hold its original values bit for bit.


# %% role=answer functions=numerical_gradient
def numerical_gradient(f, param: np.ndarray, eps: float = 1e-6) -> np.ndarray:
    """Central-difference gradient of the zero-argument function f with respect to param.

    f: callable () -> float that reads param. param: float array of any shape, changed in place
    during the computation and restored exactly. Returns an array of param's shape.
    """
    ### BEGIN SOLUTION
    grad = np.zeros(param.shape)
    for index in np.ndindex(param.shape):
        original = param[index]
        param[index] = original + eps
        f_plus = float(f())
        param[index] = original - eps
        f_minus = float(f())
        param[index] = original
        grad[index] = (f_plus - f_minus) / (2.0 * eps)
    return grad
    ### END SOLUTION


# %% role=check functions=numerical_gradient
def _check_numerical_gradient():
    param = np.array([[0.3, -1.2, 2.0], [0.7, 0.1, -0.4]])
    before = param.copy()
    grad = numerical_gradient(lambda: float(np.sum(np.sin(param))), param)
    expect(np.shape(grad) == param.shape, f"shape {np.shape(grad)}, expected {param.shape}")
    expect(np.array_equal(param, before), "param must be restored exactly")
    expect_close(grad, np.cos(param), "gradient of sum(sin(param)) is cos(param)", rtol=1e-6)
    x, w, v, t = example(seed=2)
    auto = numerical_gradient(lambda: _loss_at(x, w, v, t, "tanh"), v)
    step = np.random.default_rng(11).normal(size=v.shape)
    slope = _loss_at(x, w, v + 1e-6 * step, t, "tanh") - _loss_at(x, w, v - 1e-6 * step, t, "tanh")
    expect(abs(slope / 2e-6 - np.sum(auto * step)) < 1e-5, "network loss: numeric gradient is off")


check("numerical_gradient", _check_numerical_gradient)

# %% [markdown]
# ## 5. Training
#
# Put it together: full-batch gradient descent on `mse` with the ReLU activation. Initialise
# with `rng = np.random.default_rng(seed)` and draw, in this order,
# `w = rng.normal(0, 1 / sqrt(n_in), (n_in, n_hidden))` and
# `v = rng.normal(0, 1 / sqrt(n_hidden), (n_hidden, n_out))`. Each of the `steps` updates runs
# forward, mse, backward and then `w -= lr * dL_dw`, `v -= lr * dL_dv`. Record the loss of every
# step *before* its update, as Python floats.


# %% role=answer functions=train
def train(
    x: np.ndarray, t: np.ndarray, n_hidden: int, lr: float, steps: int, seed: int
) -> tuple[np.ndarray, np.ndarray, list]:
    """Train the ReLU network by full-batch gradient descent.

    x: (N, n_in); t: (N, n_out). Returns (w, v, losses): w (n_in, n_hidden) and
    v (n_hidden, n_out) after all updates, losses a list of `steps` floats.
    """
    ### BEGIN SOLUTION
    x, t = np.asarray(x, dtype=float), np.asarray(t, dtype=float)
    generator = np.random.default_rng(seed)
    w = generator.normal(0.0, 1.0 / np.sqrt(x.shape[1]), (x.shape[1], n_hidden))
    v = generator.normal(0.0, 1.0 / np.sqrt(n_hidden), (n_hidden, t.shape[1]))
    losses = []
    for _ in range(steps):
        z, h, y = forward(x, w, v, "relu")
        loss, dL_dy = mse(y, t)
        losses.append(loss)
        dL_dw, dL_dv = backward(x, w, v, z, h, dL_dy, "relu")
        w = w - lr * dL_dw
        v = v - lr * dL_dv
    return w, v, losses
    ### END SOLUTION


# %% role=check functions=train
def _check_train():
    x, _, _, t = example(n=20, n_in=2, n_out=1, seed=3)
    w, v, losses = train(x, t, n_hidden=8, lr=0.05, steps=60, seed=4)
    expect(np.shape(w) == (2, 8) and np.shape(v) == (8, 1), f"shapes {np.shape(w)}, {np.shape(v)}")
    expect(isinstance(losses, list) and len(losses) == 60, "losses should be a list of `steps`")
    expect(all(isinstance(value, float) for value in losses), "losses should be Python floats")
    expect(losses[-1] < losses[0], "the loss should go down")
    final = _loss_at(x, w, v, t, "relu")
    expect(
        final < losses[-1],
        "losses[k] is the loss before update k: the returned weights, one update after "
        "losses[-1] was recorded, should have a lower loss",
    )
    again = train(x, t, n_hidden=8, lr=0.05, steps=60, seed=4)[2]
    expect(again == losses, "the same seed should give the same run")
    first = train(x, t, n_hidden=8, lr=0.05, steps=1, seed=4)[2]
    expect(first[0] == losses[0], "losses[0] is the loss of the initial weights")


check("train", _check_train)

# %% [markdown]
# ## 6. Watching it learn
#
# Fit $\sin$ on $[-3, 3]$. The network has no biases, so every hidden unit's kink would sit at
# $x = 0$; appending a constant input 1 to every example (a second column of `x`) lets each unit
# choose its own kink.

# %% role=plot
with when_ready():
    x_1d = np.linspace(-3.0, 3.0, 80)
    x_fit = np.column_stack([x_1d, np.ones_like(x_1d)])
    t_fit = np.sin(x_1d)[:, None]
    w_fit, v_fit, losses_fit = train(x_fit, t_fit, n_hidden=24, lr=0.05, steps=3000, seed=0)
    fig, axes = plt.subplots(1, 2, figsize=(12, 3.8))
    axes[0].semilogy(losses_fit)
    axes[0].set(title="training loss", xlabel="step", ylabel="mean squared error")
    axes[1].plot(x_1d, t_fit[:, 0], color="grey", lw=3, alpha=0.5, label="target sin x")
    axes[1].plot(x_1d, forward(x_fit, w_fit, v_fit)[2][:, 0], "C3", label="network after training")
    kinks = -w_fit[1] / w_fit[0]
    kinks = kinks[np.abs(kinks) <= 3]
    axes[1].plot(kinks, np.zeros_like(kinks), "k|", ms=12, label="kinks of the hidden units")
    axes[1].set(title=f"fit after {len(losses_fit)} steps", xlabel="x")
    axes[1].legend()
    plt.tight_layout()
    plt.show()


# %% [markdown]
# ## An explorer: step through the training run
#
# The same run, one step at a time. The explorer below (its code is in the next cell) runs your
# `train` for as many steps as the slider says, and draws the losses it recorded and the network
# its weights make (with your `forward`); `mse` gives the loss after the last step.
#
# **Predict first, then move the slider to check.**
#
# 1. At step 0 the network is random. Roughly what does its output look like, and where are its
#    kinks?
# 2. Do the kinks stay where they started or move while it learns? Which ones move most?
# 3. Which part of $\sin$ is fitted first: its overall slope, or its bends near $\pm\pi/2$?
# 4. On the log scale the loss falls quickly and then slowly. When do you expect it to flatten?

# %% role=given
from _explorers import backprop_explorer  # noqa: E402

# %% role=plot
with when_ready():
    x_step = np.linspace(-3.0, 3.0, 80)
    backprop_explorer(
        forward,
        mse,
        train,
        np.column_stack([x_step, np.ones_like(x_step)]),
        np.sin(x_step)[:, None],
        n_hidden=24,
        lr=0.05,
        steps=3000,
        seed=0,
    )
