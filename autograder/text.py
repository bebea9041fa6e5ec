"""The one boundary for text that comes from a submission or a file name.

Every such string is made here, where it enters the grader, into valid printable UTF-8 of
bounded length: lone surrogates, control and format characters (bidirectional overrides,
zero-width characters), private-use and unassigned code points are replaced. The reports then
escape it exactly once for their format (HTML, CSV, JSON) and can never fail on it.
"""

from __future__ import annotations

import os
import unicodedata
from typing import Any

__all__ = ["REPLACEMENT", "clean", "csv_cell", "file_name"]

REPLACEMENT = "\ufffd"
# Unicode categories never shown as they are: controls, format characters, surrogates,
# private use, unassigned; line and paragraph separators (they break a line like "\n").
_UNPRINTABLE = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def clean(text: Any, limit: int = 240, *, multiline: bool = False) -> str:
    """``text`` as valid, printable UTF-8 of at most ``limit`` characters.

    Bytes are decoded as UTF-8 (invalid bytes replaced); anything else is ``str()``-ed (an
    object whose ``__str__`` fails gives a fixed sentence). Tabs become a space; newlines stay
    only when ``multiline``, else they become a space too. Longer text ends in "...".
    """
    if isinstance(text, bytes | bytearray):
        text = bytes(text).decode("utf-8", "replace")
    elif not isinstance(text, str):
        try:
            text = str(text)
        except Exception:  # noqa: BLE001 - a hostile __str__
            text = "(text that could not be shown)"
    head = text[: max(limit, 0) + 1]  # bounded work on huge input
    out = []
    for ch in head:
        if ch == "\n" and multiline:
            out.append(ch)
        elif ch in "\t\n\r":
            out.append(" ")
        elif ch.isascii() and ch.isprintable():
            out.append(ch)
        elif unicodedata.category(ch) in _UNPRINTABLE:
            out.append(REPLACEMENT)
        else:
            out.append(ch)
    result = "".join(out)
    if len(text) > limit:
        result = result[: max(limit - 3, 0)] + "..."
    return result


def file_name(name: str) -> str:
    """A file name (as ``os.fsdecode`` gives it) as printable UTF-8 that names it unambiguously.

    Bytes that are not valid UTF-8 (surrogate escapes), control characters and ``%`` itself are
    written as ``%XX`` of their UTF-8 bytes, so two different names never map to the same text;
    ``b"\\xff\\xfe"`` becomes ``"%FF%FE"``.
    """
    raw = os.fsencode(name)
    text = raw.decode("utf-8", "surrogateescape")
    out = []
    for ch in text:
        code = ord(ch)
        if 0xDC80 <= code <= 0xDCFF:  # an undecodable byte
            out.append(f"%{code - 0xDC00:02X}")
        elif ch == "%" or unicodedata.category(ch) in _UNPRINTABLE:
            out.append("".join(f"%{b:02X}" for b in ch.encode("utf-8", "surrogatepass")))
        else:
            out.append(ch)
    return "".join(out)


def csv_cell(value: Any) -> Any:
    """A CSV cell that no spreadsheet runs as a formula: text starting with ``=``, ``+``, ``-``,
    ``@``, tab or CR gets a leading ``'``. Numbers and None are returned unchanged."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value
