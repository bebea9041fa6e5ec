"""Shared fixtures for the sandbox tests: one warm sandbox per module, helpers to write code."""

from __future__ import annotations

import os
import shutil
import tempfile
import textwrap
from pathlib import Path

import pytest

from autograder.sandbox import Sandbox


@pytest.fixture(scope="module")
def secret_dir():
    # Outside /tmp on purpose: the child's fresh /tmp would hide a folder there anyway.
    cache = Path(__file__).resolve().parents[3] / ".pytest_cache"
    cache.mkdir(exist_ok=True)
    folder = Path(tempfile.mkdtemp(prefix="sandbox-hidden-", dir=cache))
    (folder / "answers.txt").write_text("TOP-SECRET-ANSWER-KEY")
    os.chmod(folder, 0o755)
    os.chmod(folder / "answers.txt", 0o644)  # readable by anyone: only the mount hides it
    os.chmod(cache, 0o755)
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="module")
def box(secret_dir):
    with Sandbox(hide=[secret_dir], workers=2) as sandbox:
        yield sandbox


@pytest.fixture()
def write(tmp_path):
    def _write(source: str, name: str = "sub.py") -> Path:
        path = tmp_path / name
        path.write_text(textwrap.dedent(source))
        return path

    return _write
