"""``relulab export gradescope DIR``: one Gradescope autograder zip per assignment.

``DIR/<assignment>.zip`` holds, at its root:

* ``relulab-<version>-py3-none-any.whl``: this checkout built as a wheel (grader, hidden cases,
  reference, course.yml);
* ``constraints.txt``: the versions of everything installed where the zip was exported;
* ``setup.sh``: run once, as root, when Gradescope builds the image: installs Python and the
  wheel (pinned by constraints.txt) into the venv ``/opt/relulab``, keeps everything the grader
  reads root's and writable by nobody else, makes the grader's files readable by root only, and
  prints the isolation the image gives;
* ``run_autograder``: a thin shell script around :mod:`autograder.export.gradescope_run`, which
  grades ``$AUTOGRADER_ROOT/submission`` (default ``/autograder``) into a private folder, refusing
  to grade without a separate uid and an allow-list (REQUIRE), and then moves the result to
  ``$AUTOGRADER_ROOT/results/results.json`` (always leaving a valid one). ``RELULAB_PYTHON``
  overrides the interpreter (to run it outside a container with another environment).
"""

from __future__ import annotations

import json
import stat
import tempfile
import zipfile
from pathlib import Path

from autograder.course import Assignment, Course
from autograder.export.common import build_wheel, course_and_root

VENV = "/opt/relulab"

REQUIRE = ("uid", "allow-list")  # what the zip's runner refuses to grade without

SETUP = """#!/usr/bin/env bash
# Gradescope image setup for relulab assignment {name!r} (runs once, as root, at image build).
#
# The image needs Ubuntu 22.04 or newer, or Debian 12 or newer, with the archive components
# that carry python3-venv and python3-pip (Ubuntu: main + universe). At grading time
# run_autograder runs as root with Docker's default privileges; the sandbox then runs student
# code as its own unprivileged uid under Landlock and seccomp ("container" mode).
set -euxo pipefail
SOURCE="$(cd "$(dirname "${{BASH_SOURCE[0]}}")" && pwd)"
export DEBIAN_FRONTEND=noninteractive
. /etc/os-release || true
case "${{ID:-}}:${{VERSION_ID:-0}}" in
  ubuntu:2[2-9].*|ubuntu:[3-9]*|debian:1[2-9]*|debian:[2-9][0-9]*) ;;
  *) echo "relulab: untested base image ${{PRETTY_NAME:-unknown}}; needs Ubuntu 22.04+ or Debian 12+" >&2 ;;
esac
apt-get update
apt-get install -y --no-install-recommends python3 python3-venv python3-pip
python3 -m venv {venv}
# Pinned: the versions the course was exported with (constraints.txt). An image whose Python
# cannot install them (another minor version) falls back to the newest compatible ones, loudly.
if ! {venv}/bin/python -m pip install --no-cache-dir -c "$SOURCE/constraints.txt" "$SOURCE/{wheel}"; then
  echo "relulab: WARNING: the pinned versions do not install on $({venv}/bin/python -V); installing unpinned" >&2
  {venv}/bin/python -m pip install --no-cache-dir "$SOURCE/{wheel}"
fi
{venv}/bin/python -c "import autograder.export.gradescope_run, reference"
# The case profiles every run would otherwise work out first (up to seconds), once, here.
{venv}/bin/python -m autograder.export.gradescope_run --assignment {name} --prepare

# Everything the grader reads or runs is root's and writable by nobody else: the sandbox
# refuses to start if the sandbox user could write to the interpreter or its packages.
chown -R root:root {venv}
chmod -R go-w {venv}
# The grader, hidden cases, reference and solutions: root only. numpy & co stay readable.
SITE="$({venv}/bin/python -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')"
chmod -R go-rwx "$SITE/autograder" "$SITE/reference" "$SOURCE"
chmod 700 "$SOURCE"
# Which isolation this image gives (the build itself runs with Docker's defaults too). Last,
# once nothing else changes: what its sandbox caches (installed files, font list) every
# run then finds in the image.
{venv}/bin/python -m autograder.export.gradescope_run --assignment {name} --check-isolation || true
"""

RUN = """#!/usr/bin/env bash
# Gradescope entry point for relulab assignment {name!r}: grades $AUTOGRADER_ROOT/submission.
# The runner writes its results into a private folder once every student process is dead;
# only then is the file moved into results/. Whatever happens to the runner, a valid
# results.json is left.
set -u
export AUTOGRADER_ROOT="${{AUTOGRADER_ROOT:-/autograder}}"
PYTHON="${{RELULAB_PYTHON:-{venv}/bin/python}}"
RESULTS="$AUTOGRADER_ROOT/results/results.json"
# Shell tests where they suffice: every program started here delays the grade.
[ -d "$AUTOGRADER_ROOT/results" ] || mkdir -p "$AUTOGRADER_ROOT/results"
if [ -e "$RESULTS" ] || [ -L "$RESULTS" ]; then rm -f "$RESULTS"; fi
PRIVATE="$(mktemp -d "$AUTOGRADER_ROOT/results/.relulab.XXXXXX")"
"$PYTHON" -m autograder.export.gradescope_run --assignment {name} --max-score {max_score:g} \\
  --results "$PRIVATE/results.json" --require {require}
# The runner writes its JSON whole and then renames it into place: there is a complete file
# or none (no second interpreter needed to check it).
if [ -f "$PRIVATE/results.json" ] && [ -s "$PRIVATE/results.json" ]; then
  mv -f "$PRIVATE/results.json" "$RESULTS"
else
  # the runner died or was killed before it wrote a result: still leave a valid one
  cat > "$RESULTS" <<'EOF'
{fallback}
EOF
fi
rm -rf "$PRIVATE"
exit 0
"""


def setup_sh(a: Assignment, wheel: str) -> str:
    """setup.sh of an assignment's zip."""
    return SETUP.format(name=a.name, venv=VENV, wheel=wheel)


def run_autograder(a: Assignment) -> str:
    """run_autograder of an assignment's zip."""
    fallback = json.dumps(
        {
            "score": 0.0,
            "max_score": a.max_score,
            "output": "The autograder could not finish; course staff have been told. "
            "Your work is not lost: it will be regraded.",
            "tests": [],
            "extra_data": {"relulab": {"internal_error": "the runner left no result"}},
        }
    )
    return RUN.format(
        name=a.name,
        venv=VENV,
        max_score=a.max_score,
        fallback=fallback,
        require=",".join(REQUIRE),
    )


def constraints() -> str:
    """constraints.txt: ``name==version`` of every distribution installed here but relulab.

    Constraints only pin what gets installed; the extra lines (test tools, say) do nothing."""
    import importlib.metadata as metadata

    pins = {}
    for dist in metadata.distributions():
        name = dist.metadata.get("Name")
        if name and name.lower() != "relulab":
            pins[name.lower()] = f"{name}=={dist.version}"
    return "".join(f"{pins[k]}\n" for k in sorted(pins))


def _add(zf: zipfile.ZipFile, name: str, data: bytes | str, executable: bool = False) -> None:
    info = zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0))
    info.compress_type = zipfile.ZIP_DEFLATED
    mode = 0o755 if executable else 0o644
    info.external_attr = (stat.S_IFREG | mode) << 16
    zf.writestr(info, data)


def export(
    dest: Path,
    *,
    course: Course | None = None,
    root: Path | None = None,
    wheel: Path | None = None,
) -> Path:
    """Write ``dest/<assignment>.zip`` for every assignment; returns ``dest``.

    ``wheel``: a relulab wheel to ship (default: built from the checkout at ``root``).
    """
    course, root = course_and_root(course, root)
    dest = Path(dest).resolve()
    dest.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="relulab-gradescope-") as tmp:
        wheel = Path(wheel) if wheel is not None else build_wheel(Path(tmp), root)
        data = wheel.read_bytes()
        pins = constraints()
        for a in course.assignments:
            target = dest / f"{a.name}.zip"
            part = target.with_suffix(".zip.tmp")
            with zipfile.ZipFile(part, "w") as zf:
                _add(zf, "setup.sh", setup_sh(a, wheel.name), executable=True)
                _add(zf, "run_autograder", run_autograder(a), executable=True)
                _add(zf, "constraints.txt", pins)
                _add(zf, wheel.name, data)
            part.replace(target)
    return dest


__all__ = ["REQUIRE", "VENV", "constraints", "export", "run_autograder", "setup_sh"]
