"""Hidden cases for `depth`: mlp, sawtooth, sawtooth_layers, count_linear_pieces, collapse_linear.

Sawtooth inputs are dyadic (multiples of 2**-k), so every fold 2|f| - 2 is exact and inputs on
kinks stay exactly on kinks at every depth. Piece counts include deep sawtooths (up to 2**16
pieces), the sawtooth on [-1, 1] (2**(L-1) pieces), random deep nets with clusters of pieces
narrower than 1e-4 (a grid of samples misses them), kinks exactly on the interval ends, and
units whose switching does not bend the output (zero outgoing weight, cancelling pairs).
"""

from __future__ import annotations

import numpy as np

from autograder.cases.base import Case, Mistake, QuestionCases, Verdict, profiled
from autograder.compare import describe
from autograder.plots import curve_plot, gradient_error_plot
from reference.depth import (
    collapse_linear,
    count_linear_pieces,
    linear_piece_edges,
    mlp,
    sawtooth,
    sawtooth_layers,
)
from reference.shallow import shallow_to_layers

Layers = list[tuple[np.ndarray, np.ndarray]]


def _random_layers(
    rng: np.random.Generator, widths: list[int], scale: float = 1.0, decimals: int = 3
) -> Layers:
    """Layers mapping widths[0] inputs through widths[1:-1] hidden units to widths[-1] outputs."""
    return [
        (
            rng.normal(0.0, scale, (d_out, d_in)).round(decimals),
            rng.normal(0.0, scale, d_out).round(decimals),
        )
        for d_in, d_out in zip(widths[:-1], widths[1:], strict=True)
    ]


def _curve_of_first_column(case: Case, value, expected):
    """curve_plot for 1-input, 1-output mlp answers: x of shape (N, 1), y of shape (N, 1)."""
    x = np.asarray(case.args[0])[:, 0]
    got = np.asarray(value)[:, 0] if isinstance(value, np.ndarray) and value.ndim == 2 else None
    return curve_plot(x_arg=0)(Case(case.name, (x,)), got, np.asarray(expected)[:, 0])


# ---- mlp ------------------------------------------------------------------------------------


def _public_mlp() -> Layers:
    """1 input, hidden layers of 3 and 2 units, 1 output."""
    return [
        (np.array([[1.0], [-1.0], [2.0]]), np.array([0.5, 0.0, -1.0])),
        (np.array([[1.0, 1.0, -1.0], [0.5, -1.0, 1.0]]), np.array([-0.5, 0.25])),
        (np.array([[1.5, -2.0]]), np.array([-0.25])),
    ]


def _mlp_cases(rng: np.random.Generator) -> list[Case]:
    cases = [
        Case(
            "public: 1-3-2-1 net, x = linspace(-2, 2, 401)",
            (np.linspace(-2.0, 2.0, 401)[:, None], _public_mlp()),
            public=True,
        )
    ]

    def net(widths: list[int], n: int = 30):
        return lambda r: (r.uniform(-2.0, 2.0, (n, widths[0])), _random_layers(r, widths))

    for widths in ([1, 4, 1], [2, 5, 3, 1], [3, 6, 6, 4, 2], [2, 3], [1, 2, 2, 2, 2, 2, 1]):
        name = f"random net {'-'.join(map(str, widths))}"
        spare = ("no hidden relu", "bias after relu") if len(widths) == 2 else ()
        cases.append(profiled(rng, name, net(widths), mlp, MLP_MISTAKES, spare=spare))
    name = "random square net 3-3-3-3"
    cases.append(profiled(rng, name, net([3, 3, 3, 3], 25), mlp, MLP_MISTAKES))
    # Integer weights: several pre-activations are exactly 0 at the integer inputs.
    layers = [
        (np.array([[1.0, -1.0], [2.0, 1.0], [0.0, 0.0]]), np.array([0.0, -1.0, 0.0])),
        (np.array([[1.0, -1.0, 3.0], [-1.0, 1.0, 0.0]]), np.array([-1.0, 1.0])),
        (np.array([[2.0, -1.0], [0.0, 1.0]]), np.array([-3.0, 0.0])),
    ]
    x = np.array([[0.0, 0.0], [1.0, 1.0], [-0.0, 1.0], [1.0, -1.0], [2.0, 0.0], [-1.0, -2.0]])
    cases.append(Case("edge: pre-activations exactly 0, a dead unit", (x, layers)))
    return cases


def _mlp_relu_output(case: Case):
    return np.maximum(mlp(*case.args), 0.0)


def _mlp_no_hidden_relu(case: Case):
    x, layers = case.args
    h = x
    for W, b in layers:
        h = h @ W.T + b
    return h


def _mlp_untransposed(case: Case):
    x, layers = case.args
    h = x
    for W, b in layers[:-1]:
        h = np.maximum(h @ W + b, 0.0)
    W, b = layers[-1]
    return h @ W + b


def _mlp_bias_after_relu(case: Case):
    x, layers = case.args
    h = x
    for W, b in layers[:-1]:
        h = np.maximum(h @ W.T, 0.0) + b
    W, b = layers[-1]
    return h @ W.T + b


MLP_MISTAKES = [
    Mistake(
        "relu on the output",
        "the last layer has no ReLU: the output W_L f_{L-1} + b_L may be negative.",
        answer=_mlp_relu_output,
    ),
    Mistake(
        "no hidden relu",
        "every layer but the last applies relu: f_l = relu(W_l f_{l-1} + b_l).",
        answer=_mlp_no_hidden_relu,
    ),
    Mistake(
        "W not transposed",
        "W has shape (d_out, d_in): for a batch x of shape (N, d_in) use x @ W.T, not x @ W.",
        answer=_mlp_untransposed,
    ),
    Mistake(
        "bias after relu",
        "add the bias before the ReLU: relu(W f + b), not relu(W f) + b.",
        answer=_mlp_bias_after_relu,
    ),
]


# ---- sawtooth -------------------------------------------------------------------------------


def _dyadic(rng: np.random.Generator, lo: float, hi: float, n: int, bits: int = 10) -> np.ndarray:
    """n sorted multiples of 2**-bits in [lo, hi]."""
    scale = 2.0**bits
    return np.sort(rng.integers(round(lo * scale), round(hi * scale) + 1, n) / scale)


def _sawtooth_cases(rng: np.random.Generator) -> list[Case]:
    cases = [
        Case(
            "public: depth 3, x = linspace(-2, 2, 401)",
            (np.linspace(-2.0, 2.0, 401), 3),
            public=True,
        )
    ]
    cases.append(Case("random x in [-2, 2], depth 2", (rng.uniform(-2.0, 2.0, 50), 2)))
    cases.append(Case("random x in [-3, 3], depth 5", (rng.uniform(-3.0, 3.0, 40), 5)))
    cases.append(Case("dyadic x in [-1, 1], depth 8", (_dyadic(rng, -1.0, 1.0, 60), 8)))
    cases.append(Case("dyadic x in [-2, 2], depth 12", (_dyadic(rng, -2.0, 2.0, 80, 14), 12)))
    kinks = np.array([-2.0, -1.5, -1.0, -0.5, -0.25, -0.0, 0.0, 0.25, 0.5, 1.0, 1.5, 2.0])
    cases.append(Case("edge: x exactly on kinks, depth 5", (kinks, 5)))
    cases.append(Case("edge: depth 0 is the identity", (np.array([-2.5, -1.0, 0.0, 0.75, 3.0]), 0)))
    cases.append(Case("edge: depth 16 on exact inputs", (_dyadic(rng, -2.0, 2.0, 40, 16), 16)))
    return cases


def _fold(x: np.ndarray, depth: int, fold) -> np.ndarray:
    f = np.asarray(x, dtype=np.float64)
    for _ in range(depth):
        f = fold(f)
    return f


def _saw_minus_one(case: Case):
    x, depth = case.args
    return _fold(x, depth, lambda f: 2.0 * np.abs(f) - 1.0)


def _saw_no_factor(case: Case):
    x, depth = case.args
    return _fold(x, depth, lambda f: np.abs(f) - 2.0)


def _saw_relu(case: Case):
    x, depth = case.args
    return _fold(x, depth, lambda f: 2.0 * np.maximum(f, 0.0) - 2.0)


def _saw_off_by_one(case: Case, value, args_after) -> bool:
    x, depth = case.args
    got = np.asarray(value, dtype=np.float64)
    for d in (depth - 1, depth + 1):
        if d >= 0:
            want = sawtooth(x, d)
            if got.shape == want.shape and np.allclose(got, want, rtol=1e-6, atol=1e-9):
                return True
    return False


SAWTOOTH_MISTAKES = [
    Mistake(
        "minus 1",
        "each fold is f_l = 2|f_{l-1}| - 2 (it maps [-2, 2] onto itself); you subtract 1.",
        answer=_saw_minus_one,
    ),
    Mistake(
        "no factor 2",
        "each fold doubles: f_l = 2|f_{l-1}| - 2; you computed |f_{l-1}| - 2.",
        answer=_saw_no_factor,
    ),
    Mistake(
        "relu instead of abs",
        "the fold uses the absolute value |f| = relu(f) + relu(-f), not relu(f) alone.",
        answer=_saw_relu,
    ),
    Mistake(
        "off by one fold",
        "sawtooth(x, depth) applies the fold exactly depth times (depth 0 returns x).",
        detect=_saw_off_by_one,
    ),
]


# ---- sawtooth_layers ------------------------------------------------------------------------


def _sawtooth_layers_cases(rng: np.random.Generator) -> list[Case]:
    cases = [Case("public: depth 2", (2,), public=True)]
    cases += [Case(f"depth {d}", (d,)) for d in (1, 3)]
    cases.append(Case("depth 6", (6,)))
    cases.append(Case("edge: depth 0 (one linear layer)", (0,)))
    cases.append(Case("edge: depth 12", (12,)))
    return cases


def _check_points(depth: int) -> np.ndarray:
    """A grid of [-3, 3], every multiple of 2**-min(depth, 8) in [-2, 2] (kinks), and -0.0."""
    step = 2.0 ** -min(depth, 8)
    return np.concatenate([np.linspace(-3.0, 3.0, 1201), np.arange(-2.0, 2.0 + step, step), [-0.0]])


def _layer_shapes(depth: int) -> list[tuple[tuple[int, int], tuple[int]]]:
    if depth == 0:
        return [((1, 1), (1,))]
    return [((2, 1), (2,))] + [((2, 2), (2,))] * (depth - 1) + [((1, 2), (1,))]


def _as_layers(value, depth: int, name: str) -> tuple[Layers | None, str]:
    """(layers as float arrays, '') when value has the shapes of sawtooth_layers(depth)."""
    if not isinstance(value, list | tuple):
        return None, f"{name} returned {describe(value)}; expected a list of (W, b) pairs"
    if len(value) != depth + 1:
        return None, (
            f"{name} returned {len(value)} layers; expected {depth + 1} for depth {depth} "
            f"({depth} hidden layers and one linear output layer)"
        )
    layers = []
    for i, (pair, (w_shape, b_shape)) in enumerate(zip(value, _layer_shapes(depth), strict=True)):
        if not isinstance(pair, list | tuple) or len(pair) != 2:
            return (
                None,
                f"{name} returned, in layer [{i}], {describe(pair)}; expected a (W, b) pair",
            )
        for label, arr, shape in (("W", pair[0], w_shape), ("b", pair[1], b_shape)):
            if not isinstance(arr, np.ndarray) or arr.dtype.kind not in "iuf":
                return None, (
                    f"{name} returned, in layer [{i}], {label} as {describe(arr)}; "
                    f"expected a float array of shape {shape}"
                )
            if arr.shape != shape:
                return None, (
                    f"{name} returned, in layer [{i}], {label} of shape {arr.shape}; expected "
                    f"{shape} (hidden layers have exactly 2 units)"
                )
            if not np.all(np.isfinite(arr)):
                return None, f"{name} returned, in layer [{i}], {label} containing NaN or inf"
        layers.append((pair[0].astype(np.float64), pair[1].astype(np.float64)))
    return layers, ""


def _judge_sawtooth_layers(case: Case, value, expected, question: QuestionCases, args_after):
    depth = case.args[0]
    layers, problem = _as_layers(value, depth, question.function)
    if layers is None:
        return Verdict.fail(problem)
    x = _check_points(depth)
    with np.errstate(over="ignore", invalid="ignore"):
        got = mlp(x[:, None], layers)[:, 0]
    want = sawtooth(x, depth)
    wrong = ~np.isclose(got, want, rtol=question.rtol, atol=question.atol)
    if not np.any(wrong):
        return Verdict.ok()
    return Verdict.fail(
        f"mlp(x[:, None], {question.function}({depth}))[:, 0] differs from sawtooth(x, {depth}) "
        f"at {int(np.count_nonzero(wrong))} of {x.size} points of [-3, 3]"
    )


def _student_sawtooth(case: Case, value) -> tuple[np.ndarray, np.ndarray]:
    depth = case.args[0]
    layers, _ = _as_layers(value, depth, "")
    if layers is None:
        raise ValueError("malformed layers")
    x = _check_points(depth)
    return x, mlp(x[:, None], layers)[:, 0]


def _computes(case: Case, value, fold, last=None) -> bool:
    x, got = _student_sawtooth(case, value)
    depth = case.args[0]
    want = _fold(x, depth, fold) if last is None else last(x, depth)
    return bool(np.allclose(got, want, rtol=1e-6, atol=1e-9))


def _layers_minus_one(case: Case, value, args_after) -> bool:
    return _computes(case, value, lambda f: 2.0 * np.abs(f) - 1.0)


def _layers_shifted(case: Case, value, args_after) -> bool:
    x, got = _student_sawtooth(case, value)
    diff = got - sawtooth(x, case.args[0])
    return bool(np.ptp(diff) <= 1e-9 * (1.0 + np.max(np.abs(got))) and abs(diff[0]) > 1e-6)


def _layers_no_hidden_bias(case: Case, value, args_after) -> bool:
    return _computes(
        case, value, None, last=lambda x, depth: 2.0**depth * np.abs(x) - (2.0 if depth else 0.0)
    )


def _plot_sawtooth_layers(case: Case, value, expected):
    """The student's network over sawtooth(x, depth) on the judge's points."""
    depth = case.args[0]
    x = np.sort(_check_points(depth))
    layers, _ = _as_layers(value, depth, "")
    got = mlp(x[:, None], layers)[:, 0] if layers is not None else None
    return curve_plot(x_arg=0)(Case(case.name, (x,)), got, sawtooth(x, depth))


SAWTOOTH_LAYERS_MISTAKES = [
    Mistake(
        "biases fold with -1",
        "your layers compute f_l = 2|f_{l-1}| - 1: each fold subtracts 2, so the next layer's "
        "biases must be -2 (for relu(t)) and +2 (for relu(-t)).",
        detect=_layers_minus_one,
    ),
    Mistake(
        "output bias",
        "your network is the sawtooth shifted by a constant: the output layer must compute "
        "2 (h_1 + h_2) - 2, with bias -2.",
        detect=_layers_shifted,
    ),
    Mistake(
        "hidden biases missing",
        "your layers compute 2**depth |x| - 2: the -2 of every fold must go into the biases of "
        "the next hidden layer (-2 and +2), not only into the output layer.",
        detect=_layers_no_hidden_bias,
    ),
]


# ---- count_linear_pieces --------------------------------------------------------------------


def _tiny_pieces_net(rng: np.random.Generator, lo: float, hi: float) -> Layers:
    """A random 1-W-3-1 net whose first layer also has a cluster of 4 kinks within 1e-4.

    Layer-2 unit 0 stays active on [lo, hi] (large bias), so each cluster unit changes the
    output's slope: three pieces narrower than 1e-4 that 1000 samples cannot see.
    """
    w = int(rng.integers(3, 6))
    spread = np.sort(rng.choice(np.arange(1, 7), 3, replace=False)) * 2.0**-16  # < 1e-4
    at = float(rng.uniform(lo + 0.2 * (hi - lo), hi - 0.2 * (hi - lo)))
    cluster = at + np.concatenate([[0.0], spread])
    W1 = np.concatenate([rng.normal(0.0, 1.0, (w, 1)).round(3), np.ones((4, 1))])
    b1 = np.concatenate([rng.normal(0.0, 1.0, w).round(3), -cluster])
    W2 = rng.normal(0.0, 1.0, (3, w + 4)).round(3)
    b2 = rng.normal(0.0, 1.0, 3).round(3)
    b2[0] = 1.0 + np.abs(W2[0]).sum() * (np.abs(b1).max() + np.abs(W1).max() * max(-lo, hi))
    W3 = np.array([[1.0, *rng.normal(0.0, 1.0, 2).round(3)]])
    return [(W1, b1), (W2, b2), (W3, np.array([0.125]))]


def _count_cases(rng: np.random.Generator) -> list[Case]:
    cases = [
        Case("public: sawtooth_layers(3) on [-2, 2]", (sawtooth_layers(3), -2.0, 2.0), public=True)
    ]
    cases.append(Case("sawtooth_layers(16) on [-2, 2]", (sawtooth_layers(16), -2.0, 2.0)))
    cases.append(Case("sawtooth_layers(11) on [-2, 2]", (sawtooth_layers(11), -2.0, 2.0)))
    cases.append(Case("sawtooth_layers(10) on [-1, 1]", (sawtooth_layers(10), -1.0, 1.0)))
    cases.append(Case("sawtooth_layers(5) on [-3, 0.75]", (sawtooth_layers(5), -3.0, 0.75)))

    def net(widths: list[int]):
        return lambda r: (_random_layers(r, widths), -3.0, 3.0)

    for widths in ([1, 6, 1], [1, 4, 4, 1], [1, 3, 5, 3, 1]):
        name = f"random net {'-'.join(map(str, widths))} on [-3, 3]"
        draw = net(widths)
        cases.append(
            profiled(rng, name, draw, count_linear_pieces, COUNT_MISTAKES, spare=("no merge",))
        )
    for lo, hi in ((-2.0, 2.0), (-0.5, 1.5)):
        cases.append(
            Case(
                f"random net with pieces narrower than 1e-4, on [{lo}, {hi}]",
                (_tiny_pieces_net(rng, lo, hi), lo, hi),
            )
        )
    # Shallow units kinking at -1, 0 (a cancelling pair), 0.5 (zero weight), 0.75, 1.25 (= hi)
    # and 1.75 (outside); layer 2 never switches, so only -1 and 0.75 bend: 3 pieces.
    theta = np.array(
        [[1.0, 1.0], [0.0, 1.0], [0.0, -1.0], [-1.0, 2.0], [-0.75, 1.0], [-1.25, 1.0], [-1.75, 1.0]]
    )
    phi = np.array([0.0, 1.0, 1.0, -1.0, 0.0, -1.5, 2.0, 3.0])
    (W1, b1), (W2, b2) = shallow_to_layers(theta, phi)
    layers = [
        (W1, b1),
        (np.vstack([W2, -W2]), np.concatenate([b2, -b2]) + 20.0),
        (np.array([[2.0, 0.0]]), np.array([-1.0])),
    ]
    cases.append(
        Case(
            "edge: cancelling pair, zero weight, kink on the end, kink outside",
            (layers, -1.5, 1.25),
        )
    )
    # A second-layer unit whose root (x = 0.5) is also a first-layer kink: one breakpoint.
    layers = [
        (np.array([[1.0], [1.0]]), np.array([-0.5, 0.5])),
        (np.array([[1.0, 0.0], [0.0, 1.0]]), np.array([0.0, -1.0])),
        (np.array([[1.0, 2.0]]), np.array([0.0])),
    ]
    cases.append(Case("edge: equal roots in two layers", (layers, -2.0, 2.0)))
    dead = [
        (np.array([[1.0], [-1.0]]), np.array([-5.0, -5.0])),
        (np.array([[3.0, -1.0]]), np.array([2.0])),
    ]
    cases.append(Case("edge: every unit dead on [-2, 2]", (dead, -2.0, 2.0)))
    cases.append(
        Case("edge: one linear layer", ([(np.array([[-0.5]]), np.array([1.0]))], -2.0, 2.0))
    )
    return cases


def _pieces_illustrations(rng: np.random.Generator) -> list[Case]:
    """Random instances of the situations the edge cases fix (for illustrations only).

    1. A shallow net (carried through a second layer that never switches) with units kinking
       at a cancelling pair, with zero weight, on hi and beyond it: only two kinks bend.
    2. A second-layer unit whose root is exactly a first-layer kink (at a): one breakpoint.
    Kinks lie on a grid of 1/8, so every root is exact.
    """
    k = np.sort(rng.choice(np.arange(-12, 13), 5, replace=False)) / 8.0
    w = rng.choice([-1.5, -1.0, -0.5, 0.5, 1.0, 1.5], 4)
    theta = np.array(
        [[-k[0], 1.0], [-k[1], 1.0], [k[1], -1.0], [-k[2], 1.0], [-k[3], 2.0], [-k[4], 1.0]]
    )
    theta = np.vstack([theta, [-(k[4] + 0.5), 1.0]])
    phi = np.array([0.0, w[0], w[1], -w[1], 0.0, w[2], w[3], 1.0])
    (W1, b1), (W2, b2) = shallow_to_layers(theta, phi)
    big = 1.0 + 20.0 * (np.abs(W2).sum() + np.abs(b2).sum())
    first = [
        (W1, b1),
        (np.vstack([W2, -W2]), np.concatenate([b2, -b2]) + big),
        (np.array([[2.0, 0.0]]), np.array([-1.0])),
    ]
    a = float(rng.integers(-8, 9)) / 8.0
    g = float(rng.integers(2, 8)) / 8.0  # a - g stays inside (-2, 2)
    second = [
        (np.array([[1.0], [1.0]]), np.array([-a, g - a])),
        (np.array([[1.0, 0.0], [0.0, 1.0]]), np.array([0.0, -g])),
        (
            np.array([[float(rng.choice([0.5, 1.0, 2.0])), float(rng.choice([1.0, 2.0, 3.0]))]]),
            np.array([0.0]),
        ),
    ]
    return [
        Case(
            "random net: cancelling pair, zero weight, kink on the end, kink outside",
            (first, float(k[0]) - 0.5, float(k[4])),
        ),
        Case("random net: equal roots in two layers", (second, -2.0, 2.0)),
    ]


def _grid_slopes(layers: Layers, lo: float, hi: float, n: int = 1000) -> np.ndarray:
    xs = np.linspace(lo, hi, n)
    y = mlp(xs[:, None], layers)[:, 0]
    slopes = np.diff(y) / np.diff(xs)
    return ~np.isclose(slopes[1:], slopes[:-1], rtol=1e-6, atol=1e-9)


def _count_grid(case: Case) -> int:
    """Pieces from 1000 samples: 1 + the number of runs of slope changes between grid cells."""
    changed = _grid_slopes(*case.args)
    starts = changed & ~np.concatenate([[False], changed[:-1]])
    return 1 + int(np.count_nonzero(starts))


def _count_grid_raw(case: Case) -> int:
    """Pieces from 1000 samples: 1 + every slope change between consecutive grid cells."""
    return 1 + int(np.count_nonzero(_grid_slopes(*case.args)))


def _count_grid_patterns(case: Case) -> int:
    """Pieces from 1000 samples: 1 + the number of activation-pattern changes between samples."""
    layers, lo, hi = case.args
    h = np.linspace(lo, hi, 1000)[:, None]
    patterns = []
    for W, b in layers[:-1]:
        pre = h @ W.T + b
        patterns.append(pre > 0)
        h = np.maximum(pre, 0.0)
    if not patterns:
        return 1
    p = np.concatenate(patterns, axis=1)
    return 1 + int(np.count_nonzero(np.any(p[1:] != p[:-1], axis=1)))


def _is_grid(case: Case, value, args_after) -> bool:
    if not isinstance(value, int | np.integer):
        return False
    models = (_count_grid, _count_grid_raw, _count_grid_patterns)
    return any(int(value) == m(case) for m in models)


def _is_grid_low(case: Case, value, args_after) -> bool:
    return _is_grid(case, value, args_after) and int(value) < count_linear_pieces(*case.args)


def _is_grid_high(case: Case, value, args_after) -> bool:
    return _is_grid(case, value, args_after) and int(value) > count_linear_pieces(*case.args)


def _switch_points(layers: Layers, lo: float, hi: float) -> np.ndarray:
    """lo, every point of (lo, hi) where a unit switches on or off, and hi (sorted)."""
    edges = np.array([lo, hi])
    slope, icpt = np.ones((1, 1)), np.zeros((1, 1))
    for W, b in layers[:-1]:
        pre_s, pre_c = slope @ W.T, icpt @ W.T + b
        with np.errstate(divide="ignore", invalid="ignore"):
            roots = -pre_c / pre_s
        inside = (pre_s != 0) & (roots > edges[:-1, None]) & (roots < edges[1:, None])
        new = np.unique(np.concatenate([edges, roots[inside]]))
        parent = np.searchsorted(edges, new[:-1], side="right") - 1
        pre_s, pre_c, edges = pre_s[parent], pre_c[parent], new
        mid = 0.5 * (edges[:-1] + edges[1:])
        on = pre_s * mid[:, None] + pre_c > 0
        slope, icpt = np.where(on, pre_s, 0.0), np.where(on, pre_c, 0.0)
    return edges


def _count_no_merge(case: Case) -> int:
    """Intervals between the points where any unit switches, without merging equal slopes."""
    return int(_switch_points(*case.args).size - 1)


def _count_breakpoints(case: Case) -> int:
    return count_linear_pieces(*case.args) - 1


COUNT_MISTAKES = [
    Mistake(
        "no merge",
        "a unit switching on or off ends a piece only if the output's slope changes there: "
        "merge neighbouring intervals whose output slopes are equal.",
        answer=_count_no_merge,
    ),
    Mistake(
        "grid",
        "counting slope changes on a grid of samples misses pieces narrower than the grid step "
        "(a deep sawtooth has 2**L of them), so your count is too low; find the breakpoints "
        "exactly, carrying each interval's affine map through the layers.",
        detect=_is_grid_low,
    ),
    Mistake(
        "grid, too many",
        "counting slope changes on a grid of samples sees one breakpoint as two changes (the "
        "cell that holds it has a slope of its own), so your count is too high; find the "
        "breakpoints exactly, carrying each interval's affine map through the layers.",
        detect=_is_grid_high,
    ),
    Mistake(
        "breakpoints",
        "P pieces are separated by P - 1 breakpoints: return the number of pieces (1 for an "
        "affine function).",
        answer=_count_breakpoints,
    ),
]


# ---- collapse_linear ------------------------------------------------------------------------


def _collapse_cases(rng: np.random.Generator) -> list[Case]:
    public = [
        (np.array([[1.0, 2.0], [0.0, -1.0]]), np.array([0.5, -1.0])),
        (np.array([[2.0, 0.0], [1.0, 1.0]]), np.array([1.0, 0.0])),
        (np.array([[-1.0, 0.5]]), np.array([0.25])),
    ]
    cases = [Case("public: 2-2-2-1 stack", (public,), public=True)]
    for widths in ([3, 4, 2], [2, 5, 1, 3], [4, 3, 6, 2, 1]):
        cases.append(
            Case(f"random stack {'-'.join(map(str, widths))}", (_random_layers(rng, widths),))
        )
    for d, depth in ((2, 3), (3, 4), (4, 2)):
        widths = [d] * (depth + 1)
        cases.append(
            Case(
                f"random square stack {'-'.join(map(str, widths))}", (_random_layers(rng, widths),)
            )
        )
    cases.append(Case("edge: one layer", (_random_layers(rng, [3, 2]),)))
    cases.append(Case("edge: 1x1 layers", (_random_layers(rng, [1, 1, 1, 1, 1]),)))
    return cases


def _collapse_summed_biases(case: Case):
    layers = case.args[0]
    W, _ = collapse_linear(layers)
    return W, np.sum([b for _, b in layers], axis=0)


def _collapse_own_w(case: Case):
    """b = sum_l W_L ... W_l b_l: each bias also multiplied by its own layer's W."""
    layers = case.args[0]
    W, _ = collapse_linear(layers)
    b = np.zeros(layers[-1][0].shape[0])
    for i, (_, b_l) in enumerate(layers):
        prod = b_l
        for W_k, _ in layers[i:]:
            prod = W_k @ prod
        b = b + prod
    return W, b


def _is_reversed_w(case: Case, value, args_after) -> bool:
    layers = case.args[0]
    W = layers[0][0]
    for W_l, _ in layers[1:]:
        W = W @ W_l
    got = value[0]
    if not (isinstance(got, np.ndarray) and got.shape == W.shape):
        return False
    right = collapse_linear(layers)[0]
    close = np.allclose(got, W, rtol=1e-6, atol=1e-9)
    return bool(close and not np.allclose(W, right, rtol=1e-6, atol=1e-9))


def _collapse_last_bias(case: Case):
    W, _ = collapse_linear(case.args[0])
    return W, np.array(case.args[0][-1][1], dtype=float)


COLLAPSE_MISTAKES = [
    Mistake(
        "last bias only",
        "every layer's bias reaches the output: b_l is carried through the W of every later "
        "layer; yours keeps only the last layer's b.",
        answer=_collapse_last_bias,
    ),
    Mistake(
        "reversed order",
        "the first layer acts first: W = W_L ... W_2 W_1 (the last layer's W on the left).",
        detect=_is_reversed_w,
    ),
    Mistake(
        "summed biases",
        "a bias is multiplied by every later layer's W: b = W_L (... (W_2 b_1 + b_2) ...) + b_L, "
        "not b_1 + ... + b_L.",
        answer=_collapse_summed_biases,
    ),
    Mistake(
        "bias through its own W",
        "b_l is added after W_l, so only the LATER layers' W multiply it: "
        "b = W_L (... (W_2 b_1 + b_2) ...) + b_L.",
        answer=_collapse_own_w,
    ),
]


def _plot_pieces(case: Case, value, expected):
    """The network around [lo, hi] with its breakpoints, each drawn by what it does.

    Solid blue: inside (lo, hi), the slope changes (each starts a piece); dotted: a unit
    switches inside but the output's slope does not change (no new piece); orange dashed: a
    breakpoint exactly on lo or hi; grey: outside [lo, hi], where the net is greyed too.
    Both counts are in the title.
    """
    from matplotlib.figure import Figure

    layers, lo, hi = case.args
    width = hi - lo
    left, right = lo - 0.4 * width, hi + 0.4 * width
    fig = Figure(figsize=(6.4, 3.8))
    ax = fig.add_subplot()
    for a, b in ((left, lo), (hi, right)):
        ax.axvspan(a, b, color="0.85", zorder=0)
        xx = np.linspace(a, b, 401)
        ax.plot(xx, mlp(xx[:, None], layers)[:, 0], color="0.6", lw=1.2)
    x = np.linspace(lo, hi, 2001)
    ax.plot(x, mlp(x[:, None], layers)[:, 0], color="0.2", lw=1.5)
    edges = linear_piece_edges(layers, left, right)
    if edges.size <= 200:
        bends = edges[1:-1]
        switches = _switch_points(layers, lo, hi)[1:-1]
        kinds = [
            (bends[(bends > lo) & (bends < hi)], "tab:blue", "-", "the slope changes: a new piece"),
            (
                switches[~np.isin(switches, bends)],
                "tab:blue",
                ":",
                "a unit switches, the slope does not change",
            ),
            (bends[(bends == lo) | (bends == hi)], "tab:orange", "--", "on lo or hi (no piece)"),
            (bends[(bends < lo) | (bends > hi)], "0.55", "-", "outside [lo, hi] (no piece)"),
        ]
        for where, colour, ls, label in kinds:
            for i, e in enumerate(where):
                ax.axvline(e, color=colour, ls=ls, lw=0.9, label=label if i == 0 else None)
        ax.legend(loc="best", fontsize=7)
    ax.set_xlim(left, right)
    ax.set_xlabel("x")
    ax.set_title(
        f"{case.name}\n{expected} pieces on [{lo:g}, {hi:g}], your answer {value!r:.20}",
        fontsize=9,
    )
    return fig


QUESTIONS = {
    "mlp": QuestionCases(
        function="mlp",
        generate=_mlp_cases,
        reference=mlp,
        mistakes=MLP_MISTAKES,
        plot=_curve_of_first_column,
    ),
    "sawtooth": QuestionCases(
        function="sawtooth",
        generate=_sawtooth_cases,
        reference=sawtooth,
        mistakes=SAWTOOTH_MISTAKES,
        plot=curve_plot(x_arg=0),
    ),
    "sawtooth_layers": QuestionCases(
        function="sawtooth_layers",
        generate=_sawtooth_layers_cases,
        reference=sawtooth_layers,
        judge=_judge_sawtooth_layers,
        mistakes=SAWTOOTH_LAYERS_MISTAKES,
        plot=_plot_sawtooth_layers,
    ),
    "count_linear_pieces": QuestionCases(
        function="count_linear_pieces",
        generate=_count_cases,
        reference=count_linear_pieces,
        mistakes=COUNT_MISTAKES,
        plot=_plot_pieces,
        illustrate=_pieces_illustrations,
    ),
    "collapse_linear": QuestionCases(
        function="collapse_linear",
        generate=_collapse_cases,
        reference=collapse_linear,
        mistakes=COLLAPSE_MISTAKES,
        plot=gradient_error_plot(["W", "b"]),
    ),
}
