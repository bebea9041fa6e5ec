"""The student bundle: exactly the exercises and a README, with no solution or reference text."""

from __future__ import annotations

import ast
import inspect
import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from autograder.notebooks import solution_regions, write_notebook
from autograder.release import ReleaseError, build_release

ROOT = Path(__file__).resolve().parents[2]
ASSIGNMENTS = ["shallow", "composition", "depth", "features", "backprop", "surfaces", "capacity"]
API = {
    "shallow": ["relu", "shallow_net", "kink_locations", "count_linear_regions", "interpolant_net"],
    "composition": ["compose", "composition_to_deep", "deep_net"],
    "depth": ["mlp", "sawtooth", "sawtooth_layers", "count_linear_pieces", "collapse_linear"],
    "features": ["add_radius_feature", "fit_logistic_regression", "predict"],
    "backprop": ["forward", "mse", "backward", "numerical_gradient", "train"],
    "surfaces": ["neuron_surfaces", "activation_patterns", "count_regions_grid"],
    # the project's own seventh assignment (docs/API-capacity.md)
    "capacity": [
        "activation",
        "mlp_with",
        "shallow_to_layers",
        "composition_to_layers",
        "layers_to_xw",
        "random_layers",
        "depth_sweep",
        "as_relu_layers",
        "train_deep_linear",
    ],
}
ALL_API = {name for names in API.values() for name in names}
MIN_LENGTH = 12  # shorter lines (return y, x = x.copy()) are too generic to mean a leak


@pytest.fixture(scope="module")
def bundle(tmp_path_factory) -> Path:
    dest = tmp_path_factory.mktemp("bundle") / "release"
    build_release(dest)
    return dest


def bundle_lines(bundle: Path) -> set[str]:
    """Every stripped line of every cell (code and markdown) and of the README."""
    readme = bundle / "README.txt"
    lines = set(readme.read_text(encoding="utf-8").splitlines()) if readme.is_file() else set()
    for path in bundle.glob("*.ipynb"):
        nb = nbformat.read(path, as_version=4)
        for cell in nb.cells:
            lines.update(cell.source.splitlines())
            for output in cell.get("outputs", []):
                lines.update(str(output.get("text", "")).splitlines())
    return {line.strip() for line in lines}


def significant(line: str) -> bool:
    stripped = line.strip()
    return len(stripped) >= MIN_LENGTH and not stripped.startswith("#")


def solution_lines() -> dict[str, str]:
    """Non-trivial lines inside the solution regions of all solution notebooks -> where from."""
    found = {}
    for path in sorted((ROOT / "solutions").glob("*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        for index, cell in enumerate(nb.cells):
            if cell.cell_type != "code":
                continue
            lines = cell.source.splitlines()
            for begin, end in solution_regions(cell.source):
                for line in lines[begin + 1 : end]:
                    if significant(line):
                        found[line.strip()] = f"{path.name} cell {index}"
    return found


def _docstring_lines(node: ast.AST) -> set[int]:
    if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return set()
    body = node.body
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
        if isinstance(body[0].value.value, str):
            return set(range(body[0].lineno, body[0].end_lineno + 1))
    return set()


def _draws_figures(tree: ast.Module) -> bool:
    """True for modules that import matplotlib (feedback figures, not answers)."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import) and any(
            a.name.startswith("matplotlib") for a in node.names
        ):
            return True
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("matplotlib"):
            return True
    return False


def reference_body_lines() -> dict[str, str]:
    """Non-trivial lines of the bodies of the functions in reference/*.py -> where from.

    Modules that draw figures with matplotlib are left out: their lines (ax.set_xlabel("x"),
    origin="lower", ...) are generic plotting code that any notebook plot shares, not answers.
    """
    found = {}
    for path in sorted((ROOT / "reference").glob("*.py")):
        source = path.read_text(encoding="utf-8")
        lines = source.splitlines()
        tree = ast.parse(source)
        if _draws_figures(tree):
            continue
        for node in ast.walk(tree):
            if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                continue
            skip = set()
            for inner in ast.walk(node):
                skip |= _docstring_lines(inner)
            start, end = node.body[0].lineno, node.end_lineno
            for number in range(start, end + 1):
                if number not in skip and significant(lines[number - 1]):
                    found[lines[number - 1].strip()] = f"{path.name}:{number} ({node.name})"
    return found


def test_bundle_holds_exactly_the_exercises_and_readme(bundle):
    files = sorted(p.relative_to(bundle).as_posix() for p in bundle.rglob("*"))
    assert files == sorted(["README.txt"] + [f"{a}.ipynb" for a in ASSIGNMENTS])
    for a in ASSIGNMENTS:
        assert (bundle / f"{a}.ipynb").read_bytes() == (
            ROOT / "exercises" / f"{a}.ipynb"
        ).read_bytes()
    readme = (bundle / "README.txt").read_text(encoding="utf-8")
    assert "not implemented yet" in readme and "1. shallow.ipynb" in readme


def test_no_markers_outputs_or_reference_imports(bundle):
    for path in bundle.glob("*.ipynb"):
        text = path.read_text(encoding="utf-8")
        assert "BEGIN SOLUTION" not in text and "END SOLUTION" not in text, path.name
        nb = nbformat.read(path, as_version=4)
        for cell in nb.cells:
            if cell.cell_type == "code":
                assert cell.outputs == [] and cell.execution_count is None
                assert "reference" not in cell.source and "relulab" not in cell.source


def test_every_api_function_still_raises(bundle):
    """Exec the given and answer cells of each released notebook; call each API function."""
    os.environ.setdefault("MPLBACKEND", "Agg")
    seen = set()
    for path in sorted(bundle.glob("*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        namespace: dict = {"__name__": "released"}
        answered = []
        for cell in nb.cells:
            role = (
                cell.metadata.get("relulab", {}).get("role") if cell.cell_type == "code" else None
            )
            if role in ("given", "answer"):
                exec(compile(cell.source, f"{path.name}", "exec"), namespace)
            if role == "answer":
                answered += cell.metadata["relulab"]["functions"]
        assert set(API[path.stem]) <= set(answered), path.name
        for name in answered:
            function = namespace[name]
            required = [
                p
                for p in inspect.signature(function).parameters.values()
                if p.default is inspect.Parameter.empty
            ]
            with pytest.raises(NotImplementedError, match=name):
                function(*[None] * len(required))
            seen.add(name)
    assert ALL_API <= seen


def test_no_solution_line_in_bundle(bundle):
    lines = bundle_lines(bundle)
    solutions = solution_lines()
    assert len(solutions) > 100  # the scan found the regions
    leaked = {line: where for line, where in solutions.items() if line in lines}
    assert not leaked, f"solution lines in the student bundle: {leaked}"


def test_leak_scans_would_see_a_leak():
    """Scanning the solutions folder itself must report every solution line as leaked."""
    lines = bundle_lines(ROOT / "solutions")
    assert all(line in lines for line in solution_lines())
    example = ROOT / "reference" / "depth.py"
    copied = {line.strip() for line in example.read_text(encoding="utf-8").splitlines()}
    from_depth = [
        ln for ln, where in reference_body_lines().items() if where.startswith("depth.py")
    ]
    assert from_depth and all(line in copied for line in from_depth)


def test_no_reference_line_in_bundle(bundle):
    references = reference_body_lines()
    assert len(references) > 100  # the answer key was found and parsed
    lines = bundle_lines(bundle)
    leaked = {line: where for line, where in references.items() if line in lines}
    assert not leaked, f"reference lines in the student bundle: {leaked}"


def test_refuses_stale_exercises_and_foreign_folders(tmp_path):
    course = tmp_path / "course"
    shutil.copytree(ROOT / "solutions", course / "solutions")
    shutil.copytree(ROOT / "exercises", course / "exercises")
    assert len(build_release(tmp_path / "ok", root=course)) == 8
    assert len(build_release(tmp_path / "ok", root=course)) == 8  # an earlier bundle: overwritten

    (tmp_path / "busy").mkdir()
    (tmp_path / "busy" / "notes.txt").write_text("mine")
    with pytest.raises(ReleaseError, match="notes.txt"):
        build_release(tmp_path / "busy", root=course)

    solution = course / "solutions" / "depth.ipynb"
    nb = nbformat.read(solution, as_version=4)
    answer = next(c for c in nb.cells if c.metadata.get("relulab", {}).get("role") == "answer")
    answer.source = answer.source.replace('"""', '"""Changed after the exercises were made.', 1)
    write_notebook(nb, solution)
    with pytest.raises(ReleaseError, match="depth.ipynb"):
        build_release(tmp_path / "stale", root=course)
    assert not (tmp_path / "stale").exists()


def test_module_command(tmp_path):
    dest = tmp_path / "out"
    run = subprocess.run(
        [sys.executable, "-m", "autograder.release", str(dest)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
    )
    assert run.returncode == 0, run.stderr
    assert sorted(p.name for p in dest.iterdir()) == sorted(
        ["README.txt"] + [f"{a}.ipynb" for a in ASSIGNMENTS]
    )
    assert len(run.stdout.splitlines()) == 8
    usage = subprocess.run(
        [sys.executable, "-m", "autograder.release"], capture_output=True, text=True, cwd=ROOT
    )
    assert usage.returncode == 2 and "usage" in usage.stderr
