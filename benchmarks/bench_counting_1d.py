"""Time exact 1-D piece counting on sawtooth networks (best of 3 per depth).

Run: python benchmarks/bench_counting_1d.py [depth ...]   (default depths 10 15 20)
"""

from __future__ import annotations

import sys
import time

from reference.depth import count_linear_pieces, sawtooth_layers


def best_of(repeats: int, depth: int) -> tuple[float, int]:
    layers = sawtooth_layers(depth)
    best, count = float("inf"), -1
    for _ in range(repeats):
        start = time.perf_counter()
        count = count_linear_pieces(layers, -2.0, 2.0)
        best = min(best, time.perf_counter() - start)
    return best, count


def main(argv: list[str]) -> None:
    depths = [int(a) for a in argv] or [10, 15, 20]
    print(f"{'depth':>5} {'pieces':>10} {'expected':>10} {'best of 3 (s)':>14}")
    for depth in depths:
        seconds, count = best_of(3, depth)
        flag = "" if count == 2**depth else "  MISMATCH"
        print(f"{depth:>5} {count:>10} {2**depth:>10} {seconds:>14.4f}{flag}")


if __name__ == "__main__":
    main(sys.argv[1:])
