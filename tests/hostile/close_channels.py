# Attack: close the sandbox's own pipes (results, status, inputs) at load time and forge a
# "loaded" frame, hoping to break the grader into an internal error (never graded) or to get
# the hidden inputs while loading.
import json
import os

for fd in (5, 4):
    try:
        os.close(fd)
    except OSError:
        pass
frame = json.dumps({"m": "loaded", "messages": ["FAKE"]}).encode()
try:
    os.write(3, len(frame).to_bytes(4, "big") + frame)
except OSError:
    pass


def compose(x, theta1, phi1, theta2, phi2):
    return x


def composition_to_deep(theta1, phi1, theta2, phi2):
    return theta1, phi1, phi2


def deep_net(x, theta, psi, phi):
    return x
