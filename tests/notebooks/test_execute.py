"""Run every solution and exercise notebook top to bottom in a real Jupyter kernel.

Solutions: every public check prints "<name>: pass". Exercises: the notebook runs to the end
without an error and every check prints "<name>: not implemented yet".
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")
pytest.importorskip("ipykernel")

ROOT = Path(__file__).resolve().parents[2]
ASSIGNMENTS = ["shallow", "composition", "depth", "features", "backprop", "surfaces", "capacity"]
CHECK_LINE = re.compile(r"^(\w+): (pass|FAIL - .*|not implemented yet)$")

pytestmark = pytest.mark.slow


def execute(path: Path, cwd: Path) -> nbformat.NotebookNode:
    """Execute a notebook with the python3 kernel of this interpreter, cells in order.

    A kernel that dies before it answers is started again (twice at most): jupyter_client
    picks free TCP ports and the kernel binds them later, so a kernel starting at the same
    moment on another xdist worker can take one first ("Address already in use")."""
    for attempt in range(3):
        nb = nbformat.read(path, as_version=4)
        client = nbclient.NotebookClient(
            nb,
            kernel_name="python3",  # jupyter_client starts "python" kernels with sys.executable
            timeout=120,
            allow_errors=False,
            resources={"metadata": {"path": str(cwd)}},
        )
        try:
            client.execute()
            return nb
        except RuntimeError as exc:
            if "died before replying to kernel_info" not in str(exc) or attempt == 2:
                raise
    raise AssertionError("unreachable")


def check_results(nb) -> tuple[dict[str, list[str]], list[str], list[str]]:
    """(results of check lines by function, expected function names, other stdout lines)."""
    results: dict[str, list[str]] = {}
    expected: list[str] = []
    other: list[str] = []
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        meta = cell.metadata["relulab"]
        if meta["role"] == "check":
            expected += meta["functions"]
        for output in cell.outputs:
            assert output.output_type != "error", f"{output.get('ename')}: {output.get('evalue')}"
            if output.output_type == "stream" and output.name == "stdout":
                for line in output.text.splitlines():
                    match = CHECK_LINE.match(line)
                    if match and meta["role"] == "check":
                        results.setdefault(match.group(1), []).append(match.group(2))
                    else:
                        other.append(line)
    return results, expected, other


@pytest.fixture
def kernel_env(tmp_path, monkeypatch):
    monkeypatch.setenv("MPLBACKEND", "Agg")
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_solution_passes_its_checks(assignment, kernel_env):
    nb = execute(ROOT / "solutions" / f"{assignment}.ipynb", kernel_env)
    results, expected, other = check_results(nb)
    assert sorted(results) == sorted(expected), "every check prints one line per function"
    failed = {name: r for name, r in results.items() if r != ["pass"]}
    assert not failed, failed
    assert not [line for line in other if "skipped" in line or "FAIL" in line], other


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_exercise_runs_to_the_end(assignment, kernel_env):
    nb = execute(ROOT / "exercises" / f"{assignment}.ipynb", kernel_env)
    results, expected, other = check_results(nb)
    assert sorted(results) == sorted(expected)
    assert all(r == ["not implemented yet"] for r in results.values()), results
    plots = [
        c for c in nb.cells if c.cell_type == "code" and c.metadata["relulab"]["role"] == "plot"
    ]
    skipped = [line for line in other if line.startswith("(plot skipped: ")]
    assert len(skipped) == len(plots), other
