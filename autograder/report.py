"""Write what graders and students read: Gradescope results.json, feedback.html, grades.csv.

Every file is written to a temporary name in its folder and renamed into place, so a batch that
is killed leaves either the old file or the new one, never half of one.
"""

from __future__ import annotations

import base64
import csv
import datetime as dt
import html
import io
import json
import os
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np

from autograder.grade import CaseResult, QuestionResult, SubmissionResult
from autograder.text import clean, csv_cell

GRADES_COLUMNS = [
    "submission",
    "assignment",
    "score",
    "max_score",
    "student",
    "seed",
    "name",
    "status",
    "isolation",
]  # then one column per question (its points)
STATUSES = ("graded", "load error", "internal error")


def points(value: float | None, decimals: int = 2) -> str:
    """Points as every page, file and terminal line shows them: rounded to ``decimals``, without
    trailing zeros ("5.42", "10", "0.5"). results.json keeps the exact numbers."""
    if value is None or not isinstance(value, int | float):
        return ""
    text = f"{round(float(value), decimals):.{decimals}f}"
    text = text.rstrip("0").rstrip(".") if "." in text else text
    return "0" if text in ("-0", "") else text


def write_atomic(path: Path, data: str | bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file in the same folder and a rename.

    A killed batch leaves the old file or the new one, never part of one. (No fsync: surviving a
    crash of the whole machine is not worth a disk flush per file in a batch.)"""
    path.parent.mkdir(parents=True, exist_ok=True)
    mode = "wb" if isinstance(data, bytes) else "w"
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, mode, **({} if isinstance(data, bytes) else {"encoding": "utf-8"})) as f:
            f.write(data)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _short(value: Any, limit: int = 600) -> str:
    """A compact, bounded text form of a case input or answer (for after-due-date details)."""
    if isinstance(value, np.ndarray):
        # Formatted by hand: np.array2string costs ~0.5 ms a call, a lot per case in a batch.
        if value.size <= 24:
            text = (
                repr(np.round(value, 4).tolist())
                if value.dtype.kind in "fc"
                else repr(value.tolist())
            )
        else:
            flat = value.ravel()
            ends = [*flat[:3].tolist(), "...", *flat[-3:].tolist()]
            items = ", ".join(v if v == "..." else f"{v:.4g}" for v in ends)
            text = f"array of shape {value.shape}: [{items}]"
    elif isinstance(value, list | tuple):
        inner = ", ".join(_short(v, limit) for v in value)
        text = f"[{inner}]" if isinstance(value, list) else f"({inner})"
    elif callable(value) or type(value).__name__ == "Lambda":
        text = f"lambda {getattr(value, 'params', '')}: {getattr(value, 'expr', '...')}"
    else:
        text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def due_passed(result: SubmissionResult, now: dt.datetime | None = None) -> bool:
    """Whether the assignment's due date (course.yml) has passed; never, if it has none."""
    if result.due is None:
        return False
    now = now or dt.datetime.now(dt.timezone.utc)
    return now >= dt.datetime.fromisoformat(result.due)


def details_revealed(result: SubmissionResult, now: dt.datetime | None = None) -> bool:
    """Whether feedback.html may show the hidden cases' details, by course.yml's visibility.

    "visible": always; "after_due_date": once the due date has passed (never without one);
    "hidden" and "after_published": never (a static page cannot know when grades are published).
    """
    if result.visibility == "visible":
        return True
    if result.visibility == "after_due_date":
        return due_passed(result, now)
    return False


def question_text(q: QuestionResult, reveal: bool = False) -> str:
    """What a student sees for a question: its summary and hint.

    Unless ``reveal`` (see :func:`details_revealed`), hidden cases show only the grader's own
    words, never what the submission produced on them."""
    lines = [q.summary_text(reveal)]
    if q.hint:
        lines.append(f"Hint: {q.hint}")
    return "\n".join(lines)


def case_details(c: CaseResult, reveal: bool = False) -> str:
    """A hidden case's inputs, expected and returned values (shown only after the due date).

    The submission's own message for the case (its exception's text, ...) only if ``reveal``:
    these details are written before the due date too, for the platform to show later."""
    args = ", ".join(_short(a) for a in c.case.args)
    kw = ", ".join(f"{k}={_short(v)}" for k, v in c.case.kwargs.items())
    lines = [
        f"case {c.name}: {'passed' if c.fraction >= 1 else 'failed'}",
        f"  inputs: ({args}{', ' if args and kw else ''}{kw})",
        f"  expected: {_short(c.expected)}",
    ]
    if c.status == "ok" and (reveal or c.public):  # the answer is the submission's own text
        lines.append(f"  returned: {clean(_short(c.value), 600)}")
    message = c.shown_message(reveal)
    if message:
        lines.append(f"  {message}")
    return "\n".join(lines)


def _png_tag(png: bytes, alt: str) -> str:
    data = base64.b64encode(png).decode("ascii")
    return f'<img alt="{html.escape(alt)}" src="data:image/png;base64,{data}">'


def figure_text(q: QuestionResult) -> str:
    """The words that go with a question's figure: for an illustration, its caption, inputs
    and what was wrong with the answer (all of it from the illustration's own run, which never
    saw a hidden input); "" for a figure drawn on a public case."""
    c = q.illustration
    if not q.figure_caption or c is None:
        return ""
    args = ", ".join(_short(a, 300) for a in c.case.args)
    kw = ", ".join(f"{k}={_short(v, 300)}" for k, v in c.case.kwargs.items())
    lines = [
        q.figure_caption,
        f"  The illustration: ({args}{', ' if args and kw else ''}{kw})",
        f"  The reference's answer: {_short(c.expected, 300)}",
        f"  Your answer: {clean(_short(c.value, 300), 300)}",
    ]
    if c.message:
        lines.append(f"  {c.message}")
    return "\n".join(lines)


def figure_html(q: QuestionResult) -> str:
    """The question's figure as HTML: the image, then its words (see figure_text)."""
    if not q.figure_png:
        return ""
    alt = f"{q.name}: your answer vs the reference"
    if q.figure_caption:
        alt = f"{q.name}: your answer vs the reference on an illustration (not a hidden case)"
    words = figure_text(q)
    caption = f"<pre class='caption'>{html.escape(words, quote=False)}</pre>" if words else ""
    return _png_tag(q.figure_png, alt) + caption


def results_json(result: SubmissionResult, now: dt.datetime | None = None) -> dict:
    """Gradescope's autograder results for one submission.

    Written before the due date, nothing in it comes from what the submission produced on a
    hidden case (not even in the after-due-date tests: the file itself is readable data).
    """
    reveal = details_revealed(result, now)
    tests = []
    for number, q in enumerate(result.questions, start=1):
        text = question_text(q, reveal)
        test = {
            "name": q.name,
            "number": str(number),
            "score": q.score,
            "max_score": q.max_score,
            "status": "passed" if q.passed else "failed",
            "visibility": "visible",
            "tags": list(q.functions),
        }
        if q.figure_png:
            # Element content: quotes need no escaping, so the text reads as the plain one does.
            test["output"] = f"<pre>{html.escape(text, quote=False)}</pre>{figure_html(q)}"
            test["output_format"] = "html"
        else:
            test["output"] = text
            test["output_format"] = "text"
        tests.append(test)
        tests.append(
            {
                "name": f"{q.name}: hidden case details",
                "number": f"{number}.1",
                "score": 0.0,
                "max_score": 0.0,
                "status": "passed" if q.passed else "failed",
                "visibility": result.visibility,
                "output": "\n\n".join(case_details(c, reveal) for c in q.cases),
                "output_format": "text",
            }
        )
    # The total is the sum, in order, of exactly the numbers written in the tests (GRADER.md),
    # never rounded again: each is in [0, its max_score], so the sum is in [0, max_score].
    total = 0.0
    for test in tests:
        total += test["score"]
    output = []
    if result.load_messages:
        output.append("While loading your submission:")
        output += [f"  {m}" for m in result.load_messages]
    d = result.decimals
    output.append(
        f"Score: {points(total, d)} / {points(result.max_score, d)} on your own hidden instances "
        f"(seed {result.seed})."
    )
    return {
        "score": total,
        "max_score": result.max_score,
        "execution_time": round(result.execution_time, 3),
        "output": "\n".join(output),
        "output_format": "text",
        "visibility": "visible",
        "stdout_visibility": "hidden",
        "tests": tests,
        "extra_data": {
            "relulab": {
                "submission": result.submission,
                "assignment": result.assignment,
                "student": result.student,
                "seed": result.seed,
                "max_score": result.max_score,
                "sha256": result.sha256,
                "fingerprint": result.fingerprint,
                "isolation": result.isolation,
                "status": result.status,
                "load_error": result.load_messages[0] if result.status == "load error" else "",
                "decimals": result.decimals,
                "student_name": result.student_name,
                "mistakes": [
                    {"question": q.name, "mistake": q.mistake, "hint": q.hint}
                    for q in result.questions
                    if q.mistake
                ],
            }
        },
    }


_CSS = """
body{font-family:system-ui,sans-serif;margin:0 auto;max-width:52rem;padding:1rem;line-height:1.45;
overflow-wrap:anywhere}
h1{font-size:1.4rem}h2{font-size:1.1rem;margin:0}
section{border:1px solid #ccc;border-radius:.5rem;padding:.8rem;margin:.8rem 0}
.pass{border-left:.5rem solid #2a7}.fail{border-left:.5rem solid #c33}
.pts{float:right;font-weight:bold}pre{white-space:pre-wrap;overflow-wrap:anywhere;font-size:.9rem}
.hint{background:#fff6d5;padding:.4rem .6rem;border-radius:.3rem}
img{max-width:100%;height:auto}details{margin-top:.5rem}.caption{color:#444;font-size:.85rem}
"""


def feedback_html(result: SubmissionResult, reveal: bool | None = None) -> str:
    """A self-contained page (plots embedded as PNG data) readable on a phone."""
    reveal = details_revealed(result) if reveal is None else reveal
    e = html.escape
    parts = [
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>",
        "<meta name='viewport' content='width=device-width, initial-scale=1'>",
        f"<title>{e(result.assignment)}: {e(clean(result.submission))}</title>"
        f"<style>{_CSS}</style></head><body>",
        f"<h1>{e(result.assignment)} — {e(clean(result.submission))}: "
        f"{points(result.score, result.decimals)} / {points(result.max_score, result.decimals)}"
        "</h1>",
        f"<p>Graded on your own hidden instances (seed {result.seed}).</p>",
    ]
    if result.load_messages:
        items = "".join(f"<li>{e(m)}</li>" for m in result.load_messages)
        parts.append(
            f"<section class='fail'><h2>While loading your submission</h2><ul>{items}</ul></section>"
        )
    for q in result.questions:
        cls = "pass" if q.passed else "fail"
        parts.append(
            f"<section class='{cls}'><span class='pts'>{points(q.score, result.decimals)} / "
            f"{points(q.max_score, result.decimals)}</span>"
        )
        parts.append(f"<h2>{e(q.name)}</h2><pre>{e(q.summary_text(reveal))}</pre>")
        if q.hint:
            parts.append(f"<p class='hint'>Hint: {e(q.hint)}</p>")
        if q.figure_png:
            parts.append(figure_html(q))
        if reveal:
            details = "\n\n".join(case_details(c, reveal) for c in q.cases)
            parts.append(
                f"<details><summary>Hidden case details</summary><pre>{e(details)}</pre></details>"
            )
        parts.append("</section>")
    parts.append("</body></html>")
    return "\n".join(parts)


def write_submission(out_dir: Path, result: SubmissionResult) -> Path:
    """Write DIR/<stem>/feedback.html then DIR/<stem>/results.json (the latter marks it done)."""
    folder = out_dir / result.submission
    write_atomic(folder / "feedback.html", feedback_html(result))
    write_atomic(folder / "results.json", json.dumps(results_json(result), indent=1))
    return folder / "results.json"


def write_grades(out_dir: Path, rows: Iterable[dict], decimals: int | None = None) -> Path:
    """Write DIR/grades.csv: one row per submission, one points column per question.

    Points are rounded as everywhere else (``decimals``, else each row's own from its
    results.json, else 2); text cells a spreadsheet would run as a formula get a leading '."""
    rows = sorted(rows, key=lambda r: str(r["submission"]))
    questions: list[str] = []
    for row in rows:
        questions += [q for q in row.get("questions", {}) if q not in questions]
    header = {q: (q if q not in GRADES_COLUMNS else f"question {q}") for q in questions}
    buf = io.StringIO()
    writer = csv.DictWriter(
        buf,
        fieldnames=[*GRADES_COLUMNS, *header.values()],
        extrasaction="ignore",
        lineterminator="\n",
    )
    writer.writeheader()
    for row in rows:
        d = decimals if decimals is not None else row.get("decimals", 2)
        cells = {k: csv_cell(v) for k, v in row.items() if k in GRADES_COLUMNS}
        cells["score"] = points(row.get("score"), d)
        cells["max_score"] = points(row.get("max_score"), d)
        for q, score in row.get("questions", {}).items():
            cells[header[q]] = points(score, d)
        writer.writerow(cells)
    path = out_dir / "grades.csv"
    write_atomic(path, buf.getvalue())
    return path


def grades_row(results: dict) -> dict:
    """A grades.csv row from a results.json document (plus ``questions``: name -> points,
    ``reason``: why it did not load, ``decimals``)."""
    meta = results.get("extra_data", {}).get("relulab", {})
    isolation = meta.get("isolation")
    status = "internal error" if meta.get("internal_error") else meta.get("status", "graded")
    questions = {
        t["name"]: t.get("score")
        for t in results.get("tests", [])
        if isinstance(t, dict) and "." not in str(t.get("number", "")) and "name" in t
    }
    return {
        "submission": meta.get("submission"),
        "assignment": meta.get("assignment"),
        "score": results.get("score"),
        "max_score": results.get("max_score"),
        "student": meta.get("student"),
        "seed": meta.get("seed"),
        "name": meta.get("student_name", ""),
        "status": status if status in STATUSES else "graded",
        "isolation": isolation.get("mode", "") if isinstance(isolation, dict) else "",
        "questions": questions,
        "reason": meta.get("load_error", "") if status == "load error" else "",
        "decimals": meta.get("decimals", 2),
    }
