"""Plain-data transfer between the grader and the sandbox child (JSON and raw bytes, never
pickle).

Inputs: every array's bytes go into one blob with a JSON table of dtypes, shapes and offsets;
everything else into a JSON tree whose nodes name their type ("nd", "np", "int", "float", ...).
Results come back the same way, one file per group: the JSON manifest, the table and the blob
as the three sections of a file of length-prefixed sections (:func:`pack_sections`);
``read_group`` trusts nothing in it.
"""

from __future__ import annotations

import builtins
import json
import math
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ._types import ArgRef, Call, CallOutcome, Lambda

MAX_RESULT_BYTES = 64 << 20
MAX_NODES = 100_000
MAX_DEPTH = 33
NUMERIC_KINDS = "biufc"
CHILD_STATUSES = ("ok", "error", "missing", "bad_output")
# Names of Python's built-in exception classes: the only error_type a child may report.
BUILTIN_EXCEPTIONS = frozenset(
    name
    for name, obj in vars(builtins).items()
    if isinstance(obj, type) and issubclass(obj, BaseException)
)


SECTIONS_MAGIC = b"RLS1"  # a file of sections: magic, count, one length each, the bytes


def pack_sections(parts: Sequence[bytes]) -> bytes:
    """``parts`` as one file: the magic, their count (4 bytes), each length (8 bytes, big
    endian), then their bytes. No zip, no npy headers: nothing to parse but the lengths.
    (_zygote.py has the same small functions: the zygote must not import this package.)"""
    head = SECTIONS_MAGIC + len(parts).to_bytes(4, "big")
    return head + b"".join(len(p).to_bytes(8, "big") for p in parts) + b"".join(parts)


def unpack_sections(data: bytes, count: int) -> list[memoryview]:
    """The ``count`` sections of a :func:`pack_sections` file; raises Tampered unless the file
    is exactly that (the magic, that count, lengths that fill the file to its last byte)."""
    head = 8 + 8 * count
    if len(data) < head or data[:4] != SECTIONS_MAGIC:
        raise Tampered("not a result file")
    if int.from_bytes(data[4:8], "big") != count:
        raise Tampered("wrong number of sections")
    lengths = [int.from_bytes(data[8 + 8 * i : 16 + 8 * i], "big") for i in range(count)]
    if head + sum(lengths) != len(data):
        raise Tampered("sections that do not fill the file")
    view, out, pos = memoryview(data), [], head
    for n in lengths:
        out.append(view[pos : pos + n])
        pos += n
    return out


def pack_arrays(arrays: dict[str, np.ndarray]) -> tuple[bytes, bytes]:
    """(JSON table, blob) for ``arrays``: their bytes one after another, and for each its
    dtype, shape, offset and size."""
    table, parts, offset = {}, [], 0
    for ref, a in arrays.items():
        data = np.ascontiguousarray(a).tobytes()
        table[ref] = [a.dtype.str, list(a.shape), offset, len(data)]
        parts.append(data)
        offset += len(data)
    return json.dumps(table).encode(), b"".join(parts)


_DTYPE = re.compile(r"^[<>|=][biufc][0-9]{1,2}$")


def unpack_array(blob: np.ndarray, entry: Any) -> np.ndarray:
    """One array of a packed blob, validated against the blob; raises Tampered."""
    if type(entry) is not list or len(entry) != 4:
        raise Tampered("bad array entry")
    dstr, shape, offset, nbytes = entry
    if type(dstr) is not str or not _DTYPE.match(dstr):
        raise Tampered("an array with a non-numeric dtype")
    dtype = np.dtype(dstr)
    if dtype.kind not in NUMERIC_KINDS or dtype.fields is not None:
        raise Tampered("an array with a non-numeric dtype")
    if (
        type(shape) is not list
        or len(shape) > 32
        or any(type(n) is not int or n < 0 for n in shape)
    ):
        raise Tampered("bad array shape")
    if type(offset) is not int or type(nbytes) is not int or offset < 0 or nbytes < 0:
        raise Tampered("bad array offset")
    count = math.prod(shape)
    if count * dtype.itemsize != nbytes or offset + nbytes > blob.size:
        raise Tampered("array outside its blob")
    return np.frombuffer(blob, dtype=dtype, count=count, offset=offset).reshape(shape).copy()


class InputEncoder:
    """Turns call arguments into JSON nodes plus a dict of arrays for one packed blob."""

    def __init__(self) -> None:
        self.arrays: dict[str, np.ndarray] = {}

    def _array(self, a: np.ndarray) -> str:
        ref = f"a{len(self.arrays)}"
        self.arrays[ref] = a
        return ref

    def encode(self, x: Any, where: str) -> dict:
        if isinstance(x, np.ndarray):
            if x.dtype.kind not in NUMERIC_KINDS or x.dtype.fields is not None:
                raise TypeError(f"{where}: arrays must have a numeric or bool dtype, not {x.dtype}")
            return {"t": "nd", "ref": self._array(np.asarray(x))}
        if isinstance(x, np.generic):
            arr = np.asarray(x)
            if arr.dtype.kind not in NUMERIC_KINDS:
                raise TypeError(f"{where}: numpy scalars must be numeric, not {arr.dtype}")
            return {"t": "np", "ref": self._array(arr)}
        if x is None:
            return {"t": "none"}
        if isinstance(x, bool):
            return {"t": "bool", "v": x}
        if isinstance(x, int):
            return {"t": "int", "v": str(int(x))}
        if isinstance(x, float):
            return {"t": "float", "v": float(x).hex()}
        if isinstance(x, complex):
            return {"t": "complex", "re": x.real.hex(), "im": x.imag.hex()}
        if isinstance(x, str):
            return {"t": "str", "v": str(x)}
        if isinstance(x, (list, tuple)):
            kind = "list" if isinstance(x, list) else "tuple"
            return {"t": kind, "v": [self.encode(v, f"{where}[{i}]") for i, v in enumerate(x)]}
        if isinstance(x, dict):
            items = []
            for k, v in x.items():
                if not isinstance(k, str):
                    raise TypeError(f"{where}: dict keys must be str, not {type(k).__name__}")
                items.append([k, self.encode(v, f"{where}[{k!r}]")])
            return {"t": "dict", "v": items}
        if isinstance(x, Lambda):
            bind = []
            for name, v in x.bind.items():
                if not name.isidentifier():
                    raise TypeError(f"{where}: Lambda bind name {name!r} is not an identifier")
                if isinstance(v, ArgRef):
                    bind.append([name, {"t": "argref", "i": int(v.index)}])
                else:
                    bind.append([name, self.encode(v, f"{where}.bind[{name!r}]")])
            return {"t": "lambda", "params": x.params, "expr": x.expr, "bind": bind}
        raise TypeError(f"{where}: cannot pass a {type(x).__name__} to the sandbox")


def _has_lambda(node: dict) -> bool:
    if node["t"] == "lambda":
        return True
    if node["t"] in ("list", "tuple"):
        return any(_has_lambda(v) for v in node["v"])
    if node["t"] == "dict":
        return any(_has_lambda(v) for _, v in node["v"])
    return False


def _argrefs(node: dict) -> list[int]:
    refs: list[int] = []
    if node["t"] == "lambda":
        for _, v in node["bind"]:
            refs += [v["i"]] if v["t"] == "argref" else _argrefs(v)
    elif node["t"] in ("list", "tuple"):
        for v in node["v"]:
            refs += _argrefs(v)
    elif node["t"] == "dict":
        for _, v in node["v"]:
            refs += _argrefs(v)
    return refs


def write_inputs(calls: list[Call], groups: list[str], folder: Path) -> None:
    """Write folder/calls.json and folder/inputs.bin (table and blob) for the child."""
    enc = InputEncoder()
    out = []
    for call in calls:
        args = [enc.encode(a, f"{call.key}: argument {i}") for i, a in enumerate(call.args)]
        for node in args:
            node["lam"] = _has_lambda(node)
        kwargs = [[k, enc.encode(v, f"{call.key}: {k}=")] for k, v in call.kwargs.items()]
        for node in args + [n for _, n in kwargs]:
            for i in _argrefs(node):
                if not 0 <= i < len(args) or args[i]["lam"]:
                    raise ValueError(
                        f"{call.key}: ArgRef({i}) must name a positional argument without a Lambda"
                    )
        out.append(
            {
                "key": call.key,
                "group": call.group,
                "function": call.function,
                "args": args,
                "kwargs": kwargs,
            }
        )
    (folder / "calls.json").write_text(json.dumps({"groups": groups, "calls": out}))
    (folder / "inputs.bin").write_bytes(pack_sections(pack_arrays(enc.arrays)))


# --------------------------------------------------------------------------- results


class Tampered(Exception):
    """The child's result file does not follow the format: nothing in it can be used."""


class _Arrays:
    """Validated access to the packed arrays of one result file (see pack_arrays)."""

    def __init__(self, blob: np.ndarray, table: Any) -> None:
        if type(table) is not dict:
            raise Tampered("bad array table")
        self.blob = blob
        self.table = table
        self.cache: dict[str, np.ndarray] = {}
        self.nbytes = 0

    def get(self, ref: Any) -> np.ndarray:
        """The array ``ref`` (decoded once; a ref used many times is one array). The decoded
        arrays together may not exceed MAX_RESULT_BYTES, however the table overlaps them."""
        if type(ref) is not str or ref not in self.table:
            raise Tampered(f"unknown array {ref!r}")
        if ref not in self.cache:
            entry = self.table[ref]
            if type(entry) is list and len(entry) == 4 and type(entry[3]) is int:
                self.nbytes += entry[3]
            if self.nbytes > MAX_RESULT_BYTES:
                raise Tampered("results too large")
            self.cache[ref] = unpack_array(self.blob, entry)
        return self.cache[ref]


def _hexfloat(v: Any) -> float:
    if type(v) is not str or len(v) > 40:
        raise Tampered("bad float")
    try:
        return float.fromhex(v)
    except ValueError as exc:
        raise Tampered("bad float") from exc


class _Decoder:
    def __init__(self, arrays: _Arrays) -> None:
        self.arrays = arrays
        self.nodes = 0

    def value(self, node: Any, depth: int = 0) -> Any:
        self.nodes += 1
        if self.nodes > MAX_NODES or depth > MAX_DEPTH or type(node) is not dict:
            raise Tampered("bad value tree")
        t = node.get("t")
        if t == "nd":
            return self.arrays.get(node.get("ref"))
        if t == "np":
            arr = self.arrays.get(node.get("ref"))
            if arr.shape != ():
                raise Tampered("a numpy scalar that is not 0-d")
            return arr[()]
        if t == "none":
            return None
        if t == "bool" and type(node.get("v")) is bool:
            return node["v"]
        if t == "int":
            v = node.get("v")
            if type(v) is not str or not 0 < len(v) <= 4001:
                raise Tampered("bad int")
            try:
                return int(v)
            except ValueError as exc:
                raise Tampered("bad int") from exc
        if t == "float":
            return _hexfloat(node.get("v"))
        if t == "complex":
            return complex(_hexfloat(node.get("re")), _hexfloat(node.get("im")))
        if t == "str" and type(node.get("v")) is str:
            return node["v"]
        if t in ("list", "tuple") and type(node.get("v")) is list:
            items = [self.value(v, depth + 1) for v in node["v"]]
            return items if t == "list" else tuple(items)
        raise Tampered("bad value node")


def _text(v: Any, limit: int = 2000) -> str:
    if type(v) is not str:
        raise Tampered("bad message")
    return v[:limit]


def read_group(path: Path, keys: list[str]) -> dict[str, CallOutcome]:
    """Outcomes of the calls ``keys`` from one group's result file written by the child.

    Raises Tampered when the file breaks the format in any way.
    """
    try:
        if path.stat().st_size > MAX_RESULT_BYTES + (1 << 20):
            raise Tampered("result file too large")
        manifest_b, table_b, blob_b = unpack_sections(path.read_bytes(), 3)
        manifest = json.loads(manifest_b.tobytes().decode("utf-8"))
        table = json.loads(table_b.tobytes().decode("utf-8"))
        arrays = _Arrays(np.frombuffer(blob_b, dtype=np.uint8), table)
        if type(manifest) is not dict or type(manifest.get("calls")) is not dict:
            raise Tampered("bad manifest")
        entries = manifest["calls"]
        return {key: _outcome(entries.get(key), arrays) for key in keys}
    except Tampered:
        raise
    except (OSError, ValueError, KeyError, RecursionError, MemoryError) as exc:
        raise Tampered(f"unreadable result file: {type(exc).__name__}") from exc


def _arrays_only(x: Any) -> bool:
    """None, an ndarray, or lists/tuples of those (an argument as the call left it)."""
    if x is None or type(x) is np.ndarray:
        return True
    return type(x) in (list, tuple) and all(_arrays_only(v) for v in x)


def _outcome(entry: Any, arrays: _Arrays) -> CallOutcome:
    if type(entry) is not dict:
        raise Tampered("a call without an outcome")
    status = entry.get("status")
    if status not in CHILD_STATUSES:
        raise Tampered("bad status")
    seconds = entry.get("seconds", 0.0)
    if type(seconds) not in (int, float) or not math.isfinite(seconds) or seconds < 0:
        raise Tampered("bad seconds")
    after_nodes = entry.get("after", [])
    if type(after_nodes) is not list:
        raise Tampered("bad args_after")
    dec = _Decoder(arrays)
    after = [None if n is None else dec.value(n) for n in after_nodes]
    if not all(_arrays_only(a) for a in after):
        raise Tampered("args_after holds something other than arrays")
    value = dec.value(entry.get("value")) if status == "ok" else None
    message = _text(entry.get("message", ""))
    error_type = entry.get("error_type", "")
    if status != "error" or error_type not in BUILTIN_EXCEPTIONS:
        error_type = ""  # the child's claim is checked against the grader's own builtins
    location = _text(entry.get("location", ""), 80)
    return CallOutcome(status, value, message, after, float(seconds), error_type, location)
