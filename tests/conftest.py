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


@pytest.hookimpl(tryfirst=True)  # before xdist's own, which files each test by its group
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # These tests assert that no sandboxed process is left alive; running them on one worker
    # keeps another test's short-lived children from being mistaken for survivors.
    for item in items:
        path = str(item.path)
        if "/sandbox/" in path or "hostile" in path:
            item.add_marker(pytest.mark.xdist_group("sandbox"))


_LOST_GROUP: set[str] = set()  # grouped tests whose id lacks the group (see below)


@pytest.hookimpl(trylast=True)
def pytest_collection_finish(session: pytest.Session) -> None:
    """On an xdist worker of ``--dist loadgroup``, every grouped test's id must carry its
    group (xdist sends tests to workers by it): a pytest and xdist that no longer agree on
    that would spread a group over workers in silence (two builds of one image at once, a
    sandbox test's survivors check seeing another test's processes). Such tests fail."""
    if getattr(session.config.option, "loadgroup", False):
        _LOST_GROUP.update(
            item.nodeid
            for item in session.items
            if item.get_closest_marker("xdist_group") and "@" not in item.nodeid
        )


def pytest_runtest_setup(item: pytest.Item) -> None:
    if item.nodeid in _LOST_GROUP:
        pytest.fail(
            f"--dist loadgroup lost this test's xdist_group: this pytest ({pytest.__version__}) "
            "and pytest-xdist do not work together (see the pin in pyproject.toml)",
            pytrace=False,
        )
