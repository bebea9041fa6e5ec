"""Suite-wide settings: tests that count sandboxed processes run on one xdist worker."""

from __future__ import annotations

import pytest


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # These tests assert that no sandboxed process is left alive; running them on one worker
    # keeps another test's short-lived children from being mistaken for survivors.
    for item in items:
        path = str(item.path)
        if "/sandbox/" in path or "hostile" in path:
            item.add_marker(pytest.mark.xdist_group("sandbox"))
