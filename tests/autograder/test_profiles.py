"""Case profiles worked out in one process (a Gradescope image's build) and taken by another
give exactly the cases the other would have drawn by working them out itself."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest

ASSIGNMENTS = ["shallow", "composition", "depth", "features", "backprop", "surfaces", "capacity"]

SCRIPT = textwrap.dedent(
    """
    import hashlib, json, sys
    import numpy as np
    from autograder.cases.base import known_spares
    from autograder.course import load_course
    from autograder.grade import plan, take_profiles, worked_out_profiles

    mode, assignment = sys.argv[1], sys.argv[2]
    course = load_course()
    if mode == "work":
        print(json.dumps(worked_out_profiles(course, assignment)))
        sys.exit()
    taken = None
    if mode == "take":
        taken = take_profiles(course, assignment, json.loads(sys.stdin.read()))
    before = len(known_spares())

    def digest(value):
        h = hashlib.sha256()
        def walk(v):
            if isinstance(v, np.ndarray):
                h.update(str((v.dtype, v.shape)).encode()); h.update(v.tobytes())
            elif isinstance(v, (list, tuple)):
                h.update(b"[")
                for x in v:
                    walk(x)
                h.update(b"]")
            elif isinstance(v, dict):
                for k in sorted(v):
                    h.update(str(k).encode()); walk(v[k])
            else:
                h.update(repr(v).encode())
        walk(value)
        return h.hexdigest()

    cases = [
        digest([(c.function, c.args, c.kwargs) for c in plan(course, assignment, s).calls])
        for s in ("ada", "ben", "cy")
    ]
    print(json.dumps({"taken": taken, "cases": cases, "new": len(known_spares()) - before}))
    """
)


def _run(mode: str, assignment: str, stdin: str = "") -> dict:
    out = subprocess.run(
        [sys.executable, "-c", SCRIPT, mode, assignment],
        input=stdin,
        capture_output=True,
        text=True,
        check=True,
        timeout=300,
    )
    return json.loads(out.stdout)


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_taken_profiles_give_the_same_cases_and_nothing_is_worked_out_again(assignment):
    profiles = _run("work", assignment)
    own = _run("plain", assignment)
    taken = _run("take", assignment, json.dumps(profiles))
    assert taken["taken"] is True
    assert taken["cases"] == own["cases"]  # the same instances for every student
    assert taken["new"] == 0  # every profile the plans needed was there
    if profiles["profiles"]:
        assert own["new"] > 0  # the control: without them, they are worked out


def test_profiles_of_another_setup_or_malformed_are_not_taken():
    from autograder.course import load_course
    from autograder.grade import take_profiles

    course = load_course()
    good = {"fingerprint": "f" * 64, "profiles": [[["a", "b", "c", "d"], ["m"]]]}
    assert take_profiles(course, "composition", good) is False  # another fingerprint
    assert take_profiles(course, "composition", good, fingerprint="f" * 64) is True
    for bad in (None, [], "x", {"fingerprint": "f" * 64, "profiles": [[1, 2]]}):
        assert take_profiles(course, "composition", bad, fingerprint="f" * 64) is False
