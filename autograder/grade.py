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
import threading
import time
import weakref
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from autograder.cases import load_questions
from autograder.cases.base import Case, Mistake, QuestionCases, known_spares, remember_spares
from autograder.compare import Verdict
from autograder.course import Course
from autograder.layout import (  # noqa: F401 - re-exported: where submissions are found
    SUBMISSION_SUFFIXES,
    Entry,
    find_entries,
    find_submissions,
)
from autograder.sandbox import (
    REQUIREMENTS,
    Call,
    CallOutcome,
    Limits,
    RunResult,
    Sandbox,
    unmet,
)
from autograder.text import clean, file_name

_NUMBER = re.compile(r"[-+]?\d+(\.\d+)?(e[-+]?\d+)?")
MAX_LOAD_MESSAGES = 5  # messages from loading a submission kept for its feedback
MESSAGE_CHARS = 400  # a case's message, once made safe
MAX_SUMMARY_LINES = 5  # kinds of problems listed per question; the rest are counted
MAX_ILLUSTRATION_CANDIDATES = 6  # fresh instances tried per question for an illustration
_UNRUN = ("missing", "not_run", "crashed", "timeout")  # statuses a load failure gives every call


class SandboxFailure(RuntimeError):
    """The sandbox could not run the submission (an infrastructure failure): not a grade, and
    the next run regrades it."""


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
    # What may be shown for this case before the due date when it is hidden: the grader's own
    # words (no text the submission produced, no number derived from the hidden values).
    # ``message`` holds everything, for public cases and after the due date.
    hidden_message: str = ""

    def shown_message(self, reveal: bool = False) -> str:
        """The message a student may see: all of it once revealed; before that, for a public
        case that returned, the judge's message on its answer; else the grader's own words.

        A public case's own text (its exception's message) stays out too: a call may run in a
        process that has held hidden inputs, so its text could carry them.
        """
        if reveal or (self.public and self.status == "ok"):
            return self.message
        return self.hidden_message

    def label(self, reveal: bool = False) -> str:
        """The case's name as a student may see it: before the due date a random hidden case's
        numbers are masked ('random nets D1=#, D2=#'), since some names carry the instance's
        own values (a drawn depth, size or interval). Public and edge cases are the same for
        every student; their names are shown as they are."""
        if reveal or self.public or self.name.startswith(("edge:", "public:")):
            return self.name
        return _NUMBER.sub("#", self.name)


@dataclass
class QuestionResult:
    """The points of one question of course.yml and the feedback that explains them."""

    name: str
    functions: list[str]
    max_score: float
    score: float
    cases: list[CaseResult]
    hint: str | None = None
    mistake: str | None = None  # the name of the known mistake the hint explains
    figure_png: bytes | None = None
    figure_caption: str = ""  # what the figure shows, said under it
    # A fresh instance like the hidden cases, never graded, on which the student's answer is
    # wrong (see illustrate): its inputs and the answer come from a sandbox run that never saw
    # a hidden input, so both may be shown before the due date.
    illustration: CaseResult | None = None

    @property
    def passed(self) -> bool:
        return self.score >= self.max_score

    @property
    def summary(self) -> str:
        """The summary a student may see before the due date (see :meth:`summary_text`)."""
        return self.summary_text(reveal=False)

    def summary_text(self, reveal: bool = False) -> str:
        """One line per kind of problem, led by the first such case's label, e.g.
        'edge: zero slope, zero weights, shared kink: compose raised ValueError'.

        Messages that differ only in their numbers count as one kind; the first is shown, and
        how many more cases had it. Hidden cases show their grader-only message unless
        ``reveal``. At most MAX_SUMMARY_LINES kinds are listed; the others are counted.
        """
        failing = [c for c in self.cases if c.fraction < 1.0]
        if not failing:
            return f"All {len(self.cases)} cases passed."
        kinds: dict[str, list[tuple[str, str]]] = {}
        for c in failing:
            text = c.shown_message(reveal)
            kinds.setdefault(_NUMBER.sub("#", text), []).append((c.label(reveal), text))
        lines = [f"{len(self.cases) - len(failing)} of {len(self.cases)} cases passed."]
        listed = list(kinds.values())
        for found in listed[:MAX_SUMMARY_LINES]:
            label, text = found[0]
            more = len(found) - 1
            similar = "" if not more else f" (and {more} more case{'s' if more > 1 else ''})"
            lines.append(f"{label}: {text}{similar}")
        rest = sum(len(found) for found in listed[MAX_SUMMARY_LINES:])
        if rest:
            lines.append(f"... and {rest} more failing case{'s' if rest > 1 else ''}.")
        return "\n".join(lines)


@dataclass
class SubmissionResult:
    """Everything the reports need about one graded submission."""

    submission: str  # the name in the batch (the file stem, see find_entries), printable text
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
    isolation: dict = field(default_factory=dict)  # RunResult.isolation_info (mode, layers)
    student_name: str = ""  # from a roster or an LMS download name
    decimals: int = 2  # points as shown (course.yml defaults.decimals); scores stay exact

    @property
    def status(self) -> str:
        """'load error' when loading failed so that no call ran at all, else 'graded'."""
        ran = any(c.status not in _UNRUN for q in self.questions for c in q.cases)
        return "load error" if self.load_messages and not ran else "graded"

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
    text = f"{base_seed}:{assignment}:{student}"
    digest = hashlib.sha256(text.encode("utf-8", "surrogatepass")).digest()
    return int.from_bytes(digest[:8], "little") >> 1


def question_rng(seed: int, question: str) -> np.random.Generator:
    """An independent generator per question, so adding a question changes no other one."""
    return np.random.default_rng([seed, zlib.crc32(question.encode())])


def _best_mistake(qc: QuestionCases, results: list[CaseResult]) -> Mistake | None:
    """The known mistake that explains the pattern of right and wrong answers (see diagnose)."""
    return qc.diagnose(results)


def _judge(qc: QuestionCases, case: Case, value: Any, expected: Any, args_after: list) -> Verdict:
    """The case's verdict, with a fraction in [0, 1] and both messages made safe text.

    A verdict without ``hidden_message`` gets a generic sentence for hidden cases: a judge's
    own message may describe the answer in terms of the hidden values."""
    try:
        verdict = qc.assess(case, value, expected, args_after)
    except Exception as exc:  # a judge must never crash the grader on a strange answer
        return Verdict.fail(
            f"{qc.function} returned an answer that could not be checked ({clean(exc)})",
            f"{qc.function} returned an answer that could not be checked",
        )
    try:
        fraction = float(verdict.fraction)
    except (TypeError, ValueError, OverflowError):
        fraction = 0.0
    if not math.isfinite(fraction):  # NaN would pass through min/max; ±inf is no answer either
        fraction = 0.0
    fraction = min(max(fraction, 0.0), 1.0)
    hidden = verdict.hidden_message
    if not isinstance(hidden, str) or not hidden:
        hidden = (
            ""
            if fraction >= 1.0
            else f"{qc.function} returned a partly wrong answer"
            if fraction > 0.0
            else f"{qc.function} returned a wrong answer"
        )
    return Verdict(fraction, clean(verdict.message, MESSAGE_CHARS), clean(hidden, MESSAGE_CHARS))


def _outcome_verdict(function: str, outcome: CallOutcome, limits: Limits) -> Verdict:
    """The failed verdict of a call that did not return normally.

    ``message`` is the sandbox's text (made safe), which may hold what the submission chose
    (its exception's message and class, where it was raised); ``hidden_message`` is built only
    from the status, a built-in exception's name (checked by the sandbox against the grader's
    own builtins) and the grader's limits.
    """
    status = outcome.status
    if status == "error":
        kind = outcome.error_type
        if kind == "MemoryError":
            hidden = f"{function} raised MemoryError (the limit is {limits.memory_mb} MB)"
        elif kind:
            hidden = f"{function} raised {kind}"
        else:
            hidden = f"{function} raised an exception of a class defined in your code or a library"
    elif status == "timeout":
        hidden = f"{function} did not finish within {limits.wall_s:g} s"
    elif status == "crashed":
        hidden = f"{function}: the process died (a hard exit, a crash, or too much memory)"
    elif status == "bad_output":
        hidden = (
            f"{function} returned a value that cannot be graded "
            "(return numbers, numpy arrays, or lists/tuples of them)"
        )
    elif status == "missing":
        hidden = f"{function} is not defined in the submission, or is not a function"
    else:
        hidden = f"{function} was not run (the sandbox stopped this question)"
    full = clean(outcome.message, MESSAGE_CHARS) or f"{function}: {status}"
    if status == "error" and full and not full.startswith(function):
        full = f"{function} raised {full}"
    return Verdict.fail(full, hidden)


def _changed(before: Any, after: Any) -> bool:
    """Whether an argument's arrays (also inside lists/tuples) differ after the call."""
    if isinstance(before, np.ndarray):
        if not isinstance(after, np.ndarray):
            return after is not None  # None: the sandbox could not tell
        if before.shape != after.shape:
            return True
        if before.dtype == after.dtype and before.tobytes() == after.tobytes():
            return False  # the same bits (the usual case): equal, NaN where NaN was
        return not np.array_equal(before, after, equal_nan=True)
    if isinstance(before, list | tuple) and isinstance(after, list | tuple):
        if len(before) != len(after):
            return True
        return any(_changed(b, a) for b, a in zip(before, after, strict=True))
    return False


_PARAMETERS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _parameter_names(function: Callable) -> tuple[str, ...]:
    """The names of ``function``'s parameters, in order (a reference function's signature is
    read once, not for every call of every submission); () when it has none to read."""
    try:
        return _PARAMETERS[function]
    except (KeyError, TypeError):
        pass
    try:
        names = tuple(inspect.signature(function).parameters)
    except (TypeError, ValueError):
        names = ()
    try:
        _PARAMETERS[function] = names
    except TypeError:  # not weakly referable: read each time
        pass
    return names


def _modified_inputs(qc: QuestionCases, case: Case, args_after: list) -> list[str]:
    """Names of the arguments whose arrays the student's call left different from the originals."""
    names = _parameter_names(qc.reference)
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


def _base_seed(course: Course, assignment: str, seed: int | None = None) -> int:
    a = course.assignment(assignment)
    return seed if seed is not None else (a.seed if a.seed is not None else course.seed)


def seed_for(course: Course, assignment: str, student: str, seed: int | None = None) -> int:
    """The seed of a student's instances; ``seed`` overrides the base seed of course.yml."""
    return student_seed(_base_seed(course, assignment, seed), assignment, student)


def illustration_seed(
    course: Course, assignment: str, student: str, question: str, seed: int | None = None
) -> int:
    """The seed of a question's illustration instances: a hash of course seed, assignment,
    student, question and the word "illustration", so its stream is independent of the hidden
    cases' (which hash only the first three) and tells nothing about them."""
    base = _base_seed(course, assignment, seed)
    text = f"{base}:{assignment}:{student}:{question}:illustration"
    digest = hashlib.sha256(text.encode("utf-8", "surrogatepass")).digest()
    return int.from_bytes(digest[:8], "little") >> 1


def course_problems(course: Course, assignment: str) -> list[str]:
    """What in course.yml's entry for ``assignment`` its hidden cases cannot grade, one line each
    with its place: a question without hidden cases, a function its cases do not call."""
    names = course.names
    a = course.assignment(assignment)
    try:
        table = load_questions(assignment)
    except KeyError:
        return [f"assignments[{names.index(assignment)}] ({assignment}): no hidden cases exist"]
    problems = []
    for j, q in enumerate(a.questions):
        where = f"assignments[{names.index(assignment)}] ({assignment}), questions[{j}] ({q.name})"
        if q.name not in table:
            problems.append(
                f"{where}: no hidden cases for this question (questions with cases: "
                f"{', '.join(table)})"
            )
            continue
        graded = table[q.name].function
        for f in q.functions:
            if f != graded:
                problems.append(
                    f"{where}: functions names {f!r}, but its hidden cases grade {graded!r}"
                )
    return problems


def _question_cases(course: Course, assignment: str, question: str) -> QuestionCases:
    """A question's cases table, under the course's tolerance for it."""
    table = load_questions(assignment)
    if question not in table:
        raise KeyError(f"course.yml question {assignment}.{question} has no hidden cases")
    tol = course.tolerance(assignment, question)
    return QuestionCases(**{**table[question].__dict__, "rtol": tol.rtol, "atol": tol.atol})


def plan(course: Course, assignment: str, student: str, seed: int | None = None) -> Plan:
    """Generate a student's cases and compute the reference answers."""
    s = seed_for(course, assignment, student, seed)
    drawn = []
    for q in course.assignment(assignment).questions:
        qc = _question_cases(course, assignment, q.name)
        cases = qc.generate(question_rng(s, q.name))
        drawn.append((q.name, cases, [qc.expected(c) for c in cases]))
    return plan_of(course, assignment, s, drawn)


def plan_of(
    course: Course, assignment: str, seed: int, drawn: list[tuple[str, list[Case], list[Any]]]
) -> Plan:
    """The Plan of a student's drawn cases: (question, cases, expected answers) per question of
    the assignment, in course.yml's order, as :func:`plan` draws them (or a process of the
    batch's planners did: plain data, which this joins to the questions' tables again)."""
    questions, calls, group_limits = [], [], {}
    for q, (name, cases, expected) in zip(
        course.assignment(assignment).questions, drawn, strict=True
    ):
        if name != q.name or len(cases) != len(expected):
            raise ValueError(f"a plan of {assignment} has {name!r} where {q.name!r} belongs")
        qc = _question_cases(course, assignment, name)
        questions.append((name, qc, cases, expected))
        for i, c in enumerate(cases):
            calls.append(Call(f"{name}#{i}", name, qc.function, tuple(c.args), dict(c.kwargs)))
        group_limits[name] = _sandbox_limits(course.limits(assignment, name))
    limits = _sandbox_limits(course.limits(assignment))
    return Plan(seed, questions, calls, limits, group_limits)


def worked_out_profiles(course: Course, assignment: str) -> dict:
    """The assignment's case profiles (which known mistakes each kind of instance spares: the
    same for every student, worked out from fixed draws the first time a process plans), for
    :func:`take_profiles` in another process: ``{"fingerprint": ..., "profiles": [...]}``."""
    plan(course, assignment, "relulab-profiles")  # works out every kind's profile
    return {"fingerprint": grading_fingerprint(course, assignment), "profiles": known_spares()}


def take_profiles(course: Course, assignment: str, data: Any, fingerprint: str = "") -> bool:
    """Use profiles from :func:`worked_out_profiles` if they were made for this very grading
    setup (the same grading fingerprint); anything else is ignored (they are worked out
    again). Whether they were all taken."""
    if not isinstance(data, dict):
        return False
    if data.get("fingerprint") != (fingerprint or grading_fingerprint(course, assignment)):
        return False
    profiles = data.get("profiles")
    return isinstance(profiles, list) and remember_spares(profiles) == len(profiles)


def _profiles_cache(assignment: str, fingerprint: str) -> Path:
    """The grader's own cache of an assignment's case profiles (XDG cache, relulab's folder,
    closed to others), per grading fingerprint and numpy version."""
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "relulab"
    return base / "profiles" / f"{assignment}-{fingerprint[:32]}-numpy{np.__version__}.json"


def load_cached_profiles(course: Course, assignment: str, fingerprint: str) -> bool:
    """Take the profiles an earlier batch left in the cache (see :func:`take_profiles`)."""
    try:
        data = json.loads(_profiles_cache(assignment, fingerprint).read_text("utf-8"))
    except (OSError, ValueError):
        return False
    return take_profiles(course, assignment, data, fingerprint)


def save_cached_profiles(assignment: str, fingerprint: str) -> None:
    """Leave the profiles worked out in this process for the next batch (best effort)."""
    from autograder.report import write_atomic

    path = _profiles_cache(assignment, fingerprint)
    try:
        for folder in (path.parent.parent, path.parent):
            folder.mkdir(mode=0o700, exist_ok=True)
            os.chmod(folder, 0o700)
        write_atomic(path, json.dumps({"fingerprint": fingerprint, "profiles": known_spares()}))
        os.chmod(path, 0o600)
    except OSError:
        pass


def score(course: Course, assignment: str, p: Plan, run: RunResult) -> list[QuestionResult]:
    """Judge the sandbox's outcomes against the plan; points come from course.yml only."""
    a = course.assignment(assignment)
    out = []
    for (name, qc, cases, expected), q in zip(p.questions, a.questions, strict=True):
        results = []
        for i, (case, want) in enumerate(zip(cases, expected, strict=True)):
            outcome = run.outcomes.get(f"{name}#{i}")
            if outcome is None:
                missing = f"{qc.function} was not run"
                verdict, status, value, after = Verdict.fail(missing, missing), "not_run", None, []
            elif outcome.status != "ok":
                verdict = _outcome_verdict(qc.function, outcome, p.group_limits[name])
                status, value, after = outcome.status, None, outcome.args_after
            else:
                status, value, after = "ok", outcome.value, outcome.args_after
                verdict = _judge(qc, case, value, want, after)
                changed = _modified_inputs(qc, case, after)
                if verdict.passed and changed:
                    text = (
                        f"{qc.function} changed its input {', '.join(changed)} in place; "
                        "functions must not modify the arrays they are given"
                    )
                    verdict = Verdict.fail(text, text)  # argument names from the reference
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
                    hidden_message=verdict.hidden_message or "",
                )
            )
        total = sum(r.weight for r in results) or 1.0
        earned = float(q.points) * sum(r.weight * r.fraction for r in results) / total
        earned = round(earned, 6) if math.isfinite(earned) else 0.0
        earned = min(max(earned, 0.0), float(q.points))
        qr = QuestionResult(name, list(q.functions), float(q.points), earned, results)
        best = _best_mistake(qc, results)
        if best is not None:
            qr.hint, qr.mistake = best.explanation, best.name
        out.append(qr)
    failing = {f for qr in out if not qr.passed for f in qr.functions}
    for qr, (_name, qc, _cases, _expected) in zip(out, p.questions, strict=True):
        blame = qc.blame(failing) if not qr.passed else None
        if blame:
            qr.hint = blame
    return out


def needs_illustration(qr: QuestionResult, qc: QuestionCases) -> bool:
    """Whether a question gets an illustration: it failed, it has a plot but no failing public
    case that returned an answer to draw it on, and a hidden case returned a wrong answer (a
    submission that only raises or times out would most likely do so again)."""
    if qr.passed or qc.plot is None:
        return False
    if any(c.public and c.fraction < 1.0 and c.status == "ok" for c in qr.cases):
        return False
    return any(not c.public and c.fraction < 1.0 and c.status == "ok" for c in qr.cases)


# The sandbox each grading sandbox's illustration runs go to: its zygotes never run a call on a
# hidden input. A child forked from a zygote inherits the zygote's memory, which holds the
# results of the runs it made, and a submission's results on hidden cases may be its hidden
# inputs: a child forked after them could read them back (ctypes) and return them.
_ILLUSTRATORS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_ILLUSTRATORS_LOCK = threading.Lock()


def illustration_sandbox(sandbox: Any) -> Sandbox | None:
    """The sandbox for ``sandbox``'s illustration runs, started on first use (one zygote,
    closed when ``sandbox`` is collected or at exit), with the same hidden paths and at least
    its isolation layers; None when there is none to be had, or ``sandbox`` is not a real
    :class:`Sandbox` (a test double), or its file system is not confined (in "plain" mode
    without Landlock a hidden run could leave a file for the illustration run to read)."""
    if not isinstance(sandbox, Sandbox):
        return None
    layers = [x for x in (sandbox.isolation_info or {}).get("layers", []) if x in REQUIREMENTS]
    if unmet({"layers": layers}, ["allow-list"]):
        return None
    with _ILLUSTRATORS_LOCK:
        box = _ILLUSTRATORS.get(sandbox)
        if box is None:
            try:
                box = Sandbox(hide=list(sandbox.hide), workers=1, require=layers)
            except Exception:  # an illustration is a courtesy: never lose a grade over it
                return None
            _ILLUSTRATORS[sandbox] = box
            weakref.finalize(sandbox, box.close)
    return box


@dataclass
class IllustrationPlan:
    """The illustration candidates of the questions that need one, and their sandbox calls
    (keys "<question>@illustration#<i>", one group per question)."""

    questions: list[tuple[QuestionResult, str, QuestionCases, list[Case], list[Any]]]
    calls: list[Call]


def plan_illustrations(
    course: Course,
    assignment: str,
    student: str,
    p: Plan,
    questions: list[QuestionResult],
    seed: int | None = None,
) -> IllustrationPlan:
    """Up to MAX_ILLUSTRATION_CANDIDATES fresh instances for every question that needs an
    illustration (see needs_illustration), drawn from the question's own stream
    (illustration_seed), with the reference's answers."""
    table, calls = [], []
    for qr, (name, qc, _cases, _expected) in zip(questions, p.questions, strict=True):
        if not needs_illustration(qr, qc):
            continue
        rng = np.random.default_rng(illustration_seed(course, assignment, student, name, seed))
        try:
            cands = qc.illustrations(rng, MAX_ILLUSTRATION_CANDIDATES)
            want = [qc.expected(c) for c in cands]
        except Exception:  # a generator that cannot draw here gives no illustration
            continue
        table.append((qr, name, qc, cands, want))
        for i, c in enumerate(cands):
            key = f"{name}@illustration#{i}"
            calls.append(Call(key, name, qc.function, tuple(c.args), dict(c.kwargs)))
    return IllustrationPlan(table, calls)


def apply_illustrations(ip: IllustrationPlan, run: RunResult) -> None:
    """Give each question its first candidate, in the generator's order, on which the answer
    returned and is wrong: the choice depends on the illustration run alone."""
    for qr, name, qc, cands, want in ip.questions:
        for i, (case, expected) in enumerate(zip(cands, want, strict=True)):
            outcome = run.outcomes.get(f"{name}@illustration#{i}")
            if outcome is None or outcome.status != "ok":
                continue
            verdict = _judge(qc, case, outcome.value, expected, outcome.args_after)
            if verdict.passed:
                continue
            qr.illustration = CaseResult(
                case.name,
                case.weight,
                verdict.fraction,
                verdict.message,
                "ok",
                True,  # its inputs may be shown: it is no hidden case
                case,
                outcome.value,
                expected,
                list(outcome.args_after or []),
                hidden_message=verdict.message,
            )
            break


def illustrate(
    course: Course,
    assignment: str,
    student: str,
    p: Plan,
    questions: list[QuestionResult],
    path: Path,
    sandbox: Any,
    seed: int | None = None,
) -> float:
    """Give every question that needs one an illustration (see plan_illustrations).

    The candidates run in ONE sandbox run of their own, separate from the hidden run, in a
    sandbox whose processes never held a hidden input (illustration_sandbox): nothing the
    submission returns there can depend on a hidden case, so its answer, and the choice of
    the candidate shown (apply_illustrations), may be shown before the due date. Returns the
    seconds it took (0 when no question needed one).
    """
    pairs = zip(questions, p.questions, strict=True)
    if not any(needs_illustration(qr, qc) for qr, (_n, qc, _c, _e) in pairs):
        return 0.0
    start = time.perf_counter()
    box = illustration_sandbox(sandbox)
    if box is None:
        return 0.0
    ip = plan_illustrations(course, assignment, student, p, questions, seed)
    if not ip.calls:
        return time.perf_counter() - start
    groups = {name: p.group_limits[name] for _qr, name, *_ in ip.questions}
    try:
        run = box.run(path, ip.calls, p.limits, group_limits=groups)
    except Exception:  # an illustration is a courtesy: never lose a grade over it
        return time.perf_counter() - start
    if not run.internal_error:
        apply_illustrations(ip, run)
    return time.perf_counter() - start


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
    submission: str | None = None,
    student_name: str = "",
    planner: Callable[[str], Plan] | None = None,
) -> SubmissionResult:
    """Grade one submission file; never raises because of what the submission does.

    ``fingerprint`` is :func:`grading_fingerprint` of (course, assignment), if already known.
    ``submission`` is its name in the reports (default: the file stem, as printable text);
    ``student`` the id its instances are drawn for (default: the same). ``planner(student)``
    gives the student's :func:`plan` (a batch's, which may work it out in another process).
    """
    start = time.perf_counter()
    submission = submission or file_name(path.stem)
    student = student or submission
    shown_student = student if clean(student, 1000) == student else file_name(student)
    a = course.assignment(assignment)
    p = planner(student) if planner is not None else plan(course, assignment, student, seed)
    result = SubmissionResult(
        submission=submission,
        path=path,
        assignment=assignment,
        student=shown_student,
        seed=p.seed,
        max_score=a.max_score,
        due=a.due.isoformat() if a.due else None,
        visibility=course.visibility(assignment),
        decimals=course.defaults.decimals,
        student_name=clean(student_name, 200),
        sha256=file_sha256(path),
        fingerprint=fingerprint or grading_fingerprint(course, assignment),
    )
    run = sandbox.run(path, p.calls, p.limits, group_limits=p.group_limits)
    if run.internal_error:  # the sandbox failed, not the submission: no grade to keep
        raise SandboxFailure(run.internal_error)
    # Loading happens before any hidden input enters the child; still only a few messages,
    # each made safe text.
    result.load_messages = [clean(m) for m in list(run.load_messages)[:MAX_LOAD_MESSAGES]]
    if len(run.load_messages) > MAX_LOAD_MESSAGES:
        result.load_messages.append(
            f"... and {len(run.load_messages) - MAX_LOAD_MESSAGES} more messages"
        )
    result.stdout = clean(run.stdout, 20_000, multiline=True)
    info = run.isolation_info if isinstance(run.isolation_info, dict) else {}
    result.isolation = dict(info) or ({"mode": run.isolation} if run.isolation else {})
    result.questions = score(course, assignment, p, run)
    if draw_plots is not None:
        illustrate(course, assignment, student, p, result.questions, path, sandbox, seed)
        draw_plots(result, p.questions)
    result.execution_time = time.perf_counter() - start
    return result
