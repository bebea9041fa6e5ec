"""Grading cost per submission and batch throughput, against a baseline of bare Python starts.

    python benchmarks/bench_grading.py [--n 60] [--jobs 2] [--repeat 3] [--notebooks]
                                       [--nbgrader] [--folders] [--baseline REV]
                                       [--assignment NAME]

Copies the correct composition sample (--assignment: that assignment's) N times (with
--notebooks: the released exercise notebook with its answers filled in, plot cells and all, as
students submit it), grades the folder with
`relulab grade --jobs J` (the real command, wall time including its start-up), and compares
with starting N `python -c "import numpy"` processes J at a time. Also times one submission
alone. Best of --repeat rounds. CPU is counted for every process of a command (the sandbox's
workers are not children anyone waits for): each command runs in a cgroup of its own (cgroup v1
cpuacct or v2 cpu.stat, when this machine lets us create one; "n/a" otherwise).

The grader's sources are byte-compiled first, as an installed relulab's are.

--baseline REV: also the same batches graded by git revision REV (its tree extracted and
byte-compiled in a temporary folder), each round running both, one after the other, so that
a noisy machine slows both alike.

--nbgrader (with --notebooks): also the exported nbgrader course's `nbgrader autograde` on the
same N notebooks (the course exported and generate_assignment run once, outside the timing).
--folders: also the same N files in one folder per student (`relulab grade subs/*/*.py`, the
layout LMS downloads have), which must cost what the flat folder costs.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "samples" / "composition" / "ada_correct.py"  # the correct sample graded by default


class CpuMeter:
    """CPU seconds of everything started inside it, by a cgroup of its own."""

    V1 = Path("/sys/fs/cgroup/cpuacct")
    V2 = Path("/sys/fs/cgroup/unified")

    def __init__(self) -> None:
        self.path: Path | None = None
        for base in (self.V1, self.V2, Path("/sys/fs/cgroup")):
            try:
                path = Path(tempfile.mkdtemp(prefix="relulab-bench-", dir=base))
            except OSError:
                continue
            if (path / "cgroup.procs").exists():
                self.path = path
                break
            path.rmdir()

    def run(self, cmd: list[str], cwd: Path | None = None) -> None:
        """Run ``cmd`` inside the cgroup (it joins before it starts anything)."""
        if self.path is None:
            subprocess.run(cmd, check=True, capture_output=True, cwd=cwd)
            return
        procs = self.path / "cgroup.procs"

        def join() -> None:
            procs.write_text(str(os.getpid()))

        subprocess.run(cmd, check=True, capture_output=True, preexec_fn=join, cwd=cwd)

    def seconds(self) -> float | None:
        if self.path is None:
            return None
        usage = self.path / "cpuacct.usage"
        if usage.exists():
            return int(usage.read_text()) / 1e9
        for line in (self.path / "cpu.stat").read_text().splitlines():
            if line.startswith("usage_usec"):
                return int(line.split()[1]) / 1e6
        return None

    def close(self) -> None:
        if self.path is not None:
            for _ in range(50):
                try:
                    self.path.rmdir()
                    return
                except OSError:
                    time.sleep(0.1)


def measured(fn) -> tuple[float, float | None]:
    """(wall s, CPU s of every process) of ``fn(meter)``."""
    meter = CpuMeter()
    try:
        start = time.perf_counter()
        fn(meter)
        return time.perf_counter() - start, meter.seconds()
    finally:
        meter.close()


def best(rounds: list[tuple[float, float | None]]) -> tuple[float, float | None]:
    wall = min(w for w, _ in rounds)
    cpus = [c for _, c in rounds if c is not None]
    return wall, (min(cpus) if cpus else None)


def baseline(meter: CpuMeter, n: int, jobs: int) -> None:
    with ThreadPoolExecutor(jobs) as pool:
        list(pool.map(lambda _: meter.run([sys.executable, "-c", "import numpy"]), range(n)))


def notebook_submission() -> bytes:
    """The released composition notebook with every answer cell filled in from the solution."""
    sys.path.insert(0, str(ROOT / "tests" / "platforms"))
    import nbformat
    from platform_helpers import exercise_submission

    return nbformat.writes(exercise_submission("correct")).encode()


def nbgrader_course(tmp: Path, n: int) -> tuple[Path, list[str]]:
    """An exported nbgrader course holding N submissions of the filled composition notebook."""
    import copy

    import nbformat

    sys.path.insert(0, str(ROOT / "tests" / "platforms"))
    sys.path.insert(0, str(ROOT))
    from platform_helpers import answer_sources

    from autograder.export.nbgrader import export

    course = export(tmp / "nbgrader")
    nbgrader = [sys.executable, "-m", "nbgrader"]
    subprocess.run([*nbgrader, "generate_assignment", "composition", "--force"], cwd=course,
                   check=True, capture_output=True)  # fmt: skip
    release = nbformat.read(course / "release" / "composition" / "composition.ipynb", 4)
    nb = copy.deepcopy(release)
    answers = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("solution")]
    for cell, (_functions, source) in zip(answers, answer_sources("correct"), strict=True):
        cell.source = source
    for i in range(n):
        path = course / "submitted" / f"student{i:03d}" / "composition" / "composition.ipynb"
        path.parent.mkdir(parents=True)
        nbformat.write(nb, path)
    return course, [*nbgrader, "autograde", "composition", "--force"]


def fmt(cpu: float | None) -> str:
    return "n/a" if cpu is None else f"{cpu:.2f} s"


def extract(rev: str, into: Path) -> Path:
    """The tree of git revision ``rev``, its grader byte-compiled, in ``into``."""
    tree = into / f"baseline-{rev}"
    tree.mkdir(parents=True)
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", rev], check=True,
                             capture_output=True).stdout  # fmt: skip
    subprocess.run(["tar", "-x", "-C", str(tree)], input=archive, check=True)
    for package in ("autograder", "reference"):
        subprocess.run([sys.executable, "-m", "compileall", "-q", str(tree / package)], check=True)
    return tree


def compile_grader() -> None:
    """Byte-compile the grader's and the reference's sources first, as installing a wheel does:
    with PYTHONDONTWRITEBYTECODE set (as on some machines) an editable checkout would otherwise
    compile them again in every command, some 60 ms a start that no installed relulab pays."""
    import autograder
    import reference

    for package in (autograder, reference):
        folder = str(Path(package.__file__).resolve().parent)
        subprocess.run([sys.executable, "-m", "compileall", "-q", folder], check=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=60)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--notebooks", action="store_true", help="grade notebooks, not .py files")
    parser.add_argument("--nbgrader", action="store_true", help="also nbgrader autograde")
    parser.add_argument("--folders", action="store_true", help="also one folder per student")
    parser.add_argument(
        "--submission", type=Path, help="grade copies of this file (to compare two versions)"
    )
    parser.add_argument("--baseline", help="git revision to compare with, in the same rounds")
    parser.add_argument(
        "--assignment",
        default="composition",
        help="grade copies of this assignment's correct sample (.py; default composition)",
    )
    args = parser.parse_args()
    compile_grader()
    if args.nbgrader and not args.notebooks:
        parser.error("--nbgrader grades notebooks: add --notebooks")
    if args.notebooks and args.assignment != "composition":
        parser.error("--notebooks grades the composition notebook: leave --assignment out")
    samples = sorted((ROOT / "samples" / args.assignment).glob("*_correct.py"))
    if not samples:
        parser.error(f"no samples/{args.assignment}/*_correct.py")
    grade = [sys.executable, "-m", "autograder.cli", "grade", "--assignment", args.assignment]
    notebooks = args.notebooks or (args.submission and args.submission.suffix == ".ipynb")
    kind = "notebook" if notebooks else ".py file"
    with tempfile.TemporaryDirectory() as tmp:
        subs = Path(tmp) / "subs"
        subs.mkdir()
        if args.submission:
            data, suffix = args.submission.read_bytes(), args.submission.suffix
        else:
            data = notebook_submission() if args.notebooks else samples[0].read_bytes()
            suffix = ".ipynb" if args.notebooks else ".py"
        for i in range(args.n):
            (subs / f"student{i:03d}{suffix}").write_bytes(data)
        first = subs / f"student000{suffix}"
        jobs = ["--jobs", str(args.jobs)]
        trees = {"": ROOT}  # python -m runs the package of its working folder
        if args.baseline:
            trees[args.baseline] = extract(args.baseline, Path(tmp))
        ones: dict[str, list] = {label: [] for label in trees}
        batches: dict[str, list] = {label: [] for label in trees}
        for r in range(args.repeat):
            for label, tree in trees.items():
                out = f"{tmp}/one{r}{label}"
                ones[label].append(
                    measured(
                        lambda m, o=out, t=tree: m.run([*grade, str(first), "--out", o], cwd=t)
                    )
                )
            for label, tree in trees.items():
                out = f"{tmp}/b{r}{label}"
                batches[label].append(
                    measured(
                        lambda m, o=out, t=tree: m.run(
                            [*grade, str(subs), "--out", o, *jobs], cwd=t
                        )
                    )
                )
        one, batch = best(ones[""]), best(batches[""])
        base = best(
            [measured(lambda m: baseline(m, args.n, args.jobs)) for _ in range(args.repeat)]
        )
        folders = nbg = None
        if args.folders:
            per_student = Path(tmp) / "per_student"
            for i in range(args.n):
                (per_student / f"student{i:03d}").mkdir(parents=True)
                (per_student / f"student{i:03d}" / f"submission{suffix}").write_bytes(data)
            files = sorted(str(p) for p in per_student.glob(f"*/*{suffix}"))
            folders = best(
                [
                    measured(lambda m, r=r: m.run([*grade, *files, "--out", f"{tmp}/f{r}", *jobs]))
                    for r in range(args.repeat)
                ]
            )
        if args.nbgrader:
            course, autograde = nbgrader_course(Path(tmp), args.n)
            nbg = best(
                [measured(lambda m: m.run(autograde, cwd=course)) for _ in range(args.repeat)]
            )
    print(f"one {kind} (command wall time, incl. start-up): {one[0]:.3f} s, CPU {fmt(one[1])}")
    print(
        f"{args.n} {kind}s, --jobs {args.jobs}: {batch[0]:.3f} s "
        f"({batch[0] / args.n * 1000:.1f} ms per submission), CPU {fmt(batch[1])}"
    )
    print(
        f"{args.n} x python -c 'import numpy', {args.jobs} at a time: {base[0]:.3f} s, "
        f"CPU {fmt(base[1])}"
    )
    ratio("batch", batch, base)
    if args.baseline:
        old_one, old_batch = best(ones[args.baseline]), best(batches[args.baseline])
        print(f"{args.baseline}: one {kind}: {old_one[0]:.3f} s, CPU {fmt(old_one[1])}; "
              f"{args.n} {kind}s: {old_batch[0]:.3f} s, CPU {fmt(old_batch[1])}")  # fmt: skip
        ratio(f"{args.baseline} batch", old_batch, base)
        ratio("batch", batch, old_batch, f"{args.baseline} batch")
    if folders is not None:
        print(f"{args.n} {kind}s in one folder per student, --jobs {args.jobs}: {folders[0]:.3f} s, "
              f"CPU {fmt(folders[1])}")  # fmt: skip
        ratio("per-student folders", folders, batch, "flat batch")
    if nbg is not None:
        print(
            f"nbgrader autograde (relulab's export) of {args.n}: {nbg[0]:.3f} s, CPU {fmt(nbg[1])}"
        )
        ratio("nbgrader", nbg, batch, "relulab batch")


def ratio(name: str, a: tuple, b: tuple, of: str = "baseline") -> None:
    print(f"ratio {name} / {of}: wall {a[0] / b[0]:.2f}", end="")
    if a[1] is not None and b[1] is not None:
        print(f", CPU {a[1] / b[1]:.2f}")
    else:
        print()


if __name__ == "__main__":
    main()
