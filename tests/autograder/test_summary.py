"""summary.html: the class page, rebuilt from the results.json files of an --out folder."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import urllib.parse
from html.parser import HTMLParser
from pathlib import Path

from autograder.paths import course_root

SAMPLES = course_root() / "samples" / "composition"
HOSTILE = Path(__file__).resolve().parents[1] / "hostile"
VOID = {"meta", "br", "rect", "img", "input", "link"}


class _Checker(HTMLParser):
    """Balanced tags, and every link's target."""

    def __init__(self):
        super().__init__()
        self.stack, self.links = [], []

    def handle_starttag(self, tag, attrs):
        if tag == "a":
            self.links.append(dict(attrs)["href"])
        if tag not in VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag, attrs):
        pass

    def handle_endtag(self, tag):
        if tag in VOID and (not self.stack or self.stack[-1] != tag):
            return
        assert self.stack and self.stack[-1] == tag, (tag, self.stack[-5:])
        self.stack.pop()


def _cli(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    cmd = [sys.executable, "-m", "autograder.cli", *args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=600, cwd=cwd)


def test_the_summary_shows_the_class_and_is_rebuilt_from_results(tmp_path):
    inbox = tmp_path / "in"
    shutil.copytree(SAMPLES, inbox)
    shutil.copy(HOSTILE / "corrupt.ipynb", inbox / "corrupt.ipynb")
    out = tmp_path / "out"
    proc = _cli(
        "grade", str(inbox), "-a", "composition", "--out", str(out), "-j", "2", cwd=tmp_path
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    page = (out / "summary.html").read_text(encoding="utf-8")
    checker = _Checker()
    checker.feed(page)
    assert checker.stack == []
    for href in checker.links:
        assert (out / urllib.parse.unquote(href)).is_file(), href
    # a histogram per question and one for the total
    assert page.count("<svg") == 4
    for q in ("compose", "composition_to_deep", "deep_net"):
        assert f"<h3>{q} (mean " in page
    # ben_partial's named mistakes, linked to its feedback; the notebook that did not load, why
    data = json.loads((out / "ben_partial" / "results.json").read_text())
    named = data["extra_data"]["relulab"]["mistakes"]
    assert named and all(m["mistake"] in page for m in named)
    assert "href='ben_partial/feedback.html'" in page
    assert re.search(r"corrupt</a></td><td>load error</td><td>the notebook is not valid JSON", page)
    assert "<h2>Slowest submissions</h2>" in page and "<h2>Isolation</h2>" in page
    # `relulab summary DIR` rebuilds it from results.json alone, a later batch adds to it
    (out / "summary.html").unlink()
    assert _cli("summary", str(out), cwd=tmp_path).returncode == 0
    assert (out / "summary.html").read_text(encoding="utf-8") == page
    more = tmp_path / "more"
    more.mkdir()
    shutil.copy(SAMPLES / "ada_correct.py", more / "zed.py")
    assert (
        _cli("grade", str(more), "-a", "composition", "--out", str(out), cwd=tmp_path).returncode
        == 0
    )
    again = (out / "summary.html").read_text(encoding="utf-8")
    assert "5 submissions" in again and "zed" in again


def test_summary_of_a_folder_without_results_is_a_usage_error(tmp_path):
    proc = _cli("summary", str(tmp_path), cwd=tmp_path)
    assert proc.returncode == 2 and "no <submission>/results.json" in proc.stderr
