"""summary.html and feedback.html in a real browser (headless Chromium, Debian's `chromium`):
every image loads, no error is reported, and at a phone's width (390 px) nothing scrolls
sideways. Skipped where no Chromium is installed."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from autograder.paths import course_root

BROWSER = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(BROWSER is None, reason="no chromium installed")
HOSTILE = Path(__file__).resolve().parents[1] / "hostile"

# Injected into a copy of each page: what the browser saw, written where --dump-dom shows it.
PROBE = """<script>
const errors = [];
window.addEventListener('error', e => errors.push(String(e.message || e.target.src || e.type)), true);
window.addEventListener('load', () => {
  const images = [...document.images];
  const broken = images.filter(i => !(i.complete && i.naturalWidth > 0)).length;
  const result = {images: images.length, broken, errors,
    scroll: document.documentElement.scrollWidth, width: window.innerWidth};
  document.body.setAttribute('data-probe', JSON.stringify(result));
});
</script>"""


def _look(page: Path) -> dict:
    probe = page.with_name(f"probe-{page.name}")
    probe.write_text(page.read_text(encoding="utf-8").replace("</body>", PROBE + "</body>"))
    cmd = [BROWSER, "--headless", "--no-sandbox", "--disable-gpu", "--window-size=390,844"]
    cmd += ["--virtual-time-budget=5000", "--dump-dom", probe.as_uri()]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    found = re.search(r"data-probe=\"([^\"]*)\"", proc.stdout)
    assert found, (proc.returncode, proc.stderr[-2000:])
    return json.loads(found.group(1).replace("&quot;", '"').replace("&amp;", "&"))


@pytest.fixture(scope="module")
def pages(tmp_path_factory) -> list[Path]:
    tmp = tmp_path_factory.mktemp("pages")
    inbox = tmp / "in"
    shutil.copytree(course_root() / "samples" / "composition", inbox)
    for f in ("corrupt.ipynb", "leak_markers.py"):
        shutil.copy(HOSTILE / f, inbox / f)
    shutil.copy(HOSTILE / "honest" / "surrogates.py", inbox / "surrogates.py")
    out = tmp / "out"
    cmd = [sys.executable, "-m", "autograder.cli", "grade", str(inbox), "-a", "composition"]
    proc = subprocess.run([*cmd, "--out", str(out), "-j", "2"], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return [out / "summary.html", *sorted(out.glob("*/feedback.html"))]


def test_pages_load_cleanly_at_a_phones_width(pages):
    assert any("<img" in p.read_text() for p in pages)  # at least one page has a plot
    for page in pages:
        seen = _look(page)
        assert seen["broken"] == 0 and seen["errors"] == [], (page, seen)
        assert seen["width"] <= 400 and seen["scroll"] <= seen["width"], (page, seen)
