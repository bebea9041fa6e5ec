"""Where the course files live.

In a source checkout (or an editable install) they sit at the repository root next to the
``autograder`` package; a wheel carries copies under ``autograder/_course``.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent


@cache
def course_root() -> Path:
    """The folder holding course.yml, solutions/, exercises/ and samples/."""
    checkout = PACKAGE_DIR.parent
    if (checkout / "course.yml").is_file():
        return checkout
    return PACKAGE_DIR / "_course"


def source_roots() -> list[Path]:
    """Paths student code must never see.

    In a checkout that is the whole checkout (the answer key is also in .git, the solutions'
    sources in tools/, sample answers in samples/); installed, the grader's and the reference's
    package folders (the course files ride inside the former). The sandbox binds the
    interpreter's own folders back, so a virtual environment inside the checkout still works.
    """
    root = course_root()
    roots = {PACKAGE_DIR}
    if root == PACKAGE_DIR.parent:
        roots.add(root)
    try:
        import reference

        roots.add(Path(reference.__file__).resolve().parent)
    except ImportError:  # pragma: no cover - reference ships with the package
        pass
    return sorted(p for p in roots if p.exists())


def released_notebook(assignment: str) -> Path | None:
    """``exercises/<assignment>.ipynb``, the notebook students start from, if it is here."""
    path = course_root() / "exercises" / f"{assignment}.ipynb"
    return path if path.is_file() else None
