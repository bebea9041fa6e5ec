"""grade: scoring rules that hold for every assignment, checked through the real sandbox."""

from __future__ import annotations

from pathlib import Path

import pytest

from autograder.course import load_course
from autograder.grade import grade_submission, student_seed
from autograder.paths import course_root
from autograder.sandbox import Sandbox

CORRECT = (course_root() / "samples" / "composition" / "ada_correct.py").read_text()


@pytest.fixture(scope="module")
def sandbox():
    with Sandbox() as box:
        yield box


def grade_source(tmp_path: Path, sandbox: Sandbox, source: str, student: str = "s"):
    path = tmp_path / "sub.py"
    path.write_text(source)
    return grade_submission(path, load_course(), "composition", sandbox, student=student)


def test_right_answers_that_modify_their_inputs_lose_the_case(tmp_path, sandbox):
    source = CORRECT + (
        "\n_compose = compose\n"
        "def compose(x, theta1, phi1, theta2, phi2):\n"
        "    y = _compose(x, theta1, phi1, theta2, phi2)\n"
        "    phi2[0] += 1.0\n"
        "    return y\n"
    )
    result = grade_source(tmp_path, sandbox, source)
    q = {q.name: q for q in result.questions}
    assert q["compose"].score == 0
    assert "compose changed its input phi2 in place" in q["compose"].summary
    assert q["composition_to_deep"].passed and q["deep_net"].passed


def test_scores_are_clamped_and_sum_to_the_course_points(tmp_path, sandbox):
    result = grade_source(tmp_path, sandbox, CORRECT)
    assert result.score == result.max_score == load_course().assignment("composition").max_score
    assert [q.max_score for q in result.questions] == [3, 4, 3]


def test_seed_depends_on_course_seed_assignment_and_student():
    seeds = {
        student_seed(1, "composition", "a"),
        student_seed(2, "composition", "a"),
        student_seed(1, "depth", "a"),
        student_seed(1, "composition", "b"),
    }
    assert len(seeds) == 4
    assert student_seed(1, "composition", "a") == student_seed(1, "composition", "a")


def test_hidden_details_only_when_revealed(tmp_path, sandbox):
    from autograder.report import feedback_html, results_json

    wrong = CORRECT.replace("return shallow(shallow(x, theta1, phi1), theta2, phi2)", "return x")
    result = grade_source(tmp_path, sandbox, wrong)
    assert "Hidden case details" not in feedback_html(result, reveal=False)
    revealed = feedback_html(result, reveal=True)
    assert "Hidden case details" in revealed and "inputs: (" in revealed
    tests = results_json(result)["tests"]
    details = [t for t in tests if "inputs: (" in t["output"]]
    assert details and all(t["visibility"] == "after_due_date" for t in details)


def test_the_checkout_and_other_submissions_are_invisible(tmp_path):
    from autograder.batch import grade_batch
    from autograder.paths import source_roots
    from autograder.sandbox import Call, Limits

    peek = tmp_path / "peek.py"
    peek.write_text(
        "import os\n"
        "def peek(paths):\n"
        "    out = []\n"
        "    for p in paths:\n"
        "        try:\n"
        "            with open(p) as f:\n"
        "                out.append(len(f.read()))\n"
        "        except OSError:\n"
        "            out.append(-1)\n"
        "    return out\n"
    )
    root = course_root()
    secrets = [
        root / ".git" / "HEAD",
        root / "course.yml",
        root / "reference" / "shallow.py",
        root / "samples" / "composition" / "ada_correct.py",
        tmp_path / "classmate.py",
    ]
    (tmp_path / "classmate.py").write_text("x = 1\n")
    with Sandbox(hide=[*source_roots(), tmp_path]) as box:
        run = box.run(
            peek, [Call("a", "q", "peek", ([str(p) for p in secrets if p.exists()],))], Limits()
        )
    assert run.outcomes["a"].value == [-1] * len([p for p in secrets if p.exists()])

    # The same through a batch: a submission that runs a classmate's file earns nothing.
    batch = tmp_path / "batch"
    batch.mkdir()
    (batch / "alice.py").write_text(CORRECT)
    thief = Path(__file__).resolve().parents[1] / "hostile" / "classmates.py"
    (batch / "mallory.py").write_text(thief.read_text())
    summary = grade_batch([batch], load_course(), "composition", tmp_path / "out", jobs=2)
    scores = {r["submission"]: r["score"] for r in summary.rows}
    assert scores == {"alice": 10.0, "mallory": 0.0}


def test_each_question_gets_its_own_time_limit(tmp_path, sandbox):
    import yaml

    from autograder.course import parse_course

    raw = yaml.safe_load((course_root() / "course.yml").read_text())
    raw["defaults"]["limits"].update(wall_s=2, cpu_s=2)
    comp = next(a for a in raw["assignments"] if a["name"] == "composition")
    comp["questions"][0]["limits"] = {"wall_s": 0.5, "cpu_s": 1}  # compose
    course = parse_course(raw)
    hang = CORRECT + (
        "\ndef compose(*args):\n    while True:\n        pass\n"
        "\ndef deep_net(*args):\n    while True:\n        pass\n"
    )
    path = tmp_path / "hang.py"
    path.write_text(hang)
    result = grade_submission(path, course, "composition", sandbox, student="s")
    q = {q.name: q for q in result.questions}
    assert "did not finish within 0.5 s" in q["compose"].summary
    assert "did not finish within 2 s" in q["deep_net"].summary
    assert q["composition_to_deep"].passed


def test_changing_arrays_inside_a_layers_argument_is_caught(tmp_path, sandbox):
    src = (
        "import numpy as np\n"
        "def mlp(x, layers):\n"
        "    h = x\n"
        "    for i, (W, b) in enumerate(layers):\n"
        "        h = h @ W.T + b\n"
        "        if i < len(layers) - 1:\n"
        "            h = np.maximum(h, 0)\n"
        "    layers[0][1][...] = 0.0\n"
        "    return h\n"
    )
    path = tmp_path / "sub.py"
    path.write_text(src)
    result = grade_submission(path, load_course(), "depth", sandbox, student="s")
    mlp = next(q for q in result.questions if q.name == "mlp")
    assert mlp.score < mlp.max_score
    assert "mlp changed its input layers in place" in mlp.summary
