# Attack: sys.exit(0) at import time, hoping an exit status of 0 passes the whole assignment.
import sys

import numpy as np

sys.exit(0)


def compose(x, theta1, phi1, theta2, phi2):
    return np.full_like(x, 7.0)


def composition_to_deep(theta1, phi1, theta2, phi2):
    return theta1 * 0, np.zeros((theta2.shape[0], theta1.shape[0] + 1)), phi2 * 0


def deep_net(x, theta, psi, phi):
    return np.full_like(x, 7.0)
