"""Every submission of tests/hostile/ through the sandbox: it returns, contains, and cleans up."""

from __future__ import annotations

import concurrent.futures
import os
import time
from pathlib import Path

import numpy as np
import procs
import pytest

import autograder
import reference
from autograder.sandbox import Call, Limits, Sandbox

ROOT = Path(__file__).resolve().parents[3]
CORPUS = sorted(p for p in (ROOT / "tests" / "hostile").iterdir() if p.suffix in (".py", ".ipynb"))
LIMITS = Limits(wall_s=1.0, cpu_s=1.0, load_s=2.0, memory_mb=256)
STATUSES = {"ok", "error", "missing", "timeout", "crashed", "bad_output", "not_run"}
FORGED = [
    "/results.json",
    "/tmp/results.json",
    "/autograder/results/results.json",
    "/work/main/results.json",
    "/work/main/graded",
    str(ROOT / "graded"),
    str(ROOT / "results.json"),
    "/tmp/relulab_daemon_was_here",
    *(f"{d}/relulab_fill_0.bin" for d in ("/", "/tmp", "/dev/shm", "/var/tmp", "/root", str(ROOT))),
]


def _inputs():
    rng = np.random.default_rng(7)
    return {
        "x": rng.normal(size=9),
        "theta1": rng.normal(size=(3, 2)),
        "phi1": rng.normal(size=4),
        "theta2": rng.normal(size=(4, 2)),
        "phi2": rng.normal(size=5),
        "psi": rng.normal(size=(4, 4)),
    }


def _calls(a):
    return [
        Call("compose", "q1", "compose", (a["x"], a["theta1"], a["phi1"], a["theta2"], a["phi2"])),
        Call(
            "to_deep", "q2", "composition_to_deep", (a["theta1"], a["phi1"], a["theta2"], a["phi2"])
        ),
        Call("deep", "q3", "deep_net", (a["x"], a["theta1"], a["psi"], a["phi2"])),
    ]


@pytest.fixture(scope="module")
def runs():
    existed = {p for p in FORGED if os.path.exists(p)}
    inputs = _inputs()
    copies = {k: v.copy() for k, v in inputs.items()}
    hide = [Path(reference.__file__).parent, Path(autograder.__file__).parent]
    ended: dict[str, float] = {}
    with Sandbox(hide=hide, workers=2) as box:

        def one(path):
            start = time.monotonic()
            result = box.run(path, _calls(inputs), LIMITS)
            ended[path.stem] = procs.now()
            return path.stem, (result, time.monotonic() - start)

        with concurrent.futures.ThreadPoolExecutor(2) as pool:
            done = dict(pool.map(one, CORPUS))
    # Scanned once no run is in flight; only processes that started before the last run ended
    # count, since a freed namespace's inode number may be reused at once by another test.
    namespaces = [ns for result, _ in done.values() for ns in result.pid_namespaces]
    ends = {ns: ended[stem] for stem, (result, _) in done.items() for ns in result.pid_namespaces}
    survivors = sorted(set(procs.survivors(ends)) & set(procs.leftovers()))
    time.sleep(2.0)  # the daemon attack writes after 1.5 s, if it is still alive
    return {
        "results": done,
        "survivors": survivors,
        "ends": ends,
        "namespaces": namespaces,
        "forged": [p for p in FORGED if os.path.exists(p) and p not in existed],
        "inputs_unchanged": all(np.array_equal(inputs[k], copies[k]) for k in inputs),
    }


@pytest.mark.parametrize("path", CORPUS, ids=lambda p: p.name)
def test_every_call_has_an_outcome_and_the_run_is_bounded(runs, path):
    result, seconds = runs["results"][path.stem]
    assert set(result.outcomes) == {"compose", "to_deep", "deep"}
    for outcome in result.outcomes.values():
        assert outcome.status in STATUSES
        assert outcome.status == "ok" or outcome.message
        if outcome.status != "ok":
            assert "Traceback" not in outcome.message and "_zygote" not in outcome.message
    assert seconds < 3 * (LIMITS.load_s + LIMITS.wall_s) + 3
    assert len(result.stdout) <= 8192


def test_no_process_of_any_run_survives(runs):
    if os.geteuid() == 0:
        assert len(runs["namespaces"]) >= len(CORPUS)
    assert runs["survivors"] == [], [
        (
            p,
            open(f"/proc/{p}/cmdline").read(),
            os.readlink(f"/proc/{p}/ns/pid"),
            procs.started(p),
            {k: v for k, v in runs["ends"].items() if k == os.readlink(f"/proc/{p}/ns/pid")},
            procs.now(),
        )
        for p in runs["survivors"]
        if os.path.exists(f"/proc/{p}")
    ]


def test_nothing_was_written_outside_the_tmpfs(runs):
    assert runs["forged"] == []


def test_the_callers_inputs_are_unchanged(runs):
    assert runs["inputs_unchanged"]


def _statuses(runs, stem):
    result = runs["results"][stem][0]
    return [result.outcomes[k].status for k in ("compose", "to_deep", "deep")]


@pytest.mark.parametrize(
    ("stem", "expected"),
    [
        ("exit_in_call", ["error", "error", "crashed"]),
        ("os_exit_at_import", ["crashed"] * 3),
        ("infinite_loop", ["timeout"] * 3),
        ("long_sleep", ["timeout"] * 3),
        ("ignore_signals", ["timeout"] * 3),
        ("lying_ndarray", ["bad_output"] * 3),
        ("import_reference", ["error"] * 3),
        ("corrupt", ["missing"] * 3),
        ("fork_storm", ["timeout", "timeout", "ok"]),
        ("exit_at_import", ["ok"] * 3),
    ],
)
def test_attack_specific_statuses(runs, stem, expected):
    assert _statuses(runs, stem) == expected


def test_memory_bomb_is_contained(runs):
    result = runs["results"]["memory_bomb"][0]
    for outcome in result.outcomes.values():
        # Under a loaded machine zero-filling 256 MB can outlast the 1 s wall limit: then the
        # bomb is stopped by the clock instead of the memory limit, contained all the same.
        assert outcome.status in ("error", "crashed", "timeout")
        if outcome.status != "timeout":
            assert "memory" in outcome.message.lower()


def test_recursion_segfault_is_reported_as_a_crash(runs):
    result = runs["results"]["recursion_segfault"][0]
    assert result.outcomes["compose"].status == "crashed"
    assert "signal 11" in result.outcomes["compose"].message
    assert result.outcomes["deep"].status in ("timeout", "error", "crashed")


def test_exit_messages(runs):
    result = runs["results"]["exit_in_call"][0]
    assert "sys.exit(0)" in result.outcomes["compose"].message
    assert "status 0" in result.outcomes["deep"].message
    loaded = runs["results"]["os_exit_at_import"][0]
    assert "while loading" in loaded.load_messages[0]


def test_grader_code_is_neither_importable_nor_readable(runs):
    result = runs["results"]["import_reference"][0]
    assert "imported" not in result.stdout.replace("import failed", "")
    assert "not available to submissions" in result.outcomes["compose"].message
    # Reading the source by path finds nothing (hidden), or, where another checkout of the
    # grader lies outside the hidden folders, its code cannot import the reference's modules.
    deep = result.outcomes["deep"].message
    assert "FileNotFoundError" in deep or "not available to submissions" in deep
    snoop = runs["results"]["snoop"][0]
    assert "SNOOP files" in snoop.stdout
    for package in (reference, autograder):  # this checkout's grader, wherever it lies
        assert f"{Path(package.__file__).parent}/" not in snoop.stdout


def test_mutation_is_visible_in_args_after_only(runs):
    result = runs["results"]["mutate_inputs"][0]
    after = result.outcomes["compose"].args_after
    assert all(np.all(a == 0.0) for a in after)


def test_forged_output_is_only_display(runs):
    result = runs["results"]["fake_results"][0]
    assert "Score: 100/100" in result.stdout
    assert all(o.value is None for o in result.outcomes.values())


def test_flood_is_capped(runs):
    result = runs["results"]["output_flood"][0]
    assert len(result.stdout) == 8192 and result.stdout.startswith("PASSED")
    assert result.outcomes["compose"].status == "timeout"
    assert result.outcomes["deep"].status == "ok"


def test_notebook_tricks(runs):
    result = runs["results"]["notebook_tricks"][0]
    assert any("cell 5 raised NameError" in m for m in result.load_messages)  # as Jupyter counts
    assert result.outcomes["compose"].status == "ok"
    assert result.outcomes["to_deep"].status == "error"


def test_wrong_shapes_and_nans_come_back_as_they_are(runs):
    shapes = runs["results"]["wrong_shapes"][0]
    assert shapes.outcomes["compose"].value.shape == (1, 9)
    assert shapes.outcomes["deep"].value.shape == (9, 1)
    nans = runs["results"]["nan_outputs"][0]
    assert np.isnan(nans.outcomes["compose"].value).all()


def test_sandbox_isolation_mode_when_root():
    if os.geteuid() != 0:
        pytest.skip("needs root")
    with Sandbox() as box:
        assert box.isolation == "root"
