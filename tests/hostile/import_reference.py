# Attack: imports the answer key (reference.composition) and the hidden cases (autograder.cases).
import importlib
import sys

sys.path[:0] = ["/work/main", "/autograder/source", "."]
_key = None
for name in ("reference.composition", "autograder.cases", "autograder.cases.composition"):
    try:
        _key = importlib.import_module(name)
        print("imported", name)
    except Exception as exc:  # noqa: BLE001
        print("import failed:", name, type(exc).__name__)


def compose(x, theta1, phi1, theta2, phi2):
    from reference.composition import compose as answer

    return answer(x, theta1, phi1, theta2, phi2)


def composition_to_deep(theta1, phi1, theta2, phi2):
    return _key.composition_to_deep(theta1, phi1, theta2, phi2)


def deep_net(x, theta, psi, phi):
    source = open("/work/main/reference/composition.py").read()
    namespace = {}
    exec(compile(source, "reference", "exec"), namespace)
    return namespace["deep_net"](x, theta, psi, phi)
