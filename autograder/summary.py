"""DIR/summary.html: the class overview of everything graded in an --out folder.

Built only from the results.json files in DIR (so a resumed, partial or interrupted batch gets
one too, and ``relulab summary DIR`` rebuilds it): per-question score histograms, the most
common named mistakes with links to the submissions that made them, the submissions that did
not load (and why) or hit an internal error, the slowest submissions, and the isolation modes
the grades were made under. Self-contained (inline SVG, no scripts) and readable on a phone.
"""

from __future__ import annotations

import html
import json
import urllib.parse
from collections import Counter
from pathlib import Path

from autograder.report import grades_row, points, write_atomic
from autograder.text import clean

BINS = 10
SLOWEST = 10


def load_results(out_dir: Path) -> list[dict]:
    """Every readable results.json directly under ``out_dir/<name>/``, by submission name."""
    found = []
    for path in sorted(out_dir.glob("*/results.json")):
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if isinstance(data, dict) and isinstance(data.get("extra_data"), dict):
            data["_folder"] = path.parent.name
            found.append(data)
    return found


def _histogram(scores: list[float], max_score: float, label: str) -> str:
    """An inline SVG bar chart of ``scores`` in BINS equal bins over [0, max_score]."""
    counts = [0] * BINS
    for s in scores:
        frac = 0.0 if max_score <= 0 else min(max(s / max_score, 0.0), 1.0)
        counts[min(int(frac * BINS), BINS - 1)] += 1
    top = max(counts) or 1
    w, h, pad = 300, 120, 18
    bar = w / BINS
    parts = [
        f"<svg viewBox='0 0 {w} {h + 2 * pad}' role='img' aria-label='{html.escape(label)}'>",
        f"<title>{html.escape(label)}</title>",
    ]
    for i, n in enumerate(counts):
        bh = h * n / top
        x, y = i * bar + 1, pad + h - bh
        parts.append(
            f"<rect x='{x:.1f}' y='{y:.1f}' width='{bar - 2:.1f}' height='{bh:.1f}' fill='#47a'>"
            f"<title>{n} in [{points(i * max_score / BINS)}, "
            f"{points((i + 1) * max_score / BINS)}]</title></rect>"
        )
        if n:
            parts.append(
                f"<text x='{x + bar / 2 - 1:.1f}' y='{y - 3:.1f}' font-size='10' "
                f"text-anchor='middle'>{n}</text>"
            )
    parts.append(
        f"<text x='0' y='{h + 2 * pad - 3}' font-size='10'>0</text>"
        f"<text x='{w}' y='{h + 2 * pad - 3}' font-size='10' text-anchor='end'>"
        f"{points(max_score)}</text></svg>"
    )
    return "".join(parts)


_CSS = """
body{font-family:system-ui,sans-serif;margin:0 auto;max-width:60rem;padding:1rem;line-height:1.45;
overflow-wrap:anywhere}
h1{font-size:1.4rem}h2{font-size:1.15rem;margin-top:1.5rem}h3{font-size:1rem;margin:.3rem 0}
.grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(16rem,1fr));gap:1rem}
figure{margin:0;border:1px solid #ccc;border-radius:.5rem;padding:.5rem}svg{width:100%;height:auto}
table{border-collapse:collapse;width:100%;font-size:.9rem}td,th{border-bottom:1px solid #ddd;
padding:.25rem .4rem;text-align:left;vertical-align:top;overflow-wrap:anywhere}
.links a{margin-right:.4rem}
"""


def _link(name: str, pages: set[str] | None = None) -> str:
    if pages is not None and name not in pages:  # no feedback.html (an internal error)
        return html.escape(clean(name, 200))
    href = urllib.parse.quote(f"{name}/feedback.html")
    return f"<a href='{html.escape(href)}'>{html.escape(clean(name, 200))}</a>"


def summary_html(results: list[dict], title: str = "", pages: set[str] | None = None) -> str:
    """The page for a list of results.json documents (``pages``: the submissions that have a
    feedback.html to link to; None: all)."""
    e = html.escape

    def link(name: str) -> str:
        return _link(name, pages)

    rows = [(grades_row(r), r) for r in results]
    assignments = sorted({str(row["assignment"]) for row, _ in rows if row["assignment"]})
    title = title or ", ".join(assignments) or "no submissions"
    n = len(rows)
    graded = [(row, r) for row, r in rows if row["status"] == "graded"]
    parts = [
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>",
        "<meta name='viewport' content='width=device-width, initial-scale=1'>",
        f"<title>Class summary: {e(title)}</title><style>{_CSS}</style></head><body>",
        f"<h1>Class summary: {e(title)}</h1>",
        f"<p>{n} submission{'s' if n != 1 else ''}: {len(graded)} graded, "
        f"{sum(row['status'] == 'load error' for row, _ in rows)} did not load, "
        f"{sum(row['status'] == 'internal error' for row, _ in rows)} internal errors.</p>",
    ]
    # Scores, overall and per question.
    figures = []
    if rows:
        max_score = max(float(row["max_score"] or 0) for row, _ in rows)
        totals = [float(row["score"] or 0) for row, _ in rows]
        mean = sum(totals) / len(totals)
        figures.append(
            f"<figure><h3>total (mean {points(mean)} / {points(max_score)})</h3>"
            f"{_histogram(totals, max_score, 'total scores')}</figure>"
        )
    question_max: dict[str, float] = {}
    question_scores: dict[str, list[float]] = {}
    for _row, r in rows:
        for t in r.get("tests", []):
            if isinstance(t, dict) and "." not in str(t.get("number", "")) and "name" in t:
                question_max[t["name"]] = max(question_max.get(t["name"], 0.0), t["max_score"])
                question_scores.setdefault(t["name"], []).append(float(t["score"]))
    for q, scores in question_scores.items():
        mean = sum(scores) / len(scores)
        figures.append(
            f"<figure><h3>{e(q)} (mean {points(mean)} / {points(question_max[q])})</h3>"
            f"{_histogram(scores, question_max[q], f'{q} scores')}</figure>"
        )
    parts.append(f"<h2>Scores</h2><div class='grid'>{''.join(figures)}</div>")
    # Named mistakes.
    mistakes: dict[tuple[str, str], list[str]] = {}
    hints: dict[tuple[str, str], str] = {}
    for _row, r in rows:
        for m in r["extra_data"].get("relulab", {}).get("mistakes", []) or []:
            if not isinstance(m, dict):
                continue
            key = (str(m.get("question")), str(m.get("mistake")))
            mistakes.setdefault(key, []).append(r["_folder"])
            hints[key] = str(m.get("hint") or "")
    parts.append("<h2>Most common named mistakes</h2>")
    if mistakes:
        parts.append(
            "<table><tr><th>question</th><th>mistake</th><th>count</th><th>submissions</th></tr>"
        )
        for (q, name), who in sorted(mistakes.items(), key=lambda kv: (-len(kv[1]), kv[0])):
            links = " ".join(link(w) for w in sorted(who))
            parts.append(
                f"<tr><td>{e(q)}</td><td>{e(name)}<br>"
                f"<small>{e(hints[(q, name)])}</small></td><td>{len(who)}</td>"
                f"<td class='links'>{links}</td></tr>"
            )
        parts.append("</table>")
    else:
        parts.append("<p>No known mistake explained a wrong answer.</p>")
    # Submissions that did not load, and internal errors.
    failed = [(row, r) for row, r in rows if row["status"] != "graded"]
    parts.append("<h2>Did not load, or the grader failed</h2>")
    if failed:
        parts.append("<table><tr><th>submission</th><th>status</th><th>why</th></tr>")
        for row, r in failed:
            why = row["reason"]
            if row["status"] == "internal error":
                error = str(r["extra_data"].get("relulab", {}).get("internal_error", ""))
                lines = error.strip().splitlines()
                why = f"{lines[-1] if lines else 'internal error'} (regraded on the next run)"
            parts.append(
                f"<tr><td>{link(r['_folder'])}</td><td>{e(row['status'])}</td>"
                f"<td>{e(clean(why, 300))}</td></tr>"
            )
        parts.append("</table>")
    else:
        parts.append("<p>Every submission loaded.</p>")
    # The slowest.
    timed = sorted(
        (
            (float(r.get("execution_time") or 0.0), r["_folder"])
            for _row, r in rows
            if isinstance(r.get("execution_time"), int | float)
        ),
        reverse=True,
    )[:SLOWEST]
    parts.append("<h2>Slowest submissions</h2>")
    if timed:
        parts.append("<table><tr><th>submission</th><th>seconds</th></tr>")
        parts += [f"<tr><td>{link(name)}</td><td>{s:.2f}</td></tr>" for s, name in timed]
        parts.append("</table>")
    # Isolation.
    modes = Counter(row["isolation"] or "unknown" for row, _ in rows)
    parts.append("<h2>Isolation</h2><p>")
    parts.append(", ".join(f"{e(m)}: {c}" for m, c in sorted(modes.items())) or "none")
    parts.append("</p></body></html>")
    return "\n".join(parts)


def write_summary(out_dir: Path) -> Path:
    """Write (or rewrite) ``out_dir/summary.html`` from the results.json files in it."""
    path = out_dir / "summary.html"
    results = load_results(out_dir)
    pages = {r["_folder"] for r in results if (out_dir / r["_folder"] / "feedback.html").is_file()}
    write_atomic(path, summary_html(results, pages=pages))
    return path
