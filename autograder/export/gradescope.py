"""``relulab export gradescope DIR``: one Gradescope autograder zip per assignment.

``DIR/<assignment>.zip`` holds, at its root:

* ``relulab-<version>-py3-none-any.whl``: this checkout built as a wheel (grader, hidden cases,
  reference, course.yml);
* ``setup.sh``: run once, as root, when Gradescope builds the image: installs Python and the
  wheel into the venv ``/opt/relulab``, makes sure the unprivileged user ``nobody`` exists (the
  sandbox runs student code as that user), and makes the grader's files readable by root only;
* ``run_autograder``: a thin shell script around :mod:`autograder.export.gradescope_run`, which
  grades ``$AUTOGRADER_ROOT/submission`` (default ``/autograder``) and always writes
  ``$AUTOGRADER_ROOT/results/results.json``. ``RELULAB_PYTHON`` overrides the interpreter (to run
  it outside a container with another environment).
"""

from __future__ import annotations

import json
import stat
import tempfile
import zipfile
from pathlib import Path

from autograder.course import Assignment, Course
from autograder.export import build_wheel, course_and_root

VENV = "/opt/relulab"

SETUP = """#!/usr/bin/env bash
# Gradescope image setup for relulab assignment {name!r} (runs once, as root).
set -euxo pipefail
SOURCE="$(cd "$(dirname "${{BASH_SOURCE[0]}}")" && pwd)"
export DEBIAN_FRONTEND=noninteractive
apt-get update
apt-get install -y --no-install-recommends python3 python3-venv python3-pip
python3 -m venv {venv}
{venv}/bin/python -m pip install --no-cache-dir --upgrade pip
{venv}/bin/python -m pip install --no-cache-dir "$SOURCE/{wheel}"
{venv}/bin/python -c "import autograder.export.gradescope_run, reference"

# Student code runs in relulab's sandbox as the unprivileged user nobody.
id -u nobody >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin nobody

# The grader, hidden cases, reference and solutions: root only. numpy & co stay readable.
SITE="$({venv}/bin/python -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')"
chmod -R go-rwx "$SITE/autograder" "$SITE/reference" "$SOURCE"
chmod 700 "$SOURCE"
"""

RUN = """#!/usr/bin/env bash
# Gradescope entry point for relulab assignment {name!r}: grades $AUTOGRADER_ROOT/submission.
set -u
export AUTOGRADER_ROOT="${{AUTOGRADER_ROOT:-/autograder}}"
PYTHON="${{RELULAB_PYTHON:-{venv}/bin/python}}"
"$PYTHON" -m autograder.export.gradescope_run --assignment {name} --max-score {max_score:g}
status=$?
RESULTS="$AUTOGRADER_ROOT/results/results.json"
if [ ! -s "$RESULTS" ]; then
  # the runner could not even start: still leave a valid result
  mkdir -p "$AUTOGRADER_ROOT/results"
  cat > "$RESULTS" <<'EOF'
{fallback}
EOF
fi
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
            "output": "The autograder could not run; course staff have been told.",
            "tests": [],
        }
    )
    return RUN.format(name=a.name, venv=VENV, max_score=a.max_score, fallback=fallback)


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
        for a in course.assignments:
            target = dest / f"{a.name}.zip"
            part = target.with_suffix(".zip.tmp")
            with zipfile.ZipFile(part, "w") as zf:
                _add(zf, "setup.sh", setup_sh(a, wheel.name), executable=True)
                _add(zf, "run_autograder", run_autograder(a), executable=True)
                _add(zf, wheel.name, data)
            part.replace(target)
    return dest


__all__ = ["VENV", "export", "run_autograder", "setup_sh"]
