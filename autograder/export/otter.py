"""``relulab export otter DIR``: otter-assign master notebooks graded by relulab's hidden cases.

``DIR/<a>/<a>.ipynb`` is a master notebook for ``otter assign`` (otter-grader 7), with
``requirements.txt`` and the relulab wheel beside it. Run ``otter assign <a>.ipynb dist`` in
``DIR/<a>``: ``dist/student/`` is what students get, ``dist/autograder/`` the autograder zip.

Layout of a master notebook, built from ``solutions/<a>.ipynb``:

* a raw ``# ASSIGNMENT CONFIG`` cell: the wheel is an ``autograder_files`` entry (in the
  autograder zip only, never in the student folder) and ``requirements.txt`` installs it from
  ``/autograder/source/files/``, so the otter autograder environment has relulab;
* one otter question per block of answer cells (see :func:`autograder.export.question_blocks`),
  named after its course.yml question(s). Every answer cell sits between raw ``# BEGIN SOLUTION``
  / ``# END SOLUTION`` delimiter cells (otter copies any other cell verbatim into the student
  notebook) and its ``### BEGIN/END SOLUTION`` regions become otter's ``# BEGIN/END SOLUTION``,
  which otter replaces by ``...``;
* per course.yml question: a public test worth 0 points (the function is defined) and one
  hidden test per hidden case, ``check_case("<a>", "<question>", i)``
  (:mod:`autograder.export.otter_support`), worth the case's share of the question's points. The
  question's ``points`` is that list. So a question with cases passing or failing outright (the
  usual) scores exactly what ``relulab grade`` gives; a case judged with partial credit counts
  only when fully right. The number and weights of a question's cases must not depend on the
  seed (checked here).

Timeouts: ``otter run`` has none; a submission that loops forever at top level hangs it and no
results.json is written. ``python -m autograder.export.otter run --timeout S -a ZIP -o OUT SUB``
(:func:`run_otter`) runs ``otter run`` under a wall-clock limit, kills it and every process it
started (the kernel included) when the limit is reached, and writes a 0-score results.json
saying so. relulab's own grading inside the tests is bounded by course.yml's limits. On
Gradescope, the platform's timeout (10 min by default) is the only guard of otter's own run.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import yaml
from nbformat import NotebookNode

from autograder.cases import load_questions
from autograder.course import Assignment, Course
from autograder.export.common import (
    ExportError,
    build_wheel,
    course_and_root,
    load_solution,
    question_blocks,
    relulab_role,
)
from autograder.grade import question_rng, seed_for
from autograder.notebooks import BEGIN, END, clean_notebook, notebook_json
from autograder.report import write_atomic

WHEEL_DIR = "/autograder/source/files"


def _raw(text: str) -> NotebookNode:
    return nbformat.v4.new_raw_cell(text)


def _yaml(header: str, data: dict) -> NotebookNode:
    return _raw(f"# {header}\n" + yaml.safe_dump(data, sort_keys=False).rstrip())


def case_weights(course: Course, assignment: str, question: str) -> list[float]:
    """Weights of a question's hidden cases; the same for every student or ExportError."""
    qc = load_questions(assignment)[question]
    seen = []
    for student in ("otter-a", "otter-b", "otter-c"):
        cases = qc.generate(question_rng(seed_for(course, assignment, student), question))
        seen.append([float(c.weight) for c in cases])
    if any(s != seen[0] for s in seen):
        raise ExportError(
            f"{assignment}.{question}: the number or weights of hidden cases depend on the seed; "
            "otter needs one test per case, fixed in advance"
        )
    return seen[0]


def _otter_markers(source: str) -> str:
    """relulab's ``### BEGIN/END SOLUTION`` lines as otter's ``# BEGIN/END SOLUTION``."""
    out = []
    for line in source.splitlines():
        text = line.strip()
        indent = line[: len(line) - len(line.lstrip())]
        if text == BEGIN:
            out.append(f"{indent}# BEGIN SOLUTION")
        elif text == END:
            out.append(f"{indent}# END SOLUTION")
        else:
            out.append(line)
    return "\n".join(out)


def _tests(course: Course, a: Assignment, question: str) -> tuple[list[NotebookNode], list]:
    """Test cells and their points for one course.yml question."""
    q = a.question(question)
    checks = "\n".join(
        f'assert callable(globals().get("{f}")), "{f} is not defined"' for f in q.functions
    )
    cells = [nbformat.v4.new_code_cell(checks)]
    points: list[float] = [0]
    weights = case_weights(course, a.name, question)
    total = sum(weights) or 1.0
    for i, w in enumerate(weights):
        cells.append(
            nbformat.v4.new_code_cell(
                '""" # BEGIN TEST CONFIG\nhidden: true\n"""  # END TEST CONFIG\n'
                "from autograder.export.otter_support import check_case\n\n"
                f"check_case({a.name!r}, {question!r}, {i})"
            )
        )
        points.append(float(q.points) * w / total)
    return cells, points


def assignment_config(a: Assignment, wheel: str) -> dict:
    """The ``# ASSIGNMENT CONFIG`` of an assignment (keys otter 7 accepts)."""
    return {
        "name": a.name,
        "requirements": "requirements.txt",
        "autograder_files": [wheel],
        "init_cell": True,
        "check_all_cell": False,
        "export_cell": False,
        "run_tests": False,
        "solutions_pdf": False,
        "template_pdf": False,
        "generate": {"pdf": False, "filtering": False},
        "tests": {"files": False, "ok_format": True},
    }


def master_notebook(
    solution: NotebookNode, course: Course, a: Assignment, wheel: str
) -> NotebookNode:
    """The otter master notebook of one assignment."""
    nb = clean_notebook(solution)
    blocks = question_blocks(nb, a)
    starts = {b.start: b for b in blocks}
    stops = {b.stop: b for b in blocks}
    cells = [_yaml("ASSIGNMENT CONFIG", assignment_config(a, wheel))]
    for i in range(len(nb.cells) + 1):
        if i in stops:
            b = stops[i]
            if b.questions:
                cells.append(_raw("# BEGIN TESTS"))
                for question in b.questions:
                    cells += _tests(course, a, question)[0]
                cells.append(_raw("# END TESTS"))
            cells.append(_raw("# END QUESTION"))
        if i == len(nb.cells):
            break
        if i in starts:
            b = starts[i]
            points: list[float] = []
            for question in b.questions:
                points += _tests(course, a, question)[1]
            name = "__".join(b.questions) or f"{a.name}_practice_{i}"
            config: dict = {"name": name, "points": points if points else 0}
            if not b.questions:
                config["check_cell"] = False
            cells.append(_yaml("BEGIN QUESTION", config))
        cell = nb.cells[i]
        if cell.cell_type == "code" and relulab_role(cell) == "answer":
            cell.source = _otter_markers(cell.source)
            cells += [_raw("# BEGIN SOLUTION"), cell, _raw("# END SOLUTION")]
        else:
            cells.append(cell)
    nb.cells = cells
    nb.metadata["kernelspec"] = {
        "display_name": "Python 3",
        "language": "python",
        "name": "python3",
    }
    return nb


def export(
    dest: Path,
    *,
    course: Course | None = None,
    root: Path | None = None,
    wheel: Path | None = None,
) -> Path:
    """Write ``dest/<a>/<a>.ipynb`` (+ requirements.txt and the wheel) per assignment.

    ``wheel``: a relulab wheel to ship (default: built from the checkout at ``root``).
    """
    course, root = course_and_root(course, root)
    dest = Path(dest).resolve()
    dest.mkdir(parents=True, exist_ok=True)
    if wheel is None:
        wheel = build_wheel(dest / ".wheel", root)
    wheel = Path(wheel)
    data = wheel.read_bytes()
    for a in course.assignments:
        folder = dest / a.name
        nb = master_notebook(load_solution(a.name, root), course, a, wheel.name)
        write_atomic(folder / f"{a.name}.ipynb", notebook_json(nb))
        write_atomic(folder / wheel.name, data)
        write_atomic(folder / "requirements.txt", f"{WHEEL_DIR}/{wheel.name}\n")
    if wheel.parent == dest / ".wheel":
        wheel.unlink()
        wheel.parent.rmdir()
    return dest


# --- otter run under a time limit --------------------------------------------------------


def _children() -> dict[int, list[int]]:
    kids: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                stat = f.read()
        except OSError:
            continue
        ppid = int(stat[stat.rindex(")") + 2 :].split()[1])
        kids.setdefault(ppid, []).append(int(entry))
    return kids


def _descendants(pid: int) -> list[int]:
    kids, found, todo = _children(), [], [pid]
    while todo:
        for child in kids.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def _kill_tree(proc: subprocess.Popen) -> None:
    """Kill ``proc``, its process group and every descendant (kernels start their own session)."""
    for _ in range(3):  # again, for processes forked while we were killing
        pids = _descendants(proc.pid)
        for pid in [proc.pid, *pids]:
            try:
                os.kill(pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        if not pids:
            break
        time.sleep(0.05)
    proc.wait()


def run_otter(
    autograder_zip: Path, submission: Path, out_dir: Path, timeout: float = 600.0
) -> tuple[int, dict]:
    """``otter run`` with a wall-clock limit; returns (exit status, results.json data).

    On timeout every process it started is killed and OUT/results.json gets a 0-score result.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    results = out_dir / "results.json"
    results.unlink(missing_ok=True)
    cmd = [sys.executable, "-m", "otter", "run", "-a", str(autograder_zip)]
    cmd += ["-o", str(out_dir), "--no-logo", str(submission)]
    proc = subprocess.Popen(
        cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
    )
    try:
        status = proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        _kill_tree(proc)
        data = {
            "score": 0.0,
            "output": f"otter run did not finish within {timeout:g} s and was stopped; "
            "a cell of the submission probably never ends.",
            "tests": [],
        }
        write_atomic(results, json.dumps(data, indent=1))
        return 124, data
    try:
        data = json.loads(results.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        data = {"score": 0.0, "output": f"otter run failed (exit status {status})", "tests": []}
        write_atomic(results, json.dumps(data, indent=1))
    return status, data


def main(argv: list[str] | None = None) -> int:
    """``python -m autograder.export.otter run [--timeout S] -a ZIP -o OUT SUBMISSION``."""
    parser = argparse.ArgumentParser(prog="python -m autograder.export.otter")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("run", help="otter run with a wall-clock limit")
    p.add_argument("submission", type=Path)
    p.add_argument("-a", "--autograder", type=Path, required=True)
    p.add_argument("-o", "--output-dir", type=Path, default=Path("."))
    p.add_argument("--timeout", type=float, default=600.0)
    args = parser.parse_args(argv)
    status, data = run_otter(args.autograder, args.submission, args.output_dir, args.timeout)
    print(json.dumps({"status": status, "score": data.get("score")}))
    return 0 if status == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
