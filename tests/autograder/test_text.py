"""The text boundary: whatever a submission or a file name holds becomes printable UTF-8."""

from __future__ import annotations

import json
import os
import random

import numpy as np
import pytest

from autograder.cases.base import Case
from autograder.grade import CaseResult, QuestionResult, _outcome_verdict
from autograder.sandbox import CallOutcome, Limits
from autograder.text import REPLACEMENT, clean, csv_cell, file_name


@pytest.mark.parametrize(
    ("raw", "want"),
    [
        ("plain text", "plain text"),
        ("lone \udcff and \ud800", f"lone {REPLACEMENT} and {REPLACEMENT}"),
        (
            "nul\x00 esc\x1b[31m bell\x07",
            f"nul{REPLACEMENT} esc{REPLACEMENT}[31m bell{REPLACEMENT}",
        ),
        ("bidi \u202eevil\u202c zw\u200b", f"bidi {REPLACEMENT}evil{REPLACEMENT} zw{REPLACEMENT}"),
        ("tab\tnew\nline\r", "tab new line "),
        ("ünïcødé ∑ λ 日本", "ünïcødé ∑ λ 日本"),
        (b"bytes \xff\xfe", f"bytes {REPLACEMENT}{REPLACEMENT}"),
    ],
)
def test_clean_makes_printable_utf8(raw, want):
    got = clean(raw)
    assert got == want
    got.encode("utf-8")  # strict
    assert got.isprintable() or set(got) <= set(want)


def test_clean_limits_length_and_keeps_newlines_only_when_asked():
    assert clean("x" * 1000, 20) == "x" * 17 + "..."
    assert len(clean("\udcff" * 10**6, 100)) == 100
    assert clean("a\nb", multiline=True) == "a\nb"

    class Hostile:
        def __str__(self):
            raise RuntimeError("no")

    assert clean(Hostile()) == "(text that could not be shown)"


def test_every_clean_text_writes_as_json_and_html():
    rng = random.Random(0)
    for _ in range(300):
        raw = "".join(chr(rng.randrange(0, 0x110000)) for _ in range(rng.randrange(1, 60)))
        text = clean(raw, 80, multiline=True)
        text.encode("utf-8")
        assert json.loads(json.dumps(text)) == text
        json.dumps(text, ensure_ascii=False).encode("utf-8")  # no lone surrogate anywhere


def test_file_names_are_printable_and_never_collide():
    rng = random.Random(1)
    names = {
        os.fsdecode(bytes(rng.randrange(256) for _ in range(rng.randrange(1, 6))))
        for _ in range(3000)
    }
    names |= {"%FF", "a%b", "bob", "\udcff"}
    mapped = {file_name(n) for n in names}
    assert len(mapped) == len(names)  # injective
    for m in mapped:
        m.encode("utf-8")
        assert m.isprintable()
    assert file_name(os.fsdecode(b"\xff\xfe")) == "%FF%FE"
    assert file_name("ada") == "ada" and file_name("日本") == "日本"


def test_csv_cells_that_a_spreadsheet_would_run_get_a_quote():
    for bad in ("=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"):
        assert csv_cell(bad) == "'" + bad
    assert csv_cell("ada") == "ada" and csv_cell(-1.5) == -1.5 and csv_cell(None) is None


MARK = "MARKER\udcff" + "Z" * 300


@pytest.mark.parametrize(
    ("status", "error_type", "words"),
    [
        ("error", "ValueError", "f raised ValueError"),
        ("error", "", "f raised an exception of a class defined in your code"),
        ("error", "MemoryError", "f raised MemoryError (the limit is 256 MB)"),
        ("timeout", "", "f did not finish within 3 s"),
        ("crashed", "", "f: the process died"),
        ("bad_output", "", "f returned a value that cannot be graded"),
        ("missing", "", "f is not defined in the submission"),
        ("not_run", "", "f was not run"),
    ],
)
def test_a_failed_call_shows_only_grader_words_for_a_hidden_case(status, error_type, words):
    outcome = CallOutcome(status, message=MARK, error_type=error_type, location="line 9 of cell 2")
    v = _outcome_verdict("f", outcome, Limits(wall_s=3, memory_mb=256))
    assert v.hidden_message.startswith(words)
    assert "MARKER" not in v.hidden_message and "line 9" not in v.hidden_message
    assert "MARKER" in v.message and "\udcff" not in v.message and len(v.message) <= 400


def _case(name, public=False, message="", hidden="", status="error", fraction=0.0):
    c = Case(name, (np.zeros(2),), public=public)
    return CaseResult(name, 1.0, fraction, message, status, public, c, hidden_message=hidden)


def test_summary_lines_lead_with_the_case_label_and_hide_student_text():
    cases = [
        _case(
            "public: two nets", True, "f raised E_SECRETa: sa", "f raised an exception of a class"
        ),
        _case("random nets", False, "f raised E_SECRETb: sb", "f raised an exception of a class"),
        _case("random nets", False, "f raised E_SECRETb: sb", "f raised an exception of a class"),
        _case(
            "edge: zero slope", False, "f returned shape (7,); expected (3,)", "f returned x", "ok"
        ),
        _case("random ok", fraction=1.0, status="ok"),
    ]
    q = QuestionResult("q", ["f"], 10.0, 2.0, cases)
    before = q.summary
    assert before.splitlines() == [
        "1 of 5 cases passed.",
        "public: two nets: f raised an exception of a class (and 2 more cases)",
        "edge: zero slope: f returned x",
    ]
    after = q.summary_text(reveal=True)
    assert "E_SECRETa" in after and "random nets: f raised E_SECRETb: sb (and 1 more case)" in after


def test_summary_lists_a_few_kinds_and_counts_the_rest():
    cases = [_case(f"kind {i}", hidden=f"f returned {w}") for i, w in enumerate("abcdefgh")]
    lines = QuestionResult("q", ["f"], 1.0, 0.0, cases).summary.splitlines()
    assert len(lines) == 1 + 5 + 1 and lines[-1] == "... and 3 more failing cases."


def test_random_hidden_case_labels_show_no_numbers_before_the_due_date():
    cases = [
        _case("sawtooth_layers(11) on [-2, 2]", hidden="f returned a wrong answer"),
        _case("edge: depth 12", hidden="f raised ValueError"),
        _case("public: depth 2", True, "f raised E: x", "f raised an exception of a class"),
    ]
    q = QuestionResult("q", ["f"], 3.0, 0.0, cases)
    assert q.summary.splitlines()[1:] == [
        "sawtooth_layers(#) on [#, #]: f returned a wrong answer",
        "edge: depth 12: f raised ValueError",
        "public: depth 2: f raised an exception of a class",
    ]
    assert "sawtooth_layers(11) on [-2, 2]" in q.summary_text(reveal=True)
