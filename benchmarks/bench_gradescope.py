"""Time of the Gradescope zip's ``run_autograder`` on one submission, against bare Python starts.

    python benchmarks/bench_gradescope.py [--rounds 15] [--py-only | --notebook-only]
                                          [--baseline REV]

Writes the zip's real ``run_autograder`` script for `composition` into a fresh AUTOGRADER_ROOT,
with the filled exercise notebook (or the correct .py sample) as the submission, and runs it
``--rounds`` times with this interpreter (RELULAB_PYTHON), as Gradescope would: the whole
script, its shell and Python starts included. As on Gradescope, every run starts from the
image: setup.sh's steps (the case profiles prepared, the isolation checked) run once, into a
cache folder of their own (XDG_CACHE_HOME), and each run gets a fresh copy of that folder, so
whatever a run caches there (matplotlib's font list, say) the next run does not find. Reports the median and the fastest run, beside
``python -c "import numpy"`` (and, for the notebook, ``import numpy, matplotlib.pyplot``)
timed in the same rounds, interleaved, so a noisy machine slows all of them alike. Each run's
results.json is checked (full marks), so a fast failure cannot pass for a fast grade.
--baseline REV: also the run_autograder of git revision REV (its tree extracted and
byte-compiled in a temporary folder, its own script), in the same rounds.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_grading import SAMPLE, compile_grader, notebook_submission  # noqa: E402

ASSIGNMENT = "composition"


def make_root(tmp: Path, kind: str, tree: Path = ROOT) -> tuple[Path, Path]:
    """(AUTOGRADER_ROOT, run_autograder of the grader in ``tree``) with one submission of
    ``kind`` ("py" or "ipynb")."""
    root = tmp / tree.name / kind
    (root / "submission").mkdir(parents=True)
    if kind == "ipynb":
        (root / "submission" / "composition.ipynb").write_bytes(notebook_submission())
    else:
        (root / "submission" / "composition.py").write_bytes(SAMPLE.read_bytes())
    meta = {"users": [{"id": "1234567", "name": "Ada"}]}
    (root / "submission_metadata.json").write_text(json.dumps(meta))
    script = root / "run_autograder"
    code = (
        "import sys; from autograder.course import load_course; "
        "from autograder.export.gradescope import run_autograder; "
        f"sys.stdout.write(run_autograder(load_course().assignment({ASSIGNMENT!r})))"
    )
    text = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True,
                          text=True, env=tree_env(tree), cwd=tree).stdout  # fmt: skip
    script.write_text(text)
    return root, script


def tree_env(tree: Path) -> dict[str, str]:
    """This interpreter, the grader of ``tree`` first on its path."""
    env = dict(os.environ, RELULAB_PYTHON=sys.executable)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(tree), env.get("PYTHONPATH")]))
    return env


def extract(rev: str, into: Path) -> Path:
    """The tree of git revision ``rev``, byte-compiled, in ``into``/``rev``."""
    tree = into / f"baseline-{rev}"
    tree.mkdir(parents=True)
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", rev], check=True,
                             capture_output=True).stdout  # fmt: skip
    subprocess.run(["tar", "-x", "-C", str(tree)], input=archive, check=True)
    for package in ("autograder", "reference"):
        subprocess.run([sys.executable, "-m", "compileall", "-q", str(tree / package)], check=True)
    return tree


def make_image(tree: Path, cache: Path) -> Path:
    """``cache`` as setup.sh leaves it at image build (the profiles prepared, the isolation
    checked, with the grader of ``tree``); returns the copy a run starts from."""
    env = dict(tree_env(tree), XDG_CACHE_HOME=str(cache))
    for step in ("--prepare", "--check-isolation"):
        subprocess.run([sys.executable, "-m", "autograder.export.gradescope_run", "--assignment",
                        ASSIGNMENT, step], check=True, capture_output=True, env=env,
                       cwd=tree)  # fmt: skip
    return cache


def fresh_container(image: Path, cache: Path) -> None:
    """The run's cache folder as the image has it (what an earlier run wrote is gone)."""
    shutil.rmtree(cache, ignore_errors=True)
    shutil.copytree(image, cache, symlinks=True)


def timed(cmd: list[str], env: dict[str, str], cwd: Path | None = None) -> float:
    """Seconds of ``cmd``. Run from ``cwd``: ``python -m`` puts its working folder first on
    sys.path, which must not be a checkout other than the one measured (as Gradescope runs
    it from AUTOGRADER_ROOT)."""
    start = time.perf_counter()
    subprocess.run(cmd, check=True, capture_output=True, env=env, cwd=cwd)
    return time.perf_counter() - start


def full_marks(root: Path) -> None:
    data = json.loads((root / "results" / "results.json").read_text())
    if data["score"] != data.get("max_score") or data["score"] <= 0:
        raise SystemExit(f"run_autograder did not give full marks: {data.get('output')!r}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--baseline", help="git revision to compare with, in the same rounds")
    only = parser.add_mutually_exclusive_group()
    only.add_argument("--py-only", action="store_true")
    only.add_argument("--notebook-only", action="store_true")
    args = parser.parse_args()
    kinds = ["py"] if args.py_only else ["ipynb"] if args.notebook_only else ["py", "ipynb"]

    compile_grader()
    env = tree_env(ROOT)
    floors = {
        "python -c 'import numpy'": [sys.executable, "-c", "import numpy"],
        "python -c 'import numpy, matplotlib.pyplot'": [
            sys.executable, "-c", "import numpy, matplotlib.pyplot"],
    }  # fmt: skip
    with tempfile.TemporaryDirectory() as tmp:
        trees = {"": ROOT}
        if args.baseline:
            trees[f" ({args.baseline})"] = extract(args.baseline, Path(tmp))
        runs: dict[str, tuple[Path, list[str], dict[str, str], Path]] = {}
        for kind in kinds:
            for label, tree in trees.items():
                root, script = make_root(Path(tmp), kind, tree)
                image = make_image(tree, root.parent / f"image-{kind}")
                cache = root.parent / f"cache-{kind}"
                run_env = dict(tree_env(tree), AUTOGRADER_ROOT=str(root),
                               XDG_CACHE_HOME=str(cache))  # fmt: skip
                runs[f"run_autograder, one .{kind}{label}"] = (
                    root, ["bash", str(script)], run_env, image)  # fmt: skip
        times: dict[str, list[float]] = {name: [] for name in [*runs, *floors]}
        for root, cmd, run_env, image in runs.values():  # warm the page cache, check the result
            fresh_container(image, Path(run_env["XDG_CACHE_HOME"]))
            timed(cmd, run_env, root)
            full_marks(root)
        for _ in range(args.rounds):
            for name, (root, cmd, run_env, image) in runs.items():
                fresh_container(image, Path(run_env["XDG_CACHE_HOME"]))
                times[name].append(timed(cmd, run_env, root))
                full_marks(root)
            for name, cmd in floors.items():
                times[name].append(timed(cmd, env, Path(tmp)))
    print(f"{args.rounds} rounds, interleaved; seconds")
    width = max(len(name) for name in times)
    print(f"| {'command':<{width}} | median | fastest |")
    print(f"|{'-' * (width + 2)}|--------|---------|")
    for name, ts in times.items():
        print(f"| {name:<{width}} | {statistics.median(ts):6.3f} | {min(ts):7.3f} |")


if __name__ == "__main__":
    main()
