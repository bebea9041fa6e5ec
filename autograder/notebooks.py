"""Turn solution notebooks into exercise notebooks (the one tool for it; CI checks it is a no-op).

Cell conventions of ``solutions/<assignment>.ipynb`` (the exports to nbgrader and otter rely on
them):

* every code cell has metadata ``{"relulab": {"role": ROLE}}`` with ROLE one of ``given``
  (helpers students get as they are), ``answer`` (student functions, listed in ``"functions"``),
  ``check`` (public self-checks, listed in ``"functions"``) or ``plot``;
* inside answer cells each solution region sits between ``### BEGIN SOLUTION`` and
  ``### END SOLUTION`` lines, indented like the code they enclose; signatures and docstrings stay
  outside the markers.

``make_exercise`` replaces every region by one ``raise NotImplementedError("<function> is not
written yet")`` line at the region's indentation and clears outputs. ``write_notebook`` writes a
notebook as stable JSON, so regenerating an unchanged solution gives byte-identical files.

Command line: ``python -m autograder.notebooks [--check] [--root DIR]``.
"""

from __future__ import annotations

import argparse
import copy
import re
import sys
from pathlib import Path

import nbformat
from nbformat import NotebookNode

__all__ = [
    "BEGIN",
    "END",
    "ROLES",
    "NotebookError",
    "clean_notebook",
    "generate_exercises",
    "make_exercise",
    "notebook_json",
    "solution_regions",
    "unclean_solutions",
    "write_notebook",
]

BEGIN = "### BEGIN SOLUTION"
END = "### END SOLUTION"
ROLES = ("given", "answer", "check", "plot")

_DEF = re.compile(r"^(\s*)def\s+([A-Za-z_]\w*)\s*\(")


class NotebookError(ValueError):
    """A notebook breaks the cell conventions; the message names the notebook and the cell."""


def _where(name: str, index: int, cell: NotebookNode) -> str:
    cell_id = cell.get("id", "?")
    return f"{name}: cell {index} (id {cell_id})"


def _notebook_name(nb: NotebookNode, name: str | None) -> str:
    if name:
        return name
    assignment = nb.get("metadata", {}).get("relulab", {}).get("assignment")
    return f"notebook '{assignment}'" if assignment else "notebook"


def solution_regions(source: str, where: str = "cell") -> list[tuple[int, int]]:
    """Line ranges (begin, end) of the solution regions in ``source``, marker lines included.

    Raises NotebookError (naming ``where``) for a BEGIN without END, an END without BEGIN, a
    BEGIN inside a region, or markers with text after them.
    """
    regions: list[tuple[int, int]] = []
    start: int | None = None
    for i, line in enumerate(source.splitlines()):
        stripped = line.strip()
        if stripped.startswith("### BEGIN") or stripped.startswith("### END"):
            if stripped not in (BEGIN, END):
                raise NotebookError(f"{where}: line {i + 1}: unknown marker {stripped!r}")
        if stripped == BEGIN:
            if start is not None:
                raise NotebookError(
                    f"{where}: line {i + 1}: {BEGIN} inside the region opened on line {start + 1}"
                )
            start = i
        elif stripped == END:
            if start is None:
                raise NotebookError(f"{where}: line {i + 1}: {END} without {BEGIN}")
            regions.append((start, i))
            start = None
    if start is not None:
        raise NotebookError(f"{where}: line {start + 1}: {BEGIN} without {END}")
    return regions


def _enclosing_function(lines: list[str], row: int, indent: int) -> str | None:
    """Name of the innermost ``def`` above ``row`` whose body holds code indented by ``indent``."""
    for line in reversed(lines[:row]):
        match = _DEF.match(line)
        if match and len(match.group(1)) < indent:
            return match.group(2)
    return None


def _strip_source(source: str, where: str) -> str:
    lines = source.splitlines()
    out: list[str] = []
    last = 0
    for begin, end in solution_regions(source, where):
        marker = lines[begin]
        indent = marker[: len(marker) - len(marker.lstrip())]
        name = _enclosing_function(lines, begin, len(indent))
        what = f"{name} is not written yet" if name else "this part is not written yet"
        out.extend(lines[last:begin])
        out.append(f'{indent}raise NotImplementedError("{what}")')
        last = end + 1
    out.extend(lines[last:])
    return "\n".join(out)


def _role(cell: NotebookNode) -> str | None:
    return cell.get("metadata", {}).get("relulab", {}).get("role")


def _validate_cell(cell: NotebookNode, where: str) -> None:
    role = _role(cell)
    if role not in ROLES:
        raise NotebookError(
            f"{where}: code cell needs metadata relulab.role in {ROLES}, not {role!r}"
        )
    has_regions = bool(solution_regions(cell.source, where))
    if role == "answer":
        functions = cell.metadata["relulab"].get("functions")
        if not functions or not all(isinstance(f, str) for f in functions):
            raise NotebookError(f"{where}: answer cell needs metadata relulab.functions (names)")
        if not has_regions:
            raise NotebookError(f"{where}: answer cell has no {BEGIN} ... {END} region")
    elif has_regions:
        raise NotebookError(f"{where}: solution region in a {role!r} cell (only answer cells)")


def clean_notebook(nb: NotebookNode) -> NotebookNode:
    """A copy of ``nb`` without outputs and execution counts (metadata of cells kept)."""
    nb = copy.deepcopy(nb)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
        cell.metadata.pop("execution", None)
        cell.metadata.pop("collapsed", None)
        cell.metadata.pop("scrolled", None)
    return nb


def make_exercise(nb: NotebookNode, name: str | None = None) -> NotebookNode:
    """The exercise version of a solution notebook.

    nb: a solution notebook following the cell conventions of this module; ``name`` is used in
    error messages (defaults to the notebook's metadata relulab.assignment). Returns a new
    notebook where every solution region is replaced by ``raise NotImplementedError(...)`` at the
    region's indentation, with outputs and execution counts cleared. Raises NotebookError naming
    the notebook and cell when a cell breaks the conventions.
    """
    label = _notebook_name(nb, name)
    out = clean_notebook(nb)
    for index, cell in enumerate(out.cells):
        if cell.cell_type != "code":
            continue
        where = _where(label, index, cell)
        _validate_cell(cell, where)
        if _role(cell) == "answer":
            cell.source = _strip_source(cell.source, where)
    return out


def notebook_json(nb: NotebookNode) -> str:
    """Stable JSON text of a notebook (sorted keys, one-space indent, trailing newline)."""
    text = nbformat.writes(nb, version=4)
    return text if text.endswith("\n") else text + "\n"


def write_notebook(nb: NotebookNode, path: Path) -> bool:
    """Write ``nb`` to ``path`` as stable JSON; returns True when the file changed."""
    text = notebook_json(nb)
    path = Path(path)
    if path.is_file() and path.read_text(encoding="utf-8") == text:
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return True


def _read(path: Path) -> NotebookNode:
    return nbformat.read(path, as_version=4)


def generate_exercises(root: Path, check: bool = False) -> list[Path]:
    """Write ``root/exercises/<a>.ipynb`` for every ``root/solutions/<a>.ipynb``.

    With ``check=False`` returns the exercise files written (all of them, changed or not). With
    ``check=True`` writes nothing and returns the exercise files that are missing or differ from
    what would be written (an empty list means the exercises are up to date).
    """
    root = Path(root)
    solutions = sorted((root / "solutions").glob("*.ipynb"))
    if not solutions:
        raise FileNotFoundError(f"no solution notebooks in {root / 'solutions'}")
    result: list[Path] = []
    for solution in solutions:
        target = root / "exercises" / solution.name
        exercise = make_exercise(_read(solution), name=str(solution.relative_to(root)))
        if check:
            text = notebook_json(exercise)
            if not target.is_file() or target.read_text(encoding="utf-8") != text:
                result.append(target)
        else:
            write_notebook(exercise, target)
            result.append(target)
    return result


def unclean_solutions(root: Path) -> list[Path]:
    """Solution notebooks that carry outputs or execution counts (commit them clean)."""
    found = []
    for solution in sorted((Path(root) / "solutions").glob("*.ipynb")):
        nb = _read(solution)
        if notebook_json(clean_notebook(nb)) != solution.read_text(encoding="utf-8"):
            found.append(solution)
    return found


def main(argv: list[str] | None = None) -> int:
    """Strip solution outputs and regenerate exercises, or check that nothing would change."""
    parser = argparse.ArgumentParser(prog="python -m autograder.notebooks", description=__doc__)
    parser.add_argument("--root", type=Path, default=None, help="course folder (default: this one)")
    parser.add_argument("--check", action="store_true", help="report stale files, write nothing")
    args = parser.parse_args(argv)
    if args.root is None:
        from autograder.paths import course_root

        args.root = course_root()
    try:
        if args.check:
            stale = unclean_solutions(args.root) + generate_exercises(args.root, check=True)
            for path in stale:
                print(f"out of date: {path}")
            return 1 if stale else 0
        for solution in unclean_solutions(args.root):
            write_notebook(clean_notebook(_read(solution)), solution)
            print(f"stripped outputs: {solution}")
        for path in generate_exercises(args.root):
            print(f"wrote {path}")
    except NotebookError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
