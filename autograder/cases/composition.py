"""Hidden cases for `composition`: compose, composition_to_deep, deep_net.

Random instances use several widths; edge cases put inputs exactly on kinks (pre-activation
exactly 0), give units zero slope or zero outgoing weight, and make two units kink at one x.
"""

from __future__ import annotations

import numpy as np

from autograder.cases.base import Case, Mistake, QuestionCases, profiled
from autograder.plots import curve_plot
from reference.composition import compose, composition_to_deep, deep_net
from reference.shallow import relu, shallow_net


def _net(rng: np.random.Generator, d: int) -> tuple[np.ndarray, np.ndarray]:
    theta = rng.normal(0.0, 1.0, (d, 2)).round(3)
    phi = rng.normal(0.0, 1.0, d + 1).round(3)
    return theta, phi


def _xs(rng: np.random.Generator, theta: np.ndarray, n: int = 40) -> np.ndarray:
    """Sorted inputs in [-2, 2] that include every kink of ``theta`` inside the interval."""
    x = rng.uniform(-2.0, 2.0, n)
    with np.errstate(divide="ignore", invalid="ignore"):
        kinks = -theta[:, 0] / theta[:, 1]
    kinks = kinks[np.isfinite(kinks) & (np.abs(kinks) <= 2.0)]
    return np.sort(np.concatenate([x, kinks]))


def _edge_nets() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Zero-slope unit, zero outgoing weight, two units kinking at x = 0.5, kinks on grid points."""
    theta1 = np.array([[-0.5, 1.0], [1.0, -2.0], [0.75, 0.0], [0.25, -0.5]])
    phi1 = np.array([0.25, 1.0, -0.5, 2.0, 0.0])
    theta2 = np.array([[0.0, 1.0], [-0.25, 1.0], [0.5, -1.0]])
    phi2 = np.array([-0.5, 1.0, 0.0, 1.5])
    return theta1, phi1, theta2, phi2


def _public_nets() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Two 3-unit nets in the spirit of the notes: net 1 folds [-1, 1] onto itself three times."""
    theta1 = np.array([[0.5, -2.0], [0.0, 1.0], [-0.5, 2.0]])
    phi1 = np.array([-1.0, 2.0, 1.0, 2.0])
    theta2 = np.array([[0.5, 1.0], [0.0, -1.0], [-0.5, 1.0]])
    phi2 = np.array([-0.25, 1.0, 1.0, -2.0])
    return theta1, phi1, theta2, phi2


def _compose_cases(rng: np.random.Generator) -> list[Case]:
    t1, p1, t2, p2 = _public_nets()
    cases = [
        Case("public: the two 3-unit nets", (np.linspace(-1, 1, 401), t1, p1, t2, p2), public=True)
    ]

    def nets(d1: int, d2: int):
        def draw(r: np.random.Generator) -> tuple:
            theta1, phi1 = _net(r, d1)
            theta2, phi2 = _net(r, d2)
            return _xs(r, theta1), theta1, phi1, theta2, phi2

        return draw

    for d1, d2 in [(1, 1), (3, 3), (5, 2), (2, 6), (8, 8)]:
        name = f"random nets D1={d1}, D2={d2}"
        cases.append(profiled(rng, name, nets(d1, d2), compose, COMPOSE_MISTAKES))
    t1, p1, t2, p2 = _edge_nets()
    cases.append(
        Case(
            "edge: inputs on kinks, zero slope, zero weight, shared kink",
            (np.array([-2.0, 0.0, 0.5, 0.5, 1.0, 2.0]), t1, p1, t2, p2),
        )
    )
    return cases


def _to_deep_cases(rng: np.random.Generator) -> list[Case]:
    t1, p1, t2, p2 = _public_nets()
    cases = [Case("public: the two 3-unit nets", (t1, p1, t2, p2), public=True)]

    def nets(d1: int, d2: int):
        return lambda r: (*_net(r, d1), *_net(r, d2))

    for d1, d2 in [(1, 1), (3, 4), (6, 2), (5, 5)]:
        name = f"random nets D1={d1}, D2={d2}"
        cases.append(profiled(rng, name, nets(d1, d2), composition_to_deep, TO_DEEP_MISTAKES))
    cases.append(Case("edge: zero slope, zero weights, shared kink", _edge_nets()))
    return cases


def _deep_cases(rng: np.random.Generator) -> list[Case]:
    t1, p1, t2, p2 = _public_nets()
    theta, psi, phi = composition_to_deep(t1, p1, t2, p2)
    cases = [
        Case(
            "public: the 3-unit nets as one deep net",
            (np.linspace(-1, 1, 401), theta, psi, phi),
            public=True,
        )
    ]

    def net(d1: int, d2: int):
        def draw(r: np.random.Generator) -> tuple:
            theta = r.normal(0, 1, (d1, 2)).round(3)
            psi = r.normal(0, 1, (d2, d1 + 1)).round(3)
            phi = r.normal(0, 1, d2 + 1).round(3)
            return _xs(r, theta), theta, psi, phi

        return draw

    for d1, d2 in [(1, 2), (3, 3), (4, 6), (7, 3)]:
        name = f"random deep net D1={d1}, D2={d2}"
        cases.append(profiled(rng, name, net(d1, d2), deep_net, DEEP_MISTAKES))
    # Second-layer pre-activation exactly 0 at x = 0: psi_10 + psi_11 * relu(1) = 0.
    theta = np.array([[1.0, 1.0], [0.0, 0.0]])
    psi = np.array([[-1.0, 1.0, 0.0], [0.5, 0.0, -1.0]])
    phi = np.array([0.0, 2.0, -1.0])
    cases.append(
        Case(
            "edge: second-layer pre-activation exactly 0",
            (np.array([-1.0, 0.0, 1.0]), theta, psi, phi),
        )
    )
    return cases


# ---- known mistakes -------------------------------------------------------------------------


def _psi_without_phi0(case: Case):
    theta1, phi1, theta2, phi2 = case.args
    psi = np.empty((theta2.shape[0], theta1.shape[0] + 1))
    psi[:, 0] = theta2[:, 0]
    psi[:, 1:] = np.outer(theta2[:, 1], phi1[1:])
    return theta1, psi, phi2


def _psi_shifted(case: Case):
    theta1, phi1, theta2, phi2 = case.args
    psi = np.empty((theta2.shape[0], theta1.shape[0] + 1))
    psi[:, 0] = theta2[:, 0] + theta2[:, 1] * phi1[0]
    psi[:, 1:] = np.outer(theta2[:, 1], phi1[:-1])
    return theta1, psi, phi2


def _compose_wrong_order(case: Case):
    x, theta1, phi1, theta2, phi2 = case.args
    return shallow_net(shallow_net(x, theta2, phi2), theta1, phi1)


def _deep_no_second_relu(case: Case):
    x, theta, psi, phi = case.args
    h = relu(theta[:, 0] + np.outer(x, theta[:, 1]))
    return phi[0] + (psi[:, 0] + h @ psi[:, 1:].T) @ phi[1:]


def _deep_relu_on_output(case: Case):
    return relu(deep_net(*case.args))


def _psi_columns_swapped(case: Case):
    """theta'_i0 and theta'_i1 swapped: psi_i0 = theta'_i1 + theta'_i0 phi_0, psi_ij = theta'_i0 phi_j."""
    theta1, phi1, theta2, phi2 = case.args
    return composition_to_deep(theta1, phi1, theta2[:, ::-1], phi2)


COMPOSE_MISTAKES = [
    Mistake(
        "wrong order",
        "you applied network 2 first: compose feeds x to network 1 "
        "(theta1, phi1) and its output y to network 2 (theta2, phi2).",
        answer=_compose_wrong_order,
    ),
]

TO_DEEP_MISTAKES = [
    Mistake(
        "psi without phi_0",
        "psi's bias column must include phi_0 of network 1: "
        "psi[i, 0] = theta'_i0 + theta'_i1 * phi_0.",
        answer=_psi_without_phi0,
    ),
    Mistake(
        "psi shifted",
        "psi[i, j] for j >= 1 multiplies theta'_i1 by phi_j, the weight "
        "of hidden unit j; your columns use the phi of the unit before.",
        answer=_psi_shifted,
    ),
    Mistake(
        "theta' columns swapped",
        "row i of theta2 is [theta'_i0 (bias), theta'_i1 (slope)]: the slope theta'_i1 "
        "multiplies network 1's output, so it scales phi_0 in psi's bias column and every "
        "phi_j in the other columns; you used theta'_i0 there.",
        answer=_psi_columns_swapped,
    ),
]

DEEP_MISTAKES = [
    Mistake(
        "no relu on layer 2",
        "the second hidden layer needs its ReLU too: it applies relu to psi's affine map "
        "of h, as the first layer does to theta's map of x.",
        answer=_deep_no_second_relu,
    ),
    Mistake(
        "relu on the output",
        "the output layer is linear: y = phi_0 + phi[1:] . h', with no ReLU on y.",
        answer=_deep_relu_on_output,
    ),
]


def _plot_to_deep(case: Case, value, expected):
    """deep_net with the student's (theta, psi, phi) over compose of the two nets, on [-2, 2]."""
    x = np.linspace(-2.0, 2.0, 401)
    want = compose(x, *case.args)
    got = None
    if isinstance(value, list | tuple) and len(value) == 3:
        try:
            with np.errstate(all="ignore"):
                got = np.asarray(deep_net(x, *value), dtype=float)
            if got.shape != want.shape:
                got = None
        except Exception:  # malformed parameters: the reference curve alone
            got = None
    name = f"{case.name}: deep_net(x, *your answer) vs compose(x, nets)"
    return curve_plot(x_arg=0)(Case(name, (x,)), got, want)


QUESTIONS = {
    "compose": QuestionCases(
        function="compose",
        generate=_compose_cases,
        reference=compose,
        mistakes=COMPOSE_MISTAKES,
        plot=curve_plot(x_arg=0),
    ),
    "composition_to_deep": QuestionCases(
        function="composition_to_deep",
        generate=_to_deep_cases,
        reference=composition_to_deep,
        mistakes=TO_DEEP_MISTAKES,
        plot=_plot_to_deep,
    ),
    "deep_net": QuestionCases(
        function="deep_net",
        generate=_deep_cases,
        reference=deep_net,
        mistakes=DEEP_MISTAKES,
        plot=curve_plot(x_arg=0),
    ),
}
