"""Hidden cases for `backprop`: forward, mse, backward, numerical_gradient, train.

Random instances cover several sizes and all three activations. Edge cases: pre-activations
exactly 0 (integer x and w built so that some x[i] @ w[:, j] == 0, where relu'(0) = 0 matters),
hidden units with all-zero weights, one row, a perfect prediction (zero loss), and parameters
of rank 1, 2 and 3 for numerical_gradient. numerical_gradient receives a zero-argument
:class:`Lambda` that reads the very array passed as ``param`` (``ArgRef(1)``); its judge also
checks that ``param`` is bit-identical after the call. train is judged by properties (the API
does not fix the initialisation): shapes, finite losses, one per step, loss going down, and
losses consistent with the real gradient-descent dynamics at the returned weights, computed
here with the reference forward, mse and backward.
"""

from __future__ import annotations

import copy
from typing import Any

import numpy as np

from autograder.cases.base import (
    ArgRef,
    Case,
    Lambda,
    Mistake,
    QuestionCases,
    materialize,
    profiled,
)
from autograder.compare import Verdict, compare, describe
from autograder.plots import gradient_error_plot, loss_curve_plot
from reference.backprop import (
    activate,
    activation_derivative,
    backward,
    forward,
    mse,
    numerical_gradient,
    train,
)
from reference.features import sigmoid

# ---- instances ------------------------------------------------------------------------------

SIZES = [  # (N, n_in, n_hidden, n_out, activation)
    (4, 2, 3, 1, "relu"),
    (6, 3, 5, 2, "sigmoid"),
    (10, 4, 6, 3, "tanh"),
    (1, 1, 1, 1, "sigmoid"),
    (12, 2, 8, 1, "relu"),
    (8, 3, 4, 2, "tanh"),
]


def _random_net(rng: np.random.Generator, n: int, n_in: int, n_hidden: int, n_out: int) -> tuple:
    x = rng.normal(0.0, 1.0, (n, n_in)).round(3)
    w = rng.normal(0.0, 1.0 / np.sqrt(n_in), (n_in, n_hidden)).round(3)
    v = rng.normal(0.0, 1.0, (n_hidden, n_out)).round(3)
    return x, w, v


def _zero_preactivation_net(rng: np.random.Generator, n: int, n_in: int, n_hidden: int) -> tuple:
    """Integer x (N, n_in >= 2) and w with x[i] @ w[:, j] == 0 exactly for a few (i, j).

    For each of the first min(3, n_hidden) units j, a row i with a nonzero first or second
    entry is picked and w[:, j] is set to (x[i, 1], -x[i, 0], 0, ...), orthogonal to x[i].
    """
    x = rng.integers(-2, 3, (n, n_in)).astype(float)
    w = rng.integers(-2, 3, (n_in, n_hidden)).astype(float)
    for j in range(min(3, n_hidden)):
        i = int(rng.integers(n))
        if x[i, 0] == 0 and x[i, 1] == 0:
            x[i, 0] = 1.0
        w[:, j] = 0.0
        w[0, j], w[1, j] = x[i, 1], -x[i, 0]
    return x, w


def _public_net() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """3 rows, 2 inputs, 3 hidden units (the third with all-zero weights), 1 output."""
    x = np.array([[1.0, 2.0], [-1.0, 0.5], [2.0, -1.0]])
    w = np.array([[1.0, -1.0, 0.0], [0.5, 1.0, 0.0]])
    v = np.array([[1.0], [2.0], [-1.0]])
    return x, w, v


def _activation_of(case: Case, position: int) -> str:
    if len(case.args) > position:
        return case.args[position]
    return case.kwargs.get("activation", "relu")


# ---- forward --------------------------------------------------------------------------------


def _forward_cases(rng: np.random.Generator) -> list[Case]:
    x, w, v = _public_net()
    cases = [Case("public: 3 rows, 2 inputs, 3 hidden units, relu", (x, w, v, "relu"), public=True)]
    for n, n_in, n_hidden, n_out, act in SIZES:
        name = f"random N={n}, n_in={n_in}, n_hidden={n_hidden}, n_out={n_out}, {act}"

        def draw(r: np.random.Generator, size=(n, n_in, n_hidden, n_out)) -> tuple:
            return _random_net(r, *size)

        mistakes = lambda: QUESTIONS["forward"].mistakes  # noqa: E731
        cases.append(profiled(rng, name, draw, forward, mistakes, kwargs={"activation": act}))

    def zero(r: np.random.Generator) -> tuple:
        x, w = _zero_preactivation_net(r, 6, 3, 4)
        return x, w, r.integers(-2, 3, (4, 2)).astype(float)

    name = "edge: pre-activations exactly 0, default activation"
    mistakes = lambda: QUESTIONS["forward"].mistakes  # noqa: E731
    cases.append(profiled(rng, name, zero, forward, mistakes, weight=2.0))
    x = np.array([[30.0, -1.0], [-30.0, 2.0], [0.0, 0.0]])
    w = np.array([[1.0, 0.0, 0.5], [0.0, 0.0, -1.0]])
    v = np.array([[1.0, -1.0], [2.0, 0.5], [0.5, 1.0]])
    for act in ("sigmoid", "tanh"):
        cases.append(
            Case(
                f"edge: large |z|, a unit with zero weights, a zero row, {act}",
                (x, w, v, act),
                weight=1.5,
            )
        )
    return cases


def _forward_no_activation(case: Case) -> tuple:
    x, w, v = case.args[:3]
    z = x @ w
    return z, z, z @ v


def _forward_y_from_z(case: Case) -> tuple:
    x, w, v = case.args[:3]
    z = x @ w
    return z, activate(z, _activation_of(case, 3)), z @ v


def _forward_relu_always(case: Case) -> tuple:
    return forward(*case.args[:3], "relu")


def _forward_activation_on_output(case: Case) -> tuple:
    x, w, v = case.args[:3]
    act = _activation_of(case, 3)
    z = x @ w
    h = activate(z, act)
    return z, h, activate(h @ v, act)


# ---- mse ------------------------------------------------------------------------------------


def _mse_cases(rng: np.random.Generator) -> list[Case]:
    cases = [
        Case(
            "public: y = (1, 2, 3), t = (1, 0, 4) as columns",
            (np.array([[1.0], [2.0], [3.0]]), np.array([[1.0], [0.0], [4.0]])),
            public=True,
        )
    ]
    for n, n_out in [(5, 1), (8, 3), (20, 2), (1, 2)]:
        y = rng.normal(0.0, 1.0, (n, n_out)).round(3)
        t = rng.normal(0.0, 1.0, (n, n_out)).round(3)
        cases.append(Case(f"random N={n}, n_out={n_out}", (y, t)))
    y = rng.normal(0.0, 1.0, (4, 2)).round(3)
    cases.append(Case("edge: perfect prediction y == t", (y, y.copy())))
    return cases


def _mse_parts(case: Case) -> tuple[np.ndarray, int, int]:
    y, t = case.args
    return y - t, y.shape[0], int(np.prod(y.shape[1:], dtype=int))


def _close(value: Any, want: Any) -> bool:
    return compare(value, want, "mse").passed


def _mse_detect(loss_scale, grad_of) -> Any:
    """A detector: the answer's L equals loss_scale(N, n_out) * sum(r**2) or its dL_dy equals
    grad_of(r, N, n_out), where the correct formula gives something else on this case."""

    def detect(case: Case, value: Any, _after: list) -> bool:
        if not isinstance(value, list | tuple) or len(value) != 2:
            return False
        r, n, k = _mse_parts(case)
        right_l, right_g = mse(*case.args)
        wrong_l = float(loss_scale(n, k) * np.sum(r**2))
        wrong_g = grad_of(r, n, k)
        l_hit = not _close(wrong_l, right_l) and _close(value[0], wrong_l)
        g_hit = not _close(wrong_g, right_g) and _close(value[1], wrong_g)
        return l_hit or g_hit

    return detect


# ---- backward -------------------------------------------------------------------------------


def _backward_case(name: str, x, w, v, t, act: str, **kw) -> Case:
    z, h, y = forward(x, w, v, act)
    _, dL_dy = mse(y, t)
    return Case(name, (x, w, v, z, h, dL_dy), {"activation": act}, **kw)


def _backward_cases(rng: np.random.Generator) -> list[Case]:
    x, w, v = _public_net()
    t = np.array([[1.0], [0.0], [2.0]])
    cases = [
        _backward_case("public: the 3-row net of forward, relu", x, w, v, t, "relu", public=True)
    ]
    for n, n_in, n_hidden, n_out, act in SIZES:
        name = f"random N={n}, n_in={n_in}, n_hidden={n_hidden}, n_out={n_out}, {act}"

        def draw(r: np.random.Generator, size=(n, n_in, n_hidden, n_out), act=act) -> tuple:
            x, w, v = _random_net(r, *size)
            t = r.normal(0.0, 1.0, (size[0], size[3])).round(3)
            return _backward_case("", x, w, v, t, act).args

        mistakes = lambda: QUESTIONS["backward"].mistakes  # noqa: E731
        spare = ("relu'(0) = 1",) if act == "relu" else ()
        kwargs = {"activation": act}
        cases.append(profiled(rng, name, draw, backward, mistakes, spare=spare, kwargs=kwargs))
    for n, n_in, n_hidden, n_out in [(5, 2, 3, 1), (8, 3, 5, 2)]:
        name = f"edge: relu with pre-activations exactly 0, N={n}, n_hidden={n_hidden}"

        def draw(r: np.random.Generator, size=(n, n_in, n_hidden, n_out)) -> tuple:
            n, n_in, n_hidden, n_out = size
            x, w = _zero_preactivation_net(r, n, n_in, n_hidden)
            v = r.integers(1, 3, (n_hidden, n_out)) * r.choice([-1.0, 1.0], (n_hidden, n_out))
            t = r.integers(-3, 4, (n, n_out)) + 0.5
            return _backward_case("", x, w, v, t, "relu").args

        mistakes = lambda: QUESTIONS["backward"].mistakes  # noqa: E731
        kwargs = {"activation": "relu"}
        cases.append(profiled(rng, name, draw, backward, mistakes, kwargs=kwargs, weight=2.0))
    x, w, v = _public_net()
    t = np.array([[1.0], [0.0], [2.0]])
    for act in ("sigmoid", "tanh"):
        cases.append(_backward_case(f"edge: a unit with all-zero weights, {act}", x, w, v, t, act))
    return cases


def _backward_with(case: Case, dz_factor) -> tuple[np.ndarray, np.ndarray]:
    x, w, v, z, h, dL_dy = case.args
    act = _activation_of(case, 6)
    dL_dh = dL_dy @ v.T
    return x.T @ (dL_dh * dz_factor(z, h, act)), h.T @ dL_dy


def _relu_prime_zero_is_one(case: Case):
    if _activation_of(case, 6) != "relu":
        raise ValueError("only relu has a kink")
    return _backward_with(case, lambda z, h, a: (z >= 0).astype(float))


def _sigmoid_prime_as_sigmoid(case: Case):
    if _activation_of(case, 6) != "sigmoid":
        raise ValueError("only for sigmoid")
    return _backward_with(case, lambda z, h, a: sigmoid(z))


def _derivative_at_h(case: Case):
    if _activation_of(case, 6) == "relu":
        raise ValueError("relu'(h) equals relu'(z)")
    return _backward_with(case, lambda z, h, a: activation_derivative(h, a))


def _no_derivative(case: Case):
    return _backward_with(case, lambda z, h, a: np.ones_like(z))


def _dv_from_z(case: Case):
    x, w, v, z, h, dL_dy = case.args
    return backward(*case.args, **case.kwargs)[0], z.T @ dL_dy


# ---- numerical_gradient ---------------------------------------------------------------------

_SIN2 = "float(np.sum(np.sin(A @ p) ** 2))"
_NET_LOSS = "float(np.sum((np.tanh(x @ p) @ v - t) ** 2) / x.shape[0])"
_SOFTPLUS = "float(np.sum(np.log1p(np.exp(B @ p.ravel()))) + 0.5 * np.sum(p ** 2))"
_COS = "float(np.sum(c * np.cos(p)) + np.prod(p))"


def _numgrad_case(name: str, expr: str, data: dict, param: np.ndarray, *eps, **kw) -> Case:
    f = Lambda("", expr, {**data, "p": ArgRef(1)})
    return Case(name, (f, param, *eps), **kw)


# course.yml's tolerance for numerical_gradient: a one-sided difference is within it or not
# depending on the instance, so the kinds are profiled under it (see profiled).
_NUMGRAD_TOL = {"rtol": 1.0e-4, "atol": 1.0e-6}


def _numgrad_kind(rng, name: str, draw, **kw) -> Case:
    """A profiled numerical_gradient kind; ``draw(r)`` returns (expr, data, param, *eps)."""

    def args(r: np.random.Generator) -> tuple:
        expr, data, param, *eps = draw(r)
        return _numgrad_case(name, expr, data, param, *eps).args

    return profiled(
        rng,
        name,
        args,
        numerical_gradient,
        lambda: QUESTIONS["numerical_gradient"].mistakes,
        tolerance=_NUMGRAD_TOL,
        **kw,
    )


def _numgrad_cases(rng: np.random.Generator) -> list[Case]:
    A = np.array([[1.0, 0.5, -1.0], [0.0, 2.0, 1.0]])
    cases = [
        _numgrad_case(
            "public: f(p) = sum(sin(A @ p)**2), p of shape (3,)",
            _SIN2,
            {"A": A},
            np.array([0.5, -1.0, 2.0]),
            public=True,
        )
    ]
    cases.append(
        _numgrad_kind(
            rng,
            "sin^2 of A @ p, p of shape (4,)",
            lambda r: (_SIN2, {"A": r.normal(0, 1, (3, 4))}, r.normal(0.0, 1.0, 4)),
        )
    )
    cases.append(
        _numgrad_kind(
            rng,
            "sin^2 of A @ p, p of shape (2, 3)",
            lambda r: (_SIN2, {"A": r.normal(0, 1, (4, 2))}, r.normal(0.0, 1.0, (2, 3))),
        )
    )

    def net(r: np.random.Generator) -> tuple:
        x = r.normal(0.0, 1.0, (6, 3))
        v = r.normal(0.0, 1.0, (4, 2))
        t = r.normal(0.0, 1.0, (6, 2))
        w = r.normal(0.0, 0.6, (3, 4))
        return _NET_LOSS, {"x": x, "v": v, "t": t}, w

    cases.append(
        _numgrad_kind(rng, "network loss as a function of w (3, 4), tanh", net, weight=2.0)
    )
    cases.append(
        _numgrad_kind(
            rng,
            "softplus, p of shape (3, 2), eps=1e-3",
            lambda r: (_SOFTPLUS, {"B": r.normal(0.0, 1.0, (5, 6))}, r.normal(0, 1, (3, 2)), 1e-3),
        )
    )
    cases.append(
        _numgrad_kind(
            rng,
            "edge: p of shape (2, 1, 3), eps=1e-4 as a keyword",
            lambda r: (_COS, {"c": r.normal(0.0, 1.0, (2, 1, 3))}, r.normal(0, 1, (2, 1, 3))),
            kwargs={"eps": 1e-4},
        )
    )
    cases.append(
        _numgrad_kind(
            rng,
            "edge: a single parameter, eps=1e-5",
            lambda r: (_COS, {"c": np.array([2.0])}, np.array([r.normal()]), 1e-5),
        )
    )
    return cases


def _restore_problem(case: Case, args_after: list) -> str:
    """'' when param (argument 1) is bit-identical after the call, else what changed."""
    if len(args_after) < 2 or args_after[1] is None:
        return ""
    before = np.asarray(case.args[1])
    after = args_after[1]
    if not isinstance(after, np.ndarray) or after.shape != before.shape:
        return f"param is now {describe(after)}; it was of shape {before.shape}"
    if after.dtype != before.dtype:
        return f"param now has dtype {after.dtype}; it was {before.dtype}"
    a = np.ascontiguousarray(after).view(np.uint8).reshape(after.size, -1)
    b = np.ascontiguousarray(before).view(np.uint8).reshape(before.size, -1)
    changed = np.any(a != b, axis=1)
    if not changed.any():
        return ""
    with np.errstate(invalid="ignore"):
        delta = float(
            np.nanmax(np.abs(after.astype(float) - before.astype(float)).ravel()[changed])
        )
    return (
        f"{int(changed.sum())} of {before.size} entries differ from before the call "
        f"(largest change {delta:.3g}); f reads param, so later probes and the caller see the "
        "changed values"
    )


def _judge_numgrad(
    case: Case, value: Any, expected: Any, qc: QuestionCases, args_after: list
) -> Verdict:
    verdict = compare(value, expected, qc.function, rtol=qc.rtol, atol=qc.atol)
    if not verdict.passed:
        return verdict
    problem = _restore_problem(case, args_after)
    if problem:
        return Verdict.fail(f"numerical_gradient did not restore param: {problem}")
    return verdict


def _not_restored(case: Case, value: Any, args_after: list) -> bool:
    return bool(_restore_problem(case, args_after))


def _eps_of(case: Case) -> float:
    return case.args[2] if len(case.args) > 2 else case.kwargs.get("eps", 1e-6)


def _one_sided(case: Case) -> np.ndarray:
    (f, p, *_), _ = materialize(copy.deepcopy(case.args), copy.deepcopy(case.kwargs))
    eps = _eps_of(case)
    base = float(f())
    grad = np.zeros(p.shape)
    for idx in np.ndindex(p.shape):
        old = p[idx].copy()
        p[idx] = old + eps
        grad[idx] = (float(f()) - base) / eps
        p[idx] = old
    return grad


def _over_eps(case: Case) -> np.ndarray:
    args, kwargs = materialize(copy.deepcopy(case.args), copy.deepcopy(case.kwargs))
    return 2.0 * numerical_gradient(*args, **kwargs)


# ---- train ----------------------------------------------------------------------------------


def _symmetric_inputs(rng: np.random.Generator, half: int, n_in: int) -> np.ndarray:
    """Rows and their negatives, so no ReLU unit is inactive on every row whatever w is."""
    x = rng.uniform(-1.0, 1.0, (half, n_in)).round(3)
    return np.concatenate([x, -x])


def _train_cases(rng: np.random.Generator) -> list[Case]:
    x = np.linspace(-1.0, 1.0, 8)[:, None]
    t = 0.5 * x + 0.25 + np.abs(x)
    cases = [
        Case(
            "public: 8 points of 0.5 x + 0.25 + |x|, n_hidden=4, lr=0.05, steps=30, seed=0",
            (x, t, 4, 0.05, 30, 0),
            public=True,
        )
    ]
    for half, n_in, n_hidden, n_out, steps in [
        (5, 1, 3, 1, 20),
        (10, 2, 5, 1, 40),
        (8, 3, 6, 2, 60),
    ]:
        x = _symmetric_inputs(rng, half, n_in)
        M = rng.uniform(-1.0, 1.0, (n_in, n_out)).round(2)
        t = (x @ M + np.abs(x).sum(axis=1, keepdims=True) + 0.5).round(3)
        seed = int(rng.integers(0, 2**31))
        cases.append(
            Case(
                f"N={2 * half}, n_in={n_in}, n_hidden={n_hidden}, n_out={n_out}, lr=0.05, "
                f"steps={steps}",
                (x, t, n_hidden, 0.05, steps, seed),
            )
        )
    return cases


def _loss_of(case: Case, w: np.ndarray, v: np.ndarray) -> float:
    """The training loss of (w, v) on the case's (x, t), computed with the reference."""
    x, t = case.args[0], case.args[1]
    with np.errstate(all="ignore"):
        _, _, y = forward(x, w, v, "relu")
        return mse(y, t)[0]


def _losses_array(losses: Any) -> np.ndarray | None:
    if isinstance(losses, np.ndarray):
        return losses.astype(float) if losses.ndim == 1 and losses.dtype.kind in "iuf" else None
    if isinstance(losses, list | tuple) and all(
        isinstance(v, int | float | np.integer | np.floating) and not isinstance(v, bool | np.bool_)
        for v in losses
    ):
        return np.array([float(v) for v in losses])
    return None


def _judge_train(
    case: Case, value: Any, expected: Any, qc: QuestionCases, args_after: list
) -> Verdict:
    """Judge a training run by properties (the API leaves the initialisation open).

    w (n_in, n_hidden) and v (n_hidden, n_out) finite float arrays; losses one finite,
    non-negative number per step, as a list (the API's type) or a tuple or 1-D array (accepted:
    they carry the same numbers); the last loss below the first; and the loss of the returned
    (w, v), computed here with the reference forward and mse, below losses[0]. Then the
    numbers must fit the real dynamics at the returned weights (:func:`_train_consistency`).
    """
    x, t, n_hidden, _lr, steps, _seed = case.args
    n_in, n_out = x.shape[1], t.shape[1]
    if not isinstance(value, list | tuple) or len(value) != 3:
        return Verdict.fail(f"train returned {describe(value)}; expected a tuple (w, v, losses)")
    w, v, losses = value
    for name, arr, shape, what in (
        ("w", w, (n_in, n_hidden), "(n_in, n_hidden)"),
        ("v", v, (n_hidden, n_out), "(n_hidden, n_out)"),
    ):
        if not isinstance(arr, np.ndarray) or arr.dtype.kind not in "iuf":
            return Verdict.fail(f"train returned {name} as {describe(arr)}; expected a float array")
        if arr.shape != shape:
            return Verdict.fail(
                f"train returned {name} of shape {arr.shape}; expected {what} = {shape}"
            )
        if not np.all(np.isfinite(arr)):
            return Verdict.fail(f"train returned {name} with NaN or inf entries")
    ls = _losses_array(losses)
    if ls is None:
        return Verdict.fail(
            f"train returned losses as {describe(losses)}; expected a list of {steps} floats"
        )
    if ls.shape[0] != steps:
        return Verdict.fail(
            f"train returned {ls.shape[0]} losses; expected {steps}, one per step "
            "(the loss before each update)"
        )
    if not np.all(np.isfinite(ls)):
        bad = int(np.sum(~np.isfinite(ls)))
        return Verdict.fail(f"train returned NaN or inf at {bad} of {steps} losses")
    if np.any(ls < 0):
        return Verdict.fail(
            "train returned a negative loss; a mean squared error is never negative"
        )
    if not ls[-1] < ls[0]:
        return Verdict.fail(
            "train's loss did not go down on an easy problem: the last loss is not below the first"
        )
    final = _loss_of(case, w.astype(float), v.astype(float))
    if not final < ls[0] - 1e-9 * abs(ls[0]):
        return Verdict.fail(
            "the loss of the returned (w, v) on (x, t) is not below losses[0]: return the "
            "weights after the last update"
        )
    if _losses_after_updates(ls, final):
        text = (
            "train's last recorded loss is the loss of the weights it returned: losses[k] must "
            "be the loss BEFORE update k (the loss of the weights that update k starts from), "
            "so the returned weights, one update later, have a lower loss than losses[-1]"
        )
        return Verdict(0.0, text, text)
    problem = _train_consistency(case, w.astype(float), v.astype(float), ls, final)
    return Verdict.fail(problem) if problem else Verdict.ok()


def _losses_after_updates(ls: np.ndarray, final: float) -> bool:
    """losses[-1] is the loss of the returned weights although the losses were still moving.

    Recording each loss before its update, losses[-1] is the loss one update before the
    returned weights; it equals their loss (to rounding) only if training had stopped moving.
    """
    if ls.size < 2:
        return False
    moving = abs(float(ls[-1] - ls[-2]))
    return abs(final - float(ls[-1])) <= 1e-12 * max(abs(final), 1e-300) and moving > 1e-9 * abs(
        final
    )


# Measured on honest runs of these cases (40 grading seeds x 4 cases x 3 init seeds, He,
# Xavier-uniform, unit-normal, N(0, 0.1^2) and N(0, 0.01^2) inits): |losses[-1] - loss(w, v)|
# <= 2.55 step scales, lr |grad|^2 >= 0.011 of the last changes of losses and >= 4.7e-10 of the
# loss, losses[0] within 0.1 to 15 times mse(0, t). Inits of N(0, 2^2), where lr = 0.05 is
# near unstable: up to 22.8 step scales, 3.5e-8 and 1.5e-30, up to 181 times mse(0, t).
# The limits below leave a margin for the usual inits; the step scale is computed here only, so
# made-up losses cannot widen it.
_TRAIN_STEP_SLACK = 8.0
_TRAIN_GRAD_OF_CHANGE = 1e-9
_TRAIN_START_RANGE = (1e-3, 1e4)


def _train_consistency(
    case: Case, w: np.ndarray, v: np.ndarray, ls: np.ndarray, final: float
) -> str:
    """'' when losses fit gradient descent ending at (w, v) on the case's (x, t) and lr, else why.

    With the reference forward, mse and backward, at the returned (w, v): g = the gradient,
    the step scale = the larger of lr |g|^2 (the first-order decrease of one more step) and
    the real change of the loss over one more step of size lr. The
    last update turned the weights behind losses[-1] into (w, v), so their loss must be within
    a few step scales of losses[-1]. A gradient that vanishes while the recorded losses still
    moved means (w, v) did not come out of these updates (zero weights of a ReLU net are such
    a point). losses[0] must be a plausible start for random weights: within a wide factor of
    mse(0, t), the loss of a zero output.
    """
    x, t, _n_hidden, lr, _steps, _seed = case.args
    with np.errstate(all="ignore"):
        z, h, y = forward(x, w, v, "relu")
        _, dL_dy = mse(y, t)
        dL_dw, dL_dv = backward(x, w, v, z, h, dL_dy, "relu")
        g2 = float(lr * (np.sum(dL_dw**2) + np.sum(dL_dv**2)))
        next_change = abs(final - _loss_of(case, w - lr * dL_dw, v - lr * dL_dv))
    last_changes = float(np.max(np.abs(np.diff(ls[-4:])))) if ls.size > 1 else 0.0
    scale = max(g2, next_change)
    if not np.isfinite(scale):
        return (
            f"train's returned weights have loss {final:.3g} on (x, t) but no finite gradient; "
            "return the weights after the last update"
        )
    gap = abs(final - ls[-1])
    if gap > _TRAIN_STEP_SLACK * scale + 1e-6 * max(abs(ls[-1]), final):
        return (
            f"train's returned weights have loss {final:.4g} on (x, t), but the last recorded "
            f"loss was {ls[-1]:.4g}; one gradient step changes the loss by about {scale:.2g} "
            f"here, so the gap of {gap:.2g} does not fit: losses must be the loss before each "
            "update and (w, v) the weights after the last update"
        )
    if g2 <= _TRAIN_GRAD_OF_CHANGE * last_changes or (g2 == 0.0 and final > 0.0):
        return (
            f"the loss gradient at train's returned weights is (almost) zero (lr |grad|^2 = "
            f"{g2:.2g}), yet the recorded losses still changed by up to {last_changes:.2g} per "
            "step at the end: gradient descent does not stop dead, so these losses did not "
            "come from training these weights"
        )
    zero_out = mse(np.zeros_like(t, dtype=float), t)[0]
    lo, hi = (f * zero_out for f in _TRAIN_START_RANGE)
    if zero_out > 0 and not lo <= ls[0] <= hi:
        return (
            f"train's first loss is {ls[0]:.4g}, but weights drawn from "
            f"np.random.default_rng(seed) start near the loss of a zero output, mse(0, t) = "
            f"{zero_out:.3g}, on this problem (accepted: {lo:.3g} to {hi:.3g}); losses[0] must "
            "be the loss of the initial weights"
        )
    return ""


def _train_ascent(case: Case, value: Any, _after: list) -> bool:
    """The loss goes up from the first step (or ends above where it started)."""
    ls = _losses_array(value[2]) if isinstance(value, list | tuple) and len(value) == 3 else None
    if ls is None or ls.size < 2:
        return False
    return bool((np.isfinite(ls[:2]).all() and ls[1] > ls[0]) or ls[-1] > ls[0])


def _train_losses_after(case: Case, value: Any, _after: list) -> bool:
    if not isinstance(value, list | tuple) or len(value) != 3:
        return False
    ls = _losses_array(value[2])
    if ls is None:
        return False
    w, v = np.asarray(value[0], dtype=float), np.asarray(value[1], dtype=float)
    return _losses_after_updates(ls, _loss_of(case, w, v))


def _train_initial_weights(case: Case, value: Any, _after: list) -> bool:
    if not isinstance(value, list | tuple) or len(value) != 3:
        return False
    ls = _losses_array(value[2])
    if ls is None or ls.size < 2 or not ls[-1] < ls[0]:
        return False
    w, v = np.asarray(value[0], dtype=float), np.asarray(value[1], dtype=float)
    return bool(np.isclose(_loss_of(case, w, v), ls[0], rtol=1e-9, atol=1e-12))


QUESTIONS = {
    "forward": QuestionCases(
        function="forward",
        generate=_forward_cases,
        reference=forward,
        mistakes=[
            Mistake(
                "no activation",
                "h is the activation applied to z, h = f(z), not z itself.",
                answer=_forward_no_activation,
            ),
            Mistake(
                "y from z",
                "the output uses the activations: y = h v, not z v.",
                answer=_forward_y_from_z,
            ),
            Mistake(
                "activation on the output",
                "the output layer is linear: y = h v, with no activation on y.",
                answer=_forward_activation_on_output,
            ),
            Mistake(
                "activation ignored",
                "use the activation the call asks for (relu, sigmoid or tanh; relu when none "
                "is given): your h is the same for every activation.",
                answer=_forward_relu_always,
            ),
        ],
        plot=gradient_error_plot(["z", "h", "y"]),
    ),
    "mse": QuestionCases(
        function="mse",
        generate=_mse_cases,
        reference=mse,
        mistakes=[
            Mistake(
                "no 1/N",
                "divide by N, the number of rows: L = sum((y - t)**2) / N and "
                "dL_dy = 2 (y - t) / N.",
                detect=_mse_detect(lambda n, k: 1.0 if n > 1 else np.nan, lambda r, n, k: 2 * r),
            ),
            Mistake(
                "mean over all entries",
                "average over the N rows only, not over all N * n_out entries "
                "(np.mean((y - t)**2) divides by N * n_out).",
                detect=_mse_detect(
                    lambda n, k: 1.0 / (n * k) if k > 1 else np.nan,
                    lambda r, n, k: 2 * r / (n * k) if k > 1 else np.full(r.shape, np.nan),
                ),
            ),
            Mistake(
                "gradient without the 2",
                "the derivative of (y - t)**2 is 2 (y - t): dL_dy = 2 (y - t) / N.",
                answer=lambda case: (
                    mse(*case.args)[0],
                    (case.args[0] - case.args[1]) / len(case.args[0]),
                ),
            ),
            Mistake(
                "gradient sign",
                "dL_dy = 2 (y - t) / N: y minus t, not t minus y.",
                answer=lambda case: (mse(*case.args)[0], -mse(*case.args)[1]),
            ),
        ],
        plot=gradient_error_plot(["L", "dL_dy"]),
    ),
    "backward": QuestionCases(
        function="backward",
        generate=_backward_cases,
        reference=backward,
        mistakes=[
            Mistake(
                "relu'(0) = 1",
                "relu'(0) = 0: use (z > 0), not (z >= 0), for the ReLU derivative — some "
                "pre-activations are exactly 0.",
                answer=_relu_prime_zero_is_one,
            ),
            Mistake(
                "sigmoid' = sigmoid",
                "the derivative of the sigmoid s(z) is s(z) (1 - s(z)), not s(z).",
                answer=_sigmoid_prime_as_sigmoid,
            ),
            Mistake(
                "f' at h",
                "evaluate the derivative at the pre-activation: dL_dz = dL_dh * f'(z), not f'(h).",
                answer=_derivative_at_h,
            ),
            Mistake(
                "no f'(z)",
                "going back through h = f(z) multiplies by the derivative: dL_dz = dL_dh * f'(z).",
                answer=_no_derivative,
            ),
            Mistake(
                "dL_dv from z",
                "y = h v, so dL_dv multiplies dL_dy by the layer's output h = f(z), not by its "
                "pre-activation z.",
                answer=_dv_from_z,
            ),
        ],
        plot=gradient_error_plot(["dL_dw", "dL_dv"]),
    ),
    "numerical_gradient": QuestionCases(
        function="numerical_gradient",
        generate=_numgrad_cases,
        reference=numerical_gradient,
        judge=_judge_numgrad,
        mistakes=[
            Mistake(
                "param not restored",
                "after probing an entry write its saved original value back (p[i] = old); "
                "param must be exactly as it was, since f and the caller read it.",
                detect=_not_restored,
            ),
            Mistake(
                "one-sided difference",
                "use the central difference (f(p + eps e_i) - f(p - eps e_i)) / (2 eps), "
                "not (f(p + eps e_i) - f(p)) / eps.",
                answer=_one_sided,
            ),
            Mistake(
                "divided by eps",
                "the two probes are 2 eps apart: divide f(p + eps e_i) - f(p - eps e_i) by 2 eps.",
                answer=_over_eps,
            ),
        ],
        plot=gradient_error_plot(["gradient"]),
    ),
    "train": QuestionCases(
        function="train",
        generate=_train_cases,
        reference=train,
        judge=_judge_train,
        calls=("forward", "mse", "backward"),
        mistakes=[
            Mistake(
                "gradient ascent",
                "update against the gradient: w -= lr * dL_dw and v -= lr * dL_dv.",
                detect=_train_ascent,
            ),
            Mistake(
                "losses after the updates",
                "record each loss before its update: losses[k] is the loss of the weights that "
                "update k starts from, so losses[0] is the loss of the initial weights.",
                detect=_train_losses_after,
            ),
            Mistake(
                "initial weights returned",
                "return the weights after the last update, not the initial ones.",
                detect=_train_initial_weights,
            ),
        ],
        plot=loss_curve_plot(),
    ),
}
