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
    """Paths student code must never see: the grader, the reference, the solutions (and the
    sources they are built from), course.yml."""
    root = course_root()
    roots = {PACKAGE_DIR, root / "solutions", root / "tools", root / "course.yml"}
    try:
        import reference

        roots.add(Path(reference.__file__).resolve().parent)
    except ImportError:  # pragma: no cover - reference ships with the package
        pass
    return sorted(p for p in roots if p.exists())
