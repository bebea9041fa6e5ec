"""What the exports share: reading a solution notebook, splitting it into question blocks, the
solution text (for leak checks), the student id of a Gradescope submission and building the
relulab wheel that the Gradescope and otter autograders install.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from autograder.paths import course_root

if TYPE_CHECKING:
    from nbformat import NotebookNode

    from autograder.course import Assignment, Course

# nbformat (and autograder.notebooks, which needs it) and the course's loader (pydantic, yaml)
# are imported where used: the Gradescope runner imports this module for one small helper.

__all__ = [
    "Block",
    "ExportError",
    "build_wheel",
    "course_and_root",
    "rebuild_installed_wheel",
    "leaked_lines",
    "load_solution",
    "question_blocks",
    "relulab_role",
    "solution_lines",
    "strip_markers",
    "student_id_from_metadata",
]


class ExportError(RuntimeError):
    """The course cannot be exported as asked; the message says what to fix."""


def _solution_regions(source: str):
    from autograder.notebooks import solution_regions

    return solution_regions(source)


def load_solution(assignment: str, root: Path | None = None) -> NotebookNode:
    """``solutions/<assignment>.ipynb`` of the course at ``root`` (default: this course).

    The notebook is checked against the cell conventions (``make_exercise`` raises
    NotebookError naming the cell otherwise).
    """
    import nbformat

    from autograder.notebooks import make_exercise

    root = Path(root) if root is not None else course_root()
    path = root / "solutions" / f"{assignment}.ipynb"
    if not path.is_file():
        raise ExportError(f"{path}: no solution notebook for assignment {assignment!r}")
    nb = nbformat.read(path, as_version=4)
    make_exercise(nb, name=str(path))  # validates the conventions
    return nb


def course_and_root(course: Course | None, root: Path | None) -> tuple[Course, Path]:
    """The course definition and the folder of its notebooks (defaults: this course)."""
    root = Path(root).resolve() if root is not None else course_root()
    if course is None:
        from autograder.course import load_course

        course = load_course(root / "course.yml")
    return course, root


def relulab_role(cell: NotebookNode) -> str | None:
    """The ``relulab.role`` of a cell (given, answer, check, plot), or None."""
    return cell.get("metadata", {}).get("relulab", {}).get("role")


def _functions(cell: NotebookNode) -> list[str]:
    return list(cell.get("metadata", {}).get("relulab", {}).get("functions", []))


@dataclass
class Block:
    """A run of cells ``cells[start:stop]`` that answers some course.yml questions.

    ``answers`` are the indices of the answer cells in the run; ``questions`` are the graded
    questions whose functions those answer cells define, in course.yml order (empty for answer
    cells that course.yml does not grade, e.g. helpers students bring from an earlier week).
    """

    start: int
    stop: int
    answers: list[int] = field(default_factory=list)
    questions: list[str] = field(default_factory=list)


def question_blocks(nb: NotebookNode, assignment: Assignment) -> list[Block]:
    """Split a solution notebook into blocks, one per group of answer cells and questions.

    Answer cells and questions are grouped when they share a function (a question grading two
    functions written in two cells joins both cells). A block runs from its first to its last
    answer cell, then over the check cells right after it; blocks that would overlap are merged.
    Raises ExportError when a graded function has no answer cell.
    """
    answers = [i for i, c in enumerate(nb.cells) if relulab_role(c) == "answer"]
    defined: dict[str, int] = {}
    for i in answers:
        for f in _functions(nb.cells[i]):
            defined.setdefault(f, i)
    # union-find over answer cells, joined through the questions that grade their functions
    parent = {i: i for i in answers}

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    owner: dict[str, int] = {}
    for q in assignment.questions:
        cells = sorted({i for i in answers if set(_functions(nb.cells[i])) & set(q.functions)})
        missing = [f for f in q.functions if f not in defined]
        if missing or not cells:
            raise ExportError(
                f"{assignment.name}.{q.name}: no answer cell defines {', '.join(missing or q.functions)}"
            )
        for i in cells[1:]:
            parent[find(i)] = find(cells[0])
        owner[q.name] = cells[0]
    groups: dict[int, list[int]] = {}
    for i in answers:
        groups.setdefault(find(i), []).append(i)
    spans = sorted([min(g), max(g), g] for g in groups.values())
    merged: list[list] = []
    for lo, hi, cells in spans:
        if merged and lo <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], hi)
            merged[-1][2] = merged[-1][2] + cells
        else:
            merged.append([lo, hi, list(cells)])
    blocks = []
    for n, (lo, hi, cells) in enumerate(merged):
        limit = merged[n + 1][0] if n + 1 < len(merged) else len(nb.cells)
        stop = hi + 1
        while stop < limit and relulab_role(nb.cells[stop]) == "check":
            stop += 1
        roots = {find(i) for i in cells}
        qs = [q.name for q in assignment.questions if find(owner[q.name]) in roots]
        blocks.append(Block(lo, stop, sorted(cells), qs))
    return blocks


def solution_lines(nb: NotebookNode, min_chars: int = 8) -> list[str]:
    """Stripped lines inside the solution regions of ``nb``'s answer cells (markers excluded).

    Comment lines and lines shorter than ``min_chars`` characters (``return y``, ``else:``) are
    left out: they say nothing about a solution.
    """
    found = []
    for cell in nb.cells:
        if cell.cell_type != "code" or relulab_role(cell) != "answer":
            continue
        lines = cell.source.splitlines()
        for begin, end in _solution_regions(cell.source):
            for line in lines[begin + 1 : end]:
                text = line.strip()
                if len(text) >= min_chars and not text.startswith("#"):
                    found.append(text)
    return found


def leaked_lines(solution: NotebookNode, student_texts: list[str]) -> list[str]:
    """Solution lines that appear in ``student_texts`` but not in the official exercise.

    A line such as ``h = relu(theta[:, 0] + ...)`` may be both in a solution region and in a
    given helper; only lines the exercise notebook does not already show count as leaks.
    """
    from autograder.notebooks import make_exercise

    exercise = make_exercise(solution)
    shown = {
        line.strip() for cell in exercise.cells for line in cell.source.splitlines() if line.strip()
    }
    student = {line.strip() for text in student_texts for line in text.splitlines()}
    return sorted({line for line in solution_lines(solution) if line in student - shown})


def strip_markers(source: str) -> str:
    """``source`` without its ``### BEGIN/END SOLUTION`` marker lines (the solution kept)."""
    from autograder.notebooks import BEGIN, END

    return "\n".join(line for line in source.splitlines() if line.strip() not in (BEGIN, END))


def student_id_from_metadata(metadata_path: Path, fallback: str) -> str:
    """The student id for the seed: ``users[0].id`` of a Gradescope submission_metadata.json.

    Falls back to ``fallback`` (the submission's file stem) when the file is missing, unreadable
    or has no user id.
    """
    try:
        data = json.loads(Path(metadata_path).read_text(encoding="utf-8"))
        users = data.get("users") or []
        uid = users[0].get("id") if users and isinstance(users[0], dict) else None
    except (OSError, ValueError, AttributeError):
        return fallback
    if uid is None or str(uid).strip() == "":
        return fallback
    return str(uid).strip()


def rebuild_installed_wheel(dest: Path) -> Path:
    """The installed relulab (from a wheel, not a checkout) packed again as a wheel in ``dest``.

    Its files are the ones its RECORD lists (scripts and caches left out), byte for byte, with a
    new RECORD of their hashes: the same package the exporting instructor runs.
    """
    import base64
    import hashlib
    import importlib.metadata as metadata
    import zipfile

    try:
        dist = metadata.distribution("relulab")
    except metadata.PackageNotFoundError:
        raise ExportError("relulab is neither a source checkout nor installed") from None
    info = next((f.parts[0] for f in dist.files or [] if f.parts[0].endswith(".dist-info")), None)
    if info is None:
        raise ExportError("the installed relulab lists no files; reinstall it from its wheel")
    skip = {"RECORD", "INSTALLER", "REQUESTED", "direct_url.json"}
    dest = Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    target = dest / f"relulab-{dist.version}-py3-none-any.whl"
    records = []
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zf:
        for f in sorted(dist.files, key=str):
            parts = f.parts
            if parts[0] == ".." or "__pycache__" in parts or f.suffix == ".pyc":
                continue
            if parts[0] == info and f.name in skip:
                continue
            data = Path(dist.locate_file(f)).read_bytes()
            zf.writestr(f.as_posix(), data)
            digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=")
            records.append(f"{f.as_posix()},sha256={digest.decode()},{len(data)}")
        records.append(f"{info}/RECORD,,")
        zf.writestr(f"{info}/RECORD", "\n".join(records) + "\n")
    return target


def build_wheel(dest: Path, checkout: Path | None = None) -> Path:
    """Build the relulab wheel of this checkout into ``dest``; returns the wheel's path.

    Installed from a wheel (no checkout), the installed package is packed again instead.

    Uses ``pip wheel --no-deps`` (without build isolation when hatchling is importable, so it
    works offline; otherwise pip fetches hatchling from PyPI).
    """
    checkout = Path(checkout) if checkout is not None else course_root()
    if not (checkout / "pyproject.toml").is_file():
        return rebuild_installed_wheel(dest)
    dest = Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="relulab-wheel-") as tmp:
        cmd = [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", tmp, str(checkout)]
        try:
            import hatchling  # noqa: F401

            cmd.insert(4, "--no-build-isolation")
        except ImportError:
            pass
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
        wheels = sorted(Path(tmp).glob("relulab-*.whl"))
        if proc.returncode != 0 or len(wheels) != 1:
            raise ExportError(f"building the relulab wheel failed:\n{proc.stdout}{proc.stderr}")
        target = dest / wheels[0].name
        target.write_bytes(wheels[0].read_bytes())
    return target
