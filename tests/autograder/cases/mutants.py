"""One-mistake implementations: the reference module of an assignment with one edit.

A mutant is the reference source with some snippets replaced, executed as its own module, so
a mistake in one function reaches the functions that call it (a wrong ``mse`` makes ``train``
wrong too), as in a student's file. Tests grade mutants in this process (the code is ours),
calling them exactly as the sandbox would: on fresh copies of each case's arguments.
"""

from __future__ import annotations

import copy
import types
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from autograder.cases.base import materialize
from autograder.course import load_course
from autograder.grade import Plan, QuestionResult, plan, score
from autograder.sandbox import CallOutcome, RunResult

ROOT = Path(__file__).resolve().parents[3]


@dataclass(frozen=True)
class Mutant:
    """``edits`` are (old, new) replacements; each old snippet occurs exactly once."""

    assignment: str
    name: str
    function: str  # the function that holds the mistake
    edits: tuple[tuple[str, str], ...]

    @property
    def id(self) -> str:
        return f"{self.assignment}:{self.name}"

    def source(self) -> str:
        src = (ROOT / "reference" / f"{self.assignment}.py").read_text()
        for old, new in self.edits:
            assert src.count(old) == 1, f"{self.id}: {old!r} occurs {src.count(old)} times"
            src = src.replace(old, new)
        return src

    def module(self) -> types.ModuleType:
        mod = types.ModuleType(f"mutant_{self.assignment}")
        mod.__dict__["__name__"] = f"mutant_{self.assignment}"
        exec(compile(self.source(), f"<{self.id}>", "exec"), mod.__dict__)  # noqa: S102 - ours
        return mod


def M(assignment: str, name: str, function: str, *edits: tuple[str, str]) -> Mutant:
    return Mutant(assignment, name, function, tuple(edits))


MUTANTS = [
    # shallow
    M(
        "shallow",
        "leaky relu",
        "relu",
        (
            "return np.maximum(np.asarray(z, dtype=np.float64), 0.0)",
            "z = np.asarray(z, dtype=np.float64)\n    return np.where(z > 0, z, 0.01 * z)",
        ),
    ),
    M("shallow", "no phi_0", "shallow_net", ("return phi[0] + h @ phi[1:]", "return h @ phi[1:]")),
    M(
        "shallow",
        "theta columns swapped",
        "shallow_net",
        (
            "h = relu(theta[:, 0] + np.outer(x, theta[:, 1]))  # (N, D)",
            "h = relu(theta[:, 1] + np.outer(x, theta[:, 0]))",
        ),
    ),
    M(
        "shallow",
        "kinks unsorted",
        "kink_locations",
        (
            "return np.sort(-theta[slope, 0] / theta[slope, 1])",
            "return -theta[slope, 0] / theta[slope, 1]",
        ),
    ),
    M(
        "shallow",
        "kinks sign",
        "kink_locations",
        (
            "return np.sort(-theta[slope, 0] / theta[slope, 1])",
            "return np.sort(theta[slope, 0] / theta[slope, 1])",
        ),
    ),
    M(
        "shallow",
        "kinks on the ends counted",
        "count_linear_regions",
        (
            "inside = (kinks - lo > same_x_tolerance(kinks, lo, lo, hi)) & (\n"
            "        hi - kinks > same_x_tolerance(kinks, hi, lo, hi)\n    )",
            "inside = (kinks >= lo) & (kinks <= hi)",
        ),
    ),
    M(
        "shallow",
        "kinks outside the interval counted",
        "count_linear_regions",
        ("    kinks, jumps = kinks[inside], jumps[inside]\n", ""),
    ),
    M(
        "shallow",
        "units with a slope + 1",
        "count_linear_regions",
        (
            "    lo, hi = check_interval(lo, hi)\n    moving",
            "    lo, hi = check_interval(lo, hi)\n    return int(np.count_nonzero(theta[:, 1])) + 1\n"
            "    moving",
        ),
    ),
    M(
        "shallow",
        "every kink group counts",
        "count_linear_regions",
        (
            "return 1 + int(np.count_nonzero(np.abs(total) > SLOPE_RTOL * scale))",
            "return 1 + int(starts.size)",
        ),
    ),
    M(
        "shallow",
        "shared kinks counted once each",
        "count_linear_regions",
        (
            "    new_group[1:] = np.diff(kinks) > same_x_tolerance(kinks[1:], kinks[:-1], lo, hi)\n",
            "",
        ),
    ),
    M(
        "shallow",
        "slopes instead of changes",
        "interpolant_net",
        (
            "phi = np.concatenate([[values[0]], [slopes[0]], np.diff(slopes)])",
            "phi = np.concatenate([[values[0]], slopes])",
        ),
    ),
    M(
        "shallow",
        "first output weight 0",
        "interpolant_net",
        (
            "phi = np.concatenate([[values[0]], [slopes[0]], np.diff(slopes)])",
            "phi = np.concatenate([[values[0]], [0.0], np.diff(slopes)])",
        ),
    ),
    M(
        "shallow",
        "no output bias",
        "interpolant_net",
        (
            "phi = np.concatenate([[values[0]], [slopes[0]], np.diff(slopes)])",
            "phi = np.concatenate([[0.0], [slopes[0]], np.diff(slopes)])",
        ),
    ),
    # composition
    M(
        "composition",
        "nets swapped",
        "compose",
        (
            "return shallow_net(shallow_net(x, theta1, phi1), theta2, phi2)",
            "return shallow_net(shallow_net(x, theta2, phi2), theta1, phi1)",
        ),
    ),
    M(
        "composition",
        "psi_0 without phi1_0",
        "composition_to_deep",
        ("psi[:, 0] = theta2[:, 0] + theta2[:, 1] * phi1[0]", "psi[:, 0] = theta2[:, 0]"),
    ),
    M(
        "composition",
        "theta' columns swapped",
        "composition_to_deep",
        (
            "psi[:, 0] = theta2[:, 0] + theta2[:, 1] * phi1[0]",
            "psi[:, 0] = theta2[:, 1] + theta2[:, 0] * phi1[0]",
        ),
        (
            "psi[:, 1:] = np.outer(theta2[:, 1], phi1[1:])",
            "psi[:, 1:] = np.outer(theta2[:, 0], phi1[1:])",
        ),
    ),
    M(
        "composition",
        "no second relu",
        "deep_net",
        ("h2 = relu(psi[:, 0] + h @ psi[:, 1:].T)", "h2 = psi[:, 0] + h @ psi[:, 1:].T"),
    ),
    # depth
    M(
        "depth",
        "relu on the output",
        "mlp",
        (
            "    W, b = layers[-1]\n    return h @ W.T + b",
            "    W, b = layers[-1]\n    return np.maximum(h @ W.T + b, 0.0)",
        ),
    ),
    M(
        "depth",
        "one fold too many",
        "sawtooth",
        ("for _ in range(_check_depth(depth)):", "for _ in range(_check_depth(depth) + 1):"),
    ),
    M(
        "depth",
        "wrong output bias",
        "sawtooth_layers",
        (
            "layers.append((np.array([[2.0, 2.0]]), np.array([-2.0])))",
            "layers.append((np.array([[2.0, 2.0]]), np.array([-1.0])))",
        ),
    ),
    M(
        "depth",
        "no merging",
        "count_linear_pieces",
        ("return edges, int(np.count_nonzero(bent)) + 1", "return e, len(e) - 1"),
    ),
    M(
        "depth",
        "last bias only",
        "collapse_linear",
        ("W, b = W_l @ W, W_l @ b + b_l", "W, b = W_l @ W, b_l"),
    ),
    # features
    M(
        "features",
        "radius not squared",
        "add_radius_feature",
        ("X[:, 0] ** 2 + X[:, 1] ** 2])", "np.sqrt(X[:, 0] ** 2 + X[:, 1] ** 2)])"),
    ),
    M(
        "features",
        "summed gradient",
        "fit_logistic_regression",
        ("w = w - lr * (X.T @ r) / n", "w = w - lr * (X.T @ r)"),
        ("b = b - lr * float(np.mean(r))", "b = b - lr * float(np.sum(r))"),
    ),
    M(
        "features",
        "b from the updated w",
        "fit_logistic_regression",
        ("b = b - lr * float(np.mean(r))", "b = b - lr * float(np.mean(sigmoid(X @ w + b) - y))"),
    ),
    M("features", "score >= 0", "predict", ("(X @ w + b > 0)", "(X @ w + b >= 0)")),
    # backprop
    M(
        "backprop",
        "activation ignored",
        "forward",
        (
            "    h = activate(z, activation)\n    return z, h, h @ v",
            '    h = activate(z, "relu")\n    return z, h, h @ v',
        ),
    ),
    M(
        "backprop",
        "no 1/N",
        "mse",
        ("return float(np.sum(r**2) / n), 2.0 * r / n", "return float(np.sum(r**2)), 2.0 * r"),
    ),
    M(
        "backprop",
        "gradient without 2",
        "mse",
        ("return float(np.sum(r**2) / n), 2.0 * r / n", "return float(np.sum(r**2) / n), r / n"),
    ),
    M(
        "backprop",
        "relu'(0) = 1",
        "backward",
        ("return (z > 0).astype(np.float64)", "return (z >= 0).astype(np.float64)"),
    ),
    M("backprop", "dL_dv from z", "backward", ("dL_dv = h.T @ dL_dy", "dL_dv = z.T @ dL_dy")),
    M(
        "backprop",
        "not restored",
        "numerical_gradient",
        (
            "        finally:\n            param[idx] = original\n",
            "        finally:\n            pass\n",
        ),
    ),
    M(
        "backprop",
        "loss after the update",
        "train",
        ("        losses.append(loss)\n", ""),
        (
            "        v = v - lr * dL_dv\n",
            '        v = v - lr * dL_dv\n        losses.append(mse(forward(x, w, v, "relu")[2], t)[0])\n',
        ),
    ),
    # surfaces
    M(
        "surfaces",
        "pre-activations",
        "neuron_surfaces",
        (
            "return [f for _, f in _hidden_pass(points, layers)]",
            "return [z for z, _ in _hidden_pass(points, layers)]",
        ),
    ),
    M(
        "surfaces",
        "active at 0",
        "activation_patterns",
        (
            "[z > 0 for z, _ in _hidden_pass(points, layers)]",
            "[z >= 0 for z, _ in _hidden_pass(points, layers)]",
        ),
    ),
    M(
        "surfaces",
        "y grid from the x range",
        "count_regions_grid",
        ("ys = np.linspace(ymin, ymax, r)", "ys = np.linspace(xmin, xmax, r)"),
    ),
    # capacity
    M(
        "capacity",
        "phi_0 lost",
        "shallow_to_layers",
        (
            "    return _shallow_to_layers(theta, phi)",
            "    (W1, b1), (W2, b2) = _shallow_to_layers(theta, phi)\n    return [(W1, b1), (W2, 0 * b2)]",
        ),
    ),
    M(
        "capacity",
        "phi1_0 left out of b2",
        "composition_to_layers",
        (
            "    return deep_to_layers(*composition_to_deep(theta1, phi1, theta2, phi2))",
            "    layers = deep_to_layers(*composition_to_deep(theta1, phi1, theta2, phi2))\n"
            "    layers[1] = (layers[1][0], np.asarray(theta2, dtype=float)[:, 0].copy())\n"
            "    return layers",
        ),
    ),
    M(
        "capacity",
        "ones in the last column",
        "layers_to_xw",
        (
            "    w[0, 0] = 1.0\n    w[0, 1:] = b1\n    w[1:, 1:] = W1.T\n",
            "    w[n_in, hidden] = 1.0\n    w[n_in, :hidden] = b1\n    w[:n_in, :hidden] = W1.T\n",
        ),
        ("    v[0] = b2\n    v[1:] = W2.T\n", "    v[-1] = b2\n    v[:-1] = W2.T\n"),
    ),  # fmt: skip
    M(
        "capacity",
        "std sqrt(1 / d_in)",
        "random_layers",
        (
            "rng.normal(0.0, np.sqrt(2.0 / d_in), size=",
            "rng.normal(0.0, np.sqrt(1.0 / d_in), size=",
        ),
    ),
    M(
        "capacity",
        "std instead of standard error",
        "depth_sweep",
        ("counts.std(ddof=1) / np.sqrt(len(seeds))", "counts.std(ddof=1)"),
    ),
    M(
        "capacity",
        "gradient not divided by N",
        "train_deep_linear",
        ("        G = 2.0 * r.T @ x / n\n", "        G = 2.0 * r.T @ x\n"),
    ),
    M(
        "capacity",
        "elu without the -1",
        "activation",
        ("np.expm1(np.minimum(z, 0.0))", "np.exp(np.minimum(z, 0.0))"),
    ),
    M(
        "capacity",
        "activation on the output",
        "mlp_with",
        (
            "    W, b = layers[-1]\n    return h @ W.T + b\n\n\ndef as_relu",
            "    W, b = layers[-1]\n    return activation(name, h @ W.T + b)\n\n\ndef as_relu",
        ),
    ),  # fmt: skip
    M(
        "capacity",
        "plus instead of minus",
        "as_relu_layers",
        (
            "np.hstack([np.eye(d), -LEAKY_SLOPE * np.eye(d)])",
            "np.hstack([np.eye(d), LEAKY_SLOPE * np.eye(d)])",
        ),
    ),
]


def _args_after(args: list) -> list:
    out = []
    for a in args:
        if isinstance(a, np.ndarray):
            out.append(np.array(a, copy=True))
        elif isinstance(a, list | tuple):
            out.append([np.array(v, copy=True) if isinstance(v, np.ndarray) else None for v in a])
        else:
            out.append(None)
    return out


def run_module(module: types.ModuleType, p: Plan) -> RunResult:
    """Call the module's functions on every call of the plan, on fresh copies of the inputs."""
    outcomes = {}
    for call in p.calls:
        args, kwargs = materialize(copy.deepcopy(call.args), copy.deepcopy(call.kwargs))
        try:
            with np.errstate(all="ignore"):
                value = getattr(module, call.function)(*args, **kwargs)
        except Exception as exc:
            outcomes[call.key] = CallOutcome("error", message=f"{type(exc).__name__}: {exc}")
            continue
        outcomes[call.key] = CallOutcome("ok", value=value, args_after=_args_after(args))
    return RunResult(outcomes=outcomes, load_messages=[], stdout="")


def grade_mutant(mutant: Mutant, student: str) -> list[QuestionResult]:
    course = load_course()
    p = plan(course, mutant.assignment, student)
    return score(course, mutant.assignment, p, run_module(mutant.module(), p))
