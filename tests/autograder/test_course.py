"""course.yml: the shipped file is valid and every problem is reported with its place."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml

from autograder.cases import load_questions
from autograder.course import CourseError, load_course, parse_course
from autograder.paths import course_root

API_ASSIGNMENTS = ["shallow", "composition", "depth", "features", "backprop", "surfaces"]
# The project's own additions after the contract's six (docs/API-<name>.md).
OWN_ASSIGNMENTS = ["capacity"]


@pytest.fixture(scope="module")
def raw() -> dict:
    return yaml.safe_load((course_root() / "course.yml").read_text())


def test_shipped_course_is_valid_and_in_order():
    course = load_course()
    assert course.names[: len(API_ASSIGNMENTS)] == API_ASSIGNMENTS
    assert course.names == API_ASSIGNMENTS + OWN_ASSIGNMENTS
    due = [a.due for a in course.assignments]
    assert due == sorted(due), "assignments are due in course order"
    for a in course.assignments:
        assert a.max_score == sum(q.points for q in a.questions) > 0
        assert a.due is not None and a.due.tzinfo is not None


def test_every_question_has_hidden_cases_for_its_functions():
    course = load_course()
    for a in course.assignments:
        table = load_questions(a.name)
        for q in a.questions:
            assert q.name in table, f"{a.name}.{q.name} has no cases"
            assert table[q.name].function in q.functions


def test_per_question_overrides_apply(raw):
    course = parse_course(raw)
    assert course.limits("depth", "count_linear_pieces").wall_s == 20
    assert course.limits("depth", "mlp").wall_s == course.defaults.limits.wall_s
    assert course.tolerance("backprop", "numerical_gradient").rtol == 1e-4
    assert course.tolerance("backprop", "mse").rtol == course.defaults.tolerance.rtol


def test_all_problems_reported_with_their_place(raw):
    bad = copy.deepcopy(raw)
    bad["assignments"][2]["questions"][1]["points"] = 0
    bad["assignments"][0]["colour"] = "red"
    bad["assignments"][1]["questions"][0]["tolerance"] = {"rtol": -1}
    del bad["seed"]
    with pytest.raises(CourseError) as info:
        parse_course(bad)
    problems = info.value.problems
    assert "assignments[2].questions[1].points: must be > 0.0" in problems
    assert "assignments[0].colour: is not a known setting" in problems
    assert "assignments[1].questions[0].tolerance.rtol: must be >= 0.0" in problems
    assert "seed: is required" in problems
    assert len(problems) == 4


def test_duplicates_and_naive_due_dates_are_rejected(raw):
    bad = copy.deepcopy(raw)
    bad["assignments"][1]["name"] = "shallow"
    with pytest.raises(CourseError, match="assignment names must be unique; repeated: shallow"):
        parse_course(bad)
    bad = copy.deepcopy(raw)
    bad["assignments"][0]["due"] = "2026-12-07T23:59:00"
    bad["assignments"][3]["questions"].append(dict(bad["assignments"][3]["questions"][0]))
    with pytest.raises(CourseError) as info:
        parse_course(bad)
    text = str(info.value)
    assert "assignments[0].due: must include a time zone" in text
    assert "assignments[3]: question names must be unique; repeated: add_radius_feature" in text


def test_unreadable_and_non_yaml_files(tmp_path: Path):
    with pytest.raises(CourseError, match="cannot read the file"):
        load_course(tmp_path / "missing.yml")
    broken = tmp_path / "course.yml"
    broken.write_text("course: x\nassignments: [\n")
    with pytest.raises(CourseError, match="not valid YAML at line"):
        load_course(broken)
    broken.write_text("- just a list\n")
    with pytest.raises(CourseError, match="must be a mapping"):
        load_course(broken)


def test_partial_overrides_inherit_field_by_field(raw):
    data = copy.deepcopy(raw)
    data["defaults"]["tolerance"] = {"rtol": 1e-3, "atol": 1e-4}
    data["defaults"]["limits"].update(wall_s=7, cpu_s=8, memory_mb=512, nproc=9)
    depth = data["assignments"][2]
    depth["limits"] = {"wall_s": 5}
    depth["tolerance"] = {"rtol": 2e-3}
    depth["questions"][0]["tolerance"] = {"atol": 1e-2}
    depth["questions"][3]["limits"] = {"cpu_s": 30}
    course = parse_course(data)
    # question atol, then assignment rtol; a question without a tolerance takes the assignment's
    # rtol and the course atol
    tol = course.tolerance("depth", depth["questions"][0]["name"])
    assert (tol.rtol, tol.atol) == (2e-3, 1e-2)
    tol = course.tolerance("depth", depth["questions"][1]["name"])
    assert (tol.rtol, tol.atol) == (2e-3, 1e-4)
    # an assignment that changes only wall_s keeps every other course limit
    lim = course.limits("depth")
    assert (lim.wall_s, lim.cpu_s, lim.memory_mb, lim.nproc) == (5, 8, 512, 9)
    assert lim.load_s == raw["defaults"]["limits"]["load_s"]
    q = course.limits("depth", depth["questions"][3]["name"])
    assert (q.wall_s, q.cpu_s, q.memory_mb) == (5, 30, 512)
    # other assignments are untouched by depth's settings
    tol = course.tolerance("composition", "compose")
    assert (tol.rtol, tol.atol) == (1e-3, 1e-4)
    assert course.limits("composition").wall_s == 7


def test_override_problems_keep_their_place(raw):
    bad = copy.deepcopy(raw)
    bad["assignments"][1]["limits"] = {"memory_mb": 5, "colour": 1}
    bad["assignments"][2]["tolerance"] = {"atol": -1}
    with pytest.raises(CourseError) as info:
        parse_course(bad)
    assert sorted(info.value.problems) == [
        "assignments[1].limits.colour: is not a known setting",
        "assignments[1].limits.memory_mb: must be >= 128",
        "assignments[2].tolerance.atol: must be >= 0.0",
    ]


def test_the_isolation_course_yml_can_require_is_what_the_sandbox_offers():
    from typing import get_args

    from autograder.course import Isolation
    from autograder.sandbox import REQUIREMENTS

    assert set(get_args(Isolation)) == set(REQUIREMENTS)


def test_sandbox_require_is_validated_with_its_place(tmp_path):
    import yaml

    from autograder.course import CourseError, load_course
    from autograder.paths import course_root

    data = yaml.safe_load((course_root() / "course.yml").read_text())
    data["sandbox"] = {"require": ["uid", "telepathy"]}
    path = tmp_path / "course.yml"
    path.write_text(yaml.safe_dump(data))
    with pytest.raises(CourseError, match=r"sandbox\.require\[1\]: Input should be 'namespaces'"):
        load_course(path)
