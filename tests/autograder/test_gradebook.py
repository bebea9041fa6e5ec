"""The gradebook: one column per question, status and isolation, one rounding rule everywhere."""

from __future__ import annotations

import csv
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

from autograder.paths import course_root

SAMPLES = course_root() / "samples" / "composition"
HOSTILE = Path(__file__).resolve().parents[1] / "hostile"


def test_grades_csv_has_question_columns_status_and_one_rounding(tmp_path):
    inbox = tmp_path / "in"
    shutil.copytree(SAMPLES, inbox)
    shutil.copy(HOSTILE / "corrupt.ipynb", inbox / "corrupt.ipynb")
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "autograder.cli", "grade", str(inbox), "-a", "composition"]
    proc = subprocess.run([*cmd, "--out", str(out), "-j", "2"], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr[-2000:]
    with open(out / "grades.csv", newline="") as f:
        reader = csv.DictReader(f)
        header = reader.fieldnames
        rows = {r["submission"]: r for r in reader}
    assert header[:5] == ["submission", "assignment", "score", "max_score", "student"]
    assert {"compose", "composition_to_deep", "deep_net", "status", "isolation"} <= set(header)
    terminal = dict(re.findall(r"^(\S+): (\S+) / 10", proc.stdout, re.M))
    for name, row in rows.items():
        data = json.loads((out / name / "results.json").read_text())
        exact = {t["name"]: t["score"] for t in data["tests"] if "." not in t["number"]}
        for q, s in exact.items():
            assert float(row[q]) == round(s, 2)
        assert float(row["score"]) == round(data["score"], 2)  # shown: rounded once
        assert data["score"] == sum(t["score"] for t in data["tests"])  # kept: exact
        assert terminal[name] == row["score"]  # the same text in the terminal ...
        page = (out / name / "feedback.html").read_text()
        assert f": {row['score']} / 10</h1>" in page  # ... and on the page
        assert row["isolation"] == data["extra_data"]["relulab"]["isolation"].get("mode", "")
    assert rows["ada_correct"]["status"] == "graded" and rows["ada_correct"]["score"] == "10"
    assert rows["corrupt"]["status"] == "load error"
    line = next(ln for ln in proc.stdout.splitlines() if ln.startswith("corrupt:"))
    assert line.startswith("corrupt: 0 / 10 — ") and len(line) > len("corrupt: 0 / 10 — ") + 10
