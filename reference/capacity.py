"""Answer key for the `capacity` assignment: what networks can represent against what they do.

Three conventions meet here. The notes' shallow nets: ``theta`` (D, 2) with rows [bias, slope]
and ``phi`` (D + 1,) = [phi_0, phi_1, ...]. The layer lists of `reference.depth`: (W, b) pairs,
W of shape (d_out, d_in) applied as ``x @ W.T + b``. The backprop form of `reference.backprop`:
h = f(x w), y = h v with w of shape (n_in, n_hidden), v of shape (n_hidden, n_out) and no
biases; `layers_to_xw` absorbs the biases into a constant input feature of ones (column 0).

Capacity against practice: a network with hidden widths d_1, ..., d_L and one input has at most
(d_1 + 1) ... (d_L + 1) linear pieces (on a piece, each unit of the next layer switches at most
once), and the sawtooth shows that depth can reach 2**L with two units per layer, but random
networks (He-initialised) have about as many pieces as they have units, whatever their depth
(Hanin and Rolnick, 2019). A deep linear network is one linear map, yet gradient descent on
its factors follows another path than on the map itself (Arora et al., 2019).
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Sequence

import numpy as np

from reference._validate import as_float_array, as_layers
from reference.composition import composition_to_deep, deep_to_layers
from reference.shallow import shallow_to_layers as _shallow_to_layers

__all__ = [
    "ACTIVATIONS",
    "LEAKY_SLOPE",
    "shallow_to_layers",
    "composition_to_layers",
    "layers_to_xw",
    "with_ones",
    "random_layers",
    "depth_widths",
    "pieces_upper_bound",
    "depth_sweep",
    "train_deep_linear",
    "activation",
    "mlp_with",
    "as_relu_layers",
]

Layers = list[tuple[np.ndarray, np.ndarray]]

ACTIVATIONS = ("relu", "leaky_relu", "elu", "sigmoid", "tanh")
PIECEWISE_LINEAR = ("relu", "leaky_relu")
LEAKY_SLOPE = 0.01


# ---- the conventions bridge -----------------------------------------------------------------


def shallow_to_layers(theta: np.ndarray, phi: np.ndarray) -> Layers:
    """The shallow net (theta, phi) as a layer list [(W1, b1), (W2, b2)].

    theta: (D, 2), rows [theta_d0 (bias), theta_d1 (slope)]; phi: (D + 1,). Returns W1 of
    shape (D, 1) (the slopes), b1 (D,) (the biases), W2 (1, D) = phi[1:] as a row and
    b2 (1,) = [phi_0], all new float64 arrays, so that
    ``mlp(x[:, None], layers)[:, 0] == shallow_net(x, theta, phi)``.
    """
    return _shallow_to_layers(theta, phi)


def composition_to_layers(
    theta1: np.ndarray, phi1: np.ndarray, theta2: np.ndarray, phi2: np.ndarray
) -> Layers:
    """Network 2 after network 1 as one layer list [(W1, b1), (W2, b2), (W3, b3)].

    theta1: (D1, 2); phi1: (D1 + 1,); theta2: (D2, 2); phi2: (D2 + 1,). Returns W1 (D1, 1),
    b1 (D1,) from theta1; W2 (D2, D1) with W2[i, j] = theta2[i, 1] * phi1[j + 1] and
    b2 (D2,) with b2[i] = theta2[i, 0] + theta2[i, 1] * phi1[0] (the psi of the notes);
    W3 (1, D2) = phi2[1:] and b3 (1,) = [phi2_0]. Then ``mlp(x[:, None], layers)[:, 0]``
    equals ``compose(x, theta1, phi1, theta2, phi2)``.
    """
    return deep_to_layers(*composition_to_deep(theta1, phi1, theta2, phi2))


def with_ones(x: np.ndarray) -> np.ndarray:
    """x of shape (N, n_in) with a column of ones in front: shape (N, n_in + 1)."""
    x = as_float_array("x", x, ("N", "n_in"))
    return np.hstack([np.ones((x.shape[0], 1)), x])


def layers_to_xw(layers: Layers) -> tuple[np.ndarray, np.ndarray]:
    """A one-hidden-layer ReLU net [(W1, b1), (W2, b2)] in the backprop form (w, v).

    W1: (H, n_in), b1: (H,), W2: (n_out, H), b2: (n_out,). The biases are absorbed by a
    constant input feature: the input is ``with_ones(x)`` = [1, x_1, ..., x_n_in] (the ones
    in column 0, as theta keeps its bias in column 0), and hidden unit 0 is a bias unit whose
    pre-activation is that 1, so relu(1) = 1 carries b2. Returns w of shape (n_in + 1, H + 1)
    with w[:, 0] = [1, 0, ..., 0], w[0, 1:] = b1, w[1:, 1:] = W1.T, and v of shape
    (H + 1, n_out) with v[0] = b2, v[1:] = W2.T. Then ``relu(with_ones(x) @ w) @ v`` equals
    ``mlp(x, layers)`` (for any activation f with f(1) = 1, such as leaky ReLU, too).
    """
    layers = as_layers("layers", layers)
    if len(layers) != 2:
        raise ValueError(
            f"layers must have exactly 2 (W, b) pairs (one hidden layer); got {len(layers)}"
        )
    (W1, b1), (W2, b2) = layers
    hidden, n_in = W1.shape
    w = np.zeros((n_in + 1, hidden + 1))
    w[0, 0] = 1.0
    w[0, 1:] = b1
    w[1:, 1:] = W1.T
    v = np.empty((hidden + 1, W2.shape[0]))
    v[0] = b2
    v[1:] = W2.T
    return w, v


# ---- random networks: capacity against practice ---------------------------------------------


def _check_widths(widths: object, name: str = "widths") -> list[int]:
    if not isinstance(widths, (list, tuple, np.ndarray)) or len(widths) < 2:
        raise ValueError(f"{name} must be a list of at least 2 ints >= 1; got {widths!r:.80}")
    out = []
    for w in widths:
        try:
            value = operator.index(w)
        except TypeError as exc:
            raise ValueError(f"{name} must hold ints >= 1; got {w!r}") from exc
        if value < 1 or isinstance(w, bool):
            raise ValueError(f"{name} must hold ints >= 1; got {w!r}")
        out.append(value)
    return out


def random_layers(widths: Sequence[int], seed: int, bias_std: float = 0.1) -> Layers:
    """A He-initialised random network: the layers of `reference.depth` for these widths.

    widths: [d_0, d_1, ..., d_L] (ints >= 1, at least 2 of them); seed: int. With
    rng = np.random.default_rng(seed), layer by layer in order: W_l =
    rng.normal(0.0, sqrt(2 / d_{l-1}), size=(d_l, d_{l-1})), then b_l =
    rng.normal(0.0, bias_std, size=d_l). Returns L (W, b) pairs of float64 arrays.
    """
    widths = _check_widths(widths)
    rng = np.random.default_rng(seed)
    layers = []
    for d_in, d_out in zip(widths[:-1], widths[1:], strict=True):
        W = rng.normal(0.0, np.sqrt(2.0 / d_in), size=(d_out, d_in))
        b = rng.normal(0.0, bias_std, size=d_out)
        layers.append((W, b))
    return layers


def depth_widths(units: int, depth: int) -> list[int]:
    """[1, units // depth, ..., units // depth, 1]: `units` hidden units in `depth` equal layers.

    units, depth: ints >= 1 with depth dividing units (ValueError otherwise).
    """
    units, depth = _check_widths([units, depth], "units and depth")
    if units % depth:
        raise ValueError(f"depth must divide units: {units} units do not split into {depth} layers")
    return [1] + [units // depth] * depth + [1]


def pieces_upper_bound(widths: Sequence[int]) -> int:
    """(d_1 + 1) ... (d_{L-1} + 1) for widths [1, d_1, ..., d_{L-1}, d_L]: an upper bound.

    On an interval where a hidden layer's input is affine in x, each of its d_l units switches
    at most once, so the layer splits every piece into at most d_l + 1. Returns a Python int
    (1 when there is no hidden layer).
    """
    widths = _check_widths(widths)
    bound = 1
    for d in widths[1:-1]:
        bound *= d + 1
    return bound


def depth_sweep(
    count: Callable[[Layers, float, float], float],
    units: int,
    depths: Sequence[int],
    seeds: Sequence[int],
    lo: float,
    hi: float,
    bias_std: float = 0.1,
) -> tuple[np.ndarray, np.ndarray]:
    """Mean and standard error over seeds of count(net, lo, hi) for random nets of each depth.

    count: a callable (layers, lo, hi) -> number (say an exact piece counter); units: int;
    depths: K ints dividing units; seeds: S >= 2 ints. For depth depths[k] and seed s the net
    is ``random_layers(depth_widths(units, depths[k]), s, bias_std)``; count is called once
    per (depth, seed), depths in order, seeds in order within a depth. Returns (mean, sem),
    both of shape (K,): the mean of the S counts and their standard error
    std(ddof=1) / sqrt(S).
    """
    seeds = list(seeds)
    if len(seeds) < 2:
        raise ValueError(f"seeds must hold at least 2 seeds for an error bar; got {seeds!r:.80}")
    depths = list(depths)
    mean = np.empty(len(depths))
    sem = np.empty(len(depths))
    for k, depth in enumerate(depths):
        widths = depth_widths(units, depth)
        counts = np.array([float(count(random_layers(widths, s, bias_std), lo, hi)) for s in seeds])
        mean[k] = counts.mean()
        sem[k] = counts.std(ddof=1) / np.sqrt(len(seeds))
    return mean, sem


# ---- deep linear networks -------------------------------------------------------------------


def _product(mats: list[np.ndarray], size: int) -> np.ndarray:
    """mats[-1] @ ... @ mats[0]; the identity of the given size for an empty list."""
    out = np.eye(size)
    for M in mats:
        out = M @ out
    return out


def train_deep_linear(
    x: np.ndarray,
    t: np.ndarray,
    widths: Sequence[int],
    lr: float,
    steps: int,
    seed: int,
    init_std: float = 0.1,
) -> tuple[np.ndarray, np.ndarray]:
    """Full-batch gradient descent on a deep linear network y = W_L ... W_1 x (no biases).

    x: (N, d_in); t: (N, d_out); widths: [d_in, d_1, ..., d_out] (at least 2; 2 is the plain
    linear model); lr: float; steps: int >= 0; seed: int. With
    rng = np.random.default_rng(seed), W_l = init_std * rng.normal(size=(d_l, d_{l-1})) in
    layer order. The loss of the product P = W_L ... W_1 is L = sum((x @ P.T - t)**2) / N.
    Every step computes L and G = dL/dP = 2 (x @ P.T - t).T @ x / N, then updates all layers
    at once: W_l -= lr * (W_L ... W_{l+1}).T @ G @ (W_{l-1} ... W_1).T. Returns (losses, P):
    losses of shape (steps,), the loss before each update, and P of shape (d_out, d_in)
    after the last update.
    """
    x = as_float_array("x", x, ("N", "d_in"))
    t = as_float_array("t", t, (x.shape[0], "d_out"))
    widths = _check_widths(widths)
    if widths[0] != x.shape[1] or widths[-1] != t.shape[1]:
        raise ValueError(
            f"widths must start with d_in = {x.shape[1]} and end with d_out = {t.shape[1]}; "
            f"got {widths}"
        )
    steps = operator.index(steps)
    if steps < 0:
        raise ValueError(f"steps must be >= 0; got {steps}")
    rng = np.random.default_rng(seed)
    Ws = [init_std * rng.normal(size=(b, a)) for a, b in zip(widths[:-1], widths[1:], strict=True)]
    n = x.shape[0]
    losses = np.empty(steps)
    for step in range(steps):
        P = _product(Ws, widths[0])
        r = x @ P.T - t
        losses[step] = np.sum(r**2) / n
        G = 2.0 * r.T @ x / n
        grads = [
            _product(Ws[l + 1 :], widths[l + 1]).T @ G @ _product(Ws[:l], widths[0]).T
            for l in range(len(Ws))  # noqa: E741 - l is the layer index of the notes
        ]
        Ws = [W - lr * g for W, g in zip(Ws, grads, strict=True)]
    return losses, _product(Ws, widths[0])


# ---- activations ----------------------------------------------------------------------------


def _check_name(name: object) -> str:
    if not isinstance(name, str) or name not in ACTIVATIONS:
        raise ValueError(f"activation must be one of {', '.join(ACTIVATIONS)}; got {name!r:.40}")
    return name


def activation(name: str, z: np.ndarray) -> np.ndarray:
    """The activation `name` applied elementwise to z (any shape); a new float64 array.

    relu: max(z, 0); leaky_relu: z for z > 0, 0.01 z otherwise; elu: z for z > 0,
    exp(z) - 1 otherwise; sigmoid: 1 / (1 + exp(-z)); tanh: tanh(z). Another name raises
    ValueError.
    """
    name = _check_name(name)
    z = np.asarray(z, dtype=np.float64)
    if name == "relu":
        return np.maximum(z, 0.0)
    if name == "leaky_relu":
        return np.where(z > 0, z, LEAKY_SLOPE * z)
    if name == "elu":
        return np.where(z > 0, z, np.expm1(np.minimum(z, 0.0)))
    if name == "sigmoid":
        return np.exp(-np.logaddexp(0.0, -z))
    return np.tanh(z)


def mlp_with(x: np.ndarray, layers: Layers, name: str) -> np.ndarray:
    """`reference.depth.mlp` with the activation `name` after every hidden layer.

    x: (N, d_in); layers: (W, b) pairs as for mlp; name: one of ACTIVATIONS. Returns the
    outputs, shape (N, d_out); the last layer has no activation.
    """
    name = _check_name(name)
    x = as_float_array("x", x, ("N", "d_in"))
    layers = as_layers("layers", layers, d_in=x.shape[1])
    h = x
    for W, b in layers[:-1]:
        h = activation(name, h @ W.T + b)
    W, b = layers[-1]
    return h @ W.T + b


def as_relu_layers(layers: Layers, name: str) -> Layers:
    """A ReLU network equal to `layers` run with activation `name` after every hidden layer.

    layers: as for `reference.depth.mlp`. "relu": copies of the layers. "leaky_relu": since
    leaky(z) = relu(z) - 0.01 relu(-z), every hidden layer of d units becomes 2 d ReLU units,
    unit i computing relu(z_i) and unit d + i computing relu(-z_i) (i < d), and the layer
    after it reads leaky(z_i) as h_i - 0.01 h_{d+i}. So hidden layer l's W has shape
    (2 d_l, 2 d_{l-1}) (the first: (2 d_1, d_0)) and the output W (d_L, 2 d_{L-1}). "elu",
    "sigmoid", "tanh": ValueError (not piecewise linear: no linear pieces to count); any
    other name: ValueError.
    """
    name = _check_name(name)
    layers = as_layers("layers", layers)
    if name not in PIECEWISE_LINEAR:
        raise ValueError(
            f"{name} is not piecewise linear: a network using it has no linear pieces to count"
        )
    if name == "relu":
        return [(W.copy(), b.copy()) for W, b in layers]
    out = []
    read = np.eye(layers[0][0].shape[1])  # how this layer reads the previous layer's units
    for index, (W, b) in enumerate(layers):
        Wr = W @ read
        if index == len(layers) - 1:
            out.append((Wr, b.copy()))
            break
        out.append((np.vstack([Wr, -Wr]), np.concatenate([b, -b])))
        d = W.shape[0]
        read = np.hstack([np.eye(d), -LEAKY_SLOPE * np.eye(d)])
    return out
