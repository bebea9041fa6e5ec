"""Grade submissions: hidden per-student cases, run in the sandbox, judged in this process.

This module is the only place that turns a sandbox run into points. Student code never runs
here: the sandbox returns plain data, the reference computes expected values on pristine
copies of the inputs, and scores come from course.yml alone.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import inspect
import json
import math
import os
import re
import stat
import time
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from autograder.cases import load_questions
from autograder.cases.base import Case, Mistake, QuestionCases
from autograder.compare import Verdict
from autograder.course import Course
from autograder.sandbox import Call, Limits, RunResult, Sandbox

SUBMISSION_SUFFIXES = (".py", ".ipynb")
_NUMBER = re.compile(r"[-+]?\d+(\.\d+)?(e[-+]?\d+)?")


@dataclass
class CaseResult:
    """How one hidden case went."""

    name: str
    weight: float
    fraction: float
    message: str
    status: str  # the sandbox status: ok, error, missing, timeout, crashed, bad_output, not_run
    public: bool
    case: Case
    value: Any = None
    expected: Any = None
    args_after: list = field(default_factory=list)
    mistake: Mistake | None = None


@dataclass
class QuestionResult:
    """The points of one question of course.yml and the feedback that explains them."""

    name: str
    functions: list[str]
    max_score: float
    score: float
    cases: list[CaseResult]
    hint: str | None = None
    figure_png: bytes | None = None

    @property
    def passed(self) -> bool:
        return self.score >= self.max_score

    @property
    def summary(self) -> str:
        """One line per kind of problem, e.g. '3 cases: compose returned shape (1, 50); ...'.

        Messages that differ only in their numbers count as one kind; the first is shown.
        """
        failing = [c for c in self.cases if c.fraction < 1.0]
        if not failing:
            return f"All {len(self.cases)} cases passed."
        kinds: dict[str, list[str]] = {}
        for c in failing:
            kinds.setdefault(_NUMBER.sub("#", c.message), []).append(c.message)
        lines = [f"{len(self.cases) - len(failing)} of {len(self.cases)} cases passed."]
        for messages in kinds.values():
            n = len(messages)
            similar = " (and similar)" if len(set(messages)) > 1 else ""
            lines.append(f"{n} case{'s' if n > 1 else ''}: {messages[0]}{similar}")
        return "\n".join(lines)


@dataclass
class SubmissionResult:
    """Everything the reports need about one graded submission."""

    submission: str  # the file stem
    path: Path
    assignment: str
    student: str
    seed: int
    max_score: float
    questions: list[QuestionResult] = field(default_factory=list)
    load_messages: list[str] = field(default_factory=list)
    stdout: str = ""
    execution_time: float = 0.0
    due: str | None = None
    visibility: str = "after_due_date"  # of the hidden-case details (course.yml)
    sha256: str | None = None  # of the submission file as graded
    fingerprint: str | None = None  # of the grading setup, see grading_fingerprint

    @property
    def score(self) -> float:
        """The sum, in order, of the questions' scores (exactly the numbers the reports show)."""
        total = 0.0
        for q in self.questions:
            total += q.score
        return total


def file_sha256(path: Path) -> str | None:
    """The hex SHA-256 of a submission's bytes, or None if it is not a readable regular file.

    Like the sandbox, it does not follow a symbolic link (nor block on a FIFO).
    """
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError:
        return None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return None
        h = hashlib.sha256()
        with os.fdopen(fd, "rb", closefd=False) as f:
            while chunk := f.read(1 << 20):
                h.update(chunk)
        return h.hexdigest()
    except OSError:
        return None
    finally:
        os.close(fd)


def grading_fingerprint(course: Course, assignment: str) -> str:
    """A hash of everything that decides an assignment's grades apart from the submission.

    That is course.yml's settings for the assignment (course seed, defaults, the assignment's
    entry), the source of its hidden cases, of autograder/cases/base.py and of its reference
    module, and the package version. A batch regrades a submission when this changes.
    """
    import autograder.cases
    import reference

    setup = {
        "seed": course.seed,
        "defaults": course.defaults.model_dump(mode="json"),
        "assignment": course.assignment(assignment).model_dump(mode="json"),
    }
    try:
        version = importlib.metadata.version("relulab")
    except importlib.metadata.PackageNotFoundError:
        version = "unknown"
    h = hashlib.sha256()
    h.update(json.dumps(setup, sort_keys=True).encode())
    h.update(f"\0version={version}".encode())
    cases_dir = Path(autograder.cases.__file__).resolve().parent
    reference_dir = Path(reference.__file__).resolve().parent
    for source in (
        cases_dir / f"{assignment}.py",
        cases_dir / "base.py",
        reference_dir / f"{assignment}.py",
    ):
        try:
            data = source.read_bytes()
        except OSError:
            data = b"<missing>"
        h.update(f"\0{source.parent.name}/{source.name}:{len(data)}\0".encode() + data)
    return h.hexdigest()


def student_seed(base_seed: int, assignment: str, student: str) -> int:
    """The seed of one student's instances: a hash of course seed, assignment and student id."""
    digest = hashlib.sha256(f"{base_seed}:{assignment}:{student}".encode()).digest()
    return int.from_bytes(digest[:8], "little") >> 1


def question_rng(seed: int, question: str) -> np.random.Generator:
    """An independent generator per question, so adding a question changes no other one."""
    return np.random.default_rng([seed, zlib.crc32(question.encode())])


def _best_hint(qc: QuestionCases, results: list[CaseResult]) -> str | None:
    """The known mistake that explains the pattern of right and wrong answers (see diagnose)."""
    mistake = qc.diagnose(results)
    return mistake.explanation if mistake is not None else None


def _judge(qc: QuestionCases, case: Case, value: Any, expected: Any, args_after: list) -> Verdict:
    try:
        verdict = qc.assess(case, value, expected, args_after)
    except Exception as exc:  # a judge must never crash the grader on a strange answer
        return Verdict.fail(f"{qc.function} returned an answer that could not be checked ({exc})")
    try:
        fraction = float(verdict.fraction)
    except (TypeError, ValueError, OverflowError):
        fraction = 0.0
    if not math.isfinite(fraction):  # NaN would pass through min/max; ±inf is no answer either
        fraction = 0.0
    return Verdict(min(max(fraction, 0.0), 1.0), verdict.message)


def _changed(before: Any, after: Any) -> bool:
    """Whether an argument's arrays (also inside lists/tuples) differ after the call."""
    if isinstance(before, np.ndarray):
        if not isinstance(after, np.ndarray):
            return after is not None  # None: the sandbox could not tell
        return before.shape != after.shape or not np.array_equal(before, after, equal_nan=True)
    if isinstance(before, list | tuple) and isinstance(after, list | tuple):
        if len(before) != len(after):
            return True
        return any(_changed(b, a) for b, a in zip(before, after, strict=True))
    return False


def _modified_inputs(qc: QuestionCases, case: Case, args_after: list) -> list[str]:
    """Names of the arguments whose arrays the student's call left different from the originals."""
    try:
        names = list(inspect.signature(qc.reference).parameters)
    except (TypeError, ValueError):
        names = []
    return [
        names[i] if i < len(names) else f"argument {i + 1}"
        for i, (before, after) in enumerate(zip(case.args, args_after or [], strict=False))
        if _changed(before, after)
    ]


@dataclass
class Plan:
    """The cases, expected values and sandbox calls of one submission."""

    seed: int
    questions: list[tuple[str, QuestionCases, list[Case], list[Any]]]
    calls: list[Call]
    limits: Limits
    group_limits: dict[str, Limits]


def _sandbox_limits(lim: Any) -> Limits:
    """The sandbox's Limits from course.yml's (same fields)."""
    return Limits(**{f: getattr(lim, f) for f in Limits.__dataclass_fields__})


def seed_for(course: Course, assignment: str, student: str, seed: int | None = None) -> int:
    """The seed of a student's instances; ``seed`` overrides the base seed of course.yml."""
    a = course.assignment(assignment)
    base = seed if seed is not None else (a.seed if a.seed is not None else course.seed)
    return student_seed(base, assignment, student)


def plan(course: Course, assignment: str, student: str, seed: int | None = None) -> Plan:
    """Generate a student's cases and compute the reference answers."""
    a = course.assignment(assignment)
    table = load_questions(assignment)
    s = seed_for(course, assignment, student, seed)
    questions, calls = [], []
    group_limits = {}
    for q in a.questions:
        if q.name not in table:
            raise KeyError(f"course.yml question {assignment}.{q.name} has no hidden cases")
        qc = table[q.name]
        tol = course.tolerance(assignment, q.name)
        qc = QuestionCases(**{**qc.__dict__, "rtol": tol.rtol, "atol": tol.atol})
        cases = qc.generate(question_rng(s, q.name))
        expected = [qc.expected(c) for c in cases]
        questions.append((q.name, qc, cases, expected))
        for i, c in enumerate(cases):
            calls.append(Call(f"{q.name}#{i}", q.name, qc.function, tuple(c.args), dict(c.kwargs)))
        group_limits[q.name] = _sandbox_limits(course.limits(assignment, q.name))
    limits = _sandbox_limits(course.limits(assignment))
    return Plan(s, questions, calls, limits, group_limits)


def score(course: Course, assignment: str, p: Plan, run: RunResult) -> list[QuestionResult]:
    """Judge the sandbox's outcomes against the plan; points come from course.yml only."""
    a = course.assignment(assignment)
    out = []
    for (name, qc, cases, expected), q in zip(p.questions, a.questions, strict=True):
        results = []
        for i, (case, want) in enumerate(zip(cases, expected, strict=True)):
            outcome = run.outcomes.get(f"{name}#{i}")
            if outcome is None:
                verdict, status, value, after = Verdict.fail("was not run"), "not_run", None, []
            elif outcome.status != "ok":
                verdict = Verdict.fail(outcome.message or f"{qc.function}: {outcome.status}")
                status, value, after = outcome.status, None, outcome.args_after
            else:
                status, value, after = "ok", outcome.value, outcome.args_after
                verdict = _judge(qc, case, value, want, after)
                changed = _modified_inputs(qc, case, after)
                if verdict.passed and changed:
                    verdict = Verdict.fail(
                        f"{qc.function} changed its input {', '.join(changed)} in place; "
                        "functions must not modify the arrays they are given"
                    )
            results.append(
                CaseResult(
                    case.name,
                    case.weight,
                    verdict.fraction,
                    verdict.message,
                    status,
                    case.public,
                    case,
                    value,
                    want,
                    list(after or []),
                )
            )
        total = sum(r.weight for r in results) or 1.0
        earned = float(q.points) * sum(r.weight * r.fraction for r in results) / total
        earned = round(earned, 6) if math.isfinite(earned) else 0.0
        earned = min(max(earned, 0.0), float(q.points))
        qr = QuestionResult(name, list(q.functions), float(q.points), earned, results)
        qr.hint = _best_hint(qc, results)
        out.append(qr)
    failing = {f for qr in out if not qr.passed for f in qr.functions}
    for qr, (_name, qc, _cases, _expected) in zip(out, p.questions, strict=True):
        blame = qc.blame(failing) if not qr.passed else None
        if blame:
            qr.hint = blame
    return out


def grade_submission(
    path: Path,
    course: Course,
    assignment: str,
    sandbox: Sandbox,
    *,
    student: str | None = None,
    seed: int | None = None,
    draw_plots: Callable[[SubmissionResult, list], None] | None = None,
    fingerprint: str | None = None,
) -> SubmissionResult:
    """Grade one submission file; never raises because of what the submission does.

    ``fingerprint`` is :func:`grading_fingerprint` of (course, assignment), if already known.
    """
    start = time.perf_counter()
    student = student or path.stem
    a = course.assignment(assignment)
    p = plan(course, assignment, student, seed)
    result = SubmissionResult(
        submission=path.stem,
        path=path,
        assignment=assignment,
        student=student,
        seed=p.seed,
        max_score=a.max_score,
        due=a.due.isoformat() if a.due else None,
        visibility=course.visibility(assignment),
        sha256=file_sha256(path),
        fingerprint=fingerprint or grading_fingerprint(course, assignment),
    )
    run = sandbox.run(path, p.calls, p.limits, group_limits=p.group_limits)
    result.load_messages = list(run.load_messages)
    result.stdout = run.stdout
    result.questions = score(course, assignment, p, run)
    if draw_plots is not None:
        draw_plots(result, p.questions)
    result.execution_time = time.perf_counter() - start
    return result


def _unsafe_stem(stem: str) -> str | None:
    """Why a file stem cannot name its results folder in --out (None if it can).

    Results go to ``out_dir / stem``: a stem of "." or ".." (files "..py", "...py"), a hidden
    name, one holding a path separator, or "grades.csv" would write outside its own folder.
    """
    if not stem or stem.startswith("."):
        return f"its name {stem!r} starts with '.' (results would go outside its own folder)"
    if any(sep and sep in stem for sep in ("/", "\\", os.sep, os.altsep)) or "\0" in stem:
        return f"its name {stem!r} holds a path separator"
    if stem == "grades.csv":
        return "its name 'grades.csv' is taken by the grades file"
    return None


def find_submissions(paths: Sequence[Path]) -> tuple[list[Path], list[str]]:
    """Expand folders into their .py/.ipynb files; return (files, warnings)."""
    files: list[Path] = []
    warnings: list[str] = []
    for p in paths:
        if p.is_dir():
            found = sorted(
                f
                for f in p.iterdir()
                if f.is_file() and f.suffix in SUBMISSION_SUFFIXES and not f.name.startswith(".")
            )
            skipped = sorted(
                f.name
                for f in p.iterdir()
                if f.is_file()
                and f.suffix not in SUBMISSION_SUFFIXES
                and not f.name.startswith(".")
            )
            if skipped:
                warnings.append(
                    f"{p}: skipped files that are not .py or .ipynb: {', '.join(skipped)}"
                )
            for f in [f for f in found if _unsafe_stem(f.stem)]:
                warnings.append(f"{f}: skipped, {_unsafe_stem(f.stem)}; rename the file")
                found.remove(f)
            if not found:
                warnings.append(f"{p}: no .py or .ipynb submissions in this folder")
            files += found
        elif p.is_file():
            problem = _unsafe_stem(p.stem)
            if problem:
                warnings.append(f"{p}: skipped, {problem}; rename the file")
                continue
            if p.suffix not in SUBMISSION_SUFFIXES:
                warnings.append(f"{p}: graded although it is not .py or .ipynb (read as Python)")
            files.append(p)
        else:
            warnings.append(f"{p}: no such file or folder")
    seen: dict[str, Path] = {}
    unique = []
    for f in files:
        if f.stem in seen:
            warnings.append(
                f"{f}: skipped, the submission name {f.stem!r} is taken by {seen[f.stem]}"
            )
            continue
        seen[f.stem] = f
        unique.append(f)
    return unique, warnings
