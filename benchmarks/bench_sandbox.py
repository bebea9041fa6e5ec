"""Sandbox overhead: per-run latency for a trivial submission, and 60 runs over 2 workers.

Compared with what a cold process per submission costs: 60 `python -c "import numpy"`, two at a time.

    python benchmarks/bench_sandbox.py
"""

from __future__ import annotations

import concurrent.futures
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from autograder.sandbox import Call, Limits, Sandbox

TRIVIAL = """
import numpy as np

def compose(x, theta1, phi1, theta2, phi2):
    return np.maximum(x, 0.0)

def composition_to_deep(theta1, phi1, theta2, phi2):
    return theta1, np.zeros((len(phi2) - 1, len(phi1))), phi2

def deep_net(x, theta, psi, phi):
    return x + 1.0
"""


def _calls() -> list[Call]:
    rng = np.random.default_rng(0)
    x, t1, p1 = rng.normal(size=50), rng.normal(size=(3, 2)), rng.normal(size=4)
    t2, p2, psi = rng.normal(size=(4, 2)), rng.normal(size=5), rng.normal(size=(4, 4))
    return [
        Call("compose", "q1", "compose", (x, t1, p1, t2, p2)),
        Call("to_deep", "q2", "composition_to_deep", (t1, p1, t2, p2)),
        Call("deep", "q3", "deep_net", (x, t1, psi, p2)),
    ]


def main() -> None:
    folder = Path(tempfile.mkdtemp())
    sub = folder / "trivial.py"
    sub.write_text(TRIVIAL)
    calls, limits = _calls(), Limits()

    start = time.perf_counter()
    box = Sandbox(workers=2)
    print(f"start 2 zygotes: {time.perf_counter() - start:.3f} s (isolation: {box.isolation})")
    with box:
        for _ in range(5):
            box.run(sub, calls, limits)
        lat = []
        for _ in range(50):
            t = time.perf_counter()
            r = box.run(sub, calls, limits)
            lat.append(time.perf_counter() - t)
        assert all(o.status == "ok" for o in r.outcomes.values())
        print(
            f"one run, 3 calls in 3 groups: median {statistics.median(lat) * 1e3:.1f} ms, "
            f"p90 {np.percentile(lat, 90) * 1e3:.1f} ms"
        )
        one = [Call("c", "q", "deep_net", calls[2].args)]
        lat1 = []
        for _ in range(50):
            t = time.perf_counter()
            box.run(sub, one, limits)
            lat1.append(time.perf_counter() - t)
        print(f"one run, 1 call: median {statistics.median(lat1) * 1e3:.1f} ms")
        t = time.perf_counter()
        with concurrent.futures.ThreadPoolExecutor(2) as pool:
            list(pool.map(lambda _: box.run(sub, calls, limits), range(60)))
        print(f"60 runs over 2 workers: {time.perf_counter() - t:.2f} s")

    t = time.perf_counter()
    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        list(
            pool.map(
                lambda _: subprocess.run([sys.executable, "-c", "import numpy"], check=True),
                range(60),
            )
        )
    print(f'60 x `python -c "import numpy"`, 2 at a time: {time.perf_counter() - t:.2f} s')


if __name__ == "__main__":
    main()
