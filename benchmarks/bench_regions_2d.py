"""Benchmark: exact 2-D region counting against a grid count.

Random networks with 1, 2 and 3 hidden layers of 16 ReLU units on the box [-2, 2]^2 (seeds 0, 1,
2), then larger ones to show scaling and grid undercounts (3x32, 3x64, 8x16, seed 3).
Initialisation: rng = np.random.default_rng(seed);
for each hidden layer W ~ normal(mean 0, std 1/sqrt(d_in)), shape (width, d_in), b ~ N(0, 1) of
shape (width,), then an output layer W ~ N(0, 1) of shape (1, width), b = 0.

Run: python benchmarks/bench_regions_2d.py [--resolution 1000] [--repeat 3]
                                          [--baseline REV] [--rounds 2]
Prints, per network, the exact region count and its best time over the repeats, and the
grid count at the given resolution with its time.

With --baseline REV, the ``reference`` package of git revision REV is extracted into a
temporary directory and only the exact counts are timed: worker processes for REV and for
the working tree alternate (--rounds times each) so both see the same machine load, and each
time is the best over all rounds. Nothing of REV is kept.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
BOX = (-2.0, 2.0, -2.0, 2.0)
NETS = ((1, 16, 0), (2, 16, 1), (3, 16, 2), (3, 32, 3), (3, 64, 3), (8, 16, 3))


def random_net(depth: int, width: int, seed: int) -> list[tuple[np.ndarray, np.ndarray]]:
    rng = np.random.default_rng(seed)
    layers, d_in = [], 2
    for _ in range(depth):
        layers.append((rng.normal(0.0, 1.0 / np.sqrt(d_in), (width, d_in)), rng.normal(size=width)))
        d_in = width
    layers.append((rng.normal(size=(1, d_in)), np.zeros(1)))
    return layers


def best_time(fn, repeat: int) -> tuple[object, float]:
    best, out = np.inf, None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return out, best


def worker(repeat: int) -> None:
    import reference
    from reference.surfaces import count_regions_exact

    rows = []
    for depth, width, seed in NETS:
        layers = random_net(depth, width, seed)
        count, seconds = best_time(lambda layers=layers: count_regions_exact(layers, BOX), repeat)
        rows.append({"count": count, "seconds": seconds})
    print(json.dumps({"rows": rows, "module": reference.__file__}))


def run_worker(path: Path, repeat: int) -> list[dict]:
    env = dict(os.environ, PYTHONPATH=str(path))
    out = subprocess.run(
        [sys.executable, __file__, "--worker", "--repeat", str(repeat)],
        env=env,
        cwd=path,
        check=True,
        capture_output=True,
        text=True,
    )
    result = json.loads(out.stdout.strip().splitlines()[-1])
    if not Path(result["module"]).resolve().is_relative_to(path.resolve()):
        raise SystemExit(f"worker imported {result['module']}, not the package under {path}")
    return result["rows"]


def compare(baseline: str, rounds: int, repeat: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        archive = subprocess.run(
            ["git", "-C", str(ROOT), "archive", baseline, "reference"],
            check=True,
            capture_output=True,
        ).stdout
        subprocess.run(["tar", "-x", "-C", tmp], input=archive, check=True)
        base, new = [], []
        for _ in range(rounds):
            base.append(run_worker(Path(tmp), repeat))
            new.append(run_worker(ROOT, repeat))
    print(f"box {BOX}, exact counts, best of {repeat} x {rounds} rounds; baseline {baseline}")
    print(f"{'net':>6} {'base':>6} {'new':>6} {'base_s':>9} {'new_s':>9} {'new/base':>8}")
    for i, (depth, width, _) in enumerate(NETS):
        b_s = min(r[i]["seconds"] for r in base)
        n_s = min(r[i]["seconds"] for r in new)
        print(
            f"{f'{depth}x{width}':>6} {base[0][i]['count']:>6} {new[0][i]['count']:>6} "
            f"{b_s:>9.4f} {n_s:>9.4f} {n_s / b_s:>8.2f}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--resolution", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--baseline", help="git revision to compare with")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args.repeat)
        return
    if args.baseline:
        compare(args.baseline, args.rounds, args.repeat)
        return
    from reference.surfaces import count_regions_exact, count_regions_grid

    print(f"box {BOX}, grid {args.resolution}x{args.resolution}, best of {args.repeat}")
    print(f"{'net':>6} {'exact':>6} {'time_exact_s':>13} {'grid':>6} {'time_grid_s':>12}")
    for depth, width, seed in NETS:
        layers = random_net(depth, width, seed)
        exact, t_exact = best_time(
            lambda layers=layers: count_regions_exact(layers, BOX), args.repeat
        )
        grid, t_grid = best_time(
            lambda layers=layers: count_regions_grid(layers, BOX, args.resolution), 1
        )
        print(f"{f'{depth}x{width}':>6} {exact:>6} {t_exact:>13.4f} {grid:>6} {t_grid:>12.3f}")


if __name__ == "__main__":
    main()
