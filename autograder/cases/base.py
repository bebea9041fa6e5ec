"""The data a question is graded on: hidden cases, how to judge an answer, known mistakes.

An assignment's cases module (``autograder/cases/<assignment>.py``) defines ``QUESTIONS``, a dict
from question name (as in course.yml) to a :class:`QuestionCases`. It knows nothing about
sandboxes, reports or grading platforms: it only says which inputs to try, what the right answer
is (usually by calling the reference), how to judge a student's answer, and which typical wrong
answers to recognise.
"""

from __future__ import annotations

import copy
import pickle
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from autograder.compare import Verdict, agrees, compare
from autograder.sandbox import ArgRef, Lambda

__all__ = [
    "ArgRef",
    "Case",
    "Lambda",
    "Mistake",
    "QuestionCases",
    "Verdict",
    "materialize",
    "profiled",
]


@dataclass
class Case:
    """One instance of a question.

    ``args``/``kwargs`` are plain data (ndarrays, numbers, lists, tuples) or :class:`Lambda`
    callables built inside the student's process. ``weight`` is this case's share of the
    question's points. ``public`` cases may have their inputs shown before the due date.
    """

    name: str
    args: tuple
    kwargs: dict = field(default_factory=dict)
    weight: float = 1.0
    public: bool = False
    # (reference, its answer on this case) when :func:`profiled` computed it while drawing the
    # case: :meth:`QuestionCases.expected` hands it out once instead of computing it again.
    known: tuple | None = field(default=None, repr=False, compare=False)


@dataclass
class Mistake:
    """A typical wrong answer, recognised so the feedback can name it.

    ``answer(case)`` computes what the mistaken implementation returns for the case (plain data,
    like a student's return value). Alternatively ``detect(case, value, args_after)`` decides from
    the student's output directly (for mistakes that are not a wrong return value, such as a
    parameter that is not restored). ``explanation`` is one line shown after ``Hint:``.
    """

    name: str
    explanation: str
    answer: Callable[[Case], Any] | None = None
    detect: Callable[[Case, Any, list], bool] | None = None


Judge = Callable[[Case, Any, Any, "QuestionCases", list], Verdict]


@dataclass
class QuestionCases:
    """How to grade one question.

    - ``function``: the student function called for every case.
    - ``generate(rng)``: the list of cases for one student (random instances + edge cases).
    - ``reference``: the reference implementation, called on a pristine copy of the inputs.
    - ``judge``: optional custom judgement ``judge(case, value, expected, question, args_after)``
      for answers that are not unique (e.g. any correct set of sawtooth layers); by default the
      answer is compared with the reference value under the course tolerance.
    - ``mistakes``: known wrong answers, for hints.
    - ``plot``: optional ``plot(case, value, expected) -> matplotlib Figure`` drawn for failing
      answers, on a failing public case or on an illustration (see :meth:`illustrations`): only
      inputs that may be shown before the due date ever reach it.
    - ``illustrate``: optional ``illustrate(rng) -> list[Case]``, extra kinds drawn only for
      illustrations (never graded): random instances of situations that the hidden cases test
      with fixed (edge) instances, which an illustration cannot reuse.
    """

    function: str
    generate: Callable[[np.random.Generator], list[Case]]
    reference: Callable[..., Any]
    judge: Judge | None = None
    mistakes: Sequence[Mistake] = ()
    plot: Callable[[Case, Any, Any], Any] | None = None
    rtol: float = 1e-6
    atol: float = 1e-9
    calls: tuple[str, ...] = ()  # student functions this one calls, as the API says
    illustrate: Callable[[np.random.Generator], list[Case]] | None = None

    def illustrations(self, rng: np.random.Generator, limit: int) -> list[Case]:
        """At most ``limit`` fresh instances like the hidden cases, for an illustration.

        ``rng`` must be a stream of its own (never the hidden cases' one). The candidates are
        the non-public cases of ``generate(rng)`` whose kind is random (a kind whose instance
        is the same for every draw, such as a fixed edge case, would be a hidden case itself),
        then those of ``illustrate(rng)``, in that order. They are never graded.
        """
        fixed = _fixed_kinds(self.generate)
        cases = [c for c in self.generate(rng) if not c.public and c.name not in fixed]
        if self.illustrate is not None:
            cases += [c for c in self.illustrate(rng) if not c.public]
        return cases[: max(0, limit)]

    def expected(self, case: Case) -> Any:
        """The reference answer, computed on copies so the case stays pristine (or the one
        :func:`profiled` computed so while it drew the case, the first time it is asked for)."""
        known, case.known = case.known, None
        if known is not None and known[0] is self.reference:
            return known[1]
        memo: dict = {}
        args, kwargs = materialize(fresh(case.args, memo), fresh(case.kwargs, memo))
        with np.errstate(all="ignore"):  # an instance may overflow: the answer says so itself
            return self.reference(*args, **kwargs)

    def assess(self, case: Case, value: Any, expected: Any, args_after: list) -> Verdict:
        """Judge a student's return value for ``case``."""
        if self.judge is not None:
            return self.judge(case, value, expected, self, args_after)
        return compare(value, expected, self.function, rtol=self.rtol, atol=self.atol)

    def diagnose(self, results: Sequence[Any]) -> Mistake | None:
        """The known mistake that best explains the pattern of right and wrong cases.

        ``results`` have ``case``, ``value``, ``args_after``, ``status`` and ``fraction`` (the
        grader's per-case results). A mistake explains a wrong case when its answer matches the
        student's; it is contradicted by a right case on which its answer is wrong (the student
        cannot have made it). The mistake explaining most wrong cases, at least half of them,
        with no contradiction, wins; ties go to the one listed first.
        """
        ok = [r for r in results if r.status == "ok"]
        wrong = [r for r in ok if r.fraction < 1.0]
        if not wrong:
            return None
        right = [r for r in ok if r.fraction >= 1.0 and not r.case.public]
        best, best_hits = None, 0
        for mistake in self.mistakes:
            hits = sum(1 for r in wrong if self._explains(mistake, r.case, r.value, r.args_after))
            if 2 * hits < len(wrong) or hits <= best_hits:
                continue
            if mistake.answer is not None and any(
                self._explains(mistake, r.case, r.value, r.args_after, None) is False for r in right
            ):
                continue
            best, best_hits = mistake, hits
        for r in wrong:
            r.mistake = (
                best if best and self._explains(best, r.case, r.value, r.args_after) else None
            )
        return best

    def _explains(
        self, mistake: Mistake, case: Case, value: Any, args_after: list, na: Any = False
    ) -> Any:
        """Whether the mistake gives the student's answer; ``na`` if it does not apply here."""
        try:
            if mistake.detect is not None:
                return bool(mistake.detect(case, value, args_after))
            if mistake.answer is None:
                return na
            with np.errstate(all="ignore"):
                wrong = mistake.answer(case)
        except Exception:  # a mistake model that does not apply to this case explains nothing
            return na
        return agrees(value, wrong, rtol=self.rtol, atol=self.atol)

    def blame(self, failing: set[str]) -> str | None:
        """'fix Y first' when a student function this one calls is failing too."""
        for callee in self.calls:
            if callee in failing:
                return (
                    f"your {self.function} is off because the function it calls ({callee}) is "
                    f"off: fix {callee} first."
                )
        return None

    def matching_mistake(self, case: Case, value: Any, args_after: list) -> Mistake | None:
        """The first known mistake that explains ``value`` on this case, if any."""
        for mistake in self.mistakes:
            try:
                if mistake.detect is not None:
                    if mistake.detect(case, value, args_after):
                        return mistake
                    continue
                if mistake.answer is None:
                    continue
                wrong = mistake.answer(case)
                if agrees(value, wrong, rtol=self.rtol, atol=self.atol):
                    return mistake
            except Exception:  # a mistake model that does not apply to this case explains nothing
                continue
        return None


_FIXED: dict[Any, frozenset[str]] = {}


def _fixed_kinds(generate: Callable[[np.random.Generator], list[Case]]) -> frozenset[str]:
    """Names of the kinds whose instance does not depend on the generator's stream: equal
    (every bit of every input) in two draws from two fixed streams, the same for every student."""
    if generate not in _FIXED:
        a, b = (generate(np.random.default_rng(seed)) for seed in (1, 2))
        other = {c.name: pickle.dumps((c.args, c.kwargs)) for c in b}
        _FIXED[generate] = frozenset(
            c.name for c in a if other.get(c.name) == pickle.dumps((c.args, c.kwargs))
        )
    return _FIXED[generate]


def _build(value: Any, args: list) -> Any:
    if isinstance(value, Lambda):
        bind = {
            k: (args[v.index] if isinstance(v, ArgRef) else _build(v, args))
            for k, v in value.bind.items()
        }
        return eval(f"lambda {value.params}: {value.expr}", {"np": np, **bind})  # noqa: S307 - our data
    if isinstance(value, list):
        return [_build(v, args) for v in value]
    if isinstance(value, tuple):
        return tuple(_build(v, args) for v in value)
    return value


_IMMUTABLE = (int, float, complex, str, bytes, bool, type(None), np.generic, ArgRef)


def fresh(value: Any, memo: dict | None = None) -> Any:
    """``copy.deepcopy(value)`` for a case's data (arrays, lists, tuples, dicts, Lambdas and
    immutable scalars), an object shared within ``value`` staying shared in the copy; other
    objects go through deepcopy itself. Several times faster: the grader copies every
    instance it draws before the reference sees it."""
    memo = {} if memo is None else memo
    if isinstance(value, _IMMUTABLE):
        return value
    key = id(value)
    if key in memo:
        return memo[key]
    if type(value) is np.ndarray:
        out: Any = value.copy()
    elif type(value) is list:
        out = [fresh(v, memo) for v in value]
    elif type(value) is tuple:
        out = tuple(fresh(v, memo) for v in value)
    elif type(value) is dict:
        out = {k: fresh(v, memo) for k, v in value.items()}
    elif type(value) is Lambda:
        out = Lambda(value.params, value.expr, fresh(value.bind, memo))
    else:
        return copy.deepcopy(value)
    memo[key] = out
    return out


def materialize(args: tuple, kwargs: dict | None = None) -> tuple[list, dict]:
    """Turn :class:`Lambda` specs into real callables (in the grader, for the reference).

    ``ArgRef(i)`` inside a Lambda binds positional argument ``i`` itself (the same object), so
    a callable can read an array that the function under test perturbs.
    """
    built = list(args)
    built = [_build(v, built) for v in built]
    return built, {k: _build(v, built) for k, v in (kwargs or {}).items()}


def _wrong_mistakes(
    case: Case,
    mistakes: Sequence[Mistake],
    reference: Callable[..., Any],
    tol: dict | None = None,
) -> tuple[set, Any]:
    """Names of the mistakes (with an ``answer``) whose answer differs from the reference's
    (under ``tol``, compare's rtol/atol; its defaults without), and the reference's answer."""
    memo: dict = {}
    args, kwargs = materialize(fresh(case.args, memo), fresh(case.kwargs, memo))
    with np.errstate(all="ignore"):  # a draw may overflow (it is drawn again): no warnings
        want = reference(*args, **kwargs)
    wrong = set()
    for m in mistakes:
        if m.answer is None:
            continue
        try:
            with np.errstate(all="ignore"):
                got = m.answer(case)
            if not agrees(got, want, **(tol or {})):
                wrong.add(m.name)
        except Exception:  # a model that cannot answer this instance is wrong on it
            wrong.add(m.name)
    return wrong, want


_SPARES: dict[tuple, tuple[str, ...]] = {}


def known_spares() -> list[list[list[str]]]:
    """The profiles worked out so far in this process, as JSON-able data: a list of [key,
    spared mistakes] (see :func:`profiled`; each is the same for every student)."""
    return [[list(key), list(spared)] for key, spared in _SPARES.items()]


def remember_spares(table: Any) -> int:
    """Take profiles from :func:`known_spares` of an earlier process (a Gradescope image's
    build works them out once; each run would otherwise spend up to seconds on them). Rows
    that are not [key of 4 strings, list of strings] are skipped; returns the rows taken."""
    taken = 0
    for row in table if isinstance(table, list) else []:
        if not (isinstance(row, list) and len(row) == 2):
            continue
        key, spared = row
        if (
            isinstance(key, list)
            and len(key) == 4
            and all(isinstance(k, str) for k in key)
            and isinstance(spared, list)
            and all(isinstance(m, str) for m in spared)
        ):
            _SPARES.setdefault(tuple(key), tuple(spared))
            taken += 1
    return taken


def _usual_spares(name, draw, reference, mistakes, kwargs, tol=None) -> tuple[str, ...]:
    key = (getattr(reference, "__qualname__", repr(reference)), name, repr(kwargs), repr(tol))
    if key not in _SPARES:
        rng = np.random.default_rng(zlib.crc32(name.encode()))
        counts = {m.name: 0 for m in mistakes if m.answer is not None}
        n = 24
        for _ in range(n):
            case = Case(name, tuple(draw(rng)), dict(kwargs or {}))
            for wrong in _wrong_mistakes(case, mistakes, reference, tol)[0]:
                counts[wrong] += 1
        _SPARES[key] = tuple(m for m, c in counts.items() if 2 * c < n)
    return _SPARES[key]


def profiled(
    rng: np.random.Generator,
    name: str,
    draw: Callable[[np.random.Generator], tuple],
    reference: Callable[..., Any],
    mistakes: Sequence[Mistake] | Callable[[], Sequence[Mistake]],
    *,
    spare: Sequence[str] | None = None,
    kwargs: dict | None = None,
    weight: float = 1.0,
    tries: int = 400,
    tolerance: dict | None = None,
    valid: Callable[[Any], bool] | None = None,
) -> Case:
    """One random instance of a kind whose profile is fixed: the same for every student.

    ``draw(rng)`` returns the instance's args. Instances are drawn until every known mistake
    (with an ``answer``) is wrong on it, except those named in ``spare``, which must be right
    on it: so a known mistake loses this case for every student or for none, and the numbers
    inside the kind are all that differ between students. ``name`` names the kind, not its
    values (it is shown in feedback). ``mistakes`` may be a function returning them (when the
    question's table is defined after its generator); ``kwargs`` are fixed for the kind.

    Without ``spare``, the kind's profile is what most instances of the kind show: the
    mistakes wrong on fewer than half of 24 draws from a stream fixed by the kind's name (the
    same for every student) are spared.

    ``tolerance`` ({"rtol": ..., "atol": ...}) is the one a mistake's answer is judged under,
    for questions whose course tolerance is looser than compare's default (a mistake that is
    close, such as a one-sided difference, is right or wrong depending on it).

    ``valid(answer)``, if given, must hold of the reference's answer too (such as: finite, for
    a training run that could diverge, whose overflow no two implementations need agree on).
    """
    if callable(mistakes):
        mistakes = mistakes()
    if spare is None:
        spare = _usual_spares(name, draw, reference, mistakes, kwargs, tolerance)
    must = {m.name for m in mistakes if m.answer is not None} - set(spare)
    seen: dict[frozenset, int] = {}
    for _ in range(tries):
        case = Case(name, tuple(draw(rng)), dict(kwargs or {}), weight=weight)
        names, want = _wrong_mistakes(case, mistakes, reference, tolerance)
        wrong = frozenset(names)
        if wrong == must and (valid is None or valid(want)):
            case.known = (reference, want)
            return case
        seen[wrong] = seen.get(wrong, 0) + 1
    common = max(seen, key=seen.__getitem__)
    raise RuntimeError(
        f"no instance of kind {name!r} with the profile wanted in {tries} draws; most often "
        f"missing {sorted(must - common)}, extra {sorted(common - must)}"
    )
