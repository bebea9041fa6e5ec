"""Grading cost per submission and batch throughput, against a baseline of bare Python starts.

    python benchmarks/bench_grading.py [--n 60] [--jobs 2]

Copies the correct composition sample N times, grades the folder with `relulab grade --jobs J`
(the real command, wall time including its start-up), and compares with starting N
`python -c "import numpy"` processes J at a time. Also times one submission alone.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "samples" / "composition" / "ada_correct.py"


def timed(cmd: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, check=True, capture_output=True)
    return time.perf_counter() - start


def baseline(n: int, jobs: int) -> float:
    start = time.perf_counter()
    with ThreadPoolExecutor(jobs) as pool:
        list(pool.map(lambda _: timed([sys.executable, "-c", "import numpy"]), range(n)))
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=60)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    grade = [sys.executable, "-m", "autograder.cli", "grade", "--assignment", "composition"]
    with tempfile.TemporaryDirectory() as tmp:
        subs = Path(tmp) / "subs"
        subs.mkdir()
        for i in range(args.n):
            shutil.copy(SAMPLE, subs / f"student{i:03d}.py")
        one = min(
            timed([*grade, str(subs / "student000.py"), "--out", f"{tmp}/one{r}"])
            for r in range(args.repeat)
        )
        batch = min(
            timed([*grade, str(subs), "--out", f"{tmp}/batch{r}", "--jobs", str(args.jobs)])
            for r in range(args.repeat)
        )
        base = min(baseline(args.n, args.jobs) for _ in range(args.repeat))
    print(f"one submission (command wall time, incl. start-up): {one:.3f} s")
    print(
        f"{args.n} submissions, --jobs {args.jobs}: {batch:.3f} s "
        f"({batch / args.n * 1000:.1f} ms per submission)"
    )
    print(f"{args.n} x python -c 'import numpy', {args.jobs} at a time: {base:.3f} s")
    print(f"ratio batch / baseline: {batch / base:.2f} (target <= 0.5)")


if __name__ == "__main__":
    main()
