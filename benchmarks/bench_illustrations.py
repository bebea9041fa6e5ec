"""What illustrations add to grading one submission, failing and passing.

    python benchmarks/bench_illustrations.py [--repeat 5]

Grades two files of the shallow assignment: the correct sample (passes) and the same file with
kink_locations left unsorted and count_linear_regions counting kinks on the ends (both fail on
hidden cases only, so both questions get an illustration). Each is graded with plots by
grade_submission in a warm sandbox, with illustrations and with them switched off; the best of
--repeat rounds is printed, with the first round (which starts the illustration sandbox's zygote)
apart.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import autograder.grade as grade
from autograder.course import load_course
from autograder.plots import draw_failing_plots
from autograder.sandbox import Sandbox

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "samples" / "shallow" / "ana_correct.py"
EDITS = [
    (
        "return np.sort(-theta[moving, 0] / theta[moving, 1])",
        "return -theta[moving, 0] / theta[moving, 1]",
    ),
    ("inside = (kinks > lo) & (kinks < hi)", "inside = (kinks >= lo) & (kinks <= hi)"),
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    source = SAMPLE.read_text()
    failing = source
    for old, new in EDITS:
        assert failing.count(old) == 1
        failing = failing.replace(old, new)
    course = load_course()
    real = grade.illustrate
    spent: list[float] = []

    def timed(*a, **k) -> float:
        seconds = real(*a, **k)
        spent.append(seconds)
        return seconds

    with tempfile.TemporaryDirectory() as tmp, Sandbox() as box:
        files = {"passing": Path(tmp) / "passing.py", "failing": Path(tmp) / "failing.py"}
        files["passing"].write_text(source)
        files["failing"].write_text(failing)
        for label, path in files.items():
            for mode in ("illustrations", "without"):
                grade.illustrate = timed if mode == "illustrations" else (lambda *a, **k: 0.0)
                times, shown = [], 0
                spent.clear()
                for _ in range(args.repeat):
                    start = time.perf_counter()
                    result = grade.grade_submission(
                        path, course, "shallow", box, draw_plots=draw_failing_plots
                    )
                    times.append(time.perf_counter() - start)
                    shown = sum(q.illustration is not None for q in result.questions)
                print(
                    f"{label:8s} {mode:13s} first {times[0]:.3f} s, best of the rest "
                    f"{min(times[1:] or times):.3f} s, score {result.score:g}, "
                    f"{shown} illustrations"
                    + (f" (their runs: best {min(spent[1:] or spent):.3f} s)" if any(spent) else "")
                )
    grade.illustrate = real


if __name__ == "__main__":
    main()
