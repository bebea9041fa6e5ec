"""Gradescope's autograder results.json format as a JSON schema (from Gradescope's spec).

Used by the tests to validate every results.json the grader writes.
"""

from __future__ import annotations

import jsonschema

VISIBILITY = {"enum": ["hidden", "after_due_date", "after_published", "visible"]}
FORMAT = {"enum": ["text", "html", "simple_format", "md", "ansi"]}

TEST = {
    "type": "object",
    "properties": {
        "score": {"type": "number"},
        "max_score": {"type": "number"},
        "status": {"enum": ["passed", "failed"]},
        "name": {"type": "string"},
        "name_format": FORMAT,
        "number": {"type": "string"},
        "output": {"type": "string"},
        "output_format": FORMAT,
        "tags": {"type": "array", "items": {"type": "string"}},
        "visibility": VISIBILITY,
        "extra_data": {"type": "object"},
    },
    "required": ["name", "score", "max_score", "output", "visibility"],
    "additionalProperties": False,
}

RESULTS = {
    "type": "object",
    "properties": {
        "score": {"type": "number"},
        "max_score": {"type": "number"},
        "execution_time": {"type": "number"},
        "output": {"type": "string"},
        "output_format": FORMAT,
        "test_output_format": FORMAT,
        "test_name_format": FORMAT,
        "visibility": VISIBILITY,
        "stdout_visibility": VISIBILITY,
        "extra_data": {"type": "object"},
        "tests": {"type": "array", "items": TEST},
        "leaderboard": {"type": "array"},
    },
    "required": ["score", "max_score", "output", "tests"],
    "additionalProperties": False,
}


def validate_results(data: dict) -> None:
    """Raise jsonschema.ValidationError unless ``data`` is a valid Gradescope results.json,
    including the rule that the score is the sum of the tests' scores."""
    jsonschema.validate(data, RESULTS)
    total = sum(t["score"] for t in data["tests"])
    assert abs(total - data["score"]) < 1e-6, f"score {data['score']} != sum of tests {total}"
    assert 0 <= data["score"] <= data["max_score"]
    for t in data["tests"]:
        assert 0 <= t["score"] <= t["max_score"] or t["max_score"] == 0 == t["score"]
