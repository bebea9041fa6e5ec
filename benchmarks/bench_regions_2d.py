"""Benchmark: exact 2-D region counting against a grid count.

Random networks with 1, 2 and 3 hidden layers of 16 ReLU units on the box [-2, 2]^2 (seeds 0, 1,
2), then larger ones to show scaling and grid undercounts (3x32, 3x64, 8x16, seed 3).
Initialisation: rng = np.random.default_rng(seed);
for each hidden layer W ~ normal(mean 0, std 1/sqrt(d_in)), shape (width, d_in), b ~ N(0, 1) of
shape (width,), then an output layer W ~ N(0, 1) of shape (1, width), b = 0.

Run: python benchmarks/bench_regions_2d.py [--resolution 1000] [--repeat 3]
Prints, per network, the exact region count and its best time over the repeats, and the
grid count at the given resolution with its time.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from reference.surfaces import count_regions_exact, count_regions_grid

BOX = (-2.0, 2.0, -2.0, 2.0)


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--resolution", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    print(f"box {BOX}, grid {args.resolution}x{args.resolution}, best of {args.repeat}")
    print(f"{'net':>6} {'exact':>6} {'time_exact_s':>13} {'grid':>6} {'time_grid_s':>12}")
    for depth, width, seed in (
        (1, 16, 0),
        (2, 16, 1),
        (3, 16, 2),
        (3, 32, 3),
        (3, 64, 3),
        (8, 16, 3),
    ):
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
