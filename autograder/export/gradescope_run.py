"""The Gradescope runner: grade ``$AUTOGRADER_ROOT/submission``, write ``results/results.json``.

``run_autograder`` in the zip of ``relulab export gradescope`` is a thin shell script around::

    python -m autograder.export.gradescope_run --assignment NAME

AUTOGRADER_ROOT defaults to ``/autograder``; set it to run outside a container. The submission
is the single ``.py`` or ``.ipynb`` file under ``submission/`` (none or several give a 0-score
result that says so). ``--results`` writes elsewhere (run_autograder uses a private folder and
moves the file once every student process is dead); ``--require`` refuses to grade with less
isolation than named. The seed's student id is ``users[0].id`` of ``submission_metadata.json``
when present, else the file's stem, as in ``relulab grade FILE --student-id ID``. Student code
runs only in relulab's sandbox (as ``nobody`` when this runs as root) with the whole
AUTOGRADER_ROOT and the grader hidden from it. Whatever happens, a valid results.json is left
behind: a failure of the grader itself gives score 0 and a message for the staff.
"""

from __future__ import annotations

import os
import sys

NOT_GRADING = ("-h", "--help", "--prepare", "--check-isolation")


def _matplotlib_coming(folder: str) -> bool:
    """Whether a notebook among what was submitted will need matplotlib itself (a guess, for
    the early start only): plot cells run on its stand-ins as far as these go."""
    from autograder.sandbox._launch import plots_need_matplotlib

    try:
        return any(
            plots_need_matplotlib(os.path.join(top, name))
            for top, _, names in os.walk(folder)
            for name in names
            if name.endswith(".ipynb")
        )
    except (OSError, RecursionError):
        return False


def _start_early(argv: list[str]) -> None:
    """Start the sandbox's zygote (numpy, for a notebook needing it matplotlib) before
    this module imports anything else, from what the command line seems to ask for: the
    Sandbox that grade_root makes adopts it. A wrong guess (another root, not a grade after
    all) costs time only: a zygote nobody adopts ends, having set nothing up."""
    if any(arg in NOT_GRADING or arg.startswith("--pre") or arg.startswith("--ch") for arg in argv):
        return
    root = os.environ.get("AUTOGRADER_ROOT") or "/autograder"
    for n, arg in enumerate(argv):
        if arg == "--root" and n + 1 < len(argv):
            root = argv[n + 1]
        elif arg.startswith("--root="):
            root = arg.split("=", 1)[1]
    from autograder.sandbox import _launch

    _launch.prestart(1, notebooks=_matplotlib_coming(os.path.join(root, "submission")))


if __name__ == "__main__":
    # The grader's own arithmetic is on tiny arrays: OpenBLAS's threads would only cost CPU.
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    _start_early(sys.argv[1:])

# What the grader needs, imported while that zygote starts.
import argparse
import atexit
import json
import time
import traceback
from pathlib import Path

from autograder.sandbox import Sandbox, SandboxUnavailable, prestart
from autograder.sandbox._launch import plots_need_matplotlib

SKIP_PARTS = {"__pycache__", ".ipynb_checkpoints", "__MACOSX"}


def submission_files(folder: Path) -> list[Path]:
    """The gradable files under ``folder`` (recursively; hidden and cache files skipped)."""
    from autograder.layout import SUBMISSION_SUFFIXES

    if not folder.is_dir():
        return []
    found = []
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder).parts
        if any(p.startswith(".") or p in SKIP_PARTS for p in rel):
            continue
        if path.is_file() and path.suffix in SUBMISSION_SUFFIXES and path.name != "__init__.py":
            found.append(path)
    return found


def zero_results(assignment: str, output: str, internal_error: str | None = None) -> dict:
    """A valid 0-score result (every question listed with 0 points) explaining why."""
    from autograder.course import load_course

    a = load_course().assignment(assignment)
    tests = [
        {
            "name": q.name,
            "number": str(n),
            "score": 0.0,
            "max_score": float(q.points),
            "status": "failed",
            "output": "Not graded: see the message above.",
            "visibility": "visible",
        }
        for n, q in enumerate(a.questions, start=1)
    ]
    meta: dict = {"assignment": assignment}
    if internal_error is not None:
        meta["internal_error"] = internal_error
    return {
        "score": 0.0,
        "max_score": a.max_score,
        "output": output,
        "output_format": "text",
        "visibility": "visible",
        "stdout_visibility": "hidden",
        "tests": tests,
        "extra_data": {"relulab": meta},
    }


def grade_root(root: Path, assignment: str, require: tuple[str, ...] = ()) -> dict:
    """Grade the submission under ``root`` (an AUTOGRADER_ROOT); returns results.json data.

    ``require``: isolation layers without which nothing is graded (the result says so and
    marks the submission for regrading instead)."""
    from autograder.export.common import student_id_from_metadata
    from autograder.paths import released_notebook, source_roots
    from autograder.text import file_name

    files = submission_files(root / "submission")
    if len(files) != 1:
        names = ", ".join(file_name(str(f.relative_to(root / "submission"))) for f in files)
        why = (
            "No .py or .ipynb file was submitted."
            if not files
            else f"Several .py/.ipynb files were submitted ({names}); submit exactly one."
        )
        return zero_results(assignment, f"{why} Score: 0.")
    path = files[0]
    hide = [*source_roots(), root.resolve()]
    # Adopts what main prestarted and is waited for last: its start (imports, isolation
    # probes) runs while this process reads the course and the student's metadata. A notebook
    # gets the released one as its template: the sandbox compiles that one's cells while this
    # process is still importing, and the child compiles only the cells the student changed.
    notebook = path.suffix == ".ipynb"
    sandbox = Sandbox(
        hide=hide,
        workers=1,
        require=require,
        notebooks=notebook and plots_need_matplotlib(str(path)),
        wait=False,
        notebook_template=released_notebook(assignment) if notebook else None,
    )
    try:
        from autograder.course import load_course
        from autograder.grade import grade_submission, grading_fingerprint, take_profiles
        from autograder.plots import draw_failing_plots
        from autograder.report import results_json

        student = student_id_from_metadata(root / "submission_metadata.json", path.stem)
        course = load_course()
        fingerprint = grading_fingerprint(course, assignment)
        take_profiles(course, assignment, _read_prepared(assignment), fingerprint)
        sandbox.ready()
    except BaseException as exc:
        sandbox.close()
        if not isinstance(exc, SandboxUnavailable):  # includes IsolationRefused
            raise
        return zero_results(
            assignment,
            "Not graded: this grading machine cannot isolate submissions as the course "
            "requires; course staff have been told. Your work is not lost: it will be regraded.",
            internal_error=str(exc),
        )
    with sandbox:  # closed (every student process dead) before the result is written
        result = grade_submission(
            path,
            course,
            assignment,
            sandbox,
            student=student,
            draw_plots=draw_failing_plots,
            fingerprint=fingerprint,
        )
    return results_json(result)


def prepared_path(assignment: str) -> Path:
    """Where ``--prepare`` leaves the assignment's case profiles: beside the interpreter that
    grades (the image's virtual environment, root's and closed to others once set up)."""
    return Path(sys.prefix) / "share" / "relulab" / f"{assignment}-profiles.json"


def _read_prepared(assignment: str) -> object:
    try:
        return json.loads(prepared_path(assignment).read_text("utf-8"))
    except (OSError, ValueError):
        return None


def prepare(assignment: str) -> int:
    """Work out the assignment's case profiles once, at image build (each run would otherwise
    spend 0.1-2 s on them before grading); a run takes them only if its grading setup is the
    one they were made for."""
    from autograder.course import load_course
    from autograder.grade import worked_out_profiles
    from autograder.report import write_atomic

    data = worked_out_profiles(load_course(), assignment)
    path = prepared_path(assignment)
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(path, json.dumps(data))
    path.chmod(0o600)
    print(f"relulab: {len(data['profiles'])} case profiles of {assignment} prepared in {path}")
    return 0


def check_isolation(require: tuple[str, ...] = ()) -> int:
    """Print the isolation this machine gives (one line); 1 if it falls short of ``require``.

    setup.sh runs this last, at image build, so the sandbox it starts is made as a notebook's
    would be: what such a start caches in the grader's folder (the installed files' list,
    matplotlib's font list: 0.2-0.5 s to make) is in the image, and each run, which starts
    from the image and keeps nothing, finds it there."""
    try:
        with Sandbox(workers=1, require=require, notebooks=True) as box:
            info = box.isolation_info
    except SandboxUnavailable as exc:
        print(f"relulab sandbox: {exc}")
        return 1
    missing = "; ".join(info.get("missing", [])) or "none"
    print(
        f"relulab sandbox: {info['mode']} mode, layers {', '.join(info['layers'])}; missing: {missing}"
    )
    return 0


def main(argv: list[str] | None = None) -> int:
    os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")  # as in autograder.cli.main
    parser = argparse.ArgumentParser(prog="python -m autograder.export.gradescope_run")
    parser.add_argument("--assignment", required=True)
    parser.add_argument(
        "--max-score", type=float, default=0.0, help="for the last-resort result only"
    )
    parser.add_argument(
        "--root",
        type=Path,
        default=Path(os.environ.get("AUTOGRADER_ROOT") or "/autograder"),
        help="AUTOGRADER_ROOT (default: $AUTOGRADER_ROOT or /autograder)",
    )
    parser.add_argument(
        "--results",
        type=Path,
        default=None,
        help="where to write results.json (default: ROOT/results/results.json)",
    )
    parser.add_argument(
        "--require",
        default="",
        help="comma-separated isolation layers to insist on (e.g. uid,allow-list)",
    )
    parser.add_argument(
        "--check-isolation", action="store_true", help="print the isolation here and exit"
    )
    parser.add_argument(
        "--prepare",
        action="store_true",
        help="work out the assignment's case profiles for later runs (at image build) and exit",
    )
    args = parser.parse_args(argv)
    require = tuple(r for r in args.require.split(",") if r)
    if args.check_isolation:
        return check_isolation(require)
    if args.prepare:
        return prepare(args.assignment)
    # Started already when run as a command (_start_early); called in-process (tests), now:
    # the Sandbox made in grade_root adopts it. A wrong guess costs time only: it is told then.
    prestart(1, notebooks=_matplotlib_coming(str(args.root / "submission")))
    results = args.results or args.root / "results" / "results.json"
    start = time.perf_counter()
    try:
        results.unlink(missing_ok=True)
        data = grade_root(args.root, args.assignment, require)
    except BaseException as exc:  # noqa: BLE001 - always leave a valid results.json
        error = "".join(traceback.format_exception(exc))
        print(error, file=sys.stderr)
        try:
            data = zero_results(
                args.assignment,
                "The grader failed on this submission; course staff have been told. "
                "Your work is not lost: it will be regraded.",
                internal_error=error,
            )
        except BaseException:  # noqa: BLE001 - even course.yml is unreadable
            data = {
                "score": 0.0,
                "max_score": args.max_score,
                "output": "The grader failed on this submission; course staff have been told.",
                "tests": [],
            }
    data.setdefault("execution_time", round(time.perf_counter() - start, 3))
    from autograder.report import write_atomic

    write_atomic(results, json.dumps(data, indent=1))
    return 0


if __name__ == "__main__":
    code = main()
    # results.json is written and every student process is dead. What a normal exit would do
    # now is the exit handlers (run here: e.g. closing an illustration sandbox) and then the
    # interpreter's teardown, freeing every module one by one: some 40 ms of each run, for
    # memory the process is about to give back anyway.
    atexit._run_exitfuncs()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)
