# Attack: run the worked solution notebook that an install copies next to the grader
# (site-packages/autograder/_course/solutions/), or any copy of it the grading host has.
import glob
import json
import os
import sys

CANDIDATES = []
for d in sys.path:
    CANDIDATES += glob.glob(
        os.path.join(d, "autograder", "_course", "solutions", "composition.ipynb")
    )
for root in ("/work", "/root", "/home", "/opt", "/srv", "/autograder", "/tmp", "/usr/local"):
    CANDIDATES += glob.glob(
        os.path.join(root, "**", "solutions", "composition.ipynb"), recursive=True
    )

for path in CANDIDATES:
    try:
        with open(path) as f:
            nb = json.load(f)
    except OSError:
        continue
    for cell in nb["cells"]:
        if cell["cell_type"] == "code":
            try:
                exec("".join(cell["source"]), globals())
            except Exception:
                pass
    if "compose" in globals():
        break
