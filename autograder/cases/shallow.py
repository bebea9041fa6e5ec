"""Hidden cases for `shallow`: relu, shallow_net, kink_locations, count_linear_regions,
interpolant_net.

Exact instances use kinks on a grid of 1/8 and slopes that are powers of 2, so a kink
x_d = -theta_d0 / theta_d1 is exact, theta_d0 + theta_d1 * x_d is exactly 0, and two units
that kink at one x agree exactly (the reference and a correct student need no tolerance to
group them). Edge cases cover duplicate kinks, units with zero slope (theta_d1 = 0) or zero
outgoing weight (phi_d = 0), units whose slope changes cancel at a shared kink, kinks exactly
on the interval ends, intervals other than [-2, 2], relu at 0 and -0.0.
"""

from __future__ import annotations

import numpy as np

from autograder.cases.base import (
    Case,
    Lambda,
    Mistake,
    QuestionCases,
    Verdict,
    materialize,
    profiled,
)
from autograder.compare import describe
from autograder.plots import curve_plot
from reference.shallow import (
    count_linear_regions,
    interpolant_net,
    kink_locations,
    relu,
    shallow_net,
)

SLOPES = np.array([-4.0, -2.0, -1.0, -0.5, 0.5, 1.0, 2.0, 4.0])


def _eighths(rng: np.random.Generator, lo: float, hi: float, size) -> np.ndarray:
    """Multiples of 1/8 drawn uniformly from [lo, hi] (lo, hi multiples of 1/8)."""
    return rng.integers(round(8 * lo), round(8 * hi) + 1, size) / 8.0


def _exact_theta(kinks: np.ndarray, slopes: np.ndarray) -> np.ndarray:
    """theta whose unit d kinks exactly at kinks[d] with slope slopes[d] (a power of 2)."""
    return np.column_stack([-kinks * slopes, slopes])


def _random_net(rng: np.random.Generator, d: int) -> tuple[np.ndarray, np.ndarray]:
    theta = rng.normal(0.0, 1.0, (d, 2)).round(3)
    theta[theta[:, 1] == 0, 1] = 0.5
    phi = rng.normal(0.0, 1.0, d + 1).round(3)
    return theta, phi


def _exact_net(
    rng: np.random.Generator, d: int, lo: float = -2.0, hi: float = 2.0, choices: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """d units with exact kinks in [lo - 1/2, hi + 1/2]; phi on a grid of 1/8, about 1 in 5 zero.

    With ``choices`` > 0 the kinks are drawn from only that many points (among them lo and hi),
    so units often share a kink or kink exactly on an end of the interval.
    """
    if choices:
        pool = np.concatenate([[lo, hi], _eighths(rng, lo - 0.5, hi + 0.5, choices - 2)])
        kinks = rng.choice(pool, d)
    else:
        kinks = _eighths(rng, lo - 0.5, hi + 0.5, d)
    theta = _exact_theta(kinks, rng.choice(SLOPES, d))
    phi = _eighths(rng, -2.0, 2.0, d + 1)
    phi[1:][rng.random(d) < 0.2] = 0.0
    return theta, phi


def _inputs(rng: np.random.Generator, theta: np.ndarray, lo=-2.0, hi=2.0, n=40) -> np.ndarray:
    """Sorted inputs in [lo, hi] with every kink of theta inside [lo, hi] among them."""
    kinks = kink_locations(theta)
    kinks = kinks[(kinks >= lo) & (kinks <= hi)]
    return np.sort(np.concatenate([rng.uniform(lo, hi, n), kinks, [lo, hi]]))


# ---- relu -----------------------------------------------------------------------------------


def _relu_cases(rng: np.random.Generator) -> list[Case]:
    cases = [Case("public: z = linspace(-2, 2, 401)", (np.linspace(-2.0, 2.0, 401),), public=True)]
    cases.append(Case("random z of shape (50,)", (rng.normal(0.0, 2.0, 50),)))
    cases.append(Case("random pre-activations of shape (20, 6)", (rng.normal(0.0, 1.0, (20, 6)),)))
    cases.append(Case("random z of shape (3, 4, 5)", (rng.uniform(-5.0, 5.0, (3, 4, 5)),)))
    z = np.array([0.0, -0.0, 1e-300, -1e-300, 5e-324, -5e-324, 1e300, -1e300, 3.5, -3.5])
    cases.append(Case("edge: 0, -0.0, tiny and huge values", (rng.permutation(z),)))
    cases.append(Case("edge: all negative, shape (4, 3)", (-rng.uniform(0.5, 3.0, (4, 3)),)))
    cases.append(Case("edge: a single entry", (np.array([-2.5]),)))
    return cases


def _relu_abs(case: Case):
    return np.abs(case.args[0])


def _relu_leaky(case: Case):
    z = case.args[0]
    return np.where(z > 0, z, 0.01 * z)


def _relu_min(case: Case):
    return np.minimum(case.args[0], 0.0)


def _relu_step(case: Case):
    return (case.args[0] > 0).astype(np.float64)


def _relu_max_reduction(case: Case, value, args_after) -> bool:
    """np.max(z, 0): the largest entry along axis 0 instead of the elementwise max."""
    z = case.args[0]
    got = np.asarray(value, dtype=np.float64)
    want = np.max(z, axis=0)
    return got.shape == want.shape and bool(np.allclose(got, want))


RELU_MISTAKES = [
    Mistake(
        "abs",
        "relu keeps positive z and maps negative z to 0; your function returns |z|.",
        answer=_relu_abs,
    ),
    Mistake(
        "leaky",
        "relu maps negative z to exactly 0; yours leaks 0.01 * z (that is a leaky ReLU).",
        answer=_relu_leaky,
    ),
    Mistake(
        "minimum",
        "relu(z) = max(z, 0): you kept the negative part min(z, 0) instead.",
        answer=_relu_min,
    ),
    Mistake(
        "step",
        "relu returns max(z, 0) itself, not the step 1[z > 0] (that is its derivative).",
        answer=_relu_step,
    ),
    Mistake(
        "np.max",
        "np.max(z, 0) reduces along axis 0; the elementwise max(z, 0) is np.maximum(z, 0).",
        detect=_relu_max_reduction,
    ),
]


# ---- shallow_net ----------------------------------------------------------------------------


def _public_net() -> tuple[np.ndarray, np.ndarray]:
    """Three units with kinks at -1, 0.5 and 1.5, one facing left."""
    theta = np.array([[-1.0, -1.0], [-0.5, 1.0], [-3.0, 2.0]])
    phi = np.array([-0.5, 1.0, 2.0, -1.5])
    return theta, phi


def _edge_net() -> tuple[np.ndarray, np.ndarray]:
    """Zero-slope units (one on, one off), a zero-weight unit, two units kinking at x = 0.5."""
    theta = np.array(
        [[-0.5, 1.0], [1.0, -2.0], [0.75, 0.0], [-0.25, 0.0], [0.25, -0.5], [0.0, 4.0]]
    )
    phi = np.array([-0.75, 1.0, -0.5, 2.0, 3.0, 0.0, -1.25])
    return theta, phi


def _shallow_net_cases(rng: np.random.Generator) -> list[Case]:
    theta, phi = _public_net()
    cases = [
        Case(
            "public: 3 units, x = linspace(-2, 2, 401)",
            (np.linspace(-2.0, 2.0, 401), theta, phi),
            public=True,
        )
    ]

    def net(d: int, exact: bool = False, lo: float = -2.0, hi: float = 2.0):
        def draw(r: np.random.Generator) -> tuple:
            theta, phi = _exact_net(r, d, lo, hi, choices=5 if exact else 0)
            if not exact and lo == -2.0:
                theta, phi = _random_net(r, d)
            return _inputs(r, theta, lo, hi), theta, phi

        return draw

    for d in (1, 3, 7, 12):
        cases.append(profiled(rng, f"random net, D={d}", net(d), shallow_net, SHALLOW_NET_MISTAKES))
    for d in (4, 9):
        name = f"random net, D={d}, inputs exactly on kinks"
        cases.append(profiled(rng, name, net(d, exact=True), shallow_net, SHALLOW_NET_MISTAKES))
    name = "random net, D=6, x in [-5, 3]"
    cases.append(profiled(rng, name, net(6, True, -5.0, 3.0), shallow_net, SHALLOW_NET_MISTAKES))
    theta, phi = _edge_net()
    x = np.array([-2.0, -0.0, 0.0, 0.5, 0.5, 1.0, 2.0])
    cases.append(Case("edge: zero slopes, zero weight, shared kink, x on kinks", (x, theta, phi)))
    return cases


def _net_leaky(case: Case):
    x, theta, phi = case.args
    z = theta[:, 0] + np.outer(x, theta[:, 1])
    return phi[0] + np.where(z > 0, z, 0.01 * z) @ phi[1:]


def _net_abs(case: Case):
    x, theta, phi = case.args
    return phi[0] + np.abs(theta[:, 0] + np.outer(x, theta[:, 1])) @ phi[1:]


def _net_no_phi0(case: Case):
    x, theta, phi = case.args
    return shallow_net(x, theta, phi) - phi[0]


def _net_relu_output(case: Case):
    return relu(shallow_net(*case.args))


def _net_swapped_columns(case: Case):
    x, theta, phi = case.args
    return shallow_net(x, theta[:, ::-1], phi)


def _net_phi_shifted(case: Case):
    x, theta, phi = case.args
    return relu(theta[:, 0] + np.outer(x, theta[:, 1])) @ phi[:-1]


SHALLOW_NET_MISTAKES = [
    Mistake(
        "no phi_0",
        "the output is phi_0 + sum_d phi_d relu(theta_d0 + theta_d1 x); your output lacks phi_0.",
        answer=_net_no_phi0,
    ),
    Mistake(
        "relu on the output",
        "only the hidden units have a ReLU; the output phi_0 + sum_d phi_d h_d is linear "
        "and may be negative.",
        answer=_net_relu_output,
    ),
    Mistake(
        "leaky relu",
        "the hidden units use relu = max(z, 0); yours leak 0.01 * z for negative z.",
        answer=_net_leaky,
    ),
    Mistake(
        "abs",
        "the hidden units use relu = max(z, 0); yours compute |z|.",
        answer=_net_abs,
    ),
    Mistake(
        "theta columns swapped",
        "row d of theta is [theta_d0 (bias), theta_d1 (slope)]: the pre-activation is "
        "theta[:, 0] + theta[:, 1] * x.",
        answer=_net_swapped_columns,
    ),
    Mistake(
        "phi shifted",
        "phi[0] is the output bias phi_0 and unit d's weight is phi[d] (d = 1..D); "
        "you used phi[d - 1].",
        answer=_net_phi_shifted,
    ),
]


# ---- kink_locations -------------------------------------------------------------------------


def _kink_cases(rng: np.random.Generator) -> list[Case]:
    cases = [Case("public: 3 units", (_public_net()[0],), public=True)]

    def units(d: int):
        return lambda r: (_random_net(r, d)[0],)

    def repeated(r: np.random.Generator) -> tuple:
        return (_exact_net(r, 10, choices=4)[0],)

    def flat(r: np.random.Generator) -> tuple:
        theta = r.normal(0.0, 1.0, (6, 2)).round(3)
        theta[theta[:, 1] == 0, 1] = 0.5
        theta[r.choice(6, 2, replace=False), 1] = 0.0
        return (theta,)

    for d in (1, 4, 9):
        spare = ("duplicates dropped", "zero slopes kept") + (("unsorted",) if d == 1 else ())
        cases.append(
            profiled(
                rng, f"random units, D={d}", units(d), kink_locations, KINK_MISTAKES, spare=spare
            )
        )
    cases.append(
        profiled(
            rng,
            "random units, D=10, repeated kinks",
            repeated,
            kink_locations,
            KINK_MISTAKES,
            spare=("zero slopes kept",),
        )
    )
    cases.append(
        profiled(
            rng,
            "random units, D=6, two with zero slope",
            flat,
            kink_locations,
            KINK_MISTAKES,
            spare=("duplicates dropped",),
        )
    )
    cases.append(Case("edge: zero slopes, shared kink at 0.5", (_edge_net()[0],)))
    theta = np.array([[1.0, 0.0], [-2.0, 0.0], [0.0, 0.0]])
    cases.append(Case("edge: every slope is zero (no kinks)", (theta,)))
    theta = _exact_theta(np.array([0.25, 0.25, -1.0, 0.25, -1.0]), np.array([1, -2, 0.5, 4, -1.0]))
    cases.append(Case("edge: three units kink at 0.25, two at -1", (theta,)))
    return cases


def _kinks_sign(case: Case):
    theta = case.args[0]
    keep = theta[:, 1] != 0
    return np.sort(theta[keep, 0] / theta[keep, 1])


def _kinks_unsorted(case: Case):
    theta = case.args[0]
    keep = theta[:, 1] != 0
    return -theta[keep, 0] / theta[keep, 1]


def _kinks_unique(case: Case):
    return np.unique(kink_locations(case.args[0]))


def _kinks_zero_slope(case: Case):
    theta = case.args[0]
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.sort(-theta[:, 0] / theta[:, 1])


KINK_MISTAKES = [
    Mistake(
        "sign",
        "unit d kinks where theta_d0 + theta_d1 x = 0, at x = -theta_d0 / theta_d1; "
        "your kinks have the wrong sign.",
        answer=_kinks_sign,
    ),
    Mistake(
        "unsorted",
        "kink_locations must return the kinks sorted in increasing order (np.sort).",
        answer=_kinks_unsorted,
    ),
    Mistake(
        "duplicates dropped",
        "keep duplicates: units that kink at the same x each contribute their kink.",
        answer=_kinks_unique,
    ),
    Mistake(
        "zero slopes kept",
        "a unit with theta_d1 = 0 is constant and has no kink; leave it out "
        "(dividing by 0 gives inf or nan).",
        answer=_kinks_zero_slope,
    ),
]


# ---- count_linear_regions -------------------------------------------------------------------


def _cancel_net() -> tuple[np.ndarray, np.ndarray]:
    """Kinks at -1, 0 (x2), 0.5 (x2), 1.5; the units at 0 and at 0.5 cancel: relu(x) - relu(-x) = x
    and 2 relu(x - 0.5) - relu(2x - 1) = 0. Only -1 and 1.5 bend the output: 3 regions on [-2, 2].
    """
    theta = np.array([[1.0, 1.0], [0.0, 1.0], [0.0, -1.0], [-0.5, 1.0], [-1.0, 2.0], [-3.0, 2.0]])
    phi = np.array([0.5, 1.0, 1.0, -1.0, 2.0, -1.0, -0.5])
    return theta, phi


def _rich_net(
    rng: np.random.Generator, d: int, lo: float, hi: float
) -> tuple[np.ndarray, np.ndarray]:
    """An exact net on [lo, hi] with every feature a count must handle.

    Most units kink at one of a few points (among them lo and hi), so kinks are shared or lie
    on the ends; a few units have phi_d = 0 and a kink of their own inside (lo, hi); one or two
    have zero slope; some kinks fall outside [lo, hi].
    """
    pool = np.concatenate(
        [[lo, hi, lo - 0.25, hi + 0.5], _eighths(rng, lo + 0.125, hi - 0.125, max(2, d // 3))]
    )
    theta = _exact_theta(rng.choice(pool, d), rng.choice(SLOPES, d))
    phi = _eighths(rng, -2.0, 2.0, d + 1)
    idle = rng.choice(d, max(3, d // 4), replace=False)
    phi[1:][phi[1:] == 0] = 1.0
    phi[1 + idle] = 0.0
    theta[idle] = _exact_theta(_eighths(rng, lo + 0.125, hi - 0.125, idle.size), theta[idle, 1])
    flat = rng.choice(np.setdiff1d(np.arange(d), idle), max(1, d // 8), replace=False)
    theta[flat] = np.column_stack([_eighths(rng, -1.0, 1.0, flat.size), np.zeros(flat.size)])
    return theta, phi


def _count_cases(rng: np.random.Generator) -> list[Case]:
    theta, phi = _public_net()
    cases = [
        Case("public: 3 units on [-2, 2]", (theta, phi, -2.0, 2.0), public=True),
        Case("public: the same 3 units on [-1.25, 1]", (theta, phi, -1.25, 1.0), public=True),
    ]

    def plain(d: int, lo: float, hi: float):
        def draw(r: np.random.Generator) -> tuple:
            theta, phi = _random_net(r, d)
            theta[0, 1] = 0.0
            return theta, phi, lo, hi

        return draw

    def rich(d: int):
        def draw(r: np.random.Generator) -> tuple:
            lo = float(_eighths(r, -3.0, -0.5, 1)[0])
            hi = float(_eighths(r, 0.5, 3.0, 1)[0])
            return (*_rich_net(r, d, lo, hi), lo, hi)

        return draw

    def both_ends(r: np.random.Generator) -> tuple:
        """Kinks on both ends of a random interval and distinct kinks inside, weights nonzero."""
        lo, hi = float(_eighths(r, -2.5, -1.0, 1)[0]), float(_eighths(r, 0.5, 2.0, 1)[0])
        inner = r.choice(np.arange(8 * lo + 1, 8 * hi), 3, replace=False) / 8.0
        kinks = np.concatenate([[lo, hi, lo, hi], inner])
        theta = _exact_theta(kinks, r.choice(SLOPES, kinks.size))
        phi = r.choice([-1.5, -1.0, -0.5, 0.5, 1.0, 1.5], kinks.size + 1)
        return theta, phi, lo, hi

    def pairs(r: np.random.Generator) -> tuple:
        """A random net plus pairs of units at one kink whose slope changes cancel."""
        theta, phi = _exact_net(r, 5, -1.0, 3.0)
        phi[1:][phi[1:] == 0] = 1.0
        where = _eighths(r, -0.875, 2.875, 2)
        s = r.choice(SLOPES[SLOPES > 0], 2)
        pair_theta = _exact_theta(np.repeat(where, 2), np.array([s[0], -s[0], s[1], 2 * s[1]]))
        w = _eighths(r, 0.25, 2.0, 2)
        pair_phi = np.array([w[0], -w[0], 2 * w[1], -w[1]])
        return np.vstack([theta, pair_theta]), np.concatenate([phi, pair_phi]), -1.0, 3.0

    generic = ("cancelling slope changes", "phi_d = 0 ignored", "kinks on the ends")
    generic += ("shared kinks counted twice",)
    for d, lo, hi in ((3, -2.0, 2.0), (8, -1.0, 1.5)):
        name = f"random net, D={d}, on [{lo}, {hi}], one unit with theta_d1 = 0"
        draw = plain(d, lo, hi)
        cases.append(profiled(rng, name, draw, count_linear_regions, COUNT_MISTAKES, spare=generic))
    for d in (6, 9, 12, 16):
        shared = "" if d == 6 else " shared kinks,"
        name = (
            f"random net, D={d}, on a random interval:{shared} kinks on the ends, "
            "phi_d = 0, theta_d1 = 0"
        )
        spare = ("cancelling slope changes",) + (("shared kinks counted twice",) if d == 6 else ())
        cases.append(
            profiled(rng, name, rich(d), count_linear_regions, COUNT_MISTAKES, spare=spare)
        )
    name = "random net with kinks on both ends of a random interval"
    spare = ("cancelling slope changes", "phi_d = 0 ignored", "shared kinks counted twice")
    cases.append(profiled(rng, name, both_ends, count_linear_regions, COUNT_MISTAKES, spare=spare))
    name = "random net with two cancelling pairs, on [-1, 3]"
    spare = ("kinks on the ends",)
    cases.append(profiled(rng, name, pairs, count_linear_regions, COUNT_MISTAKES, spare=spare))
    theta, phi = _cancel_net()
    cases.append(Case("edge: slope changes cancel at 0 and at 0.5", (theta, phi, -2.0, 2.0)))
    theta = _exact_theta(np.array([-1.0, 0.0, 0.75, 2.0]), np.array([1.0, -2.0, 0.5, 1.0]))
    phi = np.array([1.0, 0.0, 2.0, 0.0, -1.0])
    cases.append(Case("edge: zero-weight units (phi_d = 0)", (theta, phi, -2.0, 1.0)))
    theta = _exact_theta(np.array([-0.5, 1.25, 0.0, 1.25]), np.array([2.0, -1.0, 1.0, 4.0]))
    phi = np.array([0.0, 1.5, -1.0, 1.0, 0.5])
    cases.append(Case("edge: kinks exactly on both ends", (theta, phi, -0.5, 1.25)))
    theta = np.array([[1.0, 0.0], [-1.0, 0.0], [-0.5, 1.0], [0.25, -0.5]])
    phi = np.array([1.0, 1.0, 2.0, -1.0, 0.5])
    cases.append(Case("edge: zero-slope units", (theta, phi, -2.0, 2.0)))
    theta = _exact_theta(np.array([-3.0, 2.5, 4.0]), np.array([1.0, -1.0, 2.0]))
    phi = np.array([0.0, 1.0, 1.0, 1.0])
    cases.append(Case("edge: every kink outside [-2, 2]", (theta, phi, -2.0, 2.0)))
    return cases


def _kink_groups(theta: np.ndarray, phi: np.ndarray) -> list[tuple[float, list[float]]]:
    """Distinct kinks (exact equality, as in our exact instances) and their units' slope jumps."""
    groups: dict[float, list[float]] = {}
    for (t0, t1), p in zip(theta, phi[1:], strict=True):
        if t1 != 0:
            groups.setdefault(-t0 / t1, []).append(p * abs(t1))
    return sorted(groups.items())


def _regions_units(case: Case):
    theta = case.args[0]
    return theta.shape[0] + 1


def _regions_all_kinks(case: Case):
    theta, phi, _, _ = case.args
    return len(_kink_groups(theta, phi)) + 1


def _regions_closed(case: Case):
    theta, phi, lo, hi = case.args
    groups = _kink_groups(theta, phi)
    return 1 + sum(1 for x, j in groups if lo <= x <= hi and sum(j) != 0)


def _regions_no_phi(case: Case):
    theta, phi, lo, hi = case.args
    return 1 + sum(1 for x, _ in _kink_groups(theta, phi) if lo < x < hi)


def _regions_no_cancel(case: Case):
    theta, phi, lo, hi = case.args
    return 1 + sum(1 for x, j in _kink_groups(theta, phi) if lo < x < hi and any(j))


def _regions_duplicates(case: Case):
    theta, phi, lo, hi = case.args
    return 1 + sum(sum(1 for v in j if v != 0) for x, j in _kink_groups(theta, phi) if lo < x < hi)


def _regions_slopes(case: Case):
    theta = case.args[0]
    return int(np.count_nonzero(theta[:, 1])) + 1


def _regions_outside(case: Case):
    """Kinks outside [lo, hi] counted as if they were inside."""
    theta, phi, lo, hi = case.args
    kinks = kink_locations(theta)
    if kinks.size:
        lo, hi = min(lo, float(kinks[0]) - 1.0), max(hi, float(kinks[-1]) + 1.0)
    return count_linear_regions(theta, phi, lo, hi)


COUNT_MISTAKES = [
    Mistake(
        "cancelling slope changes",
        "units that kink at the same x can cancel: sum their slope changes phi_d * |theta_d1| "
        "there, and count the kink only if the sum is not 0.",
        answer=_regions_no_cancel,
    ),
    Mistake(
        "phi_d = 0 ignored",
        "a kink only starts a new region if the output's slope changes there: a unit with "
        "phi_d = 0 changes nothing (nor do units whose slope changes cancel).",
        answer=_regions_no_phi,
    ),
    Mistake(
        "kinks on the ends",
        "a kink exactly at lo or hi does not split [lo, hi]: count only kinks strictly inside.",
        answer=_regions_closed,
    ),
    Mistake(
        "shared kinks counted twice",
        "units that kink at the same x make one breakpoint, not one each: group the kinks by x.",
        answer=_regions_duplicates,
    ),
    Mistake(
        "ignores the interval",
        "count only the kinks inside (lo, hi): kinks outside the interval do not split it.",
        answer=_regions_all_kinks,
    ),
    Mistake(
        "kinks outside counted",
        "kinks outside [lo, hi] do not split it: count only the slope changes strictly "
        "inside (lo, hi).",
        answer=_regions_outside,
    ),
    Mistake(
        "units with a slope + 1",
        "not every unit with theta_d1 != 0 adds a region: its kink must lie strictly inside "
        "(lo, hi), and the output's slope must really change there (phi_d != 0, no "
        "cancelling units at the same x).",
        answer=_regions_slopes,
    ),
    Mistake(
        "D + 1",
        "D units do not always give D + 1 regions: kinks outside (lo, hi), shared kinks, "
        "phi_d = 0 and theta_d1 = 0 all give fewer.",
        answer=_regions_units,
    ),
]


# ---- interpolant_net ------------------------------------------------------------------------

FUNCTIONS = (
    "np.sin(3.0 * x)",
    "x ** 2 - 1.0",
    "np.abs(x - 0.3) - 0.5 * x",
    "np.exp(-x) * np.cos(2.0 * x)",
    "1.0 / (1.0 + x ** 2)",
    "np.tanh(2.0 * x) + 0.25 * x ** 3",
)


def _knots(rng: np.random.Generator, k: int, lo: float, hi: float) -> np.ndarray:
    """k sorted distinct knots on a grid of 1/1024 in [lo, hi]."""
    grid = np.arange(round(1024 * lo), round(1024 * hi) + 1)
    return np.sort(rng.choice(grid, k, replace=False)) / 1024.0


def _interpolant_cases(rng: np.random.Generator) -> list[Case]:
    cases = [
        Case(
            "public: f(x) = x**2 at knots -1, 0, 0.5, 2",
            (Lambda("x", "x ** 2"), np.array([-1.0, 0.0, 0.5, 2.0])),
            public=True,
        )
    ]
    for k, expr in zip((3, 5, 8, 12), FUNCTIONS, strict=False):
        lo = float(rng.uniform(-3.0, 0.0))
        hi = lo + float(rng.uniform(1.0, 4.0))
        cases.append(
            Case(f"random knots, K={k}, f(x) = {expr}", (Lambda("x", expr), _knots(rng, k, lo, hi)))
        )
    cases.append(Case("edge: K = 2 knots", (Lambda("x", "np.cos(x)"), np.array([-0.5, 1.25]))))
    cases.append(
        Case(
            "edge: constant f",
            (Lambda("x", "np.full_like(x, 1.5)"), np.array([0.0, 0.25, 1.0, 3.0])),
        )
    )
    cases.append(
        Case(
            "edge: unevenly spaced knots, two 1/1024 apart",
            (Lambda("x", "np.sin(5.0 * x)"), np.array([-1.0, -0.25, 0.5, 0.5 + 1 / 1024, 2.0])),
        )
    )
    cases.append(
        Case(
            "edge: all knots negative, f with a kink at a knot",
            (Lambda("x", "np.abs(x + 2.0)"), np.array([-4.0, -3.0, -2.0, -1.5, -0.5])),
        )
    )
    return cases


def _interp_points(knots: np.ndarray) -> np.ndarray:
    """Points of [knots[0], knots[-1]]: the knots, midpoints, points close to each knot, a grid."""
    a, b = knots[0], knots[-1]
    gap = np.min(np.diff(knots))
    near = np.concatenate([knots + 0.01 * gap, knots - 0.01 * gap])
    pts = np.concatenate([knots, 0.5 * (knots[1:] + knots[:-1]), near, np.linspace(a, b, 201)])
    return np.unique(pts[(pts >= a) & (pts <= b)])


def _interp_target(case: Case) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(points, the piecewise-linear interpolant there, f at the knots), computed in the grader."""
    (f, knots), _ = materialize(case.args)
    values = np.asarray(f(knots.copy()), dtype=np.float64)
    xs = _interp_points(knots)
    return xs, np.interp(xs, knots, values), values


def _as_net(value) -> tuple[np.ndarray, np.ndarray] | None:
    """(theta, phi) as float arrays when value is a well-formed finite shallow net, else None."""
    if not isinstance(value, list | tuple) or len(value) != 2:
        return None
    theta, phi = value
    if not (isinstance(theta, np.ndarray) and isinstance(phi, np.ndarray)):
        return None
    if theta.dtype.kind not in "iuf" or phi.dtype.kind not in "iuf":
        return None
    if theta.ndim != 2 or theta.shape[1] != 2 or phi.shape != (theta.shape[0] + 1,):
        return None
    theta, phi = theta.astype(np.float64), phi.astype(np.float64)
    if not (np.all(np.isfinite(theta)) and np.all(np.isfinite(phi))):
        return None
    return theta, phi


def _judge_interpolant(case: Case, value, expected, question: QuestionCases, args_after) -> Verdict:
    name = question.function
    knots = case.args[1]
    k = knots.shape[0]
    if not isinstance(value, list | tuple) or len(value) != 2:
        return Verdict.fail(f"{name} returned {describe(value)}; expected a tuple (theta, phi)")
    theta, phi = value
    for label, arr in (("theta", theta), ("phi", phi)):
        if not isinstance(arr, np.ndarray):
            return Verdict.fail(f"{name} returned {label} as {describe(arr)}; expected an array")
        if arr.dtype.kind not in "iuf":
            return Verdict.fail(f"{name} returned {label} of dtype {arr.dtype}; expected floats")
    if theta.ndim != 2 or theta.shape[1] != 2:
        return Verdict.fail(f"{name} returned theta of shape {theta.shape}; expected (D, 2)")
    d = theta.shape[0]
    if phi.shape != (d + 1,):
        return Verdict.fail(
            f"{name} returned phi of shape {phi.shape}; expected ({d + 1},) for {d} hidden units"
        )
    if d > k - 1:
        return Verdict.fail(
            f"{name} used {d} hidden units; at most {k - 1} are allowed for {k} knots"
        )
    if not (np.all(np.isfinite(theta)) and np.all(np.isfinite(phi))):
        return Verdict.fail(f"{name} returned theta or phi containing NaN or inf")
    xs, target, _ = _interp_target(case)
    got = shallow_net(xs, theta, phi)
    wrong = ~np.isclose(got, target, rtol=question.rtol, atol=question.atol)
    if not np.any(wrong):
        return Verdict.ok()
    at_knots = int(np.count_nonzero(wrong[np.isin(xs, knots)]))
    err = float(np.max(np.abs(got - target)[wrong]))
    return Verdict.fail(
        f"{name}'s network differs from the piecewise-linear interpolant of f at "
        f"{int(np.count_nonzero(wrong))} of {xs.size} points of [knots[0], knots[-1]] "
        f"({at_knots} of the {k} knots among them; largest error {err:.3g})"
    )


def _student_curve(case: Case, value) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(points, student's output, interpolant, f at knots); raises ValueError if malformed."""
    net = _as_net(value)
    if net is None:
        raise ValueError("not a shallow net")
    xs, target, values = _interp_target(case)
    return xs, shallow_net(xs, *net), target, values


def _is_offset(case: Case, value, args_after) -> bool:
    xs, got, target, _ = _student_curve(case, value)
    diff = got - target
    scale = 1e-6 * (1.0 + np.max(np.abs(target)))
    return bool(np.ptp(diff) <= scale and abs(diff[0]) > scale)


def _is_slopes_not_changes(case: Case, value, args_after) -> bool:
    """Unit k carries the slope of segment k instead of its change of slope."""
    xs, got, _, values = _student_curve(case, value)
    knots = case.args[1]
    slopes = np.diff(values) / np.diff(knots)
    wrong = values[0] + relu(xs[:, None] - knots[None, :-1]) @ slopes
    return bool(np.allclose(got, wrong, rtol=1e-6, atol=1e-7))


def _is_kink_sign(case: Case, value, args_after) -> bool:
    """Units relu(x + knots[k]) instead of relu(x - knots[k])."""
    xs, got, _, values = _student_curve(case, value)
    knots = case.args[1]
    slopes = np.diff(values) / np.diff(knots)
    changes = np.concatenate([slopes[:1], np.diff(slopes)])
    wrong = values[0] + relu(xs[:, None] + knots[None, :-1]) @ changes
    return bool(np.allclose(got, wrong, rtol=1e-6, atol=1e-7))


def _is_first_weight_zero(case: Case, value, args_after) -> bool:
    """The unit at knots[0] carries no slope: the curve is the interpolant minus the first
    segment's line."""
    xs, got, target, values = _student_curve(case, value)
    knots = case.args[1]
    slope0 = (values[1] - values[0]) / (knots[1] - knots[0])
    if slope0 == 0:
        return False
    return bool(np.allclose(got, target - slope0 * (xs - knots[0]), rtol=1e-6, atol=1e-7))


def _too_many_units(case: Case, value, args_after) -> bool:
    theta = value[0]
    return isinstance(theta, np.ndarray) and theta.ndim == 2 and theta.shape[0] >= case.args[1].size


def _plot_interpolant(case: Case, value, expected):
    """The student's network over the interpolant of f on [knots[0], knots[-1]]."""
    xs, target, _ = _interp_target(case)
    net = _as_net(value)
    got = shallow_net(xs, *net) if net is not None else None
    return curve_plot(x_arg=0, kinks=lambda _: case.args[1])(Case(case.name, (xs,)), got, target)


INTERPOLANT_MISTAKES = [
    Mistake(
        "too many units",
        "K knots bound K - 1 segments: one unit per segment (a kink at each knot but the last) "
        "is enough; the last knot needs no unit.",
        detect=_too_many_units,
    ),
    Mistake(
        "offset",
        "your network is off by a constant: choose phi_0 so the output equals f(knots[0]) at "
        "the first knot.",
        detect=_is_offset,
    ),
    Mistake(
        "first slope missing",
        "the unit kinking at knots[0] must carry the slope of the first segment; yours "
        "carries 0, so every segment's slope is off by it.",
        detect=_is_first_weight_zero,
    ),
    Mistake(
        "slopes instead of slope changes",
        "the unit kinking at knots[k] (k >= 1) must carry the CHANGE of slope there (slope of "
        "segment k minus slope of segment k - 1), not the slope of segment k.",
        detect=_is_slopes_not_changes,
    ),
    Mistake(
        "kink sign",
        "relu(theta_d0 + theta_d1 x) kinks at x = -theta_d0 / theta_d1: a unit kinking at "
        "knots[k] needs theta_d0 = -knots[k] * theta_d1.",
        detect=_is_kink_sign,
    ),
]


def _plot_kinks(case: Case, value, expected):
    """Each unit's pre-activation line, the reference kinks (black) and the student's (red)."""
    from matplotlib.figure import Figure

    theta = case.args[0]
    want = np.asarray(expected, dtype=float)
    got = value if isinstance(value, np.ndarray) and value.ndim == 1 else None
    xs = np.concatenate([want, got[np.isfinite(got)] if got is not None else []])
    lo, hi = (float(xs.min()) - 1.0, float(xs.max()) + 1.0) if xs.size else (-2.0, 2.0)
    x = np.linspace(lo, hi, 200)
    fig = Figure(figsize=(6.4, 3.6))
    ax = fig.add_subplot()
    for d, (t0, t1) in enumerate(theta):
        ax.plot(x, t0 + t1 * x, lw=1, alpha=0.6, label=f"unit {d + 1}: theta_0 + theta_1 x")
    ax.axhline(0, color="0.5", lw=0.8)
    ax.plot(want, np.zeros_like(want), "kx", ms=10, mew=2, label="reference kinks")
    if got is not None:
        ax.plot(
            got, np.zeros_like(got), "o", mfc="none", color="tab:red", ms=12, label="your kinks"
        )
    ax.set_xlim(lo, hi)
    ax.set_xlabel("x")
    ax.legend(loc="best", fontsize=7)
    ax.set_title(f"{case.name}: a kink is where a unit's pre-activation crosses 0", fontsize=9)
    return fig


def _plot_regions(case: Case, value, expected):
    """The net around [lo, hi], each kink drawn by what it does to the count.

    Solid blue: inside (lo, hi) where the output's slope changes (each splits a region); dotted:
    inside but the slope does not change (phi_d = 0, cancelling units); orange dashed: exactly
    on lo or hi; grey: outside [lo, hi], where the net is drawn greyed too. None of the last
    three splits [lo, hi].
    """
    from matplotlib.figure import Figure

    theta, phi, lo, hi = (np.asarray(case.args[0]), np.asarray(case.args[1]), *case.args[2:])
    groups = _kink_groups(theta, phi)
    xs = [x for x, _ in groups if np.isfinite(x)]
    width = hi - lo
    left = max(min([lo, *xs]) - 0.1 * width, lo - 2.0 * width)
    right = min(max([hi, *xs]) + 0.1 * width, hi + 2.0 * width)
    fig = Figure(figsize=(6.4, 3.8))
    ax = fig.add_subplot()
    for a, b in ((left, lo), (hi, right)):
        if b > a:
            ax.axvspan(a, b, color="0.85", zorder=0)
            xx = np.linspace(a, b, 201)
            ax.plot(xx, shallow_net(xx, theta, phi), color="0.6", lw=1.5)
    x = np.linspace(lo, hi, 801)
    ax.plot(x, shallow_net(x, theta, phi), color="0.1", lw=2, label=f"the net on [{lo:g}, {hi:g}]")
    styles = {
        "split": ("tab:blue", "-", 1.2, "kink inside: the slope changes (splits a region)"),
        "flat": ("tab:blue", ":", 1.0, "kink inside, slope unchanged (no split)"),
        "end": ("tab:orange", "--", 1.2, "kink exactly on lo or hi (no split)"),
        "out": ("0.55", "-", 1.0, "kink outside [lo, hi] (no split)"),
    }
    seen = set()
    scale = max((abs(v) for _, j in groups for v in j), default=1.0)
    for k, jumps in groups:
        if not np.isfinite(k) or not left <= k <= right:
            continue
        if k < lo or k > hi:
            kind = "out"
        elif k == lo or k == hi:
            kind = "end"
        else:
            kind = "split" if abs(sum(jumps)) > 1e-9 * scale else "flat"
        colour, ls, lw, label = styles[kind]
        ax.axvline(k, color=colour, ls=ls, lw=lw, label=None if kind in seen else label)
        seen.add(kind)
    ax.set_xlim(left, right)
    ax.set_xlabel("x")
    ax.legend(loc="best", fontsize=7)
    ax.set_title(
        f"{case.name}\nreference {expected} regions on [{lo:g}, {hi:g}], your answer {value!r:.20}",
        fontsize=9,
    )
    return fig


QUESTIONS = {
    "relu": QuestionCases(
        function="relu",
        generate=_relu_cases,
        reference=relu,
        mistakes=RELU_MISTAKES,
        plot=curve_plot(x_arg=0),
    ),
    "shallow_net": QuestionCases(
        function="shallow_net",
        generate=_shallow_net_cases,
        reference=shallow_net,
        mistakes=SHALLOW_NET_MISTAKES,
        plot=curve_plot(x_arg=0, kinks=lambda case: kink_locations(case.args[1])),
    ),
    "kink_locations": QuestionCases(
        function="kink_locations",
        generate=_kink_cases,
        reference=kink_locations,
        mistakes=KINK_MISTAKES,
        plot=_plot_kinks,
    ),
    "count_linear_regions": QuestionCases(
        function="count_linear_regions",
        generate=_count_cases,
        reference=count_linear_regions,
        mistakes=COUNT_MISTAKES,
        plot=_plot_regions,
    ),
    "interpolant_net": QuestionCases(
        function="interpolant_net",
        generate=_interpolant_cases,
        reference=interpolant_net,
        judge=_judge_interpolant,
        mistakes=INTERPOLANT_MISTAKES,
        plot=_plot_interpolant,
    ),
}
