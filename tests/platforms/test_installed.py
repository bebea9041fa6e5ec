"""Installed from a wheel, not cloned: the exports build from the installed package."""

from __future__ import annotations

import io
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from autograder.export import build_wheel

pytestmark = pytest.mark.platform


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """relulab's wheel installed (without its dependencies, which this venv has) in a folder."""
    tmp = tmp_path_factory.mktemp("installed")
    wheel = build_wheel(tmp / "wheel")
    target = tmp / "site"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(target),
         str(wheel)],
        check=True,
    )  # fmt: skip
    assert not (target / "pyproject.toml").exists()
    return target


def _relulab(installed: Path, *args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = {"PYTHONPATH": str(installed), "PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin"}
    return subprocess.run(
        [sys.executable, "-m", "autograder.cli", *args],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=cwd,
        env=env,
    )


@pytest.mark.parametrize("kind", ["gradescope", "otter", "nbgrader"])
def test_every_export_works_from_an_installed_wheel(installed: Path, tmp_path: Path, kind):
    proc = _relulab(installed, "export", kind, str(tmp_path / kind), cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "Traceback" not in proc.stderr
    assert any((tmp_path / kind).iterdir())
    if kind == "gradescope":  # the zip ships the installed package, packed again, complete
        with zipfile.ZipFile(tmp_path / kind / "composition.zip") as zf:
            name = next(n for n in zf.namelist() if n.endswith(".whl"))
            inner = zipfile.ZipFile(io.BytesIO(zf.read(name)))
        files = set(inner.namelist())
        for needed in ("autograder/_course/course.yml", "autograder/export/gradescope_run.py",
                       "reference/composition.py", "relulab-0.1.0.dist-info/RECORD"):  # fmt: skip
            assert needed in files
        rewheel = tmp_path / name
        rewheel.write_bytes(inner.fp.getvalue())
        check = subprocess.run(
            [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target",
             str(tmp_path / "again"), str(rewheel)],
            capture_output=True, text=True,
        )  # fmt: skip
        assert check.returncode == 0, check.stderr
        assert (tmp_path / "again" / "autograder" / "_course" / "course.yml").is_file()
