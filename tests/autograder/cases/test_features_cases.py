"""Hidden cases of `features`: well-formed, really containing their edge cases, and every known
mistake (written here independently, as a student would) recognised through grade.score."""

from __future__ import annotations

import numpy as np
import pytest

from autograder.cases.features import QUESTIONS
from autograder.grade import question_rng

QUESTION_NAMES = ["add_radius_feature", "fit_logistic_regression", "predict"]


def _explanation(question: str, mistake: str) -> str:
    return next(m.explanation for m in QUESTIONS[question].mistakes if m.name == mistake)


# ---- structure ------------------------------------------------------------------------------


def test_fit_cases_are_small_and_pass_steps():
    for c in QUESTIONS["fit_logistic_regression"].generate(question_rng(3, "fit")):
        steps = c.args[3] if len(c.args) > 3 else c.kwargs["steps"]
        assert steps <= 300 and c.args[0].shape[0] <= 60
        y = np.asarray(c.args[1])
        assert set(np.unique(y)) <= {0, 1}
    cases = QUESTIONS["fit_logistic_regression"].generate(question_rng(3, "fit"))
    assert any(c.args[1].dtype.kind == "i" for c in cases)  # integer labels
    assert any("lr" not in c.kwargs and len(c.args) == 2 for c in cases)  # default lr
    assert any(len(np.unique(c.args[1])) == 1 for c in cases)  # one class only
    assert {c.args[0].shape[1] for c in cases} >= {1, 2, 3}


def test_predict_has_scores_exactly_zero():
    cases = QUESTIONS["predict"].generate(question_rng(4, "predict"))
    with_zero = 0
    for c in cases:
        X, w, b = c.args
        s = (
            np.array(
                [sum(float(X[i, k]) * float(w[k]) for k in range(len(w))) for i in range(len(X))]
            )
            + b
        )
        with_zero += bool(np.any(s == 0.0) and np.any(s != 0.0))
    assert with_zero >= 4
    X, w, b = next(c.args for c in cases if "w = 0" in c.name)
    assert not np.any(w) and b == 0


def test_radius_cases_include_the_origin_and_the_unit_circle():
    rows = np.concatenate(
        [c.args[0] for c in QUESTIONS["add_radius_feature"].generate(question_rng(5, "r"))]
    )
    r2 = rows[:, 0] ** 2 + rows[:, 1] ** 2
    assert np.any(r2 == 0) and np.any(r2 == 1) and np.any(r2 > 1e6)


# ---- scoring --------------------------------------------------------------------------------


def test_reference_answers_get_full_marks_and_no_hint(grade):
    results = grade("features")
    for q in results.values():
        assert q.score == q.max_score and q.hint is None


def test_answers_within_tolerance_get_full_marks(grade):
    def nudge(case, want):
        if isinstance(want, tuple):
            return (want[0] * (1 + 2e-6), want[1] * (1 + 2e-6) + 5e-8)
        return want * (1 + 1e-7) if want.dtype.kind == "f" else want

    results = grade("features", {q: nudge for q in QUESTION_NAMES})
    for q in results.values():
        assert q.score == q.max_score and q.hint is None, q.summary


def _radius_with_norm(case, want):
    X = case.args[0]
    return np.hstack([X, np.linalg.norm(X, axis=1, keepdims=True)])


def _radius_square_of_sum(case, want):
    X = case.args[0]
    return np.hstack([X, (X.sum(axis=1, keepdims=True)) ** 2])


def _student_fit(summed=False, bias=True, sign=1.0):
    """A student's logistic regression with one switchable mistake."""

    def fit(X, y, lr=0.1, steps=1000):
        n, d = X.shape
        w, b = np.zeros(d), 0.0
        for _ in range(steps):
            with np.errstate(over="ignore"):
                p = 1.0 / (1.0 + np.exp(-(X @ w + b)))
            gw, gb = X.T @ (p - y), np.sum(p - y)
            if not summed:
                gw, gb = gw / n, gb / n
            w = w - sign * lr * gw
            if bias:
                b = b - sign * lr * gb
        return w, float(b)

    return lambda case, want: fit(*case.args, **case.kwargs)


def _predict_geq(case, want):
    X, w, b = case.args
    return np.where(X @ w + b >= 0, 1, 0)


def _predict_probability(case, want):
    X, w, b = case.args
    return 1.0 / (1.0 + np.exp(-(X @ w + b)))


@pytest.mark.parametrize(
    ("question", "answer", "mistake"),
    [
        ("add_radius_feature", _radius_with_norm, "radius instead of squared radius"),
        ("add_radius_feature", _radius_square_of_sum, "square of the sum"),
        ("fit_logistic_regression", _student_fit(summed=True), "summed gradient"),
        ("fit_logistic_regression", _student_fit(bias=False), "bias not trained"),
        ("fit_logistic_regression", _student_fit(sign=-1.0), "gradient ascent"),
        ("predict", _predict_geq, ">= instead of >"),
        ("predict", _predict_probability, "probabilities instead of labels"),
    ],
)
def test_known_mistakes_are_recognised(grade, question, answer, mistake):
    for student in ("alice", "bob"):
        q = grade("features", {question: answer}, student=student)[question]
        assert q.score < q.max_score
        assert q.hint == _explanation(question, mistake), q.summary


def test_the_student_fit_without_mistakes_is_correct(grade):
    q = grade("features", {"fit_logistic_regression": _student_fit()})["fit_logistic_regression"]
    assert q.score == q.max_score and q.hint is None


def test_bool_labels_get_a_dtype_message_not_a_hint(grade):
    def as_bool(case, want):
        X, w, b = case.args
        return X @ w + b > 0

    q = grade("features", {"predict": as_bool})["predict"]
    assert q.score == 0 and q.hint is None
    assert {c.message for c in q.cases} == {
        "predict returned dtype bool; expected an integer array"
    }


def test_b_as_one_element_array_is_named(grade):
    def b_array(case, want):
        return want[0], np.array([want[1]])

    q = grade("features", {"fit_logistic_regression": b_array})["fit_logistic_regression"]
    assert q.score == 0
    assert "returned b as" in q.cases[0].message and "expected a float" in q.cases[0].message
