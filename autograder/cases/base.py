"""The data a question is graded on: hidden cases, how to judge an answer, known mistakes.

An assignment's cases module (``autograder/cases/<assignment>.py``) defines ``QUESTIONS``, a dict
from question name (as in course.yml) to a :class:`QuestionCases`. It knows nothing about
sandboxes, reports or grading platforms: it only says which inputs to try, what the right answer
is (usually by calling the reference), how to judge a student's answer, and which typical wrong
answers to recognise.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from autograder.compare import Verdict, compare
from autograder.sandbox import ArgRef, Lambda

__all__ = [
    "ArgRef",
    "Case",
    "Lambda",
    "Mistake",
    "QuestionCases",
    "Verdict",
    "materialize",
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
      answers (public inputs only are shown in the plot's labels).
    """

    function: str
    generate: Callable[[np.random.Generator], list[Case]]
    reference: Callable[..., Any]
    judge: Judge | None = None
    mistakes: Sequence[Mistake] = ()
    plot: Callable[[Case, Any, Any], Any] | None = None
    rtol: float = 1e-6
    atol: float = 1e-9

    def expected(self, case: Case) -> Any:
        """The reference answer, computed on copies so the case stays pristine."""
        args, kwargs = materialize(copy.deepcopy(case.args), copy.deepcopy(case.kwargs))
        return self.reference(*args, **kwargs)

    def assess(self, case: Case, value: Any, expected: Any, args_after: list) -> Verdict:
        """Judge a student's return value for ``case``."""
        if self.judge is not None:
            return self.judge(case, value, expected, self, args_after)
        return compare(value, expected, self.function, rtol=self.rtol, atol=self.atol)

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
                if compare(value, wrong, self.function, rtol=self.rtol, atol=self.atol).passed:
                    return mistake
            except Exception:  # a mistake model that does not apply to this case explains nothing
                continue
        return None


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


def materialize(args: tuple, kwargs: dict | None = None) -> tuple[list, dict]:
    """Turn :class:`Lambda` specs into real callables (in the grader, for the reference).

    ``ArgRef(i)`` inside a Lambda binds positional argument ``i`` itself (the same object), so
    a callable can read an array that the function under test perturbs.
    """
    built = list(args)
    built = [_build(v, built) for v in built]
    return built, {k: _build(v, built) for k, v in (kwargs or {}).items()}
