"""Build solutions/<a>.ipynb from the readable sources tools/notebook_src/<a>.py, then exercises.

A source is a Python file in "percent" cell format:

    # %% [markdown]
    # # A title
    # Text of the cell, each line behind "# ".

    # %% role=answer functions=relu,shallow_net
    def relu(z): ...

Code cell headers carry ``role=`` (given, answer, check, plot) and, for answer and check cells,
``functions=`` (comma separated). In a code cell that starts with the line
``from _helpers import ...`` that line is replaced by the contents of tools/notebook_src/_helpers.py
(shared helpers, inlined so that every notebook stands alone; the import keeps sources lint-clean).

    python tools/build_notebooks.py            # write solutions/ and exercises/
    python tools/build_notebooks.py --check    # exit 1 if any committed notebook is out of date

The output is deterministic: cell ids are "<assignment>-<index>", no outputs, fixed metadata.
"""

from __future__ import annotations

import argparse
import ast
import re
import sys
from pathlib import Path

import nbformat
from nbformat import NotebookNode

ROOT = Path(__file__).resolve().parent.parent
SRC = ROOT / "tools" / "notebook_src"
ASSIGNMENTS = ("shallow", "composition", "depth", "features", "backprop", "surfaces", "capacity")

_HEADER = re.compile(r"^# %%(.*)$")
_INCLUDE = re.compile(r"^from (_\w+) import ([\w, ]+?)(?:\s*#.*)?$")


def _included(module: str, names: str) -> list[str]:
    """The lines of tools/notebook_src/<module>.py a cell importing ``names`` from it needs: its
    docstring, imports and other top-level statements, and the functions and classes those
    names use, directly or through each other (in file order). A notebook carries only what it
    runs: the explorer of another assignment may use what this one asks students to write."""
    text = (SRC / f"{module}.py").read_text(encoding="utf-8")
    tree = ast.parse(text)
    lines = text.splitlines()
    defs = {
        node.name: node for node in tree.body if isinstance(node, ast.FunctionDef | ast.ClassDef)
    }
    wanted = [n.strip() for n in names.split(",") if n.strip()]
    unknown = [n for n in wanted if n not in defs and not _binds(tree, n)]
    if unknown:
        raise ValueError(f"{module}.py defines no {', '.join(unknown)}")
    needed: set[str] = set()
    todo = [n for n in wanted if n in defs]
    for node in tree.body:  # what the top-level statements use is always kept
        if not isinstance(node, ast.FunctionDef | ast.ClassDef):
            todo += [n.id for n in ast.walk(node) if isinstance(n, ast.Name) and n.id in defs]
    while todo:
        name = todo.pop()
        if name in needed:
            continue
        needed.add(name)
        todo += [n.id for n in ast.walk(defs[name]) if isinstance(n, ast.Name) and n.id in defs]
    out: list[str] = []
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.ClassDef) and node.name not in needed:
            continue
        start = min([node.lineno, *(d.lineno for d in getattr(node, "decorator_list", []))])
        if out:
            out += ["", ""] if isinstance(node, ast.FunctionDef | ast.ClassDef) else [""]
        out += lines[start - 1 : node.end_lineno]
    return out


def _binds(tree: ast.Module, name: str) -> bool:
    for node in tree.body:
        if isinstance(node, ast.Import | ast.ImportFrom):
            if any((a.asname or a.name.split(".")[0]) == name for a in node.names):
                return True
        elif isinstance(node, ast.Assign):
            if any(isinstance(t, ast.Name) and t.id == name for t in node.targets):
                return True
    return False


def _trim(lines: list[str]) -> list[str]:
    while lines and not lines[0].strip():
        lines = lines[1:]
    while lines and not lines[-1].strip():
        lines = lines[:-1]
    return lines


def _markdown(lines: list[str], where: str) -> str:
    out = []
    for line in lines:
        if line == "#":
            out.append("")
        elif line.startswith("# "):
            out.append(line[2:])
        else:
            raise ValueError(f"{where}: markdown line must start with '# ': {line!r}")
    return "\n".join(out)


def _code_metadata(header: str, where: str) -> dict:
    meta: dict = {}
    for item in header.split():
        key, sep, value = item.partition("=")
        if not sep or key not in ("role", "functions"):
            raise ValueError(f"{where}: bad cell header item {item!r}")
        meta[key] = value.split(",") if key == "functions" else value
    if "role" not in meta:
        raise ValueError(f"{where}: code cell header needs role=")
    return {"relulab": meta}


def parse_source(path: Path) -> list[NotebookNode]:
    """Cells of one percent-format source (ids and notebook metadata are set by build)."""
    cells: list[NotebookNode] = []
    header: str | None = None
    body: list[str] = []

    def flush() -> None:
        if header is None:
            if any(line.strip() for line in body):
                raise ValueError(f"{path}: text before the first '# %%' header")
            return
        where = f"{path}: cell {len(cells)}"
        lines = _trim(body)
        if header.strip() == "[markdown]":
            cells.append(nbformat.v4.new_markdown_cell(_markdown(lines, where)))
            return
        include = _INCLUDE.match(lines[0]) if lines else None
        if include:
            lines = _included(include.group(1), include.group(2)) + lines[1:]
        cell = nbformat.v4.new_code_cell("\n".join(lines))
        cell.metadata = _code_metadata(header, where)
        cells.append(cell)

    for line in path.read_text(encoding="utf-8").splitlines():
        match = _HEADER.match(line)
        if match:
            flush()
            header, body = match.group(1), []
        else:
            body.append(line)
    flush()
    return cells


def build(name: str) -> NotebookNode:
    """The solution notebook of assignment ``name``."""
    nb = nbformat.v4.new_notebook()
    nb.cells = parse_source(SRC / f"{name}.py")
    for i, cell in enumerate(nb.cells):
        cell.id = f"{name}-{i:02d}"
    nb.metadata = {
        "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
        "language_info": {"name": "python"},
        "relulab": {"assignment": name},
    }
    nbformat.validate(nb)
    return nb


def main(argv: list[str] | None = None) -> int:
    sys.path.insert(0, str(ROOT))
    from autograder.notebooks import generate_exercises, notebook_json, write_notebook

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="report stale notebooks only")
    args = parser.parse_args(argv)
    stale: list[Path] = []
    for name in ASSIGNMENTS:
        nb = build(name)
        target = ROOT / "solutions" / f"{name}.ipynb"
        if args.check:
            if not target.is_file() or target.read_text(encoding="utf-8") != notebook_json(nb):
                stale.append(target)
        elif write_notebook(nb, target):
            print(f"wrote {target.relative_to(ROOT)}")
    if args.check:
        stale += generate_exercises(ROOT, check=True)
        for path in stale:
            print(f"out of date: {path.relative_to(ROOT)}")
        return 1 if stale else 0
    for path in generate_exercises(ROOT):
        print(f"exercise {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
