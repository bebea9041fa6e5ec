"""The ``relulab`` command: grade, release, export, and the demo on the bundled samples."""

from __future__ import annotations

import atexit
import os
import signal
import sys
import threading
from pathlib import Path

# The grader's own arithmetic is on arrays of a few dozen numbers: OpenBLAS's pool of threads
# would only cost its start (a second core's worth of CPU in every command) and its spinning.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import click  # noqa: E402 - after the line above, as numpy is imported after it

from autograder.sandbox import REQUIREMENTS, prestart  # noqa: E402
from autograder.text import clean  # noqa: E402

ASSIGNMENTS = ("shallow", "composition", "depth", "features", "backprop", "surfaces", "capacity")


def _course(path: Path | None):
    from autograder.course import CourseError, load_course

    try:
        return load_course(path)
    except CourseError as exc:
        raise click.ClickException(str(exc)) from None


def _run_batch(
    course,
    files: list[Path],
    assignment: str,
    out: Path,
    jobs: int,
    seed: int | None,
    force: bool,
    student: str | None,
    roster: dict | None = None,
    cluster: str | None = None,
) -> int:
    from rich.console import Console

    console = Console(stderr=True)
    try:
        return _batch_and_report(
            console, course, files, assignment, out, jobs, seed, force, student, roster, cluster
        )
    except Exception as exc:
        if cluster is not None:
            from autograder.cluster import ClusterError

            if isinstance(exc, ClusterError):
                raise click.ClickException(clean(str(exc), 2000)) from None
        raise
    except KeyboardInterrupt:  # a Ctrl-C outside the batch's own handling (before or after it)
        console.print("[yellow]interrupted[/]; run the same command again to go on")
        return 130


def _batch_and_report(
    console, course, files, assignment, out, jobs, seed, force, student, roster, cluster=None
) -> int:
    from rich.markup import escape
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from autograder.batch import grade_batch
    from autograder.grade import find_entries
    from autograder.plots import draw_failing_plots

    total = len(find_entries(files, roster)[0])
    with Progress(
        TextColumn(f"grading {assignment}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        *([TextColumn("{task.fields[status]}")] if cluster else []),
        console=console,
        disable=total <= 1,
        transient=False,
    ) as progress:
        task = progress.add_task("grade", total=total, status="starting the cluster")
        summary = grade_batch(
            files,
            course,
            assignment,
            out,
            jobs=jobs,
            seed=seed,
            force=force,
            student=student,
            on_done=lambda _stem: progress.advance(task),
            draw_plots=draw_failing_plots,
            roster=roster,
            cluster=cluster,
            planners=True,  # this command's main module is safe for them to import again
            on_status=lambda text: progress.update(task, status=text),
            on_interrupt=lambda kind: console.print(
                "[yellow]interrupted:[/] "
                + (
                    "finishing the submissions in flight, starting no others "
                    "(Ctrl-C again to abandon them)"
                    if kind == "stop"
                    else "abandoning the submissions in flight (they are graded next time)"
                ),
                highlight=False,
            ),
        )
    for w in summary.warnings:
        console.print(f"[yellow]warning:[/] {escape(clean(w, 2000))}", highlight=False)
    from autograder.report import points

    for row in sorted(summary.rows, key=lambda r: str(r["submission"])):
        flag = " (already graded)" if row["submission"] in summary.skipped else ""
        d = row.get("decimals", 2)
        why = f" — {clean(row['reason'], 160)}" if row.get("reason") else ""
        if row.get("status") == "internal error":
            why = " — internal grader error (regraded on the next run)"
        score = f"{points(row['score'], d)} / {points(row['max_score'], d)}"
        click.echo(f"{clean(row['submission'], 200)}: {score}{why}{flag}")
    click.echo(f"wrote {out / 'grades.csv'} and {out / 'summary.html'}")
    for err in summary.internal_errors:
        console.print(f"[red]internal grader error:[/] {escape(clean(err, 2000))}", highlight=False)
    if summary.interrupted:
        left = total - len(summary.rows)
        console.print(
            f"[yellow]interrupted:[/] {left} submission{'s' if left != 1 else ''} not graded; "
            "run the same command again to grade them",
            highlight=False,
        )
        return 130
    return 1 if summary.internal_errors else 0


def _installed(path: Path) -> bool:
    """Whether ``path`` is inside an installed package folder (site-packages, dist-packages)."""
    import site
    import sysconfig

    roots = {sysconfig.get_paths()[k] for k in ("purelib", "platlib")}
    roots |= set(site.getsitepackages()) | {site.getusersitepackages()}
    resolved = path.resolve()
    return any(resolved.is_relative_to(Path(r).resolve()) for r in roots if r) or any(
        part in ("site-packages", "dist-packages") for part in resolved.parts
    )


def _matplotlib_coming(paths: tuple[Path, ...]) -> bool:
    """Whether the notebooks among ``paths`` or in folders of them will need matplotlib itself
    (a guess, made before the submissions are looked for: it only decides what the sandbox
    imports ahead)."""
    from autograder.sandbox._launch import matplotlib_ahead

    def found():
        for p in paths:
            yield from p.rglob("*.ipynb") if p.is_dir() else [p]

    try:
        return matplotlib_ahead(found())
    except OSError:
        return False


def _check_cluster(cluster: str, jobs: int) -> None:
    """Refuse, before any grading, a --cluster that cannot work (also: distributed missing)."""
    from autograder.cluster import ClusterError, parse_cluster, require_distributed

    if jobs != 1:
        raise click.UsageError("--jobs is for grading here; with --cluster, use local:N instead")
    try:
        parse_cluster(cluster)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--cluster") from None
    try:
        require_distributed()
    except ClusterError as exc:
        raise click.ClickException(str(exc)) from None


def _check_out(out: Path) -> None:
    """Refuse, before any grading, an --out that is a file or cannot be written."""
    import tempfile

    if out.exists() and not out.is_dir():
        raise click.BadParameter(f"{out} is a file, not a folder", param_hint="--out")
    try:
        out.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=out):
            pass
    except OSError as exc:
        why = exc.strerror or str(exc)
        raise click.BadParameter(f"cannot write into {out}: {why}", param_hint="--out") from None


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="relulab")
def main() -> None:
    """relulab: a course kit on how ReLU networks build functions, and its autograder."""
    # course.yml is read with pydantic models of our own: no third-party pydantic plugin (an
    # entry point of any installed package) runs in the grader, and none is looked for.
    os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")


@main.command()
@click.argument(
    "submissions", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path)
)
@click.option(
    "--assignment", "-a", required=True, type=click.Choice(ASSIGNMENTS), help="Assignment to grade."
)
@click.option(
    "--out",
    "out",
    default=Path("graded"),
    type=click.Path(path_type=Path),
    show_default=True,
    help="Folder for results.json, feedback.html and grades.csv.",
)
@click.option(
    "--jobs",
    "-j",
    default=1,
    type=click.IntRange(1, 64),
    show_default=True,
    help="Submissions graded in parallel.",
)
@click.option(
    "--seed", default=None, type=click.IntRange(0), help="Base seed (default: course.yml)."
)
@click.option("--force", is_flag=True, help="Regrade submissions already graded in --out.")
@click.option(
    "--student-id", default=None, help="Student id for the seed (default: the file stem)."
)
@click.option(
    "--course",
    "course_path",
    default=None,
    type=click.Path(path_type=Path, dir_okay=False),
    help="course.yml to use (default: the course's own).",
)
@click.option(
    "--force-assignment",
    is_flag=True,
    help="Grade notebooks whose metadata names another assignment.",
)
@click.option(
    "--roster",
    "roster_path",
    default=None,
    type=click.Path(path_type=Path, dir_okay=False, exists=True),
    help="CSV with columns file,student[,name] mapping file or folder names to student ids.",
)
@click.option(
    "--require-isolation",
    "require",
    multiple=True,
    type=click.Choice(REQUIREMENTS),
    help="Refuse to grade unless the sandbox gives this layer (repeatable; adds to course.yml's "
    "sandbox.require). 'allow-list' is pivot_root or landlock.",
)
@click.option(
    "--cluster",
    default=None,
    metavar="ADDRESS|local[:N]",
    help="Grade on a Dask cluster: a scheduler address (tcp://host:8786), or local[:N] for N "
    "worker processes here. Needs relulab[cluster]; see docs/cluster.md.",
)
def grade(
    submissions: tuple[Path, ...],
    assignment: str,
    out: Path,
    jobs: int,
    seed: int | None,
    force: bool,
    student_id: str | None,
    course_path: Path | None,
    roster_path: Path | None,
    force_assignment: bool,
    require: tuple[str, ...],
    cluster: str | None,
) -> None:
    """Grade .py / .ipynb submissions (or folders of them) on hidden per-student instances.

    A folder's own files are one submission each (the student id is the file stem); its
    sub-folders are one submission per student (the folder name is the student id; the newest
    gradable file inside is graded); files named one by one that share a name, each in a folder
    of its own (subs/*/composition.py), are their folders' students too. Canvas, Moodle and
    Blackboard download names give the student id they hold: NAME_USERID_SUBMISSIONID_FILE
    (Canvas), FULL NAME_ID_assignsubmission_file_FILE (Moodle),
    ASSIGNMENT_USER_attempt_TIME_FILE (Blackboard). --roster maps names to ids explicitly.
    """
    if cluster is None:  # the sandbox's processes import their libraries while this goes on
        prestart(jobs, notebooks=_matplotlib_coming(submissions))
    from autograder.grade import course_problems
    from autograder.layout import LayoutError, find_entries, read_roster, wrong_assignment

    course = _course(course_path)
    if assignment not in course.names:
        raise click.BadParameter(f"{assignment!r} is not in course.yml", param_hint="--assignment")
    if require:
        wanted = list(dict.fromkeys([*course.sandbox.require, *require]))
        course = course.model_copy(
            update={"sandbox": course.sandbox.model_copy(update={"require": wanted})}
        )
    problems = course_problems(course, assignment)
    if problems:
        where = course_path or "course.yml"
        raise click.ClickException("\n".join(f"{where}: {p}" for p in problems))
    try:
        roster = read_roster(roster_path) if roster_path else None
    except LayoutError as exc:
        raise click.UsageError(str(exc)) from None
    found, warnings = find_entries(list(submissions), roster)
    if not found:
        reasons = "; ".join(clean(w, 300) for w in warnings[:5])
        raise click.UsageError(f"nothing to grade ({reasons})" if reasons else "nothing to grade")
    wrong = [] if force_assignment else wrong_assignment(found, assignment)
    if wrong:
        raise click.UsageError(
            "\n".join(wrong) + "\n(grade them with their own --assignment, or pass "
            "--force-assignment to grade them as this one)"
        )
    if cluster is not None:
        _check_cluster(cluster, jobs)
    _check_out(out)
    if student_id is not None:
        if len(found) > 1:
            raise click.UsageError(
                f"--student-id sets the seed of one student, but {len(found)} submissions were "
                "found; grade them without it (each file stem is its student id) or one at a time"
            )
    status = _run_batch(
        course, list(submissions), assignment, out, jobs, seed, force, student_id, roster, cluster
    )
    # Everything is written: a Ctrl-C arriving while Python shuts down cannot change it, and
    # must not turn the status (130 after an interrupt) into a death by signal.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    sys.exit(status)


@main.command()
@click.argument(
    "out", type=click.Path(path_type=Path, file_okay=False, exists=True), default=Path("graded")
)
def summary(out: Path) -> None:
    """Rebuild OUT/summary.html (default graded/) from the results.json files in OUT."""
    from autograder.summary import load_results, write_summary

    if not load_results(out):
        raise click.UsageError(f"{out} holds no <submission>/results.json to summarise")
    click.echo(f"wrote {write_summary(out)}")


@main.command()
@click.option("--out", default=Path("demo"), type=click.Path(path_type=Path), show_default=True)
@click.option("--jobs", "-j", default=2, type=click.IntRange(1, 64), show_default=True)
def demo(out: Path, jobs: int) -> None:
    """Batch-grade the bundled sample submissions of every assignment into OUT/<assignment>/."""
    from autograder.paths import course_root

    course = _course(None)
    status = 0
    for name in course.names:
        folder = course_root() / "samples" / name
        if folder.is_dir():
            click.echo(f"== {name}")
            status |= _run_batch(course, [folder], name, out / name, jobs, None, True, None)
    click.echo(f"feedback reports: {out}/<assignment>/<submission>/feedback.html")
    sys.exit(status)


@main.command()
@click.argument("dest", type=click.Path(path_type=Path))
def release(dest: Path) -> None:
    """Write the student bundle: exercise notebooks and their public checks, nothing else."""
    from autograder.release import build_release

    if _installed(dest):
        raise click.BadParameter(
            f"{dest} is inside the installed packages (site-packages); choose a folder of yours",
            param_hint="DEST",
        )
    for path in build_release(dest):
        click.echo(path)


@main.command()
@click.option("--check", is_flag=True, help="Write nothing; fail if exercises/ is out of date.")
def exercises(check: bool) -> None:
    """Regenerate exercises/ from solutions/ (strip solution regions)."""
    from autograder.notebooks import generate_exercises
    from autograder.paths import course_root

    root = course_root()
    if not check and _installed(root):
        raise click.ClickException(
            f"the course is installed in {root} (site-packages), not a source checkout: "
            "'relulab exercises' regenerates a checkout's exercises/ from its solutions/; "
            "clone the course's repository and run it there"
        )
    changed = generate_exercises(root, check=check)
    for path in changed:
        click.echo(f"{'out of date' if check else 'wrote'}: {path}")
    if check and changed:
        sys.exit(1)


@main.group()
def export() -> None:
    """Export the course to nbgrader, otter-grader or Gradescope."""


@export.command("nbgrader")
@click.argument("dest", type=click.Path(path_type=Path))
def export_nbgrader(dest: Path) -> None:
    """An nbgrader course directory: nbgrader_config.py and source/<a>/<a>.ipynb."""
    from autograder.export.nbgrader import export as run

    click.echo(run(dest))


@export.command("otter")
@click.argument("dest", type=click.Path(path_type=Path))
def export_otter(dest: Path) -> None:
    """otter-assign master notebooks: DEST/<a>/<a>.ipynb."""
    from autograder.export.otter import export as run

    click.echo(run(dest))


@export.command("gradescope")
@click.argument("dest", type=click.Path(path_type=Path))
def export_gradescope(dest: Path) -> None:
    """One Gradescope autograder zip per assignment: DEST/<a>.zip."""
    from autograder.export.gradescope import export as run

    click.echo(run(dest))


def entry() -> None:
    """The ``relulab`` command: :func:`main`, then a quick exit.

    When a command returns, its files are written and closed and every sandboxed process is
    dead. A normal exit would then run the exit handlers (run here too) and tear the
    interpreter down module by module, some 80 ms of every command, for memory the process is
    about to give back. The quick exit is taken only when no thread is left that a normal exit
    would wait for; an exception that is not click's own exit leaves as it would anyway."""
    try:
        main()
        code: object = 0
    except SystemExit as exc:
        code = exc.code
    if any(
        t.is_alive() and not t.daemon
        for t in threading.enumerate()
        if t is not threading.main_thread()
    ):
        sys.exit(code)
    if code is None:
        code = 0
    elif not isinstance(code, int):
        print(code, file=sys.stderr)  # what sys.exit("text") prints
        code = 1
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a closed pipe: nothing more can reach it
            pass
    os._exit(code & 0xFF)


if __name__ == "__main__":  # pragma: no cover
    entry()
