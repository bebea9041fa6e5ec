"""Hidden cases for `capacity`: the conventions bridge, random nets' pieces, deep linear nets,
activations.

Every random kind is drawn with `profiled`, so each known mistake loses a kind for every student
or for none. `depth_sweep` is called with a counter built in the student's process (a Lambda of
the layers' numbers), so its grade depends on the nets it builds and on the statistics, never on
a piece counter of the student's.
"""

from __future__ import annotations

import numpy as np

from autograder.cases.base import Case, Lambda, Mistake, QuestionCases, materialize, profiled
from autograder.plots import curve_plot, gradient_error_plot, loss_curve_plot
from reference.capacity import (
    LEAKY_SLOPE,
    activation,
    as_relu_layers,
    composition_to_layers,
    depth_sweep,
    depth_widths,
    layers_to_xw,
    mlp_with,
    random_layers,
    shallow_to_layers,
    train_deep_linear,
)

Layers = list[tuple[np.ndarray, np.ndarray]]


def _flat(value) -> list:
    """A layer list (or a tuple of arrays) as a flat list of its arrays, for error heat maps."""
    if isinstance(value, list | tuple):
        out = []
        for item in value:
            out += _flat(item) if isinstance(item, list | tuple) else [item]
        return out
    return [value]


def _layers_plot(case: Case, value, expected):
    """gradient_error_plot over W1, b1, W2, b2, ... of a layer-list answer."""
    want = _flat(expected)
    names = [f"{'Wb'[i % 2]}{i // 2 + 1}" for i in range(len(want))]
    got = _flat(value) if isinstance(value, list | tuple) else value
    return gradient_error_plot(names)(case, got, want)


def _net(rng: np.random.Generator, widths: list[int], decimals: int = 3) -> Layers:
    return [
        (rng.normal(0.0, 1.0, (b, a)).round(decimals), rng.normal(0.0, 1.0, b).round(decimals))
        for a, b in zip(widths[:-1], widths[1:], strict=True)
    ]


def _shallow(rng: np.random.Generator, d: int) -> tuple[np.ndarray, np.ndarray]:
    return rng.normal(0.0, 1.0, (d, 2)).round(3), rng.normal(0.0, 1.0, d + 1).round(3)


# ---- shallow_to_layers ----------------------------------------------------------------------


def _shallow_to_layers_cases(rng: np.random.Generator) -> list[Case]:
    theta = np.array([[1.0, -1.0], [-0.5, 2.0], [0.0, 1.0]])
    phi = np.array([0.5, 1.0, -2.0, 0.25])
    cases = [Case("public: 3 units", (theta, phi), public=True)]
    for d in (1, 4, 9):
        cases.append(
            profiled(
                rng,
                f"random net, {d} units",
                lambda r, d=d: _shallow(r, d),
                shallow_to_layers,
                SHALLOW_MISTAKES,
            )  # fmt: skip
        )
    cases.append(Case("edge: zero slopes and phi_0 = 0", (np.array([[1.0, 0.0], [-2.0, 0.0]]),
                                                          np.array([0.0, 3.0, -1.0]))))  # fmt: skip
    return cases


def _stl_swapped(case: Case):
    theta, phi = case.args
    return shallow_to_layers(np.asarray(theta)[:, ::-1], phi)


def _stl_no_phi0(case: Case):
    (W1, b1), (W2, _) = shallow_to_layers(*case.args)
    return [(W1, b1), (W2, np.zeros(1))]


SHALLOW_MISTAKES = [
    Mistake(
        "theta columns swapped",
        "theta's column 0 is the bias and column 1 the slope: W1 = theta[:, 1:2] (shape (D, 1)) "
        "and b1 = theta[:, 0].",
        answer=_stl_swapped,
    ),
    Mistake(
        "phi_0 lost",
        "phi_0 is the output's bias: b2 = [phi_0], and W2 = phi[1:] as a row of shape (1, D).",
        answer=_stl_no_phi0,
    ),
]


# ---- composition_to_layers ------------------------------------------------------------------


def _composition_cases(rng: np.random.Generator) -> list[Case]:
    t1 = np.array([[0.0, 1.0], [1.0, -1.0]])
    p1 = np.array([-0.5, 1.0, 2.0])
    t2 = np.array([[0.5, 1.0], [-1.0, 2.0], [0.25, -1.0]])
    p2 = np.array([0.0, 1.0, -1.0, 0.5])
    cases = [Case("public: 2 then 3 units", (t1, p1, t2, p2), public=True)]
    for d1, d2 in ((3, 2), (4, 4), (2, 5), (6, 3)):

        def draw(r, d1=d1, d2=d2):
            return (*_shallow(r, d1), *_shallow(r, d2))

        cases.append(
            profiled(
                rng,
                f"random nets, {d1} then {d2} units",
                draw,
                composition_to_layers,
                COMPOSITION_MISTAKES,
            )  # fmt: skip
        )
    return cases


def _ctl_no_phi1_0(case: Case):
    t1, p1, t2, p2 = case.args
    layers = composition_to_layers(*case.args)
    layers[1] = (layers[1][0], np.asarray(t2, dtype=float)[:, 0].copy())
    return layers


def _ctl_swapped(case: Case):
    t1, p1, t2, p2 = case.args
    return composition_to_layers(t2, p2, t1, p1)


def _ctl_w2_transposed(case: Case):
    layers = composition_to_layers(*case.args)
    layers[1] = (layers[1][0].T.copy(), layers[1][1])
    return layers


COMPOSITION_MISTAKES = [
    Mistake(
        "phi1_0 left out of b2",
        "network 2's unit i reads y = phi1_0 + ..., so its bias is b2[i] = theta2[i, 0] + "
        "theta2[i, 1] * phi1[0], not theta2[i, 0] alone.",
        answer=_ctl_no_phi1_0,
    ),
    Mistake(
        "networks in the wrong order",
        "network 1 acts first: its theta1 gives the first layer (W1, b1) and phi2 the output "
        "layer.",
        answer=_ctl_swapped,
    ),
    Mistake(
        "W2 transposed",
        "W2 has shape (D2, D1): row i holds network 2's unit i, W2[i, j] = theta2[i, 1] * "
        "phi1[j + 1].",
        answer=_ctl_w2_transposed,
    ),
]


# ---- layers_to_xw ---------------------------------------------------------------------------


def _xw_cases(rng: np.random.Generator) -> list[Case]:
    public = [
        (np.array([[1.0, -1.0], [0.5, 2.0], [0.0, 1.0]]), np.array([0.5, -1.0, 0.0])),
        (np.array([[1.0, -2.0, 0.5]]), np.array([0.25])),
    ]
    cases = [Case("public: 2 inputs, 3 hidden units, 1 output", (public,), public=True)]
    for widths in ([1, 4, 1], [3, 5, 2], [2, 6, 3], [4, 3, 4], [3, 3, 3]):
        name = f"random net {'-'.join(map(str, widths))}"
        cases.append(profiled(rng, name, lambda r, w=widths: (_net(r, w),), layers_to_xw,
                              XW_MISTAKES))  # fmt: skip
    return cases


def _xw_ones_last(case: Case):
    (W1, b1), (W2, b2) = case.args[0]
    W1, b1, W2, b2 = (np.asarray(a, dtype=float) for a in (W1, b1, W2, b2))
    h, n = W1.shape
    w = np.zeros((n + 1, h + 1))
    w[n, h] = 1.0
    w[n, :h] = b1
    w[:n, :h] = W1.T
    v = np.vstack([W2.T, b2[None, :]])
    return w, v


def _xw_no_bias_unit(case: Case):
    (W1, b1), (W2, _) = case.args[0]
    w = np.vstack([np.asarray(b1, dtype=float)[None, :], np.asarray(W1, dtype=float).T])
    return w, np.asarray(W2, dtype=float).T.copy()


def _xw_untransposed(case: Case):
    w, v = layers_to_xw(*case.args)
    (W1, _), (W2, _) = case.args[0]
    w = w.copy()
    v = v.copy()
    if W1.shape[0] != W1.shape[1] or W2.shape[0] != W2.shape[1]:
        raise ValueError("not square")
    w[1:, 1:] = W1
    v[1:] = W2
    return w, v


XW_MISTAKES = [
    Mistake(
        "ones in the last column",
        "the constant feature comes first: with_ones(x) puts the ones in column 0 (as theta's "
        "bias is its column 0), so row 0 of w holds [1, b1] and v[0] = b2.",
        answer=_xw_ones_last,
    ),
    Mistake(
        "no bias unit",
        "b2 must reach the output too: add hidden unit 0 with w[:, 0] = [1, 0, ..., 0] (so "
        "relu(1) = 1) and put b2 in v[0]; w has H + 1 columns and v has H + 1 rows.",
        answer=_xw_no_bias_unit,
    ),
    Mistake(
        "W not transposed",
        "backprop multiplies on the right (z = x w), depth on the left (W x): w[1:, 1:] = W1.T "
        "and v[1:] = W2.T.",
        answer=_xw_untransposed,
    ),
]


# ---- random_layers --------------------------------------------------------------------------


def _random_layers_cases(rng: np.random.Generator) -> list[Case]:
    cases = [Case("public: widths [1, 4, 3, 1], seed 0", ([1, 4, 3, 1], 0), public=True)]
    for widths in ([1, 8, 1], [2, 5, 5, 1], [3, 4, 6, 2, 1], [1, 2, 2, 2, 2, 1]):
        name = f"widths {widths}, a random seed"

        def draw(r, widths=widths):
            return (list(widths), int(r.integers(0, 2**31)))

        cases.append(profiled(rng, name, draw, random_layers, RANDOM_MISTAKES))
    cases.append(Case("bias_std 2.5", ([2, 3, 1], int(rng.integers(0, 2**31))), {"bias_std": 2.5}))
    cases.append(Case("edge: no hidden layer", ([3, 2], int(rng.integers(0, 2**31)))))
    return cases


def _rl_with(case: Case, std, order="paired"):
    widths, seed = case.args
    bias_std = case.kwargs.get("bias_std", 0.1)
    r = np.random.default_rng(seed)
    pairs = list(zip(widths[:-1], widths[1:], strict=True))
    if order == "paired":
        return [
            (r.normal(0.0, std(a, b), size=(b, a)), r.normal(0.0, bias_std, size=b))
            for a, b in pairs
        ]
    Ws = [r.normal(0.0, std(a, b), size=(b, a)) for a, b in pairs]
    return [(W, r.normal(0.0, bias_std, size=b)) for W, (a, b) in zip(Ws, pairs, strict=True)]


RANDOM_MISTAKES = [
    Mistake(
        "variance used as the std",
        "He initialisation has variance 2 / d_in, so the standard deviation passed to "
        "rng.normal is sqrt(2 / d_in), not 2 / d_in.",
        answer=lambda c: _rl_with(c, lambda a, b: 2.0 / a),
    ),
    Mistake(
        "std sqrt(1 / d_in)",
        "He initialisation (for ReLU) has std sqrt(2 / d_in); yours is sqrt(1 / d_in), too "
        "small by a factor sqrt(2).",
        answer=lambda c: _rl_with(c, lambda a, b: np.sqrt(1.0 / a)),
    ),
    Mistake(
        "fan-out",
        "the std uses the layer's input width d_{l-1} (fan-in): sqrt(2 / d_{l-1}), not its "
        "output width.",
        answer=lambda c: _rl_with(c, lambda a, b: np.sqrt(2.0 / b)),
    ),
    Mistake(
        "weights first, then biases",
        "draw layer by layer: W_1 then b_1, then W_2 then b_2, ...; you drew all W first.",
        answer=lambda c: _rl_with(c, lambda a, b: np.sqrt(2.0 / a), order="weights first"),
    ),
]


# ---- depth_sweep ----------------------------------------------------------------------------

# A counter built in the student's process: a number read off the net (the total size of its
# weights, how many biases are positive) plus the interval's length, so the mean and the error
# bar depend on every net the sweep builds and on the (lo, hi) it passes.
_COUNTER = Lambda(
    "layers, lo, hi",
    "float(sum(np.sum(np.abs(np.asarray(W))) + np.count_nonzero(np.asarray(b) > 0)"
    " for W, b in layers)) + (hi - lo)",
)


def _sweep_cases(rng: np.random.Generator) -> list[Case]:
    cases = [
        Case(
            "public: 12 units, depths 1 2 3, seeds 0..4",
            (_COUNTER, 12, [1, 2, 3], [0, 1, 2, 3, 4], -1.0, 1.0),
            public=True,
        )  # fmt: skip
    ]
    for units, depths, n in ((12, [1, 2, 4, 6], 6), (24, [1, 3, 8, 12], 5), (8, [2, 4], 3)):

        def draw(r, units=units, depths=depths, n=n):
            seeds = [int(s) for s in r.choice(10_000, n, replace=False)]
            lo = float(r.integers(-4, 0))
            return (_COUNTER, units, depths, seeds, lo, lo + float(r.integers(1, 6)))

        name = f"{units} units, depths {depths}, {n} random seeds"
        cases.append(profiled(rng, name, draw, depth_sweep, SWEEP_MISTAKES))

    def two(r):
        return (_COUNTER, 6, [1, 2, 3, 6], [int(s) for s in r.choice(100, 2, replace=False)],
                -2.0, 2.0)  # fmt: skip

    cases.append(profiled(rng, "edge: 2 seeds, bias_std 1", two, depth_sweep, SWEEP_MISTAKES,
                          kwargs={"bias_std": 1.0}))  # fmt: skip
    return cases


_last_counts: tuple = (None, None, [])  # (case, widths_of, counts): two mistakes share them


def _sweep_counts(case: Case, widths_of=depth_widths) -> list[np.ndarray]:
    global _last_counts
    last_case, last_widths, counts = _last_counts
    if last_case is case and last_widths is widths_of:
        return counts
    args, kwargs = materialize(case.args, case.kwargs)
    count, units, depths, seeds, lo, hi = args
    bias_std = kwargs.get("bias_std", 0.1)
    counts = [
        np.array([count(random_layers(widths_of(units, d), s, bias_std), lo, hi) for s in seeds])
        for d in depths
    ]
    _last_counts = (case, widths_of, counts)
    return counts


def _sweep_with(case: Case, spread, widths_of=depth_widths):
    counts = _sweep_counts(case, widths_of)
    return np.array([c.mean() for c in counts]), np.array([spread(c) for c in counts])


SWEEP_MISTAKES = [
    Mistake(
        "std instead of standard error",
        "the error bar is the standard error of the mean, std(ddof=1) / sqrt(S); yours is the "
        "spread of the counts themselves, sqrt(S) times too large.",
        answer=lambda c: _sweep_with(c, lambda a: a.std(ddof=1)),
    ),
    Mistake(
        "ddof 0",
        "use the sample standard deviation (ddof=1) in std(ddof=1) / sqrt(S); yours (ddof=0) is "
        "a little too small.",
        answer=lambda c: _sweep_with(c, lambda a: a.std() / np.sqrt(a.size)),
    ),
    Mistake(
        "every layer gets all the units",
        "the number of units is fixed: depth L splits them into L layers of units // L each "
        "(depth_widths); yours gives every layer all of them.",
        answer=lambda c: _sweep_with(
            c, lambda a: a.std(ddof=1) / np.sqrt(a.size), lambda u, d: [1] + [u] * d + [1]
        ),
    ),
]


# ---- train_deep_linear ----------------------------------------------------------------------


def _data(r: np.random.Generator, n: int, d_in: int, d_out: int):
    x = r.normal(0.0, 1.0, (n, d_in))
    P = r.normal(0.0, 1.0, (d_out, d_in))
    return x, x @ P.T + 0.1 * r.normal(0.0, 1.0, (n, d_out))


def _train_cases(rng: np.random.Generator) -> list[Case]:
    x = np.linspace(-1.0, 1.0, 8)[:, None] * np.array([[1.0, -0.5]]) + np.array([[0.0, 0.25]])
    t = x @ np.array([[1.0, 2.0]]).T
    cases = [Case("public: 2 -> 3 -> 1, 20 steps", (x, t, [2, 3, 1], 0.1, 20, 0), public=True)]
    for widths, lr, steps in (([3, 4, 2], 0.05, 40), ([2, 3, 3, 2], 0.1, 60), ([4, 4], 0.05, 30),
                              ([1, 2, 2, 2, 1], 0.1, 50)):  # fmt: skip

        def draw(r, widths=widths, lr=lr, steps=steps):
            x, t = _data(r, 20, widths[0], widths[-1])
            return (x, t, list(widths), lr, steps, int(r.integers(0, 2**31)))

        name = f"widths {widths}, lr {lr}, {steps} steps"
        cases.append(profiled(rng, name, draw, train_deep_linear, TRAIN_MISTAKES,
                              kwargs={"init_std": 0.5}, valid=_finite))  # fmt: skip
    edge = _data(rng, 10, 2, 1)
    cases.append(Case("edge: 0 steps", (*edge, [2, 3, 1], 0.1, 0, int(rng.integers(0, 100)))))
    return cases


def _finite(answer) -> bool:
    """Whether a training run's (losses, P) are finite: one that diverged is no fair case."""
    losses, P = answer
    return bool(np.isfinite(losses).all() and np.isfinite(P).all())


def _train_variant(case: Case, scale_n=True, sequential=False, after=False):
    x, t, widths, lr, steps, seed = case.args
    init_std = case.kwargs.get("init_std", 0.1)
    x, t = np.asarray(x, dtype=float), np.asarray(t, dtype=float)
    r = np.random.default_rng(seed)
    Ws = [init_std * r.normal(size=(b, a)) for a, b in zip(widths[:-1], widths[1:], strict=True)]
    n = x.shape[0]

    def prod(ms, size):
        out = np.eye(size)
        for M in ms:
            out = M @ out
        return out

    def loss(P):
        return float(np.sum((x @ P.T - t) ** 2) / n)

    def dl_dp(P):
        return 2.0 * (x @ P.T - t).T @ x / (n if scale_n else 1.0)

    losses = []
    for _ in range(steps):
        if sequential:  # each layer's gradient sees the layers updated before it
            for i in range(len(Ws)):
                P = prod(Ws, widths[0])
                if i == 0 and not after:
                    losses.append(loss(P))
                g = prod(Ws[i + 1 :], widths[i + 1]).T @ dl_dp(P) @ prod(Ws[:i], widths[0]).T
                Ws[i] = Ws[i] - lr * g
        else:  # one product and one dL/dP for every layer; the products below it built up
            P = prod(Ws, widths[0])
            if not after:
                losses.append(loss(P))
            G, before, grads = dl_dp(P), np.eye(widths[0]), []
            for i, W in enumerate(Ws):
                grads.append(prod(Ws[i + 1 :], widths[i + 1]).T @ G @ before.T)
                before = W @ before
            Ws = [W - lr * g for W, g in zip(Ws, grads, strict=True)]
        if after:
            losses.append(loss(prod(Ws, widths[0])))
    return np.array(losses), prod(Ws, widths[0])


TRAIN_MISTAKES = [
    Mistake(
        "losses after the updates",
        "losses[k] is the loss BEFORE update k (losses[0] is the loss of the initial product).",
        answer=lambda c: _train_variant(c, after=True),
    ),
    Mistake(
        "layers updated one after another",
        "compute every layer's gradient from the same W_1, ..., W_L, then update them all at "
        "once; yours updates a layer and uses it for the next layer's gradient.",
        answer=lambda c: _train_variant(c, sequential=True),
    ),
    Mistake(
        "gradient not divided by N",
        "L = sum((x @ P.T - t)**2) / N, so G = 2 (x @ P.T - t).T @ x / N; without the / N your "
        "steps are N times too large.",
        answer=lambda c: _train_variant(c, scale_n=False),
    ),
]


# ---- activation -----------------------------------------------------------------------------


def _activation_cases(rng: np.random.Generator) -> list[Case]:
    z = np.linspace(-4.0, 4.0, 161)
    cases = [Case(f"public: {name} on linspace(-4, 4, 161)", (name, z), public=True)
             for name in ("relu", "leaky_relu")]  # fmt: skip
    for name in ("relu", "leaky_relu", "elu", "sigmoid", "tanh"):

        def draw(r, name=name):
            return (name, r.normal(0.0, 3.0, 40))

        cases.append(profiled(rng, f"{name}, random z", draw, activation, ACTIVATION_MISTAKES))
    grid = np.array([[-30.0, -1.0, -0.0], [0.0, 1e-3, 30.0]])
    cases += [Case(f"edge: {name} on a (2, 3) array with 0 and +-30", (name, grid))
              for name in ("leaky_relu", "elu", "sigmoid")]  # fmt: skip
    return cases


def _act_variant(case: Case, leaky=LEAKY_SLOPE, elu_minus=1.0, sigmoid_sign=-1.0):
    name, z = case.args
    z = np.asarray(z, dtype=float)
    with np.errstate(over="ignore"):
        if name == "leaky_relu":
            return np.where(z > 0, z, leaky * z)
        if name == "elu":
            return np.where(z > 0, z, np.exp(np.minimum(z, 0.0)) - elu_minus)
        if name == "sigmoid":
            return 1.0 / (1.0 + np.exp(sigmoid_sign * z))
    return activation(name, z)


ACTIVATION_MISTAKES = [
    Mistake(
        "leaky slope 0.1",
        "leaky ReLU here has slope 0.01 for z <= 0; yours has 0.1, ten times too steep.",
        answer=lambda c: _act_variant(c, leaky=0.1),
    ),
    Mistake(
        "elu without the -1",
        "ELU is exp(z) - 1 for z <= 0 (so it is continuous at 0 and tends to -1); yours is "
        "exp(z), one too high.",
        answer=lambda c: _act_variant(c, elu_minus=0.0),
    ),
    Mistake(
        "sigmoid of -z",
        "sigmoid(z) = 1 / (1 + exp(-z)) increases with z; yours, 1 / (1 + exp(z)), decreases.",
        answer=lambda c: _act_variant(c, sigmoid_sign=1.0),
    ),
]


# ---- mlp_with -------------------------------------------------------------------------------


def _mlp_with_cases(rng: np.random.Generator) -> list[Case]:
    public = [
        (np.array([[1.0], [-1.0], [2.0]]), np.array([0.5, 0.0, -1.0])),
        (np.array([[1.0, 1.0, -1.0]]), np.array([-0.25])),
    ]
    x = np.linspace(-2.0, 2.0, 81)[:, None]
    cases = [Case("public: 1-3-1 net, elu", (x, public, "elu"), public=True)]
    for name, widths in (("relu", [2, 4, 3, 1]), ("leaky_relu", [1, 5, 1]), ("elu", [3, 4, 2]),
                         ("sigmoid", [2, 3, 3, 1]), ("tanh", [1, 4, 4, 1])):  # fmt: skip

        def draw(r, name=name, widths=widths):
            return (r.uniform(-2.0, 2.0, (25, widths[0])), _net(r, widths), name)

        cases.append(profiled(rng, f"{name}, random net {'-'.join(map(str, widths))}", draw,
                              mlp_with, MLP_WITH_MISTAKES))  # fmt: skip
    cases.append(Case("edge: no hidden layer, tanh", (rng.normal(0.0, 1.0, (6, 2)),
                                                     _net(rng, [2, 3]), "tanh")))  # fmt: skip
    return cases


def _mw_variant(case: Case, on_output=False, hidden=True):
    x, layers, name = case.args
    h = np.asarray(x, dtype=float)
    for i, (W, b) in enumerate(layers):
        h = h @ np.asarray(W, dtype=float).T + np.asarray(b, dtype=float)
        last = i == len(layers) - 1
        if (hidden and not last) or (on_output and last):
            h = activation(name, h)
    return h


MLP_WITH_MISTAKES = [
    Mistake(
        "activation on the output",
        "the last layer stays linear: no activation after it, as in mlp.",
        answer=lambda c: _mw_variant(c, on_output=True),
    ),
    Mistake(
        "relu whatever the name",
        "apply the activation named by `name` (activation(name, z)), not always ReLU.",
        answer=lambda c: mlp_with(c.args[0], c.args[1], "relu"),
    ),
]


# ---- as_relu_layers -------------------------------------------------------------------------


def _as_relu_cases(rng: np.random.Generator) -> list[Case]:
    public = [
        (np.array([[1.0], [-1.0]]), np.array([0.5, 0.0])),
        (np.array([[1.0, 2.0]]), np.array([-0.25])),
    ]
    cases = [Case("public: leaky_relu, 1-2-1 net", (public, "leaky_relu"), public=True)]
    for widths in ([1, 3, 1], [2, 4, 3, 1], [1, 2, 2, 2, 1], [3, 5, 2]):
        name = f"leaky_relu, random net {'-'.join(map(str, widths))}"
        cases.append(profiled(rng, name, lambda r, w=widths: (_net(r, w), "leaky_relu"),
                              as_relu_layers, AS_RELU_MISTAKES))  # fmt: skip
    cases.append(Case("relu: a copy", (_net(rng, [2, 3, 1]), "relu")))
    cases.append(Case("edge: leaky_relu, no hidden layer", (_net(rng, [2, 2]), "leaky_relu")))
    return cases


def _leaky_variant(case: Case, slope=LEAKY_SLOPE, interleave=False):
    layers, name = case.args
    if name != "leaky_relu":
        return as_relu_layers(layers, name)
    out = []
    read = np.eye(np.asarray(layers[0][0]).shape[1])
    for index, (W, b) in enumerate(layers):
        W, b = np.asarray(W, dtype=float), np.asarray(b, dtype=float)
        Wr = W @ read
        if index == len(layers) - 1:
            out.append((Wr, b.copy()))
            break
        d = W.shape[0]
        if interleave:
            Wn = np.empty((2 * d, Wr.shape[1]))
            Wn[0::2], Wn[1::2] = Wr, -Wr
            bn = np.empty(2 * d)
            bn[0::2], bn[1::2] = b, -b
            read = np.zeros((d, 2 * d))
            read[np.arange(d), 2 * np.arange(d)] = 1.0
            read[np.arange(d), 2 * np.arange(d) + 1] = -slope
        else:
            Wn, bn = np.vstack([Wr, -Wr]), np.concatenate([b, -b])
            read = np.hstack([np.eye(d), -slope * np.eye(d)])
        out.append((Wn, bn))
    return out


AS_RELU_MISTAKES = [
    Mistake(
        "plus instead of minus",
        "leaky(z) = relu(z) - 0.01 relu(-z) (for z < 0 it is 0.01 z, negative): the next layer "
        "reads h_i - 0.01 h_{d+i}; yours adds.",
        answer=lambda c: _leaky_variant(c, slope=-LEAKY_SLOPE),
    ),
    Mistake(
        "units interleaved",
        "keep the order of the API: units 0..d-1 compute relu(z_i), units d..2d-1 compute "
        "relu(-z_i); yours interleaves them (relu(z_0), relu(-z_0), relu(z_1), ...).",
        answer=lambda c: _leaky_variant(c, interleave=True),
    ),
    Mistake(
        "slope 1 - 0.01",
        "the negative part enters with weight -0.01 (leaky(z) = relu(z) - 0.01 relu(-z)); "
        "yours uses another slope.",
        answer=lambda c: _leaky_variant(c, slope=0.99),
    ),
]


# ---- the table ------------------------------------------------------------------------------

_curve = curve_plot(x_arg=1)


def _activation_plot(case: Case, value, expected):
    z = np.asarray(case.args[1])
    if z.ndim != 1:
        return gradient_error_plot(["activation"])(case, value, expected)
    return _curve(case, value, expected)


QUESTIONS = {
    "shallow_to_layers": QuestionCases(
        function="shallow_to_layers",
        generate=_shallow_to_layers_cases,
        reference=shallow_to_layers,
        mistakes=SHALLOW_MISTAKES,
        plot=_layers_plot,
    ),
    "composition_to_layers": QuestionCases(
        function="composition_to_layers",
        generate=_composition_cases,
        reference=composition_to_layers,
        mistakes=COMPOSITION_MISTAKES,
        plot=_layers_plot,
    ),
    "layers_to_xw": QuestionCases(
        function="layers_to_xw",
        generate=_xw_cases,
        reference=layers_to_xw,
        mistakes=XW_MISTAKES,
        plot=gradient_error_plot(["w", "v"]),
    ),
    "random_layers": QuestionCases(
        function="random_layers",
        generate=_random_layers_cases,
        reference=random_layers,
        mistakes=RANDOM_MISTAKES,
        plot=_layers_plot,
    ),
    "depth_sweep": QuestionCases(
        function="depth_sweep",
        generate=_sweep_cases,
        reference=depth_sweep,
        mistakes=SWEEP_MISTAKES,
        calls=("random_layers",),
        plot=gradient_error_plot(["mean", "sem"]),
    ),
    "train_deep_linear": QuestionCases(
        function="train_deep_linear",
        generate=_train_cases,
        reference=train_deep_linear,
        mistakes=TRAIN_MISTAKES,
        plot=loss_curve_plot(losses_item=0),
    ),
    "activation": QuestionCases(
        function="activation",
        generate=_activation_cases,
        reference=activation,
        mistakes=ACTIVATION_MISTAKES,
        plot=_activation_plot,
    ),
    "mlp_with": QuestionCases(
        function="mlp_with",
        generate=_mlp_with_cases,
        reference=mlp_with,
        mistakes=MLP_WITH_MISTAKES,
        plot=gradient_error_plot(["outputs"]),
    ),
    "as_relu_layers": QuestionCases(
        function="as_relu_layers",
        generate=_as_relu_cases,
        reference=as_relu_layers,
        mistakes=AS_RELU_MISTAKES,
        plot=_layers_plot,
    ),
}
