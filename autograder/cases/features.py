"""Hidden cases for `features`: add_radius_feature, fit_logistic_regression, predict.

Random instances are noisy rings (raw, lifted by the radius feature, or one-dimensional) of
several sizes; fit_logistic_regression always passes ``steps`` (at most 300) so the reference
stays fast. Edge cases: points at the origin and on the unit circle, a single row, labels given
as an integer array, one class only, and decision scores X @ w + b exactly 0 (all values are
multiples of 1/8, so the products and sums are exact).
"""

from __future__ import annotations

import numpy as np

from autograder.cases.base import Case, Mistake, QuestionCases
from autograder.plots import decision_boundary_plot, gradient_error_plot, prediction_plot
from reference.features import add_radius_feature, fit_logistic_regression, predict, sigmoid

# ---- data -----------------------------------------------------------------------------------


def _rings(rng: np.random.Generator, n_per_class: int, noise: float = 0.2) -> tuple:
    """Two noisy rings (label 1 inside at radius 1, label 0 outside at radius 2.5), rounded."""
    xs, ys = [], []
    for label, radius in ((1.0, 1.0), (0.0, 2.5)):
        angle = rng.uniform(0.0, 2.0 * np.pi, n_per_class)
        r = np.abs(radius + noise * rng.standard_normal(n_per_class))
        xs.append(np.column_stack([r * np.cos(angle), r * np.sin(angle)]))
        ys.append(np.full(n_per_class, label))
    order = rng.permutation(2 * n_per_class)
    return np.concatenate(xs)[order].round(4), np.concatenate(ys)[order]


def _public_rings() -> tuple[np.ndarray, np.ndarray]:
    """Eight points: four on the unit circle (label 1), four at radius 2 (label 0)."""
    X = np.array(
        [
            [1.0, 0.0],
            [0.0, 1.0],
            [-1.0, 0.0],
            [0.0, -1.0],
            [2.0, 0.0],
            [0.0, 2.0],
            [-2.0, 0.0],
            [0.0, -2.0],
        ]
    )
    return X, np.array([1.0, 1.0, 1.0, 1.0, 0.0, 0.0, 0.0, 0.0])


# ---- add_radius_feature ---------------------------------------------------------------------


def _radius_cases(rng: np.random.Generator) -> list[Case]:
    cases = [
        Case(
            "public: four small points",
            (np.array([[0.0, 0.0], [1.0, 2.0], [-3.0, 0.5], [0.5, -0.5]]),),
            public=True,
        )
    ]
    for n, scale in [(1, 1.0), (5, 2.0), (30, 3.0), (64, 10.0)]:
        cases.append(Case(f"random points N={n}", (rng.normal(0.0, scale, (n, 2)),)))
    X, _ = _rings(rng, 20)
    cases.append(Case("ring data N=40", (X,)))
    cases.append(
        Case(
            "edge: origin, unit circle, negative and large coordinates",
            (np.array([[0.0, 0.0], [-1.0, 0.0], [0.6, -0.8], [-2.5, -4.0], [1e3, -2e3]]),),
            weight=2.0,
        )
    )
    return cases


def _radius_sqrt(case: Case) -> np.ndarray:
    (X,) = case.args
    return np.column_stack([X, np.sqrt(X[:, 0] ** 2 + X[:, 1] ** 2)])


def _radius_sum_squared(case: Case) -> np.ndarray:
    (X,) = case.args
    return np.column_stack([X, (X[:, 0] + X[:, 1]) ** 2])


# ---- fit_logistic_regression ----------------------------------------------------------------


def _fit_cases(rng: np.random.Generator) -> list[Case]:
    X, y = _public_rings()
    cases = [
        Case(
            "public: 8 ring points lifted by the radius feature, lr=0.5, steps=50",
            (add_radius_feature(X), y),
            {"lr": 0.5, "steps": 50},
            public=True,
        )
    ]
    for n, lr, steps in [(10, 0.1, 200), (25, 0.5, 150)]:
        X, y = _rings(rng, n)
        cases.append(
            Case(
                f"lifted rings N={2 * n}, lr={lr}, steps={steps}",
                (add_radius_feature(X), y),
                {"lr": lr, "steps": steps},
            )
        )
    X, y = _rings(rng, 15)
    cases.append(Case("raw rings N=30 (not separable), lr=0.3, steps=100", (X, y, 0.3, 100)))
    # Default learning rate (0.1): only steps is given.
    X, y = _rings(rng, 12)
    cases.append(
        Case("lifted rings N=24, default lr, steps=300", (add_radius_feature(X), y), {"steps": 300})
    )
    # One feature, overlapping classes, labels as an int array.
    x1 = np.concatenate([rng.normal(-1.0, 1.0, 12), rng.normal(1.0, 1.0, 12)]).round(3)
    y1 = np.repeat(np.array([0, 1], dtype=np.int64), 12)
    cases.append(
        Case(
            "one feature, int labels, N=24, lr=0.2, steps=120",
            (x1[:, None], y1),
            {"lr": 0.2, "steps": 120},
        )
    )
    cases.append(
        Case(
            "edge: a single row, label 1, lr=1.0, steps=5",
            (np.array([[0.5, -1.0, 1.25]]), np.array([1.0])),
            {"lr": 1.0, "steps": 5},
        )
    )
    X = rng.normal(0.0, 1.0, (10, 2)).round(3)
    cases.append(
        Case(
            "edge: one class only (all labels 0), lr=0.5, steps=40",
            (X, np.zeros(10)),
            {"lr": 0.5, "steps": 40},
        )
    )
    return cases


def _fit_summed_gradient(case: Case) -> tuple[np.ndarray, float]:
    """Gradient summed over the rows instead of averaged: the same as lr multiplied by N."""
    X, y, *rest = case.args
    lr = rest[0] if rest else case.kwargs.get("lr", 0.1)
    steps = rest[1] if len(rest) > 1 else case.kwargs.get("steps", 1000)
    return fit_logistic_regression(X, y, lr=lr * X.shape[0], steps=steps)


def _fit_no_bias(case: Case) -> tuple[np.ndarray, float]:
    X, y, *rest = case.args
    lr = rest[0] if rest else case.kwargs.get("lr", 0.1)
    steps = rest[1] if len(rest) > 1 else case.kwargs.get("steps", 1000)
    w = np.zeros(X.shape[1])
    for _ in range(int(steps)):
        w = w - lr * X.T @ (sigmoid(X @ w) - y) / X.shape[0]
    return w, 0.0


def _fit_ascent(case: Case) -> tuple[np.ndarray, float]:
    X, y, *rest = case.args
    lr = rest[0] if rest else case.kwargs.get("lr", 0.1)
    steps = rest[1] if len(rest) > 1 else case.kwargs.get("steps", 1000)
    return fit_logistic_regression(X, y, lr=-lr, steps=steps)


# ---- predict --------------------------------------------------------------------------------


def _exact_instance(rng: np.random.Generator, n: int, d: int, n_zero: int) -> tuple:
    """X (multiples of 1/4), w (multiples of 1/2), b with X[i] @ w + b == 0 for n_zero rows.

    Every product is a multiple of 1/8 below 2**10, so X @ w + b is computed exactly.
    """
    X = rng.integers(-12, 13, (n, d)) / 4.0
    w = rng.integers(-6, 7, d) / 2.0
    if not np.any(w):
        w[0] = 1.0
    b = float(-(X[0] @ w))
    # Copy row 0 (score exactly 0) into n_zero - 1 other random rows.
    for i in rng.choice(np.arange(1, n), size=n_zero - 1, replace=False):
        X[i] = X[0]
    return X, w, b


def _predict_cases(rng: np.random.Generator) -> list[Case]:
    X = np.array([[1.0, 2.0], [0.5, -1.0], [-2.0, 0.0], [0.0, 0.0]])
    cases = [
        Case(
            "public: 4 points, w=(1, -0.5), b=0 (two scores are exactly 0)",
            (X, np.array([1.0, -0.5]), 0.0),
            public=True,
        )
    ]
    for n, d, n_zero in [(8, 2, 2), (20, 3, 3), (40, 2, 4)]:
        X, w, b = _exact_instance(rng, n, d, n_zero)
        cases.append(Case(f"N={n}, d={d}, {n_zero} scores exactly 0", (X, w, b)))
    X, y = _rings(rng, 15)
    Xl = add_radius_feature(X)
    w, b = fit_logistic_regression(Xl, y, lr=0.5, steps=100)
    cases.append(Case("lifted rings N=30 with a fitted (w, b)", (Xl, w, b)))
    cases.append(
        Case(
            "edge: w = 0 and b = 0 (every score exactly 0)",
            (rng.normal(0.0, 1.0, (6, 2)).round(2), np.zeros(2), 0.0),
            weight=2.0,
        )
    )
    cases.append(
        Case(
            "edge: integer b, scores exactly 0 on the line x1 + x2 = 1",
            (np.array([[0.5, 0.5], [1.0, 0.0], [2.0, 1.0], [-1.0, 0.5]]), np.array([1.0, 1.0]), -1),
            weight=2.0,
        )
    )
    return cases


def _predict_geq(case: Case) -> np.ndarray:
    X, w, b = case.args
    return (X @ w + b >= 0).astype(np.int64)


def _predict_probabilities(case: Case) -> np.ndarray:
    X, w, b = case.args
    return sigmoid(X @ w + b)


def _fit_b_after_w(case: Case):
    X, y = case.args[0], case.args[1]
    lr = case.args[2] if len(case.args) > 2 else case.kwargs.get("lr", 0.1)
    steps = case.args[3] if len(case.args) > 3 else case.kwargs.get("steps", 1000)
    X, y = np.asarray(X, dtype=float), np.asarray(y, dtype=float)
    w, b = np.zeros(X.shape[1]), 0.0
    for _ in range(int(steps)):
        w = w - lr * X.T @ (sigmoid(X @ w + b) - y) / X.shape[0]
        b = b - lr * float(np.mean(sigmoid(X @ w + b) - y))
    return w, b


QUESTIONS = {
    "add_radius_feature": QuestionCases(
        function="add_radius_feature",
        generate=_radius_cases,
        reference=add_radius_feature,
        mistakes=[
            Mistake(
                "radius instead of squared radius",
                "the new column is the squared radius x1**2 + x2**2, without a square root.",
                answer=_radius_sqrt,
            ),
            Mistake(
                "square of the sum",
                "the new column is x1**2 + x2**2 (square each coordinate, then add), "
                "not (x1 + x2)**2.",
                answer=_radius_sum_squared,
            ),
        ],
        plot=gradient_error_plot(["X with its radius feature"]),
    ),
    "fit_logistic_regression": QuestionCases(
        function="fit_logistic_regression",
        generate=_fit_cases,
        reference=fit_logistic_regression,
        mistakes=[
            Mistake(
                "summed gradient",
                "the loss is the MEAN cross-entropy over the N rows, so its gradient is an "
                "average over the rows, for w and for b (yours is N times too large).",
                answer=_fit_summed_gradient,
            ),
            Mistake(
                "bias not trained",
                "b is a parameter too: update it every step, from the same residuals p - y as w.",
                answer=_fit_no_bias,
            ),
            Mistake(
                "gradient ascent",
                "gradient DEscent steps against the gradient (your loss goes up).",
                answer=_fit_ascent,
            ),
            Mistake(
                "b from the updated w",
                "each step computes p = sigmoid(X w + b) once and updates w and b together from "
                "it; you recomputed p with the new w before updating b.",
                answer=_fit_b_after_w,
            ),
        ],
        plot=decision_boundary_plot(x_arg=0, y_arg=1),
    ),
    "predict": QuestionCases(
        function="predict",
        generate=_predict_cases,
        reference=predict,
        mistakes=[
            Mistake(
                ">= instead of >",
                "a score of exactly 0 is class 0: predict 1 only where X @ w + b > 0 (strictly).",
                answer=_predict_geq,
            ),
            Mistake(
                "probabilities instead of labels",
                "predict returns labels 0/1 as an int array, not the probabilities "
                "sigmoid(X @ w + b).",
                answer=_predict_probabilities,
            ),
        ],
        plot=prediction_plot(x_arg=0, w_arg=1, b_arg=2),
    ),
}
