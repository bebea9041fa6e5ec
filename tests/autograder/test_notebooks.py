"""The exercise generator: crafted notebooks, and the committed notebooks being up to date."""

from __future__ import annotations

import ast
import importlib.util
import shutil
from pathlib import Path

import nbformat
import pytest

from autograder.notebooks import (
    NotebookError,
    generate_exercises,
    make_exercise,
    notebook_json,
    unclean_solutions,
    write_notebook,
)

ROOT = Path(__file__).resolve().parents[2]

# The student functions of shared/spec/API.md, per assignment.
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


def code_cell(source: str, role: str, functions: list[str] | None = None):
    cell = nbformat.v4.new_code_cell(source)
    cell.metadata = {"relulab": {"role": role}}
    if functions is not None:
        cell.metadata["relulab"]["functions"] = functions
    return cell


def crafted(answer_source: str) -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    nb.metadata["relulab"] = {"assignment": "crafted"}
    given = code_cell("import math", "given")
    given.outputs = [nbformat.v4.new_output("stream", text="hello\n")]
    given.execution_count = 3
    nb.cells = [
        nbformat.v4.new_markdown_cell("# Title"),
        given,
        code_cell(answer_source, "answer", ["area", "Shape.scaled"]),
        code_cell("print(area(2.0))", "check", ["area"]),
    ]
    for i, cell in enumerate(nb.cells):
        cell.id = f"c{i}"
    return nb


SEVERAL = '''\
def area(r: float) -> float:
    """Area of a disc of radius r."""
    ### BEGIN SOLUTION
    return math.pi * r * r
    ### END SOLUTION


class Shape:
    def scaled(self, k):
        """Scale by k."""
        if k < 0:
            ### BEGIN SOLUTION
            k = -k
            ### END SOLUTION
        ### BEGIN SOLUTION
        return k * 2
        ### END SOLUTION
'''


def test_regions_become_raise_lines_at_their_indentation():
    nb = crafted(SEVERAL)
    out = make_exercise(nb)
    source = out.cells[2].source
    assert source.splitlines() == [
        "def area(r: float) -> float:",
        '    """Area of a disc of radius r."""',
        '    raise NotImplementedError("area is not written yet")',
        "",
        "",
        "class Shape:",
        "    def scaled(self, k):",
        '        """Scale by k."""',
        "        if k < 0:",
        '            raise NotImplementedError("scaled is not written yet")',
        '        raise NotImplementedError("scaled is not written yet")',
    ]
    ast.parse(source)  # still valid Python
    assert "SOLUTION" not in notebook_json(out)
    namespace: dict = {}
    exec(out.cells[1].source + "\n" + source, namespace)
    with pytest.raises(NotImplementedError, match="area"):
        namespace["area"](1.0)


def test_outputs_cleared_metadata_kept_input_untouched():
    nb = crafted(SEVERAL)
    before = notebook_json(nb)
    out = make_exercise(nb)
    assert notebook_json(nb) == before  # the solution notebook is not modified
    given = out.cells[1]
    assert given.outputs == [] and given.execution_count is None
    assert out.cells[2].metadata == {
        "relulab": {"role": "answer", "functions": ["area", "Shape.scaled"]}
    }
    assert [c.id for c in out.cells] == ["c0", "c1", "c2", "c3"]
    assert out.cells[0].source == "# Title"


def test_top_level_region():
    nb = crafted("x = 1\n### BEGIN SOLUTION\ny = 2\n### END SOLUTION\n")
    assert make_exercise(nb).cells[2].source.splitlines() == [
        "x = 1",
        'raise NotImplementedError("this part is not written yet")',
    ]


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("def f():\n    ### BEGIN SOLUTION\n    return 1\n", "line 2: ### BEGIN SOLUTION without"),
        ("def f():\n    return 1\n    ### END SOLUTION\n", "line 3: ### END SOLUTION without"),
        (
            "### BEGIN SOLUTION\n### BEGIN SOLUTION\n### END SOLUTION\n",
            "line 2: ### BEGIN SOLUTION inside the region opened on line 1",
        ),
        ("### BEGIN SOLUTIONS\nx = 1\n### END SOLUTION\n", "unknown marker"),
        ("def f():\n    return 1\n", "answer cell has no"),
    ],
)
def test_broken_markers_name_notebook_and_cell(source, message):
    with pytest.raises(NotebookError) as info:
        make_exercise(crafted(source), name="solutions/crafted.ipynb")
    text = str(info.value)
    assert "solutions/crafted.ipynb: cell 2 (id c2)" in text
    assert message in text


def test_default_name_comes_from_metadata_and_roles_are_required():
    nb = crafted(SEVERAL)
    nb.cells[3].metadata = {}
    with pytest.raises(NotebookError, match=r"notebook 'crafted': cell 3 .*relulab.role"):
        make_exercise(nb)
    nb = crafted(SEVERAL)
    nb.cells[1].source = "### BEGIN SOLUTION\nx = 1\n### END SOLUTION"
    with pytest.raises(NotebookError, match="solution region in a 'given' cell"):
        make_exercise(nb)
    nb = crafted(SEVERAL)
    del nb.cells[2].metadata["relulab"]["functions"]
    with pytest.raises(NotebookError, match="relulab.functions"):
        make_exercise(nb)


def test_committed_exercises_are_up_to_date():
    """The CI check: regenerating the exercises from the solutions changes nothing."""
    assert generate_exercises(ROOT, check=True) == []


def test_committed_solutions_carry_no_outputs():
    assert unclean_solutions(ROOT) == []


def test_generate_writes_then_check_is_clean(tmp_path):
    shutil.copytree(ROOT / "solutions", tmp_path / "solutions")
    names = sorted(p.name for p in (ROOT / "solutions").glob("*.ipynb"))
    assert [p.name for p in generate_exercises(tmp_path, check=True)] == names  # none exist yet
    written = generate_exercises(tmp_path)
    assert sorted(p.name for p in written) == names
    first = {p.name: p.read_bytes() for p in written}
    assert first == {p.name: (ROOT / "exercises" / p.name).read_bytes() for p in written}
    assert generate_exercises(tmp_path, check=True) == []
    generate_exercises(tmp_path)
    assert {p.name: p.read_bytes() for p in written} == first  # byte-identical on rerun

    solution = tmp_path / "solutions" / "shallow.ipynb"
    nb = nbformat.read(solution, as_version=4)
    nb.cells[0].source += "\n\nOne more sentence."
    write_notebook(nb, solution)
    assert generate_exercises(tmp_path, check=True) == [tmp_path / "exercises" / "shallow.ipynb"]


def test_solutions_are_built_from_their_sources():
    """tools/build_notebooks.py reproduces every committed solution notebook exactly."""
    spec = importlib.util.spec_from_file_location(
        "build_notebooks", ROOT / "tools/build_notebooks.py"
    )
    builder = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(builder)
    for name in builder.ASSIGNMENTS:
        committed = (ROOT / "solutions" / f"{name}.ipynb").read_text(encoding="utf-8")
        assert notebook_json(builder.build(name)) == committed, name


@pytest.mark.parametrize("assignment", sorted(API))
def test_conventions_of_each_solution(assignment):
    nb = nbformat.read(ROOT / "solutions" / f"{assignment}.ipynb", as_version=4)
    nbformat.validate(nb)
    answered: list[str] = []
    checked: set[str] = set()
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        meta = cell.metadata["relulab"]
        assert meta["role"] in ("given", "answer", "check", "plot")
        if meta["role"] == "answer":
            defined = {
                node.name
                for node in ast.parse(cell.source).body
                if isinstance(node, ast.FunctionDef)
            }
            assert set(meta["functions"]) == defined
            answered += meta["functions"]
        if meta["role"] == "check":
            checked |= set(meta["functions"])
            for name in meta["functions"]:
                assert f'check("{name}", ' in cell.source
    assert set(API[assignment]) <= set(answered)
    assert len(answered) == len(set(answered))
    assert set(answered) == checked  # at least one public check per function
