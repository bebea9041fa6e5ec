"""Batch grading on a Dask LocalCluster against the same batch graded locally.

    python benchmarks/bench_cluster.py [--n 600] [--workers 2] [--repeat 1]

Writes N copies of the filled-in composition notebook (bench_grading's builder), then grades
the folder with the real command, `relulab grade --jobs W` and `relulab grade --cluster
local:W` (wall time including start-up: the cluster's start is part of what a user waits
for), and the same for a single notebook. The cluster's cost per submission is the difference
of the two batches' growth from 1 to N notebooks, divided by N - 1 (start-up cancels out).
CPU is every process of a command (bench_grading's cgroup meter; "n/a" where none can be made).
Both runs must write the same grades.csv; the benchmark fails if they do not.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_grading import best, fmt, measured, notebook_submission  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=600)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()
    grade = [sys.executable, "-m", "autograder.cli", "grade", "--assignment", "composition"]
    modes = {
        "jobs": ["--jobs", str(args.workers)],
        "cluster": ["--cluster", f"local:{args.workers}"],
    }
    times: dict[tuple[str, int], tuple[float, float | None]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        data = notebook_submission()
        folders = {}
        for n in (1, args.n):
            folder = Path(tmp) / f"subs{n}"
            folder.mkdir()
            for i in range(n):
                (folder / f"student{i:04d}.ipynb").write_bytes(data)
            folders[n] = folder
        for n, folder in folders.items():
            for mode, extra in modes.items():
                times[mode, n] = best(
                    [
                        measured(
                            lambda m, r=r, mode=mode, extra=extra, folder=folder, n=n: m.run(
                                [*grade, str(folder), "--out", f"{tmp}/{mode}{n}-{r}", *extra]
                            )
                        )
                        for r in range(args.repeat)
                    ]
                )
        same = (Path(tmp) / f"jobs{args.n}-0" / "grades.csv").read_bytes() == (
            Path(tmp) / f"cluster{args.n}-0" / "grades.csv"
        ).read_bytes()
    if not same:
        sys.exit("the cluster's grades.csv differs from the local batch's")
    for mode, extra in modes.items():
        for n in folders:
            wall, cpu = times[mode, n]
            print(
                f"{' '.join(extra)}: {n} notebook{'s' if n > 1 else ''} in {wall:.2f} s "
                f"({wall / n * 1000:.0f} ms each), CPU {fmt(cpu)}"
            )
    n = args.n
    if n > 1:
        grow = {m: (times[m, n][0] - times[m, 1][0]) / (n - 1) for m in modes}
        print(
            f"per notebook beyond the first: --jobs {grow['jobs'] * 1000:.1f} ms, "
            f"--cluster {grow['cluster'] * 1000:.1f} ms; the cluster adds "
            f"{(grow['cluster'] - grow['jobs']) * 1000:+.1f} ms wall per notebook"
        )
        start = times["cluster", 1][0] - times["jobs", 1][0]
        print(f"the cluster's start-up (one notebook, cluster - jobs): {start:+.2f} s")
        cpu = {m: (times[m, n][1], times[m, 1][1]) for m in modes}
        if all(a is not None and b is not None for a, b in cpu.values()):
            added = (cpu["cluster"][0] - cpu["cluster"][1]) - (cpu["jobs"][0] - cpu["jobs"][1])
            print(
                f"CPU per notebook beyond the first added by the cluster: {added / (n - 1) * 1000:+.1f} ms"
            )
    print("grades.csv: identical")


if __name__ == "__main__":
    main()
