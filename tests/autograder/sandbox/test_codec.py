"""The parent's reading of a child's result file trusts nothing in it."""

from __future__ import annotations

import io
import json
import pickle
import zipfile
from pathlib import Path

import numpy as np
import pytest

from autograder.sandbox._codec import Tampered, pack_arrays, pack_sections, read_group


def write(path: Path, calls: dict, arrays: dict | None = None, table=None) -> Path:
    packed_table, blob = pack_arrays(arrays or {})
    if table is not None:
        packed_table = json.dumps(table).encode()
    manifest = json.dumps({"calls": calls}).encode()
    path.write_bytes(pack_sections([manifest, packed_table, blob]))
    return path


def ok(value_node: dict, after=()) -> dict:
    return {"status": "ok", "value": value_node, "after": list(after), "seconds": 0.01}


def test_values_round_trip_as_plain_types(tmp_path):
    a = np.arange(6.0).reshape(2, 3)
    node = {
        "t": "tuple",
        "v": [
            {"t": "nd", "ref": "a0"},
            {"t": "np", "ref": "a1"},
            {"t": "int", "v": "7"},
            {"t": "float", "v": (0.5).hex()},
        ],
    }
    path = write(
        tmp_path / "r.bin",
        {"k": ok(node, [{"t": "nd", "ref": "a0"}])},
        {"a0": a, "a1": np.asarray(np.int64(3))},
    )
    out = read_group(path, ["k"])["k"]
    got = out.value
    assert type(got) is tuple and type(got[0]) is np.ndarray and np.array_equal(got[0], a)
    assert got[0].flags.writeable and got[1] == 3 and got[2] == 7 and got[3] == 0.5
    assert np.array_equal(out.args_after[0], a)


@pytest.mark.parametrize(
    "entry",
    [
        ["|O8", [1], 0, 8],  # object dtype
        ["<U4", [1], 0, 16],  # strings
        ["<f8", [100], 0, 800],  # outside the blob
        ["<f8", [2], 0, 8],  # size does not match the shape
        ["<f8", [-1], 0, 8],  # negative shape
        ["<f8", [1], -8, 8],  # negative offset
        ["<f8", "1", 0, 8],  # shape not a list
        "not a list",
    ],
)
def test_bad_array_entries_are_rejected(tmp_path, entry):
    path = write(
        tmp_path / "r.bin",
        {"k": ok({"t": "nd", "ref": "a0"})},
        {"a0": np.zeros(1)},
        table={"a0": entry},
    )
    with pytest.raises(Tampered):
        read_group(path, ["k"])


@pytest.mark.parametrize(
    ("calls", "why"),
    [
        ({"k": ok({"t": "nd", "ref": "nope"})}, "unknown array"),
        ({"k": ok({"t": "object", "v": 1})}, "bad value node"),
        ({"k": {"status": "passed"}}, "bad status"),
        ({"k": ok({"t": "none"}, [{"t": "int", "v": "1"}])}, "args_after"),
        ({}, "without an outcome"),
        ({"k": ok({"t": "float", "v": "0x1p" + "9" * 60})}, "bad float"),
    ],
)
def test_bad_manifests_are_rejected(tmp_path, calls, why):
    with pytest.raises(Tampered, match=why):
        read_group(write(tmp_path / "r.bin", calls), ["k"])


def test_deep_nesting_is_rejected(tmp_path):
    node = {"t": "none"}
    for _ in range(40):
        node = {"t": "list", "v": [node]}
    with pytest.raises(Tampered, match="bad value tree"):
        read_group(write(tmp_path / "r.bin", {"k": ok(node)}), ["k"])


def test_only_the_sections_format_is_read_and_nothing_is_unpickled(tmp_path):
    """An npz (even one holding a pickle), a pickle, a truncated file, trailing bytes, another
    number of sections or bytes that are not UTF-8 JSON: each is Tampered, nothing loaded."""

    class Boom:
        def __reduce__(self):
            return (exec, ("raise SystemExit('unpickled!')",))

    buf = io.BytesIO()
    np.lib.format.write_array(buf, np.array([Boom()], dtype=object), allow_pickle=True)
    with zipfile.ZipFile(tmp_path / "r.npz", "w") as zf:
        zf.writestr("manifest.npy", buf.getvalue())
    good = write(tmp_path / "good.bin", {"k": ok({"t": "none"})}).read_bytes()
    assert read_group(tmp_path / "good.bin", ["k"])["k"].status == "ok"
    manifest = json.dumps({"calls": {"k": ok({"t": "none"})}}).encode()
    bad = {
        "pickle": pickle.dumps({"score": 100}),
        "truncated": good[:-1],
        "trailing": good + b"\0",
        "two sections": pack_sections([manifest, b"{}"]),
        "four sections": pack_sections([manifest, b"{}", b"", b""]),
        "huge length": good[:8] + (1 << 62).to_bytes(8, "big") + good[16:],
        "latin-1": pack_sections(['{"calls": {"k": "\xe9"}}'.encode("latin-1"), b"{}", b""]),
        "empty": b"",
    }
    for name, data in bad.items():
        (tmp_path / name).write_bytes(data)
    for path in [tmp_path / "r.npz", *(tmp_path / name for name in bad)]:
        with pytest.raises(Tampered):
            read_group(path, ["k"])


def test_overlapping_references_cannot_blow_up_memory(tmp_path):
    # 200 distinct refs, each the whole 1 MB blob: 200 MB if decoded separately.
    blob = {"a0": np.zeros(1 << 17)}
    table = {f"a{i}": ["<f8", [1 << 17], 0, 1 << 20] for i in range(200)}
    node = {"t": "list", "v": [{"t": "nd", "ref": f"a{i}"} for i in range(200)]}
    path = write(tmp_path / "r.bin", {"k": ok(node)}, blob, table=table)
    with pytest.raises(Tampered, match="too large"):
        read_group(path, ["k"])
    # The same ref many times is decoded once and is fine.
    node = {"t": "list", "v": [{"t": "nd", "ref": "a0"}] * 5000}
    out = read_group(write(tmp_path / "s.bin", {"k": ok(node)}, blob), ["k"])["k"]
    assert len(out.value) == 5000 and out.value[0] is out.value[-1]
