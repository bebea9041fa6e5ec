"""Hidden cases for `surfaces`: neuron_surfaces, activation_patterns, count_regions_grid.

Networks have one to three hidden layers of several widths and all values are multiples of
1/4 or 1/8, so pre-activations are computed exactly: biases are chosen so that given points
(or grid points) lie exactly on a unit's line (pre-activation exactly 0, where `>` and `>=`
differ), some units have all-zero weights, and boxes are asymmetric such as (-3, 1, -0.5, 2),
so the grid steps along x and y differ. count_regions_grid cases put two opposite units on
adjacent grid columns (or rows): the thin strip between them holds no grid point, so the
grid count, which is the expected answer, is below the exact count; one edge case hides a
tiny triangle between grid points.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from autograder.cases.base import Case, Mistake, QuestionCases, profiled
from autograder.plots import gradient_error_plot, region_map_plot
from reference.surfaces import (
    activation_patterns,
    count_regions_grid,
    grid_points,
    neuron_surfaces,
)

BOXES = [(-3.0, 1.0, -0.5, 2.0), (-1.0, 3.0, -2.0, 0.5), (0.0, 4.0, -1.0, 1.0)]

# ---- networks and points --------------------------------------------------------------------


def _forward_exact(p: np.ndarray, layers: list) -> list[np.ndarray]:
    """Post-activations of each hidden layer at points p (N, 2), the reference recursion."""
    out, f = [], p
    for W, b in layers[:-1]:
        f = np.maximum(f @ W.T + b, 0.0)
        out.append(f)
    return out


def _net(
    rng: np.random.Generator,
    widths: list[int],
    anchors: np.ndarray,
    n_out: int = 1,
    zero_unit: bool = True,
) -> list[tuple[np.ndarray, np.ndarray]]:
    """Layers 2 -> widths... -> n_out with weights in multiples of 1/4.

    Each hidden unit's bias is set so that one of the ``anchors`` (points with coordinates in
    multiples of 1/8) has pre-activation exactly 0 there; when ``zero_unit`` is set the last
    unit of the first layer has all-zero weights and bias 0 (pre-activation 0 everywhere).
    """
    layers: list[tuple[np.ndarray, np.ndarray]] = []
    d_in = 2
    for l, d in enumerate(widths):
        W = rng.integers(-8, 9, (d, d_in)) / 4.0
        W[np.all(W == 0, axis=1), 0] = 1.0  # only the chosen zero unit is all-zero
        b = np.zeros(d)
        feats = _forward_exact(anchors, [*layers, (np.zeros((1, d_in)), np.zeros(1))])
        f = feats[-1] if feats else anchors
        for u in range(d):
            k = int(rng.integers(anchors.shape[0]))
            b[u] = -(W[u] @ f[k])
        if l == 0 and zero_unit:
            W[-1] = 0.0
            b[-1] = 0.0
        layers.append((W, b))
        d_in = d
    layers.append(((rng.integers(-8, 9, (n_out, d_in)) / 4.0), rng.integers(-4, 5, n_out) / 4.0))
    return layers


def _points_in(rng: np.random.Generator, box: tuple, n: int) -> np.ndarray:
    """n points with coordinates in multiples of 1/8 inside the box."""
    xmin, xmax, ymin, ymax = box
    xs = rng.integers(int(xmin * 8), int(xmax * 8) + 1, n) / 8.0
    ys = rng.integers(int(ymin * 8), int(ymax * 8) + 1, n) / 8.0
    return np.column_stack([xs, ys])


def _public_net() -> list[tuple[np.ndarray, np.ndarray]]:
    """2 -> 3 -> 2 -> 1: lines x = 0, y = 0, x + y = 1; a second layer that clips them."""
    return [
        (np.array([[1.0, 0.0], [0.0, 1.0], [-1.0, -1.0]]), np.array([0.0, 0.0, 1.0])),
        (np.array([[1.0, -1.0, 0.5], [-0.5, 1.0, 1.0]]), np.array([0.0, -0.5])),
        (np.array([[1.0, -1.0]]), np.array([0.25])),
    ]


PUBLIC_POINTS = np.array(
    [[0.0, 0.0], [1.0, 0.0], [0.5, 0.5], [-1.0, 2.0], [2.0, -0.5], [0.25, 0.25], [-0.5, -1.0]]
)

WIDTHS = [[3], [4, 3], [5, 4, 2], [2, 6], [6], [3, 4, 3]]
COUNT_WIDTHS = [[3], [4, 3, 3], [5, 4, 2], [2, 6], [3, 3, 3, 2]]


def _point_cases(rng: np.random.Generator, what: str) -> list[Case]:
    reference = neuron_surfaces if what == "surfaces" else activation_patterns
    question = "neuron_surfaces" if what == "surfaces" else "activation_patterns"
    cases = [
        Case(
            f"public: 7 points, the 2-3-2-1 net with lines x = 0, y = 0, x + y = 1 ({what})",
            (PUBLIC_POINTS, _public_net()),
            public=True,
        )
    ]
    for i, widths in enumerate(WIDTHS):
        box = BOXES[i % len(BOXES)]

        def draw(r: np.random.Generator, box=box, widths=widths, n_out=1 + i % 2) -> tuple:
            pts = _points_in(r, box, 25)
            return pts, _net(r, widths, pts[:6], n_out=n_out)

        name = f"widths {'-'.join(map(str, widths))}, box {box}, 25 points on unit lines"
        mistakes = lambda q=question: QUESTIONS[q].mistakes  # noqa: E731
        cases.append(profiled(rng, name, draw, reference, mistakes))
    # Edge: a point exactly on each first-layer line, an all-zero unit with positive bias.
    layers = [
        (np.array([[1.0, -2.0], [0.0, 0.0], [0.5, 0.5]]), np.array([0.5, 0.75, 0.0])),
        (np.array([[1.0, 1.0, -1.0], [0.0, 0.0, 0.0]]), np.array([-0.75, 0.0])),
        (np.array([[2.0, -1.0]]), np.array([0.0])),
    ]
    pts = np.array([[1.5, 1.0], [0.0, 0.0], [-1.0, 1.0], [2.0, 0.0], [-2.0, -1.0]])
    cases.append(
        Case(
            "edge: points on lines, all-zero units with bias 0.75 and 0", (pts, layers), weight=2.0
        )
    )
    cases.append(
        Case(
            "edge: no hidden layer (only the output layer)",
            (PUBLIC_POINTS[:3], [(np.array([[1.0, -1.0]]), np.array([0.5]))]),
            weight=0.5,
        )
    )
    return cases


# ---- variants of the forward pass (for the known mistakes) ----------------------------------


def _pre_and_post(
    points: np.ndarray, layers: list, relu_after_first: bool = True
) -> tuple[list[np.ndarray], list[np.ndarray], np.ndarray]:
    """Pre-activations, post-activations of the hidden layers, and the output."""
    zs, hs, f = [], [], points
    for l, (W, b) in enumerate(layers[:-1]):
        z = f @ W.T + b
        f = np.maximum(z, 0.0) if (l == 0 or relu_after_first) else z
        zs.append(z)
        hs.append(f)
    W, b = layers[-1]
    return zs, hs, f @ W.T + b


def _patterns(
    points: np.ndarray,
    layers: list,
    geq: bool = False,
    relu_after_first: bool = True,
    with_output: bool = False,
) -> np.ndarray:
    """Activation patterns (N, units): '>' (or '>=') of each hidden pre-activation."""
    zs, _, y = _pre_and_post(points, layers, relu_after_first)
    if with_output:
        zs = [*zs, y]
    if not zs:
        return np.zeros((points.shape[0], 0), dtype=bool)
    z = np.concatenate(zs, axis=1)
    return z >= 0 if geq else z > 0


def _count(patterns: np.ndarray) -> int:
    if patterns.shape[1] == 0:
        return 1
    rows = np.ascontiguousarray(np.packbits(patterns, axis=1))
    return int(np.unique(rows.view(np.dtype((np.void, rows.shape[1]))).ravel()).size)


# ---- neuron_surfaces ------------------------------------------------------------------------


def _surfaces_preactivations(case: Case) -> list[np.ndarray]:
    return _pre_and_post(*case.args)[0]


def _surfaces_no_relu_after_first(case: Case) -> list[np.ndarray]:
    return _pre_and_post(*case.args, relu_after_first=False)[1]


def _surfaces_with_output(case: Case) -> list[np.ndarray]:
    _, hs, y = _pre_and_post(*case.args)
    return [*hs, y]


# ---- count_regions_grid ---------------------------------------------------------------------


def _strip_units(box: tuple, resolution: int, k: int, vertical: bool) -> tuple:
    """Two opposite units whose lines are grid columns (or rows) k and k + 1."""
    xmin, xmax, ymin, ymax = box
    axis = np.linspace(xmin, xmax, resolution) if vertical else np.linspace(ymin, ymax, resolution)
    a, c = axis[k], axis[k + 1]
    n = np.array([1.0, 0.0]) if vertical else np.array([0.0, 1.0])
    return np.stack([n, -n]), np.array([-a, c])


def _count_cases(rng: np.random.Generator) -> list[Case]:
    cases = [
        Case(
            "public: the 2-3-2-1 net on the box (-2, 2, -2, 2), resolution 9",
            (_public_net(), (-2.0, 2.0, -2.0, 2.0), 9),
            public=True,
        )
    ]
    resolutions = [17, 9, 33, 17, 65]

    def draw_count(rng: np.random.Generator, i: int, widths: list[int]) -> tuple:
        box = BOXES[i % len(BOXES)]
        r = resolutions[i]
        anchors = grid_points(box, r)[rng.choice(r * r, size=6, replace=False)]
        layers = _net(rng, widths, anchors, n_out=1 + i % 2)
        k = int(rng.integers(1, r - 2))
        W1, b1 = layers[0]
        Ws, bs = _strip_units(box, r, k, vertical=i % 2 == 0)
        layers[0] = (np.concatenate([W1, Ws]), np.concatenate([b1, bs]))
        if len(layers) > 2:  # the next layer reads the two new units with weight 0.5 and -0.25
            W2, b2 = layers[1]
            extra = np.tile([[0.5, -0.25]], (W2.shape[0], 1))
            layers[1] = (np.concatenate([W2, extra], axis=1), b2)
        else:
            W2, b2 = layers[1]
            layers[1] = (np.concatenate([W2, np.full((W2.shape[0], 2), 0.5)], axis=1), b2)
        return layers, box, r

    for i, widths in enumerate(COUNT_WIDTHS):
        box, r = BOXES[i % len(BOXES)], resolutions[i]
        name = f"widths {'-'.join(map(str, widths))} (+2 strip units), box {box}, resolution {r}"
        draw = lambda g, i=i, widths=widths: draw_count(g, i, widths)  # noqa: E731
        mistakes = lambda: QUESTIONS["count_regions_grid"].mistakes  # noqa: E731
        cases.append(profiled(rng, name, draw, count_regions_grid, mistakes))

    # Generic weights on a grid that is not dyadic.
    def generic(r: np.random.Generator) -> tuple:
        layers = [
            (r.normal(0, 1, (5, 2)).round(3), r.normal(0, 1, 5).round(3)),
            (r.normal(0, 1, (4, 5)).round(3), r.normal(0, 1, 4).round(3)),
            (r.normal(0, 1, (3, 4)).round(3), r.normal(0, 1, 3).round(3)),
            (r.normal(0, 1, (1, 3)).round(3), np.zeros(1)),
        ]
        return layers, (-1.5, 2.5, -1.0, 1.5), 50

    name = "generic 5-4-3 net, box (-1.5, 2.5, -1, 1.5), resolution 50"
    mistakes = lambda: QUESTIONS["count_regions_grid"].mistakes  # noqa: E731
    cases.append(profiled(rng, name, generic, count_regions_grid, mistakes))
    # A triangle of side 0.06 near (0.3, 0.3), between the points of a grid with step 0.25.
    tri = [
        (np.array([[1.0, 1.0], [1.0, 0.0], [0.0, 1.0]]), np.array([-0.6, -0.27, -0.27])),
        (np.array([[1.0, -1.0, 1.0]]), np.array([0.0])),
    ]
    cases.append(
        Case(
            "edge: a tiny triangle the grid misses, box (-1, 1, -1, 1), resolution 9",
            (tri, (-1.0, 1.0, -1.0, 1.0), 9),
            weight=1.5,
        )
    )
    cases.append(
        Case(
            "edge: no hidden layer, box (-3, 1, -0.5, 2), resolution 5",
            ([(np.array([[1.0, 1.0]]), np.array([0.0]))], (-3.0, 1.0, -0.5, 2.0), 5),
            weight=0.5,
        )
    )
    return cases


def _grid_x_for_both(box: tuple, resolution: int) -> np.ndarray:
    xs = np.linspace(box[0], box[1], resolution)
    gx, gy = np.meshgrid(xs, xs)
    return np.column_stack([gx.ravel(), gy.ravel()])


# name, explanation, patterns over the grid (r*r, U'), extent drawn
_COUNT_VARIANTS: list[tuple[str, str, Any]] = [
    (
        ">= instead of >",
        "a unit is active only where its pre-activation is > 0 (strictly); grid points exactly on "
        "a unit's line count as inactive.",
        lambda layers, box, r: (_patterns(grid_points(box, r), layers, geq=True), box),
    ),
    (
        "x range for both axes",
        "the grid is np.linspace(box[0], box[1], resolution) along x and "
        "np.linspace(box[2], box[3], resolution) along y; your y values use the x range.",
        lambda layers, box, r: (
            _patterns(_grid_x_for_both(box, r), layers),
            (box[0], box[1], box[0], box[1]),
        ),
    ),
    (
        "no ReLU after the first layer",
        "every hidden layer applies the ReLU before feeding the next layer: "
        "f_l = relu(W_l f_(l-1) + b_l), not only the first one.",
        lambda layers, box, r: (
            _patterns(grid_points(box, r), layers, relu_after_first=False),
            box,
        ),
    ),
    (
        "output layer included",
        "the pattern has one entry per HIDDEN unit; the last (W, b) is the output layer and "
        "does not split regions.",
        lambda layers, box, r: (_patterns(grid_points(box, r), layers, with_output=True), box),
    ),
]


def _count_mistake(variant) -> Any:
    return lambda case: _count(variant(*case.args)[0])


def _count_grid(case: Case) -> tuple[np.ndarray, tuple]:
    layers, box, r = case.args
    pats = _patterns(grid_points(box, r), layers)
    return pats.reshape(r, r, pats.shape[1]), tuple(box)


def _count_suggest(case: Case, value: Any) -> tuple[str, np.ndarray, tuple] | None:
    if not isinstance(value, int | np.integer) or isinstance(value, bool | np.bool_):
        return None
    layers, box, r = case.args
    for name, _, variant in _COUNT_VARIANTS:
        pats, extent = variant(layers, box, r)
        if _count(pats) == int(value):
            return name, pats.reshape(r, r, pats.shape[1]), tuple(extent)
    return None


QUESTIONS = {
    "neuron_surfaces": QuestionCases(
        function="neuron_surfaces",
        generate=lambda rng: _point_cases(rng, "surfaces"),
        reference=neuron_surfaces,
        mistakes=[
            Mistake(
                "pre-activations",
                "a neuron's surface is its value after the ReLU: relu(W_l f_(l-1) + b_l), "
                "not the pre-activation.",
                answer=_surfaces_preactivations,
            ),
            Mistake(
                "no ReLU after the first layer",
                "every hidden layer applies the ReLU: f_l = relu(W_l f_(l-1) + b_l) for every "
                "hidden layer, not only the first.",
                answer=_surfaces_no_relu_after_first,
            ),
            Mistake(
                "output layer included",
                "return one array per HIDDEN layer; the last (W, b) is the output layer "
                "(no ReLU) and is not a surface of the list.",
                answer=_surfaces_with_output,
            ),
        ],
        plot=gradient_error_plot([f"hidden layer {k}" for k in range(1, 9)]),
    ),
    "activation_patterns": QuestionCases(
        function="activation_patterns",
        generate=lambda rng: _point_cases(rng, "patterns"),
        reference=activation_patterns,
        mistakes=[
            Mistake(
                ">= instead of >",
                "a unit is active only where its pre-activation is > 0 (strictly); points exactly "
                "on a unit's line are inactive.",
                answer=lambda case: _patterns(*case.args, geq=True),
            ),
            Mistake(
                "no ReLU after the first layer",
                "later layers read the ReLU outputs of the layer before: "
                "f_l = relu(W_l f_(l-1) + b_l) for every hidden layer.",
                answer=lambda case: _patterns(*case.args, relu_after_first=False),
            ),
            Mistake(
                "output layer included",
                "the pattern has one column per HIDDEN unit; leave out the output layer "
                "(the last (W, b)).",
                answer=lambda case: _patterns(*case.args, with_output=True),
            ),
        ],
        plot=region_map_plot(points_arg=0, layers_arg=1),
    ),
    "count_regions_grid": QuestionCases(
        function="count_regions_grid",
        generate=_count_cases,
        reference=count_regions_grid,
        mistakes=[
            Mistake(name, explanation, answer=_count_mistake(variant))
            for name, explanation, variant in _COUNT_VARIANTS
        ],
        plot=region_map_plot(grid=_count_grid, suggest=_count_suggest),
    ),
}
