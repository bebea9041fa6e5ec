"""Hidden cases of `backprop`: well-formed, containing their edge cases (pre-activations exactly
0, all-zero units, every activation), the numerical_gradient restore check and the property
judge of train, and every known mistake (written here as a student would) recognised."""

from __future__ import annotations

import copy

import numpy as np
import pytest

from autograder.cases.backprop import QUESTIONS
from autograder.cases.base import ArgRef, Lambda, materialize
from autograder.grade import question_rng
from reference.backprop import backward, forward, mse

QUESTION_NAMES = ["forward", "mse", "backward", "numerical_gradient", "train"]


def _explanation(question: str, mistake: str) -> str:
    return next(m.explanation for m in QUESTIONS[question].mistakes if m.name == mistake)


def _act(case, position):
    return (
        case.args[position] if len(case.args) > position else case.kwargs.get("activation", "relu")
    )


def _f(z, act):
    if act == "relu":
        return np.where(z > 0, z, 0.0)
    if act == "sigmoid":
        return 1.0 / (1.0 + np.exp(-z))
    return np.tanh(z)


def _fprime(z, act, relu_at_zero=0.0):
    if act == "relu":
        return np.where(z > 0, 1.0, np.where(z == 0, relu_at_zero, 0.0))
    if act == "sigmoid":
        s = 1.0 / (1.0 + np.exp(-z))
        return s * (1.0 - s)
    return 1.0 / np.cosh(z) ** 2


# ---- structure ------------------------------------------------------------------------------


@pytest.mark.parametrize("question", ["forward", "backward"])
def test_sizes_activations_and_exact_zero_preactivations_are_present(question):
    cases = QUESTIONS[question].generate(question_rng(5, question))
    pos = 3 if question == "forward" else 6
    acts = {_act(c, pos) for c in cases}
    assert acts == {"relu", "sigmoid", "tanh"}
    assert len({c.args[1].shape for c in cases}) >= 4  # several (n_in, n_hidden)
    exact_zero = zero_unit = 0
    for c in cases:
        x, w = c.args[0], c.args[1]
        # z computed entry by entry in Python floats; the integer inputs make it exact.
        z = np.array(
            [
                [
                    sum(float(x[i, k]) * float(w[k, j]) for k in range(x.shape[1]))
                    for j in range(w.shape[1])
                ]
                for i in range(x.shape[0])
            ]
        )
        if _act(c, pos) == "relu" and np.any(z == 0) and np.any(x[np.any(z == 0, axis=1)] != 0):
            exact_zero += 1
        zero_unit += bool(np.any(np.all(w == 0, axis=0)))
    assert exact_zero >= (2 if question == "backward" else 1)
    assert zero_unit >= 2


def test_numerical_gradient_callables_read_the_perturbed_param():
    cases = QUESTIONS["numerical_gradient"].generate(question_rng(2, "numerical_gradient"))
    ranks = set()
    for c in cases:
        f_spec = c.args[0]
        assert isinstance(f_spec, Lambda) and f_spec.params == ""
        assert f_spec.bind["p"] == ArgRef(1)
        (f, p, *_), _ = materialize(copy.deepcopy(c.args), copy.deepcopy(c.kwargs))
        before = f()
        p.flat[0] += 0.1
        assert f() != before  # f reads the very array the function perturbs
        ranks.add(p.ndim)
    assert ranks == {1, 2, 3}
    assert any(len(c.args) > 2 or "eps" in c.kwargs for c in cases)
    assert any(len(c.args) == 2 and not c.kwargs for c in cases)  # the default eps


def test_train_cases_are_easy_and_small():
    for c in QUESTIONS["train"].generate(question_rng(3, "train")):
        x, t, n_hidden, lr, steps, seed = c.args
        assert steps <= 100 and x.shape[0] <= 30 and lr <= 0.05
        assert isinstance(n_hidden, int) and isinstance(steps, int) and isinstance(seed, int)


# ---- scoring --------------------------------------------------------------------------------


def test_reference_answers_get_full_marks_and_no_hint(grade):
    for q in grade("backprop").values():
        assert q.score == q.max_score and q.hint is None, q.summary


def test_answers_within_tolerance_get_full_marks(grade):
    def nudge(case, want):
        if isinstance(want, tuple):
            return tuple(w * (1 + 1e-7) for w in want)
        return want * (1 + 5e-5)

    results = grade(
        "backprop", {"forward": nudge, "mse": nudge, "backward": nudge, "numerical_gradient": nudge}
    )
    for q in results.values():
        assert q.score == q.max_score and q.hint is None, q.summary


def _student_forward(mistake=None):
    def answer(case, want):
        x, w, v = case.args[:3]
        act = _act(case, 3)
        z = x @ w
        h = z if mistake == "no activation" else _f(z, act)
        if mistake == "y from z":
            return z, h, z @ v
        y = h @ v
        return z, h, _f(y, act) if mistake == "activation on the output" else y

    return answer


def _student_mse(mistake=None):
    def answer(case, want):
        y, t = case.args
        n = y.shape[0]
        if mistake == "mean over all entries":
            return float(np.mean((y - t) ** 2)), 2 * (y - t) / y.size
        if mistake == "no 1/N":
            return float(np.sum((y - t) ** 2)), 2 * (y - t) / n
        if mistake == "gradient without the 2":
            return float(np.sum((y - t) ** 2) / n), (y - t) / n
        return float(np.sum((y - t) ** 2) / n), 2 * (t - y) / n

    return answer


def _student_backward(mistake=None):
    def answer(case, want):
        x, w, v, z, h, dy = case.args
        act = _act(case, 6)
        if mistake == "relu'(0) = 1":
            d = _fprime(z, act, relu_at_zero=1.0)
        elif mistake == "sigmoid' = sigmoid":
            d = 1.0 / (1.0 + np.exp(-z)) if act == "sigmoid" else _fprime(z, act)
        elif mistake == "f' at h":
            d = _fprime(h, act)
        elif mistake == "no f'(z)":
            d = 1.0
        else:
            d = _fprime(z, act)
        return x.T @ ((dy @ v.T) * d), h.T @ dy

    return answer


@pytest.mark.parametrize(
    ("question", "answer", "mistake"),
    [
        ("forward", _student_forward("no activation"), "no activation"),
        ("forward", _student_forward("y from z"), "y from z"),
        ("forward", _student_forward("activation on the output"), "activation on the output"),
        ("mse", _student_mse("no 1/N"), "no 1/N"),
        ("mse", _student_mse("mean over all entries"), "mean over all entries"),
        ("mse", _student_mse("gradient without the 2"), "gradient without the 2"),
        ("mse", _student_mse("gradient sign"), "gradient sign"),
        ("backward", _student_backward("relu'(0) = 1"), "relu'(0) = 1"),
        ("backward", _student_backward("sigmoid' = sigmoid"), "sigmoid' = sigmoid"),
        ("backward", _student_backward("f' at h"), "f' at h"),
        ("backward", _student_backward("no f'(z)"), "no f'(z)"),
    ],
)
def test_known_mistakes_are_recognised(grade, question, answer, mistake):
    for student in ("alice", "bob"):
        q = grade("backprop", {question: answer}, student=student)[question]
        assert q.score < q.max_score
        assert q.hint == _explanation(question, mistake), q.summary


def test_student_implementations_without_mistakes_are_correct(grade):
    results = grade(
        "backprop",
        {"forward": _student_forward(), "backward": _student_backward()},
    )
    assert all(q.score == q.max_score for q in results.values())


def test_mse_with_only_the_loss_missing_1_over_n_gets_the_hint(grade):
    def answer(case, want):
        y, t = case.args
        return float(np.sum((y - t) ** 2)), want[1]

    q = grade("backprop", {"mse": answer})["mse"]
    assert q.hint == _explanation("mse", "no 1/N")


# ---- numerical_gradient: run student implementations on the materialised inputs ------------


def _run_numgrad(student):
    """Call ``student(f, param, *rest)`` as the sandbox would; args_after holds the param."""
    memo = {}

    def call(case):
        key = id(case)
        if key not in memo:
            args, kwargs = materialize(copy.deepcopy(case.args), copy.deepcopy(case.kwargs))
            value = student(*args, **kwargs)
            memo[key] = (value, [None, args[1]] + [None] * (len(args) - 2))
        return memo[key]

    return {"numerical_gradient": lambda case, want: call(case)[0]}, {
        "numerical_gradient": lambda case: call(case)[1]
    }


def _numgrad_student(mistake=None):
    def numerical_gradient(f, param, eps=1e-6):
        grad = np.zeros_like(param)
        it = np.nditer(param, flags=["multi_index"])
        for _ in it:
            i = it.multi_index
            old = param[i]
            if mistake == "one-sided":
                f0 = f()
                param[i] = old + eps
                grad[i] = (f() - f0) / eps
                param[i] = old
                continue
            param[i] = old + eps
            fp = f()
            param[i] = old - eps
            fm = f()
            if mistake == "add back":
                param[i] += eps  # rounding: not always the old value
            elif mistake != "not restored":
                param[i] = old
            grad[i] = (fp - fm) / (eps if mistake == "divided by eps" else 2 * eps)
        return grad

    return numerical_gradient


def test_numerical_gradient_student_without_mistakes_is_correct(grade):
    answers, after = _run_numgrad(_numgrad_student())
    q = grade("backprop", answers, after)["numerical_gradient"]
    assert q.score == q.max_score and q.hint is None


@pytest.mark.parametrize(
    ("mistake", "name"),
    [
        ("not restored", "param not restored"),
        ("add back", "param not restored"),
        ("one-sided", "one-sided difference"),
        ("divided by eps", "divided by eps"),
    ],
)
def test_numerical_gradient_mistakes_are_recognised(grade, mistake, name):
    answers, after = _run_numgrad(_numgrad_student(mistake))
    q = grade("backprop", answers, after)["numerical_gradient"]
    assert q.score < q.max_score
    assert q.hint == _explanation("numerical_gradient", name), q.summary


def test_unrestored_param_fails_with_a_specific_message(grade):
    def left_shifted(case):
        p = np.array(case.args[1], copy=True)
        p.flat[-1] -= 1e-6
        return [None, p] + [None] * (len(case.args) - 2)

    q = grade("backprop", None, {"numerical_gradient": left_shifted})["numerical_gradient"]
    assert q.score == 0
    for c in q.cases:
        assert c.message.startswith("numerical_gradient did not restore param: 1 of ")
        assert "largest change 1e-06" in c.message


# ---- train ----------------------------------------------------------------------------------


_INITS = {  # (w scale, v scale) from (n_in, n_hidden): He, Xavier, unit normal, small
    "he": lambda n_in, n_hidden: (np.sqrt(2.0 / n_in), 0.5),
    "xavier": lambda n_in, n_hidden: (np.sqrt(1.0 / n_in), np.sqrt(1.0 / n_hidden)),
    "unit": lambda n_in, n_hidden: (1.0, 1.0),
    "small": lambda n_in, n_hidden: (0.01, 0.01),
}


def _student_train(
    init_seed_offset=1, lr_sign=1.0, return_initial=False, transpose_w=False, init="he"
):
    """Gradient descent with its own initialisation from a different seed than the reference's."""

    def train(x, t, n_hidden, lr, steps, seed):
        rng = np.random.default_rng(seed + init_seed_offset)
        sw, sv = _INITS[init](x.shape[1], n_hidden)
        w = rng.standard_normal((x.shape[1], n_hidden)) * sw
        v = rng.standard_normal((n_hidden, t.shape[1])) * sv
        w0, v0 = w, v
        losses = []
        for _ in range(steps):
            with np.errstate(all="ignore"):  # gradient ascent diverges
                z, h, y = forward(x, w, v)
                loss, dy = mse(y, t)
                dw, dv = backward(x, w, v, z, h, dy)
            losses.append(loss)
            w, v = w - lr_sign * lr * dw, v - lr_sign * lr * dv
        if return_initial:
            w, v = w0, v0
        return (w.T if transpose_w else w), v, losses

    return lambda case, want: train(*case.args)


@pytest.mark.parametrize("init", sorted(_INITS))
def test_train_accepts_a_different_initialisation(grade, init):
    for offset in (1, 2, 3):
        for student in ("alice", "bob"):
            train = _student_train(offset, init=init)
            q = grade("backprop", {"train": train}, student=student)["train"]
            assert q.score == q.max_score and q.hint is None, q.summary


def test_train_accepts_float32_training(grade):
    def train32(case, want):
        x, t, n_hidden, lr, steps, seed = case.args
        x, t = x.astype(np.float32), t.astype(np.float32)
        rng = np.random.default_rng(seed)
        w = (rng.standard_normal((x.shape[1], n_hidden)) * np.sqrt(2 / x.shape[1])).astype(
            np.float32
        )
        v = (rng.standard_normal((n_hidden, t.shape[1])) * 0.5).astype(np.float32)
        losses = []
        for _ in range(steps):
            z, h, y = forward(x, w, v)
            loss, dy = mse(y, t)
            dw, dv = backward(x, w, v, z, h, dy)
            losses.append(float(loss))
            w, v = w - np.float32(lr) * dw, v - np.float32(lr) * dv
        return w, v, losses

    q = grade("backprop", {"train": train32})["train"]
    assert q.score == q.max_score, q.summary


def test_train_accepts_losses_as_an_array(grade):
    def as_array(case, want):
        w, v, losses = want
        return w, v, np.array(losses)

    q = grade("backprop", {"train": as_array})["train"]
    assert q.score == q.max_score


def test_train_rejects_a_loss_that_does_not_decrease(grade):
    def frozen(case, want):
        x, t, n_hidden, *_ = case.args
        w = np.full((x.shape[1], n_hidden), 0.1)
        v = np.full((n_hidden, t.shape[1]), 0.1)
        loss = mse(forward(x, w, v)[2], t)[0]
        return w, v, [loss] * case.args[4]

    q = grade("backprop", {"train": frozen})["train"]
    assert q.score == 0
    assert {c.message for c in q.cases} == {
        "train's loss did not go down on an easy problem: the last loss is not below the first"
    }


def test_train_rejects_wrong_shapes_and_lengths(grade):
    q = grade("backprop", {"train": _student_train(transpose_w=True)})["train"]
    msgs = [c.message for c in q.cases if c.message]
    assert q.score < q.max_score and msgs
    assert all(m.startswith("train returned w of shape (") for m in msgs)
    assert all("expected (n_in, n_hidden) = (" in m for m in msgs)

    def short(case, want):
        return want[0], want[1], want[2][:-1]

    q = grade("backprop", {"train": short})["train"]
    assert q.score == 0
    assert all("losses; expected" in c.message and "one per step" in c.message for c in q.cases)

    def nan_loss(case, want):
        return want[0], want[1], [float("nan")] * len(want[2])

    q = grade("backprop", {"train": nan_loss})["train"]
    assert all("NaN or inf" in c.message for c in q.cases)


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        ({"lr_sign": -1.0}, "gradient ascent"),
        ({"return_initial": True}, "initial weights returned"),
    ],
)
def test_train_mistakes_are_recognised(grade, kwargs, name):
    q = grade("backprop", {"train": _student_train(**kwargs)})["train"]
    assert q.score == 0
    assert q.hint == _explanation("train", name), q.summary


# ---- train: answers that do not train must fail, whatever numbers they report -------------


def _zero_output_loss(case):
    return mse(np.zeros_like(case.args[1]), case.args[1])[0]


def _zeros(case):
    x, t, n_hidden, *_ = case.args
    return np.zeros((x.shape[1], n_hidden)), np.zeros((n_hidden, t.shape[1]))


def test_train_rejects_zero_weights_with_made_up_decreasing_losses(grade, cases_of):
    def cheat(case, want):
        steps = case.args[4]
        return (*_zeros(case), [1e9 - i for i in range(steps)])

    q = grade("backprop", {"train": cheat})["train"]
    assert q.score == 0
    for c, (case, _want) in zip(q.cases, cases_of("backprop", "train"), strict=True):
        final = _zero_output_loss(case)
        assert c.message.startswith(
            f"train's returned weights have loss {final:.4g} on (x, t), but the last recorded "
            f"loss was {1e9 - case.args[4] + 1:.4g}; one gradient step changes the loss by about "
        ), c.message
        assert "losses must be the loss before each update" in c.message


def test_train_rejects_random_decreasing_losses_with_trained_weights(grade):
    def cheat(case, want):
        rng = np.random.default_rng(case.args[5])
        scale = _zero_output_loss(case)
        losses = np.sort(rng.uniform(0.2 * scale, 2.0 * scale, case.args[4]))[::-1]
        return want[0], want[1], [float(v) for v in losses]

    for student in ("student-1", "alice", "bob"):
        q = grade("backprop", {"train": cheat}, student=student)["train"]
        # A random last loss can land within a few step sizes of the true one by chance.
        failed = [c.message for c in q.cases if c.message]
        assert len(failed) >= len(q.cases) - 1, q.summary
        for m in failed:
            assert m.startswith("train's returned weights have loss "), m
            assert "does not fit: losses must be the loss before each update" in m


def test_train_rejects_initial_weights_with_losses_copied_from_a_reference_run(grade):
    def cheat(case, want):
        x, t, n_hidden, _lr, _steps, seed = case.args
        rng = np.random.default_rng(seed)
        w = rng.standard_normal((x.shape[1], n_hidden)) * np.sqrt(2.0 / x.shape[1])
        v = rng.standard_normal((n_hidden, t.shape[1])) * 0.5
        return w, v, list(want[2])

    q = grade("backprop", {"train": cheat})["train"]
    assert q.score == 0
    for c in q.cases:
        assert c.message.startswith(
            ("train's returned weights have loss ", "the loss of the returned (w, v)")
        ), c.message


@pytest.mark.parametrize("tail", ["falling", "flat"])
def test_train_rejects_zero_weights_with_losses_ending_at_their_loss(grade, tail):
    """Losses made up to end exactly at the loss of zero weights: the gap check passes, but the
    gradient there is exactly zero while the made-up losses still moved (or jumped earlier)."""

    def cheat(case, want):
        steps, final = case.args[4], _zero_output_loss(case)
        if tail == "flat":
            return (*_zeros(case), [2.0 * final] + [final] * (steps - 1))
        return (*_zeros(case), [final * (1.0 + 0.001 * (steps - 1 - k)) for k in range(steps)])

    q = grade("backprop", {"train": cheat})["train"]
    assert q.score == 0
    for c in q.cases:
        if tail == "falling":  # ending exactly at the returned weights' loss while still moving
            assert c.message.startswith("train's last recorded loss is the loss of the weights")
            continue
        assert c.message.startswith(
            "the loss gradient at train's returned weights is (almost) zero (lr |grad|^2 = 0)"
        ), c.message
        assert "these losses did not come from training these weights" in c.message


def test_train_rejects_losses_recorded_after_each_update(grade):
    """The notebook asks for the loss before each update; recording it after is a mistake."""

    def after(case, want):
        x, t, n_hidden, lr, steps, seed = case.args
        w, v, losses = want
        # Honest run, shifted: the loss after update k is the loss before update k + 1.
        return w, v, [*list(losses[1:]), _loss_after(case, w, v)]

    q = grade("backprop", {"train": after})["train"]
    assert q.score == 0
    for c in q.cases:
        assert "must be the loss BEFORE update k" in c.message


def _loss_after(case, w, v) -> float:
    from reference.backprop import forward, mse

    x, t = case.args[0], case.args[1]
    return mse(forward(x, w, v, "relu")[2], t)[0]


def test_train_rejects_an_implausible_first_loss(grade, cases_of):
    def cheat(case, want):
        losses = list(want[2])
        losses[0] = 1e5 * _zero_output_loss(case)
        return want[0], want[1], losses

    q = grade("backprop", {"train": cheat})["train"]
    assert q.score == 0
    for c, (case, _want) in zip(q.cases, cases_of("backprop", "train"), strict=True):
        zero_out = _zero_output_loss(case)
        assert c.message == (
            f"train's first loss is {1e5 * zero_out:.4g}, but weights drawn from "
            f"np.random.default_rng(seed) start near the loss of a zero output, mse(0, t) = "
            f"{zero_out:.3g}, on this problem (accepted: {1e-3 * zero_out:.3g} to "
            f"{1e4 * zero_out:.3g}); losses[0] must be the loss of the initial weights"
        )
