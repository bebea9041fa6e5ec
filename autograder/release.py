"""The student bundle: the exercise notebooks and a README, nothing else.

The notebooks stand alone (NumPy and Matplotlib only; their public self-checks are given cells
inside them), so the bundle needs no other file: no reference code, no hidden cases, no
solutions. Before copying, the committed exercises are checked against the solutions they are
made from, so a stale exercise (one that might still carry an old solution) is never released.

    python -m autograder.release DIR        (the CLI calls it as ``relulab release DIR``)
"""

from __future__ import annotations

import sys
from pathlib import Path

from autograder.notebooks import generate_exercises
from autograder.paths import course_root

__all__ = ["ReleaseError", "build_release", "bundle_names"]

ASSIGNMENTS = ("shallow", "composition", "depth", "features", "backprop", "surfaces", "capacity")

README = """\
relulab - exercise notebooks
============================

One notebook per assignment, in course order:

{listing}

Each notebook explains the idea in the notation of the course notes, then asks you to write
a few functions. Wherever a function says raise NotImplementedError(...), replace that line
with your code. Every function has a check cell below it; run it and it prints one line:

    name: pass                   the public checks hold
    name: FAIL - <reason>        a property does not hold (the reason says which)
    name: not implemented yet    you have not written it yet

Passing the public checks is a good sign, not a grade: the grader calls your functions on
other, hidden inputs. Keep the function names, argument order and return types as given.
Use only NumPy (and Matplotlib for plots). Plot cells show your functions at work; they
skip themselves until the functions they need are written.

Requirements: Python 3.10 or newer with numpy, matplotlib and jupyter
(for example: pip install numpy matplotlib ipywidgets jupyterlab; then: jupyter lab).
"""


class ReleaseError(RuntimeError):
    """The bundle cannot be built safely (stale exercises, or a non-empty foreign folder)."""


def bundle_names(root: Path | None = None) -> list[str]:
    """File names of the bundle: README.txt and <assignment>.ipynb for each exercise."""
    root = Path(root) if root is not None else course_root()
    present = [a for a in ASSIGNMENTS if (root / "exercises" / f"{a}.ipynb").is_file()]
    return ["README.txt"] + [f"{a}.ipynb" for a in present]


def build_release(dest: Path, root: Path | None = None) -> list[Path]:
    """Write the student bundle into ``dest`` and return the files written.

    dest: a folder that does not exist, is empty, or holds only files of an earlier bundle
    (they are overwritten). root: the course folder (default: this installation's).
    Raises ReleaseError when an exercise notebook is out of date with its solution, or when
    ``dest`` holds other files.
    """
    root = Path(root) if root is not None else course_root()
    dest = Path(dest)
    names = bundle_names(root)
    if len(names) == 1:
        raise ReleaseError(f"no exercise notebooks in {root / 'exercises'}")
    if (root / "solutions").is_dir():
        stale = generate_exercises(root, check=True)
        if stale:
            listed = ", ".join(str(p) for p in stale)
            raise ReleaseError(
                f"exercise notebooks out of date: {listed}; run python -m autograder.notebooks"
            )
    if dest.exists():
        if not dest.is_dir():
            raise ReleaseError(f"{dest} exists and is not a folder")
        foreign = sorted(p.name for p in dest.iterdir() if p.name not in names)
        if foreign:
            raise ReleaseError(f"{dest} holds other files ({', '.join(foreign)}); use a new folder")
    dest.mkdir(parents=True, exist_ok=True)
    written = []
    notebooks = [n for n in names if n.endswith(".ipynb")]
    listing = "\n".join(f"  {i}. {n}" for i, n in enumerate(notebooks, start=1))
    readme = dest / "README.txt"
    readme.write_text(README.format(listing=listing), encoding="utf-8")
    written.append(readme)
    for name in notebooks:
        target = dest / name
        target.write_bytes((root / "exercises" / name).read_bytes())
        written.append(target)
    return written


def main(argv: list[str] | None = None) -> int:
    """``python -m autograder.release DIR``: write the bundle and list its files."""
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1 or args[0].startswith("-"):
        print("usage: python -m autograder.release DIR", file=sys.stderr)
        return 2
    try:
        files = build_release(Path(args[0]))
    except ReleaseError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    for path in files:
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
