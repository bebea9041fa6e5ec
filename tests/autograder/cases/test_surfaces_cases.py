"""Hidden cases of `surfaces`: well-formed, with points exactly on units' lines, all-zero units,
asymmetric boxes and grids that miss small regions, and every known mistake (written here as a
student would) recognised through grade.score."""

from __future__ import annotations

import numpy as np
import pytest

from autograder.cases.surfaces import QUESTIONS
from autograder.grade import question_rng
from reference.surfaces import count_regions_exact

QUESTION_NAMES = ["neuron_surfaces", "activation_patterns", "count_regions_grid"]


def _explanation(question: str, mistake: str) -> str:
    return next(m.explanation for m in QUESTIONS[question].mistakes if m.name == mistake)


def _pre_activations(p, layers, relu_after_first=True):
    """Pre-activations of each hidden layer at one point, in plain Python floats."""
    f = [float(p[0]), float(p[1])]
    out = []
    for l, (W, b) in enumerate(layers[:-1]):
        z = [sum(float(W[u, k]) * f[k] for k in range(len(f))) + float(b[u]) for u in range(len(b))]
        f = [max(v, 0.0) for v in z] if (l == 0 or relu_after_first) else z
        out.append(z)
    return out, f


# ---- structure ------------------------------------------------------------------------------


@pytest.mark.parametrize("question", ["neuron_surfaces", "activation_patterns"])
def test_points_lie_exactly_on_lines_of_first_and_later_layers(question):
    cases = QUESTIONS[question].generate(question_rng(6, question))
    on_first = on_later = zero_units = 0
    depths = set()
    for c in cases:
        points, layers = c.args
        depths.add(len(layers) - 1)
        zero_units += sum(int(np.sum(np.all(W == 0, axis=1))) for W, _ in layers[:-1])
        for p in points:
            zs, _ = _pre_activations(p, layers)
            on_first += any(z == 0.0 for z in zs[0]) if zs else 0
            on_later += any(z == 0.0 for zl in zs[1:] for z in zl)
    assert on_first >= 10 and on_later >= 5
    assert zero_units >= 4
    assert depths >= {0, 1, 2, 3}


def test_count_cases_have_asymmetric_boxes_and_grids_that_miss_regions():
    cases = QUESTIONS["count_regions_grid"].generate(question_rng(8, "count_regions_grid"))
    boxes = [c.args[1] for c in cases]
    assert any(b[1] - b[0] != b[3] - b[2] for b in boxes)  # grid steps differ along x and y
    assert any(b[0] + b[1] != 0 or b[2] + b[3] != 0 for b in boxes)  # not centred
    assert len({c.args[2] for c in cases}) >= 4  # several resolutions
    assert len({len(c.args[0]) for c in cases}) >= 3  # several depths
    missed = 0
    for c in cases:
        grid = QUESTIONS["count_regions_grid"].expected(c)
        exact = count_regions_exact(*c.args[:2])
        assert grid <= exact
        missed += grid < exact
    assert missed >= 4
    tiny = next(c for c in cases if "tiny triangle" in c.name)
    assert QUESTIONS["count_regions_grid"].expected(tiny) < count_regions_exact(*tiny.args[:2])


# ---- scoring --------------------------------------------------------------------------------


def test_reference_answers_get_full_marks_and_no_hint(grade):
    for q in grade("surfaces").values():
        assert q.score == q.max_score and q.hint is None, q.summary


def test_surfaces_within_tolerance_get_full_marks(grade):
    def nudge(case, want):
        return [w * (1 + 1e-8) for w in want]

    q = grade("surfaces", {"neuron_surfaces": nudge})["neuron_surfaces"]
    assert q.score == q.max_score and q.hint is None


def _student_surfaces(mistake=None):
    def answer(case, want):
        points, layers = case.args
        out, f = [], points
        for l, (W, b) in enumerate(layers[:-1]):
            z = f @ W.T + b
            f = z if (mistake == "no ReLU after the first layer" and l > 0) else np.maximum(z, 0)
            out.append(z if mistake == "pre-activations" else f)
        if mistake == "output layer included":
            W, b = layers[-1]
            out.append(f @ W.T + b)
        return out

    return answer


def _student_patterns(points, layers, mistake=None):
    cols, f = [], points
    for l, (W, b) in enumerate(layers[:-1]):
        z = f @ W.T + b
        cols.append(z >= 0 if mistake == ">= instead of >" else z > 0)
        f = z if (mistake == "no ReLU after the first layer" and l > 0) else np.maximum(z, 0)
    if mistake == "output layer included":
        W, b = layers[-1]
        cols.append(f @ W.T + b > 0)
    return np.hstack(cols) if cols else np.zeros((len(points), 0), dtype=bool)


def _student_count(mistake=None):
    def answer(case, want):
        layers, (x0, x1, y0, y1), r = case.args
        xs = np.linspace(x0, x1, r)
        ys = (
            np.linspace(x0, x1, r) if mistake == "x range for both axes" else np.linspace(y0, y1, r)
        )
        pts = np.array([(x, y) for y in ys for x in xs])
        pats = _student_patterns(pts, layers, mistake)
        return len({tuple(row) for row in pats})

    return answer


@pytest.mark.parametrize(
    ("question", "answer", "mistake"),
    [
        ("neuron_surfaces", _student_surfaces("pre-activations"), "pre-activations"),
        (
            "neuron_surfaces",
            _student_surfaces("no ReLU after the first layer"),
            "no ReLU after the first layer",
        ),
        ("neuron_surfaces", _student_surfaces("output layer included"), "output layer included"),
        *[
            (
                "activation_patterns",
                lambda case, want, m=m: _student_patterns(*case.args, m),
                m,
            )
            for m in (">= instead of >", "no ReLU after the first layer", "output layer included")
        ],
        *[
            ("count_regions_grid", _student_count(m), m)
            for m in (
                ">= instead of >",
                "x range for both axes",
                "no ReLU after the first layer",
                "output layer included",
            )
        ],
    ],
)
def test_known_mistakes_are_recognised(grade, question, answer, mistake):
    for student in ("alice", "bob", "carol"):
        q = grade("surfaces", {question: answer}, student=student)[question]
        assert q.score < q.max_score
        assert q.hint == _explanation(question, mistake), q.summary


def test_student_implementations_without_mistakes_are_correct(grade):
    results = grade(
        "surfaces",
        {
            "neuron_surfaces": _student_surfaces(),
            "activation_patterns": lambda case, want: _student_patterns(*case.args),
            "count_regions_grid": _student_count(),
        },
    )
    for q in results.values():
        assert q.score == q.max_score, q.summary


def test_int_patterns_and_float_counts_get_type_messages(grade):
    results = grade(
        "surfaces",
        {
            "activation_patterns": lambda case, want: want.astype(np.int64),
            "count_regions_grid": lambda case, want: float(want),
        },
    )
    pat, cnt = results["activation_patterns"], results["count_regions_grid"]
    assert pat.score == 0 and "expected a bool array" in pat.cases[0].message
    assert cnt.score == 0 and cnt.cases[0].message.endswith("a float; expected an int")
