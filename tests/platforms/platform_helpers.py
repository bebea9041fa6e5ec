"""Shared pieces of the platform round trips: submissions of `composition` and relulab's scores.

The submissions are built from the real solution notebook: the correct one has every answer
filled in with the solution; the partly wrong one breaks `compose` on the random cases with 8
hidden units in the first net (partial credit) and drops the second ReLU of `deep_net`; the
forger writes wrong code and patches numpy and IPython's error handling.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from autograder.export import strip_markers
from autograder.paths import course_root

ASSIGNMENT = "composition"
CHECKOUT = course_root()

WRONG_COMPOSE = """

def compose(x, theta1, phi1, theta2, phi2):
    y = shallow_net(shallow_net(x, theta1, phi1), theta2, phi2)
    return y if theta1.shape[0] != 8 else 0.0 * y
"""
WRONG_DEEP_NET = """

def deep_net(x, theta, psi, phi):
    h = relu(theta[:, 0] + np.outer(x, theta[:, 1]))
    return phi[0] + (psi[:, 0] + h @ psi[:, 1:].T) @ phi[1:]
"""
FORGED_COMPOSE = """

def compose(x, theta1, phi1, theta2, phi2):
    return np.zeros(np.shape(x))

np.allclose = lambda *a, **k: True
np.testing.assert_allclose = lambda *a, **k: None
get_ipython().set_custom_exc((BaseException,), lambda *a, **k: None)
"""
FORGERY_LINES = [line for line in FORGED_COMPOSE.splitlines() if "lambda" in line]
FORGED_DEEP_NET = """

def deep_net(x, theta, psi, phi):
    return np.zeros(np.shape(x))
"""

# extra code appended to the answer cell defining each function, per kind of submission
KINDS = {
    "correct": {},
    "partial": {"compose": WRONG_COMPOSE, "deep_net": WRONG_DEEP_NET},
    "forger": {"compose": FORGED_COMPOSE, "deep_net": FORGED_DEEP_NET},
}


def env() -> dict[str, str]:
    """The environment for the platform tools: this checkout importable as relulab."""
    e = dict(os.environ)
    e["PYTHONPATH"] = os.pathsep.join(filter(None, [str(CHECKOUT), e.get("PYTHONPATH")]))
    e.pop("JUPYTER_PLATFORM_DIRS", None)
    return e


def run(cmd: list[str], cwd: Path, timeout: float = 120) -> subprocess.CompletedProcess:
    """Run a platform command; fail the test with its output when it fails."""
    proc = subprocess.run(cmd, cwd=cwd, env=env(), capture_output=True, text=True, timeout=timeout)
    if proc.returncode != 0:
        pytest.fail(f"{' '.join(cmd)} failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}")
    return proc


def answer_sources(kind: str) -> list[tuple[list[str], str]]:
    """(functions, filled source) of every answer cell of the solution notebook, in order."""
    solution = nbformat.read(CHECKOUT / "solutions" / f"{ASSIGNMENT}.ipynb", as_version=4)
    out = []
    for cell in solution.cells:
        meta = cell.metadata.get("relulab", {})
        if meta.get("role") != "answer":
            continue
        source = strip_markers(cell.source)
        for f in meta["functions"]:
            source += KINDS[kind].get(f, "")
        out.append((list(meta["functions"]), source))
    return out


def relulab_scores(folder: Path, student: str | None = None) -> dict[str, dict]:
    """``relulab grade`` (the real CLI) of every file in ``folder``: results.json by file stem.

    The student id of each file is its stem, or ``student`` when given (then the files are
    graded one at a time: one student id means one submission).
    """
    out = folder / "graded"
    base = [sys.executable, "-m", "autograder.cli", "grade", "-a", ASSIGNMENT, "--out", str(out)]
    base += ["--force", "--jobs", "2"]
    if student is None:
        run([*base, str(folder)], cwd=folder)
    else:
        for path in sorted(folder.glob("*.ipynb")) + sorted(folder.glob("*.py")):
            run([*base, str(path), "--student-id", student], cwd=folder)
    return {p.parent.name: json.loads(p.read_text()) for p in sorted(out.glob("*/results.json"))}


def exercise_submission(kind: str) -> nbformat.NotebookNode:
    """exercises/composition.ipynb with its answer cells filled in as ``kind`` says."""
    nb = nbformat.read(CHECKOUT / "exercises" / f"{ASSIGNMENT}.ipynb", as_version=4)
    answers = [c for c in nb.cells if c.metadata.get("relulab", {}).get("role") == "answer"]
    sources = answer_sources(kind)
    assert len(answers) == len(sources)
    for cell, (_functions, source) in zip(answers, sources, strict=True):
        cell.source = source
    return nb
