"""Behaviour of the sandbox on small, honest or slightly broken submissions."""

from __future__ import annotations

import concurrent.futures
import json
import os
import socket
import subprocess
import threading
import time
from pathlib import Path

import nbformat
import numpy as np
import procs
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from autograder.sandbox import ArgRef, Call, Lambda, Limits, Sandbox

FAST = Limits(wall_s=1.0, cpu_s=1.0, load_s=2.0, memory_mb=256)


def processes_in(namespaces: list[str]) -> list[int]:
    """PIDs of live processes in any of the given PID namespaces."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                if os.readlink(f"/proc/{entry}/ns/pid") in namespaces:
                    found.append(int(entry))
            except OSError:
                pass
    return found


VALUES = """
import numpy as np

def values():
    return [np.arange(3), np.float32(1.5), (1, 2.5, True, None), "text", 2**100, 1 - 2j,
            np.array([[1, 2]], dtype=np.uint8), np.bool_(True), [[]], ()]
"""


def test_values_come_back_with_their_exact_types(box, write):
    r = box.run(write(VALUES), [Call("v", "q", "values")], FAST)
    out = r.outcomes["v"]
    assert out.status == "ok", out.message
    arr, f32, tup, text, big, cplx, u8, flag, nested, empty = out.value
    assert type(arr) is np.ndarray and arr.tolist() == [0, 1, 2]
    assert type(f32) is np.float32 and f32 == 1.5
    assert type(tup) is tuple and tup == (1, 2.5, True, None)
    assert type(tup[0]) is int and type(tup[2]) is bool
    assert text == "text" and big == 2**100 and cplx == 1 - 2j
    assert u8.dtype == np.uint8 and u8.shape == (1, 2)
    assert type(flag) is np.bool_
    assert nested == [[]] and empty == ()


BAD = """
import numpy as np

class Sub(np.ndarray):
    pass

class MyFloat(float):
    pass

def sub(x): return x.view(Sub)
def myfloat(): return MyFloat(1.0)
def dct(): return {"a": 1}
def gen(): return (i for i in range(3))
def objarr(): return np.array([1, "a"], dtype=object)
def strarr(): return np.array(["a"])
def nested(): return [1, [2, {3}]]
def huge(): return np.zeros(9 * 2**20)
"""


@pytest.mark.parametrize(
    ("function", "words"),
    [
        ("sub", ["Sub", "subclass of numpy.ndarray"]),
        ("myfloat", ["MyFloat", "subclass of float"]),
        ("dct", ["dict"]),
        ("gen", ["generator"]),
        ("objarr", ["dtype object"]),
        ("strarr", ["dtype <U1"]),
        ("nested", ["set"]),
        ("huge", ["too large"]),
    ],
)
def test_anything_but_plain_numbers_is_bad_output(box, write, function, words):
    calls = [Call("c", "q", function, (np.ones(3),) if function == "sub" else ())]
    out = box.run(write(BAD), calls, FAST).outcomes["c"]
    assert out.status == "bad_output"
    for word in words:
        assert word in out.message


def test_errors_name_the_exception_and_the_line(box, write):
    src = """
    def f(x):
        y = 1
        return x / 0 if False else y // 0
    """
    out = box.run(write(src), [Call("c", "q", "f", (1,))], FAST).outcomes["c"]
    assert out.status == "error"
    assert out.message.startswith("ZeroDivisionError")
    assert "line 4 of submission" in out.message
    assert "_zygote" not in out.message and "Traceback" not in out.message


def test_missing_and_not_callable(box, write):
    r = box.run(write("g = 3\n"), [Call("a", "q", "f"), Call("b", "q", "g")], FAST)
    assert r.outcomes["a"].status == "missing"
    assert r.outcomes["a"].message == "f is not defined in the submission"
    assert r.outcomes["b"].status == "missing" and "int" in r.outcomes["b"].message


def test_syntax_error_is_reported_with_its_line(box, write):
    r = box.run(write("def f():\n    return 1\n\nx = = 2\n"), [Call("a", "q", "f")], FAST)
    assert r.load_messages and r.load_messages[0].startswith("SyntaxError on line 4")
    assert r.outcomes["a"].status == "missing"
    assert "SyntaxError on line 4" in r.outcomes["a"].message


def test_a_failing_top_level_statement_does_not_hide_later_definitions(box, write):
    src = """
    import torch_that_does_not_exist
    print(undefined)
    def f():
        return 5
    """
    r = box.run(write(src), [Call("a", "q", "f")], FAST)
    assert r.outcomes["a"].value == 5
    assert r.load_messages[0].startswith("import of a missing module")
    assert "torch_that_does_not_exist" in r.load_messages[0]
    assert "NameError" in r.load_messages[1] and "line 3" in r.load_messages[1]


def test_main_block_does_not_run(box, write):
    src = """
    def f():
        return __name__
    if __name__ == "__main__":
        raise SystemExit("ran main")
    """
    r = box.run(write(src), [Call("a", "q", "f")], FAST)
    assert r.outcomes["a"].value == "submission" and r.load_messages == []


def _notebook(write, cells: list[str]) -> object:
    nb = new_notebook(cells=[new_code_cell(c) for c in cells])
    return write(nbformat.writes(nb), "sub.ipynb")


def test_notebook_cells_magics_and_failing_cells(box, write):
    path = _notebook(
        write,
        [
            "%matplotlib inline\nimport numpy as np\n!ls /",
            "%%bash\nexit 1",
            "raise ValueError('cell three')",
            "def f(x):\n    if len(x):\n        %time 1\n    return np.sum(x) + 1",
            "def g():\n    return undefined_thing",
        ],
    )
    r = box.run(path, [Call("a", "q", "f", (np.ones(2),)), Call("b", "q", "g")], FAST)
    assert r.outcomes["a"].value == 3.0
    assert r.load_messages == ["cell 3 raised ValueError: cell three (line 1 of cell 3)"]
    assert r.outcomes["b"].status == "error"
    assert "NameError" in r.outcomes["b"].message and "line 2 of cell 5" in r.outcomes["b"].message


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (b"", "empty"),
        (b"\x00\xff\xfe binary", "not a text file"),
        (b'{"cells": [', "not valid JSON"),
    ],
)
def test_broken_notebooks_get_a_clear_load_message(box, tmp_path, content, words):
    path = tmp_path / "broken.ipynb"
    path.write_bytes(content)
    r = box.run(path, [Call("a", "q", "f")], FAST)
    assert words in r.load_messages[0]
    assert r.outcomes["a"].status == "missing" and words in r.outcomes["a"].message


def test_inputs_are_fresh_per_call_and_the_callers_arrays_untouched(box, write):
    src = """
    def mutate(x, d):
        x[:] = -1
        d["a"][0] = 99
        return float(x.sum())
    def peek(x, d):
        return [x.tolist(), d["a"]]
    """
    x = np.arange(4.0)
    d = {"a": [1, 2]}
    calls = [
        Call("m", "q", "mutate", (x, d)),
        Call("p", "q", "peek", (x, d)),
    ]
    r = box.run(write(src), calls, FAST)
    assert r.outcomes["m"].value == -4.0
    assert r.outcomes["m"].args_after[0].tolist() == [-1.0] * 4
    assert r.outcomes["m"].args_after[1] is None
    assert r.outcomes["p"].value == [[0.0, 1.0, 2.0, 3.0], [1, 2]]
    assert x.tolist() == [0.0, 1.0, 2.0, 3.0] and d == {"a": [1, 2]}


def test_lambda_binds_data_and_the_same_object_as_an_argument(box, write):
    src = """
    def apply(f, x):
        before = f()
        x += 1
        return before, f()
    """
    x = np.zeros(3)
    lam = Lambda("", "float(np.sum(x) + k)", {"x": ArgRef(1), "k": 0.5})
    out = box.run(write(src), [Call("c", "q", "apply", (lam, x))], FAST).outcomes["c"]
    assert out.value == (0.5, 3.5)


def test_a_hanging_group_only_loses_itself(box, write):
    src = """
    print("loaded")
    def ok(): return 1
    def hang():
        while True:
            pass
    """
    calls = [Call("a", "g1", "ok"), Call("b", "g2", "hang"), Call("c", "g2", "ok")]
    calls.append(Call("d", "g3", "ok"))
    r = box.run(write(src), calls, FAST)
    assert [r.outcomes[k].status for k in "abcd"] == ["ok", "timeout", "timeout", "ok"]
    assert "within 1 s" in r.outcomes["b"].message
    assert r.stdout == "loaded\n" * 2  # the submission is loaded again for the remaining group


def test_cpu_limit_is_per_group(box, write):
    src = """
    import time
    def spin(seconds):
        end = time.process_time() + seconds
        while time.process_time() < end:
            pass
        return 1
    """
    limits = Limits(wall_s=5.0, cpu_s=1.0, load_s=2.0)
    calls = [Call(f"c{i}", f"g{i}", "spin", (0.6,)) for i in range(3)]
    calls.append(Call("x", "gx", "spin", (3.0,)))
    r = box.run(write(src), calls, limits)
    assert [r.outcomes[f"c{i}"].status for i in range(3)] == ["ok"] * 3
    assert r.outcomes["x"].status == "timeout" and "CPU" in r.outcomes["x"].message


def test_isolation_as_root(box, write, secret_dir):
    if os.geteuid() != 0:
        pytest.skip("namespaces and nobody need root")
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    port = listener.getsockname()[1]
    src = """
    import os, socket
    def who():
        return [os.getuid(), os.getgid(), os.getpid(), os.path.exists("/proc/1")]
    def read(path):
        with open(path) as f:
            return f.read()
    def listing(path):
        return sorted(os.listdir(path))
    def connect(port):
        socket.create_connection(("127.0.0.1", port), timeout=0.5)
        return "connected"
    def env():
        return sorted(os.environ)
    """
    calls = [
        Call("who", "q", "who"),
        Call("read", "q", "read", (str(secret_dir / "answers.txt"),)),
        Call("ls", "q", "listing", (str(secret_dir),)),
        Call("net", "q", "connect", (port,)),
        Call("env", "q", "env"),
    ]
    os.environ["RELULAB_TEST_SECRET"] = "do-not-leak"
    try:
        r = box.run(write(src), calls, FAST)
    finally:
        del os.environ["RELULAB_TEST_SECRET"]
        listener.close()
    assert r.isolation == "root"
    uid, gid, pid, proc = r.outcomes["who"].value
    assert uid == gid and 65000 <= uid < 65000 + 1024  # a uid of its own per zygote, no account
    assert pid == 2 and proc is False  # a fresh PID namespace (its init is 1); no /proc at all
    assert (
        r.outcomes["read"].status == "error" and "FileNotFoundError" in r.outcomes["read"].message
    )
    # Hidden: an empty folder, or no folder at all when it lies under the fresh /tmp.
    ls = r.outcomes["ls"]
    assert ls.value == [] or (ls.status == "error" and "FileNotFoundError" in ls.message)
    assert r.outcomes["net"].status == "error"
    assert "RELULAB_TEST_SECRET" not in r.outcomes["env"].value


def test_output_is_captured_and_capped(box, write):
    src = """
    import sys
    print("x" * 100000)
    def f():
        sys.stderr.write("err")
        return 1
    """
    r = box.run(write(src), [Call("a", "q", "f")], FAST)
    assert r.outcomes["a"].value == 1
    assert 8000 <= len(r.stdout) <= 8192 and set(r.stdout) == {"x"}


def test_parallel_runs_from_threads(box, write):
    path = write("import time\ndef f(k):\n    time.sleep(0.05)\n    return k * 2\n")
    results = {}

    def go(k):
        results[k] = box.run(path, [Call("a", "q", "f", (k,))], FAST).outcomes["a"].value

    threads = [threading.Thread(target=go, args=(k,)) for k in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == {k: 2 * k for k in range(6)}


def test_nothing_survives_a_run(box, write):
    src = """
    import os, time
    def spawn():
        for _ in range(3):
            if os.fork() == 0:
                os.setsid()
                if os.fork() == 0:
                    time.sleep(100)
                os._exit(0)
        return 1
    """
    r = box.run(write(src), [Call("a", "q", "spawn")], FAST)
    assert r.outcomes["a"].value == 1
    if os.geteuid() == 0:
        assert r.pid_namespaces
        assert set(processes_in(r.pid_namespaces)) & set(procs.leftovers()) == set()


def test_closed_sandbox_refuses_runs(write):
    sandbox = Sandbox()
    sandbox.close()
    with pytest.raises(RuntimeError):
        sandbox.run(write("x = 1"), [Call("a", "q", "f")], FAST)


def test_results_json_is_never_read_from_the_child(box, write):
    # A submission printing JSON that looks like results changes nothing.
    src = "def f():\n    print({!r})\n    return 0\n".format(json.dumps({"score": 100}))
    r = box.run(write(src), [Call("a", "q", "f")], FAST)
    assert r.outcomes["a"].value == 0 and '"score"' in r.stdout


def test_get_ipython_calls_do_nothing_and_lose_nothing(box, write):
    # As `jupyter nbconvert --to script` writes magics: the rest of the file still loads.
    src = """
    get_ipython().run_line_magic("matplotlib", "inline")
    def f():
        get_ipython().system("rm -rf /")
        return 3
    """
    r = box.run(write(src), [Call("a", "q", "f")], FAST)
    assert r.load_messages == [] and r.outcomes["a"].value == 3


def test_concurrent_workers_run_as_different_users(write):
    if os.geteuid() != 0:
        pytest.skip("switching users needs root")
    path = write("import os, time\ndef uid():\n    time.sleep(0.3)\n    return os.getuid()\n")
    uids = []
    with Sandbox(workers=2) as two:
        threads = [
            threading.Thread(
                target=lambda: uids.append(two.run(path, [Call("a", "q", "uid")], FAST))
            )
            for _ in range(2)
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    first, second = sorted(r.outcomes["a"].value for r in uids)
    assert 65000 <= first < second < 65000 + 1024  # a uid of its own per worker


def test_notebook_plot_cells_scores_exactly_as_before(box, write):
    # A graded function that draws inside, a plot cell that raises, a helper defined in a plot
    # cell and used by an answer, display and widget calls: each loads and scores as in Jupyter.
    path = _notebook(
        write,
        [
            "import numpy as np\nimport matplotlib.pyplot as plt",
            "def helper(x):\n    return 2 * x\nfig, ax = plt.subplots()\nax.plot([1, 2])\n"
            "plt.tight_layout()\nplt.show()",
            "plt.plot([1, 2])\nraise RuntimeError('the plot cell broke')",
            "from IPython.display import display, HTML\nimport ipywidgets as w\n"
            "display(HTML('<b>hi</b>'))\n@w.interact(k=(0, 5))\ndef explore(k=1):\n"
            "    plt.plot([k])\nslider = w.FloatSlider(value=1.0)",
            "def f(x):\n    fig, ax = plt.subplots()\n    line, = ax.plot(x, x)\n"
            "    fig.canvas.draw()\n    w, h = fig.canvas.get_width_height()\n"
            "    plt.close(fig)\n    return helper(np.asarray(line.get_ydata())) + 0 * w * h",
            "def g():\n    return [callable(explore), type(slider).__name__, slider.value,\n"
            "            w.IntSlider().value, w.Dropdown(options=[('a', 3)]).value,\n"
            "            type(w.FloatSlider().value).__name__, w.Dropdown(options={'b': 4}).value,\n"
            "            w.interactive(explore, k=w.IntSlider(value=2)).kwargs['k'],\n"
            "            len(w.VBox([w.HBox([slider]), w.Output()]).children), float(slider.value)]",
            "out = w.Output()\nwith out:\n    out.clear_output(wait=True)\nslider.observe(print, names='value')",
            "fig, ax = plt.subplots()\nax.grid(True)\nax.plot([1, 2], [1, 2, 3])\nlate = 1",
        ],
    )
    r = box.run(path, [Call("a", "q", "f", (np.arange(3.0),)), Call("b", "q", "g")], FAST)
    assert r.load_messages == [
        "cell 3 raised RuntimeError: the plot cell broke (line 2 of cell 3)",
        "cell 8 raised ValueError: x and y must have same first dimension, but have shapes (2,)"
        " and (3,) (line 3 of cell 8)",
    ]
    assert r.outcomes["a"].status == "ok", r.outcomes["a"].message
    assert np.array_equal(r.outcomes["a"].value, [0.0, 2.0, 4.0])
    assert r.outcomes["b"].value == [True, "FloatSlider", 1.0, 0, 3, "float", 4, 2, 2, 1.0]


def _memory_holds(pid: int, needle: bytes) -> bool:
    """Whether any readable mapping of process ``pid`` holds ``needle`` (read as root)."""
    with open(f"/proc/{pid}/maps") as maps, open(f"/proc/{pid}/mem", "rb", 0) as mem:
        for line in maps:
            span, perms = line.split()[:2]
            if not perms.startswith("r") or "[vvar]" in line or "[vsyscall]" in line:
                continue
            start, end = (int(x, 16) for x in span.split("-"))
            try:
                mem.seek(start)
                if needle in mem.read(end - start):
                    return True
            except (OSError, OverflowError, ValueError):
                continue
    return False


CANARY = """
def canary():
    return "RELULAB-" + "RESULT-CANARY-" + "one submission's answer"
"""


@pytest.mark.skipif(os.geteuid() != 0, reason="reads another process's memory")
def test_children_are_forked_from_a_process_that_never_held_a_result(write):
    # The zygote reads every answer a child sends; a child forked from it would inherit that
    # memory. Children come from the fork server, which must never hold one.
    needle = b"RELULAB-RESULT-CANARY-one submission's answer"
    with Sandbox(workers=1) as one:
        r = one.run(write(CANARY), [Call("c", "q", "canary")], FAST)
        assert r.outcomes["c"].value == needle.decode()
        zygote = one._all[0].proc.pid  # noqa: SLF001 - the test looks inside on purpose
        with open(f"/proc/{zygote}/task/{zygote}/children") as f:
            children = [int(p) for p in f.read().split()]
        assert len(children) == 1, children  # the fork server, nothing left of the run
        assert _memory_holds(zygote, needle)  # the search can see an answer where there is one
        assert not _memory_holds(children[0], needle)


PRELOADED = "import sys\npreloaded = 'matplotlib.pyplot' in sys.modules\ndef seen():\n    return preloaded\n"


@pytest.mark.parametrize("notebooks", [True, False])
def test_notebook_libraries_come_warm_from_the_fork_server(write, notebooks):
    # Told that notebooks are coming, the fork server imports matplotlib at start, for the
    # plot cells that will need the real one; otherwise never (a notebook's plot cells run on
    # its stand-ins, and a child that needs it after all imports it itself). A .py finds it
    # absent unless told (the check can tell).
    nb = _notebook(write, [PRELOADED])
    py = write(PRELOADED)
    with Sandbox(workers=1, notebooks=notebooks) as one:
        first_py = one.run(py, [Call("s", "q", "seen")], FAST).outcomes["s"].value
        first_nb = one.run(nb, [Call("s", "q", "seen")], FAST).outcomes["s"].value
        later_py = one.run(py, [Call("s", "q", "seen")], FAST).outcomes["s"].value
    assert (first_py, first_nb, later_py) == (notebooks, notebooks, notebooks)


def test_a_child_that_imports_matplotlib_itself_finds_the_font_list(write):
    # Not told that notebooks come, the fork server imports no matplotlib; a plot cell the
    # stand-ins do not answer imports it in the child, from the font list the grader's cache
    # holds (building one costs most of a second), and draws what it would have.
    nb = _notebook(
        write,
        [
            "import logging\nimport numpy as np\nimport matplotlib.pyplot as plt\nseen = []\n"
            "class Note(logging.Handler):\n    def emit(self, record):\n"
            "        seen.append(record.getMessage())\n"
            "logging.getLogger('matplotlib').addHandler(Note())\n"
            "logging.getLogger('matplotlib').setLevel(logging.INFO)",
            "fig, ax = plt.subplots()\nlevels = len(ax.contour(np.eye(3), levels=[0.5]).levels)",
            "def noted():\n    return [levels, [m for m in seen if 'fontManager' in m]]",
        ],
    )
    with Sandbox(workers=1, notebooks=True) as warm:  # builds the font list, if new
        warm.run(nb, [Call("n", "q", "noted")], Limits(wall_s=20.0, cpu_s=20.0, memory_mb=1024))
    with Sandbox(workers=1, notebooks=False) as one:
        out = one.run(
            nb, [Call("n", "q", "noted")], Limits(wall_s=20.0, cpu_s=20.0, memory_mb=1024)
        )
    assert out.outcomes["n"].value == [1, []], out.outcomes["n"].message


def test_warm_matplotlib_is_matplotlib_but_for_its_property_tables(write):
    # The fork server imports pyplot without writing the property tables into docstrings;
    # kwdoc itself works for a submission, and what artists accept and refuse is unchanged.
    nb = _notebook(
        write,
        [
            "import matplotlib.pyplot as plt\nfrom matplotlib import artist, lines\n"
            "def table():\n    return artist.kwdoc(lines.Line2D)\n"
            "def refused():\n    try:\n        plt.plot([1], [2], colour='r')\n"
            "    except AttributeError as exc:\n        return str(exc)\n"
            "def accepted():\n    (line,) = plt.plot([1], [2], color='r', lw=3)\n"
            "    return line.get_linewidth()\n"
        ],
    )
    calls = [Call("t", "q", "table"), Call("r", "q", "refused"), Call("a", "q", "accepted")]
    with Sandbox(workers=1, notebooks=True) as one:
        out = one.run(nb, calls, FAST).outcomes
    assert "Properties:" in out["t"].value and "linewidth or lw: float" in out["t"].value
    assert "unexpected keyword argument 'colour'" in out["r"].value
    assert out["a"].value == 3.0


def test_a_sandbox_started_without_waiting_is_waited_for_by_its_first_run(write):
    with Sandbox(workers=1, wait=False) as later:
        r = later.run(write("def f():\n    return 7\n"), [Call("f", "q", "f")], FAST)
        assert r.outcomes["f"].value == 7 and later.isolation_info["mode"] == later.isolation
    never = Sandbox(workers=1, wait=False)
    zygote = never._starting[0].proc  # noqa: SLF001 - the test looks inside on purpose
    never.close()  # closed before it was ever waited for: its processes are gone
    assert zygote.poll() is not None
    with pytest.raises(RuntimeError, match="closed"):
        never.run(write("def f():\n    return 7\n"), [Call("f", "q", "f")], FAST)


@pytest.mark.skipif(os.geteuid() != 0, reason="signals another user's process")
def test_a_dead_fork_server_costs_one_regrade_not_the_batch(write):
    import signal

    sub = write("def f():\n    return 7\n")
    with Sandbox(workers=1) as one:
        assert one.run(sub, [Call("f", "q", "f")], FAST).outcomes["f"].value == 7
        zygote = one._all[0].proc.pid  # noqa: SLF001 - the test looks inside on purpose
        for _ in range(100):  # the last attempt's processes may still be on their way out
            with open(f"/proc/{zygote}/task/{zygote}/children") as f:
                children = [int(p) for p in f.read().split()]
            if len(children) == 1:
                break
            time.sleep(0.02)
        (server,) = children
        os.kill(server, signal.SIGKILL)
        lost = one.run(sub, [Call("f", "q", "f")], FAST)
        assert lost.internal_error and "fork server" in lost.internal_error
        assert one.run(sub, [Call("f", "q", "f")], FAST).outcomes["f"].value == 7  # replaced


def test_a_fork_server_whose_socket_closed_counts_as_gone_before_it_can_be_waited_for():
    # A killed process closes its files before it becomes a zombie its parent can wait for; in
    # that window the zygote must still see the server as gone (CI once saw "could not start a
    # process" there instead of a replaced zygote). Here the process stays alive for good.
    import socket
    import subprocess

    from autograder.sandbox._zygote import ForkServer

    mine, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    stand_in = subprocess.Popen(["sleep", "30"])
    try:
        server = ForkServer()
        server.sock, server.pid = mine, stand_in.pid
        assert server.alive() is True  # our child, running
        theirs.close()
        assert server.spawn({}, [], "", []) == 0
        assert server.alive() is False and stand_in.poll() is None
    finally:
        stand_in.kill()
        stand_in.wait()
        mine.close()


def test_prestarted_processes_are_adopted_and_get_the_hide_list_late(write):
    """prestart() starts a Sandbox's zygotes before anything is known; the Sandbox made later
    adopts them (the same processes) and its hide list reaches them: hiding a folder inside
    numpy's takes numpy's whole folder out of the child's view (an entry holding a hidden path
    is never granted), which a child sees. More workers than were prestarted start as usual."""
    from autograder.sandbox import _sandbox, prestart

    prestart(1)
    early = [z.proc.pid for z in _sandbox._early]  # noqa: SLF001 - the test looks inside
    assert len(early) == 1
    sub = write("import os\nimport numpy\ndef peek():\n    return os.path.exists(numpy.__file__)\n")
    peek = [Call("p", "q", "peek")]
    linalg = str(Path(np.__file__).parent / "linalg")
    with Sandbox(hide=[linalg], workers=2) as box:
        assert [z.proc.pid for z in box._all][:1] == early  # noqa: SLF001
        assert _sandbox._early == [] and len(box._all) == 2  # noqa: SLF001
        if "allow-list" in _allow_list(box):
            assert box.run(sub, peek, FAST).outcomes["p"].value is False
    with Sandbox(workers=1) as box:  # the control: numpy's files are there when not hidden
        assert box.run(sub, peek, FAST).outcomes["p"].value is True


def _allow_list(box: Sandbox) -> set[str]:
    layers = set(box.isolation_info.get("layers", []))
    return layers | ({"allow-list"} if layers & {"pivot_root", "landlock"} else set())


def test_a_prestarted_process_nobody_adopts_ends_without_setting_anything_up():
    """Its input closes before any configuration: it exits at once, and without a word (a
    zygote answers only once it has set up: a sandbox uid claimed, a root prepared)."""
    from autograder.sandbox import _sandbox

    z = _sandbox._Zygote(0, configure=False)  # noqa: SLF001
    time.sleep(0.5)  # well into its imports, or past them, waiting for its configuration
    z.proc.stdin.close()
    assert z.proc.wait(timeout=5) == 0
    assert z.proc.stdout.read() == b""
    z.close()


@pytest.mark.parametrize("notebooks", [True, False])
def test_template_cells_are_run_from_code_compiled_once(tmp_path, notebooks):
    """A cell of the template notebook (same number, same source) is run from the code the
    fork server compiled: a submission that counts its own compile() calls sees only its other
    cells compiled. The results are those of compiling everything (the control), a cell that
    does not compile gets the same message, and a template cell moved to another number is
    compiled as usual. So whether or not notebooks were announced (matplotlib imported ahead):
    most notebooks' plot cells never need it, and their fork server never imports it."""
    import nbformat

    spy = (
        "import builtins\n"
        "compiled = []\n"
        "_compile = builtins.compile\n"
        "def _spy(source, filename, *args, **kwargs):\n"
        "    compiled.append(filename)\n"
        "    return _compile(source, filename, *args, **kwargs)\n"
        "builtins.compile = _spy\n"
    )
    given = "def double(x):\n    return 2 * x\n"
    broken = "def oops(:\n"
    answer = "def f():\n    return double(21), sorted(set(compiled))\n"

    def notebook(path: Path, cells: list[str]) -> Path:
        nbformat.write(new_notebook(cells=[new_code_cell(c) for c in cells]), path)
        return path

    template = notebook(tmp_path / "template.ipynb", [spy, given, broken, "x = 1\n"])
    same = notebook(tmp_path / "same.ipynb", [spy, given, broken, answer])
    moved = notebook(tmp_path / "moved.ipynb", [spy, "pass\n", given, broken, answer])
    call = [Call("f", "q", "f")]
    results = {}
    for name, kwargs in {"template": {"notebook_template": template}, "plain": {}}.items():
        with Sandbox(workers=1, notebooks=notebooks, **kwargs) as box:
            results[name] = [box.run(path, call, FAST) for path in (same, moved)]
    (t_same, t_moved), (p_same, p_moved) = results["template"], results["plain"]
    # cell 2 comes compiled; cell 3 does not compile, so it is not kept, and is tried again
    assert t_same.outcomes["f"].value == (42, ["<cell 3>", "<cell 4>"])
    assert p_same.outcomes["f"].value == (42, ["<cell 2>", "<cell 3>", "<cell 4>"])
    assert t_moved.outcomes["f"].value == p_moved.outcomes["f"].value
    assert t_moved.outcomes["f"].value == (42, ["<cell 2>", "<cell 3>", "<cell 4>", "<cell 5>"])
    assert t_same.load_messages == p_same.load_messages and t_same.load_messages
    assert any("cell 3" in m and "SyntaxError" in m for m in t_same.load_messages)


@pytest.mark.parametrize("notebooks", [True, False])
def test_prestart_for_notebooks_imports_matplotlib_before_any_configuration(notebooks):
    """Told notebooks are coming, a prestarted zygote imports matplotlib while it waits for its
    configuration (its maps show matplotlib's extension modules); told nothing, it does not."""
    from autograder.sandbox import _sandbox

    z = _sandbox._Zygote(0, configure=False, preload=notebooks)  # noqa: SLF001

    def mapped() -> bool:
        with open(f"/proc/{z.proc.pid}/maps") as f:
            return "/matplotlib/" in f.read()

    try:
        deadline = time.monotonic() + (20 if notebooks else 3)
        while time.monotonic() < deadline and not mapped():
            time.sleep(0.05)
        assert mapped() is notebooks
    finally:
        z.close()


def _ppid(pid: int) -> int:
    with open(f"/proc/{pid}/stat") as f:
        return int(f.read().rsplit(")", 1)[1].split()[1])


def _maps_numpy(pid: int) -> bool:
    with open(f"/proc/{pid}/maps") as f:
        return "_multiarray_umath" in f.read()


def test_the_zygotes_of_a_sandbox_are_forked_from_one_start(write):
    """Python and numpy start once for all of a Sandbox's zygotes: the others are forked from
    the first once it has imported numpy, each our own child in a session of its own, so that
    killing one (its process group) leaves the others grading; the dead one is replaced."""
    from autograder.sandbox import _launch

    path = write("import os\ndef me():\n    return os.getpid() > 0\n")
    call = [Call("m", "q", "me")]
    with Sandbox(workers=3) as box:
        first, *copies = [z.proc for z in box._all]  # noqa: SLF001 - the test looks inside
        assert isinstance(first, subprocess.Popen)
        assert all(isinstance(c, _launch.Copy) for c in copies) and len(copies) == 2
        pids = [first.pid, *(c.pid for c in copies)]
        assert len(set(pids)) == 3
        for pid in pids:
            assert _ppid(pid) == os.getpid() and os.getsid(pid) == pid
        with open(f"/proc/{copies[0].pid}/cmdline", "rb") as f:
            assert f.read() == open(f"/proc/{first.pid}/cmdline", "rb").read()
        assert all(_maps_numpy(pid) for pid in pids)  # forked after numpy's import
        with concurrent.futures.ThreadPoolExecutor(3) as pool:
            runs = list(pool.map(lambda _: box.run(path, call, FAST), range(6)))
        assert [r.outcomes["m"].value for r in runs] == [True] * 6
        _launch.kill(first)  # the first one's whole process group
        assert all(c.poll() is None for c in copies)
        after = [box.run(path, call, FAST) for _ in range(6)]
        # a run given the dead one is the grader's failure, never the student's; then it is
        # replaced, and every run after that grades
        assert sum(1 for r in after if r.internal_error) <= 1
        assert all(r.outcomes["m"].value is True for r in after if not r.internal_error)
        assert first.pid not in [z.proc.pid for z in box._all]  # noqa: SLF001
        assert [box.run(path, call, FAST).outcomes["m"].value for _ in range(3)] == [True] * 3
    for c in copies:
        assert c.poll() is not None  # ended with the sandbox, and reaped


def test_a_started_group_nobody_configures_ends_without_a_word():
    """Each zygote of a group waits for its configuration; its input closed first, each exits
    at once, having said nothing but (for a forked one) its process id."""
    from autograder.sandbox import _launch

    group = _launch.start_group(3, False)
    (_, first), *rest = group
    copies = [c for _, c in rest]
    assert all(c.pid > 0 or c.poll() is None for c in copies)
    time.sleep(0.5)
    for _, proc in group:
        proc.stdin.close()
    assert first.wait(timeout=5) == 0 and first.stdout.read() == b""
    for c in copies:
        assert c.wait(timeout=5) == 0 and c.pid > 0
        assert c.stdout.read() == b""
        c.stdout.close()
    first.stdout.close()


def test_a_group_whose_first_zygote_dies_at_once_leaves_nothing_waiting():
    """Killed before it could fork the others (it is still importing numpy), the first zygote
    leaves copies that end as never started, without anyone waiting for them forever."""
    from autograder.sandbox import _launch

    (_, first), (_, copy) = _launch.start_group(2, False)
    _launch.kill(first)
    _launch.kill(copy)  # never forked: nothing to kill, and no wait that never ends
    assert copy.poll() is not None and copy.wait(timeout=1) in (-1, 0)


def test_a_prestarted_process_of_another_environment_is_not_adopted(monkeypatch):
    """A zygote prestarted before RELULAB_SANDBOX_MODE changed (a test, a debugging session)
    would start in the old mode: the next Sandbox starts its own instead, and ends the old."""
    from autograder.sandbox import _sandbox, prestart

    monkeypatch.delenv("RELULAB_SANDBOX_MODE", raising=False)
    prestart(1)
    (early,) = _sandbox._early  # noqa: SLF001 - the test looks inside
    monkeypatch.setenv("RELULAB_SANDBOX_MODE", "plain")
    with Sandbox(workers=1) as box:
        assert [z.proc.pid for z in box._all] != [early.proc.pid]  # noqa: SLF001
        assert box.isolation == "plain"
    assert early.proc.wait(timeout=5) == 0 and _sandbox._early == []  # noqa: SLF001


RUN_FOLDER = """
import os

def folder():
    return os.environ["RELULAB_SANDBOX_RUN"]
"""


def test_a_shared_memory_folder_takes_the_runs_only_when_it_has_room(tmp_path, monkeypatch):
    from autograder.sandbox import _sandbox

    shared = tmp_path / "shm"
    shared.mkdir()
    os.chmod(shared, 0o1777)
    monkeypatch.setattr(_sandbox, "SHARED_MEMORY", str(shared))
    monkeypatch.delenv("TMPDIR", raising=False)
    (tmp_path / "limit").write_text("max\n")  # a memory cgroup without a limit
    (tmp_path / "usage").write_text(str(200 << 20) + "\n")
    cgroup = ((str(tmp_path / "limit"), str(tmp_path / "usage")),)
    monkeypatch.setattr(_sandbox, "MEMORY_CGROUP", cgroup)
    free = os.statvfs(shared).f_bavail * os.statvfs(shared).f_frsize
    if free < 2 * _sandbox.RUN_ROOM_BYTES + (1 << 30):
        pytest.skip("this disk has too little room to stand in for a roomy /dev/shm")
    assert _sandbox._runs_dir(2) == str(shared)
    assert _sandbox._runs_dir(free // _sandbox.RUN_ROOM_BYTES) is None  # no room for them all
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    assert _sandbox._runs_dir(2) is None  # the caller chose where temporary files go
    monkeypatch.delenv("TMPDIR")
    os.chmod(shared, 0o755)
    assert _sandbox._runs_dir(2) is None  # not a shared temporary folder
    os.chmod(shared, 0o1777)
    # A memory cgroup with little left (a container's limit): files in memory would count.
    (tmp_path / "limit").write_text(str(1 << 30) + "\n")
    assert _sandbox._runs_dir(2) is None
    (tmp_path / "limit").write_text(str(64 << 30))
    assert _sandbox._runs_dir(2) == str(shared)
    monkeypatch.setattr(_sandbox, "SHARED_MEMORY", str(tmp_path / "missing"))
    assert _sandbox._runs_dir(2) is None


def test_a_run_whose_folder_cannot_be_written_falls_back_to_tmp(box, write, monkeypatch, tmp_path):
    import tempfile

    here = box.run(write(RUN_FOLDER), [Call("a", "q", "folder")], FAST)
    folder = Path(here.outcomes["a"].value)
    assert folder.parent == Path(box._runs_dir or tempfile.gettempdir())
    assert folder.name.startswith("relulab-sandbox-") and not folder.exists()
    # A runs' folder that has filled up (or gone) since the sandbox started: the run goes on in
    # /tmp, with the same result.
    (tmp_path / "full").write_text("not a folder")
    monkeypatch.setattr(box, "_runs_dir", str(tmp_path / "full"))
    there = box.run(write(RUN_FOLDER), [Call("a", "q", "folder")], FAST)
    assert there.outcomes["a"].status == "ok"
    assert Path(there.outcomes["a"].value).parent == Path(tempfile.gettempdir())
    assert not list(tmp_path.glob("full*/relulab-sandbox-*"))


def test_a_new_sandbox_removes_the_run_folders_of_a_killed_grader_only(tmp_path):
    import subprocess
    import sys

    from autograder.sandbox import _sandbox

    gone = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        check=True,
        capture_output=True,
        text=True,
    )
    dead = int(gone.stdout)  # a grader that was killed: its process is gone
    alive = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        mine = _sandbox._namespace_prefix()
        names = {
            "killed": f"{mine}{dead}-abc",
            "live": f"{mine}{alive.pid}-def",
            "own": f"{_sandbox._run_prefix()}ghi",
            "other namespace": f"relulab-sandbox-1-{dead}-jkl",
            "older name": "relulab-sandbox-mno",
            "a file": f"{mine}{dead}-file",
            "killed a moment ago": f"{mine}{dead}-pqr",  # its zygote may still be at work
        }
        hour_ago = time.time() - _sandbox.SWEEP_AGE_S - 60
        for what, name in names.items():
            if what == "a file":
                (tmp_path / name).write_text("not a folder")
            else:
                (tmp_path / name).mkdir()
                (tmp_path / name / "inputs.bin").write_bytes(b"x")
            if what != "killed a moment ago":
                os.utime(tmp_path / name, (hour_ago, hour_ago))
        (tmp_path / "elsewhere").mkdir()
        (tmp_path / f"{mine}{dead}-link").symlink_to(tmp_path / "elsewhere")
        os.utime(tmp_path / f"{mine}{dead}-link", (hour_ago, hour_ago), follow_symlinks=False)
        assert _sandbox._sweep(str(tmp_path)) == [names["killed"]]
        left = {p.name for p in tmp_path.iterdir()}
        assert names["killed"] not in left
        assert {n for w, n in names.items() if w != "killed"} <= left
        assert (tmp_path / "elsewhere").is_dir()
    finally:
        alive.kill()
        alive.wait()


def test_run_folders_are_named_for_their_grader(box, write):
    here = box.run(write(RUN_FOLDER), [Call("a", "q", "folder")], FAST)
    from autograder.sandbox import _sandbox

    assert Path(here.outcomes["a"].value).name.startswith(_sandbox._run_prefix())


def test_plain_mode_keeps_its_fork_server_from_one_run_to_the_next(write, monkeypatch):
    """In plain mode the zygote kills whatever a run left among its children: never its fork
    server (every second run of a plain-mode batch was an internal error, "the sandbox's fork
    server is gone"), but still a daemon the submission left behind."""
    monkeypatch.setenv("RELULAB_SANDBOX_MODE", "plain")
    daemon = write(
        "import os, time\n"
        "def f(x):\n"
        "    if os.fork() == 0:\n"
        "        os.setsid()\n"
        "        if os.fork() == 0:\n"
        "            time.sleep(600)\n"
        "        os._exit(0)\n"
        "    return x + 1\n"
    )
    with Sandbox(workers=1) as box:
        assert box.isolation == "plain"
        for i in range(4):
            run = box.run(daemon, [Call("c", "q", "f", (i,))], FAST)
            assert not run.internal_error, run.internal_error
            assert run.outcomes["c"].status == "ok" and run.outcomes["c"].value == i + 1
        assert procs.leftovers() == []
