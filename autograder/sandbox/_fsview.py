"""The child's view of the file system: an allow-list, and a root built from it.

Knows nothing of grading. :func:`python_view` lists what running Python code with numpy (and,
for notebooks, nbformat and matplotlib) needs: the standard library without its site-packages,
the installed folders of those distributions and of everything they require, a few device
files. Nothing else exists for the child: not the grader's checkout or packages, other virtual
environments, /etc, /root, /home, /proc or the folders of other submissions.

Two ways to enforce it: :func:`prepare_root` and :func:`enter_root` (mount namespace: a tmpfs
holding read-only bind mounts of exactly those paths, entered with pivot_root) and the rule lists for Landlock
(:meth:`View.landlock_rules`), which work without any privilege.
"""

from __future__ import annotations

import csv
import ctypes
import json
import os
import re
import stat
import sys
import sysconfig
import zlib
from dataclasses import dataclass, field

DISTRIBUTIONS = ("numpy", "matplotlib", "nbformat")  # what submissions and notebooks import
NEVER = ("relulab",)  # the grader's own distribution, whatever its requirements say
# System libraries that manylinux wheels may link against (numpy's extensions need libstdc++),
# found by the dynamic loader the way a lazily imported extension module would find them.
SYSTEM_SONAMES = (
    "libc.so.6",
    "libm.so.6",
    "libdl.so.2",
    "libpthread.so.0",
    "librt.so.1",
    "libgcc_s.so.1",
    "libstdc++.so.6",
    "libz.so.1",
)
DEVICES_RW = ("/dev/null",)
DEVICES_RO = ("/dev/zero", "/dev/urandom", "/dev/random", "/dev/full")

MS_RDONLY, MS_NOSUID, MS_NODEV = 1, 2, 4
MS_REMOUNT, MS_BIND, MS_REC, MS_PRIVATE = 32, 4096, 16384, 1 << 18
MNT_DETACH = 2
_PIVOT_ROOT = {"x86_64": 155, "aarch64": 41}  # system call numbers

_libc = ctypes.CDLL(None, use_errno=True)


@dataclass
class View:
    """What the child may see. Paths are as Python uses them (sys.path, module files).

    stdlib: the standard library folder; hidden_in_stdlib: its site-packages folders (other
    installations' packages live there); entries: installed files and folders of the allowed
    distributions; listable: the folders holding entries (their names may be listed, their
    other files not read); libraries: shared-library files outside those (libc, libstdc++,
    the loader's cache).
    """

    stdlib: str
    hidden_in_stdlib: list[str] = field(default_factory=list)
    entries: list[str] = field(default_factory=list)
    listable: list[str] = field(default_factory=list)
    libraries: list[str] = field(default_factory=list)

    def landlock_rules(self) -> tuple[list[str], list[str], list[str]]:
        """(read_only, writable, list_only) paths for Landlock, scratch folder not included.

        Landlock grants whole trees, so the standard library is granted entry by entry, all
        but its site-packages.
        """
        try:
            names = sorted(os.listdir(self.stdlib))
        except OSError:
            names = []
        skip = {os.path.basename(p) for p in self.hidden_in_stdlib}
        stdlib = [os.path.join(self.stdlib, n) for n in names if n not in skip]
        read_only = [*stdlib, *self.entries, *self.libraries, *DEVICES_RO]
        return read_only, list(DEVICES_RW), [self.stdlib, *self.listable]

    def closed_ancestors(self) -> list[str]:
        """Folders on the way to the allowed paths that other users cannot enter."""
        closed = set()
        for path in [self.stdlib, *self.entries]:
            current = ""
            for part in os.path.dirname(path).strip("/").split("/"):
                current += "/" + part
                try:
                    if not os.stat(current).st_mode & 0o001:
                        closed.add(current)
                except OSError:
                    break
        return sorted(closed)


def _norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _distributions(names: tuple[str, ...]) -> list:
    """The installed distributions ``names`` and, recursively, what they require."""
    from importlib import metadata

    seen: dict[str, object] = {}
    todo = list(names)
    while todo:
        name = _norm(todo.pop())
        if name in seen or name in NEVER:
            continue
        try:
            dist = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            continue
        seen[name] = dist
        for req in _requires(dist):
            spec, _, marker = req.partition(";")
            if "extra" in marker:
                continue  # optional features are not installed for us
            m = re.match(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)", spec)
            if m:
                todo.append(m.group(1))
    return list(seen.values())


def _top_names(dist) -> set[str]:
    """The first path component of every file an installed distribution lists.

    From its RECORD read as CSV (what ``dist.files`` parses too, but without making a path
    object per file: numpy and matplotlib list thousands); other installers' lists through
    ``dist.files``."""
    record = dist.read_text("RECORD")
    if record is None:
        return {f.parts[0] if f.parts else "" for f in dist.files or []}
    return {
        row[0].replace("\\", "/").split("/")[0] for row in csv.reader(record.splitlines()) if row
    }


def _requires(dist) -> list[str]:
    """The Requires-Dist values of a distribution's METADATA headers (what ``dist.requires``
    gives, without building an e-mail message of the whole file: its description is long)."""
    text = dist.read_text("METADATA") or dist.read_text("PKG-INFO")
    if text is None:
        return list(dist.requires or [])
    headers: list[list[str]] = []  # [name, value] in order; folded lines continue the last
    for line in text.splitlines():
        if not line:
            break  # the headers end at the first empty line (a folded line may be blank)
        if line[:1] in (" ", "\t"):
            if headers:
                headers[-1][1] += " " + line.strip()
        else:
            name, _, value = line.partition(":")
            headers.append([name.strip().lower(), value.strip()])
    return [value for name, value in headers if name == "requires-dist"]


def _inside(path: str, folder: str) -> bool:
    return path == folder or path.startswith(folder.rstrip("/") + "/")


@dataclass(frozen=True)
class Installed:
    """What :func:`installed` found: the allow-list before anything is hidden from it."""

    stdlib: str
    entries: frozenset[str]
    libraries: tuple[str, ...]


def installed(
    distributions: tuple[str, ...] = DISTRIBUTIONS, cache: str | None = None
) -> Installed:
    """The standard library, the installed files and folders of ``distributions`` (and what
    they require), and the system libraries this process maps: nothing hidden yet.

    ``cache``: a folder of this process's own user, closed to everyone else, where the
    installed entries (the slow part: reading each distribution's metadata, some 50 ms) are
    kept between starts, valid while nothing is installed or removed on ``sys.path``."""
    stdlib = os.path.abspath(sysconfig.get_paths()["stdlib"])
    key = _entries_key(distributions)
    entries = _cached_entries(cache, key) if cache else None
    if entries is None:
        entries = _installed_entries(distributions)
        if cache:
            _store_entries(cache, key, entries)
    return Installed(stdlib, frozenset(entries), tuple(_system_libraries()))


def _installed_entries(distributions: tuple[str, ...]) -> set[str]:
    entries: set[str] = set()
    for dist in _distributions(distributions):
        root = os.path.abspath(str(dist.locate_file("")))
        for top in _top_names(dist):
            if top in ("", ".", "..", "__pycache__") or top.endswith(".pth"):
                continue
            path = os.path.join(root, top)
            if os.path.lexists(path):
                entries.add(path)
    return entries


def _entries_key(distributions: tuple[str, ...]) -> list:
    """What the installed entries depend on: the interpreter, the distributions asked for and
    every folder of ``sys.path`` as it is now (installing, upgrading or removing anything
    there adds or removes a name, so changes the folder's mtime). Not the device or inode
    numbers: each container that an image starts mounts its folders anew, on another device
    number, with the same times."""
    folders = []
    for entry in sys.path:
        try:
            st = os.stat(entry or ".")
            folders.append([entry, st.st_mtime_ns, st.st_ctime_ns])
        except OSError:
            folders.append([entry])
    return [sys.executable, sys.version, list(distributions), list(NEVER), folders]


def _cache_file(cache: str, key: list) -> str:
    return os.path.join(cache, f"installed-{zlib.crc32(repr(key[:2]).encode()):08x}.json")


def _cached_entries(cache: str, key: list) -> set[str] | None:
    """The entries kept for ``key``, or None: none kept, another key, or a file that this
    user does not own alone (anyone else who could write it could widen the allow-list),
    or an entry that is not a name in a ``sys.path`` folder or is gone."""
    try:
        fd = os.open(_cache_file(cache, key), os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
    except OSError:
        return None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode) or st.st_uid != os.geteuid() or st.st_mode & 0o022:
            return None
        with os.fdopen(fd, "rb", closefd=False) as f:
            data = json.loads(f.read(1 << 20))
    except (OSError, ValueError):
        return None
    finally:
        os.close(fd)
    if not isinstance(data, dict) or data.get("key") != key:
        return None
    entries = data.get("entries")
    folders = {os.path.abspath(p or ".") for p in sys.path}
    if not isinstance(entries, list) or not all(
        isinstance(e, str) and os.path.dirname(e) in folders and os.path.lexists(e) for e in entries
    ):
        return None
    return set(entries)


def _store_entries(cache: str, key: list, entries: set[str]) -> None:
    """Keep ``entries`` for ``key`` (written whole, then renamed: a reader sees all or none)."""
    path = _cache_file(cache, key)
    tmp = f"{path}.{os.getpid()}.tmp"
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
        with os.fdopen(fd, "w") as f:
            json.dump({"key": key, "entries": sorted(entries)}, f)
        os.replace(tmp, path)
    except OSError:
        try:
            os.unlink(tmp)
        except OSError:
            pass


def python_view(
    hide: list[str] = (),
    distributions: tuple[str, ...] = DISTRIBUTIONS,
    found: Installed | None = None,
) -> View:
    """The allow-list of this interpreter; no entry holding a path of ``hide`` is granted.

    ``found``: what :func:`installed` returned earlier (default: look now)."""
    found = found or installed(distributions)
    stdlib = found.stdlib
    hidden_in_stdlib = [os.path.join(stdlib, n) for n in ("site-packages", "dist-packages")]
    # An entry that holds a hidden path would expose it: never granted. (An entry inside a
    # hidden folder, e.g. a virtual environment in the grader's checkout, is granted alone.)
    hide = [os.path.abspath(h) for h in hide]
    real = {e: os.path.realpath(e) for e in found.entries}  # once each: hide may list 1,000
    entries = {
        e for e in found.entries if not any(_inside(h, e) or _inside(h, real[e]) for h in hide)
    }
    listable = sorted({os.path.dirname(e) for e in entries})
    granted = [stdlib, *entries]
    libraries = [
        lib
        for lib in found.libraries
        if not any(_inside(lib, g) for g in granted) and not any(_inside(lib, h) for h in hide)
    ]
    return View(stdlib, hidden_in_stdlib, sorted(entries), listable, libraries)


def _system_libraries() -> list[str]:
    """Files of the shared libraries this process maps, after loading SYSTEM_SONAMES."""
    for soname in SYSTEM_SONAMES:
        try:
            ctypes.CDLL(soname)
        except OSError:
            pass
    found = {"/etc/ld.so.cache"}
    try:
        with open("/proc/self/maps") as f:
            for line in f:
                parts = line.split(maxsplit=5)
                if len(parts) == 6 and parts[5].startswith("/"):
                    found.add(parts[5].strip().removesuffix(" (deleted)"))
    except OSError:
        pass
    return sorted(p for p in found if os.path.isfile(p))


def writable_by(
    view: View, uid: int, gid: int, deep: bool = True, limit: int = 200_000
) -> str | None:
    """The first allowed file or folder (or an interpreter folder) that ``uid``/``gid`` could
    write to, or None. ``deep``: walk every allowed tree (at most ``limit`` entries), else only
    the allowed paths themselves and the folders holding them."""
    roots = [view.stdlib, *view.entries, *view.listable, os.path.dirname(sys.executable)]
    seen = 0
    stack = list(dict.fromkeys(roots))
    while stack:
        path = stack.pop()
        try:
            st = os.lstat(path)
        except OSError:
            continue
        seen += 1
        if seen > limit:
            return None
        if stat.S_ISLNK(st.st_mode):
            continue
        sticky_dir = stat.S_ISDIR(st.st_mode) and st.st_mode & stat.S_ISVTX
        if (
            st.st_uid == uid
            or (st.st_gid == gid and st.st_mode & 0o020)
            or (st.st_mode & 0o002 and not sticky_dir)
        ):
            return path
        if deep and stat.S_ISDIR(st.st_mode) and path not in view.hidden_in_stdlib:
            try:
                with os.scandir(path) as it:
                    stack.extend(e.path for e in it)
            except OSError:
                pass
    return None


# --------------------------------------------------------------------------- mounts


def _mount(source: str | None, target: str, fstype: str | None, flags: int, data: str | None):
    rc = _libc.mount(
        source.encode() if source else None,
        target.encode(),
        fstype.encode() if fstype else None,
        ctypes.c_ulong(flags),
        data.encode() if data else None,
    )
    if rc != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"mount {fstype or 'bind'} on {target}: {os.strerror(err)}")


def _bind(source: str, target: str, *, devices: bool = False) -> None:
    """A read-only bind mount of ``source`` on ``target`` (created as a file or folder)."""
    if os.path.isdir(source):
        os.makedirs(target, mode=0o755, exist_ok=True)
    else:
        os.makedirs(os.path.dirname(target), mode=0o755, exist_ok=True)
        if not os.path.exists(target):
            os.close(os.open(target, os.O_CREAT | os.O_WRONLY, 0o644))
    _mount(source, target, None, MS_BIND | MS_REC, None)
    flags = MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | (0 if devices else MS_NODEV)
    _mount(None, target, None, flags, None)


def prepare_root(view: View, new_root: str) -> None:
    """Fill ``new_root`` (an empty folder) with the view: a read-only tmpfs holding read-only
    bind mounts of exactly the allowed paths, the device files and an empty /tmp.

    Runs once per zygote, in a mount namespace of its own, with CAP_SYS_ADMIN; each child then
    only mounts its /tmp and pivots (:func:`enter_root`).
    """
    _mount(None, "/", None, MS_REC | MS_PRIVATE, None)
    _mount("tmpfs", new_root, "tmpfs", MS_NOSUID | MS_NODEV, "size=4m,mode=755")
    if not _inside(view.stdlib, SCRATCH):
        _bind(os.path.realpath(view.stdlib), new_root + view.stdlib)
    covers = [h for h in view.hidden_in_stdlib if os.path.isdir(h) and not _inside(h, SCRATCH)]
    for hidden in covers:  # an empty cover; allowed entries inside are bound back below
        _mount("tmpfs", new_root + hidden, "tmpfs", MS_NOSUID | MS_NODEV, "size=1m,mode=755")
    for path in [*view.entries, *view.libraries]:
        if not _inside(path, SCRATCH):  # those under /tmp: each child binds them (enter_root)
            _bind(os.path.realpath(path), new_root + path)
    for hidden in covers:
        _mount(None, new_root + hidden, None, MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV, None)
    for dev in (*DEVICES_RW, *DEVICES_RO):
        if os.path.exists(dev):
            _bind(dev, new_root + dev, devices=True)
    for dev in DEVICES_RW:  # writable again (the bind above made it read-only)
        if os.path.exists(dev):
            _mount(None, new_root + dev, None, MS_REMOUNT | MS_BIND | MS_NOSUID, None)
    os.makedirs(new_root + "/tmp", mode=0o755, exist_ok=True)
    _mount(None, new_root, None, MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV, None)


SCRATCH = "/tmp"  # where the child's fresh tmpfs goes (a virtual environment may live below it)


def under_scratch(view: View) -> list[str]:
    """The allowed paths a tmpfs on /tmp would cover (e.g. a virtual environment in /tmp)."""
    return [p for p in [view.stdlib, *view.entries, *view.libraries] if _inside(p, SCRATCH)]


def _tmp_with_view(view: View, target: str, tmp_options: str) -> None:
    """A fresh tmpfs on ``target`` (the child's /tmp), with the allowed paths that lay under
    /tmp bound back in, read-only (opened before the tmpfs covers them)."""
    keep = [
        (p, os.open(os.path.realpath(p), os.O_PATH | os.O_CLOEXEC)) for p in under_scratch(view)
    ]
    _mount("tmpfs", target, "tmpfs", MS_NOSUID | MS_NODEV, tmp_options)
    for path, fd in keep:
        try:
            _bind(f"/proc/self/fd/{fd}", target + path[len(SCRATCH) :])
        finally:
            os.close(fd)


def enter_root(view: View, new_root: str, tmp_options: str, on_ready=None) -> None:
    """In a child's fresh mount namespace: a new tmpfs on the prepared root's /tmp, then
    pivot_root into it, the old root detached. ``on_ready(new_root)`` is called just before the
    pivot (paths are still the outer ones: new_root + path)."""
    _tmp_with_view(view, new_root + SCRATCH, tmp_options)
    if on_ready is not None:
        on_ready(new_root)
    os.chdir(new_root)
    if _libc.syscall(_PIVOT_ROOT.get(os.uname().machine, -1), b".", b".") != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"pivot_root: {os.strerror(err)}")
    if _libc.umount2(b".", MNT_DETACH) != 0:  # the old root, now stacked on top of the new one
        err = ctypes.get_errno()
        raise OSError(err, f"umount old root: {os.strerror(err)}")
    os.chdir("/")


def private_tmp(view: View, tmp_options: str) -> None:
    """In a fresh mount namespace: a new, private tmpfs on /tmp (allowed paths under /tmp
    bound back in)."""
    _mount(None, "/", None, MS_REC | MS_PRIVATE, None)
    _tmp_with_view(view, SCRATCH, tmp_options)


__all__ = [
    "View",
    "enter_root",
    "prepare_root",
    "private_tmp",
    "Installed",
    "installed",
    "python_view",
    "under_scratch",
    "writable_by",
]
