"""Load and validate course.yml.

Every problem is reported with its place in the file, for example
``assignments[2].questions[1].points: must be > 0``, and all problems are reported at once.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Literal, TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from autograder.paths import course_root

_M = TypeVar("_M", bound=BaseModel)
Visibility = Literal["visible", "hidden", "after_due_date", "after_published"]


class CourseError(ValueError):
    """course.yml is missing, not YAML, or does not describe a valid course."""

    def __init__(self, path: Path, problems: list[str]):
        self.path = path
        self.problems = problems
        lines = "\n".join(f"  {p}" for p in problems)
        super().__init__(f"{path}: {len(problems)} problem(s)\n{lines}")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Tolerance(_Strict):
    """Relative and absolute tolerance of numpy.isclose: |a - b| <= atol + rtol * |b|."""

    rtol: float = Field(1e-6, ge=0)
    atol: float = Field(1e-9, ge=0)


class Limits(_Strict):
    """Resource limits for the student's code."""

    wall_s: float = Field(10.0, gt=0)
    cpu_s: float = Field(10.0, gt=0)
    load_s: float = Field(20.0, gt=0)
    memory_mb: int = Field(1024, ge=128)
    nproc: int = Field(16, ge=1)
    fsize_mb: int = Field(16, ge=1)
    nofile: int = Field(64, ge=16)


class ToleranceOverride(_Strict):
    """An assignment's or question's changes to the tolerance (unset fields are inherited)."""

    rtol: float | None = Field(None, ge=0)
    atol: float | None = Field(None, ge=0)


class LimitsOverride(_Strict):
    """Per-question changes to the limits (unset fields are inherited from the assignment)."""

    wall_s: float | None = Field(None, gt=0)
    cpu_s: float | None = Field(None, gt=0)


class AssignmentLimits(_Strict):
    """An assignment's changes to the course limits (unset fields keep the course value)."""

    wall_s: float | None = Field(None, gt=0)
    cpu_s: float | None = Field(None, gt=0)
    load_s: float | None = Field(None, gt=0)
    memory_mb: int | None = Field(None, ge=128)
    nproc: int | None = Field(None, ge=1)
    fsize_mb: int | None = Field(None, ge=1)
    nofile: int | None = Field(None, ge=16)


class Defaults(_Strict):
    tolerance: Tolerance = Tolerance()
    limits: Limits = Limits()
    visibility: Visibility = "after_due_date"
    decimals: int = Field(2, ge=0, le=6)  # points as shown (grades.csv, pages, terminal)


class Question(_Strict):
    name: str = Field(min_length=1, pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")
    functions: list[str] = Field(min_length=1)
    points: float = Field(gt=0)
    tolerance: ToleranceOverride | None = None
    limits: LimitsOverride | None = None


class Assignment(_Strict):
    name: str = Field(min_length=1, pattern=r"^[a-z][a-z0-9_]*$")
    title: str = Field(min_length=1)
    questions: list[Question] = Field(min_length=1)
    seed: int | None = Field(None, ge=0)
    due: dt.datetime | None = None
    tolerance: ToleranceOverride | None = None
    limits: AssignmentLimits | None = None
    visibility: Visibility | None = None

    @field_validator("due")
    @classmethod
    def _aware(cls, value: dt.datetime | None) -> dt.datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("must include a time zone, e.g. 2026-12-07T23:59:00+00:00")
        return value

    @model_validator(mode="after")
    def _unique_questions(self) -> Assignment:
        names = [q.name for q in self.questions]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ValueError(f"question names must be unique; repeated: {', '.join(dupes)}")
        return self

    @property
    def max_score(self) -> float:
        return float(sum(q.points for q in self.questions))

    def question(self, name: str) -> Question:
        for q in self.questions:
            if q.name == name:
                return q
        raise KeyError(name)


Isolation = Literal[
    "namespaces", "pivot_root", "landlock", "uid", "seccomp", "rlimits", "allow-list"
]


class SandboxPolicy(_Strict):
    """What the sandbox must give before any submission is graded.

    require: layers without which grading is refused (each submission then gets a result that
    says so, marked for regrading): ``uid`` (student code runs as a user of its own),
    ``allow-list`` (it sees only what running it needs: a pivot_root view or Landlock),
    ``namespaces``, ``pivot_root``, ``landlock``, ``seccomp``, ``rlimits``.
    """

    require: list[Isolation] = Field(default_factory=list)


class Course(_Strict):
    course: str = Field(min_length=1)
    seed: int = Field(ge=0)
    defaults: Defaults = Defaults()
    sandbox: SandboxPolicy = SandboxPolicy()
    assignments: list[Assignment] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique_assignments(self) -> Course:
        names = [a.name for a in self.assignments]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ValueError(f"assignment names must be unique; repeated: {', '.join(dupes)}")
        return self

    @property
    def names(self) -> list[str]:
        return [a.name for a in self.assignments]

    def assignment(self, name: str) -> Assignment:
        for a in self.assignments:
            if a.name == name:
                return a
        raise KeyError(f"unknown assignment {name!r}; course.yml has: {', '.join(self.names)}")

    def tolerance(self, assignment: str, question: str) -> Tolerance:
        """The question's tolerance, field by field: question, else assignment, else defaults."""
        a = self.assignment(assignment)
        return _merge(self.defaults.tolerance, a.tolerance, a.question(question).tolerance)

    def limits(self, assignment: str, question: str | None = None) -> Limits:
        """The limits, field by field: question (if given), else assignment, else defaults."""
        a = self.assignment(assignment)
        q = a.question(question).limits if question is not None else None
        return _merge(self.defaults.limits, a.limits, q)

    def visibility(self, assignment: str) -> Visibility:
        return self.assignment(assignment).visibility or self.defaults.visibility


def _merge(base: _M, *overrides: _Strict | None) -> _M:
    """``base`` with the set (not None) fields of each override applied in turn."""
    changes: dict = {}
    for override in overrides:
        if override is not None:
            changes.update({k: v for k, v in override.model_dump().items() if v is not None})
    return base.model_copy(update=changes)


def _place(loc: tuple) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out or "(top level)"


def _message(err: dict) -> str:
    kind, ctx = err.get("type", ""), err.get("ctx") or {}
    if kind == "greater_than":
        return f"must be > {ctx.get('gt')}"
    if kind == "greater_than_equal":
        return f"must be >= {ctx.get('ge')}"
    if kind == "missing":
        return "is required"
    if kind == "extra_forbidden":
        return "is not a known setting"
    msg = str(err.get("msg", "is invalid"))
    return msg.removeprefix("Value error, ")


def parse_course(data: object, path: Path = Path("course.yml")) -> Course:
    """Validate already-parsed YAML data; raise CourseError listing every problem."""
    if not isinstance(data, dict):
        raise CourseError(
            path, ["(top level): must be a mapping with course, seed and assignments"]
        )
    try:
        return Course.model_validate(data)
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            loc = tuple(
                p for p in err["loc"] if not (isinstance(p, str) and p.startswith("function-"))
            )
            problems.append(f"{_place(loc)}: {_message(err)}")
        raise CourseError(path, problems) from None


# PyYAML's safe loader, in C where libyaml is there (the same documents, a tenth of the time)
_SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load_course(path: Path | str | None = None) -> Course:
    """Read and validate course.yml (default: the one shipped with the course)."""
    path = Path(path) if path is not None else course_root() / "course.yml"
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise CourseError(path, [f"cannot read the file: {exc.strerror or exc}"]) from None
    try:
        data = yaml.load(text, Loader=_SAFE_LOADER)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "unknown place"
        raise CourseError(
            path, [f"not valid YAML at {where}: {getattr(exc, 'problem', exc)}"]
        ) from None
    return parse_course(data, path)
