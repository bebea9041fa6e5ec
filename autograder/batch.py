"""Grade many submissions in parallel, resumably, and write grades.csv."""

from __future__ import annotations

import json
import signal
import threading
import traceback
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path

from autograder.course import Course
from autograder.grade import (
    Entry,
    SubmissionResult,
    file_sha256,
    find_entries,
    grade_submission,
    grading_fingerprint,
    load_cached_profiles,
    save_cached_profiles,
    seed_for,
)
from autograder.paths import released_notebook, source_roots
from autograder.planner import Planners
from autograder.report import grades_row, write_atomic, write_grades, write_submission
from autograder.sandbox import Sandbox, SandboxUnavailable
from autograder.sandbox._launch import matplotlib_ahead
from autograder.summary import write_summary
from autograder.text import clean


@dataclass
class BatchSummary:
    """What a batch did: rows of grades.csv, what was skipped, warnings and internal errors."""

    rows: list[dict] = field(default_factory=list)
    graded: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    internal_errors: list[str] = field(default_factory=list)
    interrupted: bool = False  # stopped by Ctrl-C: what was not graded is graded next time


def _previous(
    results_path: Path,
    assignment: str,
    seed: int,
    *,
    sha256: str | None,
    max_score: float,
    fingerprint: str,
) -> dict | None:
    """A results.json from an earlier grading of this very file with the same setup, or None.

    Same means: assignment, seed, the submission's SHA-256, max_score and the grading
    fingerprint (course settings, cases, reference, version) all match. Anything unreadable,
    malformed or from a failed grading counts as not graded.
    """
    if sha256 is None:
        return None
    try:
        data = json.loads(results_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict):
        return None
    extra = data.get("extra_data")
    meta = extra.get("relulab") if isinstance(extra, dict) else None
    if not isinstance(meta, dict) or meta.get("internal_error"):
        return None
    if (
        meta.get("assignment") != assignment
        or meta.get("seed") != seed
        or meta.get("sha256") != sha256
        or meta.get("max_score") != max_score
        or data.get("max_score") != max_score
        or meta.get("fingerprint") != fingerprint
        or not isinstance(data.get("score"), int | float)
        or not isinstance(meta.get("submission"), str)
    ):
        return None
    return data


def _internal_error_results(
    stem: str,
    assignment: str,
    student: str,
    seed: int,
    max_score: float,
    error: str,
    fingerprint: str | None = None,
) -> dict:
    return {
        "score": 0.0,
        "max_score": max_score,
        "output": "The grader failed on this submission; course staff have been told. "
        "Your work is not lost: it will be regraded.",
        "visibility": "visible",
        "tests": [],
        "extra_data": {
            "relulab": {
                "submission": stem,
                "assignment": assignment,
                "student": student,
                "seed": seed,
                "max_score": max_score,
                "fingerprint": fingerprint,
                "internal_error": error,
            }
        },
    }


def _refuse_all(
    out_dir: Path,
    summary: BatchSummary,
    todo: list[Entry],
    course: Course,
    assignment: str,
    seed: int | None,
    student: str | None,
    fingerprint: str,
    exc: Exception,
) -> None:
    """Every submission gets a valid results.json saying it was not graded, and why (an internal
    error: the next run on a machine that isolates as required grades it)."""
    why = clean(str(exc), 2000)
    summary.internal_errors.append(why)
    max_score = course.assignment(assignment).max_score
    for entry in todo:
        who = student or entry.student
        s = seed_for(course, assignment, who, seed)
        data = _internal_error_results(
            entry.name, assignment, clean(who), s, max_score, why, fingerprint
        )
        data["output"] = (
            "Not graded: this grading machine cannot isolate submissions as the course "
            "requires; course staff have been told. Your work is not lost: it will be regraded."
        )
        write_atomic(out_dir / entry.name / "results.json", json.dumps(data, indent=1))
        summary.rows.append(grades_row(data))


def _handle_sigint(handler: Callable) -> Callable[[], None]:
    """Install ``handler`` for SIGINT (in the main thread only); returns what restores it."""
    if threading.current_thread() is not threading.main_thread():
        return lambda: None
    old = signal.signal(signal.SIGINT, handler)
    return lambda: signal.signal(signal.SIGINT, old)


def _sigint_handler(
    stop: threading.Event, abandon: threading.Event, on_interrupt: Callable[[str], None] | None
) -> Callable:
    """The first Ctrl-C sets ``stop`` (start no new submission), the second ``abandon``."""

    def on_sigint(_signum: int, _frame: object) -> None:
        if stop.is_set():
            abandon.set()
            if on_interrupt:
                on_interrupt("abandon")
        else:
            stop.set()
            if on_interrupt:
                on_interrupt("stop")

    return on_sigint


def _cluster_batch(
    spec: str,
    out_dir: Path,
    summary: BatchSummary,
    todo: list[Entry],
    args: tuple,
    stop: threading.Event,
    abandon: threading.Event,
    on_done: Callable[[str], None] | None,
    on_status: Callable[[str], None] | None,
) -> None:
    """Grade ``todo`` on a Dask cluster; write what comes back as :func:`grade_batch` does."""
    from autograder.cluster import NoWorkers, grade_on_cluster

    course, assignment, seed, student, fingerprint, hide, draw_plots = args
    max_score = course.assignment(assignment).max_score

    def done(entry: Entry, data: dict) -> None:
        summary.rows.append(grades_row(data))
        summary.graded.append(entry.name)
        if on_done:
            on_done(entry.name)

    def on_result(entry: Entry, data: dict, page: str | None) -> None:
        try:  # feedback.html first: results.json marks the submission done
            write_atomic(out_dir / entry.name / "feedback.html", page or "")
            write_atomic(out_dir / entry.name / "results.json", json.dumps(data, indent=1))
        except Exception as exc:
            error = f"could not write its reports: {clean(repr(exc))}"
            return on_error(entry, error, error)
        done(entry, data)

    def on_error(entry: Entry, short: str, full: str) -> None:
        who = student or entry.student
        s = seed_for(course, assignment, who, seed)
        data = _internal_error_results(
            entry.name, assignment, clean(who), s, max_score, full, fingerprint
        )
        summary.internal_errors.append(f"{entry.name}: {clean(short)}")
        try:
            write_atomic(out_dir / entry.name / "results.json", json.dumps(data, indent=1))
        except Exception as write_exc:  # still a row in grades.csv; the batch goes on
            summary.internal_errors.append(
                f"{entry.name}: could not write its results.json: {clean(repr(write_exc))}"
            )
        done(entry, data)

    def on_refused(entries: list[Entry], why: str) -> None:
        local = BatchSummary()
        _refuse_all(
            out_dir, local, entries, course, assignment, seed, student, fingerprint, Exception(why)
        )
        if local.internal_errors[0] not in summary.internal_errors:
            summary.internal_errors.append(local.internal_errors[0])
        for entry, row in zip(entries, local.rows, strict=True):
            summary.rows.append(row)
            if on_done:
                on_done(entry.name)

    try:
        grade_on_cluster(
            spec,
            todo,
            course=course,
            assignment=assignment,
            seed=seed,
            student=student,
            fingerprint=fingerprint,
            hide=hide,
            draw_plots=draw_plots,
            stop=stop,
            abandon=abandon,
            on_result=on_result,
            on_error=on_error,
            on_refused=on_refused,
            warn=summary.warnings.append,
            on_status=on_status,
        )
    except NoWorkers as exc:  # what was graded is kept; the rest is graded next time
        summary.internal_errors.append(str(exc))


def _finish(out_dir: Path, summary: BatchSummary) -> None:
    """grades.csv for the rows of this batch, then summary.html for everything in out_dir."""
    write_grades(out_dir, summary.rows)
    try:
        write_summary(out_dir)
    except Exception as exc:  # the grades are written; the page is regenerated next time
        summary.internal_errors.append(f"could not write summary.html: {clean(repr(exc))}")


def grade_batch(
    paths: Sequence[Path],
    course: Course,
    assignment: str,
    out_dir: Path,
    *,
    jobs: int = 1,
    seed: int | None = None,
    force: bool = False,
    student: str | None = None,
    on_done: Callable[[str], None] | None = None,
    draw_plots: Callable | None = None,
    roster: dict[str, tuple[str, str]] | None = None,
    on_interrupt: Callable[[str], None] | None = None,
    cluster: str | None = None,
    on_status: Callable[[str], None] | None = None,
    planners: bool = False,
) -> BatchSummary:
    """Grade every submission under ``paths`` into ``out_dir``; never stops for one submission.

    A submission whose results.json in ``out_dir`` comes from grading the same file (SHA-256)
    with the same setup is skipped unless ``force``. ``student`` (one id for the seed) is only
    allowed with a single submission: raises ValueError otherwise. ``cluster`` (a Dask
    scheduler address or local[:N]) grades on Dask workers instead of ``jobs`` local ones (see
    autograder.cluster; ClusterError when it cannot); ``on_status`` hears how it goes.
    ``planners``: plans may be made by planner processes when worth it (see
    autograder.planner). Those import the caller's ``__main__`` module again, as every
    multiprocessing start method but fork does: only for a main module that does nothing on
    import (the relulab command; a script whose work is under ``if __name__ == "__main__"``).
    """
    summary = BatchSummary()
    entries, summary.warnings = find_entries(paths, roster)
    if student is not None and len(entries) > 1:
        raise ValueError(
            f"a student id gives every submission the same seed; {len(entries)} submissions found"
        )
    out_dir.mkdir(parents=True, exist_ok=True)
    max_score = course.assignment(assignment).max_score
    fingerprint = grading_fingerprint(course, assignment)
    had_profiles = load_cached_profiles(course, assignment, fingerprint)
    todo: list[Entry] = []
    for entry in entries:
        s = seed_for(course, assignment, student or entry.student, seed)
        previous = (
            None
            if force
            else _previous(
                out_dir / entry.name / "results.json",
                assignment,
                s,
                sha256=file_sha256(entry.path),
                max_score=max_score,
                fingerprint=fingerprint,
            )
        )
        if previous is not None and previous["extra_data"]["relulab"]["submission"] == entry.name:
            summary.skipped.append(entry.name)
            summary.rows.append(grades_row(previous))
            if on_done:
                on_done(entry.name)
        else:
            todo.append(entry)
    if not todo:
        _finish(out_dir, summary)
        return summary

    lock = threading.Lock()
    # Also the submissions' own folders: the child gets a private copy of its file, and must not
    # read (or run) its classmates' work.
    roots = {p.resolve() if p.is_dir() else p.resolve().parent for p in paths}
    hide = [*source_roots(), out_dir.resolve(), *roots, *{e.path.resolve().parent for e in todo}]
    stop = threading.Event()  # the first Ctrl-C: start no new submission
    abandon = threading.Event()  # the second: keep nothing from the submissions in flight
    if cluster is not None:
        args = (course, assignment, seed, student, fingerprint, hide, draw_plots)
        restore = _handle_sigint(_sigint_handler(stop, abandon, on_interrupt))
        try:
            _cluster_batch(cluster, out_dir, summary, todo, args, stop, abandon, on_done, on_status)
        except BaseException:
            abandon.set()
            raise
        finally:
            summary.interrupted = stop.is_set()
            try:
                _finish(out_dir, summary)
            finally:
                restore()
        return summary
    closing = ExitStack()  # closes the sandbox (which may be any context manager in tests)
    try:
        sandbox = closing.enter_context(
            Sandbox(
                hide=hide,
                workers=max(1, jobs),
                require=course.sandbox.require,
                notebooks=matplotlib_ahead(e.path for e in todo),
                notebook_template=(
                    released_notebook(assignment)
                    if any(e.path.suffix == ".ipynb" for e in todo)
                    else None
                ),
            )
        )
    except SandboxUnavailable as exc:  # too little isolation here: grade nothing, say so
        _refuse_all(out_dir, summary, todo, course, assignment, seed, student, fingerprint, exc)
        _finish(out_dir, summary)
        return summary
    planner = closing.enter_context(  # (ended before the sandbox is)
        Planners(
            course,
            assignment,
            seed,
            jobs=jobs if planners else 1,
            count=len(todo),
            fingerprint=fingerprint,
            # only where student code runs as a uid of its own (see autograder.planner)
            may_start=lambda: "uid" in sandbox.isolation_info.get("layers", ()),
        )
    )

    def one(entry: Entry) -> dict | None:
        """results.json data for ``entry``; None when it was not (fully) graded."""
        if stop.is_set():
            return None
        path, name = entry.path, entry.name
        who = student or entry.student
        try:
            result: SubmissionResult = grade_submission(
                path,
                course,
                assignment,
                sandbox,
                student=who,
                seed=seed,
                draw_plots=draw_plots,
                fingerprint=fingerprint,
                submission=name,
                student_name=entry.student_name,
                planner=planner,
            )
            if abandon.is_set():  # cut short by our own shutdown: regraded next time
                return None
            write_submission(out_dir, result)
            return json.loads((out_dir / name / "results.json").read_text("utf-8"))
        except Exception as exc:  # our bug, not the student's: record it and go on
            if abandon.is_set():
                return None
            # (a report that failed to write included: recorded as an internal error,
            # which the next run regrades, never as a kept score)
            error = clean("".join(traceback.format_exception(exc)), 20_000, multiline=True)
            s = seed_for(course, assignment, who, seed)
            data = _internal_error_results(
                name, assignment, clean(who), s, max_score, error, fingerprint
            )
            with lock:
                summary.internal_errors.append(f"{name}: {clean(repr(exc))}")
            try:
                write_atomic(out_dir / name / "results.json", json.dumps(data, indent=1))
            except Exception as write_exc:  # still a row in grades.csv; the batch goes on
                with lock:
                    summary.internal_errors.append(
                        f"{name}: could not write its results.json: {clean(repr(write_exc))}"
                    )
            return data

    restore = _handle_sigint(_sigint_handler(stop, abandon, on_interrupt))
    # One thread more than there are zygotes: while each zygote runs a child, one thread makes
    # the next plan and writes its inputs, so that no zygote waits for the grader to finish
    # a submission's scores and reports before it gets its next one.
    pool = ThreadPoolExecutor(max_workers=max(1, jobs) + 1)
    try:
        futures = {pool.submit(one, e): e for e in todo}
        pending = set(futures)
        while pending and not abandon.is_set():
            done, pending = wait(pending, timeout=0.2, return_when=FIRST_COMPLETED)
            for fut in done:
                data = None if fut.cancelled() else fut.result()
                if data is None:
                    continue
                with lock:
                    summary.rows.append(grades_row(data))
                    summary.graded.append(futures[fut].name)
                if on_done:
                    on_done(futures[fut].name)
            if stop.is_set():
                for fut in pending:
                    fut.cancel()
    except BaseException:
        abandon.set()
        raise
    finally:
        if abandon.is_set():
            # Leave at once: nothing in flight is written (abandon is set before the sandbox
            # closes, so a call it cuts short is never taken for the student's doing).
            pool.shutdown(wait=False, cancel_futures=True)
        else:
            pool.shutdown(wait=True)
        closing.close()
        summary.interrupted = stop.is_set()
        try:
            _finish(out_dir, summary)  # still under our handler: a late Ctrl-C changes nothing
        finally:
            restore()
    if not had_profiles and summary.graded:
        save_cached_profiles(assignment, fingerprint)  # the next batch's first plans start warm
    return summary
