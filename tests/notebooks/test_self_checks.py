"""The exercise notebooks' public self-checks flag every one-mistake implementation.

Each one-mistake implementation (tests/autograder/cases/mutants.py) is put into the solution
notebook the way a student's mistake would be: the answer cell of the function that holds the
mistake ends by redefining that function (and, for a helper it calls, that helper) from the
mistaken module. The notebook then runs top to bottom in a real Jupyter kernel, as a student
runs it, and the check of that same function must print "FAIL".
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
pytest.importorskip("nbclient")
pytest.importorskip("ipykernel")

from notebooks.test_execute import check_results, execute  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
_spec = importlib.util.spec_from_file_location(
    "relulab_mutants", ROOT / "tests" / "autograder" / "cases" / "mutants.py"
)
mutants = importlib.util.module_from_spec(_spec)
sys.modules["relulab_mutants"] = mutants
_spec.loader.exec_module(mutants)

pytestmark = pytest.mark.slow


def inject(nb, mutant) -> None:
    """Redefine mutant.function at the end of its answer cell from the mistaken module."""
    source = mutant.source()
    code = (
        "\n\n# --- injected mistake ---\n"
        "import types as _types\n"
        "_mistaken = _types.ModuleType('mistaken')\n"
        f"exec(compile({source!r}, 'mistaken', 'exec'), _mistaken.__dict__)\n"
        f"{mutant.function} = _mistaken.{mutant.function}\n"
    )
    for cell in nb.cells:
        meta = cell.metadata.get("relulab", {})
        if meta.get("role") == "answer" and mutant.function in meta.get("functions", []):
            cell.source += code
            return
    raise AssertionError(f"no answer cell for {mutant.function}")


@pytest.mark.parametrize("mutant", mutants.MUTANTS, ids=lambda m: m.id)
def test_self_check_flags_the_mistake_in_its_function(mutant, tmp_path, monkeypatch):
    monkeypatch.setenv("MPLBACKEND", "Agg")  # the figures are made, never rendered
    path = ROOT / "solutions" / f"{mutant.assignment}.ipynb"
    nb = nbformat.read(path, as_version=4)
    inject(nb, mutant)
    mistaken = tmp_path / path.name
    nbformat.write(nb, mistaken)
    results, _, _ = check_results(execute(mistaken, ROOT))
    got = results.get(mutant.function, [])
    assert any(r.startswith("FAIL") for r in got), f"{mutant.function}'s check said {got}"
