"""The allow-list of the child's file system (autograder/sandbox/_fsview.py)."""

from __future__ import annotations

import json
import os
import sys
import sysconfig
from pathlib import Path

import numpy

from autograder.sandbox._fsview import View, python_view, writable_by

SANDBOX = 65000


def test_the_view_holds_numpy_and_the_stdlib_but_never_the_grader():
    view = python_view(hide=[str(Path(__file__).resolve().parents[3])])
    names = {os.path.basename(e) for e in view.entries}
    assert {"numpy", "matplotlib", "nbformat"} <= names
    assert not names & {"autograder", "reference", "_course", "pytest", "yaml", "pydantic"}
    assert view.stdlib == os.path.abspath(sysconfig.get_paths()["stdlib"])
    read_only, writable, _listable = view.landlock_rules()
    assert os.path.join(view.stdlib, "json") in read_only  # the stdlib, entry by entry ...
    assert os.path.join(view.stdlib, "site-packages") not in read_only  # ... without its own
    assert str(Path(numpy.__file__).parent) in read_only and writable == ["/dev/null"]


def test_an_entry_holding_a_hidden_path_is_never_granted(tmp_path):
    numpy_dir = str(Path(numpy.__file__).parent)
    view = python_view(hide=[os.path.join(numpy_dir, "linalg")])
    assert numpy_dir not in view.entries


def _tree(tmp_path: Path) -> View:
    lib = tmp_path / "lib"
    (lib / "pkg" / "sub").mkdir(parents=True)
    (lib / "pkg" / "sub" / "mod.py").write_text("x = 1\n")
    for path in (tmp_path, lib, lib / "pkg", lib / "pkg" / "sub"):
        path.chmod(0o755)
    (lib / "pkg" / "sub" / "mod.py").chmod(0o644)
    return View(str(lib), [], [str(lib / "pkg")], [str(lib)], [])


def test_writable_files_are_found_deep_or_at_the_top(tmp_path):
    view = _tree(tmp_path)
    interpreter = os.path.dirname(sys.executable)
    assert writable_by(view, SANDBOX, SANDBOX) in (None, interpreter)
    mod = tmp_path / "lib" / "pkg" / "sub" / "mod.py"
    mod.chmod(0o646)  # world-writable, deep inside an allowed package
    assert writable_by(view, SANDBOX, SANDBOX) == str(mod)
    assert writable_by(view, SANDBOX, SANDBOX, deep=False) is None  # Landlock guards it
    mod.chmod(0o644)
    if os.geteuid() == 0:  # owned by the sandbox uid: writable whatever the mode
        os.chown(mod, SANDBOX, 0)
        assert writable_by(view, SANDBOX, SANDBOX) == str(mod)
    (tmp_path / "lib" / "pkg").chmod(0o777)  # an allowed folder itself: always refused
    assert writable_by(view, SANDBOX, SANDBOX, deep=False) == str(tmp_path / "lib" / "pkg")


def test_what_is_installed_is_read_as_importlib_metadata_reads_it():
    """The view reads RECORD and METADATA itself (thousands of files, long descriptions): the
    same tops and requirements as importlib.metadata's own parsing, for every installed
    distribution here, and a view from what installed() found earlier is the same view."""
    from importlib import metadata

    from autograder.sandbox import _fsview

    dists = list(metadata.distributions())
    assert len(dists) > 20
    for dist in dists:
        tops = {f.parts[0] if f.parts else "" for f in dist.files or []}
        assert _fsview._top_names(dist) == tops, dist.metadata["Name"]
        assert _fsview._requires(dist) == list(dist.requires or []), dist.metadata["Name"]
    found = _fsview.installed()
    hide = [str(Path(numpy.__file__).parent / "linalg")]
    assert python_view(hide, found=found) == python_view(hide)


def _fresh(tmp_path: Path):
    """installed() without a cache, and the folder a cached call keeps its entries in."""
    from autograder.sandbox import _fsview

    cache = tmp_path / "cache"
    cache.mkdir(mode=0o700)
    return _fsview, _fsview.installed(), str(cache)


def test_installed_entries_kept_between_starts_are_what_a_fresh_look_finds(tmp_path):
    fsview, fresh, cache = _fresh(tmp_path)
    first = fsview.installed(cache=cache)  # looks, and keeps what it found
    (kept,) = Path(cache).glob("installed-*.json")
    assert kept.stat().st_mode & 0o777 == 0o600
    assert fsview._cached_entries(cache, fsview._entries_key(fsview.DISTRIBUTIONS)) == set(
        fresh.entries
    )
    assert first == fresh == fsview.installed(cache=cache)


def test_kept_entries_are_used_only_while_sys_path_is_unchanged(tmp_path, monkeypatch):
    fsview, fresh, cache = _fresh(tmp_path)
    fsview.installed(cache=cache)
    (kept,) = Path(cache).glob("installed-*.json")
    data = json.loads(kept.read_text())
    numpy_dir = str(Path(numpy.__file__).parent)
    data["entries"].remove(numpy_dir)  # what an older install found
    kept.write_text(json.dumps(data))
    key = fsview._entries_key(fsview.DISTRIBUTIONS)
    assert numpy_dir not in fsview._cached_entries(cache, key)  # read as kept ...
    site = Path(numpy_dir).parent
    monkeypatch.setattr(sys, "path", [*sys.path, str(tmp_path)])  # ... until sys.path changes
    assert fsview._cached_entries(cache, fsview._entries_key(fsview.DISTRIBUTIONS)) is None
    monkeypatch.undo()
    st = site.stat()  # or a package is installed or removed in one of its folders
    os.utime(site, ns=(st.st_atime_ns, st.st_mtime_ns + 1))
    try:
        assert fsview._cached_entries(cache, fsview._entries_key(fsview.DISTRIBUTIONS)) is None
        assert numpy_dir in fsview.installed(cache=cache).entries  # looked again, and kept
        assert numpy_dir in json.loads(kept.read_text())["entries"]
    finally:
        os.utime(site, ns=(st.st_atime_ns, st.st_mtime_ns))


def test_kept_entries_that_anyone_else_could_have_written_are_not_trusted(tmp_path):
    """The kept entries become the allow-list: a file others can write, a link, or entries
    that are no installed names are looked up again rather than believed."""
    fsview, fresh, cache = _fresh(tmp_path)
    fsview.installed(cache=cache)
    (kept,) = Path(cache).glob("installed-*.json")
    key = fsview._entries_key(fsview.DISTRIBUTIONS)
    good = kept.read_text()
    kept.chmod(0o620)
    assert fsview._cached_entries(cache, key) is None
    kept.chmod(0o600)
    for planted in ("/", "/etc", str(tmp_path / "gone")):
        data = json.loads(good)
        data["entries"].append(planted)
        kept.write_text(json.dumps(data))
        assert fsview._cached_entries(cache, key) is None, planted
        assert fsview.installed(cache=cache) == fresh
    real = tmp_path / "elsewhere.json"
    real.write_text(good)
    real.chmod(0o600)
    kept.unlink()
    kept.symlink_to(real)
    assert fsview._cached_entries(cache, key) is None
    if os.geteuid() == 0:
        kept.unlink()
        kept.write_text(good)
        kept.chmod(0o600)
        os.chown(kept, SANDBOX, SANDBOX)  # another user's file, even with a closed mode
        assert fsview._cached_entries(cache, key) is None
