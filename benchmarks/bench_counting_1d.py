"""Time exact 1-D piece counting on sawtooth networks (best of >= 3 runs per depth).

Run: python benchmarks/bench_counting_1d.py [depth ...] [--baseline REV] [--rounds 2]
(default depths 10 15 20).

With --baseline REV, the ``reference`` package of git revision REV is extracted into a
temporary directory and timed in the same run: worker processes for REV and for the working
tree alternate (--rounds times each), so both see the same machine load; each column is the
best time over all rounds, and peak RSS is the largest seen. Nothing of REV is kept.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def best_of(repeats: int, depth: int) -> tuple[float, int]:
    """Best time of at least ``repeats`` runs (more, up to 0.5 s in all, for quick ones)."""
    from reference.depth import count_linear_pieces, sawtooth_layers

    layers = sawtooth_layers(depth)
    best, count, runs, spent = float("inf"), -1, 0, 0.0
    while runs < repeats or (spent < 0.5 and runs < 200):
        start = time.perf_counter()
        count = count_linear_pieces(layers, -2.0, 2.0)
        took = time.perf_counter() - start
        best, runs, spent = min(best, took), runs + 1, spent + took
    return best, count


def worker(depth: int, repeats: int) -> None:
    import reference

    seconds, count = best_of(repeats, depth)
    rss_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        json.dumps(
            {"seconds": seconds, "count": count, "rss_mib": rss_mib, "module": reference.__file__}
        )
    )


def run_worker(path: Path, depth: int, repeats: int) -> dict:
    env = dict(os.environ, PYTHONPATH=str(path))
    out = subprocess.run(
        [sys.executable, __file__, "--worker", str(depth), "--repeat", str(repeats)],
        env=env,
        cwd=path,
        check=True,
        capture_output=True,
        text=True,
    )
    result = json.loads(out.stdout.strip().splitlines()[-1])
    if not Path(result["module"]).resolve().is_relative_to(path.resolve()):
        raise SystemExit(f"worker imported {result['module']}, not the package under {path}")
    return result


def compare(depths: list[int], baseline: str, rounds: int, repeats: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        archive = subprocess.run(
            ["git", "-C", str(ROOT), "archive", baseline, "reference"],
            check=True,
            capture_output=True,
        ).stdout
        subprocess.run(["tar", "-x", "-C", tmp], input=archive, check=True)
        print(
            f"sawtooth on [-2, 2]; best of >= {repeats} runs x {rounds} rounds; baseline {baseline}"
        )
        print(
            f"{'depth':>5} {'pieces':>10} {'base_s':>9} {'new_s':>9} {'new/base':>8} "
            f"{'base_MiB':>8} {'new_MiB':>8}"
        )
        for depth in depths:
            base, new = [], []
            for _ in range(rounds):
                base.append(run_worker(Path(tmp), depth, repeats))
                new.append(run_worker(ROOT, depth, repeats))
            b_s = min(r["seconds"] for r in base)
            n_s = min(r["seconds"] for r in new)
            counts = {r["count"] for r in new}
            flag = "" if counts == {2**depth} else "  MISMATCH"
            print(
                f"{depth:>5} {min(counts):>10} {b_s:>9.4f} {n_s:>9.4f} {n_s / b_s:>8.2f} "
                f"{max(r['rss_mib'] for r in base):>8.0f} "
                f"{max(r['rss_mib'] for r in new):>8.0f}{flag}"
            )


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("depths", type=int, nargs="*")
    parser.add_argument("--baseline", help="git revision to compare with")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--worker", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker is not None:
        worker(args.worker, args.repeat)
        return
    depths = args.depths or [10, 15, 20]
    if args.baseline:
        compare(depths, args.baseline, args.rounds, args.repeat)
        return
    print(f"{'depth':>5} {'pieces':>10} {'expected':>10} {'best (s)':>14}")
    for depth in depths:
        seconds, count = best_of(args.repeat, depth)
        flag = "" if count == 2**depth else "  MISMATCH"
        print(f"{depth:>5} {count:>10} {2**depth:>10} {seconds:>14.4f}{flag}")


if __name__ == "__main__":
    main(sys.argv[1:])
