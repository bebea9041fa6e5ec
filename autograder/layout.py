"""Where a batch's submissions are, and whose they are.

Layouts recognised under each SUBMISSION argument (a file or a folder):

- a ``.py``/``.ipynb`` file: one submission; its student id is its stem, or the id an LMS put
  in the downloaded file's name (below); files given one by one that share a stem, each in a
  folder of its own (``subs/*/composition.py``), take their folders' ids instead, as below;
- a folder's own ``.py``/``.ipynb`` files: one submission each, as above;
- a folder's sub-folders: one submission per sub-folder, the folder name being the student id
  (``alice/composition.ipynb``; nbgrader's ``submitted/<student>/<assignment>/...`` when given
  ``submitted/``); the gradable files are searched at any depth inside;
- LMS download names (file or student folder):
  Canvas ``<name>_<user id>_<submission id>_<file>`` (also ``<name>_LATE_...``; id: user id),
  Moodle ``<Full Name>_<participant id>_assignsubmission_file_<file>`` (id: participant id),
  Blackboard ``<assignment>_<username>_attempt_<YYYY-MM-DD-HH-MM-SS>[_<file>]`` (id: username,
  with the attempt's time);
- ``--roster FILE.csv`` with columns ``file,student[,name]`` maps a file or folder name (as
  found, or its stem) to a student id, over all of the above.

A student with several files (re-uploads in an LMS folder, two attempts) is graded on the newest:
by the LMS timestamp where the name has one, else the file's modification time; the others are
listed as not graded. Every file found is either graded or listed with the reason it was not.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from autograder.text import clean, file_name

SUBMISSION_SUFFIXES = (".py", ".ipynb")
RESERVED_NAMES = ("grades.csv", "summary.html")
SKIP_PARTS = {"__pycache__", ".ipynb_checkpoints", "__MACOSX"}

_CANVAS = re.compile(r"^(?P<name>[^_]+?)(?:_late)?_(?P<id>\d+)_(?P<sub>\d+)_(?P<file>.+)$", re.I)
_MOODLE = re.compile(r"^(?P<name>.+?)_(?P<id>\d+)_assignsubmission_[a-z]+_?(?P<file>.*)$")
_BLACKBOARD = re.compile(
    r"^(?P<assign>.+?)_(?P<id>[^_]+)_attempt_"
    r"(?P<ts>\d{4}-\d{2}-\d{2}-\d{2}-\d{2}-\d{2})(?:_(?P<file>.+))?$"
)


class LayoutError(ValueError):
    """A roster that cannot be read: one line naming the problem."""


@dataclass(frozen=True)
class Entry:
    """One submission of a batch: its file, its name in the reports and --out, its student id.

    ``name`` and ``student`` are printable text (see autograder.text.file_name); ``student_name``
    is the student's name when a roster or LMS gave one."""

    path: Path
    name: str
    student: str
    student_name: str = ""


@dataclass
class _Found:
    path: Path
    student: str
    explicit: bool  # the id comes from a folder, an LMS name or the roster (one per student)
    when: float  # the time that decides which of a student's files is the newest
    student_name: str = ""


def lms_id(name: str) -> tuple[str, str, float | None] | None:
    """(student id, student name, timestamp or None) from an LMS download name, or None."""
    if m := _BLACKBOARD.match(name):
        when = dt.datetime.strptime(m["ts"], "%Y-%m-%d-%H-%M-%S").replace(tzinfo=dt.timezone.utc)
        return m["id"], "", when.timestamp()
    if m := _MOODLE.match(name):
        return m["id"], m["name"], None
    if m := _CANVAS.match(name):
        return m["id"], m["name"], None
    return None


def read_roster(path: Path) -> dict[str, tuple[str, str]]:
    """``file or folder name -> (student id, name)`` from a CSV with columns file,student[,name]."""
    try:
        with open(path, newline="", encoding="utf-8-sig") as f:
            rows = list(csv.DictReader(f))
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise LayoutError(f"{path}: cannot read the roster ({clean(exc)})") from None
    if not rows or not {"file", "student"} <= set(rows[0]):
        raise LayoutError(f"{path}: a roster needs the columns file,student (and optionally name)")
    roster = {}
    for n, row in enumerate(rows, start=2):
        key, student = (row.get("file") or "").strip(), (row.get("student") or "").strip()
        if not key or not student:
            raise LayoutError(f"{path}, line {n}: an empty file or student cell")
        roster[key] = (student, (row.get("name") or "").strip())
    return roster


def _skipped(path: Path) -> bool:
    return path.name.startswith(".") or path.name in SKIP_PARTS


def _gradable(path: Path) -> bool:
    return path.is_file() and path.suffix in SUBMISSION_SUFFIXES and path.name != "__init__.py"


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return 0.0


def _from_name(path: Path, roster: dict, fallback: str) -> tuple[str, str, bool, float | None]:
    """(student id, name, explicit, LMS time) for a file or folder named ``path.name``."""
    raw = os.fsdecode(path.name)
    for key in (raw, Path(raw).stem):
        if key in roster:
            return roster[key][0], roster[key][1], True, None
    found = lms_id(raw)
    if found is not None:
        return found[0], found[1], True, found[2]
    return fallback, "", False, None


def _student_folder(folder: Path, roster: dict, warnings: list[str]) -> list[_Found]:
    files, others = [], []
    for root, dirs, names in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not _skipped(Path(d)))
        for n in sorted(names):
            p = Path(root) / n
            if _skipped(p):
                continue
            (files if _gradable(p) else others).append(p)
    if others:
        shown = ", ".join(file_name(str(p.relative_to(folder))) for p in others[:10])
        more = f" and {len(others) - 10} more" if len(others) > 10 else ""
        warnings.append(f"{file_name(str(folder))}: not graded, not .py or .ipynb: {shown}{more}")
    if not files:
        warnings.append(f"{file_name(str(folder))}: not graded, no .py or .ipynb file inside")
        return []
    student, student_name, _, when = _from_name(folder, roster, file_name(folder.name))
    found = []
    for p in files:
        lms = lms_id(os.fsdecode(p.name))
        stamp = lms[2] if lms and lms[2] is not None else (when or _mtime(p))
        found.append(_Found(p, student, True, stamp, student_name))
    return found


def _one_file(path: Path, roster: dict) -> _Found:
    student, student_name, explicit, when = _from_name(path, roster, file_name(path.stem))
    return _Found(path, student, explicit, when if when is not None else _mtime(path), student_name)


def find_entries(
    paths: Sequence[Path], roster: dict[str, tuple[str, str]] | None = None
) -> tuple[list[Entry], list[str]]:
    """Find and name every submission under ``paths`` (see the module's layouts).

    Returns (entries, warnings); a warning names each file not graded and why. A submission's
    name is its file stem where that is unique in the batch, else its student id, else its file
    name; no file is dropped for its name.
    """
    roster = roster or {}
    warnings: list[str] = []
    found: list[_Found] = []
    named: list[_Found] = []  # the files given one by one
    for p in paths:
        if p.is_dir():
            for child in sorted(p.iterdir()):
                if _skipped(child):
                    continue
                if child.is_dir():
                    found += _student_folder(child, roster, warnings)
                elif _gradable(child):
                    found.append(_one_file(child, roster))
                else:
                    warnings.append(f"{file_name(str(child))}: not graded, not .py or .ipynb")
        elif p.is_file():
            if p.suffix not in SUBMISSION_SUFFIXES:
                warnings.append(
                    f"{file_name(str(p))}: graded although it is not .py or .ipynb (read as Python)"
                )
            found.append(_one_file(p, roster))
            named.append(found[-1])
        else:
            warnings.append(f"{file_name(str(p))}: no such file or folder")
    _students_from_folders(named, roster, warnings)
    return _name_entries(_newest(found, warnings), warnings), warnings


def _students_from_folders(named: list[_Found], roster: dict, warnings: list[str]) -> None:
    """Files named one by one that share a stem, each in a folder of its own
    (``relulab grade subs/*/composition.py``: one folder per student, the layout LMS downloads
    have), belong to the students their folders name, as when ``subs/`` itself is given: a
    stem that several students' files have is nobody's id (their instances would all be one
    student's)."""
    by_stem: dict[str, list[_Found]] = {}
    for f in named:
        if not f.explicit:
            by_stem.setdefault(file_name(f.path.stem).casefold(), []).append(f)
    for group in by_stem.values():
        folders = {f.path.resolve().parent for f in group}
        names = {file_name(f.path.parent.name).casefold() for f in group}
        if len(group) < 2 or len(folders) < len(group) or len(names) < len(group):
            continue  # one file, two side by side (bob.py, bob.ipynb), or folders that do not
            # tell students apart (a/x/, b/x/): the stems stay, no file is dropped
        for f in group:
            folder = f.path.parent
            f.student, f.student_name, _, when = _from_name(folder, roster, file_name(folder.name))
            f.explicit, f.when = True, when if when is not None else f.when
        warnings.append(
            f"{len(group)} files have the name {file_name(group[0].path.stem)!r}, each in a "
            "folder of its own: each is graded for the student its folder names"
        )


def _newest(found: list[_Found], warnings: list[str]) -> list[_Found]:
    """One file per explicitly identified student: the newest; plain stems are kept as found."""
    by_student: dict[str, list[_Found]] = {}
    for f in found:
        if f.explicit:
            by_student.setdefault(f.student, []).append(f)
    keep = []
    for f in found:
        if not f.explicit:
            keep.append(f)
            continue
        group = by_student[f.student]
        newest = max(group, key=lambda g: (g.when, str(g.path)))
        if f is newest:
            keep.append(f)
        else:
            warnings.append(
                f"{file_name(str(f.path))}: not graded, student {f.student!r} has a newer file, "
                f"{file_name(str(newest.path))}"
            )
    return keep


def _unsafe_name(name: str) -> str | None:
    """Why a name cannot name its results folder in --out (None if it can).

    Results go to ``out_dir / name``: a name of "." or ".." (files "..py", "...py"), a hidden
    name, one holding a path separator, or a file name of the batch's own would write outside
    its own folder.
    """
    if not name or name.startswith("."):
        return f"its name {name!r} starts with '.' (results would go outside its own folder)"
    if any(sep and sep in name for sep in ("/", "\\", os.sep, os.altsep)) or "\0" in name:
        return f"its name {name!r} holds a path separator"
    if name in RESERVED_NAMES:
        return f"its name {name!r} is taken by the batch's own {name}"
    return None


def _name_entries(found: list[_Found], warnings: list[str]) -> list[Entry]:
    """Entries under names unique in the batch (ignoring case, for case-insensitive file systems):
    the file stem where unique, else the student id where unique, else the file name, else the
    file name with a number; each rename is a warning."""

    def counts(keys):
        tally: dict[str, int] = {}
        for k in keys:
            tally[k.casefold()] = tally.get(k.casefold(), 0) + 1
        return tally

    stems = counts(file_name(f.path.stem) for f in found)
    students = counts(f.student for f in found)
    entries: list[Entry] = []
    taken: set[str] = set()
    for f in found:
        stem = file_name(f.path.stem)
        if stems[stem.casefold()] == 1:
            name = stem
        elif f.explicit and students[f.student.casefold()] == 1:
            name = f.student
        else:
            name = file_name(f.path.name)
            warnings.append(
                f"{file_name(str(f.path))}: graded as {name!r}, since other files in this batch "
                f"have the name {stem!r}"
            )
        problem = _unsafe_name(name)
        if problem:
            warnings.append(f"{file_name(str(f.path))}: not graded, {problem}; rename the file")
            continue
        unique, n = name, 1
        while unique.casefold() in taken:
            n += 1
            unique = f"{name}-{n}"
        if unique != name:
            warnings.append(f"{file_name(str(f.path))}: graded as {unique!r} ({name!r} is taken)")
        taken.add(unique.casefold())
        entries.append(Entry(f.path, unique, clean(f.student, 200), clean(f.student_name, 200)))
    return entries


MAX_NOTEBOOK_BYTES = 64 << 20


def notebook_assignment(path: Path) -> str | None:
    """The assignment a notebook's own metadata names (``metadata.relulab.assignment``), if any.

    Read as data only (bounded size; anything unreadable names nothing)."""
    if path.suffix != ".ipynb":
        return None
    try:
        with open(path, "rb") as f:
            raw = f.read(MAX_NOTEBOOK_BYTES + 1)
        if len(raw) > MAX_NOTEBOOK_BYTES:
            return None
        meta = json.loads(raw).get("metadata", {}).get("relulab", {})
        name = meta.get("assignment") if isinstance(meta, dict) else None
    except Exception:  # noqa: BLE001 - not JSON, too deep, not a dict: the sandbox will say
        return None
    return name if isinstance(name, str) else None


def wrong_assignment(entries: Sequence[Entry], assignment: str) -> list[str]:
    """One line per notebook whose metadata names an assignment other than ``assignment``."""
    lines = []
    for e in entries:
        named = notebook_assignment(e.path)
        if named is not None and named != assignment:
            lines.append(
                f"{file_name(str(e.path))}: its notebook says it is the {clean(named, 60)!r} "
                f"assignment, not {assignment!r}"
            )
    return lines


def find_submissions(paths: Sequence[Path]) -> tuple[list[Path], list[str]]:
    """The files of :func:`find_entries` and its warnings."""
    entries, warnings = find_entries(paths)
    return [e.path for e in entries], warnings
