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

# A probe page frames the page at a phone's width (a desktop window cannot be that narrow) and
# writes what the browser saw where --dump-dom shows it. The pages have no scripts of their own,
# so a failed resource is the only error they could cause: counted as a broken image.
PROBE = """<!doctype html><html><body style="margin:0">
<iframe id="f" src="{src}" style="width:390px;height:844px;border:0"></iframe>
<script>
const f = document.getElementById('f');
f.addEventListener('load', () => {{
  const d = f.contentDocument, w = f.contentWindow;
  const images = [...d.images];
  const broken = images.filter(i => !(i.complete && i.naturalWidth > 0)).length;
  const result = {{images: images.length, broken, errors: [],
    scroll: d.documentElement.scrollWidth, width: w.innerWidth}};
  document.body.setAttribute('data-probe', JSON.stringify(result));
}});
</script></body></html>"""


def _look(page: Path) -> dict:
    probe = page.with_name(f"probe-{page.name}")
    probe.write_text(PROBE.format(src=page.name))
    cmd = [BROWSER, "--headless", "--no-sandbox", "--disable-gpu", "--allow-file-access-from-files"]
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
    names = ("ben_partial", "corrupt", "leak_markers", "surrogates")  # a plot, odd text
    return [out / "summary.html", *(out / n / "feedback.html" for n in names)]


def test_pages_load_cleanly_at_a_phones_width(pages):
    assert any("<img" in p.read_text() for p in pages)  # at least one page has a plot
    for page in pages:
        seen = _look(page)
        assert seen["broken"] == 0 and seen["errors"] == [], (page, seen)
        assert seen["width"] == 390 and seen["scroll"] <= seen["width"], (page, seen)
