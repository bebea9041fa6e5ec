# Attack: mutates its input arrays in place, hoping to corrupt the grader's inputs or reference values.
import numpy as np


def compose(x, theta1, phi1, theta2, phi2):
    x[...] = 0.0
    theta1[...] = 0.0
    phi1[...] = 0.0
    theta2[...] = 0.0
    phi2[...] = 0.0
    return np.zeros_like(x) + 5.0


def composition_to_deep(theta1, phi1, theta2, phi2):
    theta1 *= -1
    phi2[:] = np.nan
    return theta1, np.ones((len(phi2) - 1, len(phi1))), phi2


def deep_net(x, theta, psi, phi):
    x.sort()
    x += 1.0
    psi.fill(3.0)
    return x
