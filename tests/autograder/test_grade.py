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
