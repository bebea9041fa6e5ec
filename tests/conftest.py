"""Suite-wide settings: tests that count sandboxed processes run on one xdist worker."""

from __future__ import annotations

import os

import pytest
from hypothesis import settings

# CI replays the same examples every run (a landing must not hinge on a random draw); a
# developer's run explores new ones. RELULAB_HYPOTHESIS_PROFILE=ci selects the former.
settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("RELULAB_HYPOTHESIS_PROFILE"):
    settings.load_profile(os.environ["RELULAB_HYPOTHESIS_PROFILE"])


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # These tests assert that no sandboxed process is left alive; running them on one worker
    # keeps another test's short-lived children from being mistaken for survivors.
    for item in items:
        path = str(item.path)
        if "/sandbox/" in path or "hostile" in path:
            item.add_marker(pytest.mark.xdist_group("sandbox"))
